"""ERP exports: the product master and invoice lines (partitioned by delivery month)."""

from pipelines.defs.ingest.factory import build_ingest_asset

SALES_ENTITIES = ("products", "invoice_lines")
sales_assets = [build_ingest_asset(name) for name in SALES_ENTITIES]
