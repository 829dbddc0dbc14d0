"""ERP exports: the product master and invoice lines (partitioned by delivery month).

The entities come from the contract (`Entity.source_system == "sales"`).
"""

from pipelines.defs.ingest.factory import source_system_assets

sales_assets = source_system_assets("sales")
