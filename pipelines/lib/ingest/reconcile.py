"""Every CSV file reconciles: the records it delivers are the rows read, none swallowed or lost.

Records delivered by a CSV file = its physical lines (universal line breaks, see byte_scan.py)
minus the header, minus the blank lines between records (the reader skips them), minus the line
breaks inside values of free-text columns (`contract.Column.is_free_text`: a comment may run over
several lines, and columns the contract does not know count as free text). A line break inside
any other column (an id, a code, a number, a date) is not data: it is a quote left open that
swallowed the lines after it. Such a row is quarantined, naming its lines, and counts as every
record it swallowed.

The count is independent of the CSV reader's parse: lines and blank lines come from the bytes, and
only the line breaks inside free-text values (which are records' own) from the reader. The loader
checks every file's rows read against it; a file where they differ fails with both numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from pipelines.lib.contract import Entity
from pipelines.lib.ingest.byte_scan import ByteScan
from pipelines.lib.ingest.redaction import shown
from pipelines.lib.sql_text import ident, values_sql

LINE_BREAK_RULE = "line_break"  # rule names: `<column>.line_break`
# The stage column holding the text of the columns the contract does not know, when it has a
# line break (they are not loaded, but their line breaks move the lines after them).
OTHER_TEXT_COLUMN = "_other_text"


@dataclass
class CsvCounts:
    """Line breaks inside the values the CSV reader made of one file."""

    breaks: int = 0  # every column
    free_breaks: int = 0  # free-text columns (legitimate)
    inner_blank_lines: int = 0  # blank lines inside values (the reader kept them)


@dataclass(frozen=True)
class SwallowedValue:
    """A value of a column that never holds a line break, spanning several lines."""

    line: int  # the row's first line: where its quarantine rows point
    column: str
    first_line: int
    last_line: int
    value: str | None  # as a quarantine row may show it

    @property
    def lines(self) -> int:
        return self.last_line - self.first_line + 1

    @property
    def extra_records(self) -> int:
        """Records swallowed besides the row's own."""
        return self.last_line - self.first_line

    def reason(self) -> str:
        return (
            f"lines {self.first_line}–{self.last_line}: a quoted value in {self.column} spans "
            f"{self.lines} lines; a quote is probably not closed on line {self.first_line}"
        )


# --------------------------------------------------------------------------------------------------
# SQL over text values


def _normalised(expression: str) -> str:
    return f"replace(replace({expression}, chr(13) || chr(10), chr(10)), chr(13), chr(10))"


def line_breaks_sql(expression: str) -> str:
    """Line breaks in a text value: `\\r\\n`, `\\n` and a lone `\\r` count one each."""
    text = _normalised(expression)
    return f"coalesce(length({text}) - length(replace({text}, chr(10), '')), 0)"


def inner_blank_lines_sql(expression: str) -> str:
    """Empty lines inside a value: in a run of k line breaks, k - 1 lines are empty."""
    text = _normalised(expression)
    return f"coalesce({line_breaks_sql(expression)} - len(regexp_extract_all({text}, '\\n+')), 0)"


def has_break_sql(expression: str, lone_cr: bool) -> str:
    """Cheap test for a line break: `\\n` (also in `\\r\\n`), a lone `\\r` if files have one."""
    test = f"contains({expression}, chr(10))"
    return f"({test} OR contains({expression}, chr(13)))" if lone_cr else test


def free_text_columns(entity: Entity) -> list[str]:
    return [c.name for c in entity.columns if c.is_free_text] + [OTHER_TEXT_COLUMN]


def strict_columns(entity: Entity) -> list[str]:
    """Columns in which a line break means a quote left open."""
    return [c.name for c in entity.columns if not c.is_free_text]


# --------------------------------------------------------------------------------------------------
# Counting and checking


def count_breaks(
    con: duckdb.DuckDBPyConnection, stage: str, entity: Entity, lone_cr: bool
) -> dict[str, CsvCounts]:
    """Per scanned path with any: the line breaks and blank lines inside its values.

    One filtered scan of the staged rows; only rows with a line break are summed."""
    columns = [ident(name) for name in (*entity.column_names, OTHER_TEXT_COLUMN)]
    free = {ident(name) for name in free_text_columns(entity)}
    any_break = " OR ".join(has_break_sql(c, lone_cr) for c in columns)
    breaks = " + ".join(line_breaks_sql(c) for c in columns)
    free_breaks = " + ".join(line_breaks_sql(c) for c in columns if c in free)
    blanks = " + ".join(inner_blank_lines_sql(c) for c in columns)
    return {
        path: CsvCounts(total, free_total, blank_total)
        for path, total, free_total, blank_total in con.execute(
            f"SELECT _scan_path, sum({breaks}), sum({free_breaks}), sum({blanks}) "
            f"FROM {stage} WHERE {any_break} GROUP BY _scan_path"
        ).fetchall()
    }


