"""What bronze holds now, per entity: the files standing and their rows, as the publish record
states them.

Counted from the load manifest over each landing path's current load (a file re-delivered counts
once, with its latest content; a load withdrawn by a quality gate does not count). So a BI analyst
reading `meta.deliveries` sees, for the data behind the marts, how many rows were read, loaded,
quarantined as bad and excluded by kam.yml's rules, and which inputs were never delivered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pipelines.lib.config import Settings
from pipelines.lib.contract import ENTITIES
from pipelines.lib.ingest.history import LoadHistory
from pipelines.lib.ingest.manifest import read_manifest
from pipelines.lib.ingest.report import LOADED


@dataclass(frozen=True)
class DeliveryTotals:
    files: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_excluded: int = 0

    @property
    def is_delivered(self) -> bool:
        return self.files > 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def delivery_totals(settings: Settings) -> dict[str, DeliveryTotals]:
    """Every entity of the contract, delivered or not, in contract order."""
    records = read_manifest(settings)
    totals = {}
    for entity in ENTITIES:
        history = LoadHistory.from_records(r for r in records if r.get("entity") == entity)
        current = [history.current(rel) for rel in history.by_file]
        loaded = [record for record in current if record and record.get("status") == LOADED]
        totals[entity] = DeliveryTotals(
            files=len(loaded),
            rows_read=sum(int(r.get("rows_read") or 0) for r in loaded),
            rows_loaded=sum(int(r.get("rows_loaded") or 0) for r in loaded),
            rows_quarantined=sum(int(r.get("rows_quarantined") or 0) for r in loaded),
            rows_excluded=sum(int(r.get("rows_excluded") or 0) for r in loaded),
        )
    return totals
