"""C++ classes as a member function's code sees them: the class it belongs to, in the file,
and the data members it may name bare.

In a non-static member function a data member named bare (``a[i]``) is ``this->a[i]``
(C++ [class.mfct.non-static]p2), and ``this`` is a pointer prvalue ([expr.prim.this]).  Only
what the file shows: the class whose body holds the function's definition, or the class a
qualified definition (``void Grid::step()``) names when its body is in the same file or in a
header the file includes above the definition (read with the file's headers), its
non-static data members and those of its base classes defined there ([class.derived]p2), not
a name the function declares itself (a parameter or a local shadows the member,
[basic.lookup.unqual]).  Elsewhere (a class no text read defines, a base class that is a
template parameter) nothing is known."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from tree_sitter import Node

from accellium.dataset.analysis.scope import Declared, declared_names, function_name
from accellium.dataset.analysis.tree import iter_nodes, text

__all__ = ["SELF", "class_body", "inherited_item", "inherited_members", "member_declarations", "this_as_parameter", "this_members", "through_this", "with_bases"]


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
    bodies = _defined(cls, root, fn.start_byte)
    return bodies[0] if len(bodies) == 1 else None


def _defined(cls: str, root: Node, before: int) -> list[Node]:
    """The member lists of the definitions of the class ``cls`` in the file ``root`` and in
    the headers it includes above byte ``before`` (:func:`.deep.type_bodies`)."""
    from accellium.dataset.analysis.deep import type_bodies

    return type_bodies(root, f"class {cls}", before)


def with_bases(body: Node, root: Node, before: int) -> list[Node]:
    """The member list ``body`` and those of its base classes, theirs in turn: a base
    class's members are members of the derived class ([class.derived]p2), so a member
    function names them bare too.  A base is read where the file (or a header it includes
    above byte ``before``) defines it once; another base (a template parameter, a class
    defined elsewhere) adds nothing."""
    out, todo = [body], [body]
    while todo:
        b = todo.pop()
        clause = next((c for c in b.parent.children if c.type == "base_class_clause"), None) \
            if b.parent is not None else None
        for c in clause.named_children if clause is not None else ():
            name = c.child_by_field_name("name") if c.type in (
                "template_type", "qualified_identifier") else c
            while name is not None and name.type == "qualified_identifier":
                name = name.child_by_field_name("name")
            if name is None or name.type not in ("type_identifier", "template_type"):
                continue
            if name.type == "template_type":
                name = name.child_by_field_name("name")
            found = _defined(text(name), root, before)
            if len(found) == 1 and all(found[0].id != o.id for o in out):
                out.append(found[0])
                todo.append(found[0])
    return out


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
    return None if body is None else _members(fn, body, root)


def inherited_members(fn: Node, root: Node) -> frozenset[str]:
    """Of :func:`this_members`, those a base class declares and the class itself does not
    (C++ [class.derived]p2: members of the derived class, in its base subobject)."""
    if _static(fn):
        return frozenset()
    body = class_body(fn, root)
    if body is None:
        return frozenset()
    own = {d.name for f in body.named_children if f.type == "field_declaration"
           for d in declared_names(f)}
    return frozenset(_members(fn, body, root) - own)


def inherited_item(names: Iterable[str], inherited: Collection[str]) -> str | None:
    """The first of ``names`` (the variables of clause items: ``this->a``, ``a``) that is a
    member of ``inherited`` (:func:`inherited_members`), bare or through ``this``; None: none.
    g++ 12 rejects such a clause item in a derived class's member function ("cannot take
    the address of 'this', which is an rvalue expression")."""
    for v in names:
        if re.sub(r"^this\s*->\s*", "", v).split("[")[0].strip() in inherited:
            return v
    return None


def _members(fn: Node, body: Node, root: Node) -> frozenset[str]:
    """:func:`this_members` of ``fn``, a member function of the class whose member list is
    ``body``."""
    return frozenset(_member_declarations(fn, body, root))


def _member_declarations(fn: Node, body: Node, root: Node) -> dict[str, Declared]:
    """:func:`member_declarations` of ``fn``, a member function of the class whose member
    list is ``body``: the class's own declaration of a name before a base class's (a
    derived class's member hides the base's, [class.member.lookup])."""
    mine = _declared_in(fn)
    out: dict[str, Declared] = {}
    for b in with_bases(body, root, fn.start_byte):
        for f in b.named_children:
            if f.type != "field_declaration":
                continue
            for d in declared_names(f):
                if d.function is None and not d.static and d.name not in mine:
                    out.setdefault(d.name, d)
    return out


def member_declarations(fn: Node, root: Node) -> dict[str, Declared]:
    """The declarations of :func:`this_members` by name (a member's type: ``std::vector<double>
    d;`` is an object, not an array); empty where the file does not show the class."""
    if _static(fn):
        return {}
    body = class_body(fn, root)
    return {} if body is None else _member_declarations(fn, body, root)


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


def _spliced(raw: bytes, spots: list[tuple[int, int, bytes]]) -> bytes:
    """``raw`` with each ``(start, end, new)`` of ``spots`` (ordered, disjoint) replaced."""
    out, pos = [], 0
    for start, end, new in spots:
        out += [raw[pos:start], new]
        pos = end
    out.append(raw[pos:])
    return b"".join(out)


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
    return _spliced(raw, [(n.start_byte, n.start_byte, b"this->") for n in spots]
                    ).decode("utf-8", "surrogateescape")


# the name :func:`this_as_parameter` gives ``this``: a C++ name with two leading underscores
# is reserved to the implementation ([lex.name]p3), so no program's own name is this one
SELF = "__acc_this"


def this_as_parameter(source: bytes, fn: Node, root: Node) -> bytes | None:
    """``source`` with the non-static member function ``fn`` (of the file ``root``) written
    as the free function it is to the code it holds: ``this``, a pointer to the class the
    function is a member of ([expr.prim.this]), made the parameter :data:`SELF` of that type,
    each ``this`` of the body that parameter, and each data member named bare ``SELF->name``
    ([class.mfct.non-static]p2) — what an analysis of pointer parameters and their members
    reads.  Lines unchanged (every row and indentation as in ``source``); None where the file
    does not show the function's class (:func:`this_members`)."""
    body = None if _static(fn) else class_body(fn, root)
    decl = function_name(fn)[1]
    params = decl.child_by_field_name("parameters") if decl is not None else None
    code = fn.child_by_field_name("body")
    cls = body.parent.child_by_field_name("name") if body is not None and \
        body.parent is not None else None
    if body is None or params is None or code is None or cls is None:
        return None
    members = _members(fn, body, root)
    first = f"{text(cls)} *{SELF}".encode()
    own = [p for p in params.named_children if p.type != "comment"]
    if not own or (len(own) == 1 and text(own[0]).strip() == "void"):
        spots = [(params.start_byte + 1, params.end_byte - 1, first)]
    else:
        spots = [(params.start_byte + 1, params.start_byte + 1, first + b", ")]
    for n in iter_nodes(code):
        if n.type == "this":
            spots.append((n.start_byte, n.end_byte, SELF.encode()))
        elif n.type == "identifier" and text(n) in members and _names_variable(n):
            spots.append((n.start_byte, n.start_byte, f"{SELF}->".encode()))
    spots.sort(key=lambda s: s[0])
    return _spliced(source, spots)
