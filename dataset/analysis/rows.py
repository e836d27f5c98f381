"""Linearised rows: ``a[i*n + e]`` where the loop bounds prove ``0 <= e < n``.

A fact of integer division: if ``0 <= r < P`` and ``0 <= r' < P``, then ``v*P + r == v'*P + r'``
only when ``v == v'`` and ``r == r'``.  So when every access of an array inside the loop over
``v`` has the form ``(v + q + m)*P + r`` in one subscript — ``P`` the stride of ``v`` (a
polynomial in names the loop does not change), ``q`` a polynomial in such names, ``m`` a
constant and ``r`` a remainder the loop bounds keep in ``[0, P)`` — two accesses meet only
when ``v' - v`` is the difference of their ``q + m``: a constant distance (0: never across
iterations; else carried).  Where a remainder provably leaves ``[0, P)`` (``a[i*n + j + 1]``
with ``j < n`` reaches the next row), different iterations may meet: carried.  Anything else
is left to :mod:`.affine` as before.

The bounds come from the loops around each access (:func:`loop_range`): ``lo <= x <= hi`` for
an index counting up from ``lo`` while ``x < hi + 1`` (or down), and, since the access runs,
``hi - lo >= 0`` for each of them — the facts the proofs (:func:`_nonneg`) may add.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations, combinations_with_replacement

from tree_sitter import Node

from accellium.dataset.analysis.polynomial import Poly, Term, add, product
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, text, unparen

__all__ = ["Bound", "Bounds", "interval", "loop_range", "row_distance", "SPILL", "disjoint",
           "proved_nonneg", "unit_step",
           "enclosing_facts", "Key"]

Affine = Poly
Key = tuple[tuple[Term, int], ...]  # an affine form, hashable
#: (index, lowest, highest) of one loop around an access (inclusive, affine forms)
Bound = tuple[str, Key, Key]
Bounds = tuple[Bound, ...]
#: :func:`row_distance`'s answer where a remainder leaves its row
SPILL = "spill"
_SHIFTS = (0, -1, 1, -2, 2)  # the row offsets m tried
_ROUNDS = 4  # bounds of bounds followed (a triangular nest)
_STEPS = {"++": 1, "--": -1}
_MOST = 4  # facts (with repeats) a proof that two ranges are apart may take away
_KNOWN_LOOPS = 8  # the most loops around a loop whose ranges give facts


def _key(a: Affine) -> Key:
    return tuple(sorted((t, c) for t, c in a.items() if c))


def _step(loop: Node, var: str) -> int:
    """+1 / -1 for an update that counts ``var`` up / down by a positive constant, else 0."""
    u = unparen(_field(loop, "update"))
    if u is None:
        return 0
    if u.type == "update_expression" and text(_field(u, "argument")).strip() == var:
        return _STEPS.get(op(u), 0)
    if u.type == "assignment_expression" and text(_field(u, "left")).strip() == var \
            and op(u) in ("+=", "-="):
        right = unparen(_field(u, "right"))
        if right is not None and right.type == "number_literal" and text(right).isdigit() \
                and int(text(right)) > 0:
            return 1 if op(u) == "+=" else -1
    return 0


def unit_step(loop: Node, var: str) -> int:
    """+1 / -1 where the loop's update counts ``var`` up / down by exactly one (``k++``,
    ``--k``, ``k += 1``, ``k -= 1``), else 0."""
    u = unparen(_field(loop, "update"))
    if u is None:
        return 0
    if u.type == "update_expression":
        return _STEPS.get(op(u), 0) if text(_field(u, "argument")).strip() == var else 0
    if u.type == "assignment_expression" and text(_field(u, "left")).strip() == var and \
            op(u) in ("+=", "-=") and text(_field(u, "right")).strip() == "1":
        return 1 if op(u) == "+=" else -1
    return 0


def interval(x: Affine, ranges: dict[str, tuple[Affine, Affine]]
             ) -> tuple[Affine, Affine] | None:
    """(lowest, highest) of ``x`` over the ranges of its indices (:func:`_extreme`); None
    where either is not found."""
    lo, hi = _extreme(x, ranges, False), _extreme(x, ranges, True)
    return (lo, hi) if lo is not None and hi is not None else None


def _init(loop: Node) -> tuple[str, Node] | None:
    init = _field(loop, "initializer")
    if init is not None and init.type == "declaration":
        init = _field(init, "declarator")
        if init is not None and init.type == "init_declarator":
            return text(_field(init, "declarator")).strip(), _field(init, "value")  # type: ignore[return-value]
    elif init is not None and init.type == "assignment_expression" and op(init) == "=":
        return text(_field(init, "left")).strip(), _field(init, "right")  # type: ignore[return-value]
    return None


_LIMIT = {("<", 1): -1, ("<=", 1): 0, (">", -1): 1, (">=", -1): 0}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _assigned(body: Node | None, var: str) -> bool:
    for n in iter_nodes(body) if body is not None else ():
        target = None
        if n.type == "assignment_expression":
            target = _field(n, "left")
        elif n.type == "update_expression" or (n.type == "pointer_expression" and op(n) == "&"):
            target = _field(n, "argument")
        if target is not None and text(unparen(target)).strip() == var:
            return True
    return False


def loop_range(loop: Node, affine_of) -> Bound | None:
    """(index, lowest, highest) the index takes in the body of a ``for`` that counts it by a
    constant step from its initial value towards a bound (``i = lo; i < hi; i++`` or
    ``i = hi; i >= lo; i--``) and that the body does not assign; None otherwise.
    ``affine_of``: the affine form of an expression node (None: not affine)."""
    got = _init(loop)
    cond = unparen(_field(loop, "condition"))
    if got is None or cond is None or cond.type != "binary_expression":
        return None
    var, start = got
    step = _step(loop, var)
    o, other = op(cond), _field(cond, "right")
    if text(_field(cond, "right")).strip() == var:
        o, other = _FLIP.get(o, ""), _field(cond, "left")
    elif text(_field(cond, "left")).strip() != var:
        return None
    shift = _LIMIT.get((o, step))
    a, b = affine_of(start), affine_of(other)
    if shift is None or a is None or b is None or _assigned(_field(loop, "body"), var):
        return None
    limit = add(b, {(): shift})
    lo, hi = (a, limit) if step > 0 else (limit, a)
    return var, _key(lo), _key(hi)


def _extreme(x: Affine, ranges: dict[str, tuple[Affine, Affine]], high: bool,
             facts: list[Affine] | None = None) -> Affine | None:
    """A bound of ``x`` (the highest when ``high``) over the ranges of its indices: each
    index term replaced by its range's end that makes it largest (smallest); None: an index
    inside a product, or bounds still naming indices after :data:`_ROUNDS`.  With ``facts``,
    an index times names whose product the facts prove of one sign (``k*n`` with ``n >= 0``)
    takes the end that sign picks: ``k*n`` for ``k`` in ``[0, i - 1]`` is at most
    ``i*n - n``."""
    cur = x
    for _ in range(_ROUNDS):
        if not any(n in ranges for t in cur for n in t):
            return cur
        nxt: Affine = {}
        for t, c in cur.items():
            inside = [n for n in t if n in ranges]
            if not inside:
                nxt = add(nxt, {t: c})
                continue
            if len(t) != 1:
                sign = _sign(t, inside, facts)
                if sign is None:
                    return None
                lo, hi = ranges[inside[0]]
                rest = tuple(n for n in t if n != inside[0])
                nxt = add(nxt, product(hi if (c * sign > 0) == high else lo, {rest: c}))
                continue
            lo, hi = ranges[t[0]]
            nxt = add(nxt, hi if (c > 0) == high else lo, c)
        cur = nxt
    return None


def _sign(t: Term, inside: list[str], facts: list[Affine] | None) -> int | None:
    """The sign (1: ``>= 0``, -1: ``<= 0``) the facts prove for the names of ``t`` other than
    its one index; None: more than one index, or no sign proven."""
    if facts is None or len(inside) != 1:
        return None
    rest = list(t)
    rest.remove(inside[0])
    names: Affine = {tuple(rest): 1}
    if _nonneg(names, facts):
        return 1
    return -1 if _nonneg({tuple(rest): -1}, facts) else None


def _facts(bounds: Bounds, ranges: dict[str, tuple[Affine, Affine]]) -> list[Affine]:
    """``hi - lo >= 0`` of each loop of ``bounds``: the loop runs where the access runs (some
    value of the indices its bounds name makes it so, hence the largest value does)."""
    out = []
    for name, lo, hi in bounds:
        f = _extreme(add(dict(hi), dict(lo), -1), {k: v for k, v in ranges.items()
                                                   if k != name}, high=True)
        if f is not None:
            out.append(f)
    return out


def _nonneg(e: Affine, facts: list[Affine], most: int = 2, repeat: bool = False) -> bool:
    """Is ``e >= 0`` proven: a constant at least 0 once at most ``most`` facts (each
    ``>= 0``; with ``repeat`` a fact may be taken more than once: ``2*n - 1`` from ``n - 1``
    twice) are taken away?"""
    pick = combinations_with_replacement if repeat else combinations
    for k in range(most + 1):
        for chosen in pick(facts, k):
            rest = e
            for f in chosen:
                rest = add(rest, f, -1)
            if set(rest) <= {()} and rest.get((), 0) >= 0:
                return True
    return False


def proved_nonneg(e: Affine, facts: list[Affine]) -> bool:
    """Is ``e >= 0`` proven from ``facts`` (each ``>= 0``), at most two of them taken away
    (:func:`_nonneg`)?"""
    return _nonneg(e, facts)


def _split(x: Affine, v: str) -> tuple[Affine, Affine] | None:
    """(the stride P of ``v``, the rest) of ``x == v*P + rest``; None: ``v`` twice in a term."""
    stride: Affine = {}
    rest: Affine = {}
    for t, c in x.items():
        k = t.count(v)
        if k > 1:
            return None
        if k:
            s = list(t)
            s.remove(v)
            stride = add(stride, {tuple(s): c})
        else:
            rest = add(rest, {t: c})
    return stride, rest


def _quotient(rest: Affine, stride: Affine, index: set[str]) -> tuple[Affine, Affine]:
    """``rest == q*P + r``: the terms of ``rest`` that are multiples of a one-term stride P with
    no index in the quotient (``i*n*n`` for ``P = n``: ``q = i*n``)."""
    if len(stride) != 1:
        return {}, rest
    (pt, pc), = stride.items()
    q: Affine = {}
    r: Affine = {}
    for t, c in rest.items():
        left = list(t)
        ok = bool(pt) and c % pc == 0
        for n in pt if ok else ():
            if n in left:
                left.remove(n)
            else:
                ok = False
        if ok and left and not set(left) & index:
            q = add(q, {tuple(left): c // pc})
        else:
            r = add(r, {t: c})
    return q, r


def _ranges(bounds: Bounds) -> dict[str, tuple[Affine, Affine]]:
    return {name: (dict(lo), dict(hi)) for name, lo, hi in bounds}


def _row(r: Affine, stride: Affine, bounds: Bounds, facts: list[Affine]) -> int | str | None:
    """The constant m with ``m*P <= r < (m+1)*P`` proven (:data:`_SHIFTS`), SPILL where ``r``
    provably leaves ``[0, P)``, else None; ``facts``: those that hold where the access runs
    (:func:`_pair_facts`)."""
    ranges = _ranges(bounds)
    low, high = _extreme(r, ranges, False), _extreme(r, ranges, True)
    if low is None or high is None:
        return None
    for m in _SHIFTS:
        base = add({(): 0}, stride, m)
        top = add(base, stride)
        if _nonneg(add(low, base, -1), facts) and \
                _nonneg(add(add(top, {(): -1}), high, -1), facts):
            return m
    if _nonneg(add(high, stride, -1), facts) or _nonneg(add({(): -1}, low, -1), facts):
        return SPILL
    return None


def _pair_facts(write_bounds: Bounds, other_bounds: Bounds) -> list[Affine]:
    """The facts of the loops around both accesses (:func:`_facts`).  Two accesses touch one
    element only in an execution where both run, and an access runs only where every loop
    around it makes an iteration (C11 6.8.5.3: a ``for`` whose condition is false at the
    start executes no body); the facts name only what the tested loop does not change, so
    those of the one access hold wherever the other runs too: ``dst[m - 1]`` beside
    ``dst[j]`` with ``j`` in ``[1, m - 2]`` meets it only where ``m - 3 >= 0``, and there
    ``m - 1`` is inside the row ``[0, m)``."""
    out = _facts(write_bounds, _ranges(write_bounds))
    for f in _facts(other_bounds, _ranges(other_bounds)):
        if f not in out:
            out.append(f)
    return out


def row_distance(write: tuple[Key | None, ...], other: tuple[Key | None, ...], v: str,
                 index: frozenset[str], write_bounds: Bounds, other_bounds: Bounds
                 ) -> int | str | None:
    """In how many iterations of ``v`` the ``other`` access meets what the write touches —
    by the row of a linearised subscript (see the module): an int (0: not across iterations),
    SPILL (a remainder leaves its row: may meet), None (not decided here).  The rows are
    proven with the facts of both accesses' loops (:func:`_pair_facts`)."""
    if len(write) != len(other) or None in write or None in other:
        return None
    facts = _pair_facts(write_bounds, other_bounds)
    spill = False
    for wk, ok in zip(write, other, strict=True):
        a, b = _split(dict(wk), v), _split(dict(ok), v)  # type: ignore[arg-type]
        if a is None or b is None or a[0] != b[0] or set(a[0]) <= {()}:
            continue  # not a row of a symbolic stride in v on both sides
        stride = a[0]
        qa, ra = _quotient(a[1], stride, set(index) | {v})
        qb, rb = _quotient(b[1], stride, set(index) | {v})
        ma, mb = _row(ra, stride, write_bounds, facts), _row(rb, stride, other_bounds, facts)
        if isinstance(ma, int) and isinstance(mb, int):
            if qa == qb:
                return ma - mb
            continue
        spill = spill or SPILL in (ma, mb)
    return SPILL if spill else None


