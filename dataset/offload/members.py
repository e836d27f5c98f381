"""Arrays reached through one member of a structure (``s.x[i]`` of a struct variable,
``v->x[i]`` through a pointer): when the planner may map them, and the object that must be
mapped before them.

C and OpenACC facts this encodes:

* A struct variable a compute construct uses is copied byte for byte, its pointer members
  included (OpenACC 3.3, 2.6.2: an aggregate is ``copy`` by default); a pointer ``v`` is
  firstprivate.  Either way the kernel dereferences a host address unless a section of the
  member is mapped while its object is present, which attaches the member of the device copy
  to the section (2.6.8 attach, 2.7.2).  So the region maps the object first, then the
  member's section: ``copyin(s) copy(s.x[0:n])`` / ``copyin(v[0:1]) copy(v->x[0:n])`` on the
  ``data`` construct (2.6.5), and the loops inside find both present (2.7).  gcc 12 rejects a
  struct variable beside its own member in the clauses of one compute construct, so the
  object goes on the ``data`` construct, never on a loop.
* Only a *pointer* member, declared so in every definition of the struct in the file: a true
  array member (``double x[64]``) is part of the object, whose ``copyin`` never comes back.
* Only one level (``s.x``, ``v->x``; not ``s.a.x``, ``u[i].x``), an object the function
  neither assigns (nor its member) and uses only through its members (``s.n``, ``s.x[i]``;
  never whole: ``f(s)``, ``&s``, ``v[i]``, ``q = v``, which could reach the member where the
  planner does not see it).
"""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.deep import member_kind, member_parts, parent_arg
from accellium.dataset.analysis.member_objects import scalar_member_read
from accellium.dataset.analysis.tree import field, iter_nodes, root_of, text
from accellium.dataset.offload.shapes import Shape
from accellium.dataset.offload.uses import ZERO, ArrayUse

__all__ = ["object_arg", "member_shape", "read_object"]

def object_arg(name: str) -> str | None:
    """The clause argument of the object the member array ``name`` belongs to: ``s`` for a
    struct variable, ``v[0:1]`` (the one object) through a pointer."""
    got = member_parts(name)
    if got is None:
        return None
    parent, _, arrow = got
    return parent_arg(parent) if arrow else parent


def only_members(fn: Node, parent: str) -> bool:
    """Is every use of ``parent`` in ``fn`` the object of a member access (``parent.m``,
    ``parent->m``), other than its declaration?"""
    for n in iter_nodes(fn):
        if n.type != "identifier" or text(n) != parent:
            continue
        p = n.parent
        if p is not None and p.type == "field_expression" and field(p, "argument") == n:
            continue
        q = p
        while q is not None and q.type in ("pointer_declarator", "parenthesized_declarator"):
            q = q.parent
        if q is not None and q.type in ("parameter_declaration", "declaration",
                                         "init_declarator") and field(q, "declarator") in (n, p):
            continue
        return False
    return True


def _member_written(fn: Node, parent: str) -> bool:
    """Does ``fn`` assign a member of ``parent`` (``s.x = p``, ``v->n++``, ``&v->n``)?  Its
    loops read members from the object's device copy, which the host's writes do not reach;
    and a member pointer given a new value is another section."""
    for n in iter_nodes(fn):
        if n.type == "assignment_expression":
            target = field(n, "left")
        elif n.type == "update_expression" or \
                n.type == "pointer_expression" and text(n).lstrip().startswith("&"):
            target = field(n, "argument")
        else:
            continue
        while target is not None and target.type == "parenthesized_expression":
            target = target.named_children[0] if target.named_children else None
        if target is not None and target.type == "field_expression":
            arg = field(target, "argument")
            if arg is not None and arg.type == "identifier" and text(arg) == parent:
                return True
    return False


def member_shape(name: str, fn: Node,
                 assigned: dict[str, list[int]]) -> tuple[Shape | None, str | None]:
    """The shape of the member array ``name`` (a pointer, one subscript) in the function
    ``fn`` (``assigned``: the names it assigns), or why the planner does not map it."""
    got = member_parts(name)
    if got is None:
        return None, (f"`{name}` is reached through more than one member or element "
                      "(map the structure yourself)")
    parent, member, arrow = got
    root = root_of(fn)
    kind = member_kind(fn, root, parent, member, pointer=arrow)
    if kind is None and not arrow:  # a structure of file scope (every declaration in the file)
        kind = member_kind(root, root, parent, member, pointer=False)
    if kind != "pointer":
        return None, (f"`{name}` is a member of a structure, not a pointer member declared so "
                      "in the file (map the structure yourself)")
    why = _object_problem(fn, parent, assigned, f"what reaches `{name}` is unknown")
    if why is not None:
        return None, why
    return Shape(name, "pointer", 1), None


def read_object(u: ArrayUse, fn: Node, assigned: dict[str, list[int]]
                ) -> tuple[ArrayUse | None, str | None]:
    """The whole use ``u`` of a pointer ``p`` that reads a scalar member (``p->nx``) as a use
    of the one object ``p[0]`` (``p->m`` is ``(*p).m``, C11 6.5.2.3: the section
    ``p[0:1]``, read), when the function neither assigns ``p`` nor any member of it and uses
    ``p`` only through its members (as for a member array, above: the loops read the
    object's device copy, which host writes would not reach); else (None, why), or
    (None, None) when ``u`` is no such read."""
    if not u.whole or u.subs or u.node.type != "identifier" or \
            not scalar_member_read(u.node, fn, root_of(fn)):
        return None, None
    name = text(u.node)
    why = _object_problem(fn, name, assigned, "what else reaches the object is unknown")
    if why is not None:
        return None, why
    return ArrayUse(u.name, u.node, [ZERO], True, False), None


def _object_problem(fn: Node, obj: str, assigned: dict[str, list[int]], unknown: str
                    ) -> str | None:
    """Why the object ``obj`` cannot be mapped once for the function's loops (the function
    assigns it or a member of it — the loops would read its device copy, which host writes do
    not reach — or uses it other than through its members: ``unknown`` says what that leaves
    unknown), None when it can."""
    if assigned.get(obj) or _member_written(fn, obj):
        return (f"the function assigns `{obj}` or one of its members: the loops would read "
                "the object's device copy, which the host's writes do not reach (map the "
                "structure yourself)")
    if not only_members(fn, obj):
        return (f"the function uses `{obj}` other than through its members: {unknown} (map "
                "the structure yourself)")
    return None
