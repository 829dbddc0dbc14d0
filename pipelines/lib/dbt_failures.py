"""Why a `dbt build` failed, in the words a data engineer needs: which model or test, in which
file, and what dbt said, read from the invocation's own artifacts.

dagster-dbt's error names the dbt command line and points at the compute logs; the reasons are
in `run_results.json` (every node's status and message) and, for a project that does not even
compile or parse, in dbt's error lines. Values the database quotes in an error (DuckDB writes
"could not convert string 'Maria'") are replaced by `<value>`: a row can hold personal data,
and the model, the column and the kind of error are what the reader acts on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipelines.lib.disk_full import disk_full_in_text

FAILED_STATUSES = ("error", "fail", "runtime error")
SHOWN_FAILURES = 10
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_QUOTED_VALUE = re.compile(r"'[^'\n]*'")
# dagster-dbt lists dbt's error-level log lines after this line of its error description.
_ERRORS_MARKER = "Errors parsed from dbt logs:"
# dbt-duckdb reports a failed Python model (account_clv) with the whole traceback after this.
_PYTHON_MODEL_FAILED = "Python model failed:"
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*): (.+)$")


def describe_dbt_failure(target_path: Path, error_text: str = "") -> str:
    """Several plain lines: a headline, one line per failed node, where dbt's log is."""
    results = failed_results(target_path)
    log = target_path / "dbt.log"
    # Before any value is redacted: a path in the message names the full file system.
    full = disk_full_in_text("\n".join([error_text, *(message for _, message in results)]))
    if full:
        return full
    files = _node_files(target_path / "manifest.json")
    failures = [_describe_node(unique_id, message, files) for unique_id, message in results]
    if failures:
        lines = [f"dbt build: {len(failures)} model(s) or test(s) failed:"]
        lines += [f"- {failure}" for failure in failures[:SHOWN_FAILURES]]
        if len(failures) > SHOWN_FAILURES:
            lines.append(
                f"- ... and {len(failures) - SHOWN_FAILURES} more "
                f"({target_path / 'run_results.json'})"
            )
    else:
        reported = dbt_error_lines(error_text)
        lines = ["dbt build failed before running the models:"]
        lines += [f"  {line}" for line in reported] or ["  (dbt gave no reason)"]
    lines.append(f"dbt's log: {log}")
    return "\n".join(lines)


def failed_results(target_path: Path) -> list[tuple[str, str]]:
    """(unique_id, dbt's message) of every failed node of the invocation, in run order."""
    results_path = target_path / "run_results.json"
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return []
    return [
        (str(result.get("unique_id", "?")), str(result.get("message") or "failed"))
        for result in results
        if str(result.get("status", "")).lower() in FAILED_STATUSES
    ]


def _describe_node(unique_id: str, message: str, files: dict[str, str]) -> str:
    """`<kind> <name> (<file>): <message>`."""
    kind, _, rest = unique_id.partition(".")
    name = rest.split(".")[1] if "." in rest else rest
    where = f" ({files[unique_id]})" if unique_id in files else ""
    return f"{kind} {name}{where}: {_one_paragraph(python_model_error(message))}"


def python_model_error(message: str) -> str:
    """A Python model's failure without its traceback: the exception's last line, which says what
    was wrong; the project's own ClvError is a sentence for the reader, shown without its name.
    Any other message is returned as it is."""
    if _PYTHON_MODEL_FAILED not in message:
        return message
    lines = [line.strip() for line in _ANSI.sub("", message).splitlines() if line.strip()]
    for line in reversed(lines):
        match = _EXCEPTION_LINE.match(line)
        if match and not line.startswith("File "):
            kind, text = match.groups()
            short = kind.rsplit(".", 1)[-1]
            return text if short == "ClvError" else f"{short}: {text}"
    return lines[-1]


def dbt_error_lines(error_text: str) -> list[str]:
    """dbt's own error lines from dagster-dbt's error description, without colour codes."""
    _, marker, errors = error_text.partition(_ERRORS_MARKER)
    if not marker:
        return []
    # Parse and compile errors quote the project's own files, never data: shown as they are.
    lines = [_ANSI.sub("", line).strip() for line in errors.splitlines()]
    return [line for line in lines if line]


def _node_files(manifest_path: Path) -> dict[str, str]:
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        unique_id: node.get("original_file_path", "")
        for unique_id, node in manifest.get("nodes", {}).items()
        if node.get("original_file_path")
    }


def _one_paragraph(message: str) -> str:
    lines = [_ANSI.sub("", line).strip() for line in message.splitlines()]
    return redact_values(" ".join(line for line in lines if line))


def redact_values(text: str) -> str:
    return _QUOTED_VALUE.sub("'<value>'", text)
