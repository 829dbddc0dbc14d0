"""The COPY loader: bronze Parquet -> PostgreSQL tables with the same columns, types and values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from parity_builds import import_or_unavailable

from pipelines.lib.config import Settings, load_settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.ingest.bronze import bronze_columns

pytestmark = pytest.mark.postgres

psycopg = import_or_unavailable("psycopg", "KAM_REQUIRE_POSTGRES")

from pipelines.lib.engines.postgres import (  # noqa: E402  (after the driver check)
    PostgresLoadError,
    load_bronze,
    postgres_type,
)

ACCOUNTS = """
    select * from (values
        ('A1', 'Hospital São João', 'hospital', 'SP', 'K1',
         timestamp '2024-01-02 03:04:05.123456', '11222333000181', 'Ribeirão Preto', 'BR', 120,
         cast('1234567890123456.78' as decimal(18, 2)), null, true, 'Ação, "Concorrente"; linha'),
        ('A2', '', 'clinic', 'RJ', 'K2',
         timestamp '2025-12-31 23:59:59', null, null, null, null,
         cast('-0.01' as decimal(18, 2)), 'A1', false, 'duas\nlinhas'),
        ('A3', 'Clínica', 'clinic', 'MG', 'K1',
         timestamp '2026-06-30 00:00:00', null, '', null, 0,
         null, null, null, null)
    ) as rows (
        account_id, account_name, account_type, state, owner_kam_id, created_at, cnpj, city,
        country, beds, market_potential, referred_by_account_id, is_reference_site,
        competitors
    )
"""

INVOICE_LINES = """
    select * from (values
        ('I1', 1, date '2026-01-31', 'A1', 'P1', cast('-2.125' as decimal(18, 3)),
         cast('-0.10' as decimal(18, 2)), cast('0.05' as decimal(18, 2)), null, 'distribuidor',
         null, '2026-01'),
        ('I1', 2, date '2026-02-01', 'A2', 'P1', cast('999999999999999.999' as decimal(18, 3)),
         cast('1.23' as decimal(18, 2)), null, cast('0.00' as decimal(18, 2)), null, 'D1',
         '2026-02-01')
    ) as rows (
        invoice_id, line_number, invoice_date, account_id, product_id, quantity,
        net_amount, unit_price, discount, channel, distributor_id, _delivery_period
    )
