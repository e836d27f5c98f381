"""The :class:`Loop` record and the one walk that builds it from a tree-sitter tree.

The walk visits only the paths from the root to the loops, with one tree cursor, in document
order: between two loops the cursor climbs to their common ancestor and descends again, so every
node is entered at most once and each step costs a constant amount of Python work (plus the
scan of the lines above a loop or block, which stops at the first line of code).  Per-node
context -- loops around, enclosing OpenACC directives, function -- lives in a stack of frames;
the enclosing directives are a shared linked chain that a loop turns into a list only when it
is read, so a 5,000-deep nest costs 5,000 frames, not 12.5 million list entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tree_sitter import Node

from accellium.dataset.labels import PragmaLine, pragmas_above, split_label, strip_acc_pragmas
from accellium.dataset.lines import LineIndex

__all__ = ["Loop", "LOOP_TYPES", "walk_loops", "BLOCK_PARENTS_WITHOUT_LABEL"]

LOOP_TYPES = ("for_statement", "for_range_loop")

# A chain of enclosing directives: (the chain above, the texts this level adds).
_Chain = tuple["_Chain | None", tuple[str, ...]]


def _chain_list(chain: _Chain | None) -> list[str]:
    parts: list[tuple[str, ...]] = []
    while chain is not None:
        chain, items = chain
        parts.append(items)
    return [text for items in reversed(parts) for text in items]


class Loop:
    """One ``for`` statement of a buffer. Lines and columns are 0-based; ``line`` is 1-based.

    ``text`` (the loop's source) and ``enclosing`` (the OpenACC directives around it,
    outermost first, DESIGN §2) are computed on first use."""

    __slots__ = ("start_byte", "end_byte", "start_line", "start_col", "end_line", "end_col",
                 "start_col_utf16", "end_col_utf16", "kind", "depth", "loop_depth",
                 "perfect_depth", "indent", "index_var", "function", "pragma", "stacked",
                 "parent_index", "has_error", "parent_type", "_text", "_source", "_enclosing",
                 "_chain")

    def __init__(self, *, start_byte: int, end_byte: int, start_line: int, start_col: int,
                 end_line: int, end_col: int, start_col_utf16: int, end_col_utf16: int,
                 kind: str, depth: int, loop_depth: int, perfect_depth: int, indent: str,
                 index_var: str | None, function: str | None, pragma: PragmaLine | None,
                 text: str | None = None, source: bytes | None = None,
                 stacked: Sequence[PragmaLine] = (), enclosing: Sequence[str] | None = None,
                 parent_index: int | None = None, has_error: bool = False,
                 parent_type: str | None = None, chain: _Chain | None = None):
        self.start_byte, self.end_byte = start_byte, end_byte
        self.start_line, self.start_col = start_line, start_col  # col: bytes
        self.end_line, self.end_col = end_line, end_col
        self.start_col_utf16, self.end_col_utf16 = start_col_utf16, end_col_utf16
        self.kind = kind  # for_statement | for_range_loop
        self.depth = depth  # number of enclosing for loops (0 = outermost)
        self.loop_depth = loop_depth  # max nesting of for loops inside, this one included
        self.perfect_depth = perfect_depth  # loops in the perfect nest starting here
        self.indent = indent
        self.index_var = index_var
        self.function = function
        self.pragma = pragma  # the label: the acc directive owning this loop, if any
        self.stacked = list(stacked)  # acc directives above the label (they enclose the loop)
        self.parent_index = parent_index  # index in the result of the innermost enclosing loop
        self.has_error = has_error
        self.parent_type = parent_type  # tree-sitter type of the node holding the statement
        self._text = text
        self._source = source
        self._enclosing = list(enclosing) if enclosing is not None else None
        self._chain = chain

    @property
    def text(self) -> str:
        if self._text is None:
            src = self._source or b""
            self._text = src[self.start_byte:self.end_byte].decode("utf-8", "replace")
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value

    @property
    def enclosing(self) -> list[str]:
        if self._enclosing is None:
            self._enclosing = _chain_list(self._chain)
        return self._enclosing

    @enclosing.setter
    def enclosing(self, value: Sequence[str]) -> None:
        self._enclosing = list(value)

    @property
    def line(self) -> int:
        return self.start_line + 1

    @property
    def end_line_1(self) -> int:
        return self.end_line + 1

    @property
    def stripped(self) -> str:
        return strip_acc_pragmas(self.text)

    def contains_line(self, line0: int) -> bool:
        first = self.pragma.start_line if self.pragma else self.start_line
        return first <= line0 <= self.end_line

    def __repr__(self) -> str:
        label = self.pragma.text if self.pragma else None
        return (f"Loop(line={self.line}, end_line={self.end_line_1}, kind={self.kind!r}, "
                f"depth={self.depth}, pragma={label!r})")


# ----------------------------------------------------------------------------------------------
# Per-node facts (each bounded by the size of what it reads)
# ----------------------------------------------------------------------------------------------


def first_identifier(node: Node | None, limit: int | None = None) -> str | None:
    """The first identifier under ``node`` in document order (explicit stack, no recursion);
    ``limit``: give up (None) after visiting that many nodes."""
    stack = [node] if node is not None else []
    seen = 0
    while stack and (limit is None or seen < limit):
        n = stack.pop()
        seen += 1
        if n.type == "identifier":
            return n.text.decode("utf-8", "replace") if n.text else None
        stack.extend(reversed(n.named_children))
    return None


def index_var(loop: Node, limit: int | None = None) -> str | None:
    """The loop's index variable (``i`` of ``for (int i = 0; ...)``); ``limit`` bounds each
    identifier search (:func:`first_identifier`)."""
    if loop.type == "for_range_loop":
        return first_identifier(loop.child_by_field_name("declarator"), limit)
    init = loop.child_by_field_name("initializer")
    if init is None:
        return None
    if init.type == "declaration":
        d = init.child_by_field_name("declarator")
        if d is not None and d.type == "init_declarator":
            d = d.child_by_field_name("declarator")
        return first_identifier(d, limit)
    if init.type in {"assignment_expression", "comma_expression"}:
        return first_identifier(init.child_by_field_name("left"), limit)
    return None


def _single_inner_loop(loop: Node) -> int | None:
    """Node id of the body's only statement when that is a loop (a perfect nest), else None."""
    body = loop.child_by_field_name("body")
    if body is not None and body.type == "compound_statement":
        only = None
        for k in range(body.named_child_count):
            c = body.named_child(k)
            if c is None or c.type == "comment":
                continue
            if only is not None:
                return None
            only = c
        body = only
    return body.id if body is not None and body.type in LOOP_TYPES else None


