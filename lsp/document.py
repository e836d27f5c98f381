"""Per-document loop index: the buffer's bytes, a pragma-masked copy and its tree-sitter tree,
kept up to date edit by edit (incremental sync + incremental re-parse).

The tree is built over :func:`dataset.loops.mask_pragmas` of the buffer, exactly as
:func:`dataset.loops.parse_tree` does; here the masked copy is maintained line range by line
range so an edit costs the edited lines plus tree-sitter's incremental re-parse, not a pass over
the whole buffer.  :class:`dataset.loops.Loop` objects are built on demand for one loop nest at a
time with :func:`dataset.loops.loops_in_tree` (the one loop model), never for the whole file on
a keystroke.

Positions: LSP columns are in the negotiated position encoding (UTF-16 unless the client chose
otherwise); tree-sitter and this index work in UTF-8 bytes.  :meth:`DocIndex.col_in` and
:meth:`DocIndex.col_out` convert.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import cache

from accellium.dataset.loops import (
    LOOP_TYPES,
    LineIndex,
    Loop,
    _language,
    loops_in_tree,
    mask_pragmas,
    normalize_lang,
)
from accellium.dataset.pragma import is_acc_pragma
from tree_sitter import Node, Parser, Point, Query, QueryCursor, Tree

log = logging.getLogger(__name__)

__all__ = ["DocIndex", "language_for", "AnnotatedLoop"]

_LOOP_QUERY_SRC = "(for_statement) @loop (for_range_loop) @loop"
_ACC_LINE = re.compile(rb"^[ \t]*#[ \t]*pragma[ \t]+acc\b", re.MULTILINE)


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


@cache
def _parser(lang: str) -> Parser:
    return Parser(_language(lang))


@cache
def _loop_query(lang: str) -> Query:
    src = _LOOP_QUERY_SRC if lang == "cpp" else "(for_statement) @loop"
    return Query(_language(lang), src)


class _Sub:
    """A stand-in tree whose root is one node, so :func:`loops_in_tree` walks one loop nest
    (ancestors are still reached through ``node.parent``, so ``enclosing`` and ``depth`` stay
    right)."""

    __slots__ = ("root_node", "language")

    def __init__(self, node: Node, language):
        self.root_node = node
        self.language = language


class _Lines(LineIndex):
    """A :class:`LineIndex` whose line starts are updated edit by edit."""

    def __init__(self, source: bytes, starts: list[int] | None = None):  # noqa: D107
        if starts is None:
            super().__init__(source)
        else:
            self.source = source
            self.starts = starts


@dataclass(frozen=True)
class AnnotatedLoop:
    """A loop of the buffer with its ``#pragma acc`` label (a workspace style example)."""

    pragma: str
    loop: str  # stripped of nested acc pragmas
    line: int  # 0-based line of the pragma
    enclosing: tuple[str, ...] = ()  # the directives around the loop, outermost first


