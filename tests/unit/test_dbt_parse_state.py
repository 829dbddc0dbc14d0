"""dbt's parse state is carried from one invocation's target folder to the next invocation's."""

from __future__ import annotations

from pathlib import Path

from pipelines.defs.dbt.project import PARSE_STATE_NAME, keep_parse_state


def _project(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "dbt_project"
    (project / "target").mkdir(parents=True)
    invocation = project / "target" / "kam_dbt_models-abc123"
    invocation.mkdir()
    return project, invocation


def test_the_invocations_state_replaces_the_seed(tmp_path: Path) -> None:
    project, invocation = _project(tmp_path)
    (project / "target" / PARSE_STATE_NAME).write_bytes(b"parsed at setup")
    (invocation / PARSE_STATE_NAME).write_bytes(b"parsed by the run")

    assert keep_parse_state(invocation, project) is True

    assert (project / "target" / PARSE_STATE_NAME).read_bytes() == b"parsed by the run"
    assert sorted(path.name for path in (project / "target").iterdir()) == [
        "kam_dbt_models-abc123",
        PARSE_STATE_NAME,
    ]  # no temporary file left behind


def test_nothing_to_keep_leaves_the_seed(tmp_path: Path) -> None:
    project, invocation = _project(tmp_path)
    (project / "target" / PARSE_STATE_NAME).write_bytes(b"parsed at setup")

    assert keep_parse_state(invocation, project) is False
    assert (project / "target" / PARSE_STATE_NAME).read_bytes() == b"parsed at setup"


def test_no_place_to_keep_it_does_not_fail_the_run(tmp_path: Path) -> None:
    project, invocation = _project(tmp_path)
    (invocation / PARSE_STATE_NAME).write_bytes(b"parsed by the run")
    # The destination is a folder: the replace fails the way a read-only install would.
    (project / "target" / PARSE_STATE_NAME).mkdir()

    assert keep_parse_state(invocation, project) is False
    assert not list((project / "target").glob(f".{PARSE_STATE_NAME}.*"))