def _function_name(fn: Node) -> str | None:
    d = fn.child_by_field_name("declarator")
    while d is not None and d.type != "function_declarator":
        nxt = d.child_by_field_name("declarator")
        if nxt is None:
            break
        d = nxt
    if d is None:
        return None
    name = d.child_by_field_name("declarator") or d
    return name.text.decode("utf-8", "replace") if name.text else None


# ----------------------------------------------------------------------------------------------
# The walk
# ----------------------------------------------------------------------------------------------

BLOCK_PARENTS_WITHOUT_LABEL = {"function_definition", "for_statement", "for_range_loop",
                               "if_statement", "while_statement", "do_statement",
                               "else_clause", "switch_statement", "case_statement",
                               "lambda_expression", "try_statement", "catch_clause"}


class _Frame:
    __slots__ = ("node_id", "type", "start", "end", "chain", "function", "loop", "depth")

    def __init__(self, node: Node, parent: _Frame | None):
        self.node_id = node.id
        self.type = node.type
        self.start, self.end = node.start_byte, node.end_byte
        # the labels around this node: (outer chain, this level's directives), linked
        self.chain: tuple[Any, tuple[str, ...]] | None = parent.chain if parent else None
        self.function: str | None = parent.function if parent else None
        # index of the innermost loop at or above
        self.loop: int | None = parent.loop if parent else None
        self.depth: int = parent.depth if parent else 0  # loops at or above this node


