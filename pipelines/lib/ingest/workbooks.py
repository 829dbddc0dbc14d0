"""Excel workbooks: sheet names without opening the workbook, and each sheet's rows parsed once.

One plan workbook feeds four entities (objectives, actions, SWOT, tier overrides), each ingested by
its own asset. `openpyxl.load_workbook` parses the whole shared-strings table and the styles on
every call, even in read-only mode, so opening the workbook per entity (and again to find its
sheet) parsed the same file a dozen times per run: about 9 s of a 10M-line run's ingest.
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from pipelines.lib.ingest.names import normalize_name

_WORKBOOK_PART = "xl/workbook.xml"


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheet names in order, read from its `xl/workbook.xml` part alone.

    Raises (zipfile.BadZipFile, KeyError, ElementTree.ParseError) for a file that is not a
    workbook; callers turn that into a message naming the file.
    """
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(_WORKBOOK_PART))
    # Matched by local name: transitional and strict OOXML use different namespaces.
    return [
        element.attrib["name"]
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "sheet" and "name" in element.attrib
    ]


def find_sheet(path: Path, candidates: tuple[str, ...]) -> str | None:
    """The workbook's sheet matching one of `candidates` (case and accents ignored), or None."""
    by_name = {normalize_name(name): name for name in sheet_names(path)}
    for candidate in candidates:
        match = by_name.get(normalize_name(candidate))
        if match is not None:
            return match
    return None


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    """Every row of `sheet` as a tuple of cell values (formulas as their cached values).

    The whole workbook is parsed on the first call for a given file content (path, size and
    modification time) and kept for the next sheets; a changed file is parsed again.
    """
    stat = path.stat()
    return _all_sheet_rows(str(path), stat.st_size, stat.st_mtime_ns)[sheet]


@functools.lru_cache(maxsize=2)
def _all_sheet_rows(path: str, size: int, mtime_ns: int) -> dict[str, list[tuple]]:
    # size and mtime_ns are part of the cache key only: a re-delivered workbook is read again.
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            worksheet.title: list(worksheet.iter_rows(values_only=True))
            for worksheet in workbook.worksheets
        }
    finally:
        workbook.close()


# Every OLE2 compound file (Excel 97-2003 workbooks, and OOXML workbooks once encrypted) starts so.
_COMPOUND_FILE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted OOXML workbook is a compound file holding this stream (names are UTF-16).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def workbook_problem(path: Path) -> str | None:
    """Why a file with a workbook's name cannot be a readable .xlsx, in words; None if it may be.

    openpyxl only says "File is not a zip file" for both cases below, which tells a user nothing.
    """
    with path.open("rb") as handle:
        if handle.read(len(_COMPOUND_FILE_MAGIC)) != _COMPOUND_FILE_MAGIC:
            return None
    if _ENCRYPTED_STREAM in path.read_bytes():
        return (
            "the workbook is password-protected (encrypted), so it cannot be read; save it "
            "without a password (in Excel: File > Info > Protect Workbook > Encrypt with "
            "Password, clear the password) and deliver it again"
        )
    return (
        "this is an Excel 97-2003 workbook (.xls) or another OLE file with an .xlsx name; save "
        "it as an Excel workbook (.xlsx) and deliver it again"
    )


def workbooks_without_sheet(
    landing: Path, patterns: tuple[str, ...], candidates: tuple[str, ...]
) -> list[tuple[Path, list[str]]]:
    """Workbooks the patterns match under `landing` that have none of the `candidates` sheets,
    each with the sheets it has. A workbook that cannot be opened is left to the reader, which
    fails it with a message."""
    found: set[Path] = set()
    for pattern in patterns:
        for path in landing.glob(pattern):
            if (
                path.is_file()
                and path.suffix.lower() in (".xlsx", ".xlsm")
                and not path.name.startswith((".", "~$"))
            ):
                found.add(path)
    missing = []
    for path in sorted(found):
        try:
            names = sheet_names(path)
        except Exception:  # zipfile, XML errors: a damaged or encrypted workbook
            continue
        wanted = {normalize_name(candidate) for candidate in candidates}
        if not any(normalize_name(name) in wanted for name in names):
            missing.append((path, names))
    return missing


def missing_sheet_message(
    rel: str, entity: str, candidates: tuple[str, ...], sheets: list[str], delivered_before: bool
) -> str:
    """Why a workbook is not read for `entity`, naming the sheets it has.

    A workbook that delivered the entity before and lost its sheet is an error: its earlier rows
    would be published again as if current. One that never held the entity (a plan workbook
    without a SWOT sheet) is a warning: an optional entity may simply not be delivered.
    """
    wanted = " or ".join(candidates) if candidates else "(none configured)"
    has = ", ".join(sheets) if sheets else "none"
    where = f"sources.{entity}.sheets in kam.yml"
    if delivered_before:
        return (
            f"{rel}: no sheet named {wanted} (the sheets for {entity}); the workbook has sheets: "
            f"{has}. It delivered {entity} before, so its earlier rows would be published again "
            f"as if current: rename the sheet, or add its name under {where}"
        )
    return (
        f"{rel}: not read for {entity}: no sheet named {wanted}; the workbook has sheets: {has} "
        f"(add a sheet's name under {where} if one of them holds {entity})"
    )
