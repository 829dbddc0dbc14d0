"""`--select` is checked against the asset graph before a run; `kam assets` lists the keys."""

from __future__ import annotations

import pytest

from pipelines.cli.main import main
from pipelines.cli.selection import SelectionError, checked_selection
from pipelines.definitions import defs

GRAPH = defs.resolve_asset_graph()


def test_a_rerun_selection_resolves_to_the_mart_and_downstream() -> None:
    _, keys = checked_selection('key:"marts/account_tiers"+', "duckdb", GRAPH)
    names = {key.to_user_string() for key in keys}
    assert {"marts/account_tiers", "publish/published_warehouse"} <= names
    assert "bronze/accounts" not in names


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ('key:"marts/acount_tiers"+', "no asset has the key 'marts/acount_tiers'; closest: "),
        ("key:account_tiers", "no asset has the key 'account_tiers'; closest: "),
        ("account_tiers+", "no asset has the key 'account_tiers'; closest: "),
        ('key:"marts/account_tiers" or key:"marts/nope"', "no asset has the key 'marts/nope'"),
    ],
)
def test_a_key_that_does_not_exist_names_the_closest(select: str, expected: str) -> None:
    with pytest.raises(SelectionError) as error:
        checked_selection(select, "duckdb", GRAPH)
    message = str(error.value)
    assert expected in message
    if "closest" in expected:
        assert "marts/account_tiers" in message.split("closest: ")[1]
    assert "`kam assets` lists every key" in message


def test_invalid_syntax_and_empty_selections_are_refused() -> None:
    with pytest.raises(SelectionError, match="not a valid asset selection"):
        checked_selection("key:(((", "duckdb", GRAPH)
    with pytest.raises(SelectionError, match="selects no asset"):
        checked_selection("group:nothing_here", "duckdb", GRAPH)
    with pytest.raises(SelectionError, match="selects no asset on the postgres target"):
        checked_selection('key:"publish/published_warehouse"', "postgres", GRAPH)


def test_kam_assets_lists_every_selectable_key_by_group(capsys: pytest.CaptureFixture) -> None:
    assert main(["assets"]) == 0
    out = capsys.readouterr().out
    headings = [line.split(" (")[0] for line in out.splitlines() if line and line[0] != " "]
    assert headings[:4] == ["ingest", "staging", "marts", "publish"]
    listed = {line.strip() for line in out.splitlines() if line.startswith("  ")}
    assert {"bronze/accounts", "marts/account_tiers", "publish/published_warehouse"} <= listed
    materializable = {
        key.to_user_string()
        for key in GRAPH.get_all_asset_keys()
        if GRAPH.get(key).is_materializable
    }
    assert listed == materializable
