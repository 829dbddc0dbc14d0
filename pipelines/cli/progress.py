"""A compact console logger for `kam run`: what a person wants to follow, not the event log.

Dagster's console logger prints every engine event with run ids and timestamps; at a terminal a
data engineer wants one line per thing that happened: a step started, what it loaded, how long it
took, and what failed. The full event log stays in the Dagster instance (`kam dev` shows it).
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import time
from collections.abc import Iterator

import dagster as dg

DBT_STEP_KEY = "kam_dbt_models"
_DBT_LINES_SHOWN = ("Finished running", "Done.", "Failure in", "Error in", "Completed with", "  ")
_SHOWN_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_UP_FOR_RETRY"}


class CompactFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key") or meta.get("resource_name") or "run"
        event = meta.get("dagster_event")
        elapsed = time.monotonic() - self.started
        prefix = f"[{elapsed:6.1f}s] {step:<32}"
        if event is None:
            return f"{prefix} {meta.get('orig_message', record.getMessage())}"
        kind = event.event_type_value
        if kind == "STEP_START":
            return f"{prefix} started"
        if kind == "STEP_SUCCESS":
            return f"{prefix} done"
        if kind == "STEP_UP_FOR_RETRY":
            return f"{prefix} failed, will retry: {failure_reason(event)}"
        return f"{prefix} FAILED: {failure_reason(event)}"


def failure_reason(event) -> str:
    """The reason a person needs for a failed step: its Failure description, else the root error.

    Retries wrap the real error ("Exceeded max_retries", "RetryRequestedFromPolicy"); the cause
    chain is followed down to what actually went wrong.
    """
    data = event.event_specific_data
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return user.description
    error = getattr(data, "error", None)
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message.strip() if error is not None else (event.message or "")


class CompactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            if record.levelno < logging.INFO:
                return False
            if not meta.get("step_key"):
                # Messages from resource set-up (e.g. waiting for the writer lock) have no step.
                return bool(meta.get("resource_name"))
            if meta["step_key"].startswith(DBT_STEP_KEY):
                # dbt prints a line per node (hundreds); keep its verdicts and totals.
                text = meta.get("orig_message", "")
                return record.levelno >= logging.WARNING or text.startswith(_DBT_LINES_SHOWN)
            return True
        return event.event_type_value in _SHOWN_EVENTS


@dg.logger(description="one line per step event and per message from the project's own code")
def compact_console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("kam", level=logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(CompactFormatter())
    handler.addFilter(CompactFilter())
    logger.addHandler(handler)
    return logger


class _DbtLineFilter(io.TextIOBase):
    """Pass through only dbt's verdict lines; dagster-dbt echoes every dbt line to stdout."""

    def __init__(self, target: io.TextIOBase) -> None:
        self.target = target
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if _is_dbt_verdict(line):
                self.target.write(f"{'':9} {DBT_STEP_KEY:<32} dbt: {line.strip()}\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()


def _is_dbt_verdict(line: str) -> bool:
    text = line.strip()
    return text.startswith(("Finished running", "Done.", "Completed with")) or any(
        marker in text
        for marker in (" ERROR ", " FAIL ", "Failure in", "Error in", "Database Error")
    )


@contextlib.contextmanager
def dbt_output_filtered() -> Iterator[None]:
    """While a run executes, keep dbt's per-node chatter off the terminal (it is in dbt's log)."""
    with contextlib.redirect_stdout(_DbtLineFilter(sys.stdout)):
        yield
