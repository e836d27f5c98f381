"""Conditional subscripts read as their alternatives.

A conditional expression ``c ? x : y`` takes the value of x or of y, so an access
``a[c ? x : y]`` (directly, or through a local assigned once: ``up = i > 0 ? k - n : k``)
touches an element of ``a[x]`` or one of ``a[y]``.  For the dependence test the access is
the set of accesses with each alternative, and a dependence exists if it exists for any of
them.  Expressions are read as affine forms (:func:`.affine.affine`) per alternative; more
than :data:`MAX_ALTERNATIVES` alternatives for one access make its subscript unknown (a
subscript that takes any value), as does a conditional nested deeper than
:data:`MAX_NESTING`.  A section computed from such an access must cover every alternative:
:mod:`.arrays` computes none from it (its plain subscript stays unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product

from tree_sitter import Node

from accellium.dataset.analysis.affine import Affine, combine
from accellium.dataset.analysis.macros import Macro, expanded_call
from accellium.dataset.analysis.polynomial import CONST, add, number, unary
from accellium.dataset.analysis.tree import field, fold_expression, norm, op, text, unparen
from accellium.dataset.analysis.value_types import narrowing_cast

__all__ = ["Alternatives", "MAX_ALTERNATIVES", "MAX_NESTING", "values", "expand", "shifted"]

#: the values an expression may take, each an affine form
Alternatives = tuple[Affine, ...]
MAX_ALTERNATIVES = 8
MAX_NESTING = 4


def _key(a: Affine) -> tuple:
    return tuple(sorted(a.items()))


def _distinct(forms: list[Affine | None]) -> Alternatives | None:
    if any(f is None for f in forms):
        return None
    out: dict[tuple, Affine] = {}
    for f in forms:
        out.setdefault(_key(f), f)  # type: ignore[arg-type]
    return tuple(out.values()) if len(out) <= MAX_ALTERNATIVES else None


def _union(x: Alternatives | None, y: Alternatives | None) -> Alternatives | None:
    return None if x is None or y is None else _distinct([*x, *y])


def values(node: Node | None, subst: Mapping[str, Alternatives],
           depth: int = 0, macros: Mapping[str, Macro] | None = None) -> Alternatives | None:
    """The affine values an expression may take (``subst``: the values of names; ``macros``:
    the file's function-like macros, :mod:`.macros`), None when one is not affine or there
    are too many."""
    root = unparen(node)
    if root is None or narrowing_cast(node):
        return None  # `(unsigned char)i` wraps: not affine (:mod:`.value_types`)

    def leaf(n: Node) -> tuple[bool, Alternatives | None]:
        t = n.type
        if t == "identifier":
            name = text(n)
            return True, subst[name] if name in subst else ({(name,): 1},)
        if t == "field_expression":  # a member read the caller holds fixed (``g->nx``)
            return True, subst.get(norm(text(n)))
        if t == "number_literal":
            a = number(n, zero=True)
            return True, None if a is None else (a,)
        if t in ("conditional_expression", "call_expression") and depth >= MAX_NESTING:
            return True, None
        if t == "conditional_expression":
            return True, _union(values(field(n, "consequence"), subst, depth + 1, macros),
                                values(field(n, "alternative"), subst, depth + 1, macros))
        if t == "call_expression":
            body = expanded_call(n, macros) if macros else None
            return True, None if body is None else values(body, subst, depth + 1, macros)
        return t not in ("binary_expression", "unary_expression"), None

    def binary(n: Node, a: Alternatives | None, b: Alternatives | None
               ) -> Alternatives | None:
        if a is None or b is None or len(a) * len(b) > MAX_ALTERNATIVES * MAX_ALTERNATIVES:
            return None
        return _distinct([combine(n, x, y) for x in a for y in b])

    def unary_values(n: Node, a: Alternatives | None) -> Alternatives | None:
        return None if a is None else _distinct([unary(op(n), x) for x in a])

    return fold_expression(root, leaf, binary, unary_values)


def expand(dims: list[Alternatives | None]) -> list[list[Affine | None]]:
    """The subscript lists of an access whose dimensions take these values (None: unknown),
    one per combination; beyond :data:`MAX_ALTERNATIVES` combinations every dimension with
    several values is unknown."""
    count = 1
    for d in dims:
        count *= len(d) if d else 1
    if count > MAX_ALTERNATIVES:
        dims = [d if d is not None and len(d) == 1 else None for d in dims]
    choices = [list(d) if d else [None] for d in dims]
    return [list(c) for c in product(*choices)]


def shifted(base: Alternatives | None, terms: list[tuple[int, Alternatives | None]]
            ) -> Alternatives | None:
    """The values of ``base`` (None: 0) plus each term times its sign (+1 or -1): the
    subscript of an access through a pointer that points ``terms`` further (C11 6.5.6)."""
    out: Alternatives | None = base if base is not None else ({CONST: 0},)
    for sign, term in terms:
        if out is None or term is None or len(out) * len(term) > MAX_ALTERNATIVES:
            return None
        out = _distinct([add(x, y, sign) or {CONST: 0} for x in out for y in term])
    return out
