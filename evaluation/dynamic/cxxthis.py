"""C++ member functions for the translator: ``this`` and the data members a region names bare.

In a non-static member function a data member named bare (``a[i]``) is ``this->a[i]``
(C++ [class.mfct.non-static]p2), and ``this`` is a pointer prvalue ([expr.prim.this]): a
compute construct reaches the object through it as through any pointer — firstprivate, a host
address, unless a clause or region maps the object (``copyin(this[0:1])``; OpenACC 3.3,
2.6.2), and a pointer member's elements only where a section of it is attached to the object's
device copy (2.6.8, 2.7.2).  :mod:`.computegen` binds ``this`` once per construct through a
local copy (a prvalue has no address) and writes the bare members as members of it, so the
runtime's pointer and member checks apply to them as to ``p->x``.

Only what the file shows: the class whose body holds the function's definition, or the class
a qualified definition (``void Grid::step()``) names when its body is in the same file; its
non-static data members; not a name the function declares itself (a parameter or local
shadows the member).  Elsewhere (a class defined in a header, an inherited member) a bare
name stays a free variable, as in C."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.classes import this_members as _members

__all__ = ["this_members", "SELF"]

#: the local copy of ``this`` a construct binds (a prvalue has no address)
SELF = "__acc_self"


def this_members(node: Node, root: Node) -> frozenset[str] | None:
    """The data members the code at ``node`` may name bare, when it is in a non-static member
    function whose class body the file (``root``) holds
    (:func:`accellium.dataset.analysis.classes.this_members`); None elsewhere."""
    n: Node | None = node.parent
    while n is not None and n.type != "function_definition":
        if n.type == "lambda_expression":  # its own scope: `this` only when captured
            return None
        n = n.parent
    return _members(n, root) if n is not None else None
