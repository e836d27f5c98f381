"""A pointer member of a struct variable passed to a hoisted call (``dist(db.x, db.y, n)``):
the caller's region maps the member's section ``db.x[lo:len]``, as it maps a pointer
variable passed whole.

C and OpenACC facts this encodes:

* The callee's parameter receives a copy of the member's value (C11 6.5.2.2p4): its compute
  constructs' "present or copy" clauses look the section up by that address (OpenACC 3.3,
  2.6.2, 2.7.1), and a caller's data clause naming a member of a struct variable
  (``copyin(db.x[0:n])``, 2.7.1) maps exactly that address range.  No device code reads
  ``db`` itself, so the object is neither mapped nor attached to (2.6.8: an attach needs the
  pointer's own storage present): the section is mapped alone.
* The clause reads the member's value where the region starts: a region that holds a new
  value of the member (``db.x = q;``, ``db = other;``, a call given ``&db`` that may assign
  ``db->x``) would name a stale address, so each such statement is a wall no region mapping
  the member may hold; so is the member's declaration (a clause before it cannot name it,
  C11 6.2.1p4) and a call not hoisted that is given the member's value (its own clauses, or
  its host code, would find the region's copy or a stale host one).
* The member's value reaches nothing the planner does not see: the struct is a local variable
  (no other function names it) used only through its members, given whole only as ``&db``
  to a function of the file whose parameter is used only as ``p->m`` (the address is kept
  nowhere), and the member is used only through elements (``db.x[i]``) or passed to calls,
  never copied into another pointer nor its address taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.deep import member_kind
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field, iter_nodes, named, root_of, text, unparen
from accellium.dataset.offload.members import only_members
from accellium.dataset.offload.shapes import Shape

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import Scope

__all__ = ["MemberArg", "member_arg", "member_walls"]


@dataclass(frozen=True)
class MemberArg:
    """A member ``s.x`` calls may receive: its name, its shape, and the nodes no region that
    maps it may hold, each with why."""

    name: str
    shape: Shape
    walls: tuple[tuple[Node, str], ...]


def _parts(a: Node) -> tuple[Node, str] | None:
    """(``s``, ``x``) of ``s.x`` with ``s`` an identifier (``.`` access, one level)."""
    if a.type != "field_expression" or text(field(a, "operator")) != ".":
        return None
    obj, member = unparen(field(a, "argument")), field(a, "field")
    if obj is None or obj.type != "identifier" or member is None:
        return None
    return obj, text(member)


def member_arg(a: Node | None, scope: Scope) -> MemberArg | str | None:
    """The member ``s.x`` the argument ``a`` is, when a region of the caller may map it
    (the module's rules); why not, or None: ``a`` is no member of a struct variable."""
    got = _parts(a) if a is not None else None
    if got is None:
        return None
    obj, member = got
    name = f"{text(obj)}.{member}"
    decls = scope.decls.get(text(obj)) or []
    if len(decls) != 1 or not decls[0].local or decls[0].kind != "other" or \
            decls[0].decl is None:
        return f"`{name}` is not a member of a struct variable declared in the function"
    if member_kind(scope.fn, root_of(scope.fn), text(obj), member, pointer=False) != "pointer":
        return f"`{name}` is not a pointer member declared so in the file"
    walls: list[tuple[Node, str]] = [(decls[0].decl, (
        f"`{text(obj)}` is declared inside the region: its data clause cannot name `{name}`"))]
    for n in iter_nodes(field(scope.fn, "body") or scope.fn):
        if n.type != "identifier" or text(n) != text(obj) or \
                n.start_byte < decls[0].decl.end_byte:
            continue
        why = _use(n, member, scope)
        if why is None:
            continue
        if isinstance(why, str):
            return f"`{name}` may be reached where the region does not see it: {why}"
        walls.append((why, (f"line {why.start_point[0] + 1} may give `{name}` another value: "
                            "a region mapping its section cannot hold it")))
    return MemberArg(name, Shape(name, "pointer", 1, by_value=True), tuple(walls))


def _use(n: Node, member: str, scope: Scope) -> Node | str | None:
    """One use ``n`` of the struct variable: None (reads a member, or the member's element or
    value where the module allows it), a node that may give the member a new value (a wall),
    or why the member may be reached unseen."""
    p = n.parent
    line = n.start_point[0] + 1
    if p is not None and p.type == "field_expression" and field(p, "argument") == n:
        return _member_use(p, line) if text(field(p, "field")) == member else None
    if p is not None and p.type == "assignment_expression" and field(p, "left") == n:
        return p  # `s = t`: every member new
    if p is not None and p.type == "pointer_expression" and text(field(p, "operator")) == "&":
        return _address_passed(p, scope, line)
    return f"the struct is used whole (line {line})"


def _member_use(m: Node, line: int) -> Node | str | None:
    """``s.x`` itself: an element's base, a call's argument, or assigned (a wall)."""
    p = m.parent
    while p is not None and p.type == "parenthesized_expression":
        m, p = p, p.parent
    if p is None:
        return None
    if p.type == "subscript_expression" and field(p, "argument") == m:
        return None
    if p.type == "argument_list":
        return None  # a call's argument: hoisted, or a wall (:func:`member_walls`)
    if p.type == "assignment_expression" and field(p, "left") == m or \
            p.type == "update_expression":
        return p
    return f"its value is used other than by an element or a call (line {line})"


def _address_passed(amp: Node, scope: Scope, line: int) -> Node | str:
    """``&s`` as an argument of a call of a function of the file whose parameter is used only
    through its members (it keeps the address nowhere): the call is a wall.  Else why not."""
    args = amp.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    f = field(call, "function") if call is not None else None
    callee = _defined(text(f), scope.fn) if f is not None and f.type == "identifier" else None
    if call is None or callee is None or args is None:
        return f"its address is taken (line {line})"
    k = [x for x in named(args) if x.type != "comment"].index(amp)
    params = _param_names(callee)
    param = params[k] if k < len(params) else None
    if param is None or not only_members(callee, param) or _member_address(callee, param):
        return f"its address is passed to a function that may keep it (line {line})"
    return call


def _defined(name: str, fn: Node) -> Node | None:
    for d in named(root_of(fn)):
        if d.type == "function_definition" and function_name(d)[0] == name:
            return d
    return None


def _param_names(fn: Node) -> list[str | None]:
    from accellium.dataset.offload.callgraph import param_names

    return param_names(fn)


def _member_address(fn: Node, param: str) -> bool:
    """Does ``fn`` take the address of a member of ``*param`` (``&p->x``)?"""
    for n in iter_nodes(fn):
        if n.type == "pointer_expression" and text(field(n, "operator")) == "&":
            arg = unparen(field(n, "argument"))
            base = unparen(field(arg, "argument")) if arg is not None and \
                arg.type == "field_expression" else None
            if base is not None and base.type == "identifier" and text(base) == param:
                return True
    return False


def member_walls(m: MemberArg, fn: Node, hoisted: set[int]) -> list[tuple[Node, str]]:
    """The walls of ``m`` (:attr:`MemberArg.walls`) and the calls given the member's value
    that are not hoisted (``hoisted``: the ids of the hoisted calls' argument nodes)."""
    out = list(m.walls)
    for n in iter_nodes(field(fn, "body") or fn):
        got = _parts(n) if n.type == "field_expression" else None
        if got is None or f"{text(got[0])}.{got[1]}" != m.name or n.id in hoisted:
            continue
        p = n.parent
        while p is not None and p.type == "parenthesized_expression":
            p = p.parent
        if p is not None and p.type == "argument_list" and p.parent is not None:
            out.append((p.parent, f"the call at line {n.start_point[0] + 1} is given `{m.name}` "
                              "and is not hoisted: a region mapping it cannot hold the call"))
    return out
