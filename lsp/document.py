"""Per-document loop index: the buffer (:class:`~accellium.lsp.text.Text`, the LSP line model),
a pragma-masked copy for tree-sitter, and parsed snapshots.

* :class:`DocIndex` is the open document.  ``apply_changes`` runs on the event loop and is cheap:
  it splices the buffer, updates the line starts, re-masks the edited lines and records the tree
  edit.  Parsing waits for :meth:`DocIndex.view`, which callers run in a worker thread: it
  re-parses incrementally from the last snapshot, reading the buffer in chunks so that the
  event loop's thread gets the interpreter between them, and gives up when ``check`` says the
  work is stale.
* :class:`DocView` is one parsed version, immutable, safe to read from any thread.  It builds
  :class:`~accellium.dataset.loops.Loop` objects only for the loops asked for, in time linear in
  the buffer (:mod:`accellium.lsp.nest`).

The tree is built over :func:`dataset.loops.mask_pragmas` of the buffer (a pragma between
``for (...)`` and its body would otherwise end the loop in the grammar's eyes) after
:func:`~accellium.lsp.text.lone_cr_to_lf`, so tree-sitter's rows are the rows of the LSP line
model.  Positions: LSP columns in the negotiated encoding; tree-sitter and the index use UTF-8
bytes (:meth:`DocView.col_out`, :meth:`~accellium.lsp.text.Text.byte_col`).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node, Parser, Point, Tree

from accellium.dataset.loops import (
    LOOP_TYPES,
    LineIndex,
    Loop,
    mask_pragmas,
    normalize_lang,
    tree_sitter_language,
)
from accellium.dataset.pragma import is_acc_pragma

from .nest import (
    Cancelled,
    LoopBuilder,
    LoopTable,
    loop_nodes,
    loops_starting_at,
    path_to_byte,
    paths_to,
)
from .text import Text, encode, lone_cr_to_lf

__all__ = ["DocIndex", "DocView", "language_for", "AnnotatedLoop", "loop_id", "Cancelled"]

_ACC_LINE = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+acc\b", re.MULTILINE)
MAX_FIND_CANDIDATES = 200


def language_for(language_id: str | None, uri: str = "") -> str | None:
    """``c``/``cpp`` for an LSP languageId (``cuda``, ``cuda-cpp``, ``objective-cpp`` -> cpp);
    None for anything this server does not index."""
    lid = (language_id or "").lower()
    if lid in {"cuda-cpp", "cuda", "objective-cpp", "objcpp", "cpp", "c++"}:
        return "cpp"
    if lid in {"c", "h"}:
        return "c"
    if not lid:
        low = uri.lower()
        if low.endswith((".c", ".h")):
            return "c"
        if low.endswith((".cpp", ".cc", ".cxx", ".hpp", ".hh", ".hxx", ".cu", ".cuh")):
            return "cpp"
    try:
        return normalize_lang(lid)
    except ValueError:
        return None


def prepare(data: bytes) -> bytes:
    """What tree-sitter parses: pragmas blanked, lone CRs as LFs (same length as ``data``)."""
    return mask_pragmas(lone_cr_to_lf(data))


def loop_id(lp: Loop) -> str:
    """A loop's identity across edits: its length in bytes and a hash of its text."""
    raw = encode(lp.text)
    return f"{len(raw)}:{hashlib.sha1(raw).hexdigest()[:16]}"


_local = threading.local()


def _parser(lang: str) -> Parser:
    parsers = _local.__dict__.setdefault("parsers", {})
    p = parsers.get(lang)
    if p is None:
        p = parsers[lang] = Parser(tree_sitter_language(lang))
    return p


def parse(lang: str, data: bytes, old: Tree | None = None,
          check: Callable[[], None] | None = None) -> Tree:
    """Parse ``data`` (incrementally from an edited ``old``); ``check`` raising
    :class:`Cancelled` before the parse stops it.

    The buffer is handed to tree-sitter whole, never through a read callback: the Python
    binding (0.26) keeps a reference to every piece a callback returns to a parse — most of a
    copy of the buffer per version, and a language server parses a version at every edit
    (about 0.5 MB an edit for a 10,000-line file, never freed).  The parse holds the
    interpreter lock throughout (about 40 ms for 400 KB)."""
    if check is not None:
        check()
    parser = _parser(lang)
    return parser.parse(data, old) if old is not None else parser.parse(data)


