"""Arrays reached through a pointer's member (``v->x[i]``): the deep copy that puts them on
the device.

C and OpenACC facts this encodes:

* ``v`` is a pointer, so a compute construct that names neither ``v`` nor ``v->x`` makes ``v``
  firstprivate (OpenACC 3.3, 2.6.2): the kernel reads ``v->x`` through a host address and
  faults on a discrete GPU.  Naming the member alone (``copyin(v->x[0:n])``) does not help:
  ``v`` still holds a host address.
* The deep copy maps the object first, then the member's section: ``copyin(v[0:1],
  v->x[0:n])``.  When ``x`` is a pointer member the section is attached to the device copy of
  ``v`` (2.6.8, 2.7.2: a section of a pointer that is a member of a present object is
  attached to it); when ``x`` is a true array (``double x[100]``) the member is part of the
  object (C11 6.7.2.1), so the section lies inside data ``v[0:1]`` already put there.  For a
  loop that only *reads* through ``v->x`` the form is right either way.
* A loop that *writes* through ``v->x`` needs the member's kind: through a pointer member the
  section is copied back by itself (``copy(v->x[0:n])``, the object ``v`` only read); a true
  array member is part of ``v``, whose ``copyin`` never comes back — it needs the object in
  ``copy(v[0:1])``.  So a written member gets its clause only where the struct's definition
  in the file shows how ``x`` is declared (:func:`member_kind`); otherwise nothing is guessed.
  (Nothing proves a write covers the section, so ``copy``, never ``copyout``.)
* Only one level through a pointer the loop neither declares nor assigns (``v->x``, not
  ``v->s.x``, ``u[i].x`` or ``s.x`` of a struct variable: gcc 12 rejects a struct variable
  next to its own member in the clauses of one construct, "appears more than once in data
  clauses").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from tree_sitter import Node

from accellium.dataset.analysis.classes import class_body, with_bases
from accellium.dataset.analysis.facts import LoopFacts
from accellium.dataset.analysis.tree import field, iter_nodes, op, text

__all__ = ["member_parts", "member_of", "parent_arg", "member_kind", "scalar_member", "only_elements", "deep_copies"]

_MEMBER = re.compile(r"\s*([A-Za-z_]\w*)\s*(\.|->)\s*([A-Za-z_]\w*)\s*")
_STRUCTS = ("struct_specifier", "union_specifier")
_CLASSES = (*_STRUCTS, "class_specifier")


def member_parts(name: str) -> tuple[str, str, bool] | None:
    """(object, member, through a pointer) of the array name ``s.x`` / ``v->x`` (one level);
    None for any other name."""
    m = _MEMBER.fullmatch(name)
    return (m.group(1), m.group(3), m.group(2) == "->") if m else None


def member_of(name: str) -> tuple[str, str] | None:
    """(``v``, ``x``) of the array name ``v->x`` (through a pointer); None for any other
    name."""
    got = member_parts(name)
    return (got[0], got[1]) if got is not None and got[2] else None


def parent_arg(parent: str) -> str:
    """The clause argument of the object a pointer points to (one object: ``v[0:1]``)."""
    return f"{parent}[0:1]"


def only_elements(loop: Node, name: str) -> bool:
    """Does ``loop`` use the member array ``name`` (``v->x``) only as elements it reads or
    writes itself (``v->x[i]``, ``v->x[i].w``)?  Not when it takes an element's address
    (``c = &v->x[i]``, ``v->x + i``) or uses the member whole (``f(v->x)``, ``q = v->x``):
    what is then written through that pointer is an access the analysis does not count as one
    of ``name``'s, and the mode it gives would be wrong."""
    want = "".join(name.split())
    for n in iter_nodes(loop):
        if n.type != "field_expression" or "".join(text(n).split()) != want:
            continue
        up = n.parent
        while up is not None and up.type == "parenthesized_expression":
            up = up.parent
        if up is None or up.type != "subscript_expression" or \
                field(up, "argument") is None or \
                "".join(text(field(up, "argument")).split()) != want:
            return False
        top = up.parent
        while top is not None and top.type == "parenthesized_expression":
            top = top.parent
        if top is not None and top.type == "pointer_expression" and op(top) == "&":
            return False
    return True


