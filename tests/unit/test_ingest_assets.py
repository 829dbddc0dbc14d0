"""The ingest assets in-process: partitions from the contract, counts for the publish record."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.ingest.factory import build_ingest_asset
from pipelines.defs.ingest.partitions import DELIVERY_MONTHS
from pipelines.defs.resources import KamResource, WriterLockResource
from pipelines.lib.contract import ENTITIES
from tests.unit.landing_helpers import FIXTURES, INVOICE_HEADER, land, settings_for

ASSETS = [build_ingest_asset(name) for name in ("accounts", "products", "invoice_lines")]


def resources(settings, config=None) -> dict:
    kam = KamResource(home=str(settings.home), landing=str(settings.landing), config_path=config)
    return {"kam": kam, "writer": WriterLockResource(kam=kam)}


def landing(settings) -> None:
    land(settings, "crm/accounts.csv", (FIXTURES / "accounts_latin1.csv").read_bytes())
    land(settings, "sales/products.csv", (FIXTURES / "products.csv").read_bytes())


def test_periodic_entities_and_only_they_are_partitioned_by_month():
    for name, spec in ENTITIES.items():
        asset = build_ingest_asset(name)
        assert (asset.partitions_def == DELIVERY_MONTHS) is spec.is_periodic, name


def test_a_history_file_registers_its_months_and_counts_reach_the_metadata(tmp_path):
    config = tmp_path / "kam.yml"
    settings = settings_for(
        tmp_path, {"sources": {"invoice_lines": {"rules": {"account_id.missing": "exclude"}}}}
    )
    landing(settings)
    land(
        settings,
        "sales/invoice_lines/historico.csv",
        INVOICE_HEADER
        + "N1;1;15/01/2025;A001;P1;1;1,00\n"
        + "N2;1;03/03/2025;A001;P1;1;1,00\n"
        + "N3;1;03/03/2025;;P1;1;1,00\n"  # a counter sale: excluded by the rule
        + "N4;1;03/03/2025;A001;P1;x;1,00\n",  # quarantined
    )
    instance = dg.DagsterInstance.ephemeral()

    result = dg.materialize(ASSETS, resources=resources(settings, str(config)), instance=instance)

    assert result.success
    assert instance.get_dynamic_partitions(DELIVERY_MONTHS.name) == ["2025-01", "2025-03"]
    materialization = next(
        m
        for m in result.asset_materializations_for_node("bronze__invoice_lines")
        if m.asset_key == dg.AssetKey(["bronze", "invoice_lines"])
    )
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert {k: metadata[k] for k in ("rows_read", "rows_loaded", "rows_quarantined")} == {
        "rows_read": 4,
        "rows_loaded": 2,
        "rows_quarantined": 1,
    }
    assert metadata["rows_excluded"] == 1


def test_a_run_over_one_month_leaves_the_others_alone(tmp_path):
    settings = settings_for(tmp_path)
    landing(settings)
    for day in ("2025-01-05", "2025-02-05"):
        land(
            settings,
            f"sales/invoice_lines/nf_{day}.csv",
            INVOICE_HEADER + f"N{day};1;{day[8:]}/{day[5:7]}/2025;A001;P1;1;1,00\n",
        )
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(DELIVERY_MONTHS.name, ["2025-01", "2025-02"])
    dg.materialize(ASSETS[:2], resources=resources(settings), instance=instance)

    result = dg.materialize(
        ASSETS, resources=resources(settings), instance=instance, partition_key="2025-02",
        selection=[dg.AssetKey(["bronze", "invoice_lines"])],
    )  # fmt: skip

    assert result.success
    materialization = result.asset_materializations_for_node("bronze__invoice_lines")[0]
    assert materialization.metadata["files_seen"].value == 1
