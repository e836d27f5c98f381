"""The value a local holds where a loop starts, when one assignment reaches the loop.

A bound spelled with a local that the function assigns again and again (``end = hi - lo +
1;`` before one loop, ``end = hi - lo;`` before the next) changes
inside a region that holds both loops, so no section of the region may use it.  Yet where each
loop starts the local holds the value of the one assignment that reaches it: in C a variable
keeps the last value stored to it (C11 6.2.4p2), and a local whose address is never taken is
stored to only by the function's own assignments to it.  When that assignment comes before
the loop in a block that holds both (every path to the loop runs it), no other assignment of
the local lies between them (nor in a host loop around the loop that does not hold the
assignment: its next iteration would reach the loop with that value), and the names of the
assigned expression keep their values from the assignment to the loop, the local is that
expression there — which the region's section can spell with names it does not change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, text
from accellium.dataset.offload import poly
from accellium.dataset.offload.extent import Span

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import Scope

__all__ = ["reaching_values", "with_reaching_values"]

_LOOPS = ("for_statement", "while_statement", "do_statement", "for_range_loop")


def _definitions(fn: Node, name: str) -> list[Node] | None:
    """The statements-level nodes that store to ``name`` in the function: assignments,
    ``++``/``--``, declarators with or without a value; None when its address is taken
    (``&name``: a store through a pointer is then one no name shows)."""
    out: list[Node] = []
    for n in iter_nodes(fn):
        t = n.type
        if t == "assignment_expression":
            left = _field(n, "left")
            if left is not None and left.type == "identifier" and text(left) == name:
                out.append(n)
        elif t == "update_expression":
            arg = _field(n, "argument")
            if arg is not None and arg.type == "identifier" and text(arg) == name:
                out.append(n)
        elif t == "init_declarator":
            d = _field(n, "declarator")
            if d is not None and d.type == "identifier" and text(d) == name:
                out.append(n)
        elif t == "pointer_expression" and text(n).lstrip().startswith("&"):
            arg = _field(n, "argument")
            if arg is not None and arg.type == "identifier" and text(arg) == name:
                return None
    return out


def _plain_store(d: Node, name: str) -> tuple[Node, Node] | None:
    """(the statement, the stored expression) of ``name = E;`` or ``T name = E;`` standing as a
    statement of a block (not in a condition, a loop header or a comma expression)."""
    if d.type == "assignment_expression":
        if text(_field(d, "operator")) != "=":
            return None
        stmt = d.parent
        if stmt is None or stmt.type != "expression_statement":
            return None
        value = _field(d, "right")
    elif d.type == "init_declarator":
        stmt = d.parent
        if stmt is None or stmt.type != "declaration":
            return None
        value = _field(d, "value")
    else:
        return None
    if value is None or stmt.parent is None or stmt.parent.type != "compound_statement":
        return None
    return stmt, value


def _dominating_store(name: str, at: Node, scope: Scope
                      ) -> tuple[Node, poly.Poly, list[int]] | None:
    """(the statement, its value, the byte offsets of every store to ``name``) of the one
    plain ``name = E;`` that every path to ``at`` runs last (None: there is none)."""
    got = scope.decls.get(name) or []
    if len(got) != 1 or not got[0].local or got[0].levels:
        return None
    defs = _definitions(scope.fn, name)
    if not defs:
        return None
    # every store the function makes to it, a statement macro's included (``assigned_at``)
    stored = [d.start_byte for d in defs] + list(scope.assigned_at.get(name, ()))
    if any(at.start_byte <= b < at.end_byte for b in stored):
        return None  # the loop itself stores to it
    before = [d for d in defs if d.end_byte <= at.start_byte]
    store = _plain_store(max(before, key=lambda d: d.start_byte), name) if before else None
    if store is None:
        return None
    stmt, value = store
    block = stmt.parent
    assert block is not None
    # the block holding the store holds the loop, after it: every path to the loop runs it
    p: Node | None = at
    while p is not None and (p.parent is None or p.parent.id != block.id):
        p = p.parent
    if p is None or p.start_byte < stmt.end_byte or \
            any(stmt.end_byte <= b < at.start_byte for b in stored) or \
            (block.parent is not None and block.parent.type == "switch_statement"):
        return None  # not before the loop in its block, or another store between them
    if any(n.type == "labeled_statement" and stmt.end_byte <= n.start_byte < at.start_byte
           for n in iter_nodes(scope.fn)):
        return None  # a `goto` may reach the loop past the assignment
    value_poly = poly.poly_of(value)
    if value_poly is None or name in poly.names(value_poly):
        return None
    return stmt, value_poly, stored


def _reaching(name: str, at: Node, scope: Scope, since: int | None) -> poly.Poly | None:
    from accellium.dataset.offload.calls import is_param  # (calls -> here)

    found = _dominating_store(name, at, scope)
    if found is None:
        return None
    stmt, value_poly, stored = found
    names = poly.names(value_poly)
    for n in names:  # the value's names keep theirs from the store to the loop
        if scope.assigned_between(n, stmt.end_byte, at.start_byte):
            return None
    outer = [n for n in names if not any(d.local or is_param(d) for d in scope.decls.get(n) or [])]
    lo = stmt.end_byte if since is None else min(since, stmt.end_byte)
    if outer and any(is_call(n) and lo <= n.start_byte < at.start_byte
                     for n in iter_nodes(scope.fn)):
        return None  # a call may store to a global the value names (here or since `since`)
    # a host loop around the loop but not the store: its next iteration reaches the loop with
    # what its body stored last
    q = at.parent
    while q is not None and stmt.parent is not None and q.id != stmt.parent.id:
        if q.type in _LOOPS and (
                any(q.start_byte <= b < q.end_byte for b in stored) or
                any(scope.assigned_between(n, q.start_byte, q.end_byte) for n in names)):
            return None
        q = q.parent
    return value_poly


def reaching_values(names: set[str], at: Node, scope: Scope, since: int | None = None
                    ) -> dict[str, poly.Poly]:
    """The names among ``names`` that are locals holding, where the statement ``at`` starts,
    the value of the one assignment that reaches it, with that value.  ``since``: where the
    span will be evaluated (a region's start, when it lies before the assignment): a value
    naming a global then also needs no call between there and ``at``."""
    return {n: v for n in sorted(names) if (v := _reaching(n, at, scope, since)) is not None}


def with_reaching_values(span: Span, names: set[str], at: Node, scope: Scope,
                         since: int | None = None) -> Span | None:
    """``span`` with the locals among ``names`` replaced by their value where ``at`` starts
    (None: not every one of them has such a value, or the span does not hold once
    replaced)."""
    values = reaching_values(names, at, scope, since)
    if set(values) != names:
        return None
    return span.substituted(values)
