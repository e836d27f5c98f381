"""C++ classes as a member function's code sees them: the class it belongs to, in the file,
and the data members it may name bare.

In a non-static member function a data member named bare (``a[i]``) is ``this->a[i]``
(C++ [class.mfct.non-static]p2), and ``this`` is a pointer prvalue ([expr.prim.this]).  Only
what the file shows: the class whose body holds the function's definition, or the class a
qualified definition (``void Grid::step()``) names when its body is in the same file, its
non-static data members, not a name the function declares itself (a parameter or a local
shadows the member, [basic.lookup.unqual]).  Elsewhere (a class defined in a header, an
inherited member) nothing is known."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.scope import declared_names, function_name
from accellium.dataset.analysis.tree import iter_nodes, text

__all__ = ["class_body", "this_members", "through_this"]

_CLASSES = ("class_specifier", "struct_specifier", "union_specifier")


def class_body(fn: Node, root: Node) -> Node | None:
    """The member list (``field_declaration_list``) of the class the function definition
    ``fn`` is a member function of, in the file ``root``; None for a free function or a class
    the file does not define once."""
    up = fn.parent
    if up is not None and up.type == "template_declaration":
        up = up.parent
    if up is not None and up.type == "field_declaration_list":
        return up
    d = function_name(fn)[1]
    name = d.child_by_field_name("declarator") if d is not None else None
    if name is None or name.type != "qualified_identifier":
        return None
    cls = text(name.child_by_field_name("scope")).split("<", 1)[0].strip()
    if not cls:
        return None
    bodies = [b for c in iter_nodes(root) if c.type in _CLASSES
              and text(c.child_by_field_name("name")) == cls
              and (b := c.child_by_field_name("body")) is not None]
    return bodies[0] if len(bodies) == 1 else None


def _static(n: Node) -> bool:
    return any(c.type == "storage_class_specifier" and text(c) == "static" for c in n.children)


def _declared_in(fn: Node) -> set[str]:
    """Every name the function declares: its parameters and its locals (over-approximated:
    a local anywhere in the body shadows the member everywhere)."""
    return {d.name for m in iter_nodes(fn)
            if m.type in ("parameter_declaration", "optional_parameter_declaration",
                          "declaration", "for_range_loop")
            for d in declared_names(m)}


def this_members(fn: Node, root: Node) -> frozenset[str] | None:
    """The non-static data members the non-static member function ``fn`` may name bare, where
    the file ``root`` holds its class's body; None elsewhere (no ``this``, or a class the file
    does not show)."""
    if _static(fn):
        return None
    body = class_body(fn, root)
    if body is None:
        return None
    out = {d.name for f in body.named_children if f.type == "field_declaration"
           for d in declared_names(f) if d.function is None and not d.static}
    return frozenset(out - _declared_in(fn))


def _names_variable(n: Node) -> bool:
    """Is the identifier ``n`` a name used as a variable (not a called function's name, not
    a declarator's, not a qualified name's part)?"""
    up = n.parent
    if up is None:
        return False
    if up.type == "call_expression" and up.child_by_field_name("function") == n:
        return False
    return up.type not in ("qualified_identifier", "init_declarator", "pointer_declarator",
                           "array_declarator", "reference_declarator", "declaration",
                           "parameter_declaration", "function_declarator")


def through_this(code: str, members: frozenset[str], lang: str = "cpp") -> str:
    """``code`` (a member function's loop) with each data member of ``members`` it names bare
    written as ``this->name``, what it is (C++ [class.mfct.non-static]p2): the object the
    construct reaches through the pointer ``this``.  Lines and the other text unchanged."""
    from accellium.dataset.loops import parse_tree

    if not members or lang != "cpp":
        return code
    raw = code.encode("utf-8", "surrogateescape")
    spots = [n for n in iter_nodes(parse_tree(raw, "cpp").root_node)
             if n.type == "identifier" and text(n) in members and _names_variable(n)]
    if not spots:
        return code
    out, pos = [], 0
    for n in spots:
        out += [raw[pos:n.start_byte], b"this->"]
        pos = n.start_byte
    out.append(raw[pos:])
    return b"".join(out).decode("utf-8", "surrogateescape")
