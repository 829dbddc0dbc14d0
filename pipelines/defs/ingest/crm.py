"""CRM exports: accounts, contacts, activities, service requests, opportunities, users."""

from pipelines.defs.ingest.factory import build_ingest_asset

CRM_ENTITIES = ("accounts", "contacts", "activities", "service_requests", "opportunities", "users")
crm_assets = [build_ingest_asset(name) for name in CRM_ENTITIES]
