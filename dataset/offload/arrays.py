"""The arrays the offloaded loops touch: the section of each (from the loops' bounds, or from
the ``malloc`` that made it), and which loops must stay on the host because an array they
touch has no section we can justify.

A section is computed relative to the region (:class:`~.extent.Extents` over its statements):
every loop index between an access and the region is eliminated, and what is left must be
names the region neither assigns nor declares and that are visible where the region starts —
so that the data clause at the start and every ``present`` inside mean the same elements.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.clauses import is_clause_arg
from accellium.dataset.analysis.deep import member_parts
from accellium.dataset.analysis.member_reads import parse_key
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, root_of, text
from accellium.dataset.offload import poly
from accellium.dataset.offload.calls import caller_span, caller_spans, file_scalar, host_conflict
from accellium.dataset.offload.device import CallDevice, Device, Unit
from accellium.dataset.offload.extent import Extents, Span, union
from accellium.dataset.offload.global_scalars import changes
from accellium.dataset.offload.known import macro_values, macros_spelled_out, spelled_out
from accellium.dataset.offload.member_args import MemberArg
from accellium.dataset.offload.members import member_shape, read_object
from accellium.dataset.offload.nodes import enclosing_function
from accellium.dataset.offload.plain_structs import element_of_member
from accellium.dataset.offload.reaching import with_reaching_values
from accellium.dataset.offload.shapes import (
    AllocSite,
    Shape,
    macro_statement,
    object_starts,
    shape_of,
)
from accellium.dataset.offload.uses import ArrayUse, array_uses, assignments
from accellium.dataset.offload.views import view_uses
from accellium.dataset.offload.work import work

if TYPE_CHECKING:
    from accellium.dataset.offload.callgraph import CallGraph

__all__ = ["ArrayInfo", "Scope", "collect", "section_text", "dims_needed"]


@dataclass
class Scope:
    """The function the plan works in: declarations, allocations, assignment positions."""

    fn: Node
    decls: dict[str, list[Shape]]
    allocs: dict[str, list[AllocSite]]
    frees: dict[str, list[Node]]
    assigned_at: dict[str, list[int]] = field(default_factory=dict)  # name -> byte offsets
    # calls no region may hold when it maps an array they pass: (call, arrays, why) — the
    # callee's own data clauses would find the arrays present and its host code read or
    # write a stale copy (:func:`.calls.call_units`)
    barriers: list[tuple[Node, frozenset[str], str]] = field(default_factory=list)
    # pointer parameters whose memory nothing reads after the function returns (:mod:`.live`)
    dead_params: frozenset[str] = frozenset()
    # pairs of pointer parameters a seen call passes pointers into one array for
    # (:mod:`.passed_alike`): one construct maps them with the same clause
    aliased_params: frozenset[frozenset[str]] = frozenset()
    # those of them every such call passes the same pointer for: one section serves both
    same_params: frozenset[frozenset[str]] = frozenset()
    # pointer parameters -> the element count of the object every call passes (:mod:`.objects`)
    objects: dict[str, poly.Poly] = field(default_factory=dict)
    # member arrays the planner maps with their object (:mod:`.members`) -> their shape
    members: dict[str, Shape] = field(default_factory=dict)
    # pointer members of struct variables passed by value to hoisted calls (:mod:`.member_args`)
    member_args: dict[str, MemberArg] = field(default_factory=dict)
    # identifiers passed whole to a function of the file that only reads through them
    # (:mod:`.readargs`): host code there reads the array and writes none of it
    read_args: frozenset[int] = frozenset()
    # what later steps derive from the whole file, once per file
    # (:attr:`~accellium.dataset.analysis.scope.FileIndex.memo`; empty: derived each time)
    memo: dict[str, object] = field(default_factory=dict)
    # calls that reach the file's global arrays without naming them (:mod:`.global_uses`):
    # call node id -> (array, whether the call may write it)
    global_calls: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)
    # calls that reach memory a parameter or local of the function designates through another
    # pointer (a global the program set to it, :mod:`.points_to`): call node id -> (name,
    # whether the call may write there)
    alias_calls: dict[int, list[tuple[str, bool]]] = field(default_factory=dict)
    # functions of the program that exchange what their two parameters point to
    # (:func:`.swap.swapper_functions`): ``swap(&p, &q)`` is a pointer swap
    swappers: frozenset[str] = frozenset()
    # the calls among ``barriers`` that are there because their callee offloads loops and its
    # host code reaches globals (:func:`.global_uses.call_touches`): call node ids
    host_walls: frozenset[int] = frozenset()
    # calls that may store to a file-scope pointer (:func:`.global_uses.pointer_stores`):
    # (call, pointers, why); no region mapping one holds the call, hoisted or not
    pointer_walls: list[tuple[Node, frozenset[str], str]] = field(default_factory=list)
    # call arguments that are locals holding an offset into an array (``x`` declared
    # ``T *x = a + k``, :mod:`.offset_locals`): the identifier's node id -> ``a + k``
    offset_locals: dict[int, Node] = field(default_factory=dict)
    # the array's identifier in each such ``a + k``: an address computed, no element accessed
    # (C11 6.5.6p8); the accesses through the local are the calls' (:mod:`.offset_locals`)
    offset_bases: frozenset[int] = frozenset()
    # globals whose memory nothing reads once ``main`` has run past a region, and what the
    # file's functions name of them (:mod:`.exit_dead`)
    exit_dead: tuple[frozenset[str], dict[str, set[str]]] = (frozenset(), {})
    # pointers that hold a device address on every path (:mod:`.device_memory`: acc_malloc's
    # value, OpenACC 3.3 3.2.24): no data clause of the plan names them (it would take the
    # device address for host memory); the loops name them in `deviceptr` (2.7.4)
    device_addresses: frozenset[str] = frozenset()
    # functions of the program's other files that reach nothing outside those files and the C
    # library (:func:`.global_uses.program_touches`, not ``unknown``): none can store to an
    # object of this file with internal linkage (:func:`.global_scalars.changes`)
    sealed: frozenset[str] = frozenset()
    _calls: CallGraph | None = field(default=None, repr=False, compare=False)

    def file_calls(self) -> CallGraph:
        """The call graph of the function's own file (built once per scope)."""
        if self._calls is None:
            from accellium.dataset.analysis.tree import root_of
            from accellium.dataset.offload.callgraph import graph_of

            self._calls = graph_of(root_of(self.fn), None)
        return self._calls

    def shape(self, name: str) -> Shape | None:
        if name in self.members:
            return self.members[name]
        if name in self.member_args:
            return self.member_args[name].shape
        return shape_of(name, self.decls)

    def visible(self, name: str, pos: int) -> bool:
        """Is ``name`` in scope (and declared) at byte ``pos``?  A name nothing in the file
        declares is a macro or an enumerator: a constant, visible everywhere.  A member read
        (``g->nx``) is visible where its object is."""
        read = parse_key(name)
        got = self.decls.get(read[0] if read is not None else name) or []
        if not got:
            return True
        for s in got:
            if s.decl is None or not s.local:
                return True
            blk = s.decl.parent
            if blk is not None and blk.start_byte <= pos < blk.end_byte and \
                    s.decl.end_byte <= pos:
                return True
        return False

    def assigned_between(self, name: str, lo: int, hi: int) -> bool:
        return any(lo <= p < hi for p in self.assigned_at.get(name, []))

    def alloc(self, name: str) -> AllocSite | None:
        """The one allocation of ``name``, when the function assigns the pointer nowhere else:
        its count describes the memory only while the pointer holds that value (after
        ``p = realloc(p, m)``, ``p = q`` or ``p++`` it points to another object, or into
        it)."""
        got = self.allocs.get(name) or []
        if len(got) != 1:
            return None
        at = got[0].stmt
        if any(not at.start_byte <= p < at.end_byte for p in self.assigned_at.get(name, [])):
            return None
        return got[0]


