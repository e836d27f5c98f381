"""Writes to one location that no iteration owns: a member reached through a pointer without a
subscript (``st->count++``, ``m->sub.hits = i``, ``(*p).n = i``; ``*sum`` is ``sum[0]``, an
element the array analysis reads).

C: ``p->m`` names one object whatever the iteration, unless ``p`` itself changes with
it (an element pointer ``q = &a[i]`` the walk already reads as ``a[i]``, or storage the
iteration declares); so does C++'s ``this->m`` (``this`` is a pointer prvalue,
[expr.prim.this], and a member function's bare data member ``m`` is ``this->m``).  Every iteration that runs such a write writes the same location: the
iterations race on it, and no ``reduction`` clause can name a member or a dereference
(OpenACC 3.3, 2.5.15: a reduction names variables) — so the loop carries a dependence.  An
update the ``atomic`` directive governs is no race."""

from __future__ import annotations

from collections.abc import Iterable

from tree_sitter import Node

from accellium.dataset.analysis.facts import Dependence, DepKind
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, text, unparen

__all__ = ["shared_member_writes"]

_WRITES = ("assignment_expression", "update_expression")


def _base(target: Node) -> Node | None:
    """The pointer a member/dereference chain starts from (``st`` of ``st->count``,
    ``m->sub.hits``, ``*sum``); None when a subscript (an element: the array analysis reads
    it), a call or anything else is on the way, or when no pointer is dereferenced (``s.x`` of
    a struct variable is part of that variable, which may be private like any other)."""
    node: Node | None = target
    deref = False
    while node is not None:
        node = unparen(node)
        if node is None:
            return None
        if node.type in ("identifier", "this"):  # C++'s `this` is a pointer prvalue
            return node if deref else None
        if node.type == "field_expression":
            deref = deref or text(_field(node, "operator")) == "->"
            node = _field(node, "argument")
        elif node.type == "pointer_expression" and op(node) == "*":
            deref = True
            node = _field(node, "argument")
        else:
            return None
    return None


def _target(write: Node) -> Node | None:
    side = _field(write, "left") if write.type == "assignment_expression" else \
        _field(write, "argument")
    t = unparen(side)
    # `*p = ...` is `p[0]` (C11 6.5.2.1), an element the array analysis reads
    return t if t is not None and t.type == "field_expression" else None


def shared_member_writes(loop: Node, owned: Iterable[str], atomic: frozenset[int]
                         ) -> list[Dependence]:
    """The carried dependences of the writes to one shared location in ``loop``'s body;
    ``owned``: names the loop decides itself (declared or assigned in the body — the alias
    analysis reads their members as elements of what they point into —, loop indices),
    left to the other rules."""
    mine = set(owned)
    body = _field(loop, "body")
    out: list[Dependence] = []
    seen: set[str] = set()
    for n in iter_nodes(body) if body is not None else ():
        if n.type not in _WRITES:
            continue
        t = _target(n)
        base = _base(t) if t is not None else None
        if t is None or base is None or text(base) in mine:
            continue
        line = n.start_point[0] + 1
        if line in atomic:
            continue
        name = "".join(text(t).split())
        if name in seen:
            continue
        seen.add(name)
        out.append(Dependence(name, line, f"`{name}` (line {line}) is one location every "
                              "iteration writes: the iterations race on it (a `reduction` "
                              "cannot name a member or a dereference; an `atomic` update "
                              "could)", DepKind.SCALAR))
    return out
