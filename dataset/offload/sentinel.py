"""The values a local holds after a last store that replaces a sentinel: ``if (v == c) v = e;``
(:func:`final_guard`, :func:`clipped`), for :mod:`.held`.

The fact used (C11 6.8.4.1p2: the substatement of an ``if`` without ``else`` runs exactly when
its controlling expression compares unequal to 0; 6.5.9p3, 6.5.8p6: ``==`` and ``<`` yield 1
exactly when the relation holds): after

    if (v == c)
        v = e;

``v`` either did not equal ``c`` — and kept what it held — or holds ``e``.  So when this
statement is the last store to ``v`` in the block declaring it, a read later in the block sees
one of the values stored to ``v`` other than ``c``, or ``e``: the sentinel drops out of the
range (``int i = -1;`` then ``i = x`` for ``x`` in ``0..n-1``, then ``if (i == -1) i = n - 1;``:
``i`` is in ``0..n-1`` there, not ``-1..n-1``).  The same holds for ``if (v < c) v = e;``
(after it ``v >= c`` or ``v == e``), and ``<=``, ``>``, ``>=`` alike.

Conditions, each a fact the conclusion needs:

* ``v`` is of a signed integer type (``int``, ``long``, ``short``, ``long long``,
  ``ptrdiff_t`` (7.19p2); not ``char``, whose signedness the implementation picks,
  6.2.5p15): the values of an integer
  are whole numbers, so leaving out ``c`` at the end of a range moves that end by one, and
  ``v <= c`` excludes everything up to ``c + 1``;
* the comparison is ``v op c`` or ``c op v`` with ``v`` itself (in parentheses only: a cast
  compares another value) and ``op`` one of ``==``, ``<``, ``<=``, ``>``, ``>=``; for the
  orderings ``c`` is a decimal integer constant without suffix, which has a signed type
  (6.4.4.1p5), so the usual arithmetic conversions (6.3.1.8) keep both values and their order;
  an unsigned ``c`` would turn ``v = -1`` into a large value that is not ``< c``;
* the consequence is the one statement ``v = e;`` (or a block holding only it), the ``if``
  has no ``else`` and is a statement of the block declaring ``v``, after the declaration;
* every other store to ``v`` lies before the ``if``: with no ``goto`` and no ``case`` label in
  the block (checked by :mod:`.held`), a read after the ``if`` in the block is reached only
  through it, and nothing stores to ``v`` in between.

A read before the guard, or in its condition, still sees the sentinel: there the plain union
holds (``tests/test_offload_sentinel.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.tree import clause_value, field, named, op, text
from accellium.dataset.offload import poly

if TYPE_CHECKING:
    from accellium.dataset.offload.extent import Span

__all__ = ["Guard", "final_guard", "clipped"]

_MIRROR = {"==": "==", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SIGNED = frozenset({"int", "long", "short", "long long", "long int", "short int",
                     "long long int", "signed", "signed int", "signed long", "signed short",
                     "signed long long", "ptrdiff_t"})


@dataclass(frozen=True)
class Guard:
    """``if (v op c) v = e;``, ``v`` on the left of ``op``."""

    after: Node  # the consequence: the narrowed values hold after it, to the block's end
    store: Node  # the assignment ``v = e``
    op: str
    bound: Node  # ``c``


def _bare(node: Node | None) -> Node | None:
    """The expression inside any parentheses (not casts: a cast changes the value), and
    inside a C++ controlling expression's ``condition_clause`` (:func:`clause_value`)."""
    while node is not None and node.type in ("parenthesized_expression", "condition_clause"):
        if node.type == "condition_clause":
            node = clause_value(node)
            continue
        kids = named(node)
        node = kids[-1] if len(kids) == 1 else None
    return node


def _signed_integer(decl: Node) -> bool:
    """Is the local ``decl`` (an ``init_declarator``) declares of a signed integer type?"""
    holder = decl.parent
    t = field(holder, "type")
    return t is not None and " ".join(text(t).split()) in _SIGNED


