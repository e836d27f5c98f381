"""The value of an expression after the preprocessor, when it is an integer constant; and
whether two arrays' declared sizes are the same: the caller's array and the rows of the
parameter it is passed to.

An argument ``A`` of type ``T[K][N][M]`` (or ``T (*)[N][M]``) passed to a parameter declared
``T a[K2][N2][M2]`` reaches, through it, the caller's rows only when the row types ``T[N][M]``
and ``T[N2][M2]`` are the same: a parameter declared as an array of ``T[N2][M2]`` has type
``T (*)[N2][M2]`` (C11 6.7.6.3p7), and two array types whose sizes are integer constant
expressions are compatible only when those sizes have the same value (C11 6.7.6.2p6) — the
value, not the spelling: ``N + PAD`` with ``#define PAD 0`` is ``N`` once the preprocessor has
replaced the macros (C11 6.10.3, translation phase 4) and the constant expression is evaluated
(C11 6.6).  A size whose value is not known here (a name no macro of the file defines, a
variable length, a cast) is compared as written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accellium.dataset.analysis.conditions import integer_value
from accellium.dataset.analysis.macros import Macro, expand, parsed_expression, tokens
from accellium.dataset.analysis.polynomial import constant
from accellium.dataset.analysis.tree import norm
from accellium.dataset.offload import poly

__all__ = ["constant_value", "same_sizes"]


def constant_value(expr: str, table: Mapping[str, Macro]) -> int | None:
    """The value of the expression ``expr`` as written (an array size, a macro's name), with
    the macros of ``table`` replaced (``N + PAD`` with ``#define N 40`` and ``#define PAD 0``:
    40; ``VE`` with ``#define VM 1`` and ``#define VE (VM + 3)``: 4); None when what the
    preprocessor leaves is no integer constant expression of numbers and operators
    (:func:`~accellium.dataset.analysis.conditions.integer_value`: a name is left, a cast).
    A literal with a suffix that reading refuses (``512u``) is read as its polynomial."""
    got = expand(expr, table) if table else None
    value = integer_value(tokens(got if got is not None else expr))
    if value is not None:
        return value
    node = parsed_expression(got, "c") if got is not None else parsed_expression(expr, "c")
    p = poly.poly_of(node) if node is not None else None  # ``512u``: the literal's value
    return constant(p) if p is not None else None


def same_sizes(mine: Sequence[str], theirs: Sequence[str], my_macros: Mapping[str, Macro],
               their_macros: Mapping[str, Macro]) -> bool:
    """Are the sizes ``mine`` (read with the macros ``my_macros``) those of ``theirs`` (read
    with ``their_macros``), one by one: the same value when both are integer constants, else
    the same spelling (white space aside)."""
    if len(mine) != len(theirs):
        return False
    for a, b in zip(mine, theirs, strict=True):
        va, vb = constant_value(a, my_macros), constant_value(b, their_macros)
        if va is not None and vb is not None:
            if va != vb:
                return False
        elif norm(a) != norm(b):
            return False
    return True