def _declarator_kind(d: Node | None, name: str) -> str | None:
    """``pointer`` / ``array`` when the declarator ``d`` declares ``name`` as such."""
    kind: str | None = None
    while d is not None:
        if d.type == "field_identifier" or d.type == "identifier":
            return kind if text(d) == name else None
        if d.type == "pointer_declarator":
            kind = kind or "pointer"
        elif d.type == "array_declarator":
            kind = kind or "array"
        elif d.type != "parenthesized_declarator":
            return None
        d = field(d, "declarator") or (d.named_children[0] if d.named_children else None)
    return None


def _pointee_type(fn: Node, name: str, pointer: bool = True) -> str | None:
    """The type text of what the parameter or local ``name`` of ``fn`` points to
    (``struct vec``, ``vec_t``), where every declaration of ``name`` in ``fn`` is ``T *name``
    with one ``T`` (``pointer`` false: ``T name``, the type of the variable itself)."""
    found: set[str] = set()
    for n in iter_nodes(fn):
        if n.type not in ("parameter_declaration", "declaration"):
            continue
        t = field(n, "type")
        for decl in n.children_by_field_name("declarator"):
            d = field(decl, "declarator") if decl.type == "init_declarator" else decl
            if not pointer:  # `T name`: the variable itself (not `T *name`, `T name[n]`)
                if d is not None and d.type == "identifier" and text(d) == name:
                    found.add(" ".join(text(t).split()) if t is not None else "")
                elif _declares(d, name):
                    found.add("")
                continue
            inner = field(d, "declarator")
            if inner is None or inner.type != "identifier" or text(inner) != name:
                continue
            # a `T *name`: one pointer to T (not `T name`, `T **name`, `T name[n]`)
            found.add(" ".join(text(t).split()) if d is not None and t is not None and
                      d.type == "pointer_declarator" else "")
    return found.pop() or None if len(found) == 1 else None


def _declares(d: Node | None, name: str) -> bool:
    """Does the declarator ``d`` declare ``name`` (under pointers, arrays, parentheses)?"""
    while d is not None and d.type != "identifier":
        d = field(d, "declarator")
    return d is not None and text(d) == name


def _bodies(root: Node, type_text: str) -> list[Node]:
    """The field lists of the struct/union definitions the type ``type_text`` names in the
    file (``struct vec`` by its tag, a typedef name by its definition)."""
    words = type_text.split()
    tag = words[-1]
    by_tag = len(words) >= 2 and words[-2] in ("struct", "union", "class")
    out: list[Node] = []
    for n in iter_nodes(root):
        if by_tag and n.type in _CLASSES and text(field(n, "name")) == tag:
            body = field(n, "body")
            if body is not None:
                out.append(body)
        elif not by_tag and n.type == "type_definition":
            names = [text(d) for d in n.children_by_field_name("declarator")]
            t = field(n, "type")
            if tag in names and t is not None and t.type in _STRUCTS:
                body = field(t, "body")
                if body is not None:
                    out.append(body)
                elif field(t, "name") is not None:
                    kw = "union" if t.type == "union_specifier" else "struct"
                    out.extend(_bodies(root, f"{kw} {text(field(t, 'name'))}"))
    if not out and not by_tag:  # no typedef: a C++ class's name is a type name ([class.name])
        out = _bodies(root, f"class {tag}")
    return out


def type_bodies(root: Node, type_text: str, before: int) -> list[Node]:
    """The field lists of the definitions of the structure ``type_text`` (:func:`_bodies`)
    that code at byte ``before`` of the file ``root`` sees: the file's, and those of the
    headers it includes above it (read within :func:`accellium.dataset.offload.shapes.
    header_declarations`): ``#include`` puts the header's text in the file (C11 6.10.2p3)."""
    from accellium.dataset.offload.shapes import header_types

    return _bodies(root, type_text) + [b for h in header_types(root, before)
                                       for b in _bodies(h, type_text)]


