"""Read landing files into one all-text DuckDB table: `_file`, `_line`, text contract columns.

Every format ends in the same shape so that typing and row rules (casting.py) are written once, in
SQL, and nothing is ever typed by a sniffer. CSV files of one batch are read by ONE `read_csv` call
over the file list (per distinct header layout): the per-file cost of a call dominates when a sales
history arrives as ~1,500 daily files.

Before that read, each CSV file's bytes are scanned once (byte_scan.py): its physical and blank
lines, and UTF-8 in a file declared single-byte. After it, each file's rows are reconciled with
those lines (reconcile.py): a file the reader did not cover exactly fails, and a value that
swallowed lines (a line break in a column that never holds one) is found for quarantine.

Line numbers: DuckDB keeps the row order of a scan when `preserve_insertion_order` is on (the
default), so a row's position in its file is its rowid minus the file's first rowid; the header is
line 1. Rows after values with line breaks, and after blank lines (which the reader skips), are
moved down by those lines, so every reported line is the line an editor shows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.lib.config import ParseFormat, SourceSpec
from pipelines.lib.contract import Entity
from pipelines.lib.ingest import reconcile
from pipelines.lib.ingest.byte_scan import (
    CHUNK_BYTES,
    ByteScan,
    ByteScanner,
    Utf8Evidence,
    is_ascii_compatible,
    is_single_byte,
    scan_chunks,
    scan_file,
)
from pipelines.lib.ingest.names import map_headers
from pipelines.lib.ingest.reconcile import OTHER_TEXT_COLUMN, SwallowedValue
from pipelines.lib.ingest.workbooks import find_sheet, sheet_rows, workbook_problem
from pipelines.lib.sql_text import ident, literal_paths, quote_literal, values_sql

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

# Encodings DuckDB's CSV reader decodes itself; any other is transcoded to UTF-8 in Python first
# (DuckDB would need its `encodings` extension, and nothing may be downloaded at run time).
_DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "utf-16": "utf-16",
}
_HEADER_PROBE = 256 * 1024
_OTHER_DELIMITERS = (",", ";", "\t", "|")
_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")
_DUCKDB_FILE = re.compile(r"^\s*file = (.+)$", re.MULTILINE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class LandingFile:
    """A landing file about to be read; `rel` is its path relative to the landing folder."""

    path: Path
    rel: str
    sha256: str
    size: int
    mtime_ns: int
    period: str | None = None
    notes: list[str] = field(default_factory=list)
    # Filled by the reader: the path DuckDB scans (a UTF-8 copy for transcoded files) and the
    # contract column each of the file's columns maps to (None = ignored).
    scan_path: Path | None = None
    targets: tuple[str | None, ...] = ()
    sheet: str | None = None
    headers: tuple[str, ...] = ()  # the file's own header names, as delivered
    # CSV: what the file's bytes say (lines, blank lines), read before DuckDB sees the file.
    byte_scan: ByteScan | None = None
    header_lines: int = 1  # CSV: physical lines of the header (a quoted header cell may break)
    # Records the file delivers, counted apart from the reader's rows where the format allows
    # (CSV: from the bytes; Parquet: the file's metadata); the loader reconciles its counts with it.
    records_delivered: int | None = None
    # CSV: values of columns that never hold a line break that spanned lines (quarantined).
    swallowed: list[SwallowedValue] = field(default_factory=list)
    read_as: str | None = None  # the path DuckDB was given (a plain-named link, see sql_text)

    @property
    def kind(self) -> str:
        return file_kind(self.path)


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    return "csv"


def drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a temp table or view by name (the CSV reader leaves a view, the others a table)."""
    kinds = con.execute(
        "SELECT 'VIEW' FROM duckdb_views() WHERE view_name = ? AND temporary "
        "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = ? AND temporary",
        [name, name],
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {kind} IF EXISTS {name}")


def raw_table_sql(table: str, entity: Entity) -> str:
    columns = ", ".join(f"{ident(name)} VARCHAR" for name in entity.column_names)
    return f"CREATE OR REPLACE TEMP TABLE {table} (_file VARCHAR, _line BIGINT, {columns})"


# --------------------------------------------------------------------------------------------------
# Header checks shared by every format


def check_columns(
    landing: LandingFile, headers: list[str], source: SourceSpec, entity: Entity, *, line: str
) -> str | None:
    """Map headers to the contract; return a failure message or None.

    Unknown extra columns are dropped with a note (the manifest keeps it); a missing required column
    or two headers mapping to one contract column fail the file, naming what was found. For an
    entity holding personal data a header that is no known name is never quoted: a file without a
    header row has a contact's name and e-mail there.
    """
    aliases = {alias: column.name for column in entity.columns for alias in column.aliases}
    targets, collisions = map_headers(headers, source.column_map, aliases)
    known = set(entity.column_names)
    collisions = {target: found for target, found in collisions.items() if target in known}
    if collisions:
        described = "; ".join(
            f"{', '.join(repr(h) for h in found)} all map to {target!r}"
            for target, found in collisions.items()
        )
        return f"{landing.rel} {line}: ambiguous header: {described}; keep one or fix column_map"
    kept = tuple(target if target in known else None for target in targets)
    # A derived column (kam.yml `derived`) is computed, so the file need not carry it.
    missing = [
        name for name in entity.required_columns if name not in kept and name not in source.derived
    ]
    if missing:
        return (
            f"{landing.rel} {line}: missing required column(s) {', '.join(missing)}; "
            f"{_found_columns(headers, kept, entity)}. Rename them in the export or map them "
            f"under sources.{entity.name}.column_map in kam.yml"
        )
    dropped = [header for header, target in zip(headers, kept, strict=True) if target is None]
    if dropped and entity.has_personal_data:
        landing.notes.append(
            f"ignored {len(dropped)} column(s) not in the contract (names not shown: "
            f"{entity.name} holds personal data)"
        )
    elif dropped:
        landing.notes.append(f"ignored columns not in the contract: {', '.join(dropped)}")
    landing.targets = kept
    landing.headers = tuple(headers)
    return None


def _found_columns(headers: list[str], kept: tuple[str | None, ...], entity: Entity) -> str:
    """What the header holds, in words that never quote personal data."""
    if not entity.has_personal_data:
        found = f"columns found: {', '.join(repr(h) for h in headers) or 'none'}"
        if headers and not any(kept):
            found += " (none is a contract column: is the first line data, without a header?)"
        return found
    names = [target for target in kept if target]
    others = len(headers) - len(names)
    if not names:
        return (
            f"the first line has {len(headers)} column(s) and none is a contract column; it "
            "looks like data, so the file may have no header row (its values are not shown: "
            f"{entity.name} holds personal data)"
        )
    shown = f"columns found: {', '.join(names)}"
    if others:
        shown += (
            f" and {others} other(s) not in the contract (names not shown: {entity.name} holds "
            "personal data)"
        )
    return shown


# --------------------------------------------------------------------------------------------------
# CSV


def prepare_csv(
    landing: LandingFile, source: SourceSpec, entity: Entity, workdir: Path
) -> str | None:
    """Scan a CSV file's bytes and check its encoding and header before the batched read;
    return a failure or None."""
    fmt = source.format
    encoding = fmt.encoding.lower()
    with landing.path.open("rb") as handle:
        probe = handle.read(_HEADER_PROBE)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return (
            f"{landing.rel}: encoding {fmt.encoding!r} declared by format {fmt.name!r} in kam.yml "
            "is not a known encoding; use e.g. utf-8, latin-1 or windows-1252"
        )
    if b"\x00" in probe and is_ascii_compatible(codec):
        utf16 = " (it starts like UTF-16 text: declare `encoding: utf-16`)"
        return f"{landing.rel} line 1: cannot be parsed as CSV: the file contains NUL bytes" + (
            utf16
            if probe.startswith(_UTF16_BOMS)
            else " (a binary file, such as a workbook saved with a .csv name?)"
        )
    python_codec = "utf-8-sig" if codec == "utf-8" else codec
    # The whole file is read once here: scanned, and transcoded if DuckDB cannot decode it.
    if codec in {codecs.lookup(name).name for name in _DUCKDB_ENCODINGS}:
        landing.scan_path = landing.path
        if len(probe) < _HEADER_PROBE and is_ascii_compatible(codec):  # the probe is the file
            landing.byte_scan = scan_chunks([probe], probe_utf8=is_single_byte(codec))
        else:
            landing.byte_scan = scan_file(landing.path, codec)
    else:
        # Safe name: the landing name may hold characters DuckDB reads as a glob.
        landing.scan_path = workdir / f"{landing.sha256[:16]}.csv"
        failure = transcode(landing, fmt, python_codec, landing.scan_path)
        if failure:
            return failure
    if landing.byte_scan.utf8 is not None:
        return utf8_in_single_byte_message(landing, fmt, landing.byte_scan.utf8)

    first_line = probe.split(b"\n", 1)[0]
    try:
        header_text = first_line.decode(python_codec).rstrip("\r")
    except UnicodeDecodeError as error:
        return decode_error_message(landing, fmt, error, first_line, line=1)
    headers, landing.header_lines = _parse_header(probe, python_codec, fmt.delimiter)
    if len(headers) == 1:
        other = [d for d in _OTHER_DELIMITERS if d != fmt.delimiter and d in header_text]
        if other:
            shown = (
                f"of {len(header_text)} characters (not shown: {entity.name} holds personal data)"
                if entity.has_personal_data
                else repr(shorten(header_text))
            )
            return (
                f"{landing.rel} line 1: cannot be parsed: the header is a single column {shown} "
                f"with delimiter {fmt.delimiter!r} (format {fmt.name!r}); it looks separated by "
                f"{other[0]!r}: declare `delimiter: {other[0]!r}` for this source's format in "
                "kam.yml"
            )
    return check_columns(landing, headers, source, entity, line="line 1")


def _parse_header(probe: bytes, codec: str, delimiter: str) -> tuple[list[str], int]:
    """The header's names and the physical lines it takes: a quoted header cell may hold a line
    break (an Excel header typed with Alt+Enter), which DuckDB reads as one header too."""
    text = probe.decode(codec, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = next(reader, [])
    breaks = sum(cell.count("\n") + cell.count("\r") - cell.count("\r\n") for cell in headers)
    return [" ".join(h.split()) for h in headers], 1 + breaks


def transcode(landing: LandingFile, fmt: ParseFormat, codec: str, target: Path) -> str | None:
    """Re-encode a file DuckDB cannot decode (e.g. windows-1252) into UTF-8, line numbers intact,
    scanning its bytes on the way (one read of the file)."""
    decoder = codecs.getincrementaldecoder(codec)()
    scanner = ByteScanner(probe_utf8=is_single_byte(codec))
    scan_raw = is_ascii_compatible(codec)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with landing.path.open("rb") as source, target.open("wb") as sink:
            while chunk := source.read(CHUNK_BYTES):
                text = decoder.decode(chunk).encode("utf-8")
                scanner.feed(chunk if scan_raw else text)
                sink.write(text)
            text = decoder.decode(b"", final=True).encode("utf-8")
            if not scan_raw:
                scanner.feed(text)
            sink.write(text)
    except UnicodeDecodeError:
        return locate_decode_error(landing, fmt, codec)
    landing.byte_scan = scanner.finish()
    return None


def utf8_in_single_byte_message(
    landing: LandingFile, fmt: ParseFormat, evidence: Utf8Evidence
) -> str:
    """A file declared Latin-1 (or another single-byte encoding) that is written in UTF-8."""
    hex_bytes = " ".join(f"0x{byte:02x}" for byte in evidence.sequence)
    where = f"{landing.rel} line {evidence.line}, column {evidence.column}"
    fix = (
        f"declare `encoding: utf-8` for this source's format in kam.yml, or save the file as "
        f"{fmt.encoding}"
    )
    if evidence.is_bom:
        return (
            f"{where}: the file starts with a UTF-8 byte-order mark ({hex_bytes}) but format "
            f"{fmt.name!r} declares {fmt.encoding}; it is most likely UTF-8: {fix}"
        )
    character = evidence.sequence.decode("utf-8")
    misread = evidence.sequence.decode(fmt.encoding, errors="replace")
    return (
        f"{where}: the file is most likely UTF-8, not {fmt.encoding} as format {fmt.name!r} "
        f"declares: bytes {hex_bytes} are UTF-8 for {character!r} and every non-ASCII byte of "
        f"the file is valid UTF-8 (read as {fmt.encoding} they would become {misread!r}); {fix}"
    )


def locate_decode_error(landing: LandingFile, fmt: ParseFormat, codec: str) -> str:
    """Find the first undecodable byte of a file and say where it is (line, character column)."""
    data = landing.path.read_bytes()
    try:
        data.decode(codec)
    except UnicodeDecodeError as error:
        return decode_error_message(landing, fmt, error, data)
    return f"{landing.rel}: cannot be decoded as {fmt.encoding} (format {fmt.name!r})"


def decode_error_message(
    landing: LandingFile,
    fmt: ParseFormat,
    error: UnicodeDecodeError,
    data: bytes,
    line: int | None = None,
) -> str:
    offset = error.start
    line_start = data.rfind(b"\n", 0, offset) + 1
    line_number = line or data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode(error.encoding, errors="replace")) + 1
    bad = data[offset : offset + 1].hex()
    hint = "latin-1" if fmt.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else "utf-8"
    return (
        f"{landing.rel} line {line_number}, column {column}: byte 0x{bad} is not valid "
        f"{fmt.encoding} (declared by format {fmt.name!r}); declare the file's real encoding for "
        f"this source in kam.yml (e.g. `encoding: {hint}` or `encoding: windows-1252`)"
    )


def csv_options(fmt: ParseFormat, columns: Iterable[str]) -> str:
    encoding = _DUCKDB_ENCODINGS.get(fmt.encoding.lower(), "utf-8")
    spec = ", ".join(f"{quote_literal(name)}: 'VARCHAR'" for name in columns)
    return (
        f"delim={quote_literal(fmt.delimiter)}, quote='\"', escape='\"', header=true, "
        f"auto_detect=false, columns={{{spec}}}, encoding={quote_literal(encoding)}, "
        "filename='_scan_path'"
    )


def read_csv_files(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: list[LandingFile],
    fmt: ParseFormat,
    entity: Entity,
) -> dict[str, str]:
    """Insert the rows of `files` into `table`; return {rel: failure message} for unreadable files.

    One read_csv per distinct header layout. When DuckDB rejects a file, its error names the file
    and line: that file is set aside with a plain message and the rest of the group is read again.
    Then each file's records delivered are counted from its bytes (for the loader to reconcile
    its rows with), and values that swallowed lines are noted on the file
    (`LandingFile.swallowed`) for the loader to quarantine.
    """
    failures: dict[str, str] = {}
    stage = f"{table}_stage"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage} (_scan_path VARCHAR, {OTHER_TEXT_COLUMN} VARCHAR, "
        + ", ".join(f"{ident(name)} VARCHAR" for name in entity.column_names)
        + ")"
    )
    lone_cr = any(f.byte_scan is not None and f.byte_scan.has_lone_cr for f in files)
    with literal_paths([f.scan_path for f in files]) as duckdb_paths:
        for landing, path in zip(files, duckdb_paths, strict=True):
            landing.read_as = str(path)
        groups: dict[tuple[str | None, ...], list[LandingFile]] = {}
        for landing in files:
            groups.setdefault(landing.targets, []).append(landing)
        for targets, group in groups.items():
            _read_group(con, stage, group, targets, fmt, entity, lone_cr, failures)
    read = [f for f in files if f.rel not in failures]
    counts = reconcile.count_breaks(con, stage, entity, lone_cr)
    for landing in read:
        landing.records_delivered = reconcile.records_delivered(
            landing.byte_scan,
            counts.get(landing.read_as, reconcile.CsvCounts()),
            header_lines=landing.header_lines,
            skip_blank=len(landing.targets) > 1,
        )
    _number_lines(con, table, stage, read, entity, lone_cr, counts)
    if any(_has_strict_breaks(counts.get(f.read_as)) for f in read):
        order = {f.rel: f.targets for f in read}
        for rel, values in reconcile.find_swallowed(con, table, entity, order, lone_cr).items():
            next(f for f in read if f.rel == rel).swallowed = values
    return failures


