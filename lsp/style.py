"""Workspace style index: the ``#pragma acc`` loops already in the user's project (open buffers
and, in the background, the C/C++ files under the workspace root), so that suggestions follow
the project's style (DESIGN §4 ``context.examples``).  Similarity is
:class:`dataset.similarity.Index` (the one implementation)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from accellium.dataset.prompt import Example

from .document import AnnotatedLoop, DocIndex, language_for
from .scan import Budget, read_sources

if TYPE_CHECKING:
    from accellium.dataset.similarity import Index

log = logging.getLogger(__name__)

__all__ = ["StyleIndex", "scan_root", "C_EXTENSIONS"]

C_EXTENSIONS = {".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".cu", ".cuh"}
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", "build",
             "dist", ".cache", ".tox", "third_party_cache"}
MAX_FILES = 2000  # files read under the root
MAX_EXAMPLES_POOL = 5000
SCAN_BUDGET_S = 20.0
INLINE_BUILD_LIMIT = 400  # pools this small are (re)built on the request path
MAX_DOC_EXAMPLES = 500  # examples taken from one file


class StyleIndex:
    """Pragma–loop pairs by source (document URI); nearest examples for a loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_uri: dict[str, list[AnnotatedLoop]] = {}
        self._open: set[str] = set()
        self._index: Index[tuple[str, AnnotatedLoop]] | None = None
        self._items: list[tuple[str, AnnotatedLoop]] = []
        self._dirty = False
        self.files_scanned = 0

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._by_uri.values())

    def set_open(self, uri: str, loops: list[AnnotatedLoop]) -> None:
        with self._lock:
            self._open.add(uri)
            if self._by_uri.get(uri) != loops:
                self._by_uri[uri] = loops
                self._dirty = True

    def close(self, uri: str) -> None:
        """The buffer was closed: its last indexed content stays as a workspace file."""
        with self._lock:
            self._open.discard(uri)

    def set_file(self, uri: str, loops: list[AnnotatedLoop]) -> None:
        """From the background scan; open buffers win over their files on disk."""
        with self._lock:
            if uri in self._open:
                return
            room = MAX_EXAMPLES_POOL - sum(len(v) for k, v in self._by_uri.items() if k != uri)
            loops = loops[:max(0, room)]
            if loops:
                self._by_uri[uri] = loops
            else:
                self._by_uri.pop(uri, None)
            self._dirty = True

    def rebuild(self) -> None:
        """Rebuild the similarity index if the pool changed (call off the event loop for large
        pools)."""
        with self._lock:
            if not self._dirty:
                return
            items = [(u, a) for u, loops in self._by_uri.items() for a in loops]
            self._dirty = False
        items = items[:MAX_EXAMPLES_POOL]
        index: Index[tuple[str, AnnotatedLoop]] | None = None
        if items:
            try:
                from accellium.dataset.similarity import Index
            except ImportError:  # similarity not installed: no workspace examples
                log.warning("accellium.dataset.similarity is not available; no workspace examples")
            else:
                index = Index(items, key=lambda it: it[1].loop)
        with self._lock:
            self._items, self._index = items, index

    @property
    def dirty(self) -> bool:
        return self._dirty

    def pool_size(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._by_uri.values())

    def nearest(self, code: str, k: int, exclude: tuple[str, int] | None = None,
                uri: str | None = None) -> list[Example]:
        """The ``k`` most similar workspace examples, nearest first; ``exclude`` is the
        (uri, pragma line) of the loop being asked about, ``uri`` its document (examples say
        whether they come from it)."""
        if k <= 0:
            return []
        if self._dirty and self.pool_size() <= INLINE_BUILD_LIMIT:
            self.rebuild()
        index = self._index
        if index is None:
            return []

        def skip(it: tuple[str, AnnotatedLoop]) -> bool:
            return exclude is not None and it[0] == exclude[0] and it[1].line == exclude[1]

        out: list[Example] = []
        seen: set[tuple[str, str]] = set()
        for pos, score in index.query(code, k * 2 + 2, exclude=skip):
            if score <= 0:
                break
            a = index.items[pos][1]
            if (a.pragma, a.loop) in seen:
                continue
            seen.add((a.pragma, a.loop))
            out.append(Example(a.pragma, a.loop, tuple(a.enclosing),
                               None if uri is None else index.items[pos][0] == uri))
            if len(out) >= k:
                break
        return out


def scan_root(root: str, style: StyleIndex, cancelled: Callable[[], bool] = lambda: False,
              max_files: int = MAX_FILES, budget_s: float = SCAN_BUDGET_S) -> int:
    """Index the annotated loops of the C/C++ files under ``root``: regular files only, each
    at most ``MAX_FILE_BYTES``, at most ``MAX_TOTAL_BYTES`` in all, ``max_files`` files and
    ``budget_s`` seconds (see :mod:`accellium.lsp.scan`).  Returns the number of files read."""
    t0 = time.monotonic()
    count = 0
    stop = Budget(t0 + budget_s, cancelled)
    for path, data in read_sources(root, C_EXTENSIONS, SKIP_DIRS, max_files, stop):
        count += 1
        if b"acc" not in data or b"pragma" not in data:
            continue
        uri = path.as_uri()
        lang = language_for("", uri) or "c"
        try:
            view = DocIndex(uri, lang, data.decode("utf-8", "replace")).view()
            style.set_file(uri, view.annotated_loops(MAX_DOC_EXAMPLES))
        except Exception:
            log.exception("cannot index %s", path)
        if style.pool_size() >= MAX_EXAMPLES_POOL:
            log.info("workspace scan: example pool full after %d files", count)
            break
    if stop.reason:
        log.info("workspace scan stopped after %d files: %s", count, stop.reason)
    style.files_scanned = count
    style.rebuild()
    return count
