"""Loops of a parsed buffer in time linear in its size, without recursion.

:func:`accellium.dataset.loops.loops_in_tree` builds every loop of a tree and walks each loop's
ancestors with ``Node.parent`` (itself a descent from the root in tree-sitter), which is cubic
in the nesting depth.  The language server needs a few loops at a time (the loop at the cursor
and its enclosing loops, the outermost loops, the loops under ``#pragma acc`` lines), so it
builds :class:`~accellium.dataset.loops.Loop` objects here from root-to-node paths found with
one tree cursor:

* :func:`path_to_byte` descends from the root to the deepest node holding a byte;
* :func:`paths_to` visits many nodes in document order in one sweep (each sibling is passed
  once, so the whole sweep is linear);
* :func:`loops_starting_at` finds, in one sweep, the loops that start at given offsets;
* :func:`loop_nodes` walks a subtree for its loops (tree-sitter's query cursor slows down
  sharply on nests deeper than 32,768, a cursor walk does not);
* :class:`LoopTable` nests loop nodes by their byte ranges (a stack) for ``depth``,
  ``loop_depth`` and ``perfect_depth``;
* :class:`LoopBuilder` fills in a :class:`Loop` with the one label/enclosing model of
  ``dataset.loops`` (``pragmas_above`` and its label split).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tree_sitter import Node, Tree, TreeCursor

from accellium.dataset.loop_walk import BLOCK_PARENTS_WITHOUT_LABEL, index_var
from accellium.dataset.loops import (
    LOOP_TYPES,
    LineIndex,
    Loop,
    PragmaLine,
    pragmas_above,
    split_label,
)

__all__ = ["path_to_byte", "paths_to", "loops_starting_at", "loop_nodes", "LoopTable",
           "LoopBuilder", "Cancelled"]

MAX_IDENTIFIER_SEARCH = 10_000  # nodes looked at for a loop's index variable


class Cancelled(Exception):
    """The work was for a document version that is gone, or its request was cancelled."""


def _contains(node: Node, start: int, end: int) -> bool:
    """Does ``node`` hold ``start..end`` (a point when ``start == end``)?"""
    if start == end:
        return node.start_byte <= start < node.end_byte
    return node.start_byte <= start and end <= node.end_byte


def _at(cur: TreeCursor) -> Node:
    """The cursor's node (a cursor made from a tree or a node always has one)."""
    node = cur.node
    assert node is not None
    return node


def path_to_byte(tree: Tree, byte: int) -> list[Node]:
    """The nodes from the root down to the deepest one with ``start <= byte < end``."""
    cur = tree.walk()
    path = [_at(cur)]
    while cur.goto_first_child_for_byte(byte) is not None:
        node = _at(cur)
        if node.start_byte > byte:
            break
        path.append(node)
    return path


class _Sweep:
    """A tree cursor and its root-to-node path, moved forward through the tree."""

    def __init__(self, tree: Tree):
        self.cur = tree.walk()
        self.path = [_at(self.cur)]

    def climb(self, start: int, end: int) -> None:
        """Up to the lowest node on the path that holds ``start..end``, moving along
        siblings where the parent holds it (so each sibling is passed once in a sweep)."""
        cur, path = self.cur, self.path
        while len(path) > 1 and not _contains(path[-1], start, end):
            if _contains(path[-2], start, end):
                while cur.goto_next_sibling():
                    path[-1] = _at(cur)
                    if _contains(path[-1], start, end) or path[-1].start_byte > start:
                        break
                if _contains(path[-1], start, end):
                    return
            cur.goto_parent()
            path.pop()

    def descend(self, start: int, end: int, stop: Node | None = None) -> None:
        """Down to the deepest node that holds ``start..end`` (or to ``stop``)."""
        cur, path = self.cur, self.path
        while (stop is None or path[-1] != stop) and \
                cur.goto_first_child_for_byte(start) is not None:
            node = _at(cur)
            if not _contains(node, start, end):
                cur.goto_parent()
                return
            path.append(node)


