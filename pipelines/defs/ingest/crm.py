"""CRM exports: accounts, contacts, activities, service requests, opportunities, users.

The entities come from the contract (`Entity.source_system == "crm"`).
"""

from pipelines.defs.ingest.factory import source_system_assets

crm_assets = source_system_assets("crm")
