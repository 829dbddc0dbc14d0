"""Writing generated tables to disk in the declared formats, byte-for-byte reproducibly."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from openpyxl import Workbook

from pipelines.lib.sample_data.textfmt import TextStyle


def write_csv(path: Path, columns: dict[str, np.ndarray], style: TextStyle) -> None:
    """Quote where needed (names with commas, competitor lists with `;`); `\\n` line ends.

    The csv module's writer runs the row loop in C, which is fast enough for the CRM files
    (at most a few hundred thousand rows); the invoice lines use `write_plain_csv`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=style.encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=style.delimiter, lineterminator="\n")
        writer.writerow(list(columns))
        writer.writerows(zip(*(column.tolist() for column in columns.values()), strict=True))


def write_plain_csv(path: Path, table: pa.Table, style: TextStyle) -> None:
    """Arrow's CSV writer without quoting, for tables whose values never contain the delimiter.

    Arrow writes UTF-8 only; invoice lines are pure ASCII (ids, numbers, dates, channel codes),
    so the bytes are also valid Latin-1, the encoding their format declares.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write((style.delimiter.join(table.column_names) + "\n").encode(style.encoding))
        pacsv.write_csv(
            table,
            handle,
            pacsv.WriteOptions(
                include_header=False, delimiter=style.delimiter, quoting_style="none"
            ),
        )


def write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")


def write_workbook(
    path: Path,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]],
    stamp: dt.datetime,
) -> None:
    """One sheet per entity, streamed (write-only mode) with fixed document timestamps.

    openpyxl stamps docProps/core.xml with the current time; pinning created/modified to `stamp`
    keeps the workbook byte-identical across runs with the same arguments.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = "kam generate"
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(list(headers))
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    _pin_zip_dates(path, stamp)


def _pin_zip_dates(path: Path, stamp: dt.datetime) -> None:
    """Rewrite the XLSX archive with fixed member dates and a fixed `modified` property.

    Python's zipfile stamps each member with the wall-clock time (or a temp file's mtime, which
    write-only sheets use), and openpyxl sets docProps `modified` to now when it saves whatever
    the workbook says, so two runs a second apart would differ in bytes.
    """
    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    modified = f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp:%Y-%m-%dT%H:%M:%S}Z<'
    members = [
        (
            name,
            re.sub(rb"<dcterms:modified [^>]*>[^<]*<", modified.encode(), data)
            if name == "docProps/core.xml"
            else data,
        )
        for name, data in members
    ]
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