def records_delivered(
    scan: ByteScan, counts: CsvCounts, *, skip_blank: bool, header_lines: int = 1
) -> int:
    """Physical lines after the header, less blank lines between records (the reader skips them;
    with a single column it reads them as empty rows instead), less free-text line breaks."""
    blank_between = len(scan.blank_lines) - counts.inner_blank_lines if skip_blank else 0
    return scan.lines - header_lines - blank_between - counts.free_breaks


def unreconciled_message(rel: str, delivered: int | None, accounted: int) -> str | None:
    """The check every file passes before anything of it is loaded: rows loaded + quarantined +
    excluded (a swallowing row counting as every record in it) = records delivered.

    For a CSV file `delivered` comes from its bytes, so this also checks the CSV reader's parse:
    a row it dropped or merged without a line break in a value shows here."""
    if delivered is None or delivered == accounted:
        return None
    return (
        f"{rel}: does not reconcile: the file delivers {delivered:,} record(s) (for a CSV file: "
        f"lines after the header, less blank lines and line breaks inside free-text values), but "
        f"{accounted:,} were read (loaded + quarantined + excluded); nothing of this file was "
        "loaded. Check its line endings and quoting"
    )


# --------------------------------------------------------------------------------------------------
# Values that swallowed lines


def find_swallowed(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    entity: Entity,
    column_order: dict[str, Sequence[str | None]],
    lone_cr: bool,
) -> dict[str, list[SwallowedValue]]:
    """Values of strict columns with line breaks in `raw` (`_file`, `_line`, text columns).

    `column_order` gives each file's contract columns in the order the file holds them, so a
    value's first line is its row's first line plus the breaks of the values before it.
    """
    strict = strict_columns(entity)
    if not strict:
        return {}
    condition = " OR ".join(has_break_sql(ident(c), lone_cr) for c in strict)
    columns = list(entity.column_names)
    breaks = ", ".join(line_breaks_sql(ident(c)) for c in columns)
    rows = con.execute(
        f"SELECT _file, _line, {', '.join(ident(c) for c in columns)}, {breaks} "
        f"FROM {raw} WHERE {condition} ORDER BY _file, _line"
    ).fetchall()
    found: dict[str, list[SwallowedValue]] = {}
    strict_set = set(strict)
    for row in rows:
        rel, line = row[0], row[1]
        values = dict(zip(columns, row[2 : 2 + len(columns)], strict=True))
        counts = dict(zip(columns, row[2 + len(columns) :], strict=True))
        first = line
        for name in column_order.get(rel, columns):
            if name is None or name not in counts:
                continue
            if name in strict_set and counts[name]:
                found.setdefault(rel, []).append(
                    SwallowedValue(
                        line,
                        name,
                        first,
                        first + counts[name],
                        shown(entity, values[name]),
                    )
                )
            first += counts[name]
    return found


def quarantine_swallowed(
    con: duckdb.DuckDBPyConnection,
    problems: str,
    swallowed: dict[str, list[SwallowedValue]],
) -> dict[str, int]:
    """Put each swallowing value in `problems` (replacing any other problem with that value) and
    return, per file, the records swallowed besides the rows' own, for the loader's counts."""
    extra: dict[str, int] = {}
    rows: list[tuple] = []
    for rel, values in swallowed.items():
        for value in values:
            rows.append(
                (
                    rel,
                    value.line,
                    value.column,
                    value.value,
                    value.reason(),
                    f"{value.column}.{LINE_BREAK_RULE}",
                )
            )
            extra[rel] = extra.get(rel, 0) + value.extra_records
    if rows:
        cells = values_sql((r[0], r[1], r[2]) for r in rows)
        con.execute(
            f"DELETE FROM {problems} WHERE (_file, _line, column_name) IN "
            f"(SELECT * FROM (VALUES {cells}))"
        )
        con.execute(
            f"INSERT INTO {problems} (_file, _line, column_name, value, reason, rule) "
            f"VALUES {values_sql(rows)}"
        )
    return extra
