"""Is the value of an expression a number: never a pointer, never an lvalue?

Used on the body of a function-like macro read alone (each parameter a fresh name,
:mod:`.macro_element`): when the body's value is a number, a call of the macro cannot be
subscripted, dereferenced, assigned or have its address taken (C11 6.5.2.1p1 and 6.5.3.2p2:
``[]`` and unary ``*`` need a pointer operand; 6.5.16p2 and 6.5.3.2p1: an assignment and
``&`` need an lvalue), so the call reaches no memory through its value: what it reads is what
its body reads, nothing more.

The operators whose result is a number whatever their operands (C11 6.5.5 multiplicative,
6.5.7 shifts, 6.5.8-6.5.9 relational and equality: ``int``, 6.5.10-6.5.14 bitwise and logical,
6.5.3.3 unary ``-``, ``+``, ``~``, ``!``); ``+`` when both operands are numbers and ``-`` when
its left one is (6.5.6p2-3: a pointer operand makes ``+`` a pointer, and ``-`` with a number on
the left needs a number on the right); a conditional whose two branches are numbers (6.5.15p5);
a cast to a type of arithmetic type words without a pointer (6.5.4); a constant and
``sizeof`` (6.4.4, 6.5.3.4p5); a call of a pure math function of the library
(:data:`.library.PURE_CALLS`, whose results are numbers).  Anything else (a name, a member, an
element, an assignment, a comma expression, another call) is not known to be a number here.
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.library import MAX_NAMES, MIN_NAMES, PURE_CALLS
from accellium.dataset.analysis.tree import field, iter_nodes, named, op, text

__all__ = ["number_valued"]

#: Binary operators whose result is a number whatever the operands (C11 6.5.5-6.5.14).
_NUMBER_OPS = frozenset({"*", "/", "%", "<<", ">>", "<", ">", "<=", ">=", "==", "!=", "&",
                         "|", "^", "&&", "||"})
#: Unary operators whose result is a number (C11 6.5.3.3).
_NUMBER_UNARY = frozenset({"-", "+", "~", "!"})
_CONSTANTS = frozenset({"number_literal", "char_literal", "sizeof_expression", "true", "false"})


def _number_cast(node: Node) -> bool:
    """A cast to arithmetic type words (``(double)``, ``(unsigned long)``), no pointer."""
    ty = field(node, "type")
    return ty is not None and all(
        n.type in ("type_descriptor", "primitive_type", "sized_type_specifier",
                   "type_qualifier") for n in iter_nodes(ty))


def _operands(n: Node) -> list[Node | None] | None:
    """The operands of ``n`` that must be numbers for ``n`` to be one (``[]``: it is one
    whatever they are); None: ``n`` is not known to be a number."""
    t = n.type
    if t in _CONSTANTS:
        return []
    if t == "parenthesized_expression":
        kids = named(n)
        return [kids[0]] if len(kids) == 1 else None
    if t == "binary_expression":
        o = op(n)
        if o in ("+", "-"):
            return [field(n, "left")] + ([field(n, "right")] if o == "+" else [])
        return [] if o in _NUMBER_OPS else None
    if t == "unary_expression":
        return [] if op(n) in _NUMBER_UNARY else None
    if t == "conditional_expression":
        return [field(n, "consequence"), field(n, "alternative")]
    if t == "cast_expression":
        return [] if _number_cast(n) else None
    if t == "call_expression":
        fn = field(n, "function")
        name = text(fn) if fn is not None and fn.type == "identifier" else ""
        # (`MAX(p, q)`, a macro, may choose a pointer)
        return [] if name in PURE_CALLS and name not in MAX_NAMES | MIN_NAMES else None
    return None


def number_valued(node: Node | None) -> bool:
    """Is the value of the expression ``node`` a number (see the module)?"""
    stack = [node]
    while stack:
        n = stack.pop()
        got = _operands(n) if n is not None else None
        if got is None:
            return False
        stack.extend(got)
    return True
