"""A canonical ``for`` loop's index and the range it runs over, read from its header, and the
smallest values the names of a section take (sizes and the indices of enclosing loops)."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.tree import (
    LOOP_TYPES,
    ancestors,
    kept_with_tree,
    op,
    root_of,
    text,
    unparen,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.offload import poly
from accellium.dataset.offload.bounds import Bounds, bounds_of
from accellium.dataset.offload.uses import assignments

__all__ = ["LoopRange", "loop_range", "plain_range", "loops_between", "loop_var",
           "enclosing_minimum", "size_minimum", "start_minimum", "INT_MIN"]

INT_MIN = poly.INT_MIN


@dataclass(frozen=True)
class LoopRange:
    var: str
    lo: tuple[poly.Poly, ...]  # the index is >= each
    hi: tuple[poly.Poly, ...]  # the index is <= each (inclusive)
    unit: bool  # step +1 or -1: every value in between is taken


def step_of(update: Node | None, var: str) -> int | None:
    """+1/-1 for ``i++``/``i--`` (and ``+= 1``), +2 for other positive steps, -2 for other
    negative ones, None when the update is not a step of ``var``."""
    u = unparen(update)
    if u is None:
        return None
    if u.type == "update_expression" and text(unparen(_field(u, "argument"))) == var:
        return 1 if "++" in text(u) else -1
    if u.type != "assignment_expression" or text(unparen(_field(u, "left"))) != var:
        return None
    o = op(u)
    right = unparen(_field(u, "right"))
    if o in ("+=", "-="):
        k = poly.poly_of(right)
        if k is None or not poly.is_const(k) or not k:
            return None
        c = k[()] if o == "+=" else -k[()]
    elif o == "=" and right is not None and right.type == "binary_expression" and \
            op(right) in "+-" and text(unparen(_field(right, "left"))) == var:
        k = poly.poly_of(_field(right, "right"))
        if k is None or not poly.is_const(k) or not k:
            return None
        c = k[()] if op(right) == "+" else -k[()]
    else:
        return None
    return c if abs(c) == 1 else (2 if c > 0 else -2)


def loop_init(loop: Node) -> tuple[str | None, Node | None]:
    init = _field(loop, "initializer")
    if init is None:
        return None, None
    if init.type == "declaration":
        d = _field(init, "declarator")
        if d is not None and d.type == "init_declarator":
            return text(_field(d, "declarator")), _field(d, "value")
        return None, None
    if init.type == "assignment_expression" and op(init) == "=":
        return text(unparen(_field(init, "left"))), _field(init, "right")
    return None, None


def loop_bound(cond: Node | None, var: str, up: bool) -> tuple[Node | None, int]:
    """(the bound's node, the adjustment to make it inclusive) of ``var < b`` and kin."""
    c = unparen(cond)
    if c is None or c.type != "binary_expression":
        return None, 0
    o, left, right = op(c), unparen(_field(c, "left")), unparen(_field(c, "right"))
    if text(right) == var and left is not None:
        o = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "!=": "!="}.get(o, "")
        left, right = right, left
    if text(left) != var:
        return None, 0
    table = {"<": -1, "<=": 0, "!=": -1} if up else {">": 1, ">=": 0, "!=": 1}
    if o not in table:
        return None, 0
    return right, table[o]


def _shifted(ps: tuple[poly.Poly, ...], k: int) -> tuple[poly.Poly, ...]:
    return tuple(poly.add(p, poly.const(k)) for p in ps)


def loop_range(loop: Node, env: dict[str, Bounds]) -> LoopRange | None:
    """The index and its inclusive range in a canonical ``for`` header (None otherwise, or
    when the body assigns the index too)."""
    if loop.type != "for_statement":
        return None
    var, start = loop_init(loop)
    if not var or not var.isidentifier():
        return None
    step = step_of(_field(loop, "update"), var)
    if step is None:
        return None
    bound, adjust = loop_bound(_field(loop, "condition"), var, step > 0)
    if bound is None or (abs(step) != 1 and op(unparen(_field(loop, "condition"))) == "!="):
        return None
    if assignments(_field(loop, "body")).count.get(var):
        return None
    first, last = bounds_of(start, env), bounds_of(bound, env)
    if first is None or last is None:
        return None
    if step > 0:
        hi = _shifted(last.hi, adjust)
        c = _constant_step(_field(loop, "update"))
        if c > 1 and adjust == -1 and first.lo == first.hi and last.lo == last.hi and \
                len(first.lo) == 1 and len(last.hi) == 1:
            span = poly.sub(last.hi[0], first.lo[0])
            if span and all(k % c == 0 for k in span.values()):
                # ``i = 0; i < 2*n; i += 2``: the bound minus the start is a multiple of the
                # step, so the last index is the bound minus the step (2*n - 2), not 2*n - 1
                hi = _shifted(last.hi, -c)
        return LoopRange(var, first.lo, hi, abs(step) == 1)
    return LoopRange(var, _shifted(last.lo, adjust), first.hi, abs(step) == 1)


