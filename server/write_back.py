"""Write an edited source file back without ever losing the user's text.

``accellium suggest --apply`` writes *in place*: the file keeps its inode, so its permissions,
owner, hard links and extended attributes stay as they are, and a symbolic link keeps pointing
at its target, which is what gets edited.  Before the first byte is written:

- the file (the link's target) and its directory must be writable for us (``os.access``) and
  not marked read-only (no write bit for anyone): root passes ``os.access`` on any file, but a
  file whose mode says "read-only" is not ours to change;
- a safety copy of the original bytes goes next to the file (fsynced); it is removed once the
  new bytes are on disk, and named in the error if anything fails on the way;
- the file is re-read through the descriptor we write with: if it is not byte for byte what
  the suggestions were computed from, it changed meanwhile (an editor saved it) and nothing is
  written.

Only the bytes from the first change on are rewritten; a failed write restores the original
from memory (and the safety copy stays if even that fails).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["InputError", "check_writable", "write_in_place"]


class InputError(ValueError):
    """Bad input file; the message is one line naming the problem."""


def _read_only(p: Path) -> bool:
    try:
        mode = p.stat().st_mode
    except OSError:
        return True
    return not os.access(p, os.W_OK) or not mode & 0o222


def check_writable(path: str | Path) -> Path:
    """The real file behind ``path`` (links resolved), or :class:`InputError` when ``--apply``
    must not write it."""
    real = Path(os.path.realpath(path))
    if not real.is_file():
        raise InputError(f"{path}: not a regular file; nothing written")
    if _read_only(real):
        raise InputError(f"{path}: file is read-only; nothing written")
    folder = real.parent
    if _read_only(folder) or not os.access(folder, os.X_OK):
        raise InputError(f"{path}: folder {folder} is read-only (the safety copy of the file "
                         "goes there); nothing written")
    return real


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix (binary search on slice equality, compared without copies)."""
    va, vb = memoryview(a), memoryview(b)
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if va[:mid] == vb[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _safety_copy(real: Path, original: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".accellium-orig", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(original)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def _write_from(fd: int, offset: int, data: bytes, size: int) -> None:
    os.lseek(fd, offset, os.SEEK_SET)
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.ftruncate(fd, size)
    os.fsync(fd)


def write_in_place(path: str | Path, original: bytes, new: bytes) -> None:
    """Replace the content ``original`` of ``path`` by ``new`` in place (see the module doc);
    :class:`InputError` with a one-line reason when it must not or cannot."""
    real = check_writable(path)
    try:
        backup = _safety_copy(real, original)
    except OSError as e:
        raise InputError(f"{path}: cannot write the safety copy: {e.strerror}; nothing written"
                         ) from None
    try:
        fd = os.open(real, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        backup.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot open for writing: {e.strerror}; nothing written"
                         ) from None
    try:
        current = b""
        while len(current) <= len(original):
            chunk = os.read(fd, len(original) + 1 - len(current))
            if not chunk:
                break
            current += chunk
        if current != original:
            backup.unlink(missing_ok=True)
            raise InputError(f"{path}: file changed since it was read; nothing written "
                             "(run again)")
        start = _common_prefix(original, new)
        try:
            _write_from(fd, start, new[start:], len(new))
        except OSError as e:
            try:
                _write_from(fd, start, original[start:], len(original))
            except OSError:
                raise InputError(f"{path}: write failed ({e.strerror}); the original is in "
                                 f"{backup}") from None
            backup.unlink(missing_ok=True)
            raise InputError(f"{path}: write failed ({e.strerror}); the file is unchanged"
                             ) from None
    finally:
        os.close(fd)
    backup.unlink(missing_ok=True)
