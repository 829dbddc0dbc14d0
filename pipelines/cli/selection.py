"""Which assets a run covers: `--select` checked against the asset graph before any work.

Dagster resolves a selection that names no existing asset to nothing, and a run of nothing
"succeeds" in a second. A typo in a rerun command must instead say so, and what was meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import dagster as dg

# The CLV models (dbt Python models, enabled on DuckDB only), the audit and the atomic publish work
# on the DuckDB build file. On PostgreSQL or Spark, dbt builds the marts in the engine itself
# (schema `marts`), which is what BI reads there.
DUCKDB_ONLY_ASSETS = ("marts/account_clv", "marts/clv_model_fits", "publish/published_warehouse")
# Groups in the order data flows through them; any other group is listed after these.
GROUP_ORDER = ("ingest", "staging", "marts", "publish")
# `key:"marts/account_tiers"`, `key:marts/account_tiers`, `key:marts/*`
_KEY_TERM = re.compile(r'key:(?:"([^"]*)"|([^\s()"]+))')
_HINT = "`kam assets` lists every key"


class SelectionError(ValueError):
    """`--select` is not valid or selects nothing; the message says what was meant."""


def run_selection(select: str | None, target: str) -> dg.AssetSelection:
    selection = dg.AssetSelection.from_string(select) if select else dg.AssetSelection.all()
    if target == "duckdb":
        return selection
    return selection - dg.AssetSelection.assets(
        *(dg.AssetKey.from_user_string(key) for key in DUCKDB_ONLY_ASSETS)
    )


def checked_selection(
    select: str | None, target: str, graph: dg.AssetGraph
) -> tuple[dg.AssetSelection, set[dg.AssetKey]]:
    """The run's selection and the assets it resolves to; SelectionError when it is invalid,
    names a key that does not exist, or selects nothing on this target."""
    known = sorted(key.to_user_string() for key in graph.get_all_asset_keys())
    if select:
        unknown = [term for term in key_terms(select) if "*" not in term and term not in known]
        if unknown:
            raise SelectionError("; ".join(_no_such_key(select, term, known) for term in unknown))
    try:
        selection = run_selection(select, target)
        keys = set(selection.resolve(graph))
    except dg.DagsterInvalidSubsetError:
        # A bare word (`account_tiers`) is read as a key that does not exist.
        words = [word for word in re.split(r"[\s()+*]+", select or "") if word]
        raise SelectionError(
            "; ".join(_no_such_key(select or "", word, known) for word in words)
            or f"--select {select!r} names no asset; {_HINT}"
        ) from None
    except Exception as error:  # Dagster's parser: invalid syntax
        raise SelectionError(
            f"--select {select!r} is not a valid asset selection ({_first_line(error)}); "
            f"e.g. 'key:\"marts/account_tiers\"+' or 'group:marts'; {_HINT}"
        ) from None
    if not keys:
        on_target = f" on the {target} target" if target != "duckdb" else ""
        raise SelectionError(f"--select {select!r} selects no asset{on_target}; {_HINT}")
    return selection, keys


def key_terms(select: str) -> list[str]:
    """The asset keys a selection string names with `key:`."""
    return [quoted or bare for quoted, bare in _KEY_TERM.findall(select)]


def closest_keys(term: str, known: Iterable[str], count: int = 3) -> list[str]:
    """Keys a person probably meant: the same last part (`account_tiers`), else similar text."""
    known = list(known)
    tail = term.rsplit("/", 1)[-1]
    same_name = [key for key in known if key.rsplit("/", 1)[-1] == tail]
    similar = difflib.get_close_matches(term, known, n=count, cutoff=0.5)
    similar += difflib.get_close_matches(
        tail, [key.rsplit("/", 1)[-1] for key in known], n=count, cutoff=0.6
    )
    ordered: list[str] = []
    for candidate in same_name + similar:
        full = next(
            (key for key in known if key == candidate or key.endswith("/" + candidate)), None
        )
        if full and full not in ordered:
            ordered.append(full)
    return ordered[:count]


def _no_such_key(select: str, term: str, known: list[str]) -> str:
    close = closest_keys(term, known)
    hint = f"; closest: {', '.join(close)}" if close else ""
    return f"--select {select!r}: no asset has the key {term!r}{hint}; {_HINT}"


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def grouped_asset_keys(graph: dg.AssetGraph) -> dict[str, list[str]]:
    """Selectable (materializable) asset keys by group, groups in data-flow order."""
    groups: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            groups.setdefault(node.group_name or "default", []).append(key.to_user_string())
    ordered = [name for name in GROUP_ORDER if name in groups]
    ordered += sorted(name for name in groups if name not in GROUP_ORDER)
    return {name: sorted(groups[name]) for name in ordered}


def describe_asset_keys(graph: dg.AssetGraph) -> str:
    lines = []
    for group, keys in grouped_asset_keys(graph).items():
        lines.append(f"{group} ({len(keys)})")
        lines.extend(f"  {key}" for key in keys)
    lines.append("")
    lines.append(
        "Rerun one asset and everything downstream of it: "
        "kam run --select 'key:\"marts/account_tiers\"+'"
    )
    lines.append("One group: kam run --select 'group:marts'")
    return "\n".join(lines)
