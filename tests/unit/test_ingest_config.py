"""Source configuration: column-map validation and the documented CRM column maps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.lib.config import DEFAULT_CONFIG_PATH, ConfigError, load_settings
from pipelines.lib.ingest import ingest_entity, register_bronze_views

DOCS = Path(__file__).resolve().parents[2] / "docs" / "column_maps"


def write_config(tmp_path: Path, snippet: dict) -> Path:
    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    config["formats"].update(snippet.get("formats", {}))
    config["sources"].update(snippet.get("sources", {}))
    path = tmp_path / "kam.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_column_map_target_typo_fails_when_config_is_read(tmp_path):
    snippet = {"sources": {"users": {"paths": ["crm/users.*"], "column_map": {"Id": "kam_idd"}}}}

    with pytest.raises(
        ConfigError, match=r"line \d+: sources.users.column_map.Id: 'kam_idd' is not a column"
    ):
        load_settings(write_config(tmp_path, snippet), home=tmp_path)


@pytest.mark.parametrize("name", ["salesforce", "pipedrive"])
def test_documented_column_maps_load(tmp_path, name):
    snippet = yaml.safe_load((DOCS / f"{name}.yml").read_text(encoding="utf-8"))

    settings = load_settings(write_config(tmp_path, snippet), home=tmp_path)

    assert set(snippet["sources"]) <= set(settings.sources)


def test_salesforce_export_ingests_through_its_map(tmp_path):
    snippet = yaml.safe_load((DOCS / "salesforce.yml").read_text(encoding="utf-8"))
    settings = load_settings(write_config(tmp_path, snippet), home=tmp_path)
    exports = {
        "Account.csv": "Id,Name,Account_Type__c,BillingState,OwnerId,CreatedDate,Website\n"
        "001A,Hospital Sírio,hospital,SP,005K,2025-01-31T14:30:00.000Z,https://x\n",
        "Contact.csv": "Id,AccountId,Decision_Role__c,Relationship_Level__c,Name,Email\n"
        "003C,001A,champion,4,Dra. Exemplo,exemplo@example.com\n",
    }
    for file_name, body in exports.items():
        path = settings.landing / "crm" / "salesforce" / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")

    for entity in ("accounts", "contacts"):
        ingest_entity(settings, entity).raise_for_failures()

    con = duckdb.connect()
    register_bronze_views(con, settings)
    assert con.execute("SELECT account_id, created_at FROM bronze.accounts").fetchall() == [
        ("001A", dt.datetime(2025, 1, 31, 14, 30))
    ]
    assert con.execute("SELECT contact_id, relationship_level FROM bronze.contacts").fetchall() == [
        ("003C", 4)
    ]
