"""Can two different iterations of a loop touch one element?  The tests for one subscript
dimension that the plain distance test of :mod:`.affine` does not decide.

Both tests answer True (different iterations may meet: a possible carried dependence) unless
they prove the opposite; a subscript they cannot read never counts as apart.

- Different coefficients of the index (``x[2*i]`` and ``x[i]``, ``x[n-1-i]`` and ``x[i]``):
  iterations i1 and i2 meet when ``a*i1 + A = b*i2 + B``.  For constant A and B that linear
  Diophantine equation has an integer solution iff ``gcd(a, b)`` divides ``B - A`` (the GCD
  test); no solution proves the accesses apart (``x[4*i]`` and ``x[2*i + 1]``).  With a
  solution, constant loop bounds are searched for one with ``i1 != i2``; a symbolic part or
  bounds that are not constant leave the meeting possible.
- The same coefficient and a symbolic offset (``x[i + n]`` and ``x[i]``): iterations
  i1 and i2 meet when ``c*(i1 - i2) = D``, which needs ``|D| < |c| * trip count``.  The
  accesses are apart only where the loop's own range proves ``|D| >= |c| * (hi - lo)``:
  the difference of the two polynomials is a nonnegative constant
  (``for (i = 0; i < n; i++) a[i] = a[i + n]``).
- The same coefficient ±1 and a difference that is a multiple of a name ``P`` (every term
  holds ``P``: ``dp[(n-1)*n + j]`` and ``dp[i*n + j]`` in the loop over j): ``j1 - j2`` would
  be a multiple of ``P``, and it is smaller than the trip count in size, so where the trip
  count is at most ``P`` (``P`` plus a constant <= 0) only ``j1 == j2`` meets — the column
  of a row-major layout (:func:`stride_apart`).
"""

from __future__ import annotations

from collections.abc import Callable
from math import gcd

from tree_sitter import Node

from accellium.dataset.analysis.polynomial import CONST, Poly, Term, constant, neg, sub
from accellium.dataset.analysis.tree import field, op, text, unparen

__all__ = ["Own", "own_range", "coefficients_meet", "offset_meets", "stride_apart",
           "MAX_SEARCH"]

#: the loop's own range [lo, hi) as sorted (term, coefficient) items of two polynomials
Own = tuple[tuple[tuple[Term, int], ...], tuple[tuple[Term, int], ...]]
MAX_SEARCH = 1 << 16  # constant ranges up to this many iterations are searched for a meeting


def _at_least_zero(p: Poly) -> bool:
    c = constant(p)
    return c is not None and c >= 0


def stride_apart(diff: Poly, coef: int, own: Own | None) -> bool:
    """Are ``coef*i1 + A`` and ``coef*i2 + B`` (``diff``: ``B - A``) equal only for
    ``i1 == i2``, because ``diff`` is a multiple of a name at least the trip count?"""
    if own is None or abs(coef) != 1 or not diff:
        return False
    trip = sub(dict(own[1]), dict(own[0]))
    names = [t for t in trip if t != CONST]
    if len(names) != 1 or len(names[0]) != 1 or trip[names[0]] != 1 or \
            trip.get(CONST, 0) > 0:
        return False
    stride = names[0][0]
    return all(stride in t for t in diff)


def offset_meets(diff: Poly, coef: int, own: Own | None) -> bool:
    """May ``coef*i1 + A`` and ``coef*i2 + B`` be equal for two iterations, ``diff`` being
    ``B - A`` (not a constant)?  Apart only when ``|diff| >= |coef| * (hi - lo)`` is an
    identity of the polynomials (see the module's docstring)."""
    if own is None:
        return True
    trip = sub(dict(own[1]), dict(own[0]))
    c = abs(coef)
    return not (_at_least_zero(sub(diff, trip, c)) or _at_least_zero(sub(neg(diff), trip, c)))