def _has_strict_breaks(counts: reconcile.CsvCounts | None) -> bool:
    return counts is not None and counts.breaks > counts.free_breaks


def _read_group(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    group: list[LandingFile],
    targets: tuple[str | None, ...],
    fmt: ParseFormat,
    entity: Entity,
    lone_cr: bool,
    failures: dict[str, str],
) -> None:
    """One `read_csv` over files sharing a header layout; a file DuckDB rejects is set aside."""
    names = [target or f"_ignored_{i}" for i, target in enumerate(targets)]
    present = [ident(t) for t in targets if t]
    ignored = [ident(name) for name, t in zip(names, targets, strict=True) if not t]
    if ignored:
        # Columns nobody loads still hold line breaks that move the lines after them.
        breaks = " OR ".join(reconcile.has_break_sql(c, lone_cr) for c in ignored)
        other = f"CASE WHEN {breaks} THEN concat_ws(chr(31), {', '.join(ignored)}) END"
    else:
        other = "NULL"
    pending = list(group)
    while pending:
        paths = "[" + ", ".join(quote_literal(f.read_as) for f in pending) + "]"
        sql = (
            f"INSERT INTO {stage} (_scan_path, {OTHER_TEXT_COLUMN}, {', '.join(present)}) "
            f"SELECT _scan_path, {other}, {', '.join(present)} "
            f"FROM read_csv({paths}, {csv_options(fmt, names)})"
        )
        try:
            con.execute(sql)
            return
        except duckdb.Error as error:
            if "CSV Error" not in str(error) and "file = " not in str(error):
                raise  # not about a file (out of memory, disk full): the run must stop
            culprit = _culprit(str(error), pending)
            if culprit is None:
                for landing in pending:
                    failures[landing.rel] = csv_error_message(landing, fmt, str(error), entity)
                return
            failures[culprit.rel] = csv_error_message(culprit, fmt, str(error), entity)
            pending.remove(culprit)


