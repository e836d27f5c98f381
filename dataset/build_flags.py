"""What the build passes the compiler for a source file: its ``-D``/``-U`` (they decide the
``#if``/``#ifdef`` groups of the file's headers, hence the shape of a macro a subscript or a
declarator uses: README "Headers") and its ``-I`` folders, read from the file's entry in a
``compile_commands.json`` (the JSON compilation database CMake, Meson and Bear write).  The one
reading of it, for the editor (``accellium.lsp.build``) and ``accellium suggest``.

* The database: the nearest one in the file's folder or a folder above it, up to the project
  folder holding the file (the workspace folder; ``roots``), or in a ``build/`` folder of one of
  them (as clangd looks): :func:`find_database`.
* The entry: the first one whose ``file`` (relative to its ``directory``) is the file, symbolic
  links resolved; its ``arguments``, or its ``command`` split as a shell would.
* The flags: its ``-D``/``-U`` words in order; its command line is the whole build's, so a
  name it does not define is undefined (``complete``) — unless it reads macros from elsewhere
  (``-include``, ``-imacros``, ``@FILE``: :func:`accellium.dataset.analysis.conditions.
  command_line`).  Its ``-I`` folders are read only inside the project folders (a file of the
  project may not make the tool read folders outside it: the user's own ``-I`` can).  The
  caller's words (the user's ``-D``/``-U``) come after the entry's: the last word for a name
  counts, as for gcc.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from accellium.dataset.includes import within

log = logging.getLogger(__name__)

__all__ = ["BuildFlags", "CompileCommands", "DatabaseError", "find_database", "flags_for",
           "flags_of", "read_database", "DATABASE", "MAX_DATABASE_BYTES"]

DATABASE = "compile_commands.json"
MAX_DATABASE_BYTES = 64 * 1024 * 1024  # a larger database is not read

#: a database's entries: the real path of each file -> (its compiler's arguments, its directory)
Entries = dict[str, tuple[list[str], str]]


class DatabaseError(ValueError):
    """A ``compile_commands.json`` that cannot be read (its path and why, one line)."""


@dataclass(frozen=True)
class BuildFlags:
    """The ``-D``/``-U`` words (``-DNAME=VALUE``, ``-UNAME``) in command-line order, the
    ``-I`` folders (absolute) and whether the words are the whole command line."""

    words: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()
    complete: bool = False
    database: str | None = None  # the compile_commands.json the entry came from


def _arguments(entry: dict) -> list[str] | None:
    args = entry.get("arguments")
    if isinstance(args, list) and all(isinstance(a, str) for a in args):
        return list(args)
    cmd = entry.get("command")
    if isinstance(cmd, str):
        try:
            return shlex.split(cmd)
        except ValueError:
            return None
    return None


def flags_of(args: list[str], directory: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``-D``/``-U`` words (joined to their argument, and the words that read macros from
    elsewhere: ``-include``, ``-imacros``, ``@FILE``) and the ``-I`` folders (relative ones
    relative to ``directory``) of a compiler's arguments."""
    words: list[str] = []
    dirs: list[str] = []
    k = 1  # args[0] is the compiler
    while k < len(args):
        a = args[k]
        nxt = args[k + 1] if k + 1 < len(args) else ""
        if a in ("-D", "-U", "-I"):
            if a == "-I":
                dirs.append(nxt)
            else:
                words.append(a + nxt)
            k += 2
            continue
        if a.startswith(("-D", "-U")):
            words.append(a)
        elif a.startswith("-I"):
            dirs.append(a[2:])
        elif a in ("-include", "-imacros"):
            words.append(a)
            k += 1
        elif a.startswith(("-include", "-imacros", "@")):
            words.append(a)
        k += 1
    return tuple(words), tuple(os.path.normpath(os.path.join(directory, d)) for d in dirs if d)


def _inside_any(dirs: tuple[str, ...], roots: Sequence[str]) -> tuple[str, ...]:
    tops = [os.path.realpath(r) for r in roots]
    return tuple(d for d in dirs if within(os.path.realpath(d), tops))


