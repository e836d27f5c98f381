"""Reading the workspace's source files without trusting the file system.

A cloned repository can hold anything under a ``.c`` name: a symbolic link to ``/dev/zero``
(read without bound: MemoryError), a FIFO (``read`` blocks forever), a socket, a device, a link
to a file outside the workspace (``~/.ssh/id_rsa.c``), a 20 GB file.  So:

* only regular files are read, checked with ``fstat`` on the opened descriptor (no race);
  opening uses ``O_NONBLOCK`` so that a FIFO cannot block the ``open`` itself;
* a symbolic link is followed only when it resolves to a regular file inside the workspace;
  symbolic links to directories are not followed (``os.walk`` default);
* each file is read up to :data:`MAX_FILE_BYTES` (a file that is larger is skipped, whatever
  its ``st_size`` said), and the scan stops after :data:`MAX_TOTAL_BYTES`, a number of files,
  :data:`MAX_ENTRIES` directory entries or its time budget;
* memory: one file at a time, at most :data:`MAX_FILE_BYTES` of it.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from accellium.dataset.includes import read_at_most

__all__ = ["Budget", "read_sources", "read_regular", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES"]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 200_000  # directory entries looked at
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
    getattr(os, "O_CLOEXEC", 0)


class Budget:
    """When the scan must stop: a deadline, a cancel flag, bytes and entries; ``reason`` says
    which ran out."""

    def __init__(self, deadline: float, cancelled: Callable[[], bool] = lambda: False,
                 max_bytes: int = MAX_TOTAL_BYTES, max_entries: int = MAX_ENTRIES):
        self.deadline, self.cancelled = deadline, cancelled
        self.bytes_left, self.entries_left = max_bytes, max_entries
        self.reason: str | None = None

    def spent(self) -> bool:
        if self.reason is None:
            if self.cancelled():
                self.reason = "cancelled"
            elif time.monotonic() > self.deadline:
                self.reason = "time budget"
            elif self.bytes_left <= 0:
                self.reason = "byte budget"
            elif self.entries_left <= 0:
                self.reason = "entry budget"
        return self.reason is not None


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        return False


def read_regular(path: str, root_real: str, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (or a symbolic link to one inside
    ``root_real``) of at most ``limit`` bytes; None otherwise.  Never blocks on a FIFO."""
    try:
        st = os.lstat(path)
        target, flags = path, _FLAGS | getattr(os, "O_NOFOLLOW", 0)
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(path, strict=True)
            if not _inside(target, root_real):
                return None
        elif not stat.S_ISREG(st.st_mode):
            return None
        fd = os.open(target, flags)
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        data = read_at_most(fd, limit)
        return None if len(data) > limit else data
    except OSError:
        return None
    finally:
        os.close(fd)


def read_sources(root: str, extensions: set[str], skip_dirs: set[str], max_files: int,
                 budget: Budget) -> Iterator[tuple[Path, bytes]]:
    """(path, bytes) of the source files under ``root`` that may be read (see above), in a
    stable order."""
    root_real = os.path.realpath(root)
    n = 0
    for dirpath, dirnames, filenames in os.walk(root_real):
        budget.entries_left -= len(dirnames) + len(filenames)
        if budget.spent():
            return
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and not d.startswith("."))
        for name in sorted(filenames):
            if os.path.splitext(name)[1].lower() not in extensions:
                continue
            if budget.spent():
                return
            path = os.path.join(dirpath, name)
            data = read_regular(path, root_real, min(MAX_FILE_BYTES, max(budget.bytes_left, 0)))
            if data is None:
                continue
            budget.bytes_left -= len(data)
            yield Path(path), data
            n += 1
            if n >= max_files:
                return
