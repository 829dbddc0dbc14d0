"""Step failures a person can act on, and which of them a retry could fix.

A landing file that cannot be read, a kam.yml that says something impossible, a publish that was
refused, a full disk: each has a message written for the person running the pipeline, and none
gets better by waiting. `plain_failures` turns them into a `dg.Failure` carrying that message
alone (no traceback, no exception class in front of it) and marks it not retryable, so a
RetryPolicy on the asset only retries what may be transient.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import dagster as dg

from pipelines.lib.config_errors import ConfigError
from pipelines.lib.disk_full import disk_full_message
from pipelines.lib.ingest.errors import IngestError
from pipelines.lib.publish import PublishError

# Errors whose message is written for the person running the pipeline (file, line, expected).
USER_ERRORS: tuple[type[Exception], ...] = (ConfigError, IngestError, PublishError)

F = TypeVar("F", bound=Callable[..., Any])


def plain_failure(error: Exception) -> dg.Failure | None:
    """The Failure to raise instead of `error`, or None when it is not a known, final one."""
    if isinstance(error, dg.Failure):
        return None
    if isinstance(error, USER_ERRORS):
        return dg.Failure(description=str(error), allow_retries=False)
    message = disk_full_message(error)
    if message is not None:
        return dg.Failure(description=message, allow_retries=False)
    return None


def plain_failures(compute: F) -> F:
    """Decorate an asset's compute function (plain or generator): see the module docstring."""
    if inspect.isgeneratorfunction(compute):

        @functools.wraps(compute)
        def generator(*args: Any, **kwargs: Any) -> Any:
            try:
                return (yield from compute(*args, **kwargs))
            except Exception as error:
                failure = plain_failure(error)
                if failure is None:
                    raise
                raise failure from None

        return generator  # type: ignore[return-value]

    @functools.wraps(compute)
    def function(*args: Any, **kwargs: Any) -> Any:
        try:
            return compute(*args, **kwargs)
        except Exception as error:
            failure = plain_failure(error)
            if failure is None:
                raise
            raise failure from None

    return function  # type: ignore[return-value]
