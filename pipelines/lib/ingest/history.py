"""What the load manifest says is in bronze now, for deciding what a run must load again.

Bronze is append-only: a load stands until the manifest records it `rejected` (a quality gate
withdrew it). Two questions decide whether a landing file is loaded:

- What content does this landing path hold in bronze now? The latest standing load of the path.
  A file whose content is that one is unchanged and is skipped; any other content is a new
  delivery, even content the path held before (accounts.csv v1, v2, then v1 again: the third
  delivery must win, so it is loaded).
- Which content did the entity's latest standing load carry? Loading the same content again
  under another name, with nothing loaded since, would change nothing: that copy is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipelines.lib.ingest.report import EMPTY, LOADED, REJECTED, SKIPPED_DUPLICATE


@dataclass
class LoadHistory:
    """The standing loads of one entity, from its manifest records (oldest first)."""

    # landing path -> its standing load records, oldest first (the last one is current)
    by_file: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # load id -> the records of its files, for loads not withdrawn
    by_load: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    recorded_empty: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> LoadHistory:
        history = cls()
        for record in records:
            status = record.get("status")
            load_id = record.get("load_id")
            if status == LOADED and load_id:
                history.by_file.setdefault(record["file"], []).append(record)
                history.by_load.setdefault(load_id, []).append(record)
            elif status == SKIPPED_DUPLICATE and load_id:
                # A copy of the content `load_id` carries: the path holds that content too.
                history.by_file.setdefault(record["file"], []).append(record)
            elif status == REJECTED and load_id:
                history._withdraw(load_id)
            elif status == EMPTY:
                history.recorded_empty.add((record["file"], record.get("sha256")))
        return history

    def _withdraw(self, load_id: str) -> None:
        self.by_load.pop(load_id, None)
        for standing in self.by_file.values():
            standing[:] = [r for r in standing if r.get("load_id") != load_id]

    def current(self, rel: str) -> dict[str, Any] | None:
        """The standing load record of this landing path whose content bronze shows now."""
        standing = self.by_file.get(rel)
        return standing[-1] if standing else None

    def current_sha(self, rel: str) -> str | None:
        record = self.current(rel)
        return record.get("sha256") if record else None

    @property
    def has_standing_loads(self) -> bool:
        return bool(self.by_load)

    def latest_load(self) -> list[dict[str, Any]]:
        """The records of the entity's most recent standing load (load ids sort by time)."""
        if not self.by_load:
            return []
        return self.by_load[max(self.by_load)]

    def current_months(self) -> set[str]:
        """Months the current content of every landing path was loaded for (periodic entities)."""
        months: set[str] = set()
        for standing in self.by_file.values():
            record = standing[-1]
            months.update(record.get("periods") or ())
            if record.get("delivery_period"):
                months.add(record["delivery_period"][:7])
        return months
