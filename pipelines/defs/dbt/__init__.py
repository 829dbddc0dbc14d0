"""The dbt project as Dagster assets: one `dbt build` per run."""