def member_kind(fn: Node, root: Node, parent: str, member: str,
                pointer: bool = True) -> str | None:
    """``pointer`` / ``array``: how the struct that ``parent`` (a ``T *`` parameter or local
    of the function ``fn``; ``pointer`` false: a ``T`` one) points to declares ``member``,
    where every definition of ``T`` in the file (``root``) agrees; None when that is not
    known."""
    kinds: set[str | None] = set()
    for _, d in _field_declarators(fn, root, parent, pointer):
        k = _declarator_kind(d, member)
        if k is not None:
            kinds.add(k)
    return kinds.pop() if len(kinds) == 1 else None


def _field_declarators(fn: Node, root: Node, parent: str,
                       pointer: bool = True) -> Iterator[tuple[Node, Node]]:
    """(field declaration, declarator) of every member of every definition in the file
    (``root``) of the struct that ``parent`` (a ``T *`` parameter or local of ``fn``;
    ``pointer`` false: a ``T`` one) points to; nothing when that type is not known."""
    if parent == "this":  # C++: the class of the member function
        own = class_body(fn, root)
        bodies = [own] if own is not None else []
    else:
        t = _pointee_type(fn, parent, pointer)
        bodies = type_bodies(root, t, fn.start_byte) if t is not None else []
    # a C++ base class's members are the class's too ([class.derived]p2)
    bodies = [b for body in bodies for b in with_bases(body, root, fn.start_byte)]
    for body in bodies:
        for f in body.named_children:
            if f.type == "field_declaration":
                for d in f.children_by_field_name("declarator"):
                    yield f, d


_ARITHMETIC = frozenset({"int", "char", "short", "long", "signed", "unsigned", "_Bool", "bool",
                         "size_t", "ptrdiff_t", "float", "double", "const", "volatile"})


def scalar_member(fn: Node, root: Node, parent: str, member: str) -> bool:
    """Does every definition in the file (``root``) of the struct that the ``T *`` parameter
    or local ``parent`` of ``fn`` points to declare ``member`` as a plain variable of an
    arithmetic type (``int nx``; not a pointer, an array, a struct, or a type the file names
    otherwise)?  Its value is then all a read of ``parent->member`` takes from the object."""
    found = False
    for f, d in _field_declarators(fn, root, parent):
        if d.type == "field_identifier" and text(d) == member:
            words = set(text(field(f, "type")).split()) | \
                {text(c) for c in f.children if c.type == "type_qualifier"}
            if not words <= _ARITHMETIC:
                return False
            found = True
        elif _declarator_kind(d, member) is not None:
            return False
    return found


def deep_copies(facts: LoopFacts, loop: Node, owned: set[str],
                kind: Callable[[str, str], str | None] | None) -> None:
    """Keep the section of each array reached through a pointer's member (``v->x``, the
    section the loop bounds give) only with what makes it right (module doc), in ``facts``:
    read, the object in ``facts.parents``; written through a pointer member, the same, in
    ``copy``; written in a true array member, the object itself as the section (``v[0:1]``,
    ``copy``), and then no other member of ``v`` is sectioned (the object in ``copyin`` and
    ``copy`` at once is a compile error).  Not when the loop declares or assigns ``v``
    (``owned``), also uses ``v`` as an array, or reaches the member other than through its
    elements (:func:`only_elements`).  ``kind(v, x)``: the member's kind, from the file
    (None: a loop seen alone)."""
    whole: set[str] = set()
    for name, mode in list(facts.arrays.items()):
        pm = member_of(name)
        if pm is None or name not in facts.sections:
            continue
        parent = pm[0]
        ok = parent not in owned and parent not in facts.arrays and only_elements(loop, name)
        k = kind(*pm) if ok and mode != "in" and kind is not None else None
        if not ok or (mode != "in" and k is None):
            del facts.sections[name]
        elif mode == "in" or k == "pointer":
            facts.arrays[name] = mode if mode == "in" else "inout"
            facts.parents[name] = parent_arg(parent)
        else:  # a true array member, written: the object holds it
            facts.arrays[name] = "inout"
            facts.sections[name] = parent_arg(parent)
            whole.add(parent)
    for name in list(facts.parents):
        pm = member_of(name)
        if pm is not None and pm[0] in whole:
            del facts.parents[name]
            facts.sections.pop(name, None)
