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
  once when reached) or as the source of a copy that is itself one of the region's statements
  and the first to name its target (``tin = t_a;`` before the time loop: the target's value
  where the region starts is never read, so it holds no buffer of its own), so the
  allocations the members can hold are exactly those the loops reach (a third pointer swapped
  in that no loop uses: no region);
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

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.clauses import is_clause_arg
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, op, text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.device import Unit
from accellium.dataset.offload.extent import Span, union
from accellium.dataset.offload.uses import array_uses, assignments

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import ArrayInfo, Scope
    from accellium.dataset.offload.shapes import Shape

__all__ = ["SwapGroup", "swap_groups", "merged", "to_buffers", "swapper_functions"]


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


def _swapped(call: Node, swappers: Collection[str]) -> tuple[Node, Node] | None:
    """``swap(&p, &q)`` of a function that exchanges what its two parameters point to
    (:func:`swapper_functions`): the identifiers ``p`` and ``q``."""
    f = unparen(_field(call, "function"))
    if f is None or f.type != "identifier" or text(f) not in swappers:
        return None
    args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
    got = []
    for arg in args:
        a = unparen(arg)
        if a is None or a.type != "pointer_expression" or op(a) != "&":
            return None
        x = _ident(_field(a, "argument"))
        if x is None:
            return None
        got.append(x)
    return (got[0], got[1]) if len(got) == 2 and text(got[0]) != text(got[1]) else None


def _swap_copies(stmts: list[Node], swappers: Collection[str], out: _Copies) -> set[int]:
    """The exchanges of the calls under ``stmts`` (:func:`_swapped`) as copies into ``out``;
    the ids of their ``&p`` nodes (no other assignment)."""
    swaps: set[int] = set()
    for s in stmts:
        for n in iter_nodes(s):
            if is_call(n) and (pq := _swapped(n, swappers)) is not None:
                p, q = pq
                out.edges += [(text(p), text(q), (p.id, q.id)), (text(q), text(p), ())]
                swaps |= {x.parent.id for x in (p, q) if x.parent is not None}
    return swaps


def _copies(stmts: list[Node], swappers: Collection[str] = ()) -> _Copies:
    """The copies under ``stmts``; a call of a function in ``swappers`` with ``&p, &q`` is the
    two copies of an exchange (``p = q``, ``q = p`` through a temporary)."""
    out = _Copies()
    swaps = _swap_copies(stmts, swappers, out) if swappers else set()
    for s in stmts:
        for n in iter_nodes(s):
            t = n.type
            if n.id in swaps:
                continue
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
    if not _one_pointer(xs) or scope.assigned_at.get(x) or not scope.visible(x, start):
        return m
    return x


def _one_pointer(shape: Shape | None) -> bool:
    """Is the name one pointer whose value an assignment exchanges: ``T *p``, or a pointer to
    arrays, ``T (*p)[M]`` (the object is the pointer, C11 6.7.6.1; ``p[i][j]`` is the element
    ``j`` of the ``i``-th array of ``M`` it points to), a parameter ``T p[][M]`` too (adjusted to
    that pointer, 6.7.6.3p7)?"""
    return shape is not None and (shape.kind == "pointer" and shape.levels == 1 or
                                  shape.kind == "rows")


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


def _set_first(m: str, stmts: list[Node]) -> bool:
    """Is the value `m` holds where the region starts never read in it?  The first of the
    region's statements to name `m` (in the order of the text) is the plain copy ``m = x;`` of
    another pointer, a statement of a block that runs it whenever it runs (the region's own
    statements, or a block or loop body inside them: no ``if``, ``switch`` or other branch
    between), and every other use of `m` comes after it in that block.  A block's statements
    run in order each time it runs (C11 6.8.2p3), so every read of `m` follows the copy in the
    same run: `m` holds no buffer of its own (``tmp`` of ``tmp = a; a = b; b = tmp;``)."""
    uses = sorted((n for s in stmts for n in iter_nodes(s)
                   if n.type == "identifier" and text(n) == m), key=lambda n: n.start_byte)
    if not uses:
        return False
    e = uses[0].parent
    if e is None or e.type != "assignment_expression" or op(e) != "=" or \
            _field(e, "left") != uses[0] or _ident(_field(e, "right")) is None:
        return False
    stmt = e.parent
    if stmt is None or stmt.type != "expression_statement":
        return False
    ids = {s.id for s in stmts}
    if stmt.id in ids:
        return True
    block = stmt.parent
    if block is None or block.type != "compound_statement":
        return False
    up = block
    while up.id not in ids:
        parent = up.parent
        if parent is None or parent.type not in ("compound_statement", "for_statement",
                                                  "while_statement", "do_statement"):
            return False
        if parent.type != "compound_statement" and _field(parent, "body") != up:
            return False
        up = parent
    return all(stmt.end_byte <= n.start_byte and n.end_byte <= block.end_byte
               for n in uses[1:])


