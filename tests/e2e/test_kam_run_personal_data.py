"""`kam run` on contacts files without a header row or with shifted columns: no contact's name,
e-mail or phone reaches the console, the Dagster run storage, the manifest or the quarantine."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import run_kam

pytestmark = pytest.mark.slow


def personal_values(contacts: Path) -> set[str]:
    with contacts.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row[column] for row in rows for column in ("full_name", "email", "phone") if row[column]
    }


def test_header_less_and_shifted_contacts_leak_nothing(tmp_path: Path, landing: Path) -> None:
    contacts = landing / "crm" / "contacts.csv"
    secrets = personal_values(contacts)
    lines = contacts.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    half = len(rows) // 2
    # One file lost its header row; the other has every row shifted one column to the left.
    contacts.write_text("\n".join(rows[:half]) + "\n", encoding="utf-8")
    shifted = [",".join([*next(csv.reader([row]))[1:], "x"]) for row in rows[half:]]
    (landing / "crm" / "contacts.shifted.csv").write_text(
        "\n".join([header, *shifted]) + "\n", encoding="utf-8"
    )
    home = tmp_path / "home"

    result = run_kam(home, landing)

    assert result.returncode != 0
    assert "crm/contacts.csv line 1: missing required column(s)" in result.stdout + result.stderr
    written = {"stdout": result.stdout.encode(), "stderr": result.stderr.encode()}
    for path in sorted((home / "dagster").rglob("*")):
        if path.is_file():
            written[str(path.relative_to(home))] = path.read_bytes()
    manifest = home / "bronze" / "_manifest" / "loads.jsonl"
    written["manifest"] = manifest.read_bytes()
    assert any(name.endswith(".db") for name in written), "no Dagster run storage to check"
    quarantine = sorted((home / "bronze" / "_quarantine" / "contacts").glob("*.parquet"))
    assert quarantine, "the shifted file should have quarantined rows"
    con = duckdb.connect()
    files = [str(path) for path in quarantine]
    values = con.execute(
        "SELECT string_agg(coalesce(value, '') || ' ' || reason, '\n') FROM read_parquet(?)",
        [files],
    ).fetchone()[0]
    written["quarantine"] = values.encode()

    leaks = {
        where: sorted(secret for secret in secrets if secret.encode() in data)[:3]
        for where, data in written.items()
    }
    assert not {where: found for where, found in leaks.items() if found}
