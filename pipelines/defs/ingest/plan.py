"""The KAM plan workbook: objectives, actions, SWOT, tier overrides.

The entities come from the contract (`Entity.source_system == "plan"`).
"""

from pipelines.defs.ingest.factory import source_system_assets

plan_assets = source_system_assets("plan")
