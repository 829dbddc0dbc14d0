"""No contact's name, e-mail or phone in any message, note, manifest or quarantine value, even when
a contacts file has no header row or its columns are shifted."""

from __future__ import annotations

import pytest

from pipelines.lib.ingest import IngestError, ingest_entity
from pipelines.lib.ingest.manifest import manifest_path
from tests.ingest_helpers import settings_for
from tests.unit.landing_helpers import land, query, with_parents

HEADER = "contact_id,account_id,decision_role,relationship_level,full_name,email,phone"
PEOPLE = [
    ("C1", "A001", "decision_maker", "3", "Maria Secreta da Silva", "maria.secreta@example.com",
     "+55 11 99999-0000"),
    ("C2", "A002", "influencer", "4", "João Privado", "joao.privado@example.com",
     "+55 21 98888-1111"),
    ("C3", "A003", "champion", "2", "Ana Reservada", "ana.reservada@example.com",
     "+55 31 97777-2222"),
]  # fmt: skip
SECRETS = [
    piece
    for person in PEOPLE
    for value in person[4:]
    for piece in (value, value.split()[0], value.split("@")[0], value[-9:])
]


def everything_written(settings, report) -> str:
    """The failure text, every file message and note, the manifest and the quarantine rows."""
    with pytest.raises(IngestError) as raised:
        report.raise_for_failures()
    quarantine = query(settings, "SELECT * FROM bronze.quarantine")
    return "\n".join(
        [
            str(raised.value),
            repr(report),
            repr(quarantine),
            manifest_path(settings).read_text(encoding="utf-8"),
        ]
    )


def assert_no_personal_data(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"personal data in the output: {leaked}"


def test_contacts_without_a_header_row_fail_without_quoting_the_first_line(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    body = "\n".join(",".join(person) for person in PEOPLE) + "\n"
    land(settings, "crm/contacts.csv", body.encode())
    logged: list[str] = []

    report = ingest_entity(settings, "contacts", log=logged.append)

    text = everything_written(settings, report) + "\n".join(logged)
    assert_no_personal_data(text)
    assert report.files[0].message == (
        "crm/contacts.csv line 1: missing required column(s) contact_id, account_id, "
        "decision_role, relationship_level; the first line has 7 column(s) and none is a "
        "contract column; it looks like data, so the file may have no header row (its values are "
        "not shown: contacts holds personal data). Rename them in the export or map them under "
        "sources.contacts.column_map in kam.yml"
    )


def test_contacts_with_columns_shifted_by_one_are_quarantined_redacted(tmp_path):
    settings = settings_for(tmp_path, max_bad_rows=0)  # every row bad: the run fails
    with_parents(settings)
    # Each row lost its first value and gained one at the end: everything sits one column left.
    body = HEADER + "\n" + "\n".join(",".join((*p[1:], "x")) for p in PEOPLE) + "\n"
    land(settings, "crm/contacts.csv", body.encode())
    logged: list[str] = []

    report = ingest_entity(settings, "contacts", log=logged.append)

    text = everything_written(settings, report) + "\n".join(logged)
    assert_no_personal_data(text)
    values = query(
        settings,
        "SELECT column_name, value FROM bronze.quarantine "
        "WHERE column_name = 'relationship_level' ORDER BY line",
    )
    assert values == [
        ("relationship_level", "<redacted: 22 characters>"),
        ("relationship_level", "<redacted: 12 characters>"),
        ("relationship_level", "<redacted: 13 characters>"),
    ]


def test_contacts_with_an_extra_field_fail_without_echoing_the_line(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    body = HEADER + "\n" + "\n".join(",".join(("",) + p) for p in PEOPLE) + "\n"
    land(settings, "crm/contacts.csv", body.encode())

    report = ingest_entity(settings, "contacts")

    assert_no_personal_data(everything_written(settings, report))
    assert report.files[0].message.startswith("crm/contacts.csv line 2: cannot be parsed as CSV")


def test_unknown_headers_of_personal_entities_are_counted_not_named(tmp_path):
    settings = settings_for(tmp_path)
    with_parents(settings)
    body = (
        "contact_id,account_id,decision_role,relationship_level,Maria Secreta da Silva\n"
        "C1,A001,decision_maker,3,x\n"
    )
    land(settings, "crm/contacts.csv", body.encode())

    ingest_entity(settings, "contacts").raise_for_failures()

    manifest = manifest_path(settings).read_text(encoding="utf-8")
    assert "Maria" not in manifest
    assert "ignored 1 column(s) not in the contract (names not shown" in manifest