def _copied_first(m: str, stmts: list[Node], members: set[str],
                  arrays: dict[str, ArrayInfo]) -> bool:
    """Whether `m` appears among the region's statements only as the source of copies ``x =
    m;`` into members the loops use, each the statement that sets `x` first
    (:func:`_set_first`): `x` then holds `m`'s allocation from there on, so the loops reach
    `m`'s buffer through it, as with :func:`_initialiser_only`'s declarations."""
    uses = [n for s in stmts for n in iter_nodes(s) if n.type == "identifier" and text(n) == m]
    if not uses:
        return False
    for n in uses:
        e = n.parent
        while e is not None and e.type == "parenthesized_expression":
            e = e.parent
        if e is None or e.type != "assignment_expression" or op(e) != "=" or \
                unparen(_field(e, "right")) != n:
            return False
        left = _ident(_field(e, "left"))
        if left is None or text(left) not in members or text(left) not in arrays or \
                e.parent is None or e.parent not in stmts or not _set_first(text(left), stmts):
            return False
    return True


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
        if shape is None or not _one_pointer(shape) or \
                not (shape.local or (shape.decl is not None and
                                     shape.decl.type == "parameter_declaration")):
            return f"the pointers {names} exchange allocations, but `{m}` is not a local pointer"
        if m in cp.other:
            n = cp.other[m]
            return (f"`{m}` is assigned `{' '.join(text(n).split())}` inside the region (line "
                    f"{n.start_point[0] + 1}): only copies between the pointers {names} can be "
                    "followed")
        if m not in cp.declared and m not in arrays and \
                not _initialiser_only(m, stmts, members, arrays) and \
                not _copied_first(m, stmts, members, arrays) and not _set_first(m, stmts):
            return (f"`{m}` is swapped with {names}, but no offloaded loop uses it: the "
                    "allocation it holds is not one the region maps")
    return None


def _common_span(members: set[str], cp: _Copies, arrays: dict[str, ArrayInfo], scope: Scope,
                 where: tuple[int, int], stmts: list[Node]) -> tuple[str, Span] | None:
    """The member whose section the group's clauses give every buffer, and that section: the
    one section the loops reach through every member; or, when the members reach different
    ones, the smallest covering them all, where every buffer is an allocation of this
    function of one count (one extent) and the loops reach that covering section through one
    of the buffers by its own name (a program reaches only its objects' elements, C11 6.5.6p8:
    that allocation, so every one of that count, holds the section)."""
    infos = [arrays[m] for m in sorted(members) if m in arrays]
    if not infos or any(not i.spans or len(i.spans) != 1 for i in infos):
        return None
    first = infos[0].spans[0]  # type: ignore[index]
    if all(i.spans[0].same(first) for i in infos):  # type: ignore[index]
        return infos[0].name, first
    hull = union([i.spans[0] for i in infos])  # type: ignore[index]
    if hull is None:
        return None
    buffers = {_origin(m, members, scope, *where) for m in members
               if m not in cp.declared and not _set_first(m, stmts)}
    sites = [scope.alloc(b) for b in sorted(buffers)]
    if not sites or any(a is None or a.count is None for a in sites):
        return None
    if any(poly.compare(a.count, sites[0].count) != 0  # type: ignore[union-attr,arg-type]
           for a in sites[1:]):
        return None
    own = [i for i in infos if i.name in buffers and i.spans[0].same(hull)]  # type: ignore[index]
    return (own[0].name, hull) if own else None


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
    inside = _copies(stmts, scope.swappers)
    whole = _copies([scope.fn], scope.swappers)
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
        common = _common_span(members, inside, arrays, scope, (start, end), stmts)
        if common is None:
            names = ", ".join(f"`{m}`" for m in sorted(members))
            return [], (f"the pointers {names} exchange allocations, but the loops do not "
                        "reach the same section through each of them")
        copies = {i for a, b, ids in inside.edges if a in members for i in ids}
        others = {x for a, b, _ in whole.edges for x in (a, b)
                  if (a in members) != (b in members) and x not in members}
        problem = _host_problem(stmts, units, members, copies, others, arrays)
        if problem:
            return [], problem
        outside = [m for m in sorted(members)
                   if m not in inside.declared and not _set_first(m, stmts)]
        rep, span = common
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