def coefficients_meet(a: int, b: int, diff: Poly, own: Own | None) -> bool:
    """May ``a*i1 + A == b*i2 + B`` hold for iterations ``i1 != i2`` (``a != b``; ``diff``:
    ``B - A``)?  The GCD test, then a search of constant bounds (module docstring)."""
    d = constant(diff)
    if d is None:
        return _single_meets(a, b, diff, own)
    g = gcd(a, b)
    if g and d % g:
        return False  # no integer solution at all
    first = None if own is None else constant(dict(own[0]))
    end = None if own is None else constant(dict(own[1]))
    if first is None or end is None or end - first > MAX_SEARCH:
        return True
    lo, hi = first, end
    for i1 in range(lo, hi):
        rest = a * i1 - d  # b*i2 must equal it
        if b == 0:
            if rest == 0 and hi - lo > 1:
                return True  # i1 meets every other iteration
            continue
        if rest % b == 0 and lo <= rest // b < hi and rest // b != i1:
            return True
    return False


def _single_meets(a: int, b: int, diff: Poly, own: Own | None) -> bool:
    """One side without the index (``A[k][k]`` beside ``A[k][j]`` in the loop over j): only
    the iteration ``i* = diff / a`` reaches the other side's element; apart when the loop's
    own range proves ``i* < lo`` or ``i* >= hi`` (``for (j = k + 1; ...)``).  Decided for a
    coefficient of 1 or -1; anything else stays possible."""
    if own is None or 0 not in (a, b) or abs(a + b) != 1:
        return True
    at = {t: x * a for t, x in diff.items()} if a else {t: -x * b for t, x in diff.items()}
    lo, hi = dict(own[0]), dict(own[1])
    return not (_at_least_zero(sub(sub(lo, at), {CONST: 1})) or _at_least_zero(sub(at, hi)))


def _increments(update: Node | None, v: str) -> bool:
    """Does the update step ``v`` up (``v++``, ``++v``, ``v += c`` or ``v = v + c`` with a
    positive constant c)?"""
    u = unparen(update)
    if u is None:
        return False
    if u.type == "update_expression":
        return op(u) == "++" and text(field(u, "argument")).strip() == v
    if u.type != "assignment_expression" or text(field(u, "left")).strip() != v:
        return False
    right = unparen(field(u, "right"))
    step = right
    if op(u) == "=":
        if right is None or right.type != "binary_expression" or op(right) != "+" \
                or text(field(right, "left")).strip() != v:
            return False
        step = unparen(field(right, "right"))
    elif op(u) != "+=":
        return False
    try:
        return step is not None and step.type == "number_literal" \
            and int(text(step).rstrip("uUlL"), 0) > 0
    except ValueError:
        return False


def _start(init: Node | None, v: str) -> Node | None:
    init = unparen(init)
    if init is None:
        return None
    if init.type == "declaration":
        d = field(init, "declarator")
        ok = d is not None and d.type == "init_declarator" \
            and text(field(d, "declarator")).strip() == v
        return field(d, "value") if ok and d is not None else None
    if init.type == "assignment_expression" and op(init) == "=" \
            and text(field(init, "left")).strip() == v:
        return field(init, "right")
    return None


def _limit(cond: Node | None, v: str) -> tuple[Node, int] | None:
    """The bound of ``v < e`` / ``v <= e`` / ``e > v`` / ``e >= v`` and what to add to it
    for an exclusive bound."""
    cond = unparen(cond)
    if cond is None or cond.type != "binary_expression":
        return None
    o, left, right = op(cond), field(cond, "left"), field(cond, "right")
    if left is None or right is None:
        return None
    if text(left).strip() == v and o in ("<", "<="):
        return right, int(o == "<=")
    if text(right).strip() == v and o in (">", ">="):
        return left, int(o == ">=")
    return None


def own_range(loop: Node, v: str, varying: set[str],
              affine_of: Callable[[Node, dict], Poly | None]) -> Own | None:
    """[lo, hi) of the loop's own index as polynomials, when the header counts ``v`` up from
    ``lo`` while ``v < hi`` and the body changes neither ``v`` nor a name of the bounds
    (``varying``: the names the body writes; ``affine_of``: the affine reader)."""
    lo_node = _start(field(loop, "initializer"), v)
    limit = _limit(field(loop, "condition"), v)
    if lo_node is None or limit is None or not _increments(field(loop, "update"), v):
        return None
    lo, hi = affine_of(lo_node, {}), affine_of(limit[0], {})
    if lo is None or hi is None:
        return None
    if limit[1]:
        hi = sub(hi, {CONST: -1})
    if v in varying or any(n in varying or n == v for p in (lo, hi) for t in p for n in t):
        return None
    return tuple(sorted(lo.items())), tuple(sorted(hi.items()))
