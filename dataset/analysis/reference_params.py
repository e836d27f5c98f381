"""C++ calls that may write their arguments: parameters declared as references to non-const.

A reference parameter is bound to the object its argument designates ([dcl.init.ref]p5), so a
callee that assigns it assigns the caller's object: ``inc(a[i])`` with ``void inc(double &x)``
writes ``a[i]``, ``inc(t)`` writes ``t``.  A reference to ``const`` cannot be assigned through
([dcl.type.cv]p3).  Read from the library's (:func:`.library.assigns_reference`) and
from the declarations of a file's tree (definitions and prototypes,
at file scope or in a class body): a parameter any declaration of the name makes such a
reference counts, since overloads are not told apart."""

from __future__ import annotations

from collections import OrderedDict

from tree_sitter import Node

from accellium.dataset.analysis.library import assigns_reference
from accellium.dataset.analysis.scope import declared_names, function_name, parameters
from accellium.dataset.analysis.tree import field, iter_nodes, root_of, source_of, text, unparen

__all__ = ["writable_reference_arg", "bound_to_writable_reference"]

_TABLES: OrderedDict[bytes, dict[str, set[int]]] = OrderedDict()
_MAX_TABLES = 32


def _table(root: Node) -> dict[str, set[int]]:
    """Function name -> the positions of its parameters that are references to non-const,
    for the tree ``root`` (cached by its source)."""
    src = source_of(root)
    got = _TABLES.get(src)
    if got is not None:
        _TABLES.move_to_end(src)
        return got
    out: dict[str, set[int]] = {}
    if b"&" in src:
        for n in iter_nodes(root):
            if n.type == "function_definition":
                name, fn = function_name(n)
                found = [(name, fn)]
            elif n.type in ("declaration", "field_declaration"):
                found = [(d.name, d.function) for d in declared_names(n)
                         if d.function is not None]
            else:
                continue
            for name, fn in found:
                if not name:
                    continue
                for k, p in enumerate(parameters(fn)):
                    if p.references and not p.const:
                        out.setdefault(name.rsplit("::", 1)[-1], set()).add(k)
    _TABLES[src] = out
    if len(_TABLES) > _MAX_TABLES:
        _TABLES.popitem(last=False)
    return out


def writable_reference_arg(call: Node, k: int) -> bool:
    """Is the argument ``k`` of ``call`` bound to a parameter its callee declares a reference
    to non-const?"""
    if call.type != "call_expression":
        return False
    f = unparen(field(call, "function"))
    if f is not None and assigns_reference("".join(text(f).split()), k):
        return True  # `std::swap(a[i], a[j])`
    while f is not None and f.type in ("qualified_identifier", "template_function",
                                       "field_expression"):
        f = field(f, "name") if f.type != "field_expression" else field(f, "field")
    if f is None or f.type not in ("identifier", "field_identifier"):
        return False
    return k in _table(root_of(call)).get(text(f), ())


def bound_to_writable_reference(node: Node) -> bool:
    """Is ``node`` the initializer of a reference to non-const a declaration declares
    (``double &r = a[i];``, ``auto &p = ps[i];``, ``auto &[x, y] = pts[i];``)?  The
    reference is another name of that object for its whole life ([dcl.ref]p1): what is
    assigned through it is assigned to the object."""
    d = node.parent
    while d is not None and d.type == "parenthesized_expression":
        node, d = d, d.parent
    if d is None or d.type != "init_declarator" or field(d, "value") != node:
        return False
    ref = field(d, "declarator")
    decl = d.parent
    return ref is not None and ref.type == "reference_declarator" and decl is not None and \
        not any(c.type == "type_qualifier" and text(c) == "const" for c in decl.children)
