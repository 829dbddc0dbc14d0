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


def describe_dbt_failure(target_path: Path, error_text: str = "") -> str:
    """Several plain lines: a headline, one line per failed node, where dbt's log is."""
    failures = failed_nodes(target_path)
    log = target_path / "dbt.log"
    every_message = "\n".join([error_text, *failures])
    full = disk_full_in_text(every_message)
    if full:
        return full
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


def failed_nodes(target_path: Path) -> list[str]:
    """`<kind> <name> (<file>): <message>` for every failed node of the invocation."""
    results_path = target_path / "run_results.json"
    if not results_path.is_file():
        return []
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return []
    files = _node_files(target_path / "manifest.json")
    described = []
    for result in results:
        if str(result.get("status", "")).lower() not in FAILED_STATUSES:
            continue
        unique_id = str(result.get("unique_id", "?"))
        kind, _, rest = unique_id.partition(".")
        name = rest.split(".")[1] if rest.count(".") >= 1 else rest
        where = f" ({files[unique_id]})" if unique_id in files else ""
        message = _one_paragraph(str(result.get("message") or "failed"))
        described.append(f"{kind} {name}{where}: {message}")
    return described


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
