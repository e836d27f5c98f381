"""Recognising a statement that updates a scalar as a reduction.

OpenACC reduces with ``+ * max min & | ^ && ||`` (OpenACC 3.3, 2.5.15).  A statement is a
reduction of ``s`` when it combines ``s`` with a value that does not read ``s``: ``s += e``,
``s = s + e``, ``s = e * s``, ``s = fmax(s, e)``, ``s = (e > s) ? e : s``, ``if (e > s) s = e``,
``s++``.  Subtraction accumulates like addition (``s -= e`` is ``s += -e``).
"""

from __future__ import annotations

from collections.abc import Mapping

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import MAX_NAMES, MIN_NAMES
from accellium.dataset.analysis.macros import Macro, called_name
from accellium.dataset.analysis.tree import (
    field,
    is_name,
    iter_nodes,
    mentions,
    named,
    norm,
    op,
    text,
    unparen,
)

__all__ = ["reduction_of", "if_minmax", "element_update", "flag_of"]

_TRUE = frozenset({"1", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "false", "FALSE", "False"})


class _Target:
    """What is updated: a scalar (by name) or an array element (by its text, ``h[j]``)."""

    def __init__(self, name: str, element: bool = False):
        self.name = name
        self.element = element

    def is_(self, node: Node | None) -> bool:
        if not self.element:
            return is_name(node, self.name)
        node = unparen(node)
        return node is not None and norm(text(node)) == self.name

    def in_(self, node: Node | None) -> bool:
        if not self.element:
            return mentions(node, self.name)
        return node is not None and any(n.type == "subscript_expression"
                                        and norm(text(n)) == self.name
                                        for n in iter_nodes(node))

_COMPOUND_OPS = {"+=": "+", "-=": "+", "*=": "*", "&=": "&", "|=": "|", "^=": "^"}
_BINARY_RED = {"+": "+", "-": "+", "*": "*", "&": "&", "|": "|", "^": "^", "&&": "&&",
               "||": "||"}


def _expression(stmt: Node) -> Node | None:
    node: Node | None = stmt
    if stmt.type == "expression_statement":
        kids = named(stmt)
        if len(kids) != 1:
            return None
        node = kids[0]
    return unparen(node)


def reduction_of(name: str, stmt: Node, macros: Mapping[str, Macro] | None = None) -> str | None:
    """The reduction operator when ``stmt`` updates ``name`` as a reduction, else None
    (``macros``: those defined where the loop is, a callee may be one of them)."""
    return _update(_Target(name), stmt, macros or {})


def element_update(element: str, stmt: Node) -> str | None:
    """The operator when ``stmt`` updates the array element ``element`` (its text without
    spaces, ``h[j]``) by a commutative operation (``h[j] += e``, ``h[j]++``,
    ``h[j] = h[j] + e``, ``if (e > h[j]) h[j] = e``), else None."""
    return _update(_Target(element, element=True), stmt, {})


def flag_of(name: str, stmts: list[Node]) -> str | None:
    """``||`` when every statement is ``name = 1`` (``true``, ``TRUE``), ``&&`` when every one
    is ``name = 0``: a flag.  Reducing it with that operator gives what the loop run in order
    gives for a flag that starts as 0 or 1."""
    values = set()
    for st in stmts:
        node = _expression(st)
        if node is None or node.type != "assignment_expression" or op(node) != "=" \
                or not is_name(field(node, "left"), name):
            return None
        values.add(norm(text(unparen(field(node, "right")))))
    if values and values <= _TRUE:
        return "||"
    if values and values <= _FALSE:
        return "&&"
    return None


def _update(target: _Target, stmt: Node, macros: Mapping[str, Macro]) -> str | None:
    node = _expression(stmt)
    if node is None:
        return None
    if node.type == "update_expression":
        return "+" if target.is_(field(node, "argument")) else None
    if node.type == "if_statement":
        return _if_minmax(target, node)
    if node.type != "assignment_expression" or not target.is_(field(node, "left")):
        return None
    o = op(node)
    right = unparen(field(node, "right"))
    if o in _COMPOUND_OPS:
        return _COMPOUND_OPS[o] if not target.in_(right) else None
    if o != "=" or right is None:
        return None
    if right.type == "binary_expression":
        return _chain(target, right)
    if is_call(right):
        return _minmax_call(target, right, macros)
    if right.type == "conditional_expression":
        cond = unparen(field(right, "condition"))
        if cond is None or cond.type != "binary_expression":
            return None
        return _minmax_from(target, cond, unparen(field(right, "consequence")),
                            unparen(field(right, "alternative")))
    return None


