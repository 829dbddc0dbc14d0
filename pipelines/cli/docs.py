"""`kam docs`: the dbt docs site of this home's build, written under `<home>/docs/`.

dbt reads the home's build file to describe every relation (the catalog), so the site is built
with the same profile a run writes, while holding the writer lock: a run in progress is waited
for instead of failing on DuckDB's lock. Nothing is written into the installation.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.dbt_runner import PARSE_STATE_NAME, DbtWorkspace, run_dbt
from pipelines.lib.writer_lock import writer_lock


def docs_dir(settings: Settings) -> Path:
    return settings.home / "docs"


def build_docs(settings: Settings, *, on_wait: Callable[[str], None] | None = None) -> Path:
    """Generate the site into `<home>/docs/` and return that folder."""
    from pipelines.defs.dbt.assets import dbt_vars
    from pipelines.defs.dbt.project import DBT_PROJECT_DIR

    site = docs_dir(settings)
    workspace = DbtWorkspace.of(settings)
    with writer_lock(settings.home, on_wait=on_wait):
        workspace.write_profile(settings)
        site.mkdir(parents=True, exist_ok=True)
        if workspace.parse_state.is_file():  # the last run's parse: only changes are parsed
            shutil.copyfile(workspace.parse_state, site / PARSE_STATE_NAME)
        args = ["--no-use-colors", "docs", "generate", "--target", settings.dbt_target]
        values = dbt_vars(settings, None)
        if values:
            args += ["--vars", json.dumps(values, sort_keys=True)]
        run_dbt(
            args,
            project_dir=DBT_PROJECT_DIR,
            profiles_dir=workspace.profiles_dir,
            target_path=site,
            log_path=workspace.logs_dir,
        )
    return site


def serve_docs(settings: Settings, *, port: int) -> None:
    """Serve `<home>/docs/` until interrupted."""
    from pipelines.defs.dbt.project import DBT_PROJECT_DIR

    workspace = DbtWorkspace.of(settings)
    run_dbt(
        ["docs", "serve", "--port", str(port), "--no-browser"],
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=workspace.profiles_dir,
        target_path=docs_dir(settings),
        log_path=workspace.logs_dir,
        capture=False,
    )
