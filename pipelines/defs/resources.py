"""The one settings object of a run, and the writer lock every run holds.

`KamResource` validates kam.yml (plus the locations from the environment and the run's own
options) once, when the run starts, and hands the same frozen `Settings` to every step. Steps
never pass configuration to each other or to dbt through environment variables: what a step
needs, it reads from these settings.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field, PrivateAttr

from pipelines.lib.config import Settings, load_settings
from pipelines.lib.run_options import parse_as_of_date
from pipelines.lib.writer_lock import writer_lock


class KamResource(dg.ConfigurableResource):
    """This run's settings: kam.yml validated once, with the run's options applied.

    Every field is optional: unset locations fall back to KAM_CONFIG / KAM_HOME / KAM_LANDING
    and then to kam.yml; `dbt_target` to KAM_DBT_TARGET and then to kam.yml's `dbt.target`.
    """

    config_path: str | None = Field(default=None, description="path of kam.yml")
    home: str | None = Field(default=None, description="KAM home (bronze, build, published)")
    landing: str | None = Field(default=None, description="landing folder")
    as_of_date: str | None = Field(
        default=None,
        description="YYYY-MM-DD; default: the last complete day in the data",
    )
    force_reload: bool = Field(
        default=False, description="reload landing files even when their content was loaded"
    )
    dbt_target: str | None = Field(
        default=None, description="duckdb, postgres or spark; default: kam.yml's dbt.target"
    )

    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = self._load()

    def settings(self) -> Settings:
        """The settings of this run (loaded on first use outside a run, e.g. in a test)."""
        if self._settings is None:
            self._settings = self._load()
        return self._settings

    def _load(self) -> Settings:
        if self.as_of_date:
            parse_as_of_date(self.as_of_date)
        return load_settings(
            self.config_path, home=self.home, landing=self.landing, dbt_target=self.dbt_target
        )


class WriterLockResource(dg.ConfigurableResource):
    """Held for the whole run: a second run waits here instead of failing on a DuckDB lock.

    Runs use the in-process executor, so the resource is set up once per run and the lock spans
    every step. It locks the home of the run's own settings (`kam`, the same resource instance
    the steps get). `wait_seconds` < 0 waits without limit.
    """

    kam: dg.ResourceDependency[KamResource]
    wait_seconds: float = -1

    @contextmanager
    def yield_for_execution(
        self, context: dg.InitResourceContext
    ) -> Iterator["WriterLockResource"]:
        settings = self.kam.settings()
        log = context.log.info if context.log else None
        wait = None if self.wait_seconds < 0 else self.wait_seconds
        with writer_lock(settings.home, wait_seconds=wait, on_wait=log):
            yield self


def run_resources() -> dict[str, object]:
    """The resources of every job: one KamResource, configured at launch, shared by the lock.

    `configure_at_launch` makes the lock's `kam` the very instance the run configured (its
    home, its options), not a second copy with default settings.
    """
    kam = KamResource.configure_at_launch()
    return {"kam": kam, "writer": WriterLockResource(kam=kam)}
