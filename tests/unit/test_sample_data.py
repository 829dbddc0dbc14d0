"""The sample landing data: deterministic, realistic, and readable with the declared formats."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from pipelines.lib import cnpj
from pipelines.lib.config import load_settings
from pipelines.lib.contract import ACCOUNT_TYPES, BRAZILIAN_STATES, ENTITIES, KPIS
from pipelines.lib.sample_data import GenerationSummary, generate_landing

END = dt.date(2026, 10, 31)
CSV_ENTITIES = ("accounts", "contacts", "activities", "service_requests", "opportunities", "users")


def _read_csv(landing: Path, entity: str) -> pd.DataFrame:
    fmt = load_settings().sources[entity].format
    return pd.read_csv(
        landing / f"crm/{entity}.csv",
        sep=fmt.delimiter,
        encoding=fmt.encoding,
        dtype=str,
        keep_default_na=False,
    )


def _invoice_lines(landing: Path) -> pd.DataFrame:
    pattern = str(landing / "sales/invoice_lines/*.csv")
    return duckdb.sql(
        f"select * from read_csv('{pattern}', delim=';', header=true, all_varchar=true)"
    ).df()


def _brl_cents(values: pd.Series) -> np.ndarray:
    """`1.234,56` -> 123456."""
    plain = values.str.replace(".", "", regex=False).str.replace(",", "", regex=False)
    return plain.astype(np.int64).to_numpy()


def _sheet(landing: Path, name: str) -> pd.DataFrame:
    workbook = load_workbook(landing / "plan/kam_plan.xlsx", read_only=True)
    rows = list(workbook[name].iter_rows(values_only=True))
    workbook.close()
    return pd.DataFrame(rows[1:], columns=rows[0])


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def default_landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("landing")
    return out, generate_landing(out, end_date=END)


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    runs = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate_landing(tmp_path / name, accounts=60, years=1, seed=seed, end_date=END)
        runs.append(_hashes(tmp_path / name))
        time.sleep(1.1)  # a wall-clock second apart: any leaked timestamp changes the bytes
    assert "plan/kam_plan.xlsx" in runs[0]
    assert runs[0] == runs[1]
    changed = [path for path in runs[0] if runs[0][path] != runs[2].get(path)]
    assert "crm/accounts.csv" in changed and "plan/kam_plan.xlsx" in changed


def test_default_size_is_a_realistic_portfolio(default_landing) -> None:
    landing, summary = default_landing
    accounts = _read_csv(landing, "accounts")
    assert set(accounts["state"]) == set(BRAZILIAN_STATES)
    assert set(accounts["account_type"]) == set(ACCOUNT_TYPES)
    assert 100_000 <= summary.invoice_lines <= 300_000
    assert summary.first_invoice_date >= dt.date(2023, 11, 1)
    assert summary.last_invoice_date <= END
    assert "invoice lines" in summary.describe().lower()

    created = pd.to_datetime(accounts["created_at"], format="%d/%m/%Y %H:%M:%S")
    in_window = created[created >= pd.Timestamp("2023-11-01")].dt.to_period("M")
    assert in_window.nunique() >= 0.8 * 36, "new accounts should appear in most months"


def test_top_fifth_of_accounts_brings_most_revenue(default_landing) -> None:
    landing, _ = default_landing
    lines = _invoice_lines(landing)
    revenue = pd.Series(_brl_cents(lines["net_amount"])).groupby(lines["account_id"]).sum()
    ordered = revenue.sort_values(ascending=False).to_numpy()
    top = ordered[: round(len(ordered) * 0.2)].sum() / ordered.sum()
    assert 0.70 <= top <= 0.85


def test_every_foreign_key_resolves_without_defects(default_landing) -> None:
    landing, _ = default_landing
    accounts = _read_csv(landing, "accounts")
    account_ids = set(accounts["account_id"])
    users = _read_csv(landing, "users")
    user_ids = set(users["kam_id"])
    contacts = _read_csv(landing, "contacts")
    products = pq.read_table(landing / "sales/products.parquet").to_pandas()
    lines = _invoice_lines(landing)

    assert all(cnpj.is_valid(value) for value in accounts["cnpj"])
    assert set(accounts["owner_kam_id"]) <= user_ids
    assert set(users["manager_id"]) - {""} <= user_ids
    referrers = set(accounts["referred_by_account_id"]) - {""}
    assert referrers and referrers <= account_ids
    for entity in ("contacts", "activities", "service_requests", "opportunities"):
        assert set(_read_csv(landing, entity)["account_id"]) <= account_ids, entity
    activities = _read_csv(landing, "activities")
    assert set(activities["contact_id"]) - {""} <= set(contacts["contact_id"])
    assert set(activities["kam_id"]) <= user_ids

    assert set(lines["account_id"]) <= account_ids
    assert set(lines["product_id"]) <= set(products["product_id"])
    distributors = set(accounts.loc[accounts["account_type"] == "distributor", "account_id"])
    used = set(lines.loc[lines["channel"] == "distributor", "distributor_id"])
    assert used and used <= distributors
    assert not lines.duplicated(["invoice_id", "line_number"]).any()

    for sheet in ("objetivos", "acoes", "swot", "excecoes_tier"):
        assert set(_sheet(landing, sheet)["conta_id"]) <= account_ids, sheet


def test_invoice_amounts_are_consistent(default_landing) -> None:
    landing, _ = default_landing
    lines = _invoice_lines(landing)
    quantity = lines["quantity"].astype(np.int64).to_numpy()
    net = _brl_cents(lines["net_amount"])
    unit = _brl_cents(lines["unit_price"])
    discount = _brl_cents(lines["discount"])
    assert (net == quantity * unit - discount).all()
    assert (unit > 0).all() and (discount >= 0).all()
    credit_share = (quantity < 0).mean()
    assert 0 < credit_share < 0.01, "credit notes exist but are rare"
    assert set(lines["channel"]) == {"direct", "distributor", "tender"}
    assert lines["invoice_date"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()


def test_files_use_their_declared_encodings_and_headers(default_landing) -> None:
    landing, _ = default_landing
    raw = (landing / "crm/accounts.csv").read_bytes()
    assert "São Paulo".encode("latin-1") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert (
        "São".encode() in (landing / "crm/contacts.csv").read_bytes()
        or "ã".encode() in (landing / "crm/contacts.csv").read_bytes()
    )
    for entity in CSV_ENTITIES:
        assert list(_read_csv(landing, entity).columns) == list(ENTITIES[entity].column_names)
    first_file = sorted((landing / "sales/invoice_lines").glob("*.csv"))[0]
    assert first_file.name == "invoice_lines_2023-11-01.csv"
    header = first_file.read_text(encoding="latin-1").splitlines()[0]
    assert header.split(";") == list(ENTITIES["invoice_lines"].column_names)

    objectives = _sheet(landing, "objetivos")
    assert list(objectives.columns) == ["periodo", "conta_id", "kpi", "kam_id", "meta", "peso"]
    assert set(objectives["kpi"]) == set(KPIS)
    assert set(objectives["periodo"]) == {"2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}
    actions = _sheet(landing, "acoes")
    assert isinstance(actions["prazo"].iloc[0], dt.datetime)
    assert {"done", "planned", "in_progress"} <= set(actions["status"])


def test_defect_rate_produces_detectable_bad_rows(tmp_path: Path) -> None:
    summary = generate_landing(tmp_path, accounts=200, years=1, defect_rate=0.05, end_date=END)
    accounts = _read_csv(tmp_path, "accounts")
    assert len(accounts) >= 200
    assert not all(cnpj.is_valid(value) for value in accounts["cnpj"] if value)

    account_ids = set(accounts["account_id"])
    lines = _invoice_lines(tmp_path)
    unknown = set(lines["account_id"]) - account_ids - {""}
    assert unknown
    assert lines.duplicated().any()
    contacts = _read_csv(tmp_path, "contacts")
    assert (contacts["contact_id"] == "").any() or contacts.duplicated().any()
    assert summary.defect_rows["contacts"] >= 1
    objectives = _sheet(tmp_path, "objetivos")
    assert len(objectives) > summary.row_counts["objectives"] * 0.9