def _culprit(message: str, pending: list[LandingFile]) -> LandingFile | None:
    match = _DUCKDB_FILE.search(message)
    if not match:
        return pending[0] if len(pending) == 1 else None
    named = match.group(1).strip()
    for landing in pending:
        if landing.read_as == named or Path(named).name == Path(landing.read_as).name:
            return landing
    return None


def csv_error_message(
    landing: LandingFile, fmt: ParseFormat, error: str, entity: Entity | None = None
) -> str:
    if "Invalid unicode" in error or "byte sequence" in error:
        codec = codecs.lookup(_DUCKDB_ENCODINGS.get(fmt.encoding.lower(), "utf-8")).name
        return locate_decode_error(landing, fmt, codec)
    line = _DUCKDB_LINE.search(error)
    where = f" line {line.group(1)}" if line else ""
    reason = _first_reason(error, personal=entity is not None and entity.has_personal_data)
    return (
        f"{landing.rel}{where}: cannot be parsed as CSV with delimiter {fmt.delimiter!r} and "
        f"encoding {fmt.encoding} (format {fmt.name!r}): {reason}"
    )


# Sentences of DuckDB CSV errors worth repeating. The error also echoes the offending line, which
# may hold personal data, so only a known sentence (or the error's first line) is ever quoted.
_KNOWN_REASONS = (
    "unterminated quote",
    "Expected Number of Columns",
    "Maximum line size",
    "Invalid unicode",
    "not utf-8 encoded",
    "state machine reached an invalid state",
)