def assignment_positions(fn: Node) -> dict[str, list[int]]:
    """Name -> the byte offsets where the function assigns it (a statement-level macro call
    assigns what its expansion assigns, at the statement: :func:`.shapes.macro_statement`);
    a store through a pointer the function points at a scalar (``int *pm = &m; *pm *= 2;``)
    or through a C++ reference bound to it (``int &rm = m; rm = 4;``) assigns that scalar
    (C11 6.5.3.2p4; [dcl.ref]p1)."""
    out: dict[str, list[int]] = {}
    pointers, references = _other_names(fn)
    for n in iter_nodes(fn):
        if n.type in ("assignment_expression", "update_expression", "pointer_expression"):
            a = assignments(n)
            for name in a.count:
                out.setdefault(name, []).append(n.start_byte)
                if name in references:  # `rm = 4` stores to what `rm` is bound to
                    out.setdefault(references[name], []).append(n.start_byte)
            target = n.child_by_field_name("left" if n.type == "assignment_expression"
                                           else "argument")
            if n.type != "pointer_expression" and target is not None and \
                    target.type == "pointer_expression" and text(target).startswith("*"):
                held = pointers.get(text(target.child_by_field_name("argument")))
                if held:
                    out.setdefault(held, []).append(n.start_byte)
        elif n.type == "expression_statement" and (got := macro_statement(n)) is not None:
            for name in got.assigned:
                out.setdefault(name, []).append(n.start_byte)
    return out


