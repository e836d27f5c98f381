"""Guards: the index values for which a guarded subscript is evaluated.

The fact of C this module encodes: an access under a condition happens only for the indices
where the condition holds.  C evaluates the first branch of ``c ? y : z``, the body of
``if (c)`` and the right operand of ``c && e`` only when ``c`` is true, and the second branch,
the ``else`` body and the right operand of ``c || e`` only when ``c`` is false (C11 6.5.13,
6.5.14, 6.5.15, 6.8.4.1).  So when ``c`` compares a loop index with an expression, the
subscripts evaluated there take only the index values where ``c`` (or its negation) holds:

- ``i > e`` means ``i >= e + 1`` and ``i < e`` means ``i <= e - 1`` (integers); ``i >= e`` and
  ``i <= e`` bound the index as they are; ``e < i`` and kin are the same comparisons mirrored;
- ``i == e`` pins the index to ``e``;
- ``i != e`` narrows the range only at a boundary: when ``e`` is the index's first value the
  index is at least ``e + 1``, when it is the last value at most ``e - 1``;
- ``a && b`` holds when both hold; ``!(a || b)`` when neither does; ``!c`` flips ``c``.

A statement that leaves its block is a guard too: after ``if (c) continue;`` (or ``break``,
``return``, or a braced body ending in one) the rest of the block runs only where ``c`` is
false — control never falls out of the ``if``'s body (C11 6.8.6: a jump statement transfers
control unconditionally), so the statements after it are reached from the ``if`` only with
``c`` false.  A label among them (C11 6.8.1) may be reached by a ``goto`` from elsewhere: from
a label on, the earlier such guards no longer hold.

The narrowed range replaces the loop's range before the smallest and largest subscript are
taken (``int up = i > 0 ? c - cols : c`` with ``c = i*cols + j`` reaches ``0`` at least, not
``-cols``).  A guard that is none of these forms narrows nothing: the subscript keeps the
loop's whole range, a superset of what it reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.nodes import JUMPS, block_items

__all__ = ["Env", "Limits", "Offset", "implied", "side_bounds", "narrow", "eliminate", "guards_of", "refine"]

Limits = tuple[tuple[poly.Poly, ...], tuple[poly.Poly, ...]]  # (index >= each, index <= each)
MAX_CANDIDATES = 12
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class Env(dict):
    """Bounds of names (``name -> Bounds``) that also knows the range of a loop index at a
    node (``index_range(node, name)``: the range of the innermost loop around ``node`` whose
    index is ``name``, or None)."""

    def __init__(self, known: dict, index_range: Callable[[Node, str], Limits | None] | None):
        super().__init__(known)
        self.index_range = index_range


@dataclass(frozen=True)
class Offset:
    """The other side of a comparison after :func:`implied` moved a constant across it: the
    value of ``node`` plus ``by`` (``i + 1 < n`` is ``i < n - 1``: ``node`` is ``n``, ``by``
    is -1); ``node`` None: the constant ``by`` (``if (i)`` is ``i != 0``, C11 6.8.4.1p2)."""

    node: Node | None
    by: int


@dataclass(frozen=True)
class _Side:
    """Bounds of the other side, as :func:`narrow` reads them."""

    lo: tuple[poly.Poly, ...]
    hi: tuple[poly.Poly, ...]

    @property
    def exact(self) -> poly.Poly | None:
        return self.lo[0] if len(self.lo) == 1 and self.lo == self.hi else None


def side_bounds(other: Node | Offset, env, bounds_of):
    """The bounds of the other side of a comparison :func:`implied` returned (``bounds_of``:
    the bounds of an expression node in ``env``; None: unknown)."""
    if not isinstance(other, Offset):
        return bounds_of(other, env)
    by = poly.const(other.by)
    if other.node is None:
        return _Side((by,), (by,))
    b = bounds_of(other.node, env)
    if b is None:
        return None
    return _Side(tuple(poly.add(x, by) for x in b.lo), tuple(poly.add(x, by) for x in b.hi))


def _plus_constant(n: Node | None) -> tuple[Node, int] | None:
    """``i + k`` or ``k + i`` (``k`` a non-negative decimal literal) as (``i``, ``k``): an
    index plus a constant, which :func:`implied` moves to the other side (exact for the
    values a loop bounded by the other side gives the index: no overflow there)."""
    n = unparen(n)
    if n is None or n.type != "binary_expression" or op(n) != "+":
        return None
    left, right = unparen(_field(n, "left")), unparen(_field(n, "right"))
    for a, b in ((left, right), (right, left)):
        if a is not None and b is not None and a.type == "identifier" and \
                b.type == "number_literal" and text(b).isdigit():
            return a, int(text(b))
    return None


def implied(cond: Node | None, holds: bool, truth: bool = True
            ) -> list[tuple[str, str, Node | Offset]]:
    """``(name, operator, other side)`` comparisons that hold when ``cond`` is ``holds``,
    the name on the left (``0 < i`` is ``i > 0``; ``i + 1 < n`` is ``i < n - 1``).  With
    ``truth``, a name tested alone (``if (i)``) is compared with 0: a scalar condition holds
    when it compares unequal to 0 (C11 6.8.4.1p2, 6.5.13p3, 6.5.15p4)."""
    c = unparen(cond)
    if c is None:
        return []
    if c.type == "unary_expression" and op(c) == "!":
        return implied(_field(c, "argument"), not holds, truth)
    if c.type == "identifier":
        return [(text(c), "!=" if holds else "==", Offset(None, 0))] if truth else []
    if c.type != "binary_expression":
        return []
    o = op(c)
    left, right = _field(c, "left"), _field(c, "right")
    if (o == "&&" and holds) or (o == "||" and not holds):
        return implied(left, holds, truth) + implied(right, holds, truth)
    if o not in _NEGATE or left is None or right is None:
        return []
    if not holds:
        o = _NEGATE[o]
    lu, ru = unparen(left), unparen(right)
    out: list[tuple[str, str, Node | Offset]] = []
    if lu is not None and lu.type == "identifier":
        out.append((text(lu), o, right))
    if ru is not None and ru.type == "identifier":
        out.append((text(ru), _MIRROR[o], left))
    for mine, other, o2 in ((left, right, o), (right, left, _MIRROR[o])):
        got = _plus_constant(mine)
        if got is not None:
            out.append((text(got[0]), o2, Offset(other, -got[1])))
    return out


def narrow(limits: Limits, o: str, other) -> Limits:
    """The index's limits once ``index o other`` holds (``other``: the other side's bounds)."""
    lo, hi = list(limits[0]), list(limits[1])
    one = poly.const(1)
    if o in ("<", "<=", "=="):
        hi += [poly.sub(h, one) if o == "<" else h for h in other.hi]
    if o in (">", ">=", "=="):
        lo += [poly.add(x, one) if o == ">" else x for x in other.lo]
    e = other.exact
    if o == "!=" and e is not None:
        if any(poly.compare(e, x) == 0 for x in limits[0]):
            lo.append(poly.add(e, one))
        if any(poly.compare(e, x) == 0 for x in limits[1]):
            hi.append(poly.sub(e, one))
    return tuple(lo[:MAX_CANDIDATES]), tuple(hi[:MAX_CANDIDATES])


def guards_of(at: Node, top: Node, leaving: bool = False) -> list[tuple[Node, bool]]:
    """The conditions around ``at`` up to ``top`` under which it is evaluated, each with the
    truth value it has there (``if``/``else``, ``?:``, ``&&``, ``||``); with ``leaving``, also
    those of an earlier ``if`` of a block around ``at`` that leaves the block (false there).
    The ranges of subscripts read them all; the callers that ask whether a store runs on every
    path (covering writes, pushes, calls) follow the jumps themselves
    (:mod:`.branches`, :mod:`.cover`) and ask without."""
    out: list[tuple[Node, bool]] = []
    child, p = at, at.parent
    while p is not None:
        t = p.type
        if t in ("if_statement", "conditional_expression"):
            cond = _field(p, "condition")
            yes, no = _field(p, "consequence"), _field(p, "alternative")
            if cond is not None and yes is not None and _inside(child, yes):
                out.append((cond, True))
            elif cond is not None and no is not None and _inside(child, no):
                out.append((cond, False))
        elif t == "binary_expression" and op(p) in ("&&", "||"):
            left, right = _field(p, "left"), _field(p, "right")
            if left is not None and right is not None and _inside(child, right):
                out.append((left, op(p) == "&&"))
        elif t == "compound_statement" and leaving:
            out.extend(_left_before(p, child))
        if p.id == top.id:
            break
        child, p = p, p.parent
    return out


# the jumps that leave a block for a place before none of its later statements (a `goto` may
# land among them)
_LEAVING = tuple(j for j in JUMPS if j != "goto_statement")


def _always_leaves(stmt: Node | None) -> bool:
    """Does control never fall out of ``stmt``: a ``continue``, ``break`` or ``return``, or a
    block whose last statement is one (C11 6.8.6)?"""
    while stmt is not None and stmt.type == "compound_statement":
        items = block_items(stmt)
        stmt = items[-1] if items else None
    return stmt is not None and stmt.type in _LEAVING


def _left_before(block: Node, child: Node) -> list[tuple[Node, bool]]:
    """The conditions false wherever ``child``, a statement of ``block``, runs because an
    earlier ``if (c)`` of the block leaves it (no label between them or on ``child``)."""
    out: list[tuple[Node, bool]] = []
    for s in block.named_children:
        if s.type == "labeled_statement":
            out = []
        if s.id == child.id:
            return out
        if s.type == "if_statement" and _always_leaves(_field(s, "consequence")):
            cond = _field(s, "condition")
            if cond is not None:
                out.append((cond, False))
    return []


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def eliminate(ps: tuple[poly.Poly, ...], var: str, limits: Limits, smallest: bool,
              mins: Mapping[str, int] | None = None) -> tuple[poly.Poly, ...]:
    """Bounds without ``var`` when ``var`` lies within ``limits``: a lower bound increasing in
    ``var`` holds at each of its lower limits, one decreasing at each upper limit (the other way
    round for upper bounds).  A bound whose direction the signs do not tell is dropped (the
    others still hold).  The direction is the sign of ``var``'s coefficient with names taken
    as non-negative or, given ``mins`` (:class:`poly.Minimums`), at least their minimums:
    ``(1 - m)*j`` decreases in ``j`` where ``m >= 2``."""
    out: list[poly.Poly] = []
    for p in ps:
        parts = poly.split(p, var)
        if parts is None:
            continue
        c, _ = parts
        if not c:
            out.append(p)
            continue
        if poly.nonneg(c):
            at = limits[0] if smallest else limits[1]
        elif poly.nonneg(poly.neg(c)):
            at = limits[1] if smallest else limits[0]
        elif mins is not None and poly.at_least_one(c, mins):
            at = limits[0] if smallest else limits[1]
        elif mins is not None and poly.at_least_one(poly.neg(c), mins):
            at = limits[1] if smallest else limits[0]
        else:
            continue
        for v in at:
            q = poly.subst(p, var, v)
            if q is not None and q not in out:
                out.append(q)
    return tuple(out[:MAX_CANDIDATES])


def refine(own, cond: Node | None, holds: bool, env, bounds_of, made):
    """``own`` (the bounds of a branch evaluated when ``cond`` is ``holds``) with, for every
    loop index the condition bounds, candidates that hold over the narrowed range (the index
    eliminated); ``own``'s candidates stay (both are valid, the caller keeps the tightest)."""
    ranges = getattr(env, "index_range", None)
    if own is None or cond is None or ranges is None:
        return own
    lo, hi = list(own.lo), list(own.hi)
    for name, o, other in implied(cond, holds):
        limits = ranges(cond, name)
        ob = side_bounds(other, env, bounds_of) if limits is not None else None
        if limits is None or ob is None:
            continue
        limits = narrow(limits, o, ob)
        lo += [p for p in eliminate(tuple(lo), name, limits, True) if p not in lo]
        hi += [p for p in eliminate(tuple(hi), name, limits, False) if p not in hi]
    return made(lo, hi)