def _first_reason(error: str, *, personal: bool = False) -> str:
    """The sentence of a DuckDB error that says what went wrong, never the echoed data line.

    For an entity with personal data an unknown error is not quoted at all."""
    for text in error.splitlines():
        if any(reason.lower() in text.lower() for reason in _KNOWN_REASONS):
            return text.strip()
    if personal:
        return "the CSV reader rejected the file (details not shown: the file holds personal data)"
    return shorten(error.splitlines()[0] if error else "unknown error", 200)


def _number_lines(
    con: duckdb.DuckDBPyConnection,
    table: str,
    stage: str,
    files: list[LandingFile],
    entity: Entity,
    lone_cr: bool,
    counts: dict[str, reconcile.CsvCounts],
) -> None:
    """Make `table` a view of the staged rows with their landing name and physical line number.

    A row's line is its position after the header, plus the line breaks inside the values of
    earlier rows, plus the blank lines between records before it (found by the byte scan).
    """
    columns = [ident(name) for name in entity.column_names]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _scan_files "
        "(scan_path VARCHAR, rel VARCHAR, first_line BIGINT)"
    )
    if files:
        rows = values_sql((f.read_as, f.rel, f.header_lines + 1) for f in files)
        con.execute(f"INSERT INTO _scan_files VALUES {rows}")
    if any(counts.get(f.read_as, reconcile.CsvCounts()).breaks for f in files):
        row_breaks = " + ".join(reconcile.line_breaks_sql(c) for c in [*columns, OTHER_TEXT_COLUMN])
        offset = (
            "coalesce(sum(_breaks) OVER (PARTITION BY _scan_path ORDER BY _row "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
        )
    else:
        row_breaks, offset = "0", "0"
    logical = f"{table}_logical"
    con.execute(f"DROP VIEW IF EXISTS {logical}")
    con.execute(
        f"""
        CREATE TEMP VIEW {logical} AS
        WITH staged AS (
            SELECT rowid AS _row, *, {row_breaks} AS _breaks FROM {stage}
        ),
        numbered AS (SELECT *, {offset} AS _extra_lines FROM staged),
        starts AS (
            SELECT s._scan_path, any_value(f.rel) AS rel,
                   any_value(f.first_line) - min(s._row) AS line_base
            FROM staged AS s JOIN _scan_files AS f ON f.scan_path = s._scan_path
            GROUP BY s._scan_path
        )
        SELECT n._scan_path, st.rel,
               n._row + st.line_base + n._extra_lines AS _logical_line,
               n._breaks, {", ".join("n." + c for c in columns)}
        FROM numbered AS n JOIN starts AS st USING (_scan_path)
        """
    )
    shifts = _blank_line_shifts(con, logical, files)
    line = "l._logical_line"
    blank_join = ""
    if shifts:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _blank_shifts "
            "(scan_path VARCHAR, logical_from BIGINT, shift BIGINT)"
        )
        con.execute(f"INSERT INTO _blank_shifts VALUES {values_sql(shifts)}")
        line = "l._logical_line + coalesce(b.shift, 0)"
        blank_join = (
            "ASOF LEFT JOIN _blank_shifts AS b "
            "ON b.scan_path = l._scan_path AND l._logical_line >= b.logical_from"
        )
    # A view, not a copy: the typing query reads the staged rows once, numbering them on the way.
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"""
        CREATE TEMP VIEW {table} AS
        SELECT l.rel AS _file, {line} AS _line, {", ".join("l." + c for c in columns)}
        FROM {logical} AS l
        {blank_join}
        """
    )


