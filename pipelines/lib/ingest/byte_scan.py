"""One pass over a CSV file's bytes: its physical lines, its blank lines, and signs of UTF-8.

The CSV reader's row count is checked against this count (reconcile.py), so it must not come from
the reader: it is taken from the bytes, with universal line breaks (`\\r\\n`, `\\n` or a lone
`\\r`, as editors number lines). The same pass looks for UTF-8 in a file declared in a single-byte
encoding (Latin-1, Windows-1252, ...): such a file decodes without error as Latin-1 and publishes
`FarmÃ¡cias`. It costs little because it counts with `bytes.count`, and only a chunk that is not
pure ASCII is decoded as UTF-8; a real Latin-1 file stops that probe at its first accented letter
(a lone Latin-1 byte is not valid UTF-8), so only a file that really is UTF-8 is decoded through.
"""

from __future__ import annotations

import codecs
import importlib
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CHUNK_BYTES = 8 * 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"

_BLANK_RUN = re.compile(rb"\n\n+")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# The partial line kept from the previous chunk, to give a column; longer lines get no column.
_TAIL_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Utf8Evidence:
    """Where a file declared single-byte first shows UTF-8: a byte-order mark or a sequence."""

    line: int
    column: int
    sequence: bytes
    is_bom: bool = False


@dataclass
class ByteScan:
    """What the bytes of one file say, independently of any CSV parser."""

    lines: int = 0  # physical lines, an unterminated last line included
    blank_lines: array = field(default_factory=lambda: array("q"))  # their numbers, 1-based
    has_lone_cr: bool = False  # some `\r` is not followed by `\n` (old Mac line ends)
    utf8: Utf8Evidence | None = None  # only looked for when the file is declared single-byte


def is_single_byte(encoding: str) -> bool:
    """True for encodings with one byte per character (Latin-1, Windows-1252, CP850, ...)."""
    name = codecs.lookup(encoding).name
    try:
        module = importlib.import_module("encodings." + name.replace("-", "_"))
    except ImportError:
        return False
    return hasattr(module, "decoding_table")


def is_ascii_compatible(encoding: str) -> bool:
    """True when bytes 0x0a and 0x0d always mean LF and CR (not so in UTF-16 or UTF-32)."""
    name = codecs.lookup(encoding).name
    return not name.startswith(("utf-16", "utf-32"))


class ByteScanner:
    """Feed a file's bytes in order (any chunk sizes); `finish()` returns the scan.

    Fed by `scan_file` or by the transcoder, which reads the file anyway.
    """

    def __init__(self, *, probe_utf8: bool) -> None:
        self._scan = ByteScan()
        self._probe = codecs.getincrementaldecoder("utf-8")() if probe_utf8 else None
        self._started = False
        self._last = b""  # last byte of the previous normalised chunk
        self._pending_cr = False  # the previous chunk ended with `\r`: maybe half of `\r\n`
        self._tail = b""  # the current line's bytes from earlier chunks (for a column)

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._pending_cr:
            chunk = b"\r" + chunk
            self._pending_cr = False
        if chunk.endswith(b"\r"):
            chunk = chunk[:-1]
            self._pending_cr = True
            if not chunk:
                return
        if not self._started:
            self._started = True
            if self._probe is not None and chunk.startswith(UTF8_BOM):
                self._scan.utf8 = Utf8Evidence(1, 1, UTF8_BOM, is_bom=True)
                self._probe = None
        if self._probe is not None and not chunk.isascii():
            self._probe_utf8(chunk)
        if b"\r" in chunk:
            if chunk.count(b"\r") != chunk.count(b"\r\n"):
                self._scan.has_lone_cr = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self._count(chunk)

    def finish(self) -> ByteScan:
        if self._pending_cr:
            self._pending_cr = False
            self._scan.has_lone_cr = True
            self._count(b"\n")
        if self._probe is not None:
            try:
                self._probe.decode(b"", final=True)
            except UnicodeDecodeError:
                self._scan.utf8 = None  # a truncated sequence at the end: not UTF-8 after all
        elif self._scan.utf8 is not None and not self._scan.utf8.is_bom:
            self._scan.utf8 = None  # the probe stopped on a byte UTF-8 does not allow
        if self._last and self._last != b"\n":
            self._scan.lines += 1
        return self._scan

    # ----------------------------------------------------------------------------------------

    def _probe_utf8(self, chunk: bytes) -> None:
        try:
            self._probe.decode(chunk)
        except UnicodeDecodeError:
            self._probe = None  # not UTF-8: the declared single-byte encoding stands
            return
        if self._scan.utf8 is None:
            self._scan.utf8 = self._first_sequence(chunk)

    def _first_sequence(self, chunk: bytes) -> Utf8Evidence:
        """The first non-ASCII sequence of a chunk whose earlier chunks were all ASCII."""
        position = _NON_ASCII.search(chunk).start()
        before = chunk[:position].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = self._scan.lines + before.count(b"\n") + 1
        start = before.rfind(b"\n") + 1
        prefix = before[start:] if start else self._tail + before
        lead = chunk[position]
        length = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        column = len(prefix.decode("utf-8", errors="replace")) + 1
        return Utf8Evidence(line, column, chunk[position : position + length])

    def _count(self, chunk: bytes) -> None:
        """Count lines and note blank ones in a chunk whose line breaks are all `\\n`."""
        scan = self._scan
        if b"\n\n" in chunk or (self._last == b"\n" and chunk.startswith(b"\n")):
            # A line is blank when the break that ends it follows another break: in a run of
            # k breaks, the lines ended by the 2nd to k-th are blank. `text` starts with the
            # previous chunk's last byte, so a run may begin there.
            text = self._last + chunk
            cursor = len(self._last)  # breaks before `cursor` (in this chunk) are counted
            lines = scan.lines
            for run in _BLANK_RUN.finditer(text):
                first_blank_end = run.start() + 1
                lines += text.count(b"\n", cursor, first_blank_end)
                blanks = run.end() - first_blank_end
                scan.blank_lines.extend(range(lines + 1, lines + blanks + 1))
                lines += blanks
                cursor = run.end()
        scan.lines += chunk.count(b"\n")
        self._last = chunk[-1:]
        end = chunk.rfind(b"\n")
        if end < 0:
            self._tail = (self._tail + chunk)[-_TAIL_LIMIT:]
        else:
            self._tail = chunk[end + 1 :][-_TAIL_LIMIT:]


def scan_chunks(chunks: Iterable[bytes], *, probe_utf8: bool) -> ByteScan:
    scanner = ByteScanner(probe_utf8=probe_utf8)
    for chunk in chunks:
        scanner.feed(chunk)
    return scanner.finish()


def read_chunks(path: Path, encoding: str) -> Iterable[bytes]:
    """The file's bytes in chunks; UTF-16/32 text is re-encoded as UTF-8 so breaks are bytes."""
    with path.open("rb") as handle:
        if is_ascii_compatible(encoding):
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
            return
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        while chunk := handle.read(CHUNK_BYTES):
            yield decoder.decode(chunk).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")


def scan_file(path: Path, encoding: str) -> ByteScan:
    """Scan `path`, declared in `encoding`; UTF-8 is looked for only if that is single-byte."""
    return scan_chunks(read_chunks(path, encoding), probe_utf8=is_single_byte(encoding))
