"""Pointer swaps in a data region (ping-pong buffers: ``tmp = tin; tin = tout; tout = tmp;``).

The fact (OpenACC 3.3, 2.6.2 and 2.7): the present table maps *host addresses* to device
copies, and a compute construct (or a callee's "present or copy" clause) looks up the address
its pointer holds when it starts.  Exchanging two pointer variables between kernels therefore
moves no data: a region that holds every buffer the pointers can point to, each with the whole
section any kernel reaches through any of them, stays correct over the loop that swaps them.
Its data clause names the *buffers* and is evaluated where the region starts; at its end each
buffer is copied back to its own host address (the exit uses the addresses of the entry).

A group of pointer variables (the *members*) is followed when:

* every assignment to a member inside the region copies another member (``p = q``,
  ``T *tmp = p``): no arithmetic, no other storage, no address taken (``&p``), no ``++``;
* every member that holds a value where the region starts (declared outside it) is used by
  the region's loops or hoisted calls, or appears in the region only as the initialiser of a
  member the loops use in a declaration that is one of the region's own statements (``float
  *tin = t_a, *tout = t_b;`` between the set-up loops and the time loop: C11 6.8p3, it runs
  once when reached), so the allocations the members can hold are exactly those the loops
  reach (a third pointer swapped in that no loop uses: no region);
* the loops reach the same section through every member (each buffer plays each role); a
  member the function allocated before the region is followed with that section too (the
  group's clauses name each buffer with it), not its allocation's;
* on the host inside the region a member is only copied, subscripted, or passed to a call
  (the flow brings those up to date as for any array), and no other name a member was copied
  from or to is used there (it would reach a buffer under a name the flow does not follow).

A member's buffer is the pointer it was initialised from when that is certain (its declaration
initialises it from a pointer the function never assigns, and it is assigned nowhere outside
the region), else the member itself — a data clause evaluates its pointer where the region
starts, which is the allocation the member holds then.  The flow treats a group as one array (a
loop writing through one member makes what the host sees through every other stale), and what
is live after the region is judged for the group: after an even or an odd number of swaps
either buffer may hold the result, so every buffer gets the same clause."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.clauses import is_clause_arg
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, text, unparen
from accellium.dataset.offload.device import Unit
from accellium.dataset.offload.uses import array_uses, assignments

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import ArrayInfo, Scope

__all__ = ["SwapGroup", "swap_groups", "merged", "to_buffers"]


@dataclass
class SwapGroup:
    """Pointers that exchange allocations inside a region, and the buffers they hold."""

    members: frozenset[str]
    rep: str  # the member whose array the flow follows for the whole group
    buffers: dict[str, str] = field(default_factory=dict)  # name in the clause -> section
    copies: frozenset[int] = frozenset()  # identifier nodes of the copies (not array uses)


@dataclass
class _Copies:
    """The pointer copies under some statements: (target, source, identifier node ids)."""

    edges: list[tuple[str, str, tuple[int, ...]]] = field(default_factory=list)
    other: dict[str, Node] = field(default_factory=dict)  # name -> a non-copy assignment
    declared: set[str] = field(default_factory=set)


def _ident(node: Node | None) -> Node | None:
    node = unparen(node)
    return node if node is not None and node.type == "identifier" else None


def _copies(stmts: list[Node]) -> _Copies:
    out = _Copies()
    for s in stmts:
        for n in iter_nodes(s):
            t = n.type
            if t == "assignment_expression":
                left, right = _ident(_field(n, "left")), _ident(_field(n, "right"))
                if left is None:
                    continue
                if op(n) == "=" and right is not None:
                    out.edges.append((text(left), text(right), (left.id, right.id)))
                else:
                    out.other.setdefault(text(left), n)
            elif t == "update_expression" or (t == "pointer_expression" and op(n) == "&"):
                arg = _ident(_field(n, "argument"))
                if arg is not None:
                    out.other.setdefault(text(arg), n)
            elif t in ("init_declarator", "declaration"):
                got = assignments(n) if t == "init_declarator" else None
                for name, value in (got.values.items() if got else ()):
                    src = _ident(value)
                    if src is not None:
                        out.edges.append((name, text(src), (src.id,)))
                    else:
                        out.other.setdefault(name, n)
                if t == "declaration":
                    out.declared |= set(assignments(n).declared)
    return out


def _component(start: str, edges: list[tuple[str, str, tuple[int, ...]]]) -> set[str]:
    got = {start}
    grew = True
    while grew:
        grew = False
        for a, b, _ in edges:
            if (a in got) != (b in got):
                got |= {a, b}
                grew = True
    return got


def _in_alloc(scope: Scope, name: str, pos: int) -> bool:
    return any(a.stmt.start_byte <= pos < a.stmt.end_byte for a in scope.allocs.get(name, []))


def _moved(arrays: dict[str, ArrayInfo], scope: Scope, start: int, end: int) -> list[str]:
    """The arrays the region's units use whose pointer the region assigns (an allocation is
    not a move: :mod:`.flow` gives it an ``enter data``)."""
    return [name for name in arrays
            if any(start <= p < end and not _in_alloc(scope, name, p)
                   for p in scope.assigned_at.get(name, []))]


def _call_argument(node: Node) -> bool:
    p = node.parent
    while p is not None and p.type == "parenthesized_expression":
        p = p.parent
    return p is not None and p.type == "argument_list"


def _origin(m: str, members: set[str], scope: Scope, start: int, end: int) -> str:
    """The buffer a member holds where the region starts: the pointer its declaration copies
    when that is certain, else the member itself."""
    shape = scope.shape(m)
    if shape is None or shape.decl is None or shape.decl.type != "declaration" or \
            any(not (start <= p < end) for p in scope.assigned_at.get(m, [])):
        return m
    src = _ident(assignments(shape.decl).values.get(m))
    if src is None or text(src) in members:
        return m
    x = text(src)
    xs = scope.shape(x)
    if xs is None or xs.kind != "pointer" or xs.levels != 1 or scope.assigned_at.get(x) or \
            not scope.visible(x, start):
        return m
    return x


def _initialiser_only(m: str, stmts: list[Node], members: set[str],
                      arrays: dict[str, ArrayInfo]) -> bool:
    """Whether `m` appears among the region's statements only as the initialiser of a member
    the loops use, in a declaration that is itself one of those statements (``double *tout =
    b;`` at the top of the region).  That declaration runs once, before every later statement
    of the region (C11 6.8p3: an initialiser is evaluated when its declaration is reached, in
    order), so the member holds `m`'s allocation and the loops reach `m`'s buffer through it:
    `m` is one of the buffers the clause names, as when the declaration precedes the region."""
    inits: set[int] = set()
    for s in stmts:
        if s.type != "declaration":
            continue
        for name, value in assignments(s).values.items():
            src = _ident(value)
            if src is not None and text(src) == m and name in members and name in arrays:
                inits.add(src.id)
    uses = [n.id for s in stmts for n in iter_nodes(s)
            if n.type == "identifier" and text(n) == m]
    return bool(inits) and all(u in inits for u in uses)


def _problem(members: set[str], cp: _Copies, arrays: dict[str, ArrayInfo], scope: Scope,
             where: tuple[int, int], stmts: list[Node]) -> str | None:
    """Why the members' swaps cannot be followed (None: they can)."""
    names = ", ".join(f"`{m}`" for m in sorted(members))
    for m in sorted(members):
        here = [n for n in [a.stmt for a in scope.allocs.get(m, [])] + scope.frees.get(m, [])
                if where[0] <= n.start_byte < where[1]]
        if here:
            return (f"`{m}` is allocated or freed inside the region (line "
                    f"{here[0].start_point[0] + 1}) and swapped with {names}")
        shape = scope.shape(m)
        if shape is None or shape.kind != "pointer" or shape.levels != 1 or \
                not (shape.local or (shape.decl is not None and
                                     shape.decl.type == "parameter_declaration")):
            return f"the pointers {names} exchange allocations, but `{m}` is not a local pointer"
        if m in cp.other:
            n = cp.other[m]
            return (f"`{m}` is assigned `{' '.join(text(n).split())}` inside the region (line "
                    f"{n.start_point[0] + 1}): only copies between the pointers {names} can be "
                    "followed")
        if m not in cp.declared and m not in arrays and \
                not _initialiser_only(m, stmts, members, arrays):
            return (f"`{m}` is swapped with {names}, but no offloaded loop uses it: the "
                    "allocation it holds is not one the region maps")
    infos = [arrays[m] for m in sorted(members) if m in arrays]
    first = infos[0].spans
    for info in infos:
        if not info.spans or not first or len(info.spans) != 1 or \
                len(first) != 1 or not info.spans[0].same(first[0]):
            return (f"the pointers {names} exchange allocations, but the loops do not reach the "
                    "same section through each of them")
    return None


