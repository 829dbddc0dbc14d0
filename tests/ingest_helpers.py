"""Helpers for tests that drive the real ingest into a temporary home."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb

from pipelines.lib.config import load_settings
from pipelines.lib.ingest import ingest_entity, register_bronze_views

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
INVOICE_COLUMNS = (
    "invoice_id",
    "line_number",
    "invoice_date",
    "account_id",
    "product_id",
    "quantity",
    "net_amount",
    "distributor_id",
)


def settings_for(home: Path, **overrides):
    settings = load_settings(home=home)
    return dataclasses.replace(settings, **overrides) if overrides else settings


def with_format(settings, entity: str, **changes):
    """Settings whose source for `entity` reads with a changed parse format."""
    source = settings.sources[entity]
    fmt = dataclasses.replace(source.format, **changes)
    sources = {**settings.sources, entity: dataclasses.replace(source, format=fmt)}
    return dataclasses.replace(settings, sources=sources)


def land_bytes(settings, relative: str, content: bytes) -> Path:
    path = settings.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect()
    try:
        register_bronze_views(con, settings)
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def load_parents(settings) -> None:
    """Accounts A001-A003 and product P1 (fixtures), so invoice lines can reference them."""
    for fixture, relative, name in (
        ("accounts_latin1.csv", "crm/accounts.csv", "accounts"),
        ("products.csv", "sales/products.csv", "products"),
    ):
        target = settings.landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / fixture, target)
        ingest_entity(settings, name).raise_for_failures()
