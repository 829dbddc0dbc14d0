"""`kam check`: a dry run over a landing folder, short enough to read while onboarding an export.

Per entity and file: rows read, how its columns were mapped, derived or ignored, the rows that
would be quarantined or excluded with their first reasons (personal data redacted); then the
entities not delivered and the marts that would lack them; then the verdict: would `kam run`
fail at ingest? The exit code says the same (0 = a run would load this folder).
"""

from __future__ import annotations

from pipelines.lib.ingest.dry_run import CheckResult, EntityCheck
from pipelines.lib.ingest.report import EMPTY, FAILED, SKIPPED_DUPLICATE, FileLoad

# Files with a problem listed one by one at most; clean files are counted, not listed (a history
# of daily invoice files is ~1,500 of them).
_FILES_LISTED = 8
_REASONS_SHOWN = 3


def describe_check(result: CheckResult) -> str:
    lines = [f"kam check: {result.landing} (a dry run: nothing is written to {result.home})"]
    for check in result.entities:
        if not check.delivered:
            continue
        lines.extend(_entity_lines(check))
    missing = result.missing()
    if missing:
        names = ", ".join(check.name for check in missing)
        lines.append(f"not delivered: {names}")
        required = [check.name for check in missing if check.contract.is_required]
        if required:
            lines.append(f"  required, so a run fails: {', '.join(required)}")
        marts = result.marts_without_input()
        if marts:
            lines.append(
                "  marts empty or without the columns these feed: "
                + ", ".join(f"{mart} ({', '.join(lack)})" for mart, lack in sorted(marts.items()))
            )
    failing = [check for check in result.entities if check.fails]
    if failing:
        lines.append(
            "result: `kam run` would FAIL at ingest: " + ", ".join(check.name for check in failing)
        )
    else:
        lines.append("result: `kam run` would load this folder")
    return "\n".join(lines)


def _entity_lines(check: EntityCheck) -> list[str]:
    report = check.report
    columns = {_columns_text(f) for f in report.files if f.columns_mapped or f.columns_derived}
    if len(report.files) == 1:
        lines = _file_lines(report.files[0], show_columns=False)
        lines[0] = f"{check.name}: {lines[0].strip()}"
    else:
        read = [f for f in report.files if f.rows_read]
        lines = [
            f"{check.name}: {len(report.files):,} files, {report.rows_read:,} read"
            + (f", {sum(f.rows_loaded for f in read):,} would load" if read else "")
            + (f", {report.rows_quarantined:,} quarantined" if report.rows_quarantined else "")
            + (f", {report.rows_excluded:,} excluded" if report.rows_excluded else "")
        ]
    lines[1:1] = [f"  FAILS: {problem}" for problem in report.problems]
    lines[1:1] = [f"  FAILS its suite bronze_{check.name}: {text}" for text in check.suite_failures]
    if len(columns) == 1:
        lines.insert(1, f"  columns: {columns.pop()}")
    if len(report.files) > 1:
        noteworthy = [f for f in report.files if _is_noteworthy(f)]
        for load in noteworthy[:_FILES_LISTED]:
            lines.extend(_file_lines(load, show_columns=len(columns) > 1))
        unlisted = len(noteworthy) - min(len(noteworthy), _FILES_LISTED)
        if unlisted:
            lines.append(f"  {unlisted:,} more file(s) with rows quarantined or excluded")
        quiet = len(report.files) - len(noteworthy)
        skipped = sum(1 for f in report.files if f.status == SKIPPED_DUPLICATE)
        if quiet:
            other = " other" if noteworthy else ""
            lines.append(
                f"  {quiet:,}{other} file(s) without a quarantined or excluded row"
                + (f" ({skipped:,} already loaded)" if skipped else "")
            )
    return lines


def _is_noteworthy(load: FileLoad) -> bool:
    return load.status == FAILED or bool(load.rows_quarantined or load.rows_excluded)


def _file_lines(load: FileLoad, *, show_columns: bool) -> list[str]:
    if load.status == FAILED and not load.rows_read:
        return [f"  {load.file}: FAILS: {_without_file(load)}"]
    if load.status == SKIPPED_DUPLICATE:
        return [f"  {load.file}: already loaded, a run skips it"]
    if load.status == EMPTY:
        return [f"  {load.file}: empty, nothing to load"]
    counts = [f"{load.rows_read:,} read", f"{load.rows_loaded:,} would load"]
    if load.rows_quarantined:
        counts.append(f"{load.rows_quarantined:,} quarantined")
    if load.rows_excluded:
        counts.append(f"{load.rows_excluded:,} excluded")
    period = ", months " + ", ".join(load.periods) if load.periods else ""
    lines = [f"  {load.file}: {', '.join(counts)}{period}"]
    if load.status == FAILED:
        lines.append(f"    FAILS: {_without_file(load)}")
    if show_columns and (load.columns_mapped or load.columns_derived):
        lines.append(f"    columns: {_columns_text(load)}")
    lines.extend(f"    quarantined: {text}" for text in load.sample_problems[:_REASONS_SHOWN])
    lines.extend(f"    excluded: {text}" for text in load.sample_exclusions[:_REASONS_SHOWN])
    return lines


def _columns_text(load: FileLoad) -> str:
    parts = [", ".join(load.columns_mapped)]
    if load.columns_derived:
        parts.append("derived " + "; ".join(load.columns_derived))
    if load.columns_ignored:
        parts.append("ignored " + ", ".join(load.columns_ignored))
    return " | ".join(part for part in parts if part)


def _without_file(load: FileLoad) -> str:
    """A file's message without its leading name (already printed on the line)."""
    message = load.message
    return message.removeprefix(f"{load.file}: ").removeprefix(f"{load.file} ")
