"""Landing -> bronze: declared parse contracts, quarantine, and errors a person can act on.

Public interface used by the Dagster ingest assets; everything else in the package is internal.
"""

from pipelines.lib.ingest.bronze import register_bronze_views
from pipelines.lib.ingest.errors import IngestError
from pipelines.lib.ingest.files import delivery_period, discover_files
from pipelines.lib.ingest.loader import ingest_entity
from pipelines.lib.ingest.rejection import reject_loads
from pipelines.lib.ingest.report import FileLoad, IngestReport

__all__ = [
    "FileLoad",
    "IngestError",
    "IngestReport",
    "delivery_period",
    "discover_files",
    "ingest_entity",
    "register_bronze_views",
    "reject_loads",
]