def _other_names(fn: Node) -> tuple[dict[str, str], dict[str, str]]:
    """The pointers the function initialises or assigns with a scalar's address (``int *pm
    = &m``, ``pm = &m``), and the C++ references it binds to a scalar (``int &rm = m``):
    each name -> the scalar's (a store through the pointer, or to the reference, stores to
    the scalar; assigning the pointer itself does not)."""
    pointers: dict[str, str] = {}
    references: dict[str, str] = {}
    for n in iter_nodes(fn):
        if n.type == "init_declarator":
            d, v = n.child_by_field_name("declarator"), n.child_by_field_name("value")
        elif n.type == "assignment_expression":
            d, v = n.child_by_field_name("left"), n.child_by_field_name("right")
        else:
            continue
        if d is None or v is None:
            continue
        if v.type == "pointer_expression" and text(v).startswith("&"):
            target, into = v.child_by_field_name("argument"), pointers
        elif d.type == "reference_declarator":
            target, into = v, references
        else:
            continue
        if target is None or target.type != "identifier":
            continue
        name = next((text(c) for c in iter_nodes(d) if c.type == "identifier"), None)
        if name:
            into[name] = text(target)
    return pointers, references


def dims_needed(shape: Shape) -> int:
    """How many leading subscripts the section must bound."""
    if shape.kind == "pointer":
        return shape.levels
    if shape.kind == "rows":
        return 1
    return 0


def section_text(shape: Shape, spans: list[Span] | None) -> str | None:
    """``a[lo:len]``, ``A[lo:len][lo:len]`` (row pointers), ``a[lo:len][0:M]`` (rows), ``t``
    (a true array, or no spans)."""
    if shape.kind == "array" and not spans:
        return shape.name
    if not spans:
        return None
    parts = [f"[{s.section()}]" for s in spans]
    if shape.kind == "rows":
        parts += [f"[0:{d}]" for d in shape.dims]
    out = shape.name + "".join(parts)
    return out if is_clause_arg(out) else None


@dataclass
class ArrayInfo:
    """One array the offloaded loops touch."""

    name: str
    shape: Shape
    spans: list[Span] | None  # the union of the device accesses, per bounded dimension
    section: str  # the clause argument every directive of the plan uses
    alloc: AllocSite | None = None  # the function allocates it (count known)
    whole_object: bool = False  # the section is the object every call passes (:mod:`.objects`)
    dev_reads: bool = False
    dev_writes: bool = False
    uses: dict[int, list[ArrayUse]] = field(default_factory=dict)  # device node id -> uses
    # a group of swapped pointers followed as one array (:mod:`.swap`): its members, and the
    # identifiers of the copies between them (pointer values, not element uses)
    aliases: frozenset[str] = frozenset()
    copies: frozenset[int] = frozenset()

    def named_as(self, name: str) -> ArrayInfo:
        """The same array under another member's name (its sections spelled with it)."""
        if name == self.name:
            return self
        shape = replace(self.shape, name=name)
        return replace(self, name=name, shape=shape,
                       section=section_text(shape, self.spans) or self.section)


