"""Real filesystems for the damaged-store tests: a tiny tmpfs (a disk that fills up) and
read-only bind mounts (a read-only file or folder, even for root, whom chmod does not stop).

Mounting needs root (CAP_SYS_ADMIN): elsewhere the context managers skip the test with the
reason, except `read_only`, which falls back to chmod for an ordinary user (who chmod does stop).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*arguments: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a filesystem needs root and the mount command")
    done = subprocess.run(["mount", *arguments], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip() or done.returncode}")


def _unmount(target: Path) -> None:
    for _ in range(50):
        done = subprocess.run(["umount", str(target)], capture_output=True, text=True,
                              timeout=30)
        if done.returncode == 0:
            return
        subprocess.run(["sleep", "0.2"], check=False)  # a child may still hold a file open
    subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "4m") mounted on `folder` (created) for the `with` block."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _unmount(folder)


def fill(folder: Path, name: str = "filler") -> Path:
    """Write zeros into `folder` until its filesystem is full; the filler file."""
    filler = folder / name
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(block)
        except OSError:
            pass
    # The last bytes a whole block could not take.
    with open(filler, "ab", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 512)
    return filler


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """`path` (a file or a folder) read-only for this process for the `with` block: a
    read-only bind mount as root, chmod otherwise."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield path
        finally:
            path.chmod(mode)
        return
    _mount("--bind", str(path), str(path))
    try:
        done = subprocess.run(["mount", "-o", "remount,ro,bind", str(path)],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {done.stderr.strip()}")
        yield path
    finally:
        _unmount(path)