def _host_problem(stmts: list[Node], units: list[Unit], members: set[str],
                  copies: set[int], others: set[str], arrays: dict[str, ArrayInfo]
                  ) -> str | None:
    """A use in the region the flow cannot follow: another name of a buffer (anywhere), or on
    the host a member used whole (not copied, not passed) or one no loop uses."""
    for s in stmts:
        for u in array_uses(s):
            line = u.row + 1
            if u.name in others:
                return (f"`{u.name}` (line {line}) may point to a buffer the swapped pointers "
                        "hold: the region would not keep the two names in step")
            if any(d.node.start_byte <= u.node.start_byte < d.node.end_byte for d in units):
                continue
            if u.name not in members or u.node.id in copies:
                continue
            if u.name not in arrays:
                return (f"`{u.name}` (line {line}) holds one of the swapped buffers, but no "
                        "offloaded loop uses it")
            if u.whole and not _call_argument(u.node):
                return (f"`{u.name}` (line {line}) is used as a pointer value: what it reaches "
                        "is not followed")
    return None


def swap_groups(stmts: list[Node], arrays: dict[str, ArrayInfo], scope: Scope,
                units: list[Unit]) -> tuple[list[SwapGroup], str | None]:
    """The groups of pointers the region's units use that exchange allocations inside the
    region, or why one cannot be followed (then no region over those statements)."""
    start, end = stmts[0].start_byte, stmts[-1].end_byte
    moved = _moved(arrays, scope, start, end)
    if not moved:
        return [], None
    inside = _copies(stmts)
    whole = _copies([scope.fn])
    groups: list[SwapGroup] = []
    seen: set[str] = set()
    for name in moved:
        if name in seen:
            continue
        members = _component(name, inside.edges)
        seen |= members
        problem = _problem(members, inside, arrays, scope, (start, end), stmts)
        if problem:
            return [], problem
        copies = {i for a, b, ids in inside.edges if a in members for i in ids}
        others = {x for a, b, _ in whole.edges for x in (a, b)
                  if (a in members) != (b in members) and x not in members}
        problem = _host_problem(stmts, units, members, copies, others, arrays)
        if problem:
            return [], problem
        outside = [m for m in sorted(members) if m not in inside.declared]
        rep = sorted(m for m in members if m in arrays)[0]
        span = arrays[rep].spans[0]  # type: ignore[index]
        buffers: dict[str, str] = {}
        for m in outside:
            b = _origin(m, members, scope, start, end)
            sec = f"{b}[{span.section()}]"
            if not is_clause_arg(sec):
                return [], f"no data clause can name `{sec}`"
            buffers.setdefault(b, sec)
        groups.append(SwapGroup(frozenset(members), rep, buffers, frozenset(copies)))
    return groups, None