def _device_uses(d: Device, scope: Scope) -> tuple[list[ArrayUse], str | None]:
    """The uses of arrays declared outside the loop (not private to it); or why the loop
    cannot be planned."""
    local = set(assignments(d.node).declared)
    private = {v for c in d.pragma.clauses if c.name in ("private", "firstprivate")
               for v in c.variables()}
    out = []
    uses, why = view_uses(array_uses(d.node), d.node)
    if why is not None:
        return [], why
    # `a[e].m[k]`: in the element `a[e]` of plain data (:mod:`.plain_structs`)
    uses = [(element_of_member(u, scope.fn, scope.shape) if u.member else None) or u
            for u in uses]
    objects = {got[0] for u in uses if (got := member_parts(u.name)) is not None}
    for u in uses:
        if u.name in local or u.name in private or u.name in scope.device_addresses:
            continue
        if u.name in objects and u.whole and not u.subs and _through_member(u):
            continue  # `v->x[i]` (a use of `v->x`), `v->n` read from the object mapped with it
        if u.member and u.name not in scope.members:
            member, why = member_shape(u.name, scope.fn, scope.assigned_at)
            if member is None:
                return [], why
            scope.members[u.name] = member
        shape = scope.shape(u.name)
        if u.whole and not u.subs and shape is not None and shape.kind == "pointer" and \
                shape.levels == 1:
            obj, why = read_object(u, scope.fn, scope.assigned_at)
            if why is not None:
                return [], why
            if obj is not None:
                out.append(obj)  # `g->nx`: the object `g[0:1]`, read
                continue
        if u.whole and not u.subs:
            if shape is None or shape.kind == "other" and shape.levels == 0:
                continue  # a scalar (or something the loop only reads by value)
            return [], (f"uses the array `{u.name}` whole (line {u.row + 1}): which elements "
                        "a callee or a pointer reaches is unknown")
        if shape is None or shape.kind == "other" or _void_elements(shape):
            return [], _unmappable(u, shape)
        if u.whole and u.subs and _element_pointer(u, d.node):
            u = ArrayUse(u.name, u.node, u.subs, True, True, False, False)
        if u.whole or len(u.subs) != shape.levels:
            return [], (f"takes the address of `{u.name}` or one of its rows (line "
                        f"{u.row + 1}): which elements are reached is unknown")
        out.append(u)
    return out, None


def _void_elements(shape: Shape) -> bool:
    """Is the pointer declared ``void *`` (C11 6.2.5p19: ``void`` is an incomplete object
    type; a section's elements need a complete one, and gcc rejects a ``void *`` section)?"""
    decl = shape.decl
    ty = _field(decl, "type") if decl is not None else None
    return shape.kind == "pointer" and shape.levels == 1 and ty is not None and \
        text(ty) == "void"


def _unmappable(u: ArrayUse, shape: Shape | None) -> str:
    """Why no data clause can map the array ``u`` subscripts: its type is unknown, or its
    elements have none (:func:`_void_elements`)."""
    if shape is None or shape.kind == "other":
        return f"cannot tell the type of `{u.name}` (line {u.row + 1})"
    return (f"`{u.name}` is a `void *` (line {u.row + 1}): its elements have no type, so no "
            "data clause can map a section of it")


def _through_member(u: ArrayUse) -> bool:
    """Is the whole use ``u`` of a pointer the object of a member access that is an element
    of a member array (``v->x[i]``) or a read of a member (``v->n``)?"""
    p = u.node.parent
    if p is None or p.type != "field_expression":
        return False
    q = p.parent
    if q is None:
        return False
    if q.type == "subscript_expression" and q.child_by_field_name("argument") == p:
        return True
    if q.type == "assignment_expression" and q.child_by_field_name("left") == p:
        return False
    return q.type not in ("update_expression", "pointer_expression", "field_expression",
                          "subscript_expression")


def _element_pointer(u: ArrayUse, loop: Node) -> bool:
    """``T *q = &a[e];`` declared in the loop, ``q`` then used only as ``q->f`` (or ``*q``)
    and never assigned: the statement reaches the one element ``a[e]``."""
    p = u.node.parent
    if p is None or p.type != "pointer_expression" or p.parent is None or \
            p.parent.type != "init_declarator":
        return False
    decl = p.parent
    name = None
    d = decl.child_by_field_name("declarator")
    while d is not None and d.type == "pointer_declarator":
        d = d.child_by_field_name("declarator")
    if d is not None and d.type == "identifier":
        name = text(d)
    if not name or assignments(loop).count.get(name, 0) != 1:
        return False
    for n in iter_nodes(loop):
        if n.type != "identifier" or text(n) != name or n.id == d.id:  # type: ignore[union-attr]
            continue
        q = n.parent
        ok = q is not None and ((q.type == "field_expression" and
                                 q.child_by_field_name("argument") == n and
                                 text(q.child_by_field_name("operator")) == "->") or
                                (q.type == "pointer_expression" and text(q).startswith("*")))
        if not ok:
            return False
    return True


