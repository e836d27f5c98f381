"""Atomic updates that let a loop run in parallel: a histogram (``h[b]++``), a scatter-add
(``centers[index][j] += x[i][j]``).

Two iterations that update one element of an array race, unless each update is atomic: an
``atomic update`` reads, changes and writes its element as one step (OpenACC 3.3, 2.12), so the
updates of all iterations happen one after the other in some order, and an order-independent
update (``+``, ``*``, ``&``, ``|``, ``^``, ``min``/``max`` through ``+=`` and kin) leaves the
same result as the sequential loop, up to floating-point rounding.  The statements that can be
atomic here are the update forms of 2.12 — ``x++``, ``x--``, ``++x``, ``--x``, ``x binop= e``,
``x = x binop e``, ``x = e binop x`` — whose operation the analysis reads as commutative
(:func:`~accellium.dataset.analysis.reductions.element_update`), with ``x`` an element of an
array whose subscript the loop computes (a name the loop assigns, an element it reads, a call)
or that folds many values of the indices onto one element (``x % k``, ``x / 10``): an affine subscript of the indices alone
needs no atomic (each iteration its own element, or a dependence an atomic does not remove).
``e`` must not name ``x``'s array (2.12: ``e`` does not access ``x``'s storage).  Only a
statement on a line of its own, in a block or the body of a loop or an ``if``, gets the
directive line above it (the construct is the directive with its statement).

Whether the atomics make the loop parallel is the analysis's decision, not this module's: the
planner asks the per-loop engine again about the loop with the lines in place, and the
analysis exempts only overlaps of two atomic accesses of one element expression; any other
access of the array (a plain read of the bins) still keeps the loop on the host.
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.reductions import element_update
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import (
    iter_nodes,
    mentions,
    norm,
    op,
    subscripts,
    text,
    unparen,
)
from accellium.dataset.lines import LineIndex
from accellium.dataset.offload.uses import assignments

__all__ = ["ATOMIC_LINE", "atomic_updates", "with_atomic_lines"]

ATOMIC_LINE = "#pragma acc atomic update"
_COMPOUND = frozenset({"+=", "-=", "*=", "/=", "&=", "|=", "^=", "<<=", ">>="})
_BINARY = frozenset({"+", "-", "*", "/", "&", "|", "^", "<<", ">>"})
#: integer operators that map many values of their operands onto one
_FOLDING = frozenset({"%", "/", "&", "|", "^", ">>", "<<"})
#: statements whose parts a directive line may precede (a block's, a loop's or an `if`'s body)
_BODIES = frozenset({"compound_statement", "for_statement", "while_statement", "do_statement",
                     "if_statement", "else_clause"})


def _target(stmt: Node) -> tuple[Node, Node | None] | None:
    """(``x``, ``e``) of an expression statement in one of the update forms (``e`` None for
    ``x++`` and kin); None for any other statement."""
    if stmt.type != "expression_statement" or stmt.named_child_count != 1:
        return None
    ex = unparen(stmt.named_children[0])
    if ex is None:
        return None
    if ex.type == "update_expression":
        arg = unparen(_field(ex, "argument"))
        return (arg, None) if arg is not None else None
    if ex.type != "assignment_expression":
        return None
    left, right = unparen(_field(ex, "left")), unparen(_field(ex, "right"))
    if left is None or right is None:
        return None
    if op(ex) in _COMPOUND:
        return left, right
    if op(ex) != "=" or right.type != "binary_expression" or op(right) not in _BINARY:
        return None
    a, b = unparen(_field(right, "left")), unparen(_field(right, "right"))
    same = text(left).split()
    if a is not None and text(a).split() == same:
        return left, b
    if b is not None and text(b).split() == same:
        return left, a
    return None


def _computed(subs: list[Node], assigned: set[str]) -> bool:
    """Does a subscript depend on what the loop computes (a name it assigns, an element it
    reads, a call), or fold many values of the indices onto one (``x % k``, ``x / 10``, a
    mask or a shift: integer operations that are not one-to-one)?"""
    for s in subs:
        for n in iter_nodes(s):
            if n.type in ("subscript_expression", "call_expression", "pointer_expression"):
                return True
            if n.type == "identifier" and text(n) in assigned:
                return True
            if n.type == "binary_expression" and op(n) in _FOLDING:
                return True
    return False


def atomic_updates(loop: Node, lines: LineIndex, indices: set[str]) -> list[Node]:
    """The statements of ``loop`` (a ``for`` statement) that an ``atomic update`` line above
    can make atomic (module doc); ``indices``: the loop indices of the nest, whose values the
    headers give (a subscript of them alone is not computed)."""
    names = assignments(loop)
    assigned = (set(names.count) | set(names.declared)) - indices
    out: list[Node] = []
    for stmt in iter_nodes(loop):
        got = _target(stmt)
        if got is None:
            continue
        x, e = got
        if x.type != "subscript_expression":
            continue
        base, subs = subscripts(x)
        if base is None or base.type != "identifier" or not subs:
            continue
        if e is not None and mentions(e, text(base)):
            continue
        if element_update(norm(text(x)), stmt) is None:
            continue  # not commutative (`h[b] /= 2`, `h[b] = e - h[b]`): the order matters
        if not _computed(subs, assigned):
            continue
        parent = stmt.parent
        row, col = stmt.start_point
        if parent is None or parent.type not in _BODIES:
            continue
        if not lines.starts_line(row, col) or stmt.end_point[0] != row:
            continue
        if row > 0 and lines.line(row - 1).strip().startswith("#"):
            continue  # a directive (or a macro line) above it already
        out.append(stmt)
    return out


def with_atomic_lines(source: bytes, lines: LineIndex, stmts: list[Node]) -> bytes:
    """``source`` with an ``atomic update`` line (the statement's indentation, the line break
    of its line) above each statement of ``stmts``."""
    out = source
    for row in sorted({s.start_point[0] for s in stmts}, reverse=True):
        start, _ = lines.line_span(row)
        line = (lines.indent(row) + ATOMIC_LINE).encode() + (lines.eol(row) or b"\n")
        out = out[:start] + line + out[start:]
    return out
