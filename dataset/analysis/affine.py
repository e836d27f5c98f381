"""Affine subscripts and the dependence test between two accesses of one array.

A subscript is read as a sum of terms with integer coefficients: ``2*i + n*j - 1`` is
``{(i,): 2, (j, n): 1, (): -1}``.  A :data:`Term` is the product of its names (sorted, so ``n*i``
and ``i*n`` are one term); the empty term is the constant.  :func:`overlap` compares the
subscripts of a write and another access of the same array and says whether different
iterations of the loop reach the same elements (:class:`Overlap`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import Enum
from functools import lru_cache

from tree_sitter import Node

from accellium.dataset.analysis.meet import Own, coefficients_meet, offset_meets, stride_apart
from accellium.dataset.analysis.polynomial import (
    CONST,
    Poly,
    Term,
    add,
    leaf,
    product,
    sub,
    unary,
)
from accellium.dataset.analysis.rows import SPILL, Bounds, row_distance
from accellium.dataset.analysis.tree import fold_expression, op, unparen

__all__ = ["Term", "Affine", "CONST", "Signature", "affine", "combine", "signature", "Reach",
           "Overlap", "overlap", "Ranges", "Own"]

#: An affine form: a :mod:`.polynomial` (a product of names is one term).
Affine = Poly
#: A hashable form of the subscripts of one access (None where one is not affine).
Signature = tuple[tuple[tuple[Term, int], ...] | None, ...]

_MAX_PRODUCT_TERMS = 16  # a product of two sums expands to at most this many terms


def combine(node: Node, a: Affine | None, b: Affine | None) -> Affine | None:
    """The affine form of a binary expression from those of its operands: a sum, a difference,
    or a product that expands to at most 16 terms; None for anything else."""
    if a is None or b is None:
        return None
    o = op(node)
    if o in ("+", "-"):
        return add(a, b) if o == "+" else sub(a, b)
    if o != "*" or len(a) * len(b) > _MAX_PRODUCT_TERMS:
        return None
    # distributed: (i - 1)*(m + 1) is i*m + i - m - 1; a product of names is one term
    return product(a, b)


def affine(node: Node | None, subst: Mapping[str, Affine]) -> Affine | None:
    """The affine form of an expression (``subst``: affine values of names), None when it is
    not affine (a literal 0 keeps its term ``{CONST: 0}``).  Evaluated bottom-up on an explicit
    stack."""
    root = unparen(node)
    if root is None:
        return None
    is_leaf, value = leaf(root, subst, zero=True)
    if is_leaf:  # the common subscript: one name or number
        return value
    return fold_expression(root, lambda n: leaf(n, subst, zero=True), combine,
                           lambda n, a: unary(op(n), a))


def signature(subs: list[Affine | None]) -> Signature:
    """The hashable form of an access's subscripts."""
    return tuple(None if a is None else tuple(sorted(a.items())) for a in subs)


class Reach(Enum):
    """How the elements two accesses touch relate across iterations of the loop."""

    UNKNOWN = "unknown"  # not decided (see :func:`overlap`): the callers assume no overlap
    MAYBE = "maybe"  # not proved apart: different iterations may touch one element (carried)
    NEVER = "never"  # different iterations never touch the same element
    DISTANCE = "distance"  # iteration k touches what iteration k + distance touches
    EVERY = "every"  # every iteration touches the same elements
    SWEEP = "sweep"  # an inner index runs over the elements other iterations touch


@dataclass(frozen=True)
class Overlap:
    reach: Reach
    distance: int = 0  # for Reach.DISTANCE (0: the same iteration)
    carried: bool = dc_field(init=False)  # does the overlap cross iterations?

    def __post_init__(self) -> None:
        carried = (self.distance != 0 if self.reach is Reach.DISTANCE
                   else self.reach in (Reach.EVERY, Reach.SWEEP, Reach.MAYBE))
        object.__setattr__(self, "carried", carried)


_UNKNOWN = Overlap(Reach.UNKNOWN)
_NEVER = Overlap(Reach.NEVER)
#: (inner index, its lowest value, its highest value) for the inner loops of constant bounds
Ranges = tuple[tuple[str, int, int], ...]
_Bounds = Mapping[str, tuple[int, int]]


def _inner_term(t: Term, inner: frozenset[str]) -> bool:
    return any(n in inner for n in t)


