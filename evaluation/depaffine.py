"""Integer polynomials over names, read from subscript text, for :mod:`evaluation.depcheck`:
enough arithmetic to show that two subscripts never name one element (general facts of
integer arithmetic, nothing shared with the analysis the engines and the safety guard use).

A subscript is read as a sum of products of names and integer constants (``i*(n+2) + j - 1``);
anything else (a division, a call, a member, an element) makes it unreadable (``None``), and a
caller then keeps its conservative answer."""

from __future__ import annotations

import re

from accellium.evaluation.depscan import tokens

__all__ = ["Poly", "poly", "names", "const", "minus", "plus", "times", "span", "at_least_one"]

Poly = dict[tuple[str, ...], int]  # monomial (sorted names, () for the constant) -> coefficient


def _norm(p: Poly) -> Poly:
    return {m: c for m, c in p.items() if c != 0}


def plus(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for m, c in b.items():
        out[m] = out.get(m, 0) + c
    return _norm(out)


def times(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for m1, c1 in a.items():
        for m2, c2 in b.items():
            m = tuple(sorted(m1 + m2))
            out[m] = out.get(m, 0) + c1 * c2
    return _norm(out)


def minus(a: Poly, b: Poly) -> Poly:
    return plus(a, {m: -c for m, c in b.items()})


def const(p: Poly) -> int | None:
    """The value of a constant polynomial (None: it names something)."""
    if any(m for m in p):
        return None
    return p.get((), 0)


def names(p: Poly) -> set[str]:
    return {x for m in p for x in m}


class _Parser:
    def __init__(self, toks: list[str]) -> None:
        self.t, self.k = toks, 0

    def peek(self) -> str:
        return self.t[self.k] if self.k < len(self.t) else ""

    def expr(self) -> Poly | None:
        out = self.term()
        while out is not None and self.peek() in ("+", "-"):
            op = self.t[self.k]
            self.k += 1
            rhs = self.term()
            if rhs is None:
                return None
            out = plus(out, rhs) if op == "+" else minus(out, rhs)
        return out

    def term(self) -> Poly | None:
        out = self.unary()
        while out is not None and self.peek() == "*":
            self.k += 1
            rhs = self.unary()
            if rhs is None:
                return None
            out = times(out, rhs)
        return out

    def unary(self) -> Poly | None:
        t = self.peek()
        if t in ("-", "+"):
            self.k += 1
            inner = self.unary()
            return None if inner is None else (times({(): -1}, inner) if t == "-" else inner)
        if t == "(":
            self.k += 1
            inner = self.expr()
            if inner is None or self.peek() != ")":
                return None
            self.k += 1
            return inner
        self.k += 1
        if re.fullmatch(r"\d+[uUlL]*", t):
            return _norm({(): int(re.sub(r"[uUlL]", "", t))})
        if re.fullmatch(r"[A-Za-z_]\w*", t):
            if self.peek() in ("(", "[", ".", "->"):
                return None  # a call, an element or a member
            return {(t,): 1}
        return None


def poly(text: str) -> Poly | None:
    """``text`` as a polynomial, or None where it is not a sum of products of names and
    integers."""
    toks = tokens(text)
    if not toks:
        return None
    p = _Parser(toks)
    out = p.expr()
    return out if out is not None and p.k == len(toks) else None


def span(p: Poly, ranges: dict[str, tuple[Poly, Poly]], counts: list[Poly] | None = None
         ) -> tuple[Poly, Poly] | None:
    """(least, greatest) value of ``p`` where each name in ``ranges`` runs over its closed
    range and every other name is fixed: only where ``p`` is ``sum(v * c_v) + r`` with at most
    one ranging name per term and each ``c_v`` of known sign (an integer, or a polynomial that
    is at least 1 by ``counts``, see :func:`at_least_one`), else None."""
    coef: dict[str, Poly] = {}
    lo: Poly = {}
    hi: Poly = {}
    for m, c in p.items():
        ranging = [x for x in m if x in ranges]
        if not ranging:
            lo, hi = plus(lo, {m: c}), plus(hi, {m: c})
            continue
        if len(ranging) != 1 or m.count(ranging[0]) != 1:
            return None
        v = ranging[0]
        rest = list(m)
        rest.remove(v)
        coef[v] = plus(coef.get(v, {}), {tuple(rest): c})
    for v, cv in coef.items():
        a, b = ranges[v]
        k = const(cv)
        if k is not None:
            up = k >= 0
        elif at_least_one(cv, counts or []):
            up = True
        elif at_least_one(times({(): -1}, cv), counts or []):
            up = False
        else:
            return None
        ca, cb = times(cv, a), times(cv, b)
        lo, hi = (plus(lo, ca), plus(hi, cb)) if up else (plus(lo, cb), plus(hi, ca))
    return lo, hi


def at_least_one(d: Poly, counts: list[Poly]) -> bool:
    """Whether ``d >= 1`` follows from ``t >= 1`` for each ``t`` in ``counts`` (the trip counts
    of loops that run): ``d`` is a constant >= 1, or ``a * t + r`` with a whole ``a >= 1`` and a
    constant ``r >= 1 - a``."""
    c = const(d)
    if c is not None:
        return c >= 1
    # a product of counts is a count too (each is at least 1)
    grown = [x for x in counts if const(x) is None]
    grown += [times(x, y) for i, x in enumerate(grown) for y in grown[i + 1:]]
    for t in grown:
        terms = [(m, x) for m, x in t.items() if m]
        if not terms:
            continue
        m0, x0 = terms[0]
        if d.get(m0, 0) % x0 or d.get(m0, 0) // x0 < 1:
            continue
        a = d[m0] // x0
        r = const(minus(d, times({(): a}, t)))
        if r is not None and r >= 1 - a:
            return True
    return False
