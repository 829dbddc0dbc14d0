"""A published version describes itself: comments, Parquet metadata and the publish record.

Real DuckDB files: a small build with every column type the marts use is published with docs
read from a dbt manifest, then read back the way BI tools and analysts would.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines.lib import publish
from pipelines.lib.mart_docs import MartDocsError, grain_from_description, read_mart_docs
from pipelines.lib.publish_record import PublishRecord
from tests.publish_builds import DOCS, MARTS, PARTITIONS, change, make_build, record


def publish_version(build: Path, published: Path, version: str, *, docs=DOCS, rec=None):
    return publish.publish_build(
        build,
        published,
        marts=MARTS,
        record=rec or record(version),
        version=version,
        partition_columns=PARTITIONS,
        docs=docs,
    )


def comments(db: Path) -> tuple[dict[str, str], dict[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = dict(
            con.execute(
                "select schema_name || '.' || table_name, coalesce(comment, '') "
                "from duckdb_tables() where schema_name in ('marts', 'meta')"
            ).fetchall()
        )
        columns = dict(
            con.execute(
                "select schema_name || '.' || table_name || '.' || column_name, "
                "coalesce(comment, '') from duckdb_columns() "
                "where schema_name in ('marts', 'meta')"
            ).fetchall()
        )
    finally:
        con.close()
    return tables, columns


def test_every_table_and_column_carries_its_description(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish_version(make_build(tmp_path / "build.duckdb"), published, "v1")

    tables, columns = comments(published / "kam.duckdb")
    assert tables["marts.dim_accounts"] == "Account profile. Grain: one row per account_id."
    assert columns["marts.fct_sales.net_amount"] == "Net amount of the line (it's after discounts)."
    assert {name for name, text in tables.items() if not text.strip()} == set()
    assert {name for name, text in columns.items() if not text.strip()} == set()
    assert {name.split(".")[0] for name in tables} == {"marts", "meta"}


def test_every_parquet_field_carries_its_description(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish_version(make_build(tmp_path / "build.duckdb"), published, "v1")

    for mart in MARTS:
        path = published / "parquet" / f"{mart}.parquet"
        schema = pq.read_schema(path)
        assert {field.name: field.metadata[b"description"].decode() for field in schema} == DOCS[
            mart
        ].columns
        footer = pq.read_metadata(path).metadata
        assert footer[b"description"].decode() == DOCS[mart].description
        assert footer[b"grain"].decode() == DOCS[mart].grain


def test_decimals_are_exact_in_duckdb_and_floats_in_parquet(tmp_path: Path) -> None:
    published = tmp_path / "published"
    publish_version(make_build(tmp_path / "build.duckdb"), published, "v1")

    con = duckdb.connect(str(published / "kam.duckdb"), read_only=True)
    try:
        types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() where table_name = 'fct_sales'"
            ).fetchall()
        )
        exact_total = con.execute("select sum(net_amount) from marts.fct_sales").fetchone()[0]
    finally:
        con.close()
    assert types["net_amount"] == "DECIMAL(18,2)" and types["revenue_12m"] == "DECIMAL(38,2)"

    sales = pd.read_parquet(published / "parquet" / "fct_sales.parquet")
    for column in ("quantity", "net_amount", "gross_margin", "revenue_12m", "discount_share"):
        assert sales[column].dtype == "float64", column
    assert sales["net_amount"].sum() == pytest.approx(float(exact_total), abs=1e-6)
    accounts = pd.read_parquet(published / "parquet" / "dim_accounts.parquet")
    assert accounts["market_potential"].dtype == "float64"
    assert str(accounts["created_at"].dtype).startswith("datetime64")


def test_the_publish_record_lists_marts_reasons_and_warnings(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    change(build, "delete from marts.dim_accounts")
    published = tmp_path / "published"
    rec = record(
        "run-1",
        empty_reasons={"dim_accounts": "accounts were not delivered"},
        warnings=["CLV fit did not converge", "no invoice file for 3 days"],
        currency="EUR",
    )

    publish_version(build, published, "v1", rec=rec)

    con = duckdb.connect(str(published / "kam.duckdb"), read_only=True)
    try:
        marts = con.execute("select * from meta.marts order by mart").fetchall()
        warnings = con.execute("select position, warning from meta.warnings").fetchall()
        currency = con.execute("select currency from meta.publish").fetchone()[0]
    finally:
        con.close()
    as_of = pd.Timestamp("2026-05-31").date()
    assert marts == [
        (
            "dim_accounts",
            DOCS["dim_accounts"].description,
            "one row per account_id",
            0,
            as_of,
            "EUR",
            "accounts were not delivered",
        ),
        (
            "fct_sales",
            DOCS["fct_sales"].description,
            "one row per invoice_line_id",
            50,
            as_of,
            "EUR",
            None,
        ),
    ]
    assert warnings == [(1, "CLV fit did not converge"), (2, "no invoice file for 3 days")]
    assert currency == "EUR"
    info = publish.read_publish_info(published)
    assert info.empty_reasons == {"dim_accounts": "accounts were not delivered"}
    assert info.warnings == ["CLV fit did not converge", "no invoice file for 3 days"]
    assert (info.currency, info.storage_version) == ("EUR", publish.DEFAULT_STORAGE_VERSION)


def test_changed_docs_rewrite_an_unchanged_marts_export(tmp_path: Path) -> None:
    """A hard link to the previous export would keep the old descriptions."""
    build = make_build(tmp_path / "build.duckdb")
    published = tmp_path / "published"
    publish_version(build, published, "v1")
    reworded = {
        **DOCS,
        "dim_accounts": DOCS["dim_accounts"].__class__(
            name="dim_accounts",
            description="Accounts, reworded. Grain: one row per account_id.",
            grain="one row per account_id",
            columns=DOCS["dim_accounts"].columns,
        ),
    }

    second = publish_version(build, published, "v2", docs=reworded)

    assert second.is_new
    assert {copy.mart: copy.how for copy in second.marts}["dim_accounts"] == "unchanged"
    v1, v2 = (published / "versions" / v / "parquet" / "dim_accounts.parquet" for v in ("v1", "v2"))
    assert v1.stat().st_ino != v2.stat().st_ino
    assert (
        pq.read_metadata(v2).metadata[b"description"]
        == b"Accounts, reworded. Grain: one row per account_id."
    )
    tables, _ = comments(published / "kam.duckdb")
    assert tables["marts.dim_accounts"] == "Accounts, reworded. Grain: one row per account_id."


def write_manifest(path: Path) -> Path:
    path.write_text(
        json.dumps(
            {
                "nodes": {
                    "model.kam.dim_accounts": {
                        "resource_type": "model",
                        "name": "dim_accounts",
                        "alias": "dim_accounts",
                        "schema": "marts",
                        "description": (
                            "Account profile.\n  Grain: one row\n  per account_id. Current tier."
                        ),
                        "meta": {},
                        "config": {"meta": {}},
                        "columns": {"account_id": {"name": "account_id", "description": "CRM id."}},
                    },
                    "model.kam.account_clv": {
                        "resource_type": "model",
                        "name": "account_clv",
                        "alias": "account_clv",
                        "schema": "marts",
                        "description": "CLV per account.",
                        "config": {"meta": {"grain": "one row per account_id"}},
                        "columns": {"p_alive": {"name": "p_alive", "description": "P(alive)."}},
                    },
                    "model.kam.stg_crm__accounts": {
                        "resource_type": "model",
                        "name": "stg_crm__accounts",
                        "schema": "staging",
                        "description": "Staging.",
                        "columns": {},
                    },
                },
            }
        ),
        encoding="utf-8",
    )
    return path


def test_docs_come_from_the_mart_models_of_the_manifest(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.json")

    docs = read_mart_docs(manifest, ["dim_accounts", "account_clv", "stg_crm__accounts", "nope"])

    assert set(docs) == {"dim_accounts", "account_clv"}
    assert docs["dim_accounts"].grain == "one row per account_id"
    assert docs["dim_accounts"].column("account_id") == "CRM id."
    assert docs["account_clv"].grain == "one row per account_id"
    assert docs["account_clv"].columns == {"p_alive": "P(alive)."}


def test_grain_is_the_sentence_after_grain() -> None:
    assert grain_from_description(
        "Tiers. Grain: one row per account_id and snapshot_date. More."
    ) == ("one row per account_id and snapshot_date")
    assert grain_from_description("No grain stated.") is None


def test_an_unreadable_manifest_names_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "manifest.json"
    broken.write_text('{"nodes": {\n  "x": }', encoding="utf-8")
    with pytest.raises(MartDocsError, match=r"manifest.json: line 2, column 8: not valid JSON"):
        read_mart_docs(broken, ["dim_accounts"])
    with pytest.raises(MartDocsError, match="dbt manifest not found"):
        read_mart_docs(tmp_path / "missing.json", ["dim_accounts"])


def test_a_record_without_reasons_or_warnings_is_valid() -> None:
    plain = PublishRecord(run_id="r", as_of_date=None, checks={"c": True})
    assert plain.empty_reasons == {} and list(plain.warnings) == [] and plain.currency == "BRL"