def paths_to(tree: Tree, targets: list[Node],
             check: Callable[[], None] | None = None) -> Iterator[tuple[Node, list[Node]]]:
    """``(target, ancestors root first)`` for each target (nodes of ``tree`` sorted by start
    byte, outer before inner), in one forward sweep."""
    sweep = _Sweep(tree)
    for k, t in enumerate(targets):
        if check is not None and k % 256 == 0:
            check()
        sweep.climb(t.start_byte, t.end_byte)
        sweep.descend(t.start_byte, t.end_byte, stop=t)
        if sweep.path[-1] == t:
            yield t, sweep.path[:-1]


def loops_starting_at(tree: Tree, offsets: list[int],
                      check: Callable[[], None] | None = None
                      ) -> Iterator[tuple[int, Node, list[Node]]]:
    """``(offset, loop, ancestors)`` for each offset (sorted) where a loop starts, in one
    forward sweep."""
    sweep = _Sweep(tree)
    for k, b in enumerate(offsets):
        if check is not None and k % 256 == 0:
            check()
        sweep.climb(b, b)
        sweep.descend(b, b)
        path = sweep.path
        for i in range(len(path) - 1, -1, -1):
            if path[i].type in LOOP_TYPES:
                if path[i].start_byte == b:
                    yield b, path[i], path[:i]
                break


def loop_nodes(root: Node, outermost_only: bool = False,
               check: Callable[[], None] | None = None) -> list[Node]:
    """The loop nodes under ``root`` (itself included) in document order, outer before inner;
    only those not inside another loop when ``outermost_only``.  Iterative: a cursor walk."""
    out: list[Node] = []
    cur = root.walk()
    seen = 0
    while True:
        node = _at(cur)
        seen += 1
        if check is not None and seen % 4096 == 0:
            check()
        is_loop = node.type in LOOP_TYPES
        if is_loop:
            out.append(node)
        if not (is_loop and outermost_only) and cur.goto_first_child():
            continue
        while not cur.goto_next_sibling():
            if not cur.goto_parent():
                return out


def _statements(body: Node | None) -> list[Node]:
    """The statements of a loop body (a block's, comments left out, or the one statement)."""
    if body is None:
        return []
    if body.type == "compound_statement":
        return [c for c in body.named_children if c.type != "comment"]
    return [body]


class LoopTable:
    """Loop nodes in document order (outer before inner), nested by byte range:
    ``parent[i]`` (index or -1), ``depth[i]`` (enclosing loops in the table),
    ``loop_depth[i]`` and ``perfect_depth[i]`` as :class:`Loop` defines them."""

    def __init__(self, nodes: list[Node]):
        self.nodes = nodes
        self.by_start = {n.start_byte: i for i, n in enumerate(nodes)}
        self.parent = [-1] * len(nodes)
        self.depth = [0] * len(nodes)
        stack: list[int] = []
        for i, n in enumerate(nodes):
            while stack and nodes[stack[-1]].end_byte <= n.start_byte:
                stack.pop()
            if stack:
                self.parent[i] = stack[-1]
                self.depth[i] = self.depth[stack[-1]] + 1
            stack.append(i)
        self.loop_depth = [1] * len(nodes)
        self.perfect_depth = [1] * len(nodes)
        for i in range(len(nodes) - 1, -1, -1):
            p = self.parent[i]
            if p >= 0:
                self.loop_depth[p] = max(self.loop_depth[p], self.loop_depth[i] + 1)
            inner = _statements(nodes[i].child_by_field_name("body"))
            if len(inner) == 1 and inner[0].type in LOOP_TYPES:
                j = self.by_start.get(inner[0].start_byte)
                if j is not None and j > i:
                    self.perfect_depth[i] = 1 + self.perfect_depth[j]

    def index(self, node: Node) -> int | None:
        i = self.by_start.get(node.start_byte)
        return i if i is not None and self.nodes[i] == node else None


def function_name(ancestors: list[Node]) -> str | None:
    """The name of the innermost function definition among ``ancestors``."""
    for p in reversed(ancestors):
        if p.type != "function_definition":
            continue
        d = p.child_by_field_name("declarator")
        while d is not None and d.type != "function_declarator":
            nxt = d.child_by_field_name("declarator")
            if nxt is None:
                break
            d = nxt
        if d is None:
            return None
        name = d.child_by_field_name("declarator") or d
        return name.text.decode("utf-8", "replace") if name.text else None
    return None


