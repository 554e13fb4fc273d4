"""Checks on a SQLite database file made before SQLite opens it, and facts about the file.

SQLite's own errors on a damaged or unwritable file come late and cryptic ("file is not a
database" in the middle of a query). Reading the 100-byte header first finds a file that is not
SQLite at all, or a database cut short (its header gives its size in pages); `os.access` finds a
read-only file or folder. Each problem is raised as one sentence saying what to do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from ecoaudit.store.errors import DatabaseDamaged, DatabaseReadOnly, DatabaseUnavailable

MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
WAL_HEADER_SIZE = 32
RESTORE_HINT = "restore the last backup with `ecoaudit db restore FILE`"


@dataclass(frozen=True)
class Header:
    """What the first 100 bytes of a SQLite file say about it."""

    page_size: int
    page_count: int | None  # None when SQLite itself would not trust the in-header size

    @property
    def expected_size(self) -> int | None:
        return None if self.page_count is None else self.page_count * self.page_size


def read_header(path: Path) -> Header | None:
    """The header of a SQLite file, or None when the file is not one (or too short to be)."""
    with open(path, "rb") as handle:
        data = handle.read(HEADER_SIZE)
    if len(data) < HEADER_SIZE or not data.startswith(MAGIC):
        return None
    (raw_page_size,) = struct.unpack(">H", data[16:18])
    page_size = 65536 if raw_page_size == 1 else raw_page_size
    if page_size < 512 or page_size & (page_size - 1):
        return None
    change_counter, page_count = struct.unpack(">II", data[24:32])
    (valid_for,) = struct.unpack(">I", data[92:96])
    trusted = page_count > 0 and change_counter == valid_for
    return Header(page_size=page_size, page_count=page_count if trusted else None)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def shm_path(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def has_pending_wal(path: Path) -> bool:
    """True when the file has a write-ahead log holding frames (not yet copied into it)."""
    try:
        return wal_path(path).stat().st_size > WAL_HEADER_SIZE
    except FileNotFoundError:
        return False


# SQLite (unix VFS, WAL mode): every connection holds a shared lock on this byte of the
# `-shm` file for as long as it is open (the "dead man switch" of the shared-memory index).
SHM_DMS_OFFSET = 128


def in_use(path: Path) -> bool:
    """True when another process has the (WAL-mode) database open.

    Probes the lock every open connection holds on the `-shm` file. POSIX locks belong to a
    process: call this only from a process that has no connection to the file itself.
    """
    try:
        descriptor = os.open(shm_path(path), os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot even look: assume the worst
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_OFFSET)
    except OSError:
        return True
    else:
        fcntl.lockf(descriptor, fcntl.LOCK_UN, 1, SHM_DMS_OFFSET)
        return False
    finally:
        os.close(descriptor)


# Space set aside next to a database being crawled into, given back when the disk fills up so
# that the crawl can still record that its run was interrupted (a one-row update needs a few
# pages of write-ahead log, and a disk filled by something else has none to give).
RESERVE_BYTES = 256 * 1024


def reserve_path(path: Path) -> Path:
    return path.with_name(path.name + "-reserve")


def make_reserve(path: Path) -> None:
    """Set RESERVE_BYTES aside next to the database (best effort: not when there is no room)."""
    reserve = reserve_path(path)
    with contextlib.suppress(OSError):
        if reserve.exists() and reserve.stat().st_size >= RESERVE_BYTES:
            return
        with open(reserve, "wb") as handle:
            handle.write(b"\0" * RESERVE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())


def release_reserve(path: Path) -> bool:
    """Give the reserved space back to the disk; whether there was any."""
    try:
        reserve_path(path).unlink()
    except OSError:
        return False
    return True


def size_on_disk(path: Path) -> int:
    """Bytes used by the database: the file and its write-ahead log."""
    total = 0
    for part in (path, wal_path(path)):
        with contextlib.suppress(FileNotFoundError):
            total += part.stat().st_size
    return total


def check_damage(path: Path) -> None:
    """Raise DatabaseDamaged when an existing file is not SQLite, or is cut short.

    An empty file is a new database for SQLite, so it passes.
    """
    size = path.stat().st_size
    if size == 0:
        return
    header = read_header(path)
    if header is None:
        raise DatabaseDamaged(
            f"{path} is not a SQLite database (its first bytes are not SQLite's): it is damaged "
            f"or another kind of file; {RESTORE_HINT}, or give the right file with --db."
        )
    expected = header.expected_size
    journal = path.with_name(path.name + "-journal")  # a write in progress (rollback mode)
    if (expected is not None and size < expected and not has_pending_wal(path)
            and not journal.exists()):
        raise DatabaseDamaged(
            f"The database {path} is truncated ({size:,} bytes where its header announces "
            f"{expected:,}): part of the history is lost; {RESTORE_HINT}."
        )


def check_access(path: Path, *, creating: bool) -> None:
    """Raise DatabaseReadOnly when ecoaudit could not write the file or create its journals.

    SQLite in WAL mode writes `<file>-wal` and `<file>-shm` next to the file even to read, so
    the folder must be writable too.
    """
    folder = path.parent
    if not creating and not os.access(path, os.R_OK):
        raise DatabaseUnavailable(
            f"The database file {path} cannot be read: give the user running ecoaudit read and "
            "write access to it."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        what = "create the database file" if creating else "write the journal files of"
        raise DatabaseReadOnly(
            f"The folder {folder} is read-only, so ecoaudit cannot {what} {path.name} there: "
            "give the user running ecoaudit write access to the folder, or use another one."
        )
    if not creating and not os.access(path, os.W_OK):
        raise DatabaseReadOnly(
            f"The database file {path} is read-only: give the user running ecoaudit write "
            "access to it (SQLite needs it even to read), or copy it to a writable place."
        )


def check_before_open(path: Path) -> None:
    """Every check of a SQLite file before it is opened for use (damage first, then access)."""
    if path.is_dir():
        raise DatabaseUnavailable(
            f"{path} is a folder, not a database file: give a file path with --db or ECOAUDIT_DB."
        )
    exists = path.exists()
    if exists and os.access(path, os.R_OK):
        check_damage(path)
    check_access(path, creating=not exists)