def _spans(u: ArrayUse, shape: Shape, ex: Extents, at: Node | None = None,
           scope: Scope | None = None, moving: set[str] | None = None
           ) -> tuple[list[Span] | None, str | None]:
    """The spans of the use's leading subscripts under the region (or why none): with ``at``
    (the offloaded loop holding the use), a local the region assigns that holds the value of
    the one assignment reaching the loop is spelled as that value (:mod:`.reaching`).
    ``moving`` gets the names that change inside the region when a span fails for them."""
    spans = []
    for k in range(dims_needed(shape)):
        s = ex.span(u.subs[k], u.node)
        if s is None:
            return None, (f"the extent of `{text(u.node)}` (line {u.row + 1}) is unknown: a "
                          "subscript or a bound that is not a polynomial of loop indices "
                          "and sizes (data, a division, a local)")
        if k == 0 and shape.kind == "pointer" and shape.local and shape.decl is not None \
                and poly.is_const(s.lo) and s.lo.get((), 0) < 0:
            fn = enclosing_function(shape.decl)
            line = object_starts(fn).get(u.name) if fn is not None else None
            if line is not None:
                return None, (f"the section of `{u.name}` (line {u.row + 1}) would start at "
                              f"`{poly.render(s.lo)}`, before the object `{u.name}` points "
                              f"to (every assignment of it is an allocation, line {line}): "
                              "an element before an object's first is outside it (C11 "
                              "6.5.6p8), so the program's own access there is out of bounds")
        if shape.kind in ("pointer", "rows") and ex.conditional(u.subs[k], u.node) and \
                not poly.at_least_one(s.lo, ex.mins):
            # C: p[-k] is inside an object only if p points past its start; a start the
            # program reaches itself (an unconditional access) is its own claim, but one that
            # a condition may rule out is a guess (`i > 0 ? c - cols : c`) — unless the pointer
            # points to the start of its object at every call (:mod:`.objects`: the caller then
            # keeps the loop, mapping that object whole)
            return None, (f"the section of `{u.name}` (line {u.row + 1}) would start at "
                          f"`{poly.render(s.lo)}`, which can be negative: whether `{u.name}` "
                          "points inside a larger array is unknown")
        free = ex.free(s)
        if free and at is not None and scope is not None:
            got = with_reaching_values(s, free, at, scope,
                                       ex.tops[0].start_byte if ex.tops else None)
            if got is not None and not ex.free(got):
                s, free = got, set()
        if not free and scope is not None:
            free = _stored_by_calls(s, scope, ex.tops)
        if free:
            if moving is not None:
                moving |= free
            return None, (f"the section of `{u.name}` (line {u.row + 1}) uses "
                          f"`{sorted(free)[0]}`, which changes inside the region")
        spans.append(s)
    return spans, None


def _stored_by_calls(s: Span, scope: Scope, tops: list[Node]) -> set[str]:
    """The file-scope scalars of ``s`` that a call under ``tops`` may store to
    (:func:`.global_scalars.changes`): a function of the file that assigns one, or one defined
    elsewhere, changes the value the name has where a region over the tops would have
    evaluated the section (OpenACC 3.3, 2.6.5), as an assignment in the tops would."""
    names = {n for n in poly.names(s.lo) | poly.names(s.hi) if file_scalar(n, scope)}
    out = set()
    for name in sorted(names):
        for node, _ in changes(scope.fn, name, scope.sealed):
            if is_call(node) and any(t.start_byte <= node.start_byte < t.end_byte
                                     for t in tops):
                out.add(name)
                break
    return out


def _object(name: str, scope: Scope) -> poly.Poly | None:
    """The element count of the object a pointer parameter points to at every call, when the
    function assigns none of the names it uses (:mod:`.objects`)."""
    shape = scope.shape(name)
    count = scope.objects.get(name)
    # ``T p[]`` as a parameter is ``T *p`` (C11 6.7.6.3p7)
    if count is None or shape is None or shape.kind not in ("pointer", "rows") or \
            shape.levels != 1:
        return None
    return count if not any(scope.assigned_at.get(n) for n in poly.names(count)) else None


def _alloc_ok(a: AllocSite | None, scope: Scope, region_end: int) -> bool:
    if a is None or a.count is None:
        return False
    return all(not scope.assigned_between(n, a.stmt.start_byte, region_end)
               and scope.visible(n, a.stmt.end_byte) for n in poly.names(a.count))


