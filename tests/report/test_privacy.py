"""LGPD: contacts appear as roles and counts; no contact's name, e-mail or phone reaches a page,
although the landing folder held all three; a KAM's e-mail only when the setting says so."""

from __future__ import annotations

import csv
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.report import build_review_pack

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


def with_kam_emails(published_db: Path, target_dir: Path) -> Path:
    """A copy of the published file as a publish with `expose_contact_names: true` writes it:
    `dim_kams` carries the KAMs' e-mails."""
    target_dir.mkdir(parents=True)
    target = target_dir / "kam.duckdb"
    shutil.copyfile(published_db, target)
    target.chmod(stat.S_IRUSR | stat.S_IWUSR)
    con = duckdb.connect(str(target))
    try:
        con.execute("alter table marts.dim_kams add column if not exists email varchar")
        con.execute("update marts.dim_kams set email = lower(kam_id) || '@kam.example'")
    finally:
        con.close()
    return target


def test_kam_emails_appear_only_when_the_setting_exposes_them(published_db, tmp_path):
    published = with_kam_emails(published_db, tmp_path / "published")
    options = {"lang": "pt", "tiers": ("key", "strategic"), "pdf": False}
    hidden = build_review_pack(
        published, tmp_path / "hidden", expose_contact_names=False, **options
    )
    shown = build_review_pack(published, tmp_path / "shown", expose_contact_names=True, **options)
    assert hidden.kam_pages == shown.kam_pages > 0
    for html in (tmp_path / "hidden").rglob("*.html"):
        assert "@kam.example" not in html.read_text(encoding="utf-8"), html.name
    for html in (tmp_path / "shown" / "kams").glob("*.html"):
        assert f"{html.stem.lower()}@kam.example" in html.read_text(encoding="utf-8"), html.name