def _span_section(info: ArrayInfo) -> str:
    """The section the loops reach: a member allocated before the region (``float *t_a =
    malloc(...)``) is followed through the loops' section like the other members, since the
    group's clauses name every buffer with that one section (:func:`swap_groups`)."""
    from accellium.dataset.offload.arrays import section_text

    if info.alloc is None or not info.spans:
        return info.section
    return section_text(info.shape, info.spans) or info.section


def merged(arrays: dict[str, ArrayInfo], groups: list[SwapGroup]) -> dict[str, ArrayInfo]:
    """The arrays as the flow follows them: each group one array under its ``rep``, with the
    uses of all its members."""
    from dataclasses import replace

    out: dict[str, ArrayInfo] = {}
    for name, info in arrays.items():
        g = next((g for g in groups if name in g.members), None)
        if g is None:
            out[name] = info
            continue
        if name != g.rep:
            continue
        infos = [arrays[m] for m in sorted(g.members) if m in arrays]
        uses: dict[int, list] = {}
        for i in infos:
            for did, us in i.uses.items():
                uses.setdefault(did, []).extend(us)
        out[name] = replace(info, uses=uses, alloc=None, section=_span_section(info),
                            dev_reads=any(i.dev_reads for i in infos),
                            dev_writes=any(i.dev_writes for i in infos),
                            aliases=g.members, copies=g.copies)
    return out


def to_buffers(clauses: dict[str, str], groups: list[SwapGroup]) -> None:
    """Each group's clause on every one of its buffers (the names the data clause uses)."""
    for g in groups:
        clause = clauses.pop(g.rep, None)
        if clause is not None:
            for b in g.buffers:
                clauses[b] = clause