@dataclass
class Collected:
    arrays: dict[str, ArrayInfo]
    dropped: list[tuple[Unit, str]]
    # the names whose change inside the region left a loop's section unknown
    moving: set[str] = field(default_factory=set)


def _host_spans(stmts: list[Node], kept: list[Unit], scope: Scope,
                ex: Extents) -> dict[str, list[list[Span]]]:
    """Spans of the host code's accesses in the region (those that can be bounded): the
    region's section covers them too, so that an ``update`` of them is legal."""
    out: dict[str, list[list[Span]]] = {}
    for s in stmts:
        for u in array_uses(s):
            if u.whole or any(d.node.start_byte <= u.node.start_byte < d.node.end_byte
                              for d in kept):
                continue
            shape = scope.shape(u.name)
            if shape is None or shape.kind == "other" or len(u.subs) != shape.levels:
                continue
            spans, why = _spans(u, shape, ex)
            if why is None and spans:
                out.setdefault(u.name, []).append(spans)
    return out


def _call_rows(d: CallDevice, scope: Scope, ex: Extents, region_end: int
               ) -> tuple[list[tuple[ArrayUse, list[Span] | None]], str | None]:
    """The arrays a hoisted call reaches, with their spans in the caller (relative to the
    region); or why the call cannot join it (a bound that does not translate: no guess)."""
    rows: list[tuple[ArrayUse, list[Span] | None]] = []
    for a in d.args:
        if a.name in scope.device_addresses:
            continue  # device memory: the callee's loops name it in `deviceptr`
        u = ArrayUse(a.name, a.node, [], a.read, a.write)
        if a.object:  # the one object ``*A`` designates: ``A[0:1]``
            rows.append((u, [Span(poly.const(0), poly.const(0))]))
            continue
        if a.span is None:
            rows.append((u, None))
            continue
        if a.inner:  # a pointer to pointers: every level must translate
            spans = caller_spans(a, ex)
            if spans is None:
                return [], (f"the section of `{a.name}` that `{', '.join(d.callees)}` "
                            f"reaches (line {d.line}) does not translate into the caller's "
                            "variables where the region starts")
            rows.append((u, spans))
            continue
        span = caller_span(a, ex)
        if span is None and not _alloc_ok(scope.alloc(a.name), scope, region_end) and \
                _object(a.name, scope) is None:
            return [], (f"the section of `{a.name}` that `{', '.join(d.callees)}` reaches "
                        f"(line {d.line}) does not translate into the caller's variables "
                        "where the region starts")
        rows.append((u, [span] if span is not None else None))
    return rows, None


def guarded_extent(loop: Node, start: int) -> str | None:
    """Why the loop cannot share a region that starts at byte ``start``, above an ``if``
    around the loop whose condition bounds the loop's own bounds (:func:`extent_guard`);
    None when no such test is there."""
    got = extent_guard(loop, start)
    if got is None:
        return None
    test, _branch, name = got
    cond = _field(test, "condition") or test
    return (f"it runs only where `{text(cond)}` (line {test.start_point[0] + 1}) holds, which "
            f"bounds `{name}`: a region above that test would map its sections whether or not "
            "it holds")


def extent_guard(loop: Node, start: int) -> tuple[Node, Node, str] | None:
    """(the ``if``, its branch holding the loop, the name) of the outermost ``if`` around the
    loop below byte ``start`` whose condition bounds the loop's bounds: ``if (k <= n) for (i =
    0; i < k; i++) b[i] = ...`` runs only where ``k <= n`` holds, and a data construct above
    the ``if`` evaluates and maps the loop's sections (``b[0:k]``) whether or not it does
    (OpenACC 3.3, 2.6.5) — where it does not, a section the program may not own.  A bound
    from above on a name of the loop's test, or from below on one of its initialiser (a
    start the test keeps in the array), counts; a test that only keeps the loop from being
    empty (``if (n > 1)`` around ``i < n``) does not."""
    from accellium.dataset.offload.guards import implied

    init, test = _field(loop, "initializer"), _field(loop, "condition")
    upper = {text(n) for n in iter_nodes(test)} if test is not None else set()
    lower = {text(n) for n in iter_nodes(init)} if init is not None else set()
    found: tuple[Node, Node, str] | None = None
    child, up = loop, loop.parent
    while up is not None and up.start_byte >= start:
        cond = _field(up, "condition") if up.type == "if_statement" else None
        if cond is not None and child.id != cond.id:
            holds = child.id == (_field(up, "consequence") or up).id
            for name, o, _other in implied(cond, holds, truth=False):
                if o in ("<", "<=") and name in upper or o in (">", ">=") and name in lower:
                    found = (up, child, name)
                    break
        child, up = up, up.parent
    return found


