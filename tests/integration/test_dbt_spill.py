"""dbt keeps building after DuckDB has spilled to the run's temporary folder.

At 10 million lines the build spills; every model after that opens a new cursor, and a profile
that gave the spill folder as a per-cursor setting made DuckDB refuse it ("Cannot switch temporary
directory after the current one has been used"), failing the run. Reproduced small: a memory
limit low enough that the first model's sort spills, then a second model.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.config import load_settings
from pipelines.lib.dbt_runner import DbtWorkspace, run_dbt

PROJECT = """\
name: spill_check
version: "1.0"
profile: kam
model-paths: [models]
"""
# About 2 million rows of 32-character text sorted under a 64 MB limit: the sort spills.
SPILLING_MODEL = """\
{{ config(materialized='table') }}
select range as i, md5(cast(range as varchar)) as h from range(2000000) order by h
"""
NEXT_MODEL = """\
{{ config(materialized='table') }}
select count(*) as rows_count from {{ ref('sorted_rows') }}
"""


def test_models_after_a_spill_still_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(PROJECT, encoding="utf-8")
    (project / "models" / "sorted_rows.sql").write_text(SPILLING_MODEL, encoding="utf-8")
    (project / "models" / "row_count.sql").write_text(NEXT_MODEL, encoding="utf-8")
    config = tmp_path / "kam.yml"
    config.write_text("duckdb:\n  threads: 1\n  memory_limit: 64MB\n", encoding="utf-8")
    settings = load_settings(config, home=tmp_path / "home")
    workspace = DbtWorkspace.of(settings)
    workspace.write_profile(settings)  # what the dbt step does before `dbt build`

    # Raises DbtCommandError, with the tail of dbt's output, when dbt exits non-zero.
    output = run_dbt(
        ["--no-use-colors", "run"],
        project_dir=project,
        profiles_dir=workspace.profiles_dir,
        target_path=tmp_path / "target",
        log_path=tmp_path / "logs",
    )

    assert "Cannot switch temporary directory" not in output
    assert "PASS=2" in output  # both models built
