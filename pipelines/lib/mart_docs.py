"""What each published mart and column means, read from the dbt docs.

The dbt project is the one place the marts are documented: models' `description` and
`columns.*.description` (with `{{ doc() }}` blocks already rendered into the manifest by dbt),
the Python models' (account_clv, clv_model_fits) included. Publishing copies those texts into the
files BI opens (DuckDB comments, Parquet metadata), so analysts read the same wording in their tool
as on the docs site (`kam docs`).

The grain of a mart is its model's `meta: {grain: ...}` when set, else the sentence after
"Grain:" in its description, which every mart states (a dbt docs test keeps it so).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MARTS_SCHEMA = "marts"
# "Grain: one row per account_id and snapshot_date. The as-of month's ..." -> the first sentence.
_GRAIN_SENTENCE = re.compile(r"Grain:\s*(.+?)(?:\.(?:\s|$)|$)", re.DOTALL)


class MartDocsError(ValueError):
    """The dbt manifest cannot be read; the message names the file and what was expected."""


@dataclass(frozen=True)
class MartDoc:
    """A mart's description, grain and column descriptions, as the dbt docs state them."""

    name: str
    description: str
    grain: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """The column's description, or an empty string when the docs do not describe it."""
        return self.columns.get(name) or self.columns.get(name.lower(), "")


def read_mart_docs(manifest_path: Path, marts: Iterable[str]) -> dict[str, MartDoc]:
    """Docs for `marts` from the manifest: the dbt models in schema `marts`.

    A mart the manifest does not mention is left out of the result (the caller reports it);
    a manifest that is missing or not JSON is an error naming the file.
    """
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MartDocsError(
            f"{manifest_path}: dbt manifest not found; expected it after `dbt parse` "
            "(`make setup` or any `kam run` writes it)"
        ) from None
    except json.JSONDecodeError as error:
        raise MartDocsError(
            f"{manifest_path}: line {error.lineno}, column {error.colno}: not valid JSON "
            f"({error.msg}); expected the manifest dbt writes"
        ) from None
    wanted = set(marts)
    found: dict[str, MartDoc] = {}
    for node in _mart_models(manifest):
        name = node.get("alias") or node.get("name")
        if name in wanted and name not in found:
            found[name] = _mart_doc(name, node)
    return found


def docs_fingerprint(docs: Mapping[str, MartDoc]) -> str:
    """A stable digest of every text that goes into the published files' descriptions."""
    payload = {
        name: [doc.description, doc.grain, sorted(doc.columns.items())]
        for name, doc in sorted(docs.items())
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def grain_from_description(description: str) -> str | None:
    match = _GRAIN_SENTENCE.search(" ".join(description.split()))
    return match.group(1).strip() if match else None


def _mart_models(manifest: Mapping) -> Iterable[Mapping]:
    for node in (manifest.get("nodes") or {}).values():
        if node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA:
            yield node


def _mart_doc(name: str, node: Mapping) -> MartDoc:
    description = (node.get("description") or "").strip()
    meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
    grain = meta.get("grain") or grain_from_description(description)
    columns = {
        column_name: (column.get("description") or "").strip()
        for column_name, column in (node.get("columns") or {}).items()
    }
    return MartDoc(name=name, description=description, grain=grain, columns=columns)