def _sweeps(x: Affine, v: str, inner: frozenset[str]) -> bool:
    """An inner index without ``v``: the dimension takes every value of a range."""
    return not x.get((v,)) and any(_inner_term(t, inner) for t in x if t not in (CONST, (v,)))


@dataclass
class _Pinned:
    distance: int | None = None
    cross: bool = False
    spread: bool = False  # a dimension lets different iterations meet (see _spread)
    maybe: bool = False  # a dimension not proved apart (see _unequal, _opaque)
    # the one iteration at which an access can meet the other, where a dimension fixes it
    # (``v`` on one side only, the other side free of inner indices: see _fixed_at), per side
    at: tuple[Affine | None, Affine | None] = (None, None)
    unfixed: bool = False  # such a dimension whose iteration is not a whole-number form


def _span(x: Affine, sign: int, v: str, inner: frozenset[str],
          ranges: _Bounds) -> tuple[int, int] | None:
    """The lowest and highest value of ``sign`` times the inner indices' part of ``x`` (None:
    an inner index of unknown bounds)."""
    lo = hi = 0
    for t, c in x.items():
        if t in (CONST, (v,)) or not _inner_term(t, inner):
            continue
        if t[0] not in ranges:
            return None
        ends = (sign * c * ranges[t[0]][0], sign * c * ranges[t[0]][1])
        lo, hi = lo + min(ends), hi + max(ends)
    return lo, hi


def _pin(pinned: _Pinned, dist: int) -> Overlap | None:
    if pinned.distance is not None and pinned.distance != dist:
        return _NEVER
    pinned.distance = dist
    return None


