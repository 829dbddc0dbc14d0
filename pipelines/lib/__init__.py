"""Plain Python with no Dagster or dbt inside: contracts, parsing, quality, CLV, sample data."""