"""


def _write_load(settings: Settings, entity: str, rows_sql: str, load_id: str) -> None:
    """Write one bronze load the way ingest does: every contract + lineage column, typed."""
    columns = bronze_columns(ENTITIES[entity])
    lineage = {
        "_load_id": f"'{load_id}'",
        "_source_file": f"'crm/{entity}.csv'",
        "_source_line": "row_number() over () + 1",
        "_loaded_at": "timestamp '2026-07-01 02:00:00.5'",
    }
    selects = []
    for name, type_ in columns.items():
        expression = lineage.get(name, f'rows."{name}"')
        selects.append(f'cast({expression} as {type_}) as "{name}"')
    target = settings.bronze_dir / entity / f"{load_id}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(
            f"copy (select {', '.join(selects)} from ({rows_sql}) as rows) "
            f"to '{target}' (format parquet)"
        )


@pytest.fixture()
def loaded(tmp_path: Path, pg_database: str) -> Iterator[tuple[Settings, object]]:
    settings = load_settings(home=tmp_path / "home", landing=tmp_path / "landing")
    _write_load(settings, "accounts", ACCOUNTS, "L1")
    _write_load(settings, "invoice_lines", INVOICE_LINES, "L2")
    conninfo = f"dbname={pg_database}" if pg_database else ""
    counts = load_bronze(settings, conninfo)
    with psycopg.connect(conninfo) as connection:
        yield counts, connection


def test_row_counts_and_empty_entities(loaded: tuple[dict, object]) -> None:
    counts, connection = loaded
    assert counts["accounts"] == 3
    assert counts["invoice_lines"] == 2
    assert counts["contacts"] == 0
    assert {"quarantine", "load_manifest"} <= set(counts)
    with connection.cursor() as cursor:
        assert cursor.execute("select count(*) from bronze.accounts").fetchone() == (3,)
        assert cursor.execute("select count(*) from bronze.contacts").fetchone() == (0,)


def test_every_column_has_the_mapped_type(loaded: tuple[dict, object]) -> None:
    _, connection = loaded
    with connection.cursor() as cursor:
        rows = cursor.execute(
            """
            select table_name, column_name, data_type, numeric_precision, numeric_scale
            from information_schema.columns
            where table_schema = 'bronze'
            order by table_name, ordinal_position
            """
        ).fetchall()
    actual: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type, precision, scale in rows:
        spelled = f"numeric({precision},{scale})" if data_type == "numeric" else data_type
        actual.setdefault(table, []).append((column, spelled))
    aliases = {"timestamp": "timestamp without time zone"}
    for name, entity in ENTITIES.items():
        expected = [
            (column, aliases.get(postgres_type(type_), postgres_type(type_)))
            for column, type_ in bronze_columns(entity).items()
        ]
        assert actual[name] == expected, name


def test_values_survive_exactly(loaded: tuple[dict, object]) -> None:
    _, connection = loaded
    with connection.cursor() as cursor:
        accounts = {
            row[0]: row
            for row in cursor.execute(
                "select account_id, account_name, city, competitors, market_potential, "
                "is_reference_site, beds, created_at, referred_by_account_id, cnpj, "
                "_source_line, _loaded_at from bronze.accounts"
            ).fetchall()
        }
        lines = cursor.execute(
            "select line_number, quantity, net_amount, unit_price, discount, "
            "invoice_date, _delivery_period from bronze.invoice_lines order by line_number"
        ).fetchall()
    first, second, third = accounts["A1"], accounts["A2"], accounts["A3"]
    # Accents, delimiters, quotes and embedded newlines arrive as written.
    assert first[1] == "Hospital São João"
    assert first[2] == "Ribeirão Preto"
    assert first[3] == 'Ação, "Concorrente"; linha'
    assert second[3] == "duas\nlinhas"
    # Decimals are exact at the full precision; booleans and integers keep their types.
    assert first[4] == Decimal("1234567890123456.78")
    assert second[4] == Decimal("-0.01")
    assert (first[5], second[5], third[5]) == (True, False, None)
    assert (first[6], third[6]) == (120, 0)
    # Microseconds survive; timestamps stay naive UTC.
    assert first[7] == dt.datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert first[11] == dt.datetime(2026, 7, 1, 2, 0, 0, 500000)
    # NULL and the empty string stay distinct.
    assert second[1] == "" and third[2] == ""
    assert second[2] is None and second[9] is None and first[8] is None
    assert third[4] is None
    assert [row[10] for row in (first, second, third)] == [2, 3, 4]
    assert lines == [
        (1, Decimal("-2.125"), Decimal("-0.10"), Decimal("0.05"), None,
         dt.date(2026, 1, 31), "2026-01"),
        (2, Decimal("999999999999999.999"), Decimal("1.23"), None, Decimal("0.00"),
         dt.date(2026, 2, 1), "2026-02-01"),
    ]  # fmt: skip


def test_reloading_replaces_rows(tmp_path: Path, pg_database: str) -> None:
    settings = load_settings(home=tmp_path / "home", landing=tmp_path / "landing")
    conninfo = f"dbname={pg_database}" if pg_database else ""
    _write_load(settings, "accounts", ACCOUNTS, "L1")
    assert load_bronze(settings, conninfo)["accounts"] == 3
    _write_load(settings, "accounts", ACCOUNTS, "L9")
    assert load_bronze(settings, conninfo)["accounts"] == 6
    with psycopg.connect(conninfo) as connection:
        count = connection.execute("select count(*) from bronze.accounts").fetchone()
    assert count == (6,)


def test_unreachable_server_names_where_it_looked(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", landing=tmp_path / "landing")
    with pytest.raises(PostgresLoadError, match="host=127.0.0.1 port=1 "):
        load_bronze(settings, "host=127.0.0.1 port=1 user=nobody dbname=nowhere")


def test_type_mapping() -> None:
    assert postgres_type("DECIMAL(18, 2)") == "numeric(18,2)"
    assert postgres_type("decimal(18,4)") == "numeric(18,4)"
    assert postgres_type("VARCHAR") == "text"
    assert postgres_type("DOUBLE") == "double precision"
    assert postgres_type("BIGINT") == "bigint"
    with pytest.raises(ValueError, match="HUGEINT"):
        postgres_type("HUGEINT")
