"""The KAM plan workbook: objectives, actions, SWOT, tier overrides."""

from pipelines.defs.ingest.factory import build_ingest_asset

PLAN_ENTITIES = ("objectives", "actions", "swot", "tier_overrides")
plan_assets = [build_ingest_asset(name) for name in PLAN_ENTITIES]
