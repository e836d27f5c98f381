"""A call of a function-like macro that stands for one array element.

C code often spells an element through a macro of the file: ``#define U(i, j) u[(j) * n + (i)]``
used as ``U(i, j) = 2.0 * V(i, j);``, or with the array a parameter,
``#define I2D(a, n, i, j) (a[(j) * (n) + (i)])``.  A call of a function-like macro stands for
its body with the parameters replaced by the arguments (C11 6.10.3, 6.10.3.1), and
parentheses around an expression do not change what it designates (C11 6.5.1p5: a
parenthesized lvalue is an lvalue), so such a call *is* that element: it is read and
written as the element ``u[(j) * n + (i)]`` is, with the subscripts of the expansion.

:func:`macro_element` says so only when the rest of the body reads nothing on its own: the
body with each parameter replaced by a fresh name must be one element of a plain name (the
array, or the parameter that names it), whose subscripts are integer arithmetic on names and
constants, with no element, dereference, member, assignment or call of anything but a pure
library function (C11 6.5.2.1: a subscript is an integer expression).  What the arguments
read is read where the user wrote it; what the body alone would read — ``u[idx[i]]``, a
function call — is not an element only, and such a call is read as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import library_function
from accellium.dataset.analysis.macro_value import number_valued
from accellium.dataset.analysis.macros import (
    Macro,
    expanded_text,
    file_macros,
    parsed_expression,
    tokens,
)
from accellium.dataset.analysis.tree import field, named, subscript_index, text

__all__ = ["MacroElement", "macro_element", "macro_reads", "object_touches_memory",
           "touches_memory"]

#: The fresh name a parameter is replaced by to read the body alone.
_HOLE = "__accellium_param{}"
#: The nodes of an integer expression that reads nothing but the names in it.
_ARITHMETIC = frozenset({
    "identifier", "number_literal", "true", "false", "binary_expression",
    "unary_expression", "parenthesized_expression", "conditional_expression",
    "cast_expression", "type_descriptor", "primitive_type", "sized_type_specifier",
    "type_identifier", "type_qualifier", "argument_list", "comment"})


@dataclass(frozen=True)
class MacroElement:
    """The element a macro call stands for: the array, its subscripts after the arguments are
    substituted (nodes of the expansion's own tree), and the argument that names the array
    (None: the body names it)."""

    name: str
    subs: tuple[Node, ...]
    base_arg: int | None


def _inner(node: Node | None) -> Node | None:
    """``node`` without the parentheses around it (a cast is kept: it makes a value)."""
    while node is not None and node.type == "parenthesized_expression":
        kids = named(node)
        node = kids[0] if len(kids) == 1 else None
    return node


def _element(node: Node | None) -> tuple[str, list[Node]] | None:
    """(array, subscripts) of an expression that is one element ``a[i]...[k]`` of a plain
    name, parentheses allowed around it and its base; None otherwise."""
    cur = _inner(node)
    if cur is None or cur.type != "subscript_expression":
        return None
    idx: list[Node] = []
    while cur is not None and cur.type == "subscript_expression":
        i = subscript_index(cur)
        if i is None:
            return None
        idx.append(i)
        cur = _inner(field(cur, "argument"))
    if cur is None or cur.type != "identifier":
        return None
    idx.reverse()
    return text(cur), idx


def _argument_member(n: Node, members: Sequence[str]) -> bool:
    """``(A).x`` / ``A.x.y`` with ``A`` one of the parameters ``members``: a member of the
    object the argument designates (C11 6.5.2.3p3: ``.`` names part of its left operand's
    own storage, unlike ``->``, which reaches what a pointer points to)."""
    cur: Node | None = n
    while cur is not None and cur.type == "field_expression":
        if text(field(cur, "operator")) != ".":
            return False
        cur = _inner(field(cur, "argument"))
    return cur is not None and cur is not n and cur.type == "identifier" and text(cur) in members


def _arithmetic(sub: Node, base_hole: str | None,
                elements: list[tuple[str, list[Node]]] | None = None,
                holes: Sequence[str] = (), members: Sequence[str] = ()) -> bool:
    """Does the subscript ``sub`` (of the body read alone) compute an integer from names and
    constants only, without naming the array's own parameter?  With ``elements``, an element
    of a plain name (or of a parameter, one of ``holes``) whose subscripts are such
    arithmetic is allowed too, and appended there (array, subscripts) as the walk meets it.
    With ``members``, a member of one of these parameters (:func:`_argument_member`) is
    allowed as a name is."""
    stack = [sub]
    while stack:
        n = stack.pop()
        if n.type in ("number_literal", "char_literal", "sizeof_expression"):
            continue  # `sizeof` does not evaluate its operand (C11 6.5.3.4p2)
        if members and _argument_member(n, members):
            continue
        if is_call(n):
            fn = field(n, "function")
            lib = library_function(text(fn)) if fn is not None and \
                fn.type == "identifier" else None
            if lib is None or not lib.pure:
                return False
            stack.extend(named(field(n, "arguments")))
            continue
        if elements is not None and n.type == "subscript_expression":
            got = _element(n)
            if got is None or not all(_arithmetic(s, got[0] if got[0] in holes else None)
                                      for s in got[1]):
                return False
            elements.append(got)
            continue
        if n.type not in _ARITHMETIC or (n.type == "identifier" and text(n) == base_hole):
            return False
        stack.extend(reversed(named(n)))
    return True


def macro_element(call: Node) -> MacroElement | None:
    """The element the call ``call`` of a function-like macro visible there (a whole file's
    tree) stands for, when its body alone is one element whose subscripts read nothing (see
    the module); None otherwise — not such a macro, a variadic one, an arity that does not
    match, or an expansion given up (:mod:`.macros`)."""
    table = file_macros(call)
    if table is None:
        return None
    m = table[text(field(call, "function"))]
    args = named(field(call, "arguments"))
    if m.params is None or m.variadic or len(args) != len(m.params):
        return None
    holes = [_HOLE.format(k) for k in range(len(args))]
    alone = _element(expanded_text(f"{m.name}({', '.join(holes)})", table))
    real = _element(expanded_text(text(call), table))
    if alone is None or real is None or len(alone[1]) != len(real[1]):
        return None
    base_arg = holes.index(alone[0]) if alone[0] in holes else None
    if base_arg is not None and args[base_arg].type != "identifier":
        return None  # the array is an expression (`I(p + 1, i)`): not a plain name
    name = text(args[base_arg]) if base_arg is not None else alone[0]
    base_hole = holes[base_arg] if base_arg is not None else None
    if real[0] != name or not all(_arithmetic(s, base_hole) for s in alone[1]):
        return None
    # `w[(i)]` is `w[i]`: the subscripts without the parentheses the body puts around them
    return MacroElement(name, tuple(_inner(i) or i for i in real[1]), base_arg)


def touches_memory(m: Macro, table: Mapping[str, Macro]) -> bool:
    """Does a call of the function-like macro ``m`` (with the macros of ``table`` where it is
    called) read or write memory of its own — the body alone, each parameter replaced by a
    fresh name, is neither integer arithmetic on names and constants nor one element whose
    subscripts are (``(a[i] + a[i + 1])``, ``(a[i] = (v))``, ``u[idx[i]]``, ``(g)->n``)?  Such
    a call is not what its arguments read: the elements its expansion names are not theirs.
    True also when the body cannot be read alone (given up, not an expression).

    False too for a body that reads members of its arguments' objects, ``.`` only, and whose
    value is a number (``#define DOT(A, B) ((A).x * (B).x + (A).y * (B).y)``): a member is
    part of the storage of the object its argument designates (C11 6.5.2.3p3), so the call
    reads what reading its arguments reads, no more (each argument is read whole where the
    user wrote it); and a number cannot be subscripted, dereferenced or assigned
    (:func:`.macro_value.number_valued`), so the call reaches nothing through its value.
    ``(p)->x`` reads what ``p`` points to, not ``p``; ``((A).v)`` may be a pointer or an
    lvalue: these touch memory."""
    if m.params is None or m.variadic:
        return True
    holes = [_HOLE.format(k) for k in range(len(m.params))]
    alone = expanded_text(f"{m.name}({', '.join(holes)})", table)
    if alone is None:
        return True
    got = _element(alone)
    if got is not None:
        return not all(_arithmetic(s, None) for s in got[1])
    if _arithmetic(alone, None):
        return False
    return not (number_valued(alone) and _arithmetic(alone, None, members=holes))


def _body_elements(alone: Node, holes: list[str]) -> list[tuple[str, list[Node]]] | None:
    """The elements the body read alone (``alone``, each parameter a hole) names, in order,
    when the rest of it is arithmetic (:func:`_arithmetic`) and each element is one of a
    plain name (or of a parameter) with arithmetic subscripts; None otherwise."""
    out: list[tuple[str, list[Node]]] = []
    return out if _arithmetic(alone, None, out, holes) else None


def _substituted(sub: Node, holes: list[str], args: list[Node],
                 table: Mapping[str, Macro]) -> Node | None:
    """The subscript ``sub`` of the body read alone with each hole replaced by its argument
    (parenthesized, as the body's own parentheses would), after the preprocessor."""
    toks = [f"( {text(args[holes.index(t)])} )" if t in holes else t for t in tokens(text(sub))]
    src = " ".join(toks)
    got = expanded_text(src, table)
    return got if got is not None else parsed_expression(src, "c")


def macro_reads(call: Node, table: Mapping[str, Macro]) -> tuple[MacroElement, ...] | None:
    """The elements a call of a function-like macro of ``table`` reads on its own when its
    body is an rvalue that reads arrays: ``W(i, 3)`` with ``#define W(i, j) (w[(i)] * (j))``
    reads ``w[(i)]`` though no argument names ``w``.  A call stands for its body, the
    parameters replaced by the arguments (C11 6.10.3, 6.10.3.1), so the elements the body
    names are read where the call is, with the subscripts of the expansion; what the
    arguments read is read where the user wrote it.  Only a body read alone (each parameter
    a fresh name) that is arithmetic on names and constants (pure library calls allowed) and
    elements of plain names (or of a parameter given a plain name) whose subscripts are such
    arithmetic (C11 6.5.2.1) qualifies; None otherwise (an assignment, a call, a member, a
    dereference, ``u[idx[i]]``, an element that is the whole body: :func:`macro_element`),
    or when it reads no element.  ``call`` may also be the name of an object-like macro
    (``#define WI (w[i] * 2.0)``), whose body is read the same way (C11 6.10.3p9)."""
    if call.type == "identifier":  # an object-like macro: a body without parameters
        m = table.get(text(call))
        if m is None or m.params is not None or m.constant:
            return None
        args: list[Node] = []
        alone = expanded_text(m.name, table)
    else:
        fn = field(call, "function")
        m = table.get(text(fn)) if fn is not None and fn.type == "identifier" else None
        args = named(field(call, "arguments"))
        if m is None or m.params is None or m.variadic or len(args) != len(m.params):
            return None
        alone = expanded_text(f"{m.name}({', '.join(_HOLE.format(k) for k in range(len(args)))})",
                              table)
    holes = [_HOLE.format(k) for k in range(len(args))]
    found = _body_elements(alone, holes) if alone is not None else None
    if not found:
        return None
    out: list[MacroElement] = []
    for base, subs in found:
        base_arg = holes.index(base) if base in holes else None
        if base_arg is not None and args[base_arg].type != "identifier":
            return None  # the array is an expression: not a plain name
        real = [_substituted(s, holes, args, table) for s in subs]
        if any(r is None for r in real):
            return None
        name = text(args[base_arg]) if base_arg is not None else base
        out.append(MacroElement(name, tuple(_inner(r) or r for r in real if r is not None),
                                base_arg))
    return tuple(out)


def object_touches_memory(m: Macro, table: Mapping[str, Macro]) -> bool:
    """Does a use of the object-like macro ``m`` read or write memory (its body, an
    expression, is neither a constant nor integer arithmetic on names and constants:
    ``w[i]``, ``(*w)``, ``(s->v[i])``)?  A name whose body is not an expression (a type, a
    storage class, a statement) is not read here: False."""
    if m.params is not None or m.constant:
        return False
    alone = expanded_text(m.name, table)
    return alone is not None and not _arithmetic(alone, None)
