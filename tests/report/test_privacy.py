"""LGPD: contacts appear as roles and counts; no contact's name, e-mail or phone reaches a page,
although the landing folder held all three."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def read_rows(
    landing: Path, entity: str, *, encoding: str = "utf-8", delimiter: str = ","
) -> list[dict[str, str]]:
    """A CRM file of the sample, written as kam.yml's formats say (accounts: brazilian_csv)."""
    (path,) = (landing / "crm").glob(f"{entity}.*")
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def contact_identifiers(landing: Path) -> set[str]:
    """Contacts' names, e-mails and phones. A name that is part of a KAM's name (staff, shown on
    the pages) or of an account's name (`Clínica Joaquim Barbosa`) is left out: the sample draws
    all three from the same lists of names."""
    rows = read_rows(landing, "contacts")
    shown_names = [row["full_name"].strip() for row in read_rows(landing, "users")]
    shown_names += [
        row["account_name"].strip()
        for row in read_rows(landing, "accounts", encoding="latin-1", delimiter=";")
    ]
    values = set()
    for row in rows:
        for column in ("full_name", "email", "phone"):
            value = (row.get(column) or "").strip()
            if len(value) >= 6:  # a short fragment could occur anywhere by chance
                values.add(value)
    return {value for value in values if not any(value in name for name in shown_names)}


def test_no_contact_name_email_or_phone_on_any_page(pack_pt, sample_landing):
    pack, _ = pack_pt
    identifiers = contact_identifiers(sample_landing)
    assert len(identifiers) > 100, "the sample landing has contacts with personal data"
    pages = list(pack.rglob("*.html"))
    assert pages
    for html in pages:
        text = html.read_text(encoding="utf-8")
        leaked = [value for value in identifiers if value in text]
        assert leaked == [], f"{html.relative_to(pack)} shows contact data: {len(leaked)} values"
