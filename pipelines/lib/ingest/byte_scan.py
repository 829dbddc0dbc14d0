"""One pass over a CSV file's bytes: its physical lines, its blank lines, and signs of UTF-8.

The CSV reader's row count is checked against this count (reconcile.py), so it must not come from
the reader: it is taken from the bytes, with universal line breaks (`\\r\\n`, `\\n` or a lone
`\\r`, as editors number lines). The same pass looks for UTF-8 in a file declared in a single-byte
encoding (Latin-1, Windows-1252, ...): such a file decodes without error as Latin-1 and publishes
`FarmÃ¡cias`. It costs little because it counts with vectorised comparisons, and only a chunk
that is not pure ASCII is decoded as UTF-8; a real Latin-1 file stops that probe at its first
accented letter (a lone Latin-1 byte is not valid UTF-8), so only a file that really is UTF-8 is
decoded through.
"""

from __future__ import annotations

import codecs
import importlib
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CHUNK_BYTES = 8 * 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"

_NON_ASCII = re.compile(rb"[\x80-\xff]")
# The partial line kept from the previous chunk, to give a column; longer lines get no column.
_TAIL = 64 * 1024


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
        # The last two bytes of the previous chunk; at the start two bytes that end no line.
        self._prefix = b"\x00\x00"
        self._pending_cr = False  # the previous chunk ended with `\r`: maybe half of `\r\n`
        self._tail = b""  # the current line's bytes from earlier chunks (for a column)

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._pending_cr:
            chunk = b"\r" + chunk
            self._pending_cr = False
        if chunk.endswith(b"\r"):
            # Maybe the first half of `\r\n`: keep it for the next chunk.
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
        self._count(chunk)

    def finish(self) -> ByteScan:
        if self._pending_cr:  # a lone `\r` ends the file
            self._pending_cr = False
            self._count(b"\r")
        if self._probe is not None:
            try:
                self._probe.decode(b"", final=True)
            except UnicodeDecodeError:
                self._scan.utf8 = None  # a truncated sequence at the end: not UTF-8 after all
        elif self._scan.utf8 is not None and not self._scan.utf8.is_bom:
            self._scan.utf8 = None  # the probe stopped on a byte UTF-8 does not allow
        if self._started and self._prefix[-1:] not in (b"\n", b"\r"):
            self._scan.lines += 1  # an unterminated last line
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
        """Count the line breaks of a chunk (never ending in half a `\r\n`) and note blank lines.

        Vectorised: `bytes.count` and a two-byte search cost about four times as much per MB.
        The last two bytes of the previous chunk are prepended (two NUL bytes before the first),
        so a blank line across the boundary is seen.
        """
        scan = self._scan
        data = self._prefix + chunk
        skip = len(self._prefix)
        if self._probe is not None:
            end = data.rfind(b"\n")
            self._tail = (self._tail + data[skip:] if end < skip else data[end + 1 :])[-_TAIL:]
        self._prefix = data[-2:]
        values = np.frombuffer(data, dtype=np.uint8)
        ends = values == 10
        if b"\r" not in data:  # Unix line ends: a break right after a break ends a blank line
            blank_from, blank = 1, ends[1:] & ends[:-1]
        else:
            carriage = values == 13
            lone = carriage.copy()
            lone[:-1] &= ~ends[1:]
            if not lone.any():  # Windows line ends: `\n\r\n` ends a blank line
                blank_from = 2
                blank = ends[2:] & ((carriage[1:-1] & ends[:-2]) | ends[1:-1])
            else:  # lone `\r` breaks: the byte before a break's first byte is a break's end
                scan.has_lone_cr = scan.has_lone_cr or bool(lone[skip:].any())
                crlf = np.zeros_like(ends)
                crlf[1:] = ends[1:] & carriage[:-1]
                ends |= lone
                before = np.zeros_like(ends)
                before[1:] = ends[:-1]
                before[2:][crlf[2:]] = ends[:-2][crlf[2:]]
                blank_from, blank = 0, ends & before
        new_ends = ends[skip:]
        blank = blank[skip - blank_from :]  # aligned with new_ends
        if blank.any():
            positions = np.flatnonzero(new_ends)
            numbers = scan.lines + np.searchsorted(positions, np.flatnonzero(blank)) + 1
            scan.blank_lines.extend(int(n) for n in numbers)
        scan.lines += int(np.count_nonzero(new_ends))


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
