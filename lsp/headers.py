"""The macros of a document's local headers (:mod:`accellium.dataset.includes`) for its loop
queries: ``#include "idx.h"`` read relative to the document's folder, then in the extra include
folders of the ``includePaths`` setting (:func:`include_folders`), then in the workspace folders
(all of which may also be read); a header open in the editor is read from its buffer, not the
disk.  Only ``file:`` documents have a folder: an unsaved buffer gets none.  The build's
``-D``/``-U`` and ``-I`` (:mod:`.build`: the document's ``compile_commands.json`` entry and the
``defines``/``undefines``/``definesComplete`` settings) decide the headers' ``#if`` groups.

Kept cheap: one reading per document version, reused while every header read is unchanged
(one ``stat`` each, or the same buffer text), and each header's text parsed once per version.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

from pygls import uris

from accellium.dataset.analysis.compiled import Compiled
from accellium.dataset.analysis.conditions import command_line
from accellium.dataset.analysis.macros import Macro
from accellium.dataset.includes import Included, read_includes
from accellium.dataset.pragma import IDENT_RE
from accellium.server.api_models import MAX_DEFINE_CHARS, MAX_DEFINES, MAX_DEFINES_CHARS

from .build import BuildFlags
from .document import DocView

log = logging.getLogger("accellium.lsp")

__all__ = ["HeaderCache", "fs_path", "sendable", "include_folders", "words_of"]

MAX_DOCS = 64  # documents whose reading is kept


def fs_path(uri: str) -> str | None:
    """The file system path of a ``file:`` URI (None for any other scheme)."""
    if not uri.startswith("file:"):
        return None
    try:
        return uris.to_fs_path(uri)
    except Exception:
        return None


def sendable(defines: tuple[Macro, ...]) -> bool:
    """Whether the macros fit the limits of ``context.scope.defines`` (docs/server.md)."""
    lines = [m.directive() for m in defines]
    return len(lines) <= MAX_DEFINES and all(len(x) <= MAX_DEFINE_CHARS for x in lines) \
        and sum(len(x) for x in lines) <= MAX_DEFINES_CHARS


@lru_cache(maxsize=4)
def words_of(source: bytes) -> frozenset[str]:
    """The identifiers a text writes (once per text: each of its loops asks)."""
    return frozenset(IDENT_RE.findall(source.decode("utf-8", "surrogateescape")))


def include_folders(paths: Sequence[str], workspace: Sequence[str]
                    ) -> tuple[list[str], list[str]]:
    """The ``includePaths`` folders as real paths, in order (a relative one is relative to the
    first workspace folder), and why each one left out is (not a folder, no workspace folder
    for a relative path).  Never raises."""
    out: list[str] = []
    problems: list[str] = []
    for p in paths:
        try:
            path = os.path.expanduser(p)
            if not os.path.isabs(path):
                if not workspace:
                    problems.append(f"{p!r} is relative and there is no workspace folder")
                    continue
                path = os.path.join(workspace[0], path)
            real = os.path.realpath(path)
            if not os.path.isdir(real):
                problems.append(f"{p!r} is not a folder ({real})")
            elif real not in out:
                out.append(real)
        except (OSError, ValueError) as e:
            problems.append(f"{p!r} cannot be used ({type(e).__name__})")
    return out, problems


class HeaderCache:
    """The header reading of each open document (thread-safe: queries are built in workers).

    ``folders`` gives the workspace folders (paths) and ``buffers`` the open documents
    (URI -> text) when asked; both are called from worker threads."""

    def __init__(self, folders: Callable[[], Iterable[str]],
                 buffers: Callable[[], Mapping[str, bytes]],
                 flags: Callable[[str], BuildFlags] | None = None):
        self._folders = folders
        self._buffers = buffers
        self._flags = flags
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[int, tuple[str, ...], BuildFlags, Included]] = {}
        self._views: dict[str, tuple[Included, Compiled | None]] = {}  # URI -> compiled view
        self._real: dict[str, str | None] = {}  # URI -> real path
        self.notes_logged: set[str] = set()

    def _realpath(self, uri: str) -> str | None:
        got = self._real.get(uri, "")
        if got == "":
            path = fs_path(uri)
            got = os.path.realpath(path) if path else None
            if len(self._real) > 4 * MAX_DOCS:
                self._real.clear()
            self._real[uri] = got
        return got

    def _open_buffers(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for uri, data in self._buffers().items():
            real = self._realpath(uri)
            if real is not None:
                out[real] = data
        return out

    def included(self, view: DocView) -> Included | None:
        """The reading for ``view`` (None: the document has no path, or reading failed:
        never a reason to offer nothing)."""
        try:
            return self._included(view)
        except Exception:
            log.exception("reading the headers of %s failed", view.uri)
            return None

    def _included(self, view: DocView) -> Included | None:
        path = fs_path(view.uri)
        if path is None:
            return None
        try:
            folders = tuple(f for f in self._folders() if f and os.path.isdir(f))
        except Exception:
            folders = ()
        buffers = self._open_buffers()
        flags = self._build(path)
        with self._lock:
            got = self._docs.get(view.uri)
        if got is not None and got[0] == view.generation and got[1] == folders \
                and got[2] == flags and got[3].fresh(buffers):
            return got[3]
        root = view.tree.root_node  # a tree read in chunks keeps no text: parsed again then
        # the build's -I folders first (the compiler looks there before anywhere else)
        dirs = (*flags.include_dirs, *(f for f in folders if f not in flags.include_dirs))
        predefined = command_line(flags.words, flags.complete, view.lang)[0] \
            if flags.words or flags.complete else None
        inc = read_includes(view.source, path, view.lang, dirs, open_buffers=buffers,
                            root=root if root.text is not None else None,
                            predefined=predefined)
        for n in inc.notes:
            if n not in self.notes_logged:
                self.notes_logged.add(n)
                log.info("%s: %s", view.uri, n)
        with self._lock:
            if len(self._docs) >= MAX_DOCS and view.uri not in self._docs:
                self._docs.pop(next(iter(self._docs)))
            self._docs[view.uri] = (view.generation, folders, flags, inc)
        return inc

    def compiled(self, view: DocView) -> Compiled | None:
        """The text the build compiles of ``view`` (:func:`accellium.server.annotate.compiled`:
        the conditional groups the known macros drop turned into spaces, the same rows and
        offsets), as the CLI's answers read it; None where that is the document as written,
        the headers were not read, or the view does not parse (the document is read as
        written then, as the CLI does)."""
        inc = self.included(view)
        if inc is None:
            return None
        with self._lock:
            got = self._views.get(view.uri)
        if got is not None and got[0] is inc:
            return got[1]
        from accellium.server.annotate import compiled_tree

        got_view, tree = compiled_tree(view.source, view.lang, inc)
        cv = got_view if tree is not None else None
        with self._lock:
            if len(self._views) >= MAX_DOCS and view.uri not in self._views:
                self._views.pop(next(iter(self._views)))
            self._views[view.uri] = (inc, cv)
        return cv

    def unit_includes(self, path: str, data: bytes, lang: str) -> Included | None:
        """The headers one of the program's other files (at ``path``, its text ``data``)
        includes, read as the document's are (its build flags, the workspace folders, the
        open buffers): their file-scope declarations are that unit's (C11 6.10.2p3).  None
        when reading fails (the planner then takes a name they declare as any object, as
        before)."""
        try:
            folders = tuple(f for f in self._folders() if f and os.path.isdir(f))
            flags = self._build(path)
            dirs = (*flags.include_dirs, *(f for f in folders if f not in flags.include_dirs))
            predefined = command_line(flags.words, flags.complete, lang)[0] \
                if flags.words or flags.complete else None
            return read_includes(data, path, lang, dirs, open_buffers=self._open_buffers(),
                                 predefined=predefined)
        except Exception:
            log.exception("reading the headers of %s failed", path)
            return None

    def _build(self, path: str) -> BuildFlags:
        if self._flags is None:
            return BuildFlags()
        try:
            return self._flags(path)
        except Exception:
            log.exception("the build flags of %s failed", path)
            return BuildFlags()

    def defines(self, view: DocView, offset: int, code: str) -> tuple[Macro, ...]:
        """The header macros the loop at byte ``offset`` (its text ``code``) uses; none when
        they would not fit a request (the backend would refuse them)."""
        inc = self.included(view)
        # the parameter list's macros too (`double ARR_2D(a, N, M)` declares `a`), as for
        # `accellium suggest` (dataset/includes.py parameters_at)
        got = inc.for_loop(offset, code, view.tree.root_node) if inc is not None else ()
        return got if sendable(got) else ()

    def names(self, view: DocView, offset: int) -> tuple[frozenset[str], frozenset[str]]:
        """The functions the headers included before byte ``offset`` declare device routines,
        and the type names their typedefs declare (:meth:`Included.routines_at`,
        :meth:`Included.types_at`): what the loop there may call on the device, and which
        ``(T)(e)`` are casts."""
        inc = self.included(view)
        if inc is None:
            return frozenset(), frozenset()
        # only the names the document writes matter (at most the request's limit of them)
        words = words_of(view.source)
        got = (inc.routines_at(offset) & words, inc.types_at(offset) & words)
        return got if all(len(x) <= MAX_DEFINES for x in got) else (frozenset(), frozenset())

    def texts(self, view: DocView, offset: int) -> tuple[tuple[int, bytes], ...]:
        """The headers included before byte ``offset`` (:meth:`Included.texts_before`): their
        file-scope declarations are the document's (the loop's scope, in-process)."""
        inc = self.included(view)
        return inc.texts_before(offset) if inc is not None else ()

    def document_defines(self, view: DocView) -> tuple[Macro, ...]:
        """The header macros the whole document uses (directly or through other macros), as
        visible at its end: what a backend's ``/v1/offload`` takes as ``defines`` (read as
        defined before the first line); none when they would not fit a request."""
        inc = self.included(view)
        if inc is None:
            return ()
        got = inc.for_loop(len(view.source), view.source.decode("utf-8", "surrogateescape"))
        return got if sendable(got) else ()

    def forget(self, uri: str) -> None:
        with self._lock:
            self._docs.pop(uri, None)
            self._views.pop(uri, None)
            self._real.pop(uri, None)
