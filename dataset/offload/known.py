"""Locals whose value is known where a region runs: ``int size = rows * cols;`` declared
before the region, never assigned again, from names the function does not assign between the
declaration and the region's end.  Everywhere in the region ``size`` and ``rows * cols`` are
the same number, so two sections, one in each spelling, can be united (the one data clause
of the region names the elements of both).  The same holds of a local the function assigns
once, by a statement ``size = rows * cols;`` of a block that holds the region, before it: the
statements of a block run in order (C11 6.8.2p3), so every run of the region comes after
that assignment and no other."""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.macros import Macro, parsed_expression, visible_at
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, root_of, text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.extent import Span
from accellium.dataset.offload.size_values import constant_value

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import Scope

__all__ = ["spelled_out", "macros_spelled_out", "macros_spelled_at", "macro_values"]

_ROUNDS = 4


def _value(name: str, decl: Node) -> Node | None:
    for d in decl.children_by_field_name("declarator"):
        if d.type == "init_declarator" and text(_field(d, "declarator")) == name:
            return _field(d, "value")
    return None


def _assigned_once(name: str, scope: Scope, start: int) -> Node | None:
    """The value of the one assignment of ``name`` in the function when it is a statement
    ``name = e;`` of a block that holds byte ``start`` (the region's), before it."""
    at = scope.assigned_at.get(name) or []
    if len(at) != 1 or at[0] >= start:
        return None
    key = f"known:assignments:{scope.fn.id}"
    table = scope.memo.get(key)
    if not isinstance(table, dict):  # the function's assignments by position, read once
        table = {n.start_byte: n for n in iter_nodes(scope.fn)
                 if n.type == "assignment_expression"}
        scope.memo[key] = table
    node = table.get(at[0])
    stmt = node.parent if node is not None else None
    block = stmt.parent if stmt is not None else None
    left = unparen(_field(node, "left")) if node is not None else None
    if node is None or op(node) != "=" or left is None or text(left) != name or \
            stmt is None or stmt.type != "expression_statement" or block is None or \
            block.type != "compound_statement" or \
            not block.start_byte <= start < block.end_byte:
        return None
    return _field(node, "right")


def _known(name: str, scope: Scope, start: int, end: int) -> poly.Poly | None:
    got = scope.decls.get(name) or []
    if len(got) != 1 or not got[0].local or got[0].decl is None or got[0].levels:
        return None
    decl = got[0].decl
    if decl.type != "declaration" or decl.end_byte > start or not scope.visible(name, start):
        return None
    if scope.assigned_at.get(name):
        value = _assigned_once(name, scope, start)
        since = scope.assigned_at[name][0]
    else:
        value, since = _value(name, decl), decl.start_byte
    p = poly.poly_of(value)
    if p is None or name in poly.names(p):
        return None
    if any(scope.assigned_between(n, since, end) or not scope.visible(n, start)
           for n in poly.names(p)):
        return None
    return p


def spelled_out(spans: list[Span], scope: Scope, where: tuple[int, int]) -> list[Span] | None:
    """``spans`` with each local of known value replaced by its value (None: nothing to
    replace)."""
    return _substituted(spans, lambda names: {
        n: v for n in names if (v := _known(n, scope, *where)) is not None})


def _substituted(spans: list[Span], values_of: Callable[[set[str]], dict[str, poly.Poly]]
                 ) -> list[Span] | None:
    """``spans`` with the names ``values_of`` gives a value replaced by it, again while new
    names get one (at most ``_ROUNDS`` times; None: nothing replaced, or a span that does not
    hold once replaced)."""
    out, changed = list(spans), False
    for _ in range(_ROUNDS):
        values = values_of({n for s in out for p in (s.lo, s.hi) for n in poly.names(p)})
        if not values:
            break
        for k, s in enumerate(out):
            got = s.substituted(values)
            if got is None:
                return None
            out[k] = got
        changed = True
    return out if changed else None


def _macro_value(m: Macro) -> poly.Poly | None:
    """The polynomial an object-like macro's body is (None: a function-like macro, a body that
    is a number — it stays a name — or not a polynomial)."""
    if m.params is not None or m.constant:
        return None
    return poly.poly_of(parsed_expression(m.body, "c"))


def macros_spelled_out(spans: list[Span], scope: Scope, where: tuple[int, int]
                       ) -> list[Span] | None:
    """``spans`` with each object-like macro visible where the region starts whose body is an
    expression of names and numbers replaced by that expression (``ASIZE_2`` with ``#define
    ASIZE_2 (ASIZE+2)`` is ``ASIZE + 2``): the preprocessor replaces the name by its body
    wherever it is used (C11 6.10.3), so two bounds spelled through different macros of the
    same size compare once replaced, and the data clause written with the expansion names the
    same elements.  A name the function declares is no macro there (None: nothing replaced)."""
    return _macros_substituted(spans, scope.fn, where[0], lambda n: bool(scope.decls.get(n)))


def macros_spelled_at(spans: list[Span], node: Node) -> list[Span] | None:
    """``spans`` with each object-like macro visible at ``node`` whose body is an expression
    of names and numbers replaced by that expression, as :func:`macros_spelled_out` does
    where a region starts (None: nothing replaced)."""
    return _macros_substituted(spans, node, node.start_byte, lambda n: False)


def _macros_substituted(spans: list[Span], node: Node, at: int,
                        declared: Callable[[str], bool]) -> list[Span] | None:
    """``spans`` with the object-like macros visible at byte ``at`` of the file holding
    ``node`` spelled out (:func:`_macro_value`), but the names ``declared`` says the code
    declares."""
    table = visible_at(root_of(node), at)
    return _substituted(spans, lambda names: {
        n: v for n in names if n in table and not declared(n)
        and (v := _macro_value(table[n])) is not None and n not in poly.names(v)})


def macro_constants(root: Node, at: int, names: set[str], declared: Container[str]
                    ) -> dict[str, int]:
    """The values of the names among ``names`` that are object-like macros visible at byte
    ``at`` of the file whose tree is ``root`` (its headers' included) whose expansion is an
    integer constant expression (``VE`` with ``#define VM 1`` and ``#define VE (VM + 3)``:
    4): the preprocessor replaces the name by its replacement list, rescanned, before the
    code is translated (C11 6.10.3, 6.10.3.4, translation phase 4), so the name is that
    number.  A macro whose expansion leaves a name (``#define OFF (k * 2)``), and a name in
    ``declared`` (the function's own: no macro there), have none."""
    table = visible_at(root, at, constants=True)
    return {n: v for n in names if n in table and n not in declared
            and table[n].params is None and (v := constant_value(n, table)) is not None}


def macro_values(spans: list[Span], root: Node, at: int, declared: Container[str]
                 ) -> list[Span] | None:
    """``spans`` with each macro of :func:`macro_constants` replaced by its value:
    ``v[i + VM*n]`` and ``v[i + VE*n]`` are ``v[i + 1*n]`` and ``v[i + 4*n]``, whose bounds
    compare although the names do not.  None: nothing replaced."""
    return _substituted(spans, lambda names: {
        n: poly.const(v) for n, v in macro_constants(root, at, names, declared).items()})
