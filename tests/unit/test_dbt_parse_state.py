"""A home's dbt folder: one invocation's target kept, parse state carried to the next run."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.dbt_runner import PARSE_STATE_NAME, DbtWorkspace


def test_an_invocation_starts_from_the_homes_parse_state_and_replaces_earlier_ones(
    tmp_path: Path,
) -> None:
    workspace = DbtWorkspace(tmp_path / "build" / "dbt")
    first = workspace.start_invocation("run-1")
    (first / "dbt.log").write_text("first run", encoding="utf-8")
    (first / PARSE_STATE_NAME).write_bytes(b"parsed by run 1")
    assert workspace.keep_parse_state(first) is True

    second = workspace.start_invocation("run-2")

    assert [path.name for path in workspace.targets_dir.iterdir()] == ["run-2"]
    assert (second / PARSE_STATE_NAME).read_bytes() == b"parsed by run 1"
    assert workspace.parse_state.read_bytes() == b"parsed by run 1"
    assert not list(workspace.root.glob(f".{PARSE_STATE_NAME}.*"))  # no temporary left


def test_nothing_to_keep_leaves_the_previous_state(tmp_path: Path) -> None:
    workspace = DbtWorkspace(tmp_path / "dbt")
    workspace.root.mkdir()
    workspace.parse_state.write_bytes(b"parsed before")
    target = workspace.start_invocation("run-1")
    (target / PARSE_STATE_NAME).unlink()  # dbt stopped before it parsed

    assert workspace.keep_parse_state(target) is False
    assert workspace.parse_state.read_bytes() == b"parsed before"


def test_no_place_to_keep_it_does_not_fail_the_run(tmp_path: Path) -> None:
    workspace = DbtWorkspace(tmp_path / "dbt")
    target = workspace.start_invocation("run-1")
    (target / PARSE_STATE_NAME).write_bytes(b"parsed by the run")
    # The destination is a folder: the replace fails the way a full or read-only disk would.
    workspace.parse_state.mkdir()

    assert workspace.keep_parse_state(target) is False
    assert not list(workspace.root.glob(f".{PARSE_STATE_NAME}.*"))
