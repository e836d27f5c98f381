"""Small questions about a syntax node that several planner modules ask."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.tree import ancestors, field, iter_nodes, named, op, text, unparen

__all__ = ["callee_name", "enclosing_function", "statement_of", "in_sizeof", "block_items", "assignment_chain", "loops_around",
           "LOOPS", "JUMPS", "has_jump", "null_tested", "library_argument"]

#: C library functions that keep a pointer they are given after the call returns (``strtok``
#: saves its position in the string, C11 7.24.5.8p3; ``setbuf``/``setvbuf`` give a stream its
#: buffer, 7.21.5.5-6; ``atexit`` its function).
_KEEPS_POINTER = frozenset({"strtok", "setbuf", "setvbuf", "atexit", "at_quick_exit"})

LOOPS = ("for_statement", "while_statement", "do_statement")
#: the statements that leave the code around them early (a path that skips what follows)
JUMPS = ("goto_statement", "break_statement", "continue_statement", "return_statement")


def has_jump(node: Node) -> bool:
    """Does ``node`` contain a ``goto``, ``break``, ``continue`` or ``return``?"""
    return any(n.type in JUMPS for n in iter_nodes(node))


def callee_name(call: Node) -> str | None:
    """The name a direct call calls (``f`` of ``f(x)``, ``(f)(x)``, and of C++'s ``f<T>(x)``,
    which calls the specialisation of the function template ``f`` [temp.arg.explicit]; None:
    through a pointer or an expression)."""
    f = unparen(field(call, "function"))
    if f is not None and f.type == "template_function":
        f = field(f, "name")
    return text(f) if f is not None and f.type == "identifier" else None


def enclosing_function(node: Node) -> Node | None:
    """``node`` itself when it is a function definition, else the one around it (None: at
    file scope)."""
    if node.type == "function_definition":
        return node
    return next((p for p in ancestors(node) if p.type == "function_definition"), None)


def statement_of(node: Node) -> Node:
    """The statement (or declaration) that contains ``node``."""
    p = node
    while p.parent is not None and not (p.type.endswith("_statement") or p.type == "declaration"):
        p = p.parent
    return p


def in_sizeof(n: Node) -> bool:
    """Is ``n`` inside a ``sizeof`` of its statement (not evaluated, C11 6.5.3.4p2)?"""
    p = n.parent
    while p is not None and not p.type.endswith("statement"):
        if p.type == "sizeof_expression":
            return True
        p = p.parent
    return False


def block_items(body: Node | None) -> list[Node]:
    """The statements of a block (a single statement for an unbraced body)."""
    if body is None:
        return []
    if body.type == "compound_statement":
        return [c for c in named(body) if c.type != "comment"]
    return [body]


def assignment_chain(stmt: Node) -> set[int]:
    """The ids of the left sides of the ``=`` chain that is the expression statement's
    expression (``p[i] = x[i] = e``): those stores run whenever the statement does."""
    top = unparen(named(stmt)[0]) if stmt.type == "expression_statement" and named(stmt) \
        else None
    chain: set[int] = set()
    while top is not None and top.type == "assignment_expression" and op(top) == "=":
        left = unparen(field(top, "left"))
        if left is not None:
            chain.add(left.id)
        top = unparen(field(top, "right"))
    return chain


def loops_around(node: Node, fn: Node) -> list[Node]:
    """The loops of ``fn`` that contain ``node`` (``node`` itself when it is one), innermost
    first."""
    out = []
    p: Node | None = node
    while p is not None and p.id != fn.id:
        if p.type in LOOPS:
            out.append(p)
        p = p.parent
    return out


#: The statements and expressions whose ``condition`` is a controlling expression compared
#: with 0 (C11 6.8.4.1p2, 6.8.5p4, 6.5.15p4).
_CONTROLLED = frozenset({"if_statement", "while_statement", "do_statement", "for_statement",
                         "conditional_expression"})


def _null_constant(node: Node | None) -> bool:
    """``NULL`` or ``0`` (a null pointer constant, C11 6.3.2.3p3; ``NULL`` 7.19p3)."""
    return node is not None and (node.type == "null" or
                                 node.type == "number_literal" and text(node) == "0")


def null_tested(n: Node) -> bool:
    """Is the pointer named by ``n`` only compared with a null pointer here: the operand of
    ``!`` (``!p`` is ``0 == p``, C11 6.5.3.3p5), of ``==``/``!=`` with ``NULL`` or ``0``
    (6.5.9), of ``&&``/``||`` (compared with 0, 6.5.13p3, 6.5.14p3), or a whole controlling
    expression (``if (p)``, 6.8.4.1p2)?  The test reads the pointer's value, never the object
    it points to; it stores nothing and makes no other name for the object."""
    kid, p = n, n.parent
    while p is not None and p.type in ("parenthesized_expression", "condition_clause"):
        kid, p = p, p.parent
    if p is None:
        return False
    if p.type == "unary_expression":
        return text(field(p, "operator")) == "!"
    if p.type == "binary_expression":
        o = text(field(p, "operator"))
        if o in ("&&", "||"):
            return True
        if o in ("==", "!="):
            other = field(p, "right") if field(p, "left") == kid else field(p, "left")
            while other is not None and other.type == "parenthesized_expression":
                other = other.named_children[0] if other.named_children else None
            return _null_constant(other)
        return False
    return p.type in _CONTROLLED and field(p, "condition") == kid


def library_argument(n: Node) -> bool:
    """``memset(g, 0, size)``, ``fwrite(g, ...)``, ``gettimeofday(&t, NULL)``: ``n`` is an
    argument (or the object whose address an argument takes) of a call, made as a statement
    of its own, of a standard library function that reaches memory only through its
    arguments, acts on a stream, or reads or advances hidden state it keeps no pointer in
    (:mod:`accellium.dataset.analysis.library`; no allocator, nor a function that keeps the
    pointer, :data:`_KEEPS_POINTER`).  Such a function reaches the object during the call
    only, and the one pointer some of them return (``memset`` returns its first argument,
    C11 7.24.6.1) is dropped with the call's value: the call makes no other name for it."""
    from accellium.dataset.analysis.library import Effect, library_function

    arg = n
    if arg.parent is not None and arg.parent.type == "pointer_expression" and \
            op(arg.parent) == "&":
        arg = arg.parent
    args = arg.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    if call is None or call.parent is None or call.parent.type != "expression_statement":
        return False
    name = callee_name(call) or ""
    lib = library_function(name)
    return lib is not None and name not in _KEEPS_POINTER and \
        lib.effect in (None, Effect.IO, Effect.STATE)