def _values(x: Affine, bounds: Bounds, index: frozenset[str], facts: list[Affine]
            ) -> tuple[Affine, Affine] | None:
    """The lowest and highest value of the subscript ``x`` over the loops of ``bounds``;
    None where an index (of ``index``) is left: its loop shows no range."""
    ranges = _ranges(bounds)
    low, high = _extreme(x, ranges, False, facts), _extreme(x, ranges, True, facts)
    if low is None or high is None or any(n in index for t in (*low, *high) for n in t):
        return None
    return low, high


def disjoint(write: Sequence[tuple[Key | None, ...]], other: Sequence[tuple[Key | None, ...]],
             write_bounds: Bounds, other_bounds: Bounds, index: frozenset[str],
             known: tuple[Key, ...] = ()) -> bool:
    """Do two accesses never touch one element, in one iteration or in two?  A fact of
    integer ranges: when in some dimension every value one subscript takes over the loops
    around it lies below every value the other takes, no element is both (``A[i][j]`` with
    ``j`` in ``[i, n)`` and ``A[i][k]`` with ``k`` in ``[0, i)``, the rows of an LU step).
    ``write`` and ``other``: the alternatives of each access's subscripts (a conditional
    subscript is the set of its alternatives); every pair must be apart.
    The bounds are those of the loops around each access, the loop over the tested index
    included, so the ranges hold for every iteration; names other than ``index`` are the
    same in both (the caller's subscripts use no name the loop assigns).  Both accesses run
    when they could meet, so the facts of both sets of loops hold; ``known``: more facts
    (each ``>= 0``) that hold where the loop runs (:func:`enclosing_facts`)."""
    facts = _facts(write_bounds, _ranges(write_bounds)) + \
        _facts(other_bounds, _ranges(other_bounds)) + [dict(k) for k in known]
    return all(_apart_pair(w, o, write_bounds, other_bounds, index, facts)
               for w in write for o in other)


