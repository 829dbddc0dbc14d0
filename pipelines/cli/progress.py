"""A compact console logger for `kam run`: what a person wants to follow, not the event log.

Dagster's console logger prints every engine event with run ids and timestamps; at a terminal a
data engineer wants one line per thing that happened: a step started, what it loaded, how long it
took, and what failed. The full event log stays in the Dagster instance (`kam dev` shows it).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator

import dagster as dg

from pipelines.lib.disk_full import disk_full_in_text

DBT_STEP_KEY = "kam_dbt_models"
# dbt's per-node verdicts and totals. Its closing "Failure in ..." paragraphs are left out: the
# run's summary states each failure once, with the file it is in.
_DBT_LINES_SHOWN = ("Finished running", "Done.", "Completed with")
_STORAGE_NOTICES = (
    "Exception while writing logger call to event log",
    # SQLAlchemy's continuation lines of the same notice
    "[SQL: ",
    "[parameters: ",
    "(Background on this error at: https://sqlalche.me",
)
_SHOWN_EVENTS = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_UP_FOR_RETRY"}
# Dagster's own notes on steps left out after a failure (with the failed step named once per
# input); the summary names those steps once instead.
_PLAN_NOTES = ("Dependencies for step ", "Skipping step ")
# "dagster._core.errors.DagsterExecutionStepExecutionError: ", "Failure: ",
# "pipelines.lib.ingest.errors.IngestError: ": class names a person cannot act on, in front of
# the message they can (the project's own errors are written to be read without them).
_CLASS_PREFIX = re.compile(
    r"^(?:(?:dagster|pipelines)[\w.]*\.)?\w*(?:Error|Exception|Failure)\w*: "
)
_CLASS_PREFIX_STARTS = ("dagster", "pipelines.", "Failure")


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
            reason = failure_reason(event).splitlines()[0]
            return f"{prefix} failed, will retry: {reason}"
        # The reason is stated once, in the summary at the end of the run.
        return f"{prefix} FAILED (why: see the end of the run)"


def failure_reason(event) -> str:
    """The reason a person needs for a failed step: its Failure description, else the root error.

    Retries wrap the real error ("Exceeded max_retries", "RetryRequestedFromPolicy"); the cause
    chain is followed down to what actually went wrong. A full disk anywhere in the chain is
    said in one line naming the place; a Dagster class name never leads the message.
    """
    data = event.event_specific_data
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return user.description
    error = getattr(data, "error", None)
    messages = []
    while error is not None:
        messages.append(error.message)
        if error.cause is None:
            break
        error = error.cause
    full = disk_full_in_text("\n".join(messages))
    if full:
        return full
    if error is None:
        return event.message or "failed"
    return plain_error_text(error.message)


def plain_error_text(message: str) -> str:
    """An error message without the exception class in front of it, when that class is
    Dagster's or the project's own."""
    text = message.strip()
    if text.startswith(_CLASS_PREFIX_STARTS):
        return _CLASS_PREFIX.sub("", text, count=1)
    return text


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
            text = meta.get("orig_message", "")
            if text.startswith(_PLAN_NOTES):
                return False
            if meta["step_key"].startswith(DBT_STEP_KEY):
                # dbt prints a line per node (hundreds); keep its verdicts and totals.
                return text.startswith(_DBT_LINES_SHOWN) or _is_dbt_verdict(text)
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


class _LineFilter(io.TextIOBase):
    """A text stream that passes each complete line through `render` (None drops it)."""

    def __init__(self, target: io.TextIOBase, render: Callable[[str], str | None]) -> None:
        self.target = target
        self.render = render
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            shown = self.render(line)
            if shown is not None:
                self.target.write(shown + "\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()


def _dbt_verdict_line(line: str) -> str | None:
    """dagster-dbt echoes every dbt line to stdout; only the verdicts are shown."""
    return f"{'':9} {DBT_STEP_KEY:<32} dbt: {line.strip()}" if _is_dbt_verdict(line) else None


def _without_storage_notices(line: str) -> str | None:
    """Dagster writes a notice per log call it could not store (a full disk under <home>);
    the run's summary says that once, naming the place."""
    return None if line.startswith(_STORAGE_NOTICES) else line


def _is_dbt_verdict(line: str) -> bool:
    """dbt's totals, and a node's line when it failed ("175 of 214 FAIL 1 relationships_...")."""
    text = line.strip()
    return text.startswith(_DBT_LINES_SHOWN) or any(
        marker in text for marker in (" ERROR ", " FAIL ", " WARN ")
    )


@contextlib.contextmanager
def dbt_output_filtered() -> Iterator[None]:
    """While a run executes, keep dbt's per-node chatter off the terminal (it is in dbt's log),
    and Dagster's notices about log records it could not store."""
    stdout = _LineFilter(sys.stdout, _dbt_verdict_line)
    stderr = _LineFilter(sys.stderr, _without_storage_notices)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            yield
        finally:
            for stream in (stdout, stderr):
                if stream.pending:
                    stream.write("\n")
                stream.flush()
