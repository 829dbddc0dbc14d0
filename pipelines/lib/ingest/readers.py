"""Read landing files into one all-text DuckDB table: `_file`, `_line`, text contract columns.

Every format ends in the same shape so that typing and row rules (casting.py) are written once, in
SQL, and nothing is ever typed by a sniffer. CSV files of one batch are read by ONE `read_csv` call
over the file list (per distinct header layout): the per-file cost of a call dominates when a sales
history arrives as ~1,500 daily files.

Line numbers: DuckDB keeps the row order of a scan when `preserve_insertion_order` is on (the
default), so a row's position in its file is its rowid minus the file's first rowid; the header is
line 1. Records with quoted line breaks are corrected by counting the breaks of earlier records.
Blank lines are skipped by the CSV reader and not counted: a file with blank lines in the middle
reports later lines a little early (documented in docs/ingest.md).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.lib.config import ParseFormat, SourceSpec
from pipelines.lib.contract import Entity
from pipelines.lib.ingest.names import map_headers
from pipelines.lib.ingest.workbooks import find_sheet, sheet_rows

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
    columns = ", ".join(f'"{name}" VARCHAR' for name in entity.column_names)
    return f"CREATE OR REPLACE TEMP TABLE {table} (_file VARCHAR, _line BIGINT, {columns})"


def quote_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------------
# Header checks shared by every format


def check_columns(
    landing: LandingFile, headers: list[str], source: SourceSpec, entity: Entity, *, line: str
) -> str | None:
    """Map headers to the contract; return a failure message or None.

    Unknown extra columns are dropped with a note (the manifest keeps it); a missing required column
    or two headers mapping to one column fail the file, naming what was found.
    """
    aliases = {alias: column.name for column in entity.columns for alias in column.aliases}
    targets, collisions = map_headers(headers, source.column_map, aliases)
    if collisions:
        described = "; ".join(
            f"{', '.join(repr(h) for h in found)} all map to {target!r}"
            for target, found in collisions.items()
        )
        return f"{landing.rel} {line}: ambiguous header: {described}; keep one or fix column_map"
    known = set(entity.column_names)
    kept = tuple(target if target in known else None for target in targets)
    # A derived column (kam.yml `derived`) is computed, so the file need not carry it.
    missing = [
        name for name in entity.required_columns if name not in kept and name not in source.derived
    ]
    if missing:
        return (
            f"{landing.rel} {line}: missing required column(s) {', '.join(missing)}; "
            f"columns found: {', '.join(repr(h) for h in headers) or 'none'}. Rename them in the "
            f"export or map them under sources.{entity.name}.column_map in kam.yml"
        )
    dropped = [header for header, target in zip(headers, kept, strict=True) if target is None]
    if dropped:
        landing.notes.append(f"ignored columns not in the contract: {', '.join(dropped)}")
    landing.targets = kept
    landing.headers = tuple(headers)
    return None


# --------------------------------------------------------------------------------------------------
# CSV


def prepare_csv(
    landing: LandingFile, source: SourceSpec, entity: Entity, workdir: Path
) -> str | None:
    """Check a CSV file's encoding and header before the batched read; return a failure or None."""
    fmt = source.format
    encoding = fmt.encoding.lower()
    with landing.path.open("rb") as handle:
        probe = handle.read(_HEADER_PROBE)
    if b"\x00" in probe and encoding != "utf-16":
        return (
            f"{landing.rel} line 1: cannot be parsed as CSV: the file contains NUL bytes (a binary "
            "file, such as a workbook saved with a .csv name?)"
        )
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return (
            f"{landing.rel}: encoding {fmt.encoding!r} declared by format {fmt.name!r} in kam.yml "
            "is not a known encoding; use e.g. utf-8, latin-1 or windows-1252"
        )
    first_line = probe.split(b"\n", 1)[0]
    python_codec = "utf-8-sig" if codec == "utf-8" else codec
    try:
        header_text = first_line.decode(python_codec).rstrip("\r")
    except UnicodeDecodeError as error:
        return decode_error_message(landing, fmt, error, first_line, line=1)
    headers = next(csv.reader([header_text], delimiter=fmt.delimiter), [])
    headers = [h.strip() for h in headers]
    if len(headers) == 1:
        other = [d for d in _OTHER_DELIMITERS if d != fmt.delimiter and d in header_text]
        if other:
            return (
                f"{landing.rel} line 1: cannot be parsed: the header is a single column "
                f"{shorten(header_text)!r} with delimiter {fmt.delimiter!r} (format {fmt.name!r}); "
                f"it looks separated by {other[0]!r}: declare `delimiter: {other[0]!r}` for this "
                "source's format in kam.yml"
            )
    failure = check_columns(landing, headers, source, entity, line="line 1")
    if failure:
        return failure
    if codec in {codecs.lookup(name).name for name in _DUCKDB_ENCODINGS}:
        landing.scan_path = landing.path
    else:
        landing.scan_path = workdir / f"{landing.sha256[:16]}-{landing.path.name}"
        failure = transcode(landing, fmt, python_codec, landing.scan_path)
        if failure:
            return failure
    return None