class DocIndex:
    """The loop index of one open document."""

    def __init__(self, uri: str, lang: str, text: str, version: int | None = None,
                 encoding: str = "utf-16"):
        self.uri = uri
        self.lang = lang
        self.encoding = encoding
        self.version = version
        self.generation = 0  # bumped on every change
        self.last_reindex_ms = 0.0
        self._loops_cache: dict[tuple[int, int], list[Loop]] = {}
        self.reset(text, version)

    # ------------------------------------------------------------------------------------------
    # Building and editing
    # ------------------------------------------------------------------------------------------

    def reset(self, text: str, version: int | None = None) -> None:
        """Full (re)build from ``text``."""
        t0 = time.perf_counter()
        self.source = _encode(text)
        self.masked = mask_pragmas(self.source)
        self.lines = _Lines(self.source)
        self.tree: Tree = _parser(self.lang).parse(self.masked)
        self.version = version
        self.generation += 1
        self._loops_cache.clear()
        self.last_reindex_ms = (time.perf_counter() - t0) * 1000

    def apply_changes(self, changes: list, version: int | None, full_text: str) -> bool:
        """Apply LSP content changes (objects with ``range`` and ``text``, or whole-text changes)
        and re-parse incrementally. ``full_text`` is the editor-side result (pygls's copy of the
        document); when the incremental result differs from it the index is rebuilt from it.
        Returns True when the incremental path was used."""
        t0 = time.perf_counter()
        ok = True
        try:
            for ch in changes:
                rng = getattr(ch, "range", None)
                if rng is None:
                    ok = False
                    break
                self._apply_one(rng, ch.text)
        except Exception:  # a malformed range: rebuild from the editor's text
            log.exception("incremental change failed on %s; rebuilding", self.uri)
            ok = False
        new_bytes = _encode(full_text)
        if not ok or new_bytes != self.source:
            if ok:
                log.warning("incremental index of %s diverged from the buffer; rebuilding",
                            self.uri)
            self.reset(full_text, version)
            return False
        self.tree = _parser(self.lang).parse(self.masked, self.tree)
        self.version = version
        self.generation += 1
        self._loops_cache.clear()
        self.last_reindex_ms = (time.perf_counter() - t0) * 1000
        return True

    def _offset(self, line: int, col: int) -> tuple[int, int, int]:
        """(byte offset, row, byte column) of an LSP position, clamped like pygls does."""
        n = len(self.lines.starts)
        if line < 0:
            return 0, 0, 0
        if line >= n:
            last = n - 1
            bc = len(self.lines.line_bytes(last))
            # pygls appends at the end when the position is past the last line
            return len(self.source), last, len(self.source) - self.lines.starts[last]
        bc = self.col_in(line, col)
        return self.lines.starts[line] + bc, line, bc

    def _apply_one(self, rng, text: str) -> None:
        old = self.source
        s, srow, scol = self._offset(rng.start.line, rng.start.character)
        e, erow, ecol = self._offset(rng.end.line, rng.end.character)
        if e < s:
            s, e, srow, scol, erow, ecol = e, s, erow, ecol, srow, scol
        ins = _encode(text)
        new = old[:s] + ins + old[e:]
        delta = len(ins) - (e - s)
        starts = self.lines.starts
        # Line starts: keep those up to the edit's first line, add the inserted ones, shift
        # the rest.
        inserted = [s + m.end() for m in re.finditer(rb"\n", ins)]
        new_starts = starts[: srow + 1] + inserted + [x + delta for x in starts[erow + 1:]]
        new_lines = _Lines(new, new_starts)
        # Re-mask the edited lines, widened over backslash continuations (a continuation's
        # masking depends on the line above; the line after an edit may lose or gain one).
        first = srow
        while first > 0 and new_lines.line_bytes(first - 1).rstrip().endswith(b"\\"):
            first -= 1
        last_new = srow + len(inserted) + 1  # one line past the edit, then continuations
        nlines = len(new_starts)
        last_new = min(last_new, nlines - 1)
        while last_new + 1 < nlines and new_lines.line_bytes(last_new).rstrip().endswith(b"\\"):
            last_new += 1
        ls = new_starts[first]
        le_new = new_starts[last_new + 1] if last_new + 1 < nlines else len(new)
        le_old = le_new - delta
        self.masked = self.masked[:ls] + mask_pragmas(new[ls:le_new]) + self.masked[le_old:]
        # Tree edit over the re-masked span.
        old_end_row = self.lines.row_of(le_old) if le_old < len(old) else len(starts) - 1
        old_end_col = le_old - starts[old_end_row]
        new_end_row = new_lines.row_of(le_new) if le_new < len(new) else nlines - 1
        new_end_col = le_new - new_starts[new_end_row]
        self.tree.edit(
            start_byte=ls, old_end_byte=le_old, new_end_byte=le_new,
            start_point=Point(first, 0), old_end_point=Point(old_end_row, old_end_col),
            new_end_point=Point(new_end_row, new_end_col),
        )
        self.source = new
        self.lines = new_lines

    # ------------------------------------------------------------------------------------------
    # Positions
    # ------------------------------------------------------------------------------------------

    def col_in(self, row: int, col: int) -> int:
        """Byte column of an LSP column on ``row`` (clamped to the line)."""
        col = max(0, col)
        if self.encoding == "utf-8":
            return min(col, len(self.lines.line_bytes(row)))
        if self.encoding == "utf-32":
            text = self.lines.line(row)
            return len(text[:col].encode("utf-8", "surrogateescape"))
        return self.lines.byte_col(row, col)

    def col_out(self, row: int, byte_col: int) -> int:
        """LSP column of a byte column on ``row``."""
        if self.encoding == "utf-8":
            return byte_col
        if self.encoding == "utf-32":
            return len(self.lines.line_bytes(row)[:byte_col].decode("utf-8", "replace"))
        return self.lines.utf16_col(row, byte_col)

    def line_count(self) -> int:
        return len(self.lines.starts)

    def line_text(self, row: int) -> str:
        return self.lines.line(row)

    # ------------------------------------------------------------------------------------------
    # Loops
    # ------------------------------------------------------------------------------------------

    def _nest(self, outer: Node) -> list[Loop]:
        key = (outer.start_byte, outer.end_byte)
        got = self._loops_cache.get(key)
        if got is None:
            got = loops_in_tree(_Sub(outer, self.tree.language), self.source, self.lines)
            if len(self._loops_cache) > 256:
                self._loops_cache.clear()
            self._loops_cache[key] = got
        return got

    def _code_row(self, row: int) -> int:
        """The first line at or below ``row`` that is not an ``#pragma acc`` line (or its
        continuation): a cursor on a pragma means the loop below it."""
        n = self.line_count()
        r = row
        while r < n:
            text = self.lines.line(r)
            if is_acc_pragma(text):
                while r < n and self.lines.line(r).rstrip().endswith("\\"):
                    r += 1
                r += 1
                continue
            return r
        return row

    def loops_at(self, row: int) -> list[Loop]:
        """The loop containing line ``row`` (a pragma line means the loop below it) and the loops
        enclosing it, innermost first."""
        if row < 0 or row >= self.line_count():
            return []
        r = self._code_row(row)
        if r >= self.line_count():
            return []
        raw = self.lines.line_bytes(r)
        c0 = len(raw) - len(raw.lstrip())
        node = self.tree.root_node.descendant_for_point_range(Point(r, c0), Point(r, c0))
        chain: list[Node] = []
        while node is not None:
            if node.type in LOOP_TYPES:
                chain.append(node)
            node = node.parent
        if not chain:
            return []
        nest = self._nest(chain[-1])  # outermost loop of the nest, document order
        by_start = {(lp.start_byte, lp.end_byte): lp for lp in nest}
        out = [by_start.get((n.start_byte, n.end_byte)) for n in chain]
        return [lp for lp in out if lp is not None]

    def outermost_nodes(self) -> list[Node]:
        """The outermost ``for`` nodes of the buffer, in document order."""
        caps = QueryCursor(_loop_query(self.lang)).captures(self.tree.root_node)
        out: list[Node] = []
        for node in sorted(caps.get("loop", []), key=lambda n: n.start_byte):
            p = node.parent
            while p is not None and p.type not in LOOP_TYPES:
                p = p.parent
            if p is None:
                out.append(node)
        return out

    def nest(self, node: Node) -> list[Loop]:
        """The loops of the nest rooted at ``node`` (outermost first, document order)."""
        return self._nest(node)

    def outermost_loops(self) -> list[Loop]:
        """Every outermost ``for`` loop of the buffer (document order)."""
        out: list[Loop] = []
        for node in self.outermost_nodes():
            nest = self._nest(node)
            if nest:
                out.append(nest[0])
        return out

    def pragma_rows(self) -> list[int]:
        """0-based lines that start an ``#pragma acc`` directive."""
        src = self.source
        return [self.lines.row_of(m.start()) for m in _ACC_LINE.finditer(src)]

    def loop_below_pragma(self, row: int) -> Loop | None:
        """The loop a pragma at ``row`` labels, if any."""
        for lp in self.loops_at(row):
            if lp.pragma is not None and lp.pragma.start_line <= row <= lp.pragma.end_line:
                return lp
            return None
        return None

    def annotated_loops(self) -> list[AnnotatedLoop]:
        """The loops of the buffer that carry an ``#pragma acc`` label (style examples)."""
        out: list[AnnotatedLoop] = []
        seen: set[int] = set()
        for row in self.pragma_rows():
            lp = self.loop_below_pragma(row)
            if lp is None or lp.pragma is None or lp.start_byte in seen:
                continue
            seen.add(lp.start_byte)
            out.append(AnnotatedLoop(lp.pragma.text, lp.stripped, lp.pragma.start_line,
                                     tuple(lp.enclosing)))
        return out


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
