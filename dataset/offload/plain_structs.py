"""An element of a true array member of an element of an array of structures, ``a[e].m[k]``,
as a use of the element ``a[e]`` (:func:`element_of_member`): a tree search's
``nodes[current[b]].keys[t]``.

C facts encoded:

* a member declared as an array (``int keys[ORDER + 1]``) is part of the structure's own
  storage (C11 6.7.2.1p6: a structure is a sequence of member objects), so ``a[e].m[k]`` —
  with ``k`` inside the member's bounds, any other access being undefined (C11 6.5.6p8) —
  lies in the element ``a[e]``, and mapping ``a`` whole maps it;
* a structure whose members are all arithmetic variables or arrays of them holds no address:
  its bytes are its value (C11 6.2.6.1p4), so its device copy is the same value as the host's,
  mapped as an array of doubles would be.  A structure with a pointer member (or a member of
  another structure type, which may hold one) is refused: its device copy would hold host
  addresses, which only a deep copy or ``attach`` fixes (OpenACC 3.3, 2.6.8);
* the structure is known only by its definitions in the file or the headers it includes
  before the function (``#include`` puts the header's text in the file, C11 6.10.2p3), every
  one of them agreeing; a type the planner cannot find is refused."""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from accellium.dataset.analysis.deep import _pointee_type, type_bodies
from accellium.dataset.analysis.tree import (
    field,
    iter_nodes,
    norm,
    root_of,
    subscript_index,
    text,
    unparen,
)
from accellium.dataset.offload.shapes import Shape
from accellium.dataset.offload.uses import ArrayUse

__all__ = ["element_of_member", "plain_struct"]

_ARITHMETIC = frozenset({"int", "char", "short", "long", "signed", "unsigned", "_Bool", "bool",
                         "size_t", "ptrdiff_t", "float", "double", "const", "volatile",
                         "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t",
                         "uint32_t", "uint64_t"})


def _declarator_kind(d: Node | None) -> tuple[str, str] | None:
    """(name, ``scalar`` / ``array``) of a member declarator of plain data (``n``,
    ``keys[N]``, ``m[N][M]``); None for a pointer, a function or anything else."""
    kind = "scalar"
    while d is not None and d.type == "array_declarator":
        kind = "array"
        d = field(d, "declarator")
    if d is None or d.type != "field_identifier":
        return None
    return text(d), kind


def plain_struct(fn: Node, parent: str) -> dict[str, str] | None:
    """The members of the structure the ``T *`` parameter or local ``parent`` of ``fn``
    points to, each ``scalar`` or ``array``, when every definition of ``T`` in the file and
    its headers declares the same members, all arithmetic variables or arrays of them (the
    module's second fact); None otherwise."""
    t = _pointee_type(fn, parent, True)
    if t is None:
        return None
    root = root_of(fn)
    bodies = type_bodies(root, t, fn.start_byte)
    if not bodies:
        return None
    found: dict[str, str] | None = None
    for body in bodies:
        members: dict[str, str] = {}
        for f in body.named_children:
            if f.type == "comment":
                continue
            if f.type != "field_declaration":
                return None
            words = set(norm(text(field(f, "type"))).split()) if field(f, "type") else set()
            if not words or not words <= _ARITHMETIC:
                return None
            decls = f.children_by_field_name("declarator")
            if not decls:
                return None
            for d in decls:
                got = _declarator_kind(d)
                if got is None:
                    return None
                members[got[0]] = got[1]
        if found is not None and found != members:
            return None
        found = members
    return found


def element_of_member(u: ArrayUse, fn: Node, shape_of: Callable[[str], Shape | None]
                      ) -> ArrayUse | None:
    """The use ``a[e]`` of ``u`` = ``a[e].m[k]`` (the module's facts: ``a`` a pointer of
    ``fn`` to plain structures whose member ``m`` is an array, ``shape_of`` giving its
    shape); None for another use."""
    if u.whole or not u.subs:
        return None
    x = unparen(u.node)
    while x is not None and x.type == "subscript_expression":
        x = unparen(field(x, "argument"))
    if x is None or x.type != "field_expression" or text(field(x, "operator")) != ".":
        return None
    inner = unparen(field(x, "argument"))
    if inner is None or inner.type != "subscript_expression":
        return None
    base = unparen(field(inner, "argument"))
    index = subscript_index(inner)
    if base is None or base.type != "identifier" or index is None or norm(text(x)) != u.name:
        return None
    shape = shape_of(text(base))
    if shape is None or shape.kind != "pointer" or shape.levels != 1:
        return None
    members = plain_struct(fn, text(base))
    if members is None or members.get(text(field(x, "field"))) != "array":
        return None
    if any(n.type == "comma_expression" for n in iter_nodes(index)):
        return None
    return ArrayUse(text(base), inner, [index], u.read, u.write)