class SpecLines(LineIndex):
    """A :class:`LineIndex` over a :class:`Text` snapshot (LSP line model), for the
    ``dataset.loops`` helpers."""

    def __init__(self, text: Text):
        self.text = text
        self.source = text.data
        self.starts = text.starts

    def line_bytes(self, row: int) -> bytes:
        return self.text.line_bytes(row)

    def utf16_col(self, row: int, byte_col: int) -> int:
        return self.text.col_of(row, byte_col, "utf-16")

    def byte_col(self, row: int, utf16_col: int) -> int:
        return self.text.byte_col(row, utf16_col, "utf-16")


@dataclass(frozen=True)
class AnnotatedLoop:
    """A loop of the buffer with its ``#pragma acc`` label (a workspace style example)."""

    pragma: str
    loop: str  # stripped of nested acc pragmas
    line: int  # 0-based line of the pragma
    enclosing: tuple[str, ...] = ()  # the directives around the loop, outermost first


class DocView:
    """One parsed version of a document."""

    def __init__(self, uri: str, lang: str, text: Text, masked: bytes, tree: Tree,
                 version: int | None, generation: int):
        self.uri, self.lang, self.version, self.generation = uri, lang, version, generation
        self.text = text
        self.source = text.data
        self.masked = masked
        self.tree = tree
        self.lines = SpecLines(text)
        self.encoding = text.encoding
        self._table: LoopTable | None = None
        self._chains: dict[tuple, list[Loop]] = {}

    # -- positions ------------------------------------------------------------------------------

    def line_count(self) -> int:
        return len(self.text)

    def line_text(self, row: int) -> str:
        return self.lines.line(row)

    def col_out(self, row: int, byte_col: int) -> int:
        return self.text.col_of(row, byte_col)

    def eol(self, row: int) -> str:
        """The line break to end a line inserted at ``row``: that line's own, else the first
        one of the buffer, else ``\\n``."""
        brk = self.text.line_break(row)
        if not brk:
            m = re.search(rb"\r\n|\r|\n", self.source[:1 << 20])
            brk = m.group(0) if m else b"\n"
        return brk.decode("ascii")

    # -- loops ----------------------------------------------------------------------------------

    def table(self, check: Callable[[], None] | None = None) -> LoopTable:
        """Every loop of the buffer, nested (built once per version)."""
        if self._table is None:
            self._table = LoopTable(loop_nodes(self.tree.root_node, check=check))
        return self._table

    def _code_row(self, row: int) -> int:
        """The first line at or below ``row`` that is not an ``#pragma acc`` line (or its
        continuation): a cursor on a pragma means the loop below it."""
        n = self.line_count()
        r = row
        while r < n:
            if is_acc_pragma(self.lines.line(r)):
                while r < n and self.lines.line(r).rstrip().endswith("\\"):
                    r += 1
                r += 1
                continue
            return r
        return row

    def insertable_node(self, node: Node) -> bool:
        """A pragma can go on its own line above a loop only when the ``for`` starts its line."""
        row, col = node.start_point
        return not self.text.line_bytes(row)[:col].strip()

    def loops_at(self, row: int, limit: int | None = None,
                 insertable: bool = False) -> list[Loop]:
        """The loop containing line ``row`` (a pragma line means the loop below it) and the loops
        enclosing it, innermost first; at most ``limit``, only those that can take a pragma
        line when ``insertable``."""
        if not 0 <= row < self.line_count():
            return []
        r = self._code_row(row)
        if r >= self.line_count():
            return []
        raw = self.text.line_bytes(r)
        path = path_to_byte(self.tree, self.text.starts[r] + len(raw) - len(raw.lstrip()))
        chain = [k for k in range(len(path) - 1, -1, -1) if path[k].type in LOOP_TYPES]
        if insertable:
            chain = [k for k in chain if self.insertable_node(path[k])]
        chain = chain[:limit] if limit is not None else chain
        if not chain:
            return []
        key = (r, limit, insertable)
        got = self._chains.get(key)
        if got is None:
            table = LoopTable(loop_nodes(path[chain[-1]]))
            build = LoopBuilder(self.source, self.lines)
            got = build.chain(path, chain, table)
            if len(self._chains) > 64:
                self._chains.clear()
            self._chains[key] = got
        return list(got)

    def outermost_loops(self, check: Callable[[], None] | None = None) -> list[Loop]:
        """Every outermost ``for`` loop of the buffer (document order)."""
        nodes = loop_nodes(self.tree.root_node, outermost_only=True, check=check)
        build = LoopBuilder(self.source, self.lines)
        out = []
        for node, anc in paths_to(self.tree, nodes, check):
            out.append(build.build(node, anc, LoopTable(loop_nodes(node, check=check))))
        return out

    def pragma_rows(self) -> list[int]:
        """0-based lines that start an ``#pragma acc`` directive."""
        src = lone_cr_to_lf(self.source)
        return [self.text.row_of(m.start()) for m in _ACC_LINE.finditer(src)]

    def labelled(self, rows: list[int], check: Callable[[], None] | None = None
                 ) -> dict[int, Loop]:
        """{pragma row: the loop that pragma labels} for the given ``#pragma acc`` rows."""
        want: dict[int, list[int]] = {}
        for row in rows:
            r = self._code_row(row)
            if r < self.line_count():
                raw = self.text.line_bytes(r)
                b = self.text.starts[r] + len(raw) - len(raw.lstrip())
                want.setdefault(b, []).append(row)
        build = LoopBuilder(self.source, self.lines)
        out: dict[int, Loop] = {}
        for b, node, anc in loops_starting_at(self.tree, sorted(want), check):
            lp = build.build(node, anc)
            for row in want[b]:
                if lp.pragma is not None and lp.pragma.start_line <= row <= lp.pragma.end_line:
                    out[row] = lp
        return out

    def annotated_loops(self, limit: int | None = None,
                        check: Callable[[], None] | None = None) -> list[AnnotatedLoop]:
        """The loops of the buffer that carry an ``#pragma acc`` label (style examples)."""
        out: list[AnnotatedLoop] = []
        seen: set[int] = set()
        rows = self.pragma_rows()
        for _row, lp in sorted(self.labelled(rows[:limit] if limit else rows, check).items()):
            if lp.pragma is None or lp.start_byte in seen:
                continue
            seen.add(lp.start_byte)
            out.append(AnnotatedLoop(lp.pragma.text, lp.stripped, lp.pragma.start_line,
                                     tuple(lp.enclosing)))
        return out

    def find_loop(self, line: int, lid: str) -> Loop | None:
        """The loop with id ``lid`` (:func:`loop_id`) near ``line`` in this version."""
        for lp in self.loops_at(line):
            if loop_id(lp) == lid:
                return lp
        try:
            size = int(lid.split(":", 1)[0])
        except ValueError:
            return None
        table = self.table()
        cands = [n for n in table.nodes if n.end_byte - n.start_byte == size]
        cands.sort(key=lambda n: abs(n.start_point.row - line))
        for node in cands[:MAX_FIND_CANDIDATES]:
            raw = self.source[node.start_byte:node.end_byte]
            text = raw.decode("utf-8", "replace")
            if f"{len(encode(text))}:{hashlib.sha1(encode(text)).hexdigest()[:16]}" == lid:
                for n, anc in paths_to(self.tree, [node]):
                    return LoopBuilder(self.source, self.lines).build(n, anc, table)
        return None


