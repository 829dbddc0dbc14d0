"""SQL text built from Python values: string literals, identifiers, and file paths DuckDB reads as
themselves.

DuckDB's file readers (`read_csv`, `read_parquet`, ...) treat `*`, `?` and `[` in a path as a glob:
a landing file named `invoice_lines_2026-11-06_v[2].csv` is read as `..._v2.csv`, and a `*` in a
name reads every file it matches. DuckDB documents no escape for a literal path (bracket classes
such as `[[]` happen to work, but make DuckDB list the folder for every file and are not promised),
so a path with such a character is handed to DuckDB as a symbolic link with a plain name in a
private temporary folder. Every place that gives DuckDB a landing file goes through
`literal_paths`; the link is the only name DuckDB ever sees, so its error messages and `filename`
column name the link, which callers map back to the landing file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# Characters DuckDB's glob expansion gives a meaning to (checked against DuckDB 2.0).
GLOB_CHARACTERS = frozenset("*?[")


def quote_literal(value: object) -> str:
    """A SQL string literal: `O'Brien` -> `'O''Brien'`."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier, quoted so any column name is safe: `a"b` -> `"a""b"`."""
    return '"' + name.replace('"', '""') + '"'


def values_sql(rows: Iterable[Sequence[object]]) -> str:
    """Rows as the body of a SQL `VALUES` list: `('a', 1), ('b', 2)`. Integers stay numbers, None
    is NULL, anything else a string literal. One statement instead of `executemany`, which DuckDB
    runs row by row (0.4 s of CPU for a thousand rows)."""

    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return quote_literal(value)

    return ", ".join("(" + ", ".join(literal(value) for value in row) + ")" for row in rows)


def has_glob_characters(path: Path | str) -> bool:
    return any(character in GLOB_CHARACTERS for character in str(path))


@contextmanager
def literal_paths(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Paths DuckDB reads as exactly these files, in the same order, valid inside the block.

    A path without glob characters is returned as it is. Any other is replaced by a symbolic link
    named after a hash of the path (same suffix, so DuckDB still sees `.csv.gz` as compressed) in
    a temporary folder removed when the block ends. The folder comes from `tempfile`, never from
    the landing or home path, which may hold glob characters themselves.
    """
    if not any(has_glob_characters(path) for path in paths):
        yield list(paths)
        return
    folder = Path(tempfile.mkdtemp(prefix="kam-literal-"))
    try:
        if has_glob_characters(folder):
            raise RuntimeError(
                f"the temporary folder {folder} has a glob character (*, ? or [) in its path; "
                "point TMPDIR at a folder without one"
            )
        safe = []
        for path in paths:
            if not has_glob_characters(path):
                safe.append(path)
                continue
            target = Path(path).resolve()
            digest = hashlib.sha256(str(target).encode("utf-8", "surrogateescape")).hexdigest()
            suffixes = "".join(target.suffixes[-2:])
            if has_glob_characters(suffixes) or len(suffixes) > 16:
                suffixes = target.suffix if not has_glob_characters(target.suffix) else ""
            link = folder / f"{digest[:24]}{suffixes}"
            if not link.exists():
                os.symlink(target, link)
            safe.append(link)
        yield safe
    finally:
        shutil.rmtree(folder, ignore_errors=True)