def swapper_functions(roots: Sequence[Node]) -> frozenset[str]:
    """The functions, defined once among ``roots`` (the program's units), that exchange the
    values their two parameters point to and do nothing else: each statement of the body
    assigns ``*p``, ``*q`` or a local from ``*p``, ``*q`` or a local (``T *t = *p; *p = *q;
    *q = t;``), and after them ``*p`` holds what ``*q`` held and ``*q`` what ``*p`` held.  A
    call ``swap(&a, &b)`` stores through the addresses it is given (C11 6.5.3.2p4), so it
    exchanges the two pointers ``a`` and ``b`` as ``t = a; a = b; b = t;`` does."""
    from accellium.dataset.offload.calls import parameters

    seen: dict[str, list[Node]] = {}
    for root in roots:
        for f in named(root):
            if f.type == "function_definition" and (name := function_name(f)[0]):
                seen.setdefault(name, []).append(f)
    return frozenset(name for name, fs in seen.items()
                     if len(fs) == 1 and _exchanges(fs[0], parameters(fs[0])))


def _exchanges(fn: Node, params: list[str | None] | None) -> bool:
    if not params or len(params) != 2 or None in params or params[0] == params[1]:
        return False
    ex = _Exchange(str(params[0]), str(params[1]))
    for st in named(_field(fn, "body")):
        if not ex.run(st):
            return False
    return ex.state[f"*{ex.p}"] == "Q" and ex.state[f"*{ex.q}"] == "P"


class _Exchange:
    """What ``*p``, ``*q`` and the locals hold after each statement of a body that only
    copies among them (``P``, ``Q``: what ``*p``, ``*q`` held at entry)."""

    def __init__(self, p: str, q: str):
        self.p, self.q = p, q
        self.state: dict[str, str] = {f"*{p}": "P", f"*{q}": "Q"}

    def _deref(self, e: Node | None) -> str | None:
        e = unparen(e)
        if e is not None and e.type == "pointer_expression" and op(e) == "*":
            x = _ident(_field(e, "argument"))
            return f"*{text(x)}" if x is not None and text(x) in (self.p, self.q) else None
        return None

    def value(self, e: Node | None) -> str | None:
        d = self._deref(e)
        if d is not None:
            return self.state.get(d)
        x = _ident(e)
        return self.state.get(text(x)) if x is not None and text(x) not in (self.p, self.q) \
            else None

    def place(self, e: Node | None) -> str | None:
        x = _ident(e)
        if x is not None:
            return text(x) if text(x) not in (self.p, self.q) else None
        return self._deref(e)

    def run(self, st: Node) -> bool:
        """Runs one statement; False when it does anything but such a copy."""
        if st.type == "declaration":
            for d in st.children_by_field_name("declarator"):
                if d.type != "init_declarator":
                    continue
                inner = _field(d, "declarator")
                while inner is not None and inner.type == "pointer_declarator":
                    inner = _field(inner, "declarator")
                v, name = self.value(_field(d, "value")), _ident(inner)
                if v is None or name is None:
                    return False
                self.state[text(name)] = v
            return True
        if st.type == "return_statement" and not named(st):
            return True
        e = named(st)[0] if st.type == "expression_statement" and named(st) else None
        if e is None or e.type != "assignment_expression" or op(e) != "=":
            return False
        target, v = self.place(_field(e, "left")), self.value(_field(e, "right"))
        if target is None or v is None:
            return False
        self.state[target] = v
        return True
