"""Where dbt writes for one home, and dbt commands run outside Dagster.

Everything dbt writes during a run stays under `<home>/build/dbt/`: the run's profile
(profiles.yml, from the settings), the target folder of the last invocation (compiled SQL,
run_results.json, dbt.log) and the parse state carried from one run to the next. The
installation is only read: its `dbt_project/target/manifest.json`, prepared by `make setup`,
tells Dagster which models exist, and nothing at run time writes next to it, so a read-only
installation (a package, a container image, a shared server folder) runs as well as a checkout.

The run itself goes through dagster-dbt so every model becomes an asset event; `run_dbt` serves
the chores around runs (parse the manifest ahead, build the docs site).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.config import Settings
from pipelines.lib.engines.profile import write_dbt_profile

PARSE_STATE_NAME = "partial_parse.msgpack"

logger = logging.getLogger(__name__)


class DbtCommandError(RuntimeError):
    """dbt exited non-zero; the message carries the tail of its output."""


@dataclass(frozen=True)
class DbtWorkspace:
    """The folder of one home where dbt keeps its profile, its last target and its parse state."""

    root: Path

    @classmethod
    def of(cls, settings: Settings) -> DbtWorkspace:
        return cls(settings.build_dir / "dbt")

    @property
    def profiles_dir(self) -> Path:
        return self.root

    @property
    def targets_dir(self) -> Path:
        return self.root / "target"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def parse_state(self) -> Path:
        return self.root / PARSE_STATE_NAME

    def write_profile(self, settings: Settings) -> Path:
        """This run's profiles.yml, for the settings' dbt target."""
        return write_dbt_profile(settings, settings.dbt_target, self.profiles_dir)

    def start_invocation(self, name: str) -> Path:
        """A fresh target folder for one invocation, seeded with the home's parse state.

        Earlier invocations' folders are removed first: only the last one is kept, to read
        after a failure (run_results.json, dbt.log). A run of the same home holds the writer
        lock, so no other invocation is using them.
        """
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        for earlier in self.targets_dir.iterdir():
            if earlier.name != name:
                _remove(earlier)
        target = self.targets_dir / name
        target.mkdir(exist_ok=True)
        if self.parse_state.is_file():
            shutil.copyfile(self.parse_state, target / PARSE_STATE_NAME)
        return target

    def keep_parse_state(self, invocation_target: Path) -> bool:
        """Make one invocation's parse state the one the next invocation of this home starts from.

        dbt discards a parse state when the rendered profile or the command-line vars differ
        from the ones it was made with, and the profile holds the home's build-file path: kept
        per home, the next run re-parses only the files that changed (about 3 s saved on a
        full parse). Atomic, so an interrupted copy never leaves half a file behind. Returns
        False, without failing the run, when there is nothing to keep or no room to keep it.
        """
        source = invocation_target / PARSE_STATE_NAME
        if not source.is_file():
            return False
        temporary = self.parse_state.with_name(f".{PARSE_STATE_NAME}.{os.getpid()}")
        try:
            shutil.copyfile(source, temporary)
            os.replace(temporary, self.parse_state)
        except OSError as error:
            logger.warning("could not keep dbt's parse state in %s: %s", self.parse_state, error)
            temporary.unlink(missing_ok=True)
            return False
        return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def environment_dbt() -> Path:
    """The dbt installed next to this interpreter (same environment, same dbt-core)."""
    return Path(sys.executable).with_name("dbt")


def dbt_executable() -> str:
    candidate = environment_dbt()
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: Sequence[str],
    *,
    project_dir: Path,
    profiles_dir: Path | None = None,
    target_path: Path | None = None,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = True,
) -> str:
    """Run one dbt command; without `target_path` / `log_path` dbt writes into `project_dir`
    (only `make setup`'s parse should)."""
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir or project_dir),
    ]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
    if log_path is not None:
        command += ["--log-path", str(log_path)]
    completed = subprocess.run(
        command,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})},
        capture_output=capture,
        text=True,
        check=False,
    )
    output = (completed.stdout or "") + (completed.stderr or "")
    if completed.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-20:])
        raise DbtCommandError(f"dbt {' '.join(args)} failed (exit {completed.returncode}):\n{tail}")
    return output
