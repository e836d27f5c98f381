"""Pointers a loop uses only to read scalar members (``g->nx``): the one object each reaches.

C and OpenACC facts this encodes:

* ``p->m`` is ``(*p).m`` (C11 6.5.2.3), a member of the object ``p[0]``.  A loop whose only
  uses of ``p`` are reads ``p->m`` of members declared as plain variables of an arithmetic
  type (no subscript of ``p``, no ``p + k``, ``&p->m`` or ``*p``, ``p`` neither passed,
  assigned nor declared in the loop, no member dereferenced or indexed through it) reaches
  exactly ``p[0:1]`` — and of it only values, no pointer a device copy would need attached.
* In a compute construct the pointer ``p`` is firstprivate (OpenACC 3.3, 2.6.2) and holds a
  host address unless its target is present: ``copyin(p[0:1])`` maps all the loop needs
  (the object's bytes, read only).
* The members must hold one value through the loop (nothing in the loop can store to them,
  :func:`.member_reads.unchanged`): a write to the object would stay in the device copy.
"""

from __future__ import annotations

from collections.abc import Mapping

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.deep import scalar_member
from accellium.dataset.analysis.tree import field, iter_nodes, norm, text

__all__ = ["scalar_member_objects", "scalar_member_read"]

_VALUE_ONLY = ("subscript_expression", "field_expression", "pointer_expression",
               "update_expression")


def _unparen_up(n: Node) -> Node:
    """The outermost parenthesised expression around ``n`` (``n`` itself when none)."""
    while n.parent is not None and n.parent.type == "parenthesized_expression":
        n = n.parent
    return n


def _read_as_value(e: Node) -> bool:
    """Is the member access ``e`` (``p->m``) used as a value only: not indexed,
    dereferenced, accessed further, addressed, called, assigned or incremented?"""
    top = _unparen_up(e)
    up = top.parent
    if up is None:
        return True
    if up.type in _VALUE_ONLY and field(up, "argument") == top:
        return False
    if up.type == "assignment_expression" and field(up, "left") == top:
        return False
    if is_call(up) and field(up, "function") == top:
        return False
    return True


def _member_read(n: Node) -> Node | None:
    """The member access ``p->m`` whose object is the identifier ``n``, used as a value only
    (:func:`_read_as_value`); None for any other use of ``n``."""
    e = _unparen_up(n).parent
    if e is None or e.type != "field_expression" or \
            text(field(e, "operator")) != "->" or _unparen_up(n) != field(e, "argument"):
        return None
    member = field(e, "field")
    if member is None or member.type != "field_identifier" or not _read_as_value(e):
        return None
    return e


def scalar_member_read(n: Node, fn: Node, root: Node) -> bool:
    """Is the identifier ``n`` (a pointer ``p``) the object of a read ``p->m`` of a scalar
    member, used as a value only (module doc)?"""
    e = _member_read(n)
    return e is not None and scalar_member(fn, root, text(n), text(field(e, "field")))


def _only_scalar_reads(loop: Node, head: str, fixed: Mapping[str, object], fn: Node,
                       root: Node) -> bool:
    members: set[str] = set()
    for n in iter_nodes(loop):
        if n.type not in ("identifier", "this") or text(n) != head:
            continue
        e = _member_read(n)
        if e is None or norm(text(e)) not in fixed:
            return False
        members.add(text(field(e, "field")))
    # each member's declaration once (a walk of the file)
    return bool(members) and all(scalar_member(fn, root, head, m) for m in sorted(members))


def scalar_member_objects(loop: Node, heads: list[str], fixed: Mapping[str, object],
                          fn: Node, root: Node) -> list[str]:
    """The pointers of ``heads`` (those the loop dereferences without a subscript) whose every
    use in ``loop`` is a read of a scalar member that holds one value there (``fixed``: the
    member reads nothing in the loop stores to), in the function ``fn`` of the file ``root``
    (module doc): for each, ``p[0:1]`` is all the loop reaches through it."""
    return [h for h in heads if _only_scalar_reads(loop, h, fixed, fn, root)]