def _blank_line_shifts(
    con: duckdb.DuckDBPyConnection, logical: str, files: list[LandingFile]
) -> list[tuple[str, int, int]]:
    """(scan path, logical line, shift): rows from that logical line on lie `shift` lines lower,
    for the blank lines between records. Blank lines inside a quoted value are the value's."""
    shifts: list[tuple[str, int, int]] = []
    for landing in files:
        blanks = landing.byte_scan.blank_lines if landing.byte_scan else ()
        if not blanks or len(landing.targets) < 2:
            continue
        multiline = con.execute(
            f"SELECT _logical_line, _breaks FROM {logical} "
            "WHERE _scan_path = ? AND _breaks > 0 ORDER BY _logical_line",
            [landing.read_as],
        ).fetchall()
        by_start: dict[int, int] = {}
        between = 0  # blank lines between records seen so far
        rows = iter(multiline)
        current = next(rows, None)
        for blank in blanks:
            inside = False
            while current is not None:
                start = current[0] + between
                if start + current[1] < blank:
                    current = next(rows, None)
                    continue
                inside = start < blank
                break
            if inside:
                continue
            by_start[blank - between] = between + 1
            between += 1
        shifts.extend((landing.read_as, start, shift) for start, shift in by_start.items())
    return shifts


# --------------------------------------------------------------------------------------------------
# Parquet