def _apart_pair(write: tuple[Key | None, ...], other: tuple[Key | None, ...],
                write_bounds: Bounds, other_bounds: Bounds, index: frozenset[str],
                facts: list[Affine]) -> bool:
    """Is some dimension's range of one subscript wholly below the other's?"""
    if len(write) != len(other):
        return False
    for wk, ok in zip(write, other, strict=True):
        if wk is None or ok is None:
            continue
        a = _values(dict(wk), write_bounds, index, facts)
        b = _values(dict(ok), other_bounds, index, facts)
        if a is None or b is None:
            continue
        if _nonneg(add(add(b[0], a[1], -1), {(): -1}), facts, _MOST, True) or \
                _nonneg(add(add(a[0], b[1], -1), {(): -1}), facts, _MOST, True):
            return True
    return False


def enclosing_facts(loop: Node, parent: Callable[[Node], Node | None], affine_of,
                    changed: set[str]) -> tuple[Key, ...]:
    """``x - lo >= 0`` and ``hi - x >= 0`` of each ``for`` around ``loop`` in its function
    (``parent``: the file's parent links; :func:`loop_range`: an index its body does not
    assign stays in its range there), leaving out those that name a name in ``changed``
    (what the loop assigns) or a bound's name that body assigns (``n`` changed before the
    loop would leave ``i < n`` unproven there)."""
    out: list[Key] = []
    p, seen = parent(loop), 0
    while p is not None and p.type != "function_definition" and seen < _KNOWN_LOOPS:
        b = None
        if p.type == "for_statement":
            seen += 1
            b = loop_range(p, affine_of)
        if b is not None:
            var, lo, hi = b
            body = _field(p, "body")
            for f in (add({(var,): 1}, dict(lo), -1), add(dict(hi), {(var,): 1}, -1)):
                names = {n for t in f for n in t}
                if not names & changed and \
                        not any(_assigned(body, n) for n in names - {var}):
                    out.append(_key(f))
        p = parent(p)
    return tuple(out)
