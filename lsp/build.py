"""What the build passes the compiler for a document: its ``-D``/``-U`` (they decide the
``#if``/``#ifdef`` groups of the document's headers, hence the shape of a macro a subscript or a
declarator uses: docs, README "Headers") and its ``-I`` folders.

From two places, in this order (the last word for a name counts, as for gcc):

* the document's entry in the nearest ``compile_commands.json`` (the JSON compilation database
  CMake, Meson and Bear write): in the document's folder or a folder above it inside the
  workspace folder, or in a ``build/`` folder there (as clangd looks).  Its command line is the
  whole build's, so a name it does not define is undefined (``complete``) — unless it reads
  macros from elsewhere (``-include``, ``-imacros``, ``@FILE``:
  :func:`accellium.dataset.analysis.conditions.command_line`).  Its ``-I`` folders are read
  only inside the workspace folders (a workspace file may not make the server read folders
  outside it: the ``includePaths`` setting can);
* the ``defines`` (``NAME`` or ``NAME=VALUE``, as ``gcc -D``) and ``undefines`` settings; with no
  entry, ``definesComplete`` says whether they are the whole command line.

Kept cheap: each database is parsed once per version of the file (one ``stat`` a query).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import threading
from dataclasses import dataclass

log = logging.getLogger("accellium.lsp")

__all__ = ["BuildFlags", "CompileCommands", "command_line_json", "DATABASE",
           "MAX_DATABASE_BYTES"]

DATABASE = "compile_commands.json"
MAX_DATABASE_BYTES = 64 * 1024 * 1024  # a larger database is not read


@dataclass(frozen=True)
class BuildFlags:
    """The ``-D``/``-U`` words (``-DNAME=VALUE``, ``-UNAME``) in command-line order, the
    ``-I`` folders (absolute) and whether the words are the whole command line."""

    words: tuple[str, ...] = ()
    include_dirs: tuple[str, ...] = ()
    complete: bool = False
    database: str | None = None  # the compile_commands.json the words came from


def command_line_json(flags: BuildFlags, lang: str) -> dict | None:
    """``flags`` as the ``command_line`` of an HTTP request (docs/server.md): what each name
    ends up as (defined as which macro, or undefined) and whether the command line is whole
    (None: nothing known, or more than a request takes)."""
    from accellium.dataset.analysis.conditions import command_line
    from accellium.server.api_models import MAX_DEFINE_CHARS, MAX_DEFINES

    if not flags.words and not flags.complete:
        return None
    d = command_line(flags.words, flags.complete, lang)[0]
    defines: dict[str, str] = {}
    undefines: list[str] = []
    for name, m in d.known.items():
        if m is None:
            undefines.append(name)
        elif m.params is None:
            defines[name] = m.body
        else:
            params = ",".join([*m.params, *(("...",) if m.variadic else ())])
            defines[f"{name}({params})"] = m.body
    if len(defines) > MAX_DEFINES or len(undefines) > MAX_DEFINES or any(
            len(k) + len(v) > MAX_DEFINE_CHARS for k, v in defines.items()):
        return None
    return {"defines": defines, "undefines": undefines, "complete": d.complete}


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


def _inside_any(dirs: tuple[str, ...], roots: list[str]) -> tuple[str, ...]:
    tops = [os.path.realpath(r).rstrip(os.sep) for r in roots]
    return tuple(d for d in dirs if any(
        (real := os.path.realpath(d)) == t or real.startswith(t + os.sep) for t in tops))


class CompileCommands:
    """The entries of the ``compile_commands.json`` files found for documents (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parsed: dict[str, tuple[object, dict[str, tuple[list[str], str]]]] = {}
        self.problems: list[str] = []  # databases that could not be read (said once each)

    def database_for(self, path: str, roots: list[str]) -> str | None:
        """The nearest database for the file at ``path``: in its folder or one above it, up to
        the workspace folder holding it (``roots``), or in a ``build/`` folder of one of them."""
        folder = os.path.dirname(os.path.realpath(path))
        tops = [os.path.realpath(r) for r in roots]
        inside = [t for t in tops if folder == t or folder.startswith(t.rstrip(os.sep) + os.sep)]
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

    def _entries(self, db: str) -> dict[str, tuple[list[str], str]]:
        try:
            st = os.stat(db)
        except OSError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            got = self._parsed.get(db)
        if got is not None and got[0] == stamp:
            return got[1]
        entries: dict[str, tuple[list[str], str]] = {}
        try:
            if st.st_size > MAX_DATABASE_BYTES:
                raise ValueError(f"larger than {MAX_DATABASE_BYTES} bytes")
            with open(db, encoding="utf-8") as f:
                data = json.load(f)
            if not isinstance(data, list):
                raise ValueError("not a JSON list")
            for e in data:
                if not isinstance(e, dict) or not isinstance(e.get("file"), str):
                    continue
                d = e.get("directory")
                directory = d if isinstance(d, str) else os.path.dirname(db)
                args = _arguments(e)
                if args is None:
                    continue
                real = os.path.realpath(os.path.join(directory, e["file"]))
                entries.setdefault(real, (args, directory))  # the first entry of a file counts
        except (OSError, ValueError, RecursionError) as e:
            problem = f"{db}: not read ({type(e).__name__}: {str(e)[:120]})"
            if problem not in self.problems:
                self.problems.append(problem)
                log.warning("%s", problem)
        with self._lock:
            self._parsed[db] = (stamp, entries)
        return entries

    def flags(self, path: str, roots: list[str], defines: tuple[str, ...] = (),
              undefines: tuple[str, ...] = (), complete: bool = False) -> BuildFlags:
        """The flags for the document at ``path`` (see the module); ``defines``,
        ``undefines`` and ``complete``: the settings.  Never raises."""
        words: tuple[str, ...] = ()
        dirs: tuple[str, ...] = ()
        db = None
        try:
            db = self.database_for(path, roots)
            got = self._entries(db).get(os.path.realpath(path)) if db is not None else None
            if got is not None:
                words, dirs = flags_of(*got)
                # read only inside the workspace, as a workspace's own settings may not
                # name folders outside it (includePaths, a user setting, can)
                inside = _inside_any(dirs, roots)
                if len(inside) < len(dirs):
                    log.info("%s: -I folders outside the workspace not read: %s", db,
                             [d for d in dirs if d not in inside])
                dirs = inside
                complete = True
            else:
                db = None
        except (OSError, ValueError) as e:
            log.info("compile_commands.json for %s: %s", path, type(e).__name__)
        settings = tuple(f"-D{d}" for d in defines) + tuple(f"-U{u}" for u in undefines)
        return BuildFlags(words + settings, dirs, complete, db)