def _minmax_call(target: _Target, call: Node, macros: Mapping[str, Macro]) -> str | None:
    """``s = fmax(s, e)`` / ``s = min(e, s)`` (``s = fmaxr(s, e)`` with ``#define fmaxr fmax``
    among ``macros``: :func:`.macros.called_name`)."""
    fn = called_name(norm(text(field(call, "function"))), macros)
    args = named(field(call, "arguments"))
    if len(args) != 2 or fn not in MAX_NAMES | MIN_NAMES:
        return None
    a, b = unparen(args[0]), unparen(args[1])
    if (target.is_(a) and not target.in_(b)) or (target.is_(b) and not target.in_(a)):
        return "max" if fn in MAX_NAMES else "min"
    return None


def _chain(target: _Target, e: Node | None) -> str | None:
    """``s + e``, ``e + s``, ``s + a + b`` ... → the operator (a loop down the left spine)."""
    want: str | None = None
    cur = unparen(e)
    while cur is not None and cur.type == "binary_expression":
        bop = op(cur)
        if bop not in _BINARY_RED or (want is not None and _BINARY_RED[bop] != want):
            return None
        a, b = unparen(field(cur, "left")), unparen(field(cur, "right"))
        if target.is_(a) and not target.in_(b):
            return _BINARY_RED[bop]
        if bop != "-" and target.is_(b) and not target.in_(a):
            return _BINARY_RED[bop]
        if bop not in ("+", "-", "*") or target.in_(b):
            return None
        want = _BINARY_RED[bop]
        cur = a
    return None


def _minmax_from(target: _Target, cond: Node, take: Node | None, other: Node | None
                 ) -> str | None:
    """``(x > s) ? x : s`` / ``if (x > s) s = x`` → max."""
    o = op(cond)
    a, b = unparen(field(cond, "left")), unparen(field(cond, "right"))
    if o not in ("<", "<=", ">", ">="):
        return None
    if other is not None and not target.is_(other):
        return None
    if target.is_(b) and take is not None and norm(text(take)) == norm(text(a)):
        return "max" if o in (">", ">=") else "min"
    if target.is_(a) and take is not None and norm(text(take)) == norm(text(b)):
        return "max" if o in ("<", "<=") else "min"
    return None


def _condition(node: Node) -> Node | None:
    cond = unparen(field(node, "condition"))
    if cond is not None and cond.type == "condition_clause":
        kids = named(cond)
        cond = unparen(kids[-1]) if kids else None
    return cond


def if_minmax(name: str, node: Node) -> str | None:
    """``if (e > s) s = e;`` (no ``else``, one assignment of ``s``, nothing else under the
    ``if``) → ``max``.  The test compares with the running value, which a reduction does not
    have: each copy of ``s`` starts at the operator's identity and sees part of the
    iterations (OpenACC 3.3, 2.5.15), so what else the ``if`` does (``c++``, ``rec[i] = 1``,
    ``im = i``) would run in other iterations than the loop's — not a reduction then."""
    return _if_minmax(_Target(name), node)


def _if_minmax(target: _Target, node: Node) -> str | None:
    if field(node, "alternative") is not None:
        return None
    cond = _condition(node)
    cons = field(node, "consequence")
    if cond is None or cons is None or cond.type != "binary_expression":
        return None
    stmts = [cons] if cons.type != "compound_statement" else named(cons)
    assign = None
    for st in stmts:
        kids = named(st)
        if st.type == "comment" or (st.type == "expression_statement" and not kids):
            continue
        e = unparen(kids[0]) if st.type == "expression_statement" and kids else None
        if e is None or e.type != "assignment_expression" or op(e) != "=" or \
                not target.is_(field(e, "left")) or assign is not None:
            return None  # a second statement under the test (see :func:`if_minmax`)
        assign = e
    if assign is None:
        return None
    return _minmax_from(target, cond, unparen(field(assign, "right")), None)