def conditional_locals(tops: list[Node]) -> set[str]:
    """The locals declared under ``tops`` whose value a condition chooses (``?:`` in their
    initialiser, or another such local)."""
    values: list[tuple[str, Node]] = []
    for t in tops:
        for n in iter_nodes(t):
            if n.type == "init_declarator":
                d, v = _field(n, "declarator"), _field(n, "value")
                if d is not None and v is not None and d.type == "identifier":
                    values.append((text(d), v))
    out: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, v in values:
            if name not in out and any(
                    x.type == "conditional_expression" or
                    (x.type == "identifier" and text(x) in out) for x in iter_nodes(v)):
                out.add(name)
                changed = True
    return out


def conditional(sub: Node | int, at: Node, top: Node, loops: list[Node], names: set[str]
                ) -> bool:
    """Is the use ``at`` evaluated only under a condition on a variable (``i > 0``: how C
    code keeps a boundary access inside its array; a test of data, ``a[i] == b[j]``, does not
    select indices), or do its subscript or the headers of ``loops`` (those between it and
    ``top``) take a value chosen by a condition (``?:``, or a local of ``names``)?  Otherwise
    the smallest element of its span is one the program itself reaches."""
    if any(implied(c, holds, truth=False) for c, holds in guards_of(at, top)):
        return True
    parts = [sub] if isinstance(sub, Node) else []
    for loop in loops:
        parts += [c for c in (_field(loop, "initializer"), _field(loop, "condition"))
                  if c is not None]
    return any(n.type == "conditional_expression" or
               (n.type == "identifier" and text(n) in names)
               for part in parts for n in iter_nodes(part))