def _constant_step(update: Node | None) -> int:
    """The positive constant of ``i += c`` or ``i = i + c`` (0: another update)."""
    u = unparen(update)
    if u is None or u.type != "assignment_expression":
        return 0
    right = unparen(_field(u, "right"))
    if op(u) == "=" and right is not None and right.type == "binary_expression" and \
            op(right) == "+":
        right = _field(right, "right")
    elif op(u) != "+=":
        return 0
    k = poly.poly_of(right)
    c = k.get((), 0) if k is not None and poly.is_const(k) else 0
    return c if c > 0 else 0


def plain_range(loop: Node) -> LoopRange | None:
    """:func:`loop_range` of ``loop`` with no locals' bounds, once per loop (the loops around
    each loop of a deep nest ask for it again and again; kept with its tree,
    :func:`~accellium.dataset.analysis.tree.kept_with_tree`).  Shared: not to be changed."""
    return kept_with_tree(root_of(loop), "ranges.plain_range", loop,
                          lambda: loop_range(loop, {}))


def loops_between(node: Node, top: Node) -> list[Node]:
    """The loops around ``node`` up to ``top`` (``top`` included when it is a loop),
    innermost first."""
    out = []
    p = node.parent
    while p is not None:
        if p.type in LOOP_TYPES or p.type in ("while_statement", "do_statement"):
            out.append(p)
        if p.id == top.id:
            break
        p = p.parent
    return out


def enclosing_minimum(top: Node, mins: dict[str, int]) -> None:
    """An index of a loop around ``top`` is not a size: inside ``top`` it holds one value
    of its loop's range, at least the range's constant lower bound (``for (i = 0; ...)``:
    0), or anything an ``int`` holds (``INT_MIN``) when no lower bound is a constant.
    Taking it as ``>= 1`` like a size would accept ``a[c*i - c]`` at ``i = 0``, before
    the array.  The loop's limit is bounded too (:func:`size_minimum`): ``top`` runs in the
    loop's body only while the index is in range (C11 6.8.5.3: the body runs after the
    condition holds), so ``for (j = 0; j < m; j++)`` around it means ``m >= 1`` there."""
    for p in ancestors(top):
        var = loop_var(p) if p.type == "for_statement" else None
        if not var:
            continue
        r = plain_range(p)
        body = _field(p, "body")
        if r is not None and body is not None and \
                body.start_byte <= top.start_byte < body.end_byte:
            size_minimum(r, mins)
        if var not in mins:
            mins[var] = start_minimum(r)


def start_minimum(r: LoopRange | None) -> int:
    """The smallest value the index of a loop of range ``r`` holds in the loop's body: the
    range's constant lower bound (``for (i = 0; ...)``: 0), else anything an ``int`` holds."""
    consts = [lo.get((), 0) for lo in (r.lo if r is not None else ()) if not poly.names(lo)]
    return max(consts) if consts else INT_MIN


def size_minimum(r: LoopRange, mins: dict[str, int]) -> None:
    """``hi - lo = a*n + c`` (``a > 0``) for the loop to run means ``n >= -c / a``: in the body
    the index is at least each lower bound and at most each upper bound of ``r`` (C11 6.8.5.3:
    the body runs only after the condition holds), so every upper bound minus every lower bound
    is ``>= 0``.  The one bound pair of a plain ``for (i = 0; i < n; i++)`` makes its limit a
    count, at least 1; a clamped range's pairs give only what they say (``i`` from ``lo >= 1``
    to ``hi <= n``: ``n >= 1``; from ``lo >= d - m`` to ``hi <= d - 1``: ``m >= 1``; a window
    from ``j >= i - w`` to ``j <= i + w``: ``2*w >= 0``)."""
    single = len(r.lo) == 1 and len(r.hi) == 1
    for lo in r.lo:
        for hi in r.hi:
            d = poly.sub(hi, lo)
            terms = [k for k in d if k]
            if len(terms) != 1 or len(terms[0]) != 1 or d[terms[0]] < 1:
                continue
            name = terms[0][0]
            if name == r.var:
                continue
            least = -(d.get((), 0) // d[terms[0]])  # the ceiling of -c / a
            mins[name] = max(mins.get(name, 1 if single else least), least)


def loop_var(loop: Node) -> str | None:
    var, _ = loop_init(loop)
    return var
