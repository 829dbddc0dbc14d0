"""Small landing folders and settings for ingest tests (a module, not conftest: import it)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines.lib.config import DEFAULT_CONFIG_PATH, load_settings
from pipelines.lib.ingest import ingest_entity, register_bronze_views

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
INVOICE_HEADER = "invoice_id;line_number;invoice_date;account_id;product_id;quantity;net_amount\n"

# Every line of a daily file, then the "current" rows downstream sees: the latest load of each
# delivery period, then the latest version of each line key across periods (as
# stg_sales__invoice_line_versions ranks them).
CURRENT_LINES = """
    WITH period_latest AS (
        SELECT *, max(_load_id) OVER (PARTITION BY _delivery_period) AS latest_load
        FROM bronze.invoice_lines
    ),
    ranked AS (
        SELECT *, row_number() OVER (
            PARTITION BY invoice_id, line_number
            ORDER BY _loaded_at DESC, _load_id DESC, _delivery_period DESC
        ) AS version
        FROM period_latest WHERE _load_id = latest_load
    )
    SELECT invoice_id, line_number, net_amount, _delivery_period FROM ranked WHERE version = 1
    ORDER BY invoice_id, line_number
"""


def settings_for(tmp_path: Path, config: dict[str, Any] | None = None, **overrides):
    """Settings of a home under `tmp_path`; `config` is merged into the project's kam.yml
    (validated like a user's file), `overrides` replace Settings fields afterwards."""
    path = None
    if config:
        document = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
        tmp_path.mkdir(parents=True, exist_ok=True)
        path = tmp_path / "kam.yml"
        path.write_text(yaml.safe_dump(_merge(document, config)), encoding="utf-8")
    settings = load_settings(path, home=tmp_path)
    return dataclasses.replace(settings, **overrides) if overrides else settings


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def land(settings, relative: str, content: str | bytes, encoding: str = "latin-1") -> Path:
    path = settings.landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect()
    try:
        register_bronze_views(con, settings)
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def with_parents(settings) -> None:
    """Accounts A001-A003 and products P1-P3, loaded."""
    for fixture, relative, name in (
        ("accounts_latin1.csv", "crm/accounts.csv", "accounts"),
        ("products.csv", "sales/products.csv", "products"),
    ):
        target = settings.landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / fixture, target)
        ingest_entity(settings, name).raise_for_failures()


def invoice_rows(
    invoice: str, count: int, amount: str = "10,00", day: str = "05/01/2025", quantity: str = "1"
) -> str:
    return "".join(
        f"{invoice};{n};{day};A001;P1;{quantity};{amount}\n" for n in range(1, count + 1)
    )


def statuses(report) -> dict[str, str]:
    return {f.file.rsplit("/", 1)[-1]: f.status for f in report.files}