def collect(devices: list[Unit], scope: Scope, ex: Extents, stmts: list[Node]) -> Collected:
    """Arrays, sections and the loops dropped (with why), repeated until every kept loop's
    arrays have a section."""
    region_start, region_end = stmts[0].start_byte, stmts[-1].end_byte
    dropped: list[tuple[Unit, str]] = []
    per: dict[int, list[tuple[ArrayUse, list[Span] | None]]] = {}
    rows: list[tuple[ArrayUse, list[Span] | None]]
    moving: set[str] = set()
    for d in devices:
        if isinstance(d, CallDevice):
            rows, why = _call_rows(d, scope, ex, region_end)
            if why is not None:
                dropped.append((d, why))
            else:
                per[d.node.id] = rows
            continue
        uses, why = _device_uses(d, scope)
        if why is None:
            why = guarded_extent(d.node, region_start)
        rows = []
        for u in uses if why is None else []:
            shape = scope.shape(u.name)
            assert shape is not None
            free: set[str] = set()
            spans, why_span = _spans(u, shape, ex, d.node, scope, free)
            if why_span is not None and not _alloc_ok(scope.alloc(u.name), scope, region_end) \
                    and _object(u.name, scope) is None:
                why = why_span
                moving |= free
                break
            rows.append((u, spans))
        if why is not None:
            dropped.append((d, why))
        else:
            per[d.node.id] = rows
    while True:
        kept = [d for d in devices if d.node.id in per]
        host = _host_spans(stmts, kept, scope, ex)
        arrays, bad = _arrays(kept, per, scope, region_start, region_end, host, ex.mins)
        for d in kept:
            clash = host_conflict(d, arrays, scope) if isinstance(d, CallDevice) else None
            if clash is not None and not any(b is d for b, _ in bad):
                bad.append((d, clash))
        if not bad:  # a pair a call passes one array for: one section for both
            from accellium.dataset.offload.passed_alike import widened  # (-> callgraph -> here)

            return Collected(widened(arrays, scope.same_params, ex.mins), dropped, moving)
        for d, why in bad:
            dropped.append((d, why))
            per.pop(d.node.id, None)


def _arrays(kept: list[Unit], per: dict[int, list[tuple[ArrayUse, list[Span] | None]]],
            scope: Scope, start: int, end: int, host: dict[str, list[list[Span]]],
            mins: dict[str, int]) -> tuple[dict[str, ArrayInfo], list[tuple[Unit, str]]]:
    by_name: dict[str, list[tuple[Unit, ArrayUse, list[Span] | None]]] = {}
    for d in kept:
        for u, spans in per[d.node.id]:
            by_name.setdefault(u.name, []).append((d, u, spans))
    out: dict[str, ArrayInfo] = {}
    bad: list[tuple[Unit, str]] = []
    for name, rows in by_name.items():
        shape = scope.shape(name)
        assert shape is not None
        info, why = _info(name, shape, rows, scope, (start, end), host.get(name, []), mins)
        if info is None:
            users = {d.node.id: d for d, _, _ in rows}
            odd = _odd_one(name, shape, rows, users, scope, (start, end), mins)
            if odd is not None:  # one loop's accesses do not fit the others': it alone stays
                bad.append((odd, f"{why} (with the other loops' accesses of `{name}`)"))
                continue
            alone = _unbounded_alone(name, shape, rows, users, scope, (start, end), mins)
            bad.extend((d, why or "") for d in (alone or list(users.values())))
            continue
        out[name] = info
    return out, bad


def _odd_one(name: str, shape: Shape, rows: list[tuple[Unit, ArrayUse, list[Span] | None]],
             users: dict[int, Unit], scope: Scope, where: tuple[int, int],
             mins: dict[str, int]) -> Unit | None:
    """The loop without which the array's accesses have a section; of several such loops, the
    one doing the least work (:func:`.work.work`: the shallower nest, then the fewer
    operations), so that the expensive loop keeps the device."""
    if len(users) < 2:
        return None
    fits = []
    for did, d in users.items():
        rest = [r for r in rows if r[0].node.id != did]
        got, _ = _info(name, shape, rest, scope, where, [], mins)
        if got is not None:
            fits.append(d)
    return min(fits, key=lambda d: work(d.node)) if fits else None