class DocIndex:
    """The loop index of one open document (see the module docstring)."""

    def __init__(self, uri: str, lang: str, text: str, version: int | None = None,
                 encoding: str = "utf-16"):
        self.uri = uri
        self.lang = lang
        self.encoding = encoding
        self.text = Text(encode(text), encoding)
        self.masked = prepare(self.text.data)
        self.version = version
        self.generation = 1  # bumped on every change
        self.last_reindex_ms = 0.0
        self._edits: list[dict] | None = []  # tree edits since self._view (None: parse anew)
        self._view: DocView | None = None
        self._lock = threading.Lock()  # the fields above, between the event loop and workers
        self._parse_lock = threading.Lock()

    @property
    def source(self) -> bytes:
        return self.text.data

    def line_count(self) -> int:
        return len(self.text)

    # -- changes (event loop) -------------------------------------------------------------------

    def apply_changes(self, changes: list, version: int | None) -> None:
        """Apply LSP content changes (objects with ``range`` and ``text``, or whole-text ones)."""
        with self._lock:
            for ch in changes:
                rng = getattr(ch, "range", None)
                if rng is None:
                    self.text.replace_all(encode(ch.text))
                    self.masked = prepare(self.text.data)
                    self._edits = None
                else:
                    self._apply_one(rng, ch.text)
            self.version = version
            self.generation += 1

    def _apply_one(self, rng, text: str) -> None:
        old_starts, old_len = self.text.starts, len(self.text.data)
        e = self.text.apply((rng.start.line, rng.start.character),
                            (rng.end.line, rng.end.character), text)
        t = self.text
        delta = e.new_end - e.old_end
        # Re-mask whole lines around the edit: from the line above it (a "\r" there may join
        # a "\n" of the edit) widened up over backslash continuations, to two lines past it
        # widened down over continuations.
        first = max(0, t.row_of(e.start) - 1)
        while first > 0 and t.line_bytes(first - 1).rstrip().endswith(b"\\"):
            first -= 1
        last = min(t.row_of(e.new_end) + 1, len(t) - 1)
        while last + 1 < len(t) and t.line_bytes(last).rstrip().endswith(b"\\"):
            last += 1
        ls = t.starts[first]
        le_new = t.starts[last + 1] if last + 1 < len(t) else len(t.data)
        le_old = le_new - delta
        self.masked = self.masked[:ls] + prepare(t.data[ls:le_new]) + self.masked[le_old:]
        if self._edits is not None:
            self._edits.append(dict(
                start_byte=ls, old_end_byte=le_old, new_end_byte=le_new,
                start_point=Point(first, 0),
                old_end_point=Point(*_point(old_starts, old_len, le_old)),
                new_end_point=Point(*_point(t.starts, len(t.data), le_new))))

    # -- parsing (any thread) -------------------------------------------------------------------

    def current(self) -> DocView | None:
        """The parsed view of the current version if there is one (no parsing)."""
        v = self._view
        return v if v is not None and v.generation == self.generation else None

    def view(self, check: Callable[[], None] | None = None) -> DocView:
        """The parsed view of the current version (parses when needed: call off the loop)."""
        v = self.current()
        if v is not None:
            return v
        with self._parse_lock:
            with self._lock:
                v = self._view
                if v is not None and v.generation == self.generation:
                    return v
                text, masked = self.text.frozen(), self.masked
                gen, version = self.generation, self.version
                edits = list(self._edits) if self._edits is not None else None
            t0 = time.perf_counter()
            old = None
            if v is not None and edits is not None:
                old = v.tree.copy()
                for ed in edits:
                    old.edit(**ed)
            tree = parse(self.lang, masked, old, check)
            view = DocView(self.uri, self.lang, text, masked, tree, version, gen)
            with self._lock:
                self._view = view
                if self.generation == gen:
                    self._edits = []
                elif edits is not None and self._edits is not None:
                    self._edits = self._edits[len(edits):]  # changes made while parsing
                else:
                    self._edits = None
            self.last_reindex_ms = (time.perf_counter() - t0) * 1000
            return view


def _point(starts: list[int], size: int, offset: int) -> tuple[int, int]:
    row = bisect.bisect_right(starts, min(offset, size)) - 1
    return row, offset - starts[row]
