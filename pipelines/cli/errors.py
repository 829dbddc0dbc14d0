"""Which errors reach a person as their message alone, and with which exit code.

Exit 2: the input or the command line says something that cannot work (a kam.yml key, a
landing file, a `--select`, a refused publish, a writer lock not released in time); exit 1: the
machine (a full disk). Any other exception is a bug and keeps its traceback, so it can be
reported.
"""

from __future__ import annotations

from pipelines.lib.disk_full import DiskFullError, disk_full_message

INPUT_ERROR = 2
MACHINE_ERROR = 1


def plain_message(error: BaseException) -> tuple[str, int] | None:
    """(message, exit code) for an error a person can act on, else None."""
    from pipelines.cli.selection import SelectionError
    from pipelines.lib.config_errors import ConfigError
    from pipelines.lib.dbt_runner import DbtCommandError
    from pipelines.lib.ingest.errors import IngestError
    from pipelines.lib.publish import PublishError
    from pipelines.lib.writer_lock import WriterBusyError

    if isinstance(error, DiskFullError):
        return str(error), MACHINE_ERROR
    full = disk_full_message(error)
    if full is not None:
        return full, MACHINE_ERROR
    known = (ConfigError, SelectionError, IngestError, PublishError, WriterBusyError)
    if isinstance(error, (*known, DbtCommandError)):
        return str(error), INPUT_ERROR
    return None
