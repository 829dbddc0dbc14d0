"""`kam check`: a dry run that writes nothing and fails exactly where `kam run` would at ingest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from pipelines.cli.main import main
from pipelines.lib.config import DEFAULT_CONFIG_PATH, load_settings
from pipelines.lib.ingest import ingest_entity
from pipelines.lib.ingest.dry_run import ingest_order
from tests.unit.landing_helpers import FIXTURES, INVOICE_HEADER, invoice_rows, land


def landing_folder(tmp_path: Path, invoices: str | None = None) -> Path:
    """Accounts, products and one daily invoice file: the smallest folder a run accepts."""
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    (landing / "sales" / "invoice_lines").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "accounts_latin1.csv", landing / "crm" / "accounts.csv")
    shutil.copyfile(FIXTURES / "products.csv", landing / "sales" / "products.csv")
    body = invoices if invoices is not None else INVOICE_HEADER + invoice_rows("N1", 30)
    (landing / "sales" / "invoice_lines" / "nf_2025-01-05.csv").write_bytes(body.encode("latin-1"))
    return landing


def config_with(tmp_path: Path, sources: dict) -> Path:
    document = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    for name, extra in sources.items():
        document["sources"][name] = {**document["sources"][name], **extra}
    path = tmp_path / "kam.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def check(capsys, landing: Path, home: Path, config: Path | None = None) -> tuple[int, str]:
    argv = ["check", "--landing", str(landing), "--home", str(home)]
    if config is not None:
        argv += ["--config", str(config)]
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def real_run_fails(landing: Path, home: Path, config: Path | None = None) -> bool:
    """Whether a real ingest of every entity (parents first) reports a failure."""
    settings = load_settings(config, home=home, landing=landing)
    return any(ingest_entity(settings, name).has_failures for name in ingest_order())


def test_a_good_folder_passes_and_says_what_is_missing(tmp_path, capsys):
    landing = landing_folder(tmp_path)
    home = tmp_path / "home"

    code, out = check(capsys, landing, home)

    assert code == 0, out
    assert "accounts: crm/accounts.csv: 3 read, 3 would load" in out
    assert "invoice_lines: sales/invoice_lines/nf_2025-01-05.csv: 30 read, 30 would load" in out
    assert "ignored legacy_code" in out  # a column the contract does not know
    assert "not delivered: contacts, activities" in out
    assert "decision_unit_coverage (contacts, activities)" in out
    assert "result: `kam run` would load this folder" in out
    assert not home.exists()  # nothing written, not even the home folder
    assert real_run_fails(landing, tmp_path / "real") is False


def test_files_already_loaded_are_what_a_run_skips_and_the_home_stays_untouched(tmp_path, capsys):
    landing = landing_folder(tmp_path)
    home = tmp_path / "home"
    settings = load_settings(home=home, landing=landing)
    for name in ("accounts", "products", "invoice_lines"):
        ingest_entity(settings, name).raise_for_failures()
    land(settings, "sales/invoice_lines/nf_2025-01-06.csv", INVOICE_HEADER + invoice_rows("N6", 2))
    before = listing(home)

    code, out = check(capsys, landing, home)

    assert code == 0, out
    assert "accounts: crm/accounts.csv: already loaded, a run skips it" in out
    assert "invoice_lines: 2 files, 2 read, 2 would load" in out
    assert listing(home) == before


def test_a_missing_required_entity_fails(tmp_path, capsys):
    landing = landing_folder(tmp_path)
    shutil.rmtree(landing / "sales" / "invoice_lines")

    code, out = check(capsys, landing, tmp_path / "home")

    assert code == 1
    assert "not delivered: contacts" in out and "invoice_lines" in out.split("not delivered:")[1]
    assert "required, so a run fails: invoice_lines" in out
    assert "fct_sales (invoice_lines)" in out
    assert "result: `kam run` would FAIL at ingest: invoice_lines" in out


def test_a_missing_required_column_fails_naming_it(tmp_path, capsys):
    landing = landing_folder(tmp_path)
    (landing / "crm" / "accounts.csv").write_text(
        "account_id;account_name;account_type;owner_kam_id;created_at\nA1;H;hospital;K1;01/01/2025\n",
        encoding="latin-1",
    )

    code, out = check(capsys, landing, tmp_path / "home")

    assert code == 1
    assert "accounts: crm/accounts.csv: FAILS: line 1: missing required column(s) state" in out
    assert "would FAIL at ingest: accounts" in out


def test_too_many_bad_rows_fail_with_the_first_reasons(tmp_path, capsys):
    bad = "".join(f"B{n};1;05/01/2025;A001;P1;x{n};1,00\n" for n in range(12))
    landing = landing_folder(tmp_path, INVOICE_HEADER + invoice_rows("N1", 30) + bad)

    code, out = check(capsys, landing, tmp_path / "home")

    assert code == 1
    assert "FAILS: 12 of 42 rows (28.6%) broke row rules in this run" in out
    assert "quarantined: line 32, column quantity: expected a number like 1.234,56" in out
    assert real_run_fails(landing, tmp_path / "real") is True


def test_an_invalid_derived_value_names_the_expression(tmp_path, capsys):
    landing = landing_folder(tmp_path)
    config = config_with(tmp_path, {"invoice_lines": {"derived": {"quantity": "quantity * 1e30"}}})

    code, out = check(capsys, landing, tmp_path / "home", config)

    assert code == 1
    assert (
        "the expression's value cannot be read as DECIMAL(18, 3) (derived: quantity * 1e30)" in out
    )
    assert "derived quantity = quantity * 1e30" in out


def test_a_config_error_is_reported_before_any_work(tmp_path, capsys):
    landing = landing_folder(tmp_path)
    config = tmp_path / "kam.yml"
    config.write_text("ingest:\n  max_bad_rows_share: 0.5\n", encoding="utf-8")

    code, out = check(capsys, landing, tmp_path / "home", config)

    assert code == 2
    assert "max_bad_rows_share" in out and "did you mean" in out
    assert "kam check:" not in out


def test_a_file_with_a_swallowed_line_is_judged_as_a_run_judges_it(tmp_path, capsys):
    # A quote opened on line 5 and closed on line 8 turns three lines into one value.
    body = (
        INVOICE_HEADER
        + invoice_rows("N1", 3)
        + 'N2;1;05/01/2025;A001;P1;1;"10,00\n'
        + "N2;2;05/01/2025;A001;P1;1;10,00\n"
        + 'N2;3;05/01/2025;A001;P1;1;10,00"\n'
        + invoice_rows("N3", 3)
    )
    landing = landing_folder(tmp_path, body)

    code, out = check(capsys, landing, tmp_path / "home")

    assert (code != 0) == real_run_fails(landing, tmp_path / "real")
    assert "sales/invoice_lines/nf_2025-01-05.csv" in out
    invoice_line = next(line for line in out.splitlines() if line.startswith("invoice_lines:"))
    assert " read" in invoice_line  # every record DuckDB parsed is accounted for


@pytest.mark.parametrize("missing", ["landing"])
def test_a_missing_landing_folder_is_an_error(tmp_path, capsys, missing):
    code, out = check(capsys, tmp_path / missing, tmp_path / "home")
    assert code == 2 and "does not exist" in out


def test_personal_data_stays_out_of_the_check(tmp_path, capsys):
    landing = landing_folder(tmp_path)
    (landing / "crm" / "contacts.csv").write_text(
        "contact_id,account_id,decision_role,relationship_level,full_name,email\n"
        "C1,A001,decision_maker,9,Maria Secreta,maria.secreta@example.com\n",
        encoding="utf-8",
    )
    config = config_with(tmp_path, {"contacts": {"format": "standard_csv"}})

    code, out = check(capsys, landing, tmp_path / "home", config)

    assert "contacts: crm/contacts.csv: 1 read, 0 would load, 1 quarantined" in out
    assert "Maria" not in out and "maria.secreta" not in out
    assert code == 0  # one bad row is within the allowance


def test_the_environment_is_left_as_it_was(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KAM_HOME", raising=False)
    landing = landing_folder(tmp_path)
    check(capsys, landing, tmp_path / "home")
    assert "KAM_HOME" not in os.environ
