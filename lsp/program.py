"""The program's source files for "Offload this function": the ``offloadProgram`` setting
(globs or paths relative to the workspace folder, opt-in).

With all of a program's files the planner sees every call of the document's functions (the
CLI's ``--program``, ``POST /v1/offload`` ``program``): a parameter no caller reads after the
call gets ``create``, and the callers in the other files get their data regions.  That is only
right when the files ARE the whole program, so nothing here guesses:

* the patterns are matched in the workspace folder that holds the document, and used only when
  they match the document itself (else the document is planned alone: they name another
  program);
* a C unit of a C++ document that gives no function C linkage (no ``extern "C"``) calls none
  of its functions: it plays no part and is left out;
* a matched C/C++ file that cannot be read whole (outside the workspace folder once links are
  resolved, not a regular file, over the limits), or another translation unit in another
  language, makes the whole program unusable: :func:`read_program` says why, and the action plans the
  document alone (its plan then assumes nothing about the callers);
* reading follows :mod:`.headers`'s rules (:func:`lsp.scan.read_regular`: regular files only, a
  link only to a file inside the folder, never blocking on a pipe, bounded), and an open
  document is read from its buffer (unsaved changes count; its version goes with the edit);
  a file read from the disk has no version to go with the edit: the edit is then applied
  through a command that first checks the file still holds what was read
  (:mod:`.offload_apply`).

Limits: :data:`~accellium.server.api_models.MAX_PROGRAM_FILES` files and
:data:`~accellium.server.api_models.MAX_PROGRAM_BYTES` bytes together (those of the HTTP
endpoint, so the backend can be sent the same files).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pygls import uris

from accellium.dataset.includes import within
from accellium.server.api_models import MAX_PROGRAM_BYTES, MAX_PROGRAM_FILES

from .headers import fs_path
from .scan import read_regular

__all__ = ["ProgramFile", "read_program"]


@dataclass(frozen=True)
class ProgramFile:
    """One of the program's other files."""

    rel: str  # its path relative to the workspace folder, ``/``-separated
    uri: str
    data: bytes
    version: int | None  # the open document's version (None: read from the disk)
    real: str = ""  # its real path
    root: str = ""  # the (real path of the) workspace folder it was read in


def _folder_of(real: str, folders: Sequence[str]) -> str | None:
    """The (real path of the) innermost workspace folder holding ``real``."""
    got = [r for r in (os.path.realpath(f) for f in folders if f) if within(real, [r])]
    return max(got, key=len) if got else None


def _matches(root: str, patterns: Sequence[str]) -> list[str] | str:
    """The real paths of the C/C++ files the patterns name under ``root`` (sorted, once each),
    or why they cannot all be used."""
    from accellium.server.offload import PROGRAM_SUFFIXES

    out: set[str] = set()
    for pat in patterns:
        for path in glob.iglob(os.path.join(glob.escape(root), pat), recursive=True):
            if not path.lower().endswith(PROGRAM_SUFFIXES) or os.path.isdir(path):
                continue
            real = os.path.realpath(path)
            if not within(real, [root]):
                return f"{os.path.relpath(path, root)} leads outside the workspace folder"
            out.add(real)
            if len(out) > MAX_PROGRAM_FILES + 1:  # the document itself may be one of them
                return f"the patterns name more than {MAX_PROGRAM_FILES} files"
    return sorted(out)


def read_program(patterns: Sequence[str], doc_uri: str, lang: str, folders: Sequence[str],
                 buffers: Mapping[str, tuple[int | None, bytes]], source: bytes = b""
                 ) -> tuple[ProgramFile, ...] | str | None:
    """The program's files other than the document ``doc_uri`` (a ``lang`` file, its text
    ``source``), read from the open ``buffers`` (URI -> (version, text)) or the disk, but
    those that play no part in its plan (:func:`accellium.dataset.offload.program.uncalling_units`);
    None when there is no program to use (no patterns, a document without a path or outside
    the workspace folders, or one the patterns do not name); a string saying why the program
    cannot be used."""
    from accellium.server.offload import program_problem, uncalling_units

    path = fs_path(doc_uri) if patterns else None
    if path is None:
        return None
    me = os.path.realpath(path)
    root = _folder_of(me, folders)
    if root is None:
        return None
    found = _matches(root, patterns)
    if isinstance(found, str) or me not in found:
        return found if isinstance(found, str) else None
    if len(found) - 1 > MAX_PROGRAM_FILES:
        return f"the patterns name more than {MAX_PROGRAM_FILES} other files"
    open_docs = {os.path.realpath(p): (u, v, d) for u, (v, d) in buffers.items()
                 if (p := fs_path(u)) is not None}
    out: list[ProgramFile] = []
    total = 0
    for real in found:
        if real == me:
            continue
        rel = os.path.relpath(real, root).replace(os.sep, "/")
        uri, version, data = open_docs.get(real) or (uris.from_fs_path(real) or "", None, None)
        if data is None:
            data = read_regular(real, root, MAX_PROGRAM_BYTES)
        total += len(data) if data is not None else 0
        if data is None or total > MAX_PROGRAM_BYTES:
            return f"{rel} cannot be read whole (a regular file inside the workspace folder; " \
                   f"at most {MAX_PROGRAM_BYTES} bytes for all the files together)"
        out.append(ProgramFile(rel, uri, data, version, real, root))
    unused = uncalling_units({f.rel: f.data for f in out}, source, lang)
    out = [f for f in out if f.rel not in unused]
    for f in out:
        problem = program_problem(f.rel, f.data, lang, "this document")
        if problem:
            return f"{f.rel}: {problem}"
    return tuple(out)