def _signed_constant(node: Node | None) -> bool:
    """A decimal integer constant without suffix (``0``, ``-1``): of a signed type."""
    n = _bare(node)
    if n is not None and n.type == "unary_expression" and op(n) == "-":
        n = _bare(field(n, "argument"))
    if n is None or n.type != "number_literal":
        return False
    digits = text(n).lstrip("-").strip()
    return digits.isdigit() and (digits == "0" or not digits.startswith("0"))


def _only_store(consequence: Node, name: str) -> Node | None:
    """The assignment ``name = e`` that is the whole consequence (alone in a block)."""
    stmt = consequence
    if stmt.type == "compound_statement":
        kids = named(stmt)
        if len(kids) != 1:
            return None
        stmt = kids[0]
    kids = named(stmt) if stmt.type == "expression_statement" else []
    a = kids[0] if len(kids) == 1 else None
    left = field(a, "left")
    if a is None or a.type != "assignment_expression" or op(a) != "=" or left is None or \
            left.type != "identifier" or text(left) != name:
        return None
    return a


def final_guard(name: str, decl: Node, block: Node, stores: list[Node]) -> Guard | None:
    """The guard ``if (name op c) name = e;`` that is the last store to ``name`` (``stores``:
    every assignment to it) in ``block``, the block declaring it by ``decl`` (module doc)."""
    if not stores or not _signed_integer(decl):
        return None
    last = max(stores, key=lambda s: s.start_byte)
    stmt = last.parent
    while stmt is not None and stmt.parent is not None and stmt.parent.id != block.id:
        stmt = stmt.parent
    if stmt is None or stmt.type != "if_statement" or stmt.start_byte < decl.end_byte or \
            field(stmt, "alternative") is not None:
        return None
    cons = field(stmt, "consequence")
    own = _only_store(cons, name) if cons is not None else None
    if cons is None or own is None or own.id != last.id or \
            any(s.id != own.id and s.end_byte > stmt.start_byte for s in stores):
        return None
    cond = _bare(field(stmt, "condition"))
    if cond is None or cond.type != "binary_expression" or op(cond) not in _MIRROR:
        return None
    left, right = _bare(field(cond, "left")), _bare(field(cond, "right"))
    if left is not None and left.type == "identifier" and text(left) == name:
        o, c = op(cond), right
    elif right is not None and right.type == "identifier" and text(right) == name:
        o, c = _MIRROR[op(cond)], left
    else:
        return None
    if c is None or (o != "==" and not _signed_constant(c)):
        return None
    return Guard(cons, own, o, c)


def _le(a: poly.Poly, b: poly.Poly, mins: dict[str, int]) -> bool:
    c = poly.compare(a, b, mins)
    return c is not None and c <= 0


def clipped(span: Span, o: str, c: poly.Poly, mins: dict[str, int]) -> Span | None:
    """The values of ``span`` that ``v op c`` leaves alone (``v`` kept after the guard): None
    when none is (every value of ``span`` is replaced); the span itself when the bounds
    cannot be ordered with ``c``."""
    from accellium.dataset.offload.extent import Span  # (extent -> held -> here)

    one = poly.const(1)
    lo, hi = span.lo, span.hi
    if o == "==":
        at_lo, at_hi = poly.compare(lo, c) == 0, poly.compare(hi, c) == 0
        if at_lo and at_hi:
            return None
        if at_lo:
            return Span(poly.add(c, one), hi)
        if at_hi:
            return Span(lo, poly.sub(c, one))
        return span
    if o in ("<", "<="):  # kept: v >= least
        least = c if o == "<" else poly.add(c, one)
        if _le(hi, poly.sub(least, one), mins):
            return None
        return Span(least, hi) if _le(lo, least, mins) else span
    most = c if o == ">" else poly.sub(c, one)  # kept: v <= most
    if _le(poly.add(most, one), lo, mins):
        return None
    return Span(lo, most) if _le(most, hi, mins) else span