def prepare_parquet(landing: LandingFile, source: SourceSpec, entity: Entity) -> str | None:
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(landing.path)
        schema = metadata.schema.to_arrow_schema()
    except Exception as error:  # pyarrow raises several types for a corrupt file
        return f"{landing.rel}: cannot be read as Parquet: {shorten(str(error), 200)}"
    landing.scan_path = landing.path
    landing.records_delivered = metadata.num_rows
    return check_columns(landing, list(schema.names), source, entity, line="(schema)")


def read_parquet_files(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: list[LandingFile],
    entity: Entity,
) -> dict[str, str]:
    """Insert Parquet rows as text: typed again by the same SQL as CSV, so one rule set applies.

    Timestamps with a time zone are written in UTC; the line is the 1-based row number.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    failures: dict[str, str] = {}
    for landing in files:
        schema = pq.read_schema(landing.path)
        selects = []
        by_target = dict(zip(landing.targets, schema.names, strict=True))
        for name in entity.column_names:
            original = by_target.get(name)
            if original is None:
                selects.append("NULL")
                continue
            field_type = schema.field(original).type
            ref = ident(original)
            if pa.types.is_timestamp(field_type) and field_type.tz is not None:
                selects.append(f"strftime(make_timestamp(epoch_us({ref})), '%Y-%m-%d %H:%M:%S.%f')")
            else:
                selects.append(f"CAST({ref} AS VARCHAR)")
        with literal_paths([landing.path]) as (path,):
            try:
                con.execute(
                    f"INSERT INTO {table} (_file, _line, "
                    + ", ".join(ident(n) for n in entity.column_names)
                    + f") SELECT {quote_literal(landing.rel)}, file_row_number + 1, "
                    + ", ".join(selects)
                    + f" FROM read_parquet({quote_literal(str(path))}, file_row_number=true)"
                )
            except duckdb.Error as error:
                failures[landing.rel] = (
                    f"{landing.rel}: cannot be read as Parquet: "
                    f"{_first_reason(str(error), personal=entity.has_personal_data)}"
                )
    return failures


# --------------------------------------------------------------------------------------------------
# XLSX


def prepare_xlsx(landing: LandingFile, source: SourceSpec, entity: Entity) -> str | None:
    problem = workbook_problem(landing.path)
    if problem:
        return f"{landing.rel}: {problem}"
    try:
        sheet = find_sheet(landing.path, source.sheets)
        if sheet is not None:
            # Parses (and keeps) every sheet now, so a damaged part is reported here, with the
            # file's name, rather than raised from the read.
            sheet_rows(landing.path, sheet)
    except Exception as error:  # zipfile, XML and openpyxl errors for a damaged workbook
        return f"{landing.rel}: cannot be read as an Excel workbook: {shorten(str(error), 200)}"
    if sheet is None:
        return (
            f"{landing.rel}: no sheet named {' or '.join(source.sheets)} "
            f"(the sheets for {entity.name})"
        )
    landing.sheet = sheet
    return None


def read_xlsx_files(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: list[LandingFile],
    source: SourceSpec,
    entity: Entity,
) -> dict[str, str]:
    """Read each workbook's sheet into `table` as text (plan workbooks fit in memory; the
    workbook is parsed once for all the entities it feeds, see workbooks.py)."""
    import pyarrow as pa

    failures: dict[str, str] = {}
    for landing in files:
        rows = iter(sheet_rows(landing.path, landing.sheet))
        header = next(rows, None) or ()
        headers = [cell_text(cell) or "" for cell in header]
        failure = check_columns(
            landing, headers, source, entity, line=f"sheet {landing.sheet!r} row 1"
        )
        if failure:
            failures[landing.rel] = failure
            continue
        data: dict[str, list] = {"_file": [], "_line": []}
        data.update({name: [] for name in entity.column_names})
        positions = [(i, t) for i, t in enumerate(landing.targets) if t]
        for number, row in enumerate(rows, start=2):
            texts = {t: cell_text(row[i]) if i < len(row) else None for i, t in positions}
            if all(value is None for value in texts.values()):
                continue  # spreadsheets end in empty formatted rows; they are not data
            data["_file"].append(landing.rel)
            data["_line"].append(number)
            for name in entity.column_names:
                data[name].append(texts.get(name))
        landing.records_delivered = len(data["_line"])
        arrow = pa.table(
            {
                name: pa.array(values, type=pa.int64() if name == "_line" else pa.string())
                for name, values in data.items()
            }
        )
        con.register("_xlsx_rows", arrow)
        try:
            con.execute(f"INSERT INTO {table} SELECT * FROM _xlsx_rows")
        finally:
            con.unregister("_xlsx_rows")
    return failures


def cell_text(value: object) -> str | None:
    """A cell as the text the ISO parse formats read: dates ISO, numbers plain with `.` decimal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    return str(value)


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
