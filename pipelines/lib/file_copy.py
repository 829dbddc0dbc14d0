"""Copy a large file as cheaply as the file system allows, and checksum it.

A published DuckDB file is a few hundred MB at 10M sales lines and is copied twice per publish:
the previous version's file, which the new version is edited from, and the new version's file,
which becomes `published/kam.duckdb`. Where the file system can share blocks (a reflink on btrfs
or XFS) the copy costs no space or time until one side is written; otherwise `copy_file_range`
copies inside the kernel; a plain read/write loop is the last resort (e.g. across file systems on
an old kernel). Errors other than "this way is not supported here" propagate: a full disk must fail
the copy, never fall through to another way of filling it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

# ioctl(dest, FICLONE, source): share all of source's blocks with dest (linux/fs.h).
FICLONE = 0x40049409
_UNSUPPORTED = {
    errno.EOPNOTSUPP,
    errno.ENOTTY,
    errno.EXDEV,
    errno.EINVAL,
    errno.ENOSYS,
    errno.EBADF,
    errno.EPERM,
}
_CHUNK = 16 * 1024 * 1024

REFLINK = "reflink"
KERNEL_COPY = "copy_file_range"
PLAIN_COPY = "read/write"


@dataclass(frozen=True)
class FileChecksum:
    sha256: str
    size: int


def copy_file(source: Path, target: Path) -> str:
    """Copy `source` to `target` (created or truncated); return how it was copied."""
    with open(source, "rb") as reader, open(target, "wb") as writer:
        try:
            fcntl.ioctl(writer.fileno(), FICLONE, reader.fileno())
            return REFLINK
        except OSError as error:
            if error.errno not in _UNSUPPORTED:
                raise
        if _kernel_copy(reader.fileno(), writer.fileno(), os.fstat(reader.fileno()).st_size):
            return KERNEL_COPY
        reader.seek(0)
        writer.seek(0)
        writer.truncate()
        shutil.copyfileobj(reader, writer, _CHUNK)
        return PLAIN_COPY


def file_checksum(path: Path) -> FileChecksum:
    """SHA-256 and size of a file, read in large chunks."""
    with open(path, "rb") as reader:
        digest = hashlib.file_digest(reader, "sha256")
        size = os.fstat(reader.fileno()).st_size
    return FileChecksum(sha256=digest.hexdigest(), size=size)


def _kernel_copy(source_fd: int, target_fd: int, size: int) -> bool:
    """copy_file_range until `size` bytes are copied; False when the kernel cannot do it here."""
    copied = 0
    while copied < size:
        try:
            count = os.copy_file_range(source_fd, target_fd, min(size - copied, 1 << 30))
        except OSError as error:
            if copied == 0 and error.errno in _UNSUPPORTED:
                return False
            raise
        if count == 0:  # the source shrank under us: copy what is left the plain way
            return False
        copied += count
    return True