class LoopBuilder:
    """:class:`Loop` objects of one buffer, labels looked up once per statement start."""

    def __init__(self, source: bytes, lines: LineIndex):
        self.source = source
        self.lines = lines
        self._labels: dict[tuple[int, int], tuple[PragmaLine | None, list[PragmaLine]]] = {}

    def _plainly_unlabelled(self, row: int, col: int) -> bool:
        """True when the line above the statement at (row, col) is plain code, or code
        precedes it on its line, so it has no pragma above it (the first step of
        ``pragmas_above``, without decoding a line)."""
        line = self.lines.line_bytes
        if row == 0 or line(row)[:col].strip():
            return True
        prev = line(row - 1).strip()
        return bool(prev) and not prev.startswith((b"#", b"/", b"*")) and \
            not prev.endswith(b"*/") and not (row >= 2 and line(row - 2).rstrip().endswith(b"\\"))

    def labels(self, row: int, col: int) -> tuple[PragmaLine | None, list[PragmaLine]]:
        key = (row, col)
        got = self._labels.get(key)
        if got is None:
            if self._plainly_unlabelled(row, col):
                got = (None, [])
            else:
                got = split_label(pragmas_above(self.lines, row, col))
            self._labels[key] = got
        return got

    def _carried(self, node: Node, parent: Node | None) -> list[str]:
        """The directives ``node`` hands down to the statements inside it."""
        if node.type in LOOP_TYPES or (node.type == "compound_statement" and (
                parent is None or parent.type not in BLOCK_PARENTS_WITHOUT_LABEL)):
            label, stacked = self.labels(*node.start_point)
            return [x.text for x in stacked] + ([label.text] if label is not None else [])
        return []

    def enclosing(self, ancestors: list[Node]) -> list[str]:
        """The directives the ancestors carry, outermost first (DESIGN §2)."""
        out: list[str] = []
        for k, a in enumerate(ancestors):
            out.extend(self._carried(a, ancestors[k - 1] if k else None))
        return out

    def chain(self, path: list[Node], ks: list[int], table: LoopTable | None = None
              ) -> list[Loop]:
        """The loops ``path[k]`` for ``k`` in ``ks`` (ancestors: ``path[:k]``), in one pass
        over the path."""
        want = set(ks)
        out: dict[int, Loop] = {}
        acc: list[str] = []
        depth = 0
        for k, node in enumerate(path):
            if k in want:
                out[k] = self.build(node, path[:k], table, enclosing=list(acc), depth=depth)
            acc.extend(self._carried(node, path[k - 1] if k else None))
            depth += node.type in LOOP_TYPES
        return [out[k] for k in ks]

    def build(self, node: Node, ancestors: list[Node], table: LoopTable | None = None,
              enclosing: list[str] | None = None, depth: int | None = None) -> Loop:
        sr, sc = node.start_point
        er, ec = node.end_point
        label, stacked = self.labels(sr, sc)
        if enclosing is None:
            enclosing = self.enclosing(ancestors)
        i = table.index(node) if table is not None else None
        first_line = self.lines.line(sr)
        return Loop(
            start_byte=node.start_byte, end_byte=node.end_byte,
            start_line=sr, start_col=sc, end_line=er, end_col=ec,
            start_col_utf16=self.lines.utf16_col(sr, sc),
            end_col_utf16=self.lines.utf16_col(er, ec),
            kind=node.type,
            depth=depth if depth is not None else sum(a.type in LOOP_TYPES for a in ancestors),
            loop_depth=table.loop_depth[i] if table is not None and i is not None else 1,
            perfect_depth=table.perfect_depth[i] if table is not None and i is not None else 1,
            text=self.source[node.start_byte:node.end_byte].decode("utf-8", "replace"),
            indent=first_line[:len(first_line) - len(first_line.lstrip(" \t"))],
            index_var=index_var(node, MAX_IDENTIFIER_SEARCH),
            function=function_name(ancestors),
            pragma=label,
            stacked=stacked,
            enclosing=[*enclosing, *(x.text for x in stacked)],
            parent_index=None,
            has_error=node.has_error,
        )
