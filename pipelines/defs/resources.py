"""Resources shared by every asset: the settings of this installation and the writer lock."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from pipelines.lib.config import Settings, load_settings
from pipelines.lib.writer_lock import writer_lock


class KamResource(dg.ConfigurableResource):
    """Where this installation's files are and how its sources look.

    Every field is optional: unset fields fall back to KAM_CONFIG / KAM_HOME / KAM_LANDING and
    then to `kam.yml`, read when a run starts (never when the code location is imported).
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

    def settings(self) -> Settings:
        return load_settings(self.config_path, home=self.home, landing=self.landing)


class WriterLockResource(dg.ConfigurableResource):
    """Held for the whole run: a second run waits here instead of failing on a DuckDB lock.

    Runs use the in-process executor, so the resource is set up once per run and the lock spans
    every step. `wait_seconds` < 0 waits without limit.
    """

    config_path: str | None = None
    home: str | None = None
    wait_seconds: float = -1

    @contextmanager
    def yield_for_execution(
        self, context: dg.InitResourceContext
    ) -> Iterator["WriterLockResource"]:
        settings = load_settings(self.config_path, home=self.home)
        log = context.log.info if context.log else None
        wait = None if self.wait_seconds < 0 else self.wait_seconds
        with writer_lock(settings.home, wait_seconds=wait, on_wait=log):
            yield self
