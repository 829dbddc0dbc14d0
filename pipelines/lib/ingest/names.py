"""How export headers and sheet names are matched to contract names.

Exports differ in case, accents and spacing ("Conta ID", "Descrição", " account_id "), so names are
compared after trimming, lower-casing, removing accents and turning runs of spaces, dots and dashes
into one underscore. The same normalisation is applied to the column map's keys, so a map written
with the export's exact header text matches too.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s.\-/]+")


def normalize_name(name: str) -> str:
    """`' Descrição da Ação '` -> `'descricao_da_acao'`."""
    text = unicodedata.normalize("NFKD", str(name).strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SEPARATORS.sub("_", text).strip("_")


def map_headers(
    headers: list[str], column_map: dict[str, str], aliases: dict[str, str] | None = None
) -> tuple[list[str | None], dict[str, list[str]]]:
    """Map a file's headers to contract names.

    Returns the target name per header position (the normalised header when the map does not name
    it) and, for the caller to report, the targets that more than one header maps to. `aliases`
    (other names of a contract column, e.g. `net_amount_brl` for `net_amount`) apply where the
    column map says nothing; the column map always wins.
    """
    normalized_map = {normalize_name(key): value for key, value in (aliases or {}).items()}
    normalized_map.update({normalize_name(key): value for key, value in column_map.items()})
    targets: list[str | None] = []
    seen: dict[str, list[str]] = {}
    for header in headers:
        key = normalize_name(header)
        target = normalized_map.get(key, key) if key else None
        targets.append(target)
        if target:
            seen.setdefault(target, []).append(header)
    collisions = {target: found for target, found in seen.items() if len(found) > 1}
    return targets, collisions