def find_database(path: str, roots: Sequence[str]) -> str | None:
    """The nearest database for the file at ``path``: in its folder or one above it, up to the
    project folder holding it (the longest of ``roots`` that does), or in a ``build/`` folder
    of one of them; None when none is, or no root holds the file."""
    folder = os.path.dirname(os.path.realpath(path))
    tops = [os.path.realpath(r) for r in roots]
    inside = [t for t in tops if within(folder, [t])]
    if not inside:
        return None
    top = max(inside, key=len)
    while True:
        for cand in (os.path.join(folder, DATABASE), os.path.join(folder, "build", DATABASE)):
            if os.path.isfile(cand):
                return cand
        if folder == top or os.path.dirname(folder) == folder:
            return None
        folder = os.path.dirname(folder)


def read_database(db: str) -> Entries:
    """The entries of the database at ``db`` (the first entry of a file counts; an entry
    without a file or a command is skipped), or :class:`DatabaseError`: not readable, larger
    than :data:`MAX_DATABASE_BYTES`, not JSON, or not a list."""
    try:
        if os.stat(db).st_size > MAX_DATABASE_BYTES:
            raise ValueError(f"larger than {MAX_DATABASE_BYTES} bytes")
        with open(db, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, list):
            raise ValueError("not a JSON list")
    except (OSError, ValueError, RecursionError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)[:120]
        raise DatabaseError(f"{db}: not read ({type(e).__name__}: {why})") from e
    entries: Entries = {}
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            continue
        d = item.get("directory")
        directory = d if isinstance(d, str) else os.path.dirname(db)
        args = _arguments(item)
        if args is None:
            continue
        try:
            real = os.path.realpath(os.path.join(directory, item["file"]))
        except (OSError, ValueError):  # a NUL in a path
            continue
        entries.setdefault(real, (args, directory))
    return entries


def _flags(entries: Entries, db: str | None, path: str, roots: Sequence[str],
           words: tuple[str, ...], complete: bool) -> BuildFlags:
    """The entry of ``path`` among ``entries`` (of ``db``) with ``words`` after its own; with
    no entry, ``words`` alone and ``complete`` as given."""
    got = entries.get(os.path.realpath(path))
    if got is None:
        return BuildFlags(words, (), complete, None)
    own, dirs = flags_of(*got)
    inside = _inside_any(dirs, roots)
    outside = tuple(d for d in dirs if d not in inside)
    if outside:
        log.info("%s: -I folders outside the project not read: %s", db, list(outside))
    return BuildFlags(own + words, inside, True, db)


def flags_for(path: str, roots: Sequence[str], words: Sequence[str] = (),
              complete: bool = False, database: str | None = None) -> BuildFlags:
    """The flags of the file at ``path`` (see the module): the entry of the nearest database
    (or of ``database``), then ``words``; ``complete``: whether ``words`` are the whole
    command line when there is no entry.  :class:`DatabaseError` when the database cannot be
    read (read afresh each call: a command line's one reading)."""
    db = database if database is not None else find_database(path, roots)
    entries = read_database(db) if db is not None else {}
    return _flags(entries, db, path, roots, tuple(words), complete)


class CompileCommands:
    """The entries of the ``compile_commands.json`` files found for documents, each database
    parsed once per version of the file (one ``stat`` a query; thread-safe).  A database that
    cannot be read is as none and is said once (:attr:`problems`, a warning)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parsed: dict[str, tuple[object, Entries]] = {}
        self.problems: list[str] = []  # databases that could not be read (said once each)

    def _entries(self, db: str) -> Entries:
        try:
            st = os.stat(db)
        except OSError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            got = self._parsed.get(db)
        if got is not None and got[0] == stamp:
            return got[1]
        try:
            entries = read_database(db)
        except DatabaseError as e:
            entries = {}
            if str(e) not in self.problems:
                self.problems.append(str(e))
                log.warning("%s", e)
        with self._lock:
            self._parsed[db] = (stamp, entries)
        return entries

    def flags(self, path: str, roots: list[str], defines: tuple[str, ...] = (),
              undefines: tuple[str, ...] = (), complete: bool = False) -> BuildFlags:
        """The flags for the document at ``path`` (see the module); ``defines`` (``NAME`` or
        ``NAME=VALUE``), ``undefines`` and ``complete``: the editor's settings, read after
        the entry (its ``-D`` words, then its ``-U`` ones).  Never raises."""
        words = tuple(f"-D{d}" for d in defines) + tuple(f"-U{u}" for u in undefines)
        try:
            db = find_database(path, roots)
            entries = self._entries(db) if db is not None else {}
            return _flags(entries, db, path, roots, words, complete)
        except (OSError, ValueError) as e:
            log.info("compile_commands.json for %s: %s", path, type(e).__name__)
            return BuildFlags(words, (), complete, None)