def _unbounded_alone(name: str, shape: Shape, rows: list[tuple[Unit, ArrayUse, list[Span] | None]],
                     users: dict[int, Unit], scope: Scope, where: tuple[int, int],
                     mins: dict[str, int]) -> list[Unit]:
    """The loops whose own accesses of the array have no section (when no one loop's leaving
    lets the others' fit): they stay on the host first, and the others are tried again
    without them, rather than every loop of the array staying."""
    if len(users) < 2:
        return []
    out = []
    for did, d in users.items():
        own = [r for r in rows if r[0].node.id == did]
        got, _ = _info(name, shape, own, scope, where, [], mins)
        if got is None:
            out.append(d)
    return out if len(out) < len(users) else []


def _union(rows: list[list[Span]], dims: int, mins: dict[str, int] | None = None
           ) -> list[Span] | None:
    out = []
    for k in range(dims):
        got = union([s[k] for s in rows], mins)
        if got is None:
            return None
        out.append(got)
    return out


def _candidates(device: list[list[Span]], host: list[list[Span]], dims: int,
                mins: dict[str, int], scope: Scope, where: tuple[int, int]
                ) -> Iterator[list[Span] | None]:
    """The unions to try, best first: with the host code's accesses, without; then the same
    with the locals of known value spelled out, then also the macros that stand for
    expressions, then also the macros whose expansion is an integer constant replaced by its
    value (:mod:`.known`)."""
    yield _union(device + host, dims, mins)
    yield _union(device, dims, mins)
    dev = [spelled_out(s, scope, where) or s for s in device]
    yield _union(dev + [spelled_out(s, scope, where) or s for s in host], dims, mins)
    yield _union(dev, dims, mins)
    mac = [macros_spelled_out(s, scope, where) or s for s in dev]
    yield _union(mac + [macros_spelled_out(s, scope, where) or s for s in host], dims, mins)
    yield _union(mac, dims, mins)
    root = root_of(scope.fn)
    val = [macro_values(s, root, where[0], scope.decls) or s for s in mac]
    yield _union(val + [macro_values(s, root, where[0], scope.decls) or s for s in host], dims,
                 mins)
    yield _union(val, dims, mins)


def _info(name: str, shape: Shape, rows: list[tuple[Unit, ArrayUse, list[Span] | None]],
          scope: Scope, where: tuple[int, int], host: list[list[Span]],
          mins: dict[str, int]) -> tuple[ArrayInfo | None, str | None]:
    start, end = where
    alloc = scope.alloc(name)
    alloc = alloc if _alloc_ok(alloc, scope, end) else None
    spans: list[Span] | None = None
    dims = dims_needed(shape)
    if all(s is not None for _, _, s in rows) and dims:
        device = [s for _, _, s in rows if s is not None]
        for cand in _candidates(device, host, dims, mins, scope, where):
            if cand is not None and all(scope.visible(n, start) for sp in cand
                                        for n in poly.names(sp.lo) | poly.names(sp.hi)):
                spans = cand
                break
    section: str | None
    if alloc is not None and alloc.count is not None and shape.levels == 1:
        section = f"{name}[0:{poly.render(alloc.count)}]"
    else:
        alloc = None
        section = section_text(shape, spans) if (spans or shape.whole) else None
    whole_object = False
    count = _object(name, scope) if section is None or not is_clause_arg(section) else None
    if count is not None:  # every element the function can reach through the pointer
        spans = [Span(poly.const(0), poly.sub(count, poly.const(1)))]
        section, whole_object = f"{name}[0:{poly.render(count)}]", True
    if section is None or not is_clause_arg(section):
        return None, (f"cannot bound the elements of `{name}` its loops reach (their bounds "
                      "cannot be ordered, or use names not in scope where the region starts)")
    info = ArrayInfo(name, shape, spans, section, alloc, whole_object)
    for d, u, _ in rows:
        info.dev_reads |= u.read
        info.dev_writes |= u.write
        info.uses.setdefault(d.node.id, []).append(u)
    return info, None
