"""Polynomials over C names with integer coefficients: the one form in which the analysis and
the offload planner read subscripts, loop bounds and sizes, its arithmetic, and its leaves.

A polynomial is a dict from a :data:`Term` — the sorted names of a product, so ``n*i`` and
``i*n`` are one term; ``()`` (:data:`CONST`) is the constant — to its coefficient:
``2*i + n*j - 1`` is ``{(i,): 2, (j, n): 1, (): -1}``.  The arithmetic drops the terms whose
coefficient is 0 and sets no limit on the size of a product: the readers of expressions
(:func:`.affine.affine`, the offload planner's ``poly_of``) set their own.
"""

from __future__ import annotations

from collections.abc import Mapping

from tree_sitter import Node

from accellium.dataset.analysis.tree import norm, text

__all__ = ["Term", "Poly", "CONST", "const", "var", "add", "neg", "sub", "product", "unary",
           "constant", "is_const", "names", "number", "leaf"]

Term = tuple[str, ...]
Poly = dict[Term, int]
#: The constant term.
CONST: Term = ()


def const(c: int) -> Poly:
    return {CONST: c} if c else {}


def var(name: str) -> Poly:
    return {(name,): 1}


def add(a: Poly, b: Poly, k: int = 1) -> Poly:
    """``a + k*b``."""
    out = dict(a)
    for t, v in b.items():
        out[t] = out.get(t, 0) + k * v
    return {t: v for t, v in out.items() if v}


def neg(a: Poly) -> Poly:
    return {t: -v for t, v in a.items()}


def sub(a: Poly, b: Poly, k: int = 1) -> Poly:
    """``a - k*b``."""
    return add(a, b, -k)


def product(a: Poly, b: Poly) -> Poly:
    """``a * b``, distributed: ``(i - 1)*(m + 1)`` is ``i*m + i - m - 1``."""
    out: Poly = {}
    for ka, va in a.items():
        for kb, vb in b.items():
            t = tuple(sorted(ka + kb))
            out[t] = out.get(t, 0) + va * vb
    return {t: v for t, v in out.items() if v}


def unary(o: str, a: Poly | None) -> Poly | None:
    """``+a`` and ``-a``; any other unary operator (``~``, ``!``, ``*``, ``&``) is not a
    polynomial."""
    if a is None:
        return None
    if o == "-":
        return neg(a)
    return a if o == "+" else None


def constant(p: Poly) -> int | None:
    """The value of a constant polynomial, None when a name occurs."""
    return p.get(CONST, 0) if set(p) <= {CONST} else None


def is_const(p: Poly) -> bool:
    return set(p) <= {CONST}


def names(p: Poly) -> set[str]:
    """Every name the polynomial uses, also inside products."""
    return {n for t in p for n in t}


def number(node: Node, zero: bool = False) -> Poly | None:
    """The polynomial of an integer literal (``10``, ``0x1F``, ``8u``, ``10UL``); None for any
    other number (``1.5``).  A literal 0 is the empty polynomial, or ``{CONST: 0}`` where
    ``zero`` asks for its term to be kept."""
    s = text(node).rstrip("uUlL")
    try:
        c = int(s, 0)
    except ValueError:
        return None
    return {CONST: c} if zero else const(c)


def leaf(node: Node, env: Mapping[str, Poly], zero: bool = False
         ) -> tuple[bool, Poly | None]:
    """(is a leaf, its polynomial) of an expression node: a name is its value in ``env`` or
    itself, a member read its value in ``env`` (spelled without white space,
    :mod:`.member_reads`), an integer literal its :func:`number`; any other node that is not a binary or
    unary operation is a leaf that is not a polynomial (a call, a memory read)."""
    if node.type == "identifier":
        name = text(node)
        return True, dict(env[name]) if name in env else var(name)
    if node.type == "field_expression":  # a member read the caller holds fixed (``g->nx``)
        key = norm(text(node))
        return True, dict(env[key]) if key in env else None
    if node.type == "number_literal":
        return True, number(node, zero)
    return node.type not in ("binary_expression", "unary_expression"), None
