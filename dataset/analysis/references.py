"""Writes through a C++ reference the loop declares (``double &r = a[i]; r += 1;``).

A reference is no object: it is another name of the object it is bound to, for its whole
life ([dcl.ref]p1, [dcl.init.ref]), so an assignment to ``r`` writes ``a[i]``.  The walk reads
names as objects of their own, so such a write would be a private scalar's and the element's
write lost (no data clause brings it back, and two iterations bound to one element would race
unseen).  The walk follows a reference bound to an element (``T &r = a[i]``, declared once in
the loop): a write of ``r`` or of its member is an access of ``a[i]``
(:attr:`BodyWalk.element_references`).  A loop that writes through any other reference it
declares carries a dependence naming the reference and its line; one that only reads through
it reads the bound object, which the declaration's initializer already reads.

So does a loop that uses a reference its function declares before it (``double &first =
a[0];``), bound to memory an access reaches (an element, ``*p``, ``p->m``), while it writes
memory: ``first`` reads ``a[0]``, which the loop may write (the walk would take it for a
scalar's value, the same in every iteration).  A reference parameter is bound by the caller,
as a pointer parameter is given: the analysis takes parameters for distinct objects, as for
pointers."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.facts import Dependence, DepKind
from accellium.dataset.analysis.liveness import LoopInFile
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import inner_declarator, iter_nodes, op, text
from accellium.dataset.analysis.walk_records import BodyWalk, Use

__all__ = [
    "outer_bound_memory", "outer_reference_uses", "outer_scalar_pointers", "reference_writes",
]

_MEMORY = ("subscript_expression", "pointer_expression", "field_expression")


def _written(n: Node, w: BodyWalk) -> bool:
    """Is the identifier ``n``, or a member or element of what it names (``q.x``, ``q.v[k]``,
    ``r[k]``: the object's own storage, [expr.ref]p6, [expr.sub]), the target of an
    assignment or an increment, an argument of a call (which may bind a reference parameter
    to it) or an operand of ``&``?  An assignment or increment of a reference bound to an
    element, or of a member of it (``T &q = a[i]; q = ...``, ``q.x = ...``, ``q.pos.x +=
    ...``), is the walk's, an access of ``a[i]`` (:attr:`BodyWalk.element_references`, one
    declaration of the name): not counted here."""
    name = text(n)
    followed = name in w.element_references and w.assign_count.get(name, 0) <= 1
    part = False
    up = w.parent(n)
    while up is not None and (up.type == "parenthesized_expression" or _part_of(up, n)):
        part = part or up.type != "parenthesized_expression"
        followed = followed and up.type != "subscript_expression"
        n, up = up, w.parent(up)
    if up is None:
        return False
    if up.type == "assignment_expression":
        left = _field(up, "left")
        return left is not None and left.id == n.id and not followed
    if up.type == "update_expression":
        return not followed
    # the reference itself passed on (a part of it passed to a call is the walk's call rule)
    return not part and (up.type == "argument_list" or (
        up.type == "pointer_expression" and text(up).lstrip().startswith("&")))


def _part_of(up: Node, n: Node) -> bool:
    """Is ``up`` a member (``n.x``, not ``n->x``: through a pointer member the object is the
    one it points to) or an element (``n[k]``) of the object ``n`` designates?"""
    if up.type == "field_expression":
        arg = _field(up, "argument")
        return arg is not None and arg.id == n.id and text(_field(up, "operator")) == "."
    if up.type == "subscript_expression":
        arg = _field(up, "argument")
        return arg is not None and arg.id == n.id
    return False


def reference_writes(loop: Node, w: BodyWalk) -> list[Dependence]:
    """A dependence for each reference the loop declares and writes through (module doc)."""
    out: list[Dependence] = []
    body = _field(loop, "body")
    for name, bound in w.references.items():
        for n in iter_nodes(body) if body is not None else ():
            if n.type != "identifier" or text(n) != name:
                continue
            up = w.parent(n)
            if up is None or up.type == "reference_declarator" or not _written(n, w):
                continue  # the declarator itself, or a read
            line = n.start_point[0] + 1
            out.append(Dependence(name, line, (
                f"`{name}` is a reference bound to `{' '.join(text(bound).split())}` (line "
                f"{w.decl_lines.get(name, line)}): the write through it (line {line}) writes "
                "that object, which this analysis does not follow; not parallel as written"),
                DepKind.SCALAR))
            break
    return out


def _assigns(name: str, w: BodyWalk) -> bool:
    """Does the loop assign the scalar ``name`` (``=``, ``+=``, ``++``, ``&name`` passed)?"""
    return any(e.kind is not Use.READ for e in w.events.get(name, []))


def _outer_bindings(where: LoopInFile) -> list[tuple[Node, Node, Node]]:
    """(declaration, declarator, bound value) of each declaration with a value that the
    function of the loop ``where`` makes outside the loop, the value's parentheses off."""
    loop = where.loop
    out = []
    for d in iter_nodes(where.ctx.node):
        if d.type != "init_declarator" or loop.start_byte <= d.start_byte < loop.end_byte:
            continue
        ref = _field(d, "declarator")
        bound = _field(d, "value")
        if ref is None or bound is None:
            continue
        while bound.type == "parenthesized_expression" and bound.named_children:
            bound = bound.named_children[0]
        out.append((d, ref, bound))
    return out


def _bound_to_memory(ref: Node, bound: Node) -> bool:
    """Is ``ref`` a reference declarator bound to memory an access reaches (an element,
    ``*p``, ``p->m``; not a member of a named object, ``s.m``)?"""
    return ref.type == "reference_declarator" and bound.type in _MEMORY and not (
        bound.type == "field_expression" and text(_field(bound, "operator")) != "->")


