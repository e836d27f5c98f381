"""Arrays a loop declares whose length is known only when it runs.

An array whose size is not an integer constant expression is a variable length array (C11
6.7.6.2p4); in C an object's value is never part of one, even a ``const`` object's (6.6p6:
its operands are constants, ``sizeof`` and casts), so ``double t[m]`` with ``m`` a parameter,
a local or a global is one.  In C++ (where a variable length array is a gcc extension) a
``const``/``constexpr`` integer initialised by a constant is usable in a constant expression
([expr.const]); a parameter never is.

Each iteration of such a loop allocates its storage at run time, on the stack.  Under a compute
construct that is device code, and gcc's offload compiler for nvptx rejects it when it builds
the device code ("target cannot support alloca"): the program does not link for a GPU.  An array
the macros' expansion sizes (``double t[N]``) is no such array.
"""

from __future__ import annotations

from collections.abc import Collection

from tree_sitter import Node

from accellium.dataset.analysis.scope import (
    FunctionContext,
    declared_names,
    function_name,
    parameters,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import inner_declarator, iter_nodes, text

__all__ = ["variable_length_arrays"]

_QUALIFIERS = frozenset({"const", "constexpr"})


def _sizes(declarator: Node) -> tuple[str | None, list[Node]]:
    """The name a declarator declares and, when it declares an array, the sizes of its array
    dimensions (``t[n][m]``: ``n``, ``m``; ``*q[n]``, an array of pointers: ``n``; ``(*p)[n]``,
    a pointer: none)."""
    chain: list[Node] = []
    cur: Node | None = inner_declarator(declarator) \
        if declarator.type == "init_declarator" else declarator
    while cur is not None and cur.type != "identifier":
        chain.append(cur)
        cur = inner_declarator(cur)
    if cur is None:
        return None, []
    sizes: list[Node] = []
    for d in reversed(chain):  # from the name outwards: its own array dimensions first
        if d.type == "parenthesized_declarator":
            continue
        if d.type != "array_declarator":
            break
        size = _field(d, "size")
        if size is not None:
            sizes.append(size)
    return text(cur), sizes


def _constant_object(name: str, scopes: list[Node]) -> bool:
    """Is ``name`` declared ``const`` or ``constexpr`` by its first declaration among the
    declarations under ``scopes`` (the function, then the file's top level)?"""
    for root in scopes:
        for n in iter_nodes(root):
            if n.type == "declaration" and any(d.name == name for d in declared_names(n)):
                return any(c.type == "type_qualifier" and text(c) in _QUALIFIERS
                           for c in n.children)
    return False


def variable_length_arrays(loop: Node, lang: str, macros: Collection[str],
                           ctx: FunctionContext | None, globals_: Collection[str] = (),
                           root: Node | None = None) -> list[tuple[str, int]]:
    """(name, line) of each variable length array ``loop`` declares: a size naming an object
    — a parameter or local of the function ``ctx`` (the loop's own declarations where there is
    none), a global of ``globals_`` — that no macro of ``macros`` hides, in C++ one not
    declared ``const``/``constexpr`` (``root``: the file's tree, for the globals)."""
    own = {d.name for n in iter_nodes(loop) if n.type == "declaration"
           for d in declared_names(n)}
    objects = set(ctx.declared) if ctx is not None else own
    objects |= set(globals_)
    params = {p.name for p in parameters(function_name(ctx.node)[1])} if ctx is not None \
        else set()
    scopes = [n for n in (ctx.node if ctx is not None else loop, root) if n is not None]
    out: list[tuple[str, int]] = []
    for n in iter_nodes(loop):
        if n.type != "declaration":
            continue
        for d in n.children_by_field_name("declarator"):
            name, sizes = _sizes(d)
            names = {text(i) for s in sizes for i in iter_nodes(s)
                     if i.type == "identifier" and not _in_sizeof(i, s)}
            runtime = [x for x in names if x in objects and x not in macros and (
                lang == "c" or x in params or not _constant_object(x, scopes))]
            if name and runtime:
                out.append((name, n.start_point[0] + 1))
    return out


def _in_sizeof(node: Node, stop: Node) -> bool:
    """Is ``node`` the operand of a ``sizeof``/``alignof`` below ``stop`` (a constant,
    unless the operand is itself of variable length)?"""
    n = node.parent
    while n is not None and n.id != stop.id:
        if n.type in ("sizeof_expression", "alignof_expression"):
            return True
        n = n.parent
    return False