def _spread(a: Affine, b: Affine, v: str, inner: frozenset[str], pinned: _Pinned,
            ranges: tuple[_Bounds, _Bounds]) -> Overlap | None:
    """One dimension ``c*v + (inner indices) + K`` on both sides (``x[3*i + k]``, ``c[i + j]``,
    ``T[d + i*m]``).  Iterations v and v' reach one element when ``c*(v - v')`` equals
    ``b(k') - a(k)``, with k and k' any values of the inner loops, independently.  So
    different iterations overlap unless no nonzero multiple of c lies in the range of that
    difference: a fact only constant bounds of the inner loops prove (``x[3*i + k]`` with
    ``k < 3`` is disjoint; ``k < 4``, the convolution ``c[i + j]`` and an inner index of
    unknown bounds overlap)."""
    if any(len(t) > 1 for t in (*a, *b) if _inner_term(t, inner)):
        return _UNKNOWN  # an inner index times a name (j*n): a linearised layout, see _rows

    def symbols(x: Affine) -> Affine:
        return {t: c for t, c in x.items()
                if t not in (CONST, (v,)) and not _inner_term(t, inner)}

    if symbols(a) != symbols(b):
        pinned.maybe = True  # a symbolic offset beside an inner index: not proved apart
        return None
    sa, sb = _span(a, -1, v, inner, ranges[0]), _span(b, 1, v, inner, ranges[1])
    if sa is None or sb is None:
        pinned.spread = True
        return None
    base = b.get(CONST, 0) - a.get(CONST, 0)
    lo, hi = base + sa[0] + sb[0], base + sa[1] + sb[1]
    c = abs(a[(v,)])
    first = -(-lo // c) * c or c  # the least nonzero multiple of c from lo up (0 skipped)
    if first <= hi:
        pinned.spread = True
        return None
    return _pin(pinned, 0) if lo <= 0 <= hi else _NEVER


def _dimension(a: Affine, b: Affine, v: str, inner: frozenset[str], pinned: _Pinned,
               ranges: tuple[_Bounds, _Bounds], own: Own | None = None) -> Overlap | None:
    """Compare one dimension; an Overlap decides the pair, None goes on to the next one."""
    vt = (v,)
    ca, cb = a.get(vt, 0), b.get(vt, 0)
    if any(v in t and len(t) > 1 for t in (*a, *b)):  # v inside a product (n*v): see _rows
        return _UNKNOWN
    if ca != cb:
        # x[i] on one side, x[j] (j an inner index) on the other: j runs over elements that
        # other iterations of i access (x[i] -= L[i][j]*x[j])
        if (ca and _sweeps(b, v, inner)) or (cb and _sweeps(a, v, inner)):
            pinned.cross = True
            return None
        return _unequal(a, b, v, inner, pinned, own)
    if ca and stride_apart(_sub_rest(b, a, vt), ca, own):
        return _NEVER  # a column of a row-major layout (x[R*n + j], j < n)
    if any(_inner_term(t, inner) for t in (*a, *b) if t not in (CONST, vt)):
        # an inner index alone takes every value; beside the index, see _spread
        return _spread(a, b, v, inner, pinned, ranges) if ca else None
    d = dict(a)
    for k, x in b.items():
        d[k] = d.get(k, 0) - x
    if any(x and t not in (CONST, vt) for t, x in d.items()):
        return _symbolic(d, ca, pinned, own)
    c = d.get(CONST, 0)
    if ca == 0:
        return _NEVER if c else None
    if c % ca:
        return _NEVER
    return _pin(pinned, c // ca)


def _sub_rest(b: Affine, a: Affine, vt: Term) -> dict[Term, int]:
    """``b - a`` without the terms of ``vt``."""
    out = {t: x for t, x in b.items() if t != vt}
    for t, x in a.items():
        if t != vt:
            out[t] = out.get(t, 0) - x
    return {t: x for t, x in out.items() if x}


def _unequal(a: Affine, b: Affine, v: str, inner: frozenset[str], pinned: _Pinned,
             own: Own | None) -> Overlap | None:
    """Different coefficients of ``v`` (``x[2*i]`` and ``x[i]``, ``x[n-1-i]`` and ``x[i]``):
    the GCD test and the loop's own range decide (:func:`.meet.coefficients_meet`); an
    inner index or a symbol in the rest leaves the meeting possible."""
    vt = (v,)
    rest = _sub_rest(b, a, vt)
    if any(_inner_term(t, inner) for t in rest) or \
            coefficients_meet(a.get(vt, 0), b.get(vt, 0), rest, own):
        if not any(_inner_term(t, inner) for t in rest) and _fixed_at(a, b, vt, rest, pinned):
            return None
        pinned.maybe = True
        return None
    return _NEVER


def _fixed_at(a: Affine, b: Affine, vt: Term, rest: dict[Term, int], pinned: _Pinned) -> bool:
    """A dimension where only one side has ``v`` (``c*v + A`` against ``B``, no inner index
    in either) meets only at the iteration ``v = (B - A) / c`` of that side: record it
    (``cov[i][j]`` against ``cov[j][i]`` in the loop over ``j``: the write's ``j`` and the
    read's ``j`` each must be ``i``, so they meet only within one iteration, see
    :func:`_test`).  False where both sides have ``v`` or ``c`` does not divide the form."""
    ca, cb = a.get(vt, 0), b.get(vt, 0)
    if (ca == 0) == (cb == 0):
        return False
    c, side, form = (ca, 0, rest) if ca else (cb, 1, {t: -x for t, x in rest.items()})
    if any(x % c for x in form.values()):
        pinned.unfixed = True
        return True
    value = {t: x // c for t, x in form.items() if x}
    old = pinned.at[side]
    if old is not None and old != value:
        pinned.unfixed = True  # two values: the side never meets the other (kept: maybe)
        return True
    pinned.at = (value, pinned.at[1]) if side == 0 else (pinned.at[0], value)
    return True


def _symbolic(d: Affine, c: int, pinned: _Pinned, own: Own | None) -> Overlap | None:
    """The same coefficient ``c`` of ``v`` and a symbolic difference ``d`` (``x[i]`` and
    ``x[i + n]``; ``x[n][i]`` and ``x[m][i]`` with ``c == 0``): apart only where the loop's
    own range proves the offset at least the trip count (:func:`.meet.offset_meets`)."""
    diff = {t: -x for t, x in d.items()}  # other minus write
    if c and not offset_meets(diff, c, own):
        return _NEVER
    pinned.maybe = True
    return None


def _test(write: list[Affine | None], other: list[Affine | None], v: str,
          inner: frozenset[str], ranges: tuple[_Bounds, _Bounds], own: Own | None = None
          ) -> Overlap:
    """The pair dimension by dimension; a subscript that is not affine (None) takes any
    value: it never proves the accesses apart."""
    pinned = _Pinned()
    for wk, ok in zip(write, other, strict=True):
        if wk is None or ok is None:
            pinned.maybe = True
            continue
        got = _dimension(wk, ok, v, inner, pinned, ranges, own)
        if got is not None:
            return got
    if pinned.at != (None, None):
        # each side meets the other only at the iteration its dimension fixes: at most one
        # pair of iterations, at the distance between the two (0: within one iteration);
        # one side fixed and the other free, or a distance that is not a constant: maybe
        w, o = pinned.at
        d = None if w is None or o is None or pinned.unfixed else \
            {t: x for t, x in sub(o, w).items() if x}
        if d is None or any(t != CONST for t in d):
            pinned.maybe = True
        else:
            got = _pin(pinned, d.get(CONST, 0))
            if got is not None:
                return got
    elif pinned.unfixed:
        pinned.maybe = True
    if pinned.distance is not None:  # a dimension pins the distance: x[i][k] vs x[i][j]
        return Overlap(Reach.DISTANCE, pinned.distance)
    if pinned.spread or pinned.cross:
        return Overlap(Reach.SWEEP)
    return Overlap(Reach.MAYBE) if pinned.maybe else Overlap(Reach.EVERY)


_Key = tuple[int, tuple[tuple[Term, int], ...]]  # (dimension, stride polynomial)


def _strides(dim: tuple[tuple[Term, int], ...], index: frozenset[str]
             ) -> tuple[dict[str, Affine], Affine] | None:
    """Each index's coefficient (a polynomial in the other names: ``i*m + i`` gives i the
    coefficient ``m + 1``) and the terms without an index; None: two indices in one term."""
    coef: dict[str, Affine] = {}
    rest: Affine = {}
    for t, c in dim:
        idx = [n for n in t if n in index]
        if len(idx) > 1:
            return None
        if not idx:
            rest[t] = c
            continue
        poly = coef.setdefault(idx[0], {})
        sym = tuple(n for n in t if n != idx[0])
        poly[sym] = poly.get(sym, 0) + c
    return coef, rest


def _row_strides(sigs: tuple[Signature, Signature], index: frozenset[str]
                 ) -> frozenset[tuple[int, str]]:
    """The (dimension, name) pairs where an index of either access has the stride of one
    name (``n`` in ``a[i*n + j]``): the rows of the layout the two accesses share."""
    out: set[tuple[int, str]] = set()
    for sig in sigs:
        for k, dim in enumerate(sig):
            got = None if dim is None else _strides(dim, index)
            for poly in (got[0].values() if got is not None else ()):
                names = [t for t in poly if t != CONST]
                if len(poly) == 1 and len(names) == 1 and len(names[0]) == 1 \
                        and poly[names[0]] == 1:
                    out.add((k, names[0][0]))
    return frozenset(out)


def _row_of(t: Term, k: int, strides: frozenset[tuple[int, str]]) -> tuple[str, Term] | None:
    """A term without an index that is a multiple of a shared stride (``n`` in ``(i-1)*n``,
    ``k*n``): the stride and the row it adds (``()`` for the constant 1, ``(k,)``)."""
    for n in t:
        if (k, n) in strides:
            row = list(t)
            row.remove(n)
            return n, tuple(row) or CONST
    return None


def _rows(sig: Signature, index: frozenset[str],
          strides: frozenset[tuple[int, str]] = frozenset()) -> dict[_Key, Affine] | None:
    """The subscripts read as a row-major layout: an index whose coefficient uses a name is
    a row of that stride, the rest is the column (``i*n + j``: row ``i`` of stride ``n``,
    column ``j``; ``j*(d+1) + i``: row ``j`` of stride ``d + 1``; ``(i-1)*n``: row ``i - 1``).
    A term without an index that is a multiple of a stride of either access (``strides``,
    :func:`_row_strides`) is a row too: ``k*n + k`` is row ``k``, column ``k``, the pivot
    beside ``a[i*n + k]`` — the identity ``r*n + c`` either way, so equal coordinates are
    still equal subscripts.  None: two indices in one term (``i*j``) or a subscript that is
    not affine."""
    out: dict[_Key, Affine] = {}
    for k, dim in enumerate(sig):
        got = None if dim is None else _strides(dim, index)
        if got is None:
            return None
        coef, rest = got
        unit = out.setdefault((k, ()), {})
        for x, poly in coef.items():
            if set(poly) <= {CONST}:
                unit[(x,)] = poly.get(CONST, 0)
                continue
            out.setdefault((k, tuple(sorted(poly.items()))), {})[(x,)] = 1
        for t, c in rest.items():  # a multiple of a stride (-n in (i-1)*n) moves its row
            shared = _row_of(t, k, strides) if t != CONST else None
            if shared is None:
                unit[t] = unit.get(t, 0) + c
                continue
            target = out.setdefault((k, (((shared[0],), 1),)), {})
            target[shared[1]] = target.get(shared[1], 0) + c
    return out


def _delinearised(write: Signature, other: Signature, v: str, inner: frozenset[str],
                  ranges: tuple[_Bounds, _Bounds], own: Own | None) -> Overlap:
    """The test on the row-major coordinates (:func:`_rows`).  Equal coordinates are equal
    subscripts, so an overlap found there is one of the subscripts: carried is a fact.  No
    overlap there holds only if every column stays inside its row (``j < n`` in
    ``a[i*n + j]``), which the loop does not show: then UNKNOWN."""
    index = inner | {v}
    strides = _row_strides((write, other), index)
    a, b = _rows(write, index, strides), _rows(other, index, strides)
    if a is None or b is None:
        return _UNKNOWN
    keys = sorted(set(a) | set(b))
    if all(not stride for _, stride in keys):
        return _UNKNOWN  # no stride: the plain test said all there is
    got = _test([a.get(k, {}) for k in keys], [b.get(k, {}) for k in keys], v, inner, ranges,
                own)
    return got if got.carried else _UNKNOWN


@lru_cache(maxsize=65536)
def overlap(write: Signature, other: Signature, v: str, inner: frozenset[str],
            write_ranges: Ranges = (), other_ranges: Ranges = (),
            write_bounds: Bounds = (), other_bounds: Bounds = (), own: Own | None = None
            ) -> Overlap:
    """How a write and another access of the same array (their :func:`signature`) overlap
    across iterations of the loop over ``v`` (``inner``: the indices of inner loops; the
    ranges: those of the inner loops around each access that have constant bounds; ``own``:
    the loop's own range [lo, hi), :func:`.meet.own_range`).

    MAYBE (carried) where a dimension is not proved apart and none pins the distance: a
    subscript that is not affine takes any value; different coefficients of ``v`` (``x[i]``
    and ``x[2*i]``, ``x[n-1-i]``) meet unless the GCD test or constant bounds say no
    (:func:`_unequal`); a symbolic distance (``x[i]`` and ``x[i + n]``) meets unless the
    loop's own range is no longer than it (:func:`_symbolic`); a product of two indices
    (``a[i*i]``, :func:`_index_product`).  UNKNOWN (the callers assume
    no overlap) is left for subscript lists of different lengths and a linearised layout (a
    name times an index, ``a[i*n + j]``) where the row-major coordinates show no overlap
    (:func:`_delinearised`).  Where ``v`` has a constant coefficient beside an inner index
    the test decides (:func:`_spread`).  Where ``v`` has a symbolic stride (``a[i*n + j - 1]``),
    the bounds (the loops around each access, :mod:`.rows`) may prove which row each access
    stays in: then the rows decide, and a remainder that provably leaves its row is
    carried."""
    if len(write) != len(other) or not write:
        return _UNKNOWN
    bounds = ({n: (lo, hi) for n, lo, hi in write_ranges},
              {n: (lo, hi) for n, lo, hi in other_ranges})
    got = _test([None if x is None else dict(x) for x in write],
                [None if x is None else dict(x) for x in other], v, inner, bounds, own)
    if got.reach is not Reach.UNKNOWN:
        return got
    rows = row_distance(write, other, v, inner, write_bounds, other_bounds)
    if isinstance(rows, int):
        return Overlap(Reach.DISTANCE, rows)
    got = _delinearised(write, other, v, inner, bounds, own)
    if got.reach is Reach.UNKNOWN and rows == SPILL:
        return Overlap(Reach.SWEEP)
    if got.reach is Reach.UNKNOWN and _index_product(write, other, inner | {v}):
        return Overlap(Reach.MAYBE)
    return got


def _index_product(write: Signature, other: Signature, index: frozenset[str]) -> bool:
    """Does a term multiply two loop indices (``i*i``, ``i*j``)?  Such a subscript is no
    row-major layout and not injective in general (``a[i*j]``: i = 2, j = 3 and i = 3,
    j = 2 meet), so it never proves two accesses apart."""
    return any(sum(n in index for n in t) > 1
               for sig in (write, other) for dim in sig if dim is not None for t, _ in dim)