def outer_reference_uses(where: LoopInFile | None, w: BodyWalk) -> list[Dependence]:
    """A dependence for each reference the function of the loop ``where`` (found in its file)
    declares outside the loop, bound to memory (module doc), that the loop uses while it
    writes memory or assigns the reference (``double &r = a[n - 1]; r += a[i];`` adds into
    ``a[n - 1]``, which the last iteration reads); and for each other name of one scalar
    the loop uses beside the scalar's own, one of them assigned (:func:`_two_names`)."""
    if where is None:
        return []
    writes = any(a.write for a in w.accesses)
    out: list[Dependence] = []
    for d, ref, bound in _outer_bindings(where):
        if ref.type != "reference_declarator":
            out.extend(_two_names(ref, bound, d, w))
            continue
        name = text(inner_declarator(ref))
        if name not in w.events:
            continue
        if bound.type == "identifier":
            out.extend(_two_names(ref, bound, d, w))
            continue
        if not _bound_to_memory(ref, bound) or not (writes or _assigns(name, w)):
            continue
        line = w.events[name][0].stmt.start_point[0] + 1
        out.append(Dependence(name, line, (
            f"`{name}` is a reference bound to `{' '.join(text(bound).split())}` (line "
            f"{d.start_point[0] + 1}), memory the loop may write: what it reads through it is "
            "not followed; not parallel as written"), DepKind.SCALAR))
    return out


def outer_bound_memory(where: LoopInFile | None, w: BodyWalk) -> dict[str, tuple[str, bool]]:
    """The references the function of the loop ``where`` declares outside the loop, bound to
    memory reached through a name (``double &r = a[n - 1];``, ``= *p``, ``= p->m``), that
    the loop uses: reference -> (that name, whether the loop assigns the reference).  The
    reference is the memory under another name ([dcl.ref]p1): a use of ``r`` is a use of
    ``a``'s element, which a data clause must map as ``a``'s (a clause naming ``r`` maps
    the element again, apart from ``a``'s copy), at a place the loop's own subscripts do
    not show.  A name the loop declares itself is another object."""
    if where is None:
        return {}
    out: dict[str, tuple[str, bool]] = {}
    for _, ref, bound in _outer_bindings(where):
        name = text(inner_declarator(ref))
        if name not in w.events or name in w.decls or not _bound_to_memory(ref, bound):
            continue
        base: Node | None = bound
        while base is not None and base.type in (*_MEMORY, "parenthesized_expression"):
            base = _field(base, "argument") if base.type != "parenthesized_expression" \
                else (base.named_children[0] if base.named_children else None)
        if base is not None and base.type == "identifier":
            out[name] = (text(base), _assigns(name, w))
    return out


def _address_of_scalar(declarator: Node, value: Node) -> str | None:
    """The name ``x`` where ``declarator`` declares a pointer given ``&x`` (``double *ps =
    &s;``), else None."""
    if declarator.type == "pointer_declarator" and value.type == "pointer_expression" and \
            op(value) == "&" and (arg := _field(value, "argument")) is not None and \
            arg.type == "identifier":
        return text(arg)
    return None


def _two_names(declarator: Node, value: Node, d: Node, w: BodyWalk) -> list[Dependence]:
    """One scalar under two names: a reference bound to it (``double &rs = s;``, [dcl.ref]p1)
    or a pointer to it dereferenced (``double *ps = &s; ... *ps``: ``*ps`` designates ``s``,
    C11 6.5.3.2p4).  The walk takes the names for two objects: a loop that uses both, and
    assigns one, would read a private copy or reduce one name while the other sees the
    running value (``rs += a[i]; b[i] = s;`` is a prefix sum, not a reduction)."""
    if declarator.type == "reference_declarator" and value.type == "identifier":
        name, target = text(inner_declarator(declarator)), text(value)
        uses = name in w.events
        written = _assigns(name, w)
    elif (scalar := _address_of_scalar(declarator, value)) is not None:
        name, target = text(inner_declarator(declarator)), scalar
        through = [a for a in w.accesses if a.name == name]
        uses = bool(through)
        written = any(a.write for a in through)
    else:
        return []
    if not uses or target not in w.events or not (written or _assigns(target, w)):
        return []
    line = w.events[target][0].stmt.start_point[0] + 1
    how = "a reference bound to" if declarator.type == "reference_declarator" else \
        "a pointer to"
    # named by the name the loop assigns through (a reduction of it is none, :mod:`.pipeline`)
    return [Dependence(name if written else target, line, (
        f"`{name}` is {how} `{target}` (line {d.start_point[0] + 1}): the loop uses one "
        f"object under two names and assigns it; not parallel as written"), DepKind.SCALAR)]


def outer_scalar_pointers(where: LoopInFile | None, w: BodyWalk) -> set[str]:
    """The pointers the function of the loop ``where`` declares outside the loop with the
    address of a scalar (``double *ps = &s;``) that the loop uses through the pointer and by
    its own name: ``ps[0:1]`` is ``s``'s memory (C11 6.5.3.2p3), which a clause mapping
    ``s`` maps again, apart."""
    if where is None:
        return set()
    out = set()
    for _, ptr, value in _outer_bindings(where):
        if (scalar := _address_of_scalar(ptr, value)) is not None and scalar in w.events:
            name = text(inner_declarator(ptr))
            if name not in w.decls and any(a.name == name for a in w.accesses):
                out.add(name)
    return out
