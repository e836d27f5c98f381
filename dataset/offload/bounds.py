"""Bounds of an integer expression: polynomials it is at least (``lo``) and at most (``hi``).

A polynomial is its own bound.  Three more facts of C give bounds where the value itself is
not a polynomial: a remainder ``e % m`` with ``e >= 0`` lies in ``0..m-1``; ``min(a, b)``
(``fmin``, ``MIN``) is at most ``a`` and at most ``b``, ``max(a, b)`` at least each; ``c ? y : z``
is ``y`` or ``z``, and when ``c`` compares a branch with something, that bounds the branch
(``i - w < 0 ? 0 : i - w`` is at least 0); when ``c`` bounds a loop index, each branch holds
only over the index values where ``c`` (or its negation) holds (:mod:`.guards`).  Every element of ``lo`` is a valid lower bound and every element of ``hi``
a valid upper bound, so a caller may keep any of them; :func:`tightest` picks the one that is
provably the best (names taken as sizes, at least 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.library import MAX_NAMES, MIN_NAMES
from accellium.dataset.analysis.macros import file_expansion
from accellium.dataset.analysis.member_reads import member_key
from accellium.dataset.analysis.polynomial import CONST
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import named, op, text, unparen
from accellium.dataset.analysis.value_types import narrowed
from accellium.dataset.offload import guards, poly

__all__ = ["Bounds", "bounds_of", "exact", "plus", "tightest"]

MAX_CANDIDATES = guards.MAX_CANDIDATES  # one limit for every candidate list
_MAX_DEPTH = 96


@dataclass(frozen=True)
class Bounds:
    lo: tuple[poly.Poly, ...]  # the value is >= each (empty: no lower bound known)
    hi: tuple[poly.Poly, ...]  # the value is <= each (empty: no upper bound known)

    @property
    def exact(self) -> poly.Poly | None:
        """The value itself, when it is one polynomial."""
        if len(self.lo) == 1 and len(self.hi) == 1 and self.lo[0] == self.hi[0]:
            return self.lo[0]
        return None


def exact(p: poly.Poly) -> Bounds:
    return Bounds((p,), (p,))


def _uniq(ps: list[poly.Poly]) -> tuple[poly.Poly, ...]:
    out: list[poly.Poly] = []
    for p in ps:
        if p not in out:
            out.append(p)
    return tuple(out[:MAX_CANDIDATES])


def _sum(a: Bounds, b: Bounds, sign: int) -> Bounds | None:
    if sign > 0:
        lo = [poly.add(x, y) for x in a.lo for y in b.lo]
        hi = [poly.add(x, y) for x in a.hi for y in b.hi]
    else:
        lo = [poly.sub(x, y) for x in a.lo for y in b.hi]
        hi = [poly.sub(x, y) for x in a.hi for y in b.lo]
    return _made(lo, hi)


def plus(a: Bounds, b: Bounds, sign: int) -> Bounds | None:
    """The bounds of ``a + b`` (``sign`` 1) or ``a - b`` (-1)."""
    return _sum(a, b, sign)


def _made(lo: list[poly.Poly], hi: list[poly.Poly]) -> Bounds | None:
    """Bounds from candidates (one side may be unknown: empty), None when both are."""
    return Bounds(_uniq(lo), _uniq(hi)) if lo or hi else None


def _scale(c: poly.Poly, b: Bounds) -> Bounds | None:
    """``c * b`` for a polynomial ``c`` of one sign."""
    if poly.nonneg(c):
        lo, hi = b.lo, b.hi
    elif poly.nonneg(poly.neg(c)):
        lo, hi = b.hi, b.lo
    else:
        return None
    los = [poly.mul(c, x) for x in lo]
    his = [poly.mul(c, x) for x in hi]
    if any(x is None for x in los + his):
        return None
    return _made([x for x in los if x is not None], [x for x in his if x is not None])


def _product(a: Bounds, b: Bounds) -> Bounds | None:
    ea, eb = a.exact, b.exact
    if ea is not None and eb is not None:
        p = poly.mul(ea, eb)
        return exact(p) if p is not None else None
    if ea is not None:
        return _scale(ea, b)
    if eb is not None:
        return _scale(eb, a)
    return None


def _pick(a: poly.Poly, b: poly.Poly, smaller: bool) -> poly.Poly | None:
    c = poly.compare(a, b)
    if c is None:
        return None
    return (a if c <= 0 else b) if smaller else (a if c >= 0 else b)


def _minmax(a: Bounds, b: Bounds, is_min: bool) -> Bounds | None:
    """min: at most either operand, at least the smaller lower bound; max: the other way."""
    if is_min:
        hi = list(a.hi) + list(b.hi)
        lo = [p for x in a.lo for y in b.lo if (p := _pick(x, y, True)) is not None]
    else:
        lo = list(a.lo) + list(b.lo)
        hi = [p for x in a.hi for y in b.hi if (p := _pick(x, y, False)) is not None]
    return _made(lo, hi)


def _same_text(a: Node | None, b: Node | None) -> bool:
    return a is not None and b is not None and \
        "".join(text(a).split()) == "".join(text(b).split())


_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _implied(o: str, other: Bounds) -> Bounds:
    """Bounds of ``x`` from ``x o other`` (integers: ``x < r`` is ``x <= r - 1``)."""
    one = poly.const(1)
    if o == "<":
        return Bounds((), tuple(poly.sub(h, one) for h in other.hi))
    if o == "<=":
        return Bounds((), other.hi)
    if o == ">":
        return Bounds(tuple(poly.add(lo, one) for lo in other.lo), ())
    return Bounds(other.lo, ())


def _branch(value: Node | None, cond: Node, holds: bool, env: dict[str, Bounds],
            depth: int) -> Bounds | None:
    """Bounds of one branch of ``L op R ? y : z``: its own, and what the condition says when
    the branch is ``L`` or ``R`` itself."""
    own = bounds_of(value, env, depth + 1)
    if own is None:
        return None
    if own.exact is not None and poly.is_const(own.exact) and \
            own.exact.get(CONST, 0) <= 0:
        # the branch is the constant side of a sign test (`s < 0 ? 0 : 1`): what the test
        # implies about it is in terms of the other side (`0 > s`: at least `s + 1`), which
        # the caller orders against the other branch reading names as non-negative — false
        # in this branch, where `s` is negative ("at least 1" beside the other branch's 1,
        # and `a[0]` unmapped); the constant is its own tightest bound
        return own
    o = op(cond) if holds else _NEGATE[op(cond)]
    left, right = _field(cond, "left"), _field(cond, "right")
    extra = None
    if _same_text(value, left):
        r = bounds_of(right, env, depth + 1)
        extra = _implied(o, r) if r is not None else None
    elif _same_text(value, right):
        r = bounds_of(left, env, depth + 1)
        extra = _implied(_MIRROR[o], r) if r is not None else None
    if extra is None:
        return own
    return _made(list(own.lo) + list(extra.lo), list(own.hi) + list(extra.hi))


def _conditional(n: Node, env: dict[str, Bounds], depth: int) -> Bounds | None:
    """``c ? y : z`` is ``y`` or ``z``: at least the smaller of their lower bounds, at most the
    larger of their upper bounds; a comparison ``c`` bounds a branch that is one of its sides
    (``i + w >= n ? n - 1 : i + w`` is at most ``n - 1``)."""
    cond = unparen(_field(n, "condition"))
    yes, no = _field(n, "consequence"), _field(n, "alternative")
    if cond is not None and cond.type == "binary_expression" and op(cond) in _NEGATE:
        a, b = _branch(yes, cond, True, env, depth), _branch(no, cond, False, env, depth)
    else:
        a, b = bounds_of(yes, env, depth + 1), bounds_of(no, env, depth + 1)
    # a branch is evaluated only where the condition (or its negation) holds: guards.py
    a = guards.refine(a, cond, True, env, bounds_of, _made)
    b = guards.refine(b, cond, False, env, bounds_of, _made)
    if a is None or b is None:
        return None
    lo = [p for x in a.lo for y in b.lo if (p := _pick(x, y, True)) is not None]
    hi = [p for x in a.hi for y in b.hi if (p := _pick(x, y, False)) is not None]
    return _made(lo, hi)


def _call(node: Node) -> tuple[Node, Node, bool] | None:
    f = text(_field(node, "function"))
    args = named(_field(node, "arguments"))
    if len(args) != 2 or f not in MIN_NAMES | MAX_NAMES:
        return None
    return args[0], args[1], f in MIN_NAMES


def bounds_of(node: Node | None, env: dict[str, Bounds] | None = None,
              depth: int = 0) -> Bounds | None:
    """The bounds of an integer expression (``env``: the bounds of names)."""
    if env is None:
        env = {}
    n = unparen(node)
    if n is None or depth > _MAX_DEPTH or narrowed(node):
        return None  # `(unsigned char)i` wraps (:mod:`...analysis.value_types`)
    t = n.type
    if t == "identifier":
        return env.get(text(n)) or exact(poly.var(text(n)))
    if t == "field_expression":
        # a member read (``g->nx``) is a name like a parameter; where its value may change,
        # the caller finds it among the names that do (:meth:`.extent.Extents.free`)
        key = member_key(n)
        return exact(poly.var(key)) if key is not None else None
    if t == "number_literal":
        p = poly.poly_of(n)
        return exact(p) if p is not None else None
    if t == "unary_expression" and op(n) in "+-":
        a = bounds_of(_field(n, "argument"), env, depth + 1)
        if a is None or op(n) == "+":
            return a
        return Bounds(tuple(poly.neg(x) for x in a.hi), tuple(poly.neg(x) for x in a.lo))
    if t == "binary_expression":
        return _binary(n, env, depth)
    if t == "conditional_expression":
        return _conditional(n, env, depth)
    pair = _call(n) if t == "call_expression" else None
    if pair is None:
        # a macro the file defines before the call stands for its body (C11 6.10.3)
        body = file_expansion(n) if t == "call_expression" else None
        return bounds_of(body, env, depth + 1) if body is not None else None
    a, b = bounds_of(pair[0], env, depth + 1), bounds_of(pair[1], env, depth + 1)
    return _minmax(a, b, pair[2]) if a is not None and b is not None else None


def _binary(n: Node, env: dict[str, Bounds], depth: int) -> Bounds | None:
    o = op(n)
    a = bounds_of(_field(n, "left"), env, depth + 1)
    b = bounds_of(_field(n, "right"), env, depth + 1)
    if a is None or b is None:
        return None
    if o in ("+", "-"):
        return _sum(a, b, 1 if o == "+" else -1)
    if o == "*":
        return _product(a, b)
    if o == "%":
        m = b.exact
        if m is None or not m or not any(poly.nonneg(x) for x in a.lo):
            return None
        return Bounds((poly.const(0),), (poly.sub(m, poly.const(1)),))
    return None


def tightest(candidates: tuple[poly.Poly, ...], largest: bool,
             mins: dict[str, int] | None = None) -> poly.Poly | None:
    """The candidate provably at least (``largest``) or at most every other one."""
    for c in candidates:
        ok = True
        for d in candidates:
            if d is c:
                continue
            cmp = poly.compare(c, d, mins)
            if cmp is None or (cmp < 0 if largest else cmp > 0):
                ok = False
                break
        if ok:
            return c
    return None