def transcode(landing: LandingFile, fmt: ParseFormat, codec: str, target: Path) -> str | None:
    """Re-encode a file DuckDB cannot decode (e.g. windows-1252) into UTF-8, line numbers intact."""
    decoder = codecs.getincrementaldecoder(codec)()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with landing.path.open("rb") as source, target.open("wb") as sink:
            while chunk := source.read(1024 * 1024):
                sink.write(decoder.decode(chunk).encode("utf-8"))
            sink.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        return locate_decode_error(landing, fmt, codec)
    return None


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
    """
    failures: dict[str, str] = {}
    stage = f"{table}_stage"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage} (_scan_path VARCHAR, "
        + ", ".join(f'"{name}" VARCHAR' for name in entity.column_names)
        + ")"
    )
    groups: dict[tuple[str | None, ...], list[LandingFile]] = {}
    for landing in files:
        groups.setdefault(landing.targets, []).append(landing)
    for targets, group in groups.items():
        names = [target or f"_ignored_{i}" for i, target in enumerate(targets)]
        present = ", ".join(f'"{t}"' for t in targets if t)
        pending = list(group)
        while pending:
            paths = "[" + ", ".join(quote_literal(str(f.scan_path)) for f in pending) + "]"
            sql = (
                f"INSERT INTO {stage} (_scan_path, {present}) SELECT _scan_path, {present} "
                f"FROM read_csv({paths}, {csv_options(fmt, names)})"
            )
            try:
                con.execute(sql)
                break
            except duckdb.Error as error:
                if "CSV Error" not in str(error) and "file = " not in str(error):
                    raise  # not about a file (out of memory, disk full): the run must stop
                culprit = _culprit(str(error), pending)
                if culprit is None:
                    for landing in pending:
                        failures[landing.rel] = csv_error_message(landing, fmt, str(error))
                    break
                failures[culprit.rel] = csv_error_message(culprit, fmt, str(error))
                pending.remove(culprit)
    _number_lines(con, table, stage, files, entity)
    return failures


def _culprit(message: str, pending: list[LandingFile]) -> LandingFile | None:
    match = _DUCKDB_FILE.search(message)
    if not match:
        return pending[0] if len(pending) == 1 else None
    named = match.group(1).strip()
    for landing in pending:
        if str(landing.scan_path) == named or Path(named).name == landing.scan_path.name:
            return landing
    return None


def csv_error_message(landing: LandingFile, fmt: ParseFormat, error: str) -> str:
    if "Invalid unicode" in error or "byte sequence" in error:
        codec = codecs.lookup(_DUCKDB_ENCODINGS.get(fmt.encoding.lower(), "utf-8")).name
        return locate_decode_error(landing, fmt, codec)
    line = _DUCKDB_LINE.search(error)
    where = f" line {line.group(1)}" if line else ""
    reason = _first_reason(error)
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
)


def _first_reason(error: str) -> str:
    """The sentence of a DuckDB error that says what went wrong, never the echoed data line."""
    for text in error.splitlines():
        if any(reason.lower() in text.lower() for reason in _KNOWN_REASONS):
            return text.strip()
    return shorten(error.splitlines()[0] if error else "unknown error", 200)


def _number_lines(
    con: duckdb.DuckDBPyConnection,
    table: str,
    stage: str,
    files: list[LandingFile],
    entity: Entity,
) -> None:
    """Move staged rows into `table` with their landing name and physical line number."""
    columns = [f'"{name}"' for name in entity.column_names]
    con.execute("CREATE OR REPLACE TEMP TABLE _scan_files (scan_path VARCHAR, rel VARCHAR)")
    if files:
        con.executemany(
            "INSERT INTO _scan_files VALUES (?, ?)",
            [(str(f.scan_path), f.rel) for f in files if f.scan_path is not None],
        )
    has_breaks = " OR ".join(f"contains({c}, chr(10))" for c in columns)
    multiline = con.execute(f"SELECT count(*) FROM {stage} WHERE {has_breaks}").fetchall()[0][0]
    if multiline:
        breaks = " + ".join(
            f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in columns
        )
        offset = (
            f"coalesce(sum({breaks}) OVER (PARTITION BY _scan_path ORDER BY rowid "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
        )
    else:
        offset = "0"
    # A view, not a copy: the typing query reads the staged rows once, numbering them on the way.
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"""
        CREATE TEMP VIEW {table} AS
        WITH staged AS (
            SELECT rowid AS _row, *, {offset} AS _extra_lines FROM {stage}
        ),
        starts AS (SELECT _scan_path, min(_row) AS first_row FROM staged GROUP BY _scan_path)
        SELECT f.rel AS _file, s._row - st.first_row + 2 + s._extra_lines AS _line,
               {", ".join("s." + c for c in columns)}
        FROM staged AS s
        JOIN starts AS st USING (_scan_path)
        JOIN _scan_files AS f ON f.scan_path = s._scan_path
        """
    )


# --------------------------------------------------------------------------------------------------
# Parquet


def prepare_parquet(landing: LandingFile, source: SourceSpec, entity: Entity) -> str | None:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(landing.path)
    except Exception as error:  # pyarrow raises several types for a corrupt file
        return f"{landing.rel}: cannot be read as Parquet: {shorten(str(error), 200)}"
    landing.scan_path = landing.path
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
            ref = '"' + original.replace('"', '""') + '"'
            if pa.types.is_timestamp(field_type) and field_type.tz is not None:
                selects.append(f"strftime(make_timestamp(epoch_us({ref})), '%Y-%m-%d %H:%M:%S.%f')")
            else:
                selects.append(f"CAST({ref} AS VARCHAR)")
        try:
            con.execute(
                f"INSERT INTO {table} (_file, _line, "
                + ", ".join(f'"{n}"' for n in entity.column_names)
                + f") SELECT {quote_literal(landing.rel)}, file_row_number + 1, "
                + ", ".join(selects)
                + f" FROM read_parquet({quote_literal(str(landing.path))}, file_row_number=true)"
            )
        except duckdb.Error as error:
            failures[landing.rel] = (
                f"{landing.rel}: cannot be read as Parquet: {_first_reason(str(error))}"
            )
    return failures


# --------------------------------------------------------------------------------------------------
# XLSX


def prepare_xlsx(landing: LandingFile, source: SourceSpec, entity: Entity) -> str | None:
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