class _Walker:
    def __init__(self, source: bytes, lines: LineIndex, stats: dict[str, int] | None):
        self.source, self.lines = source, lines
        self.out: list[Loop] = []
        self.inner: list[int | None] = []
        self.index_of: dict[int, int] = {}
        self.label_cache: dict[int, tuple[PragmaLine | None, list[PragmaLine]]] = {}
        self.stats = stats if stats is not None else {}
        self.stats.setdefault("nodes", 0)
        self.stats.setdefault("loops", 0)

    def labels(self, start_byte: int) -> tuple[PragmaLine | None, list[PragmaLine]]:
        got = self.label_cache.get(start_byte)
        if got is None:
            row = self.lines.row_of(start_byte)
            col = start_byte - self.lines.starts[row]
            got = self.label_cache[start_byte] = split_label(pragmas_above(self.lines, row, col))
        return got

    def frame(self, node: Node, parent: _Frame | None, target: bool) -> _Frame:
        """The frame of ``node`` under ``parent``; a target loop becomes a :class:`Loop`."""
        self.stats["nodes"] += 1
        f = _Frame(node, parent)
        items: tuple[str, ...] = ()
        if f.type in LOOP_TYPES:
            if target:
                f.loop = self.make_loop(node, parent)
                lp = self.out[f.loop]
                label, stacked = lp.pragma, lp.stacked
            else:  # a loop around the walked subtree
                f.loop = None
                label, stacked = self.labels(node.start_byte)
            items = tuple(x.text for x in stacked) + ((label.text,) if label else ())
            f.depth += 1
        elif f.type == "compound_statement" and (
                parent is None or parent.type not in BLOCK_PARENTS_WITHOUT_LABEL):
            label, stacked = self.labels(node.start_byte)
            items = tuple(x.text for x in stacked) + ((label.text,) if label else ())
        elif f.type == "function_definition":
            f.function = _function_name(node)
        if items:
            f.chain = (f.chain, items)
        return f

    def make_loop(self, node: Node, parent: _Frame | None) -> int:
        lines = self.lines
        start, end = node.start_byte, node.end_byte
        sr = lines.row_of(start)
        sc = start - lines.starts[sr]
        er = lines.row_of(end)
        ec = end - lines.starts[er]
        label, stacked = self.labels(start)
        chain = parent.chain if parent else None
        if stacked:
            chain = (chain, tuple(x.text for x in stacked))
        lp = Loop(
            start_byte=start, end_byte=end, start_line=sr, start_col=sc, end_line=er, end_col=ec,
            start_col_utf16=lines.utf16_col(sr, sc), end_col_utf16=lines.utf16_col(er, ec),
            kind=node.type, depth=parent.depth if parent else 0, loop_depth=1, perfect_depth=1,
            indent=lines.indent(sr), index_var=index_var(node),
            function=parent.function if parent else None, pragma=label, stacked=stacked,
            parent_index=parent.loop if parent else None, has_error=node.has_error,
            parent_type=parent.type if parent else None, source=self.source, chain=chain,
        )
        self.index_of[node.id] = len(self.out)
        self.out.append(lp)
        self.inner.append(_single_inner_loop(node))
        self.stats["loops"] += 1
        return len(self.out) - 1

    def finish(self) -> list[Loop]:
        out = self.out
        # Children come after their parent in document order: fill depths bottom-up.
        for i in range(len(out) - 1, -1, -1):
            lp = out[i]
            inner = self.inner[i]
            j = self.index_of.get(inner) if inner is not None else None
            lp.perfect_depth = out[j].perfect_depth + 1 if j is not None else 1
            if lp.parent_index is not None:
                parent = out[lp.parent_index]
                parent.loop_depth = max(parent.loop_depth, lp.loop_depth + 1)
        return out


def walk_loops(root: Node, targets: list[Node], source: bytes, lines: LineIndex,
               stats: dict[str, int] | None = None) -> list[Loop]:
    """:class:`Loop` objects for ``targets`` (loop nodes under ``root``, in document order)."""
    w = _Walker(source, lines, stats)
    # Context above ``root`` when it is not the tree's root (one parent walk, once).
    above: list[Node] = []
    p = root.parent
    while p is not None:
        above.append(p)
        p = p.parent
    pf: _Frame | None = None
    for a in reversed(above):
        pf = w.frame(a, pf, target=False)
    root_is_target = bool(targets) and targets[0].id == root.id
    path = [w.frame(root, pf, target=root_is_target)]
    cursor = root.walk()
    for t in targets[1 if root_is_target else 0:]:
        s, e = t.start_byte, t.end_byte
        while len(path) > 1 and not (path[-1].start <= s and e <= path[-1].end):
            cursor.goto_parent()
            path.pop()
        while path[-1].node_id != t.id:
            if cursor.goto_first_child_for_byte(s) is None:
                break
            node = cursor.node
            if node is None or node.start_byte > s:
                cursor.goto_parent()
                break
            path.append(w.frame(node, path[-1], target=node.id == t.id))
        else:
            continue
        w.make_loop(t, path[-1])  # not reached by the cursor (never seen): nearest context
    return w.finish()
