"""Whether two arrays' declared sizes are the same: the caller's array and the rows of the
parameter it is passed to.

An argument ``A`` of type ``T[K][N][M]`` (or ``T (*)[N][M]``) passed to a parameter declared
``T a[K2][N2][M2]`` reaches, through it, the caller's rows only when the row types ``T[N][M]``
and ``T[N2][M2]`` are the same: a parameter declared as an array of ``T[N2][M2]`` has type
``T (*)[N2][M2]`` (C11 6.7.6.3p7), and two array types whose sizes are integer constant
expressions are compatible only when those sizes have the same value (C11 6.7.6.2p6) — the
value, not the spelling: ``N + PAD`` with ``#define PAD 0`` is ``N`` once the preprocessor has
replaced the macros (C11 6.10.3, translation phase 4) and the constant expression is evaluated
(C11 6.6).  A size whose value is not known here (a name no macro of the file defines, a
variable length, an operator the polynomial reading has not) is compared as written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accellium.dataset.analysis.macros import Macro, _expression, expanded_text
from accellium.dataset.analysis.polynomial import constant
from accellium.dataset.analysis.tree import norm
from accellium.dataset.offload import poly

__all__ = ["size_value", "same_sizes"]


def size_value(size: str, table: Mapping[str, Macro]) -> int | None:
    """The value of the array size ``size`` as written, with the macros of ``table`` replaced
    (``N + PAD`` with ``#define N 40`` and ``#define PAD 0``: 40); None when it is no integer
    constant expression read here (a name is left, a division, a cast)."""
    node = expanded_text(size, table) if table else None
    if node is None:
        node = _expression(size, "c")
    p = poly.poly_of(node) if node is not None else None
    return constant(p) if p is not None else None


def same_sizes(mine: Sequence[str], theirs: Sequence[str], my_macros: Mapping[str, Macro],
               their_macros: Mapping[str, Macro]) -> bool:
    """Are the sizes ``mine`` (read with the macros ``my_macros``) those of ``theirs`` (read
    with ``their_macros``), one by one: the same value when both are integer constants, else
    the same spelling (white space aside)."""
    if len(mine) != len(theirs):
        return False
    for a, b in zip(mine, theirs, strict=True):
        va, vb = size_value(a, my_macros), size_value(b, their_macros)
        if va is not None and vb is not None:
            if va != vb:
                return False
        elif norm(a) != norm(b):
            return False
    return True
