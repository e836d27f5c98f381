"""Polynomials over C names with integer coefficients: subscripts and loop bounds as the offload
planner reads them (``(i - 1) * n + j`` is ``n*i - n + j``).

A polynomial is the analysis's form, with its arithmetic
(:mod:`accellium.dataset.analysis.polynomial`): a dict from a :data:`Term` (the sorted names of
a product; ``()`` is the constant) to its coefficient, here within limits on its size.
:func:`poly_of` reads one from a tree-sitter expression (``None`` when the expression is not a
polynomial: a division, a call, a memory read); the sign tests take names as non-negative
(:func:`nonneg`) — names in subscripts and bounds are loop indices from 0 and sizes — or, for
comparing two sizes, as at least 1 (:func:`at_least_one`), unless the minimums given say
otherwise: a :class:`Minimums` bounds only the names a fact of C bounds, any other name may be
any ``int``.
"""

from __future__ import annotations

from collections.abc import Mapping

from tree_sitter import Node

from accellium.dataset.analysis.polynomial import (
    CONST,
    Poly,
    Term,
    add,
    const,
    is_const,
    leaf,
    names,
    neg,
    product,
    sub,
    unary,
    var,
)
from accellium.dataset.analysis.tree import fold_expression, op, unparen
from accellium.dataset.analysis.value_types import narrowing_cast

__all__ = ["Poly", "const", "var", "add", "sub", "neg", "mul", "poly_of", "split", "subst",
           "nonneg", "at_least_one", "compare", "render", "is_const", "names", "Minimums",
           "INT_MIN"]

#: Limits that keep a malformed or adversarial subscript cheap: more terms or a higher degree
#: is "not a polynomial we read".
MAX_TERMS = 48
MAX_DEGREE = 4

#: the smallest value of a C ``int`` (two's complement, 32 bits)
INT_MIN = -(2**31)


class Minimums(dict[str, int]):
    """The smallest values of the names a fact of C bounds (a loop that runs bounds its limit,
    an object-like macro is its number); any other name may hold any ``int`` (``INT_MIN``): a
    parameter ``int k`` is 0 or negative when the caller passes that (C11 6.5.2.2p4: the
    argument's value, nothing more), where a plain mapping's missing name counts as a size of
    at least 1 (:func:`at_least_one`)."""


def _clean(p: dict[Term, int]) -> Poly | None:
    out = {k: v for k, v in p.items() if v}
    if len(out) > MAX_TERMS or any(len(k) > MAX_DEGREE for k in out):
        return None
    return out


def mul(a: Poly | None, b: Poly | None) -> Poly | None:
    if a is None or b is None:
        return None
    return _clean(product(a, b))


# -- reading ---------------------------------------------------------------------------------


def _combine(o: str, a: Poly | None, b: Poly | None) -> Poly | None:
    if a is None or b is None:
        return None
    if o == "+":
        return _clean(add(a, b))
    if o == "-":
        return _clean(sub(a, b))
    if o == "*":
        return mul(a, b)
    return None


def poly_of(node: Node | None, env: Mapping[str, Poly] | None = None) -> Poly | None:
    """The polynomial of an expression (``env``: the values of names), None when it is not
    one.  Bottom-up on an explicit stack (no recursion)."""
    env = env or {}
    root = unparen(node)
    if root is None or narrowing_cast(node):
        return None  # `(unsigned char)i` wraps (:mod:`accellium.dataset.analysis.value_types`)
    return fold_expression(root, lambda n: leaf(n, env), lambda n, a, b: _combine(op(n), a, b),
                           lambda n, a: unary(op(n), a))


# -- substitution and signs ------------------------------------------------------------------


def split(p: Poly, name: str) -> tuple[Poly, Poly] | None:
    """``(c, r)`` with ``p == c*name + r`` (None when ``name`` appears squared)."""
    c: Poly = {}
    r: Poly = {}
    for k, v in p.items():
        n = k.count(name)
        if n > 1:
            return None
        if n == 1:
            rest = list(k)
            rest.remove(name)
            c[tuple(rest)] = v
        else:
            r[k] = v
    return c, r


def subst(p: Poly, name: str, value: Poly) -> Poly | None:
    """``p`` with ``name`` replaced by ``value`` (any degree)."""
    out: Poly = {}
    for k, v in p.items():
        term: Poly | None = {tuple(n for n in k if n != name): v}
        for _ in range(k.count(name)):
            term = mul(term, value)
        if term is None:
            return None
        out = add(out, term)
    return _clean(out)


def nonneg(p: Poly) -> bool:
    """``p >= 0`` whenever every name is ``>= 0`` (every coefficient is)."""
    return all(v >= 0 for v in p.values())


def _least(mins: Mapping[str, int] | None, name: str) -> int:
    """The smallest value ``name`` takes: its minimum in ``mins``, else 1 (a size) — or any
    ``int`` when ``mins`` is a :class:`Minimums`."""
    if mins is None:
        return 1
    return mins.get(name, INT_MIN if isinstance(mins, Minimums) else 1)


def at_least_one(p: Poly, mins: Mapping[str, int] | None = None) -> bool:
    """``p >= 0`` whenever every name is ``>= 1`` (or at least its minimum in ``mins``, see
    :func:`_least`): ``p(x + m)`` has no negative coefficient."""
    least = {n: _least(mins, n) for n in names(p)}
    if nonneg(p) and all(m >= 0 for m in least.values()):
        return True
    shifted: Poly | None = p
    for n in sorted(least):
        shifted = subst(shifted, n, {(n,): 1, CONST: least[n]}) if shifted is not None else None
    return shifted is not None and nonneg(shifted)


def compare(a: Poly, b: Poly, mins: Mapping[str, int] | None = None) -> int | None:
    """-1 when ``a <= b``, 1 when ``a >= b``, 0 when equal, None when the signs do not say
    (names taken as sizes: at least 1, or their minimum in ``mins``)."""
    d = sub(b, a)
    if not d:
        return 0
    if at_least_one(d, mins):
        return -1
    if at_least_one(neg(d), mins):
        return 1
    return None


# -- rendering -------------------------------------------------------------------------------


def _term_text(k: Term, v: int) -> str:
    body = "*".join(k)
    if not k:
        return str(abs(v))
    return body if abs(v) == 1 else f"{abs(v)}*{body}"


def render(p: Poly) -> str:
    """C text of ``p``: higher degrees first, the constant last (``n*n-n+1``)."""
    if not p:
        return "0"
    keys = sorted(p, key=lambda k: (-len(k), p[k] < 0, k))
    out = []
    for i, k in enumerate(keys):
        v = p[k]
        t = _term_text(k, v)
        if i == 0:
            out.append(t if v > 0 else f"-{t}")
        else:
            out.append(f"{'+' if v > 0 else '-'}{t}")
    return "".join(out)
