"""What a scalar holds where a loop starts, read from the statements before it.

A flag the loop only sets to 1 (``found = 1``) leaves the value it had before the loop when
no iteration sets it; ``reduction(||:found)`` gives ``found || 0``, which is 0 or 1 (OpenACC
3.3, 2.5.15; C11 6.5.14).  The two agree only when the flag held 0 or 1 before the loop
(``&&`` and a flag set to 0 alike).  :func:`binary_at_entry` says whether it does: its type
holds nothing else (``_Bool``, C11 6.3.1.2), or the last statement before the loop that
assigns it — in the blocks around the loop, up to the function, not across an enclosing
loop's start (whose previous iteration may have left anything) — stores 0, 1, ``true``,
``false`` or the value of a comparison or a logical operator (0 or 1, 6.5.8p6, 6.5.9p3,
6.5.13-14).
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import field, iter_nodes, op, text, unparen
from accellium.dataset.analysis.value_types import binary_valued_type

__all__ = ["binary_at_entry"]

_ZERO_ONE = frozenset({"0", "1", "true", "false", "TRUE", "FALSE", "True", "False"})
_BOOLEAN_OPERATORS = frozenset({"<", "<=", ">", ">=", "==", "!=", "&&", "||"})
_LOOPS = frozenset({"for_statement", "while_statement", "do_statement", "for_range_loop"})


def _binary_value(value: Node | None) -> bool:
    v = unparen(value)
    if v is None:
        return False
    if v.type in ("number_literal", "true", "false", "identifier"):
        return text(v).rstrip("uUlL") in _ZERO_ONE
    if v.type == "binary_expression":
        return op(v) in _BOOLEAN_OPERATORS
    return v.type == "unary_expression" and op(v) == "!"


def _assigned(stmt: Node, name: str) -> bool | None:
    """What the statement ``stmt`` does to ``name``: None when it assigns it nowhere, True
    when it is ``name = v;`` (or declares ``name = v``) with ``v`` 0 or 1, False for any other
    store (another value, a compound assignment, an increment, its address taken, a store
    inside a nested statement)."""
    if stmt.type == "declaration":
        for d in stmt.children_by_field_name("declarator"):
            if _name_of(d) == name:
                return d.type == "init_declarator" and _binary_value(field(d, "value"))
    top = stmt.named_children[0] if stmt.type == "expression_statement" and \
        stmt.named_children else None
    if top is not None and top.type == "assignment_expression" and op(top) == "=" and \
            text(field(top, "left")) == name:
        value = field(top, "right")
        if value is not None and not _stores(value, name):
            return _binary_value(value)
    return False if _stores(stmt, name) else None


def _name_of(declarator: Node) -> str:
    """The name a declarator declares (through ``= v``, ``*``, ``[n]``)."""
    cur: Node | None = declarator
    while cur is not None and cur.type != "identifier":
        cur = field(cur, "declarator")
    return text(cur) if cur is not None else ""


def _stores(node: Node, name: str) -> bool:
    """Does ``node`` assign ``name``, update it or take its address?"""
    for n in iter_nodes(node):
        if n.type == "assignment_expression" and text(field(n, "left")) == name:
            return True
        if n.type == "update_expression" and text(field(n, "argument")) == name:
            return True
        if n.type == "pointer_expression" and op(n) == "&" and \
                text(field(n, "argument")) == name:
            return True
        if n.type == "init_declarator" and _name_of(n) == name:
            return True
    return False


def binary_at_entry(loop: Node, name: str, type_name: str = "") -> bool:
    """Does the scalar ``name`` (of type ``type_name``) hold 0 or 1 where ``loop`` starts?
    (The module doc.)  False where the statements before the loop do not show it."""
    if binary_valued_type(type_name):
        return True
    node = loop
    while node.parent is not None:
        parent = node.parent
        if parent.type in _LOOPS or parent.type == "function_definition":
            return False
        if parent.type == "compound_statement":
            before = []
            for c in parent.named_children:
                if c.id == node.id:
                    break
                before.append(c)
            for stmt in reversed(before):
                got = _assigned(stmt, name)
                if got is not None:
                    return got
        node = parent
    return False
