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

from accellium.dataset.analysis.tree import fold_expression, op, text, unparen

__all__ = ["Term", "Affine", "CONST", "Signature", "affine", "signature", "Reach", "Overlap",
           "overlap", "names_of"]

Term = tuple[str, ...]
Affine = dict[Term, int]
#: The constant term.
CONST: Term = ()
#: A hashable form of the subscripts of one access (None where one is not affine).
Signature = tuple[tuple[tuple[Term, int], ...] | None, ...]


def names_of(a: Affine) -> set[str]:
    """Every name the affine form uses, also inside products."""
    return {n for t in a for n in t}


def _number(node: Node) -> Affine | None:
    s = text(node).rstrip("uUlL")
    try:
        return {CONST: int(s, 0)}
    except ValueError:
        return None


def _combine(node: Node, a: Affine | None, b: Affine | None) -> Affine | None:
    if a is None or b is None:
        return None
    o = op(node)
    if o in ("+", "-"):
        out = dict(a)
        for k, v in b.items():
            out[k] = out.get(k, 0) + (v if o == "+" else -v)
        return {k: v for k, v in out.items() if v}
    if o != "*":
        return None
    if set(a) <= {CONST}:
        a, b = b, a
    if set(b) <= {CONST}:
        c = b.get(CONST, 0)
        return {k: v * c for k, v in a.items() if v * c}
    # a product of two symbols (n*i): one term, if each side is one term
    if len(a) == 1 and len(b) == 1 and CONST not in a and CONST not in b:
        (ka, va), (kb, vb) = next(iter(a.items())), next(iter(b.items()))
        return {tuple(sorted(ka + kb)): va * vb}
    return None


def _leaf(node: Node, subst: Mapping[str, Affine]) -> tuple[bool, Affine | None]:
    """(is a leaf, its value) for identifiers and numbers; other nodes are not leaves."""
    if node.type == "identifier":
        name = text(node)
        return True, dict(subst[name]) if name in subst else {(name,): 1}
    if node.type == "number_literal":
        return True, _number(node)
    return node.type not in ("binary_expression", "unary_expression"), None


def affine(node: Node | None, subst: Mapping[str, Affine]) -> Affine | None:
    """The affine form of an expression (``subst``: affine values of names), None when it is
    not affine.  Evaluated bottom-up on an explicit stack."""
    root = unparen(node)
    if root is None:
        return None
    leaf, value = _leaf(root, subst)
    if leaf:  # the common subscript: one name or number
        return value
    return fold_expression(root, lambda n: _leaf(n, subst), _combine,
                           lambda n, a: _unary(op(n), a))


def _unary(o: str, a: Affine | None) -> Affine | None:
    if a is None:
        return None
    if o == "-":
        return {k: -v for k, v in a.items()}
    return a if o == "+" else None


def signature(subs: list[Affine | None]) -> Signature:
    """The hashable form of an access's subscripts."""
    return tuple(None if a is None else tuple(sorted(a.items())) for a in subs)


class Reach(Enum):
    """How the elements two accesses touch relate across iterations of the loop."""

    UNKNOWN = "unknown"  # a subscript is not affine or mixes the index with an inner one
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
                   else self.reach in (Reach.EVERY, Reach.SWEEP))
        object.__setattr__(self, "carried", carried)


_UNKNOWN = Overlap(Reach.UNKNOWN)
_NEVER = Overlap(Reach.NEVER)


def _inner_term(t: Term, inner: frozenset[str]) -> bool:
    return any(n in inner for n in t)


def _sweeps(x: Affine, v: str, inner: frozenset[str]) -> bool:
    """An inner index without ``v``: the dimension takes every value of a range."""
    return not x.get((v,)) and any(_inner_term(t, inner) for t in x if t not in (CONST, (v,)))


@dataclass
class _Pinned:
    distance: int | None = None
    cross: bool = False


def _dimension(a: Affine, b: Affine, v: str, inner: frozenset[str],
               pinned: _Pinned) -> Overlap | None:
    """Compare one dimension; an Overlap decides the pair, None goes on to the next one."""
    vt = (v,)
    ca, cb = a.get(vt, 0), b.get(vt, 0)
    if any(v in t and len(t) > 1 for t in (*a, *b)):  # v inside a product (n*v)
        return _UNKNOWN
    if ca != cb:
        # x[i] on one side, x[j] (j an inner index) on the other: j runs over elements that
        # other iterations of i access (x[i] -= L[i][j]*x[j])
        if (ca and _sweeps(b, v, inner)) or (cb and _sweeps(a, v, inner)):
            pinned.cross = True
            return None
        return _UNKNOWN
    if any(_inner_term(t, inner) for t in (*a, *b) if t not in (CONST, vt)):
        return _UNKNOWN if ca else None  # an inner index alone: every value
    d = dict(a)
    for k, x in b.items():
        d[k] = d.get(k, 0) - x
    if any(x and t not in (CONST, vt) for t, x in d.items()):
        return _UNKNOWN
    c = d.get(CONST, 0)
    if ca == 0:
        return _NEVER if c else None
    if c % ca:
        return _NEVER
    dist = c // ca
    if pinned.distance is not None and pinned.distance != dist:
        return _NEVER
    pinned.distance = dist
    return None


@lru_cache(maxsize=65536)
def overlap(write: Signature, other: Signature, v: str, inner: frozenset[str]) -> Overlap:
    """How a write and another access of the same array (their :func:`signature`) overlap
    across iterations of the loop over ``v`` (``inner``: the indices of inner loops)."""
    if len(write) != len(other) or not write:
        return _UNKNOWN
    pinned = _Pinned()
    for wk, ok in zip(write, other, strict=True):
        if wk is None or ok is None:
            return _UNKNOWN
        got = _dimension(dict(wk), dict(ok), v, inner, pinned)
        if got is not None:
            return got
    if pinned.distance is not None:  # a dimension pins the distance: x[i][k] vs x[i][j]
        return Overlap(Reach.DISTANCE, pinned.distance)
    return Overlap(Reach.SWEEP) if pinned.cross else Overlap(Reach.EVERY)
