""":func:`analyze`: parse the loop, read the nest, walk the body once, then decide arrays,
scalars, sections and notes — each step a function of the previous steps' results."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.address_stores import address_stores
from accellium.dataset.analysis.affine import affine
from accellium.dataset.analysis.aliases import (
    Aliases,
    Target,
    function_assignments,
    outer_aliases,
    pointings,
    resolve_aliases,
    single_views,
    through,
    visible_declaration,
)
from accellium.dataset.analysis.alternatives import Alternatives, expand, shifted, values
from accellium.dataset.analysis.arrays import (
    ArrayView,
    carried_arrays,
    modes,
    sections,
)
from accellium.dataset.analysis.calls import CallModel, Names, call_findings, pointer_value
from accellium.dataset.analysis.casts import typedef_names, value_types
from accellium.dataset.analysis.classes import (
    SELF,
    inherited_members,
    member_declarations,
    this_members,
    through_this,
)
from accellium.dataset.analysis.conditional import conditional_names
from accellium.dataset.analysis.context import enclosing_context
from accellium.dataset.analysis.deep import deep_copies, member_kind, member_parts
from accellium.dataset.analysis.entries import goto_entries
from accellium.dataset.analysis.entry_values import binary_at_entry
from accellium.dataset.analysis.facts import Dependence, DepKind, LoopFacts, Note, NoteKind
from accellium.dataset.analysis.held import held_members
from accellium.dataset.analysis.indirect import atomic_lines, derived, indirect_findings, reads_data
from accellium.dataset.analysis.library import PURE_CALLS
from accellium.dataset.analysis.liveness import ANYWHERE, LoopInFile, live_after, locate
from accellium.dataset.analysis.liveout import LiveOut, apply_live_out, candidates, unscoped_live
from accellium.dataset.analysis.loop_form import (
    body_problem,
    bound_problem,
    direction_problem,
    form_problem,
)
from accellium.dataset.analysis.macros import Macro, expanded, header_macros, table_of
from accellium.dataset.analysis.meet import own_range
from accellium.dataset.analysis.member_objects import scalar_member_objects
from accellium.dataset.analysis.member_reads import fixed_reads
from accellium.dataset.analysis.members import shared_member_writes
from accellium.dataset.analysis.named_constants import named_constants
from accellium.dataset.analysis.nest import read_nest
from accellium.dataset.analysis.notes import fact_notes, renderable
from accellium.dataset.analysis.polynomial import Poly
from accellium.dataset.analysis.references import (
    outer_bound_memory,
    outer_reference_uses,
    outer_scalar_pointers,
    reference_writes,
)
from accellium.dataset.analysis.rows import Key, enclosing_facts
from accellium.dataset.analysis.scalars import scalar_roles
from accellium.dataset.analysis.scope import (
    Declared,
    FileIndex,
    LoopScope,
    declared_names,
    file_index,
    function_name,
    inline_definition,
)
from accellium.dataset.analysis.struct_members import member_writes
from accellium.dataset.analysis.tree import (
    IDENT,
    ForHeader,
    first_loop,
    idents,
    iter_nodes,
    named,
    norm,
    op,
    resolve_chains,
    text,
    unparen,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.value_types import (
    extended_literal,
    extended_type,
    floating_expression,
    integer_type,
    may_be_narrow,
    narrow_integer,
    resolved,
    template_type_parameters,
    typedef_types,
    wraps_into,
)
from accellium.dataset.analysis.variable_length import variable_length_arrays
from accellium.dataset.analysis.walker import Access, BodyWalk, Use, walk_body
from accellium.dataset.loops import parse_below

__all__ = ["analyze"]

_CHAIN_ROUNDS = 3  # base = i*stride; addr = base + K; ...


def _parse(code: str, lang: str, rows: int) -> Node | None:
    """The first loop of ``code`` parsed ``rows`` lines down (:func:`parse_below`)."""
    try:
        src = code.encode("utf-8", "surrogateescape")
        tree = parse_below(src, lang if lang in ("c", "cpp") else "c", rows)
    except Exception:
        return None
    return first_loop(tree.root_node)


def _substitutions(w: BodyWalk, index_all: set[str], macros: dict[str, Macro],
                   narrow: Collection[str] = ()) -> dict[str, Alternatives]:
    """The values of the locals assigned once (in chains: ``k1 = k + 1``; a conditional
    value is its alternatives, :mod:`.alternatives`; a call of a file macro its expansion,
    :mod:`.macros`); not those of ``narrow``, whose type wraps the value assigned
    (:func:`_narrow_locals`).  A local that ``+=``, ``++`` or ``--`` also changes
    (``int k = i; ... k++;``) holds another value after them: it has no one value."""
    moved = {n for n, evs in w.events.items() if any(e.kind is Use.RMW for e in evs)}
    once = {name: val for name, val in w.assign_value.items()
            if w.assign_count.get(name, 0) == 1 and name not in index_all
            and name not in narrow and name not in moved}
    return resolve_chains(once, lambda node, known: values(node, known, 0, macros),
                          _CHAIN_ROUNDS)


def _written(w: BodyWalk) -> set[str]:
    return {n for n, evs in w.events.items() if any(e.kind is not Use.READ for e in evs)}


def _resolve(w: BodyWalk, index_all: set[str], macros: dict[str, Macro],
             accesses: list[Access] | None = None,
             fixed: dict[str, Poly] | None = None, narrow: Collection[str] = ()) -> None:
    """Every access's subscripts as affine forms, and its alternative subscript lists (one
    per value a conditional may take); a subscript that uses a local the loop assigns in a
    way we cannot follow is unknown (None), and so is one with several values in ``subs``
    (the alternatives list them).  ``fixed``: the member reads that hold one value in the
    loop (:func:`_fixed`), names like a scalar it never assigns."""
    subst: dict[str, Alternatives] = {k: (v,) for k, v in (fixed or {}).items()}
    subst.update(_substitutions(w, index_all, macros, narrow))
    opaque = {n for n in set(w.assign_value) | _written(w)
              if n not in subst and n not in index_all}
    def value(node: Node) -> Alternatives | None:
        got = values(node, subst, 0, macros)
        if got is not None and any(n in opaque for a in got for t in a for n in t):
            return None
        return got

    for acc in w.accesses if accesses is None else accesses:
        dims: list[Alternatives | None] = [value(node) for node in acc.index_nodes]
        if acc.shift_dim >= 0:  # an access through a pointer: its offset added
            terms = [(sign, value(node)) for sign, node in acc.shift]
            if acc.shift_dim == len(dims):
                dims.append(shifted(None, terms))
            else:
                dims[acc.shift_dim] = shifted(dims[acc.shift_dim], terms)
        acc.subs = [d[0] if d is not None and len(d) == 1 else None for d in dims]
        acc.alts = expand(dims)


@dataclass
class _Body:
    """The walk and what the steps after it share."""

    w: BodyWalk
    index_all: set[str]
    local_arrays: set[str]
    by_name: dict[str, list[Access]]
    model: CallModel
    where: LoopInFile | None  # the loop in its file, when a scope gives it
    aliases: Aliases  # the pointers of the body and what they point to
    # with the file: pointers defined before the loop that the loop uses beside the array
    # they point into (or another pointer into it), by name -> what they point to
    merged: dict[str, Target] = field(default_factory=dict)
    data: set[str] = field(default_factory=set)  # locals computed from data
    per_iteration: set[str] = field(default_factory=set)  # the index and names computed from it
    notes: list[Note] = field(default_factory=list)  # what the steps found worth saying
    written: set[str] = field(default_factory=set)  # arrays calls may write through
    reached: set[str] = field(default_factory=set)  # pointers calls read or write through
    unseen: set[str] = field(default_factory=set)  # of those, used where the loop cannot see
    flags: set[str] = field(default_factory=set)  # flag scalars turned into reductions
    loop: Node | None = None  # the analysed loop
    macros: dict[str, Macro] = field(default_factory=dict)  # those defined where it is
    narrow: frozenset[str] = frozenset()  # scalars of a narrow integer type (:func:`_narrow_locals`)
    lang: str = "c"
    defines: tuple[Macro, ...] = ()  # those of the headers (the scope's)
    fixed: dict[str, Poly] = field(default_factory=dict)  # member reads fixed in the loop
    passed: tuple[tuple[str, str, str, bool], ...] = ()  # the scope's (:attr:`LoopScope.passed`)
    types: Callable[[str], str | None] | None = None  # :func:`_declared_types`, once


def _members_through_this(code: str, lang: str,
                          located: tuple[FileIndex | None, LoopInFile | None]) -> str:
    """A C++ member function's loop with the data members it names bare written as the
    members of ``this`` they are (:func:`.classes.through_this`), where the file
    (``located``: :func:`_located`) shows the class; the loop as it is elsewhere."""
    index, where = located
    if lang != "cpp" or index is None or where is None:
        return code
    members = this_members(where.ctx.node, index.tree.root_node)
    return through_this(code, members, lang) if members else code


def _located(scope: LoopScope | None) -> tuple[FileIndex | None, LoopInFile | None]:
    if scope is None:
        return None, None
    try:
        index = file_index(scope.source, scope.lang, scope.headers)
    except Exception:
        return None, None
    return index, locate(index, scope.offset)


def _macros(index: FileIndex | None, scope: LoopScope | None) -> dict[str, Macro]:
    """The macros the file and its headers (``scope.defines``) define before the loop (none
    for a loop given alone)."""
    if scope is None:
        return {}
    table = table_of(index.tree.root_node) if index is not None else None
    if table is None:
        return {m.name: m for m in scope.defines if not m.constant}
    return table.visible(scope.offset, scope.defines)


def _body(loop: Node, facts: LoopFacts, scope: LoopScope | None, lang: str,
          located: tuple[FileIndex | None, LoopInFile | None] | None = None) -> _Body:
    index, where = located if located is not None else _located(scope)
    model = CallModel(index, scope.routines if scope is not None else frozenset())
    functions = frozenset(index.prototypes) if index is not None else frozenset()
    macros = _macros(index, scope)
    types = (typedef_names(index.tree.root_node) if index is not None else frozenset()) | \
        (scope.types if scope is not None else frozenset())
    values = value_types(index.tree.root_node) if index is not None else frozenset()
    w = walk_body(loop, model.address_use, macros, lang, functions, types, values,
                  model.reference_use, model.element_use)
    facts.loop_depth = w.depth
    index_all = set(facts.index_vars) | w.inner_vars
    aliases = resolve_aliases(w, index_all)
    fixed = _fixed(w, loop, where)
    narrow = _narrow_locals(loop, where)
    _resolve(w, index_all, macros, fixed=fixed, narrow=narrow)
    # the iteration's own storage, and the pointers whose target is unknown (judged apart)
    local_arrays = {n for n in w.decls if n in w.array_names} | aliases.local \
        | set(aliases.unknown)
    by_name: dict[str, list[Access]] = {}
    for acc in w.accesses:
        by_name.setdefault(acc.name, []).append(acc)
    return _Body(w, index_all, local_arrays, by_name, model, where, aliases, loop=loop,
                 macros=macros,
                 lang=lang, defines=scope.defines if scope is not None else (), fixed=fixed,
                 passed=scope.passed if scope is not None else (), narrow=narrow)


def _narrow_locals(loop: Node, where: LoopInFile | None) -> frozenset[str]:
    """The scalars of a narrow integer type (:func:`.value_types.narrow_integer`) the loop
    declares, or the function does where the file is known: a value of the index assigned
    to one wraps, so what it subscripts is no affine function of the index.  A typedef name
    is its type (``typedef unsigned char idx_t``), and a template's type parameter may be
    instantiated with a narrow type (:func:`.value_types.template_type_parameters`)."""
    def narrow(type_name: str) -> bool:
        return may_be_narrow(type_name, where.loop) if where is not None else \
            narrow_integer(type_name)

    found = {d.name for n in iter_nodes(loop) if n.type == "declaration"
             for d in declared_names(n) if d.levels == 0 and narrow(d.type_name)}
    if where is not None:
        found |= {n for n, d in where.ctx.declared.items()
                  if d.levels == 0 and narrow(d.type_name)}
    return frozenset(found)


def _fixed(w: BodyWalk, loop: Node, where: LoopInFile | None) -> dict[str, Poly]:
    """The member reads of the loop and its subscripts (``g->nx``) that nothing in the loop
    can store to (:func:`.member_reads.unchanged`; a call that stores nothing: one the walk
    does not count as a call — a pure library function, a plain macro), judged in the file
    (the declarations give the types of the stores); none without it."""
    if where is None:
        return {}
    calls = set(w.calls)
    return fixed_reads([loop, *(n for a in w.accesses for n in a.nodes)], [where.loop],
                       where.ctx.node, where.index.tree.root_node,
                       lambda c: norm(text(_field(c, "function"))) not in calls)


def _taint(b: _Body, facts: LoopFacts) -> None:
    """Locals computed from data (their subscripts make a write indirect) and from the index
    (a pointer argument built from them points into this iteration's data)."""
    w = b.w
    varying = _written(w) | b.index_all
    # loop indices take every value of their range: their bounds are not data they hold
    b.data = derived(w, lambda node: reads_data(node, varying), set(), b.index_all)
    for acc in w.accesses:
        acc.indirect = bool(acc.ids & b.data) or any(reads_data(i, varying)
                                                     for i in acc.nodes)
    if facts.index_vars:
        v = facts.index_vars[0]
        b.per_iteration = {v} | derived(w, lambda node: False, {v}, b.index_all - {v})


def _view(b: _Body, v: str) -> ArrayView:
    inner = b.w.inner_vars - {v}
    varying = (_written(b.w) | b.index_all) - inner
    for il in b.w.inner_loops:
        h = il.header
        if h.var and idents(f"{h.lo} {h.hi}") & (varying | {v}):
            varying.add(h.var)
    headers = {il.node.id: il.header for il in b.w.inner_loops}
    where = b.where
    changed = varying | _written(b.w)

    def known() -> tuple[Key, ...]:
        return () if where is None else enclosing_facts(
            where.loop, where.ctx.parent,
            lambda n: affine(expanded(n, b.macros, b.lang), b.fixed), changed)

    def constants() -> dict[str, int]:
        if where is None:
            return named_constants(None, 0, b.defines, b.w.decls)
        return named_constants(where.index.tree.root_node, where.loop.start_byte, b.defines,
                               set(where.ctx.declared) | b.w.decls)

    return ArrayView(v, b.w.parent, frozenset(inner), b.index_all, varying, headers, b.loop,
                     lambda n: expanded(n, b.macros, b.lang), fixed=b.fixed, enclosing=known,
                     constants=functools.cache(constants))


def _arrays(b: _Body, facts: LoopFacts, loop: Node, atomic: frozenset[int]) -> None:
    if not facts.index_vars:
        return
    shared = {n: accs for n, accs in b.by_name.items() if n not in b.local_arrays}
    view = _view(b, facts.index_vars[0])
    view.own = own_range(loop, view.v, _written(b.w) | b.index_all - {view.v},
                         lambda n, s: affine(n, {**b.fixed, **s}))
    view.atomic = atomic
    carried, scratch = carried_arrays(shared, view)
    facts.carried.extend(carried)
    facts.carried.extend(b.aliases.dependences)
    facts.reassigned = [(n, line) for n, (_, line) in b.aliases.unknown.items()
                        if n not in b.w.decls and n in b.by_name]
    facts.reassigned += _handed_pointers(b, loop, facts)
    for name in scratch:
        if b.where is not None and not _function_array(b.where, name, b.defines):
            line = next((x.line for x in shared[name] if x.write), facts.first_line)
            facts.carried.append(Dependence(
                name, line, f"`{name}` is written before it is read in every iteration, but "
                "it is not an array of this function (a pointer, a parameter or a global): "
                f"`private({name})` would copy the pointer, or lose the values the loop "
                "leaves, and shared every iteration writes the same elements: carried "
                "dependence", DepKind.ARRAY))
        else:
            facts.private_arrays.append(name)
    if b.where is not None:  # pointers the function points into arrays before the loop
        used = {n for n in shared if n not in b.w.decls}
        outer = outer_aliases(b.where.ctx.node, b.where.loop, used, frozenset(b.index_all),
                              b.where.index.memo)
        facts.carried.extend(_outer_alias_dependences(b, shared, view, facts.carried, outer))
        facts.carried.extend(_pointed_dependences(b, shared, view, facts, used, outer))
        facts.carried.extend(_passed_dependences(b, shared, view, facts.carried))


def _outer_alias_dependences(b: _Body, shared: dict[str, list[Access]], view: ArrayView,
                             found: list[Dependence], outer: dict[str, Target]
                             ) -> list[Dependence]:
    """With the file: the loop's accesses through pointers the function points into an array
    before the loop (``outer``: ``next = A + m``, :func:`.aliases.outer_aliases`), tested
    with the accesses of that array (and of the other pointers into it) as the accesses of
    one array they are — two names, one memory.  The names stay apart for the data clauses
    (each pointer maps what it reaches)."""
    groups: dict[str, dict[str, list[Access]]] = {}
    for name, t in outer.items():
        copies = [through(a, t.base, t) for a in shared[name]]
        _resolve(b.w, b.index_all, b.macros, copies, b.fixed, b.narrow)
        groups.setdefault(t.base, {})[name] = copies
    seen = {d.message for d in found}
    out: list[Dependence] = []
    for base, names in groups.items():
        if base in shared and base not in outer:
            names[base] = shared[base]
        accs = [a for group in names.values() for a in group]
        if len(names) < 2:
            continue  # one name alone: the test of that name decided
        # one memory under two names: its data clauses name it once, with the extent both
        # reach (two overlapping sections of one array are "partly present", OpenACC 3.3
        # 2.6.6 -- a runtime error), read only or not
        b.merged.update({n: outer[n] for n in names if n in outer})
        if any(a.write for a in accs):
            deps, _ = carried_arrays({base: accs}, view)
            out.extend(d for d in deps if d.message not in seen)
    return out


def _handed_pointers(b: _Body, loop: Node, facts: LoopFacts) -> list[tuple[str, int]]:
    """The pointers declared outside the loop that it dereferences and hands to a call made
    for its effect (a statement of its own) that may store to them: their address passed
    (``swap_ptr(&a, &b);``) or bound to a reference to non-const (C++: ``std::swap(a, b);``),
    with the line — a change of the pointer the alias analysis does not see as an assignment
    (``facts.reassigned``).  (A call whose value is used is not one: ``real(&ps)[3][3] =
    ...`` is how the grammar reads a C++ reference declaration of a type it does not know.)"""
    from accellium.dataset.analysis.reference_params import writable_reference_arg

    names = {n for n in b.by_name if n not in b.w.decls and IDENT.fullmatch(n)}
    known = {n for n, _ in facts.reassigned}
    out: list[tuple[str, int]] = []
    for n in iter_nodes(loop):
        parent = n.parent if n.type == "call_expression" else None
        if parent is None or parent.type != "expression_statement":
            continue
        args = named(_field(n, "arguments"))
        handed = [unparen(_field(a, "argument")) if a.type == "pointer_expression"
                  and op(a) == "&" else unparen(a) if writable_reference_arg(n, k) else None
                  for k, a in enumerate(args)]
        for a in handed:
            if a is not None and a.type == "identifier" and text(a) in names - known:
                known.add(text(a))
                out.append((text(a), facts.first_line + n.start_point[0] - loop.start_point[0]))
    return out


def _pointed_dependences(b: _Body, shared: dict[str, list[Access]], view: ArrayView,
                         facts: LoopFacts, used: set[str], outer: dict[str, Target]
                         ) -> list[Dependence]:
    """With the file: the loop's pointers (of ``used``, the names it dereferences) that a store
    of the function outside the loop may point into memory the loop also reaches under
    another name (:func:`.aliases.pointings`:
    ``b = a;``, ``p = n > 5 ? a : c;``, ``p = a; p++;``), which
    :func:`_outer_alias_dependences` does not test (the pointer holds more than one value).

    * A pointer every store of the function gives one of the variables themselves (``p = n >
      5 ? a : c``; no ``++``, no ``&p``) is, at the loop, one of them: its accesses are
      tested as those variables' (``p[i] = c[i] + 1`` stays parallel, ``p[i + 1] = a[i]``
      does not), and each pair is one a construct maps alike (``facts.passed_alike``: the
      guard's :func:`~accellium.server.safety_data.passed_alike` — the same section, both
      ``copy``; different sections, no construct).
    * Any other (moved, an offset, a value of its own besides): its offset is not known, so
      when the loop writes through either name a write of one iteration may be what another
      reads or writes through the other — not proved parallel; and no construct may map both
      (``facts.pointed``: the guard's :func:`~accellium.server.safety_data.pointed_pairs`).

    Beside another pointer, not the array itself: only two pointers each stored once into the
    same array are one memory for certain (:func:`.aliases.single_views`); pointers chosen
    among arrays are taken apart, as two parameters are.

    Two parameters stay distinct (what a caller passes is not seen here); these names are the
    function's own doing."""
    if b.where is None:
        return []
    fn, loop, memo = b.where.ctx.node, b.where.loop, b.where.index.memo
    found = [p for p in pointings(fn, memo)
             if p.name in used and p.name not in outer
             and not loop.start_byte <= p.value.start_byte < loop.end_byte
             and p.var == visible_declaration(p.name, loop, fn)]
    got = function_assignments(fn, memo)
    single = single_views(found, got.count)
    seen = {d.message for d in facts.carried}
    out: list[Dependence] = []
    for name in dict.fromkeys(p.name for p in found):
        mine = [p for p in found if p.name == name]
        exact = all(p.plain for p in mine) and \
            got.count.get(name, 0) == len({p.value.start_byte for p in mine})
        for p in mine:
            others = sorted(n for n in used - {name} if n == p.base
                            or (n in outer and outer[n].base == p.base)
                            or (name in single and single.get(n) == p.base))
            if not others:
                continue
            at = facts.first_line + p.value.start_point[0] - loop.start_point[0]
            if exact and p.base in shared:
                facts.passed_alike.append((min(name, p.base), max(name, p.base)))
                copies = [through(a, p.base, Target(p.base)) for a in shared[name]]
                _resolve(b.w, b.index_all, b.macros, copies, b.fixed, b.narrow)
                deps, _ = carried_arrays({p.base: [*copies, *shared[p.base]]}, view)
                if deps and not any(d.var == name for d in out):
                    out.append(Dependence(name, deps[0].line, (
                        f"`{name}` may be `{p.base}` (line {at}): {deps[0].message}"),
                        DepKind.ARRAY))
                continue
            facts.pointed.extend((name, n, at) for n in others)
            writes = [a for n in (name, *others) for a in shared[n] if a.write]
            if writes and not any(d.var == name for d in out):
                out.append(Dependence(name, min(a.line for a in writes), (
                    f"`{name}` may point into `{p.base}` (line {at}), which the loop also "
                    f"reaches as `{others[0]}`, and it writes through one of them: one memory "
                    "under two names, whose accesses are not proved to touch different "
                    "elements in different iterations: possible carried dependence"),
                    DepKind.ARRAY))
    return [d for d in out if d.message not in seen]


def _passed_dependences(b: _Body, shared: dict[str, list[Access]], view: ArrayView,
                        found: list[Dependence]) -> list[Dependence]:
    """With the file: the loop's pointer parameters a call of the file passes into one array
    (:func:`_passed_alike`: ``rev(n, a, a)``) are one memory under two names while that call
    runs.  Passed the same pointer, each access of one is the access of the other it names:
    both are tested as one array's (``dst[i] = src[n - 1 - i]`` is a carried dependence
    then, ``dst[i] = 2 * src[i]`` is not); passed different pointers (``f(n, a + 1, a)``) the
    offset between them is not known, so a write through either may be what another
    iteration reaches through the other.  (Two parameters alone stay distinct: what an unseen
    caller passes is not known.)"""
    if b.where is None:
        return []
    fn = b.where.ctx.node
    apart = {frozenset(q) for q in _passed_alike(b.where.index, fn, b.passed, apart=True)}
    seen = {d.message for d in found}
    out: list[Dependence] = []
    for x, y in _passed_alike(b.where.index, fn, b.passed):
        if x not in shared or y not in shared or x in b.w.decls or y in b.w.decls or \
                not any(a.write for a in (*shared[x], *shared[y])):
            continue
        if frozenset((x, y)) in apart:
            line = min(a.line for a in (*shared[x], *shared[y]) if a.write)
            out.append(Dependence(x, line, (
                f"`{x}` and `{y}` may point into one array at different places (a call of "
                "this file passes two pointers into it for them), and the loop writes "
                "through one of them: possible carried dependence"), DepKind.ARRAY))
            continue
        copies = [through(a, x, Target(x)) for a in shared[y]]
        _resolve(b.w, b.index_all, b.macros, copies, b.fixed, b.narrow)
        deps, _ = carried_arrays({x: [*shared[x], *copies]}, view)
        out.extend(Dependence(x, d.line, (
            f"`{x}` may be `{y}` (a call of this file passes one pointer for both): "
            f"{d.message}"), DepKind.ARRAY) for d in deps[:1])
    return [d for d in out if d.message not in seen]


def _function_array(where: LoopInFile, name: str, defines: tuple[Macro, ...]) -> bool:
    """Is ``name`` a true array of the function holding the loop, the only kind ``private``
    can copy (:attr:`accellium.dataset.offload.shapes.Shape.privatisable`)?"""
    from accellium.dataset.offload.shapes import shape_of

    decls = _declarations(where, defines)
    shape = shape_of(name, decls) if decls is not None else None
    return shape is not None and shape.privatisable


def _indirect(b: _Body, facts: LoopFacts, atomic: frozenset[int]) -> None:
    """Writes to elements chosen by data (``h[idx[i]]++``)."""
    writes, deps = indirect_findings(b.w, b.data, atomic, b.local_arrays)
    for iw in writes:
        if iw.acc.name not in facts.indirect_writes:
            facts.indirect_writes.append(iw.acc.name)
        if iw.atomic:
            b.notes.append(Note(f"`{iw.acc.text}` (line {iw.acc.line}) is an indirect update "
                                "under `#pragma acc atomic`", NoteKind.ATOMIC, iw.acc.name,
                                iw.acc.line))
    facts.carried.extend(deps)


def _scalars(b: _Body, facts: LoopFacts) -> None:
    w = b.w
    # a library function's name is no scalar of the loop, unless the loop assigns it: a
    # function is not an lvalue in C, so `min = fmin(a[i], min)` uses a variable `min`
    skip = b.index_all | w.array_names | set(w.calls) | (PURE_CALLS - _written(w)) | w.decls
    roles = scalar_roles(w.events, skip, w.parent, b.macros)
    _truncating_sums(b, roles.reductions, facts)
    facts.reductions.extend(roles.reductions)
    facts.private.extend(roles.private)
    facts.carried.extend(roles.carried)
    _shared_declared(w, facts)
    facts.scalars_read.extend(roles.read_only)
    facts.private.extend(facts.private_arrays)
    facts.locals = sorted(w.decls - b.index_all)
    facts.declared_indices = sorted(w.decls & b.index_all)
    facts.calls = list(w.calls)
    facts.hidden_macros = sorted(set(w.hidden_macros))


def _private_variable_arrays(b: _Body, facts: LoopFacts) -> None:
    """The variable length arrays of the function that the loop privatises
    (``facts.private_arrays``; :mod:`.variable_length`) join ``facts.variable_arrays``: a
    private copy of one is allocated at run time on the device, as one the loop declares."""
    if not facts.private_arrays or b.where is None or b.where.ctx.node is None:
        return
    index = b.where.index
    found = variable_length_arrays(b.where.ctx.node, b.lang, b.macros, b.where.ctx,
                                   index.globals, index.tree.root_node)
    facts.variable_arrays += [(n, facts.first_line + line - 1 - b.where.loop.start_point[0])
                              for n, line in found if n in facts.private_arrays
                              and (n, line) not in facts.variable_arrays]


def _declared_types(b: _Body) -> Callable[[str], str | None]:
    """A name -> the type its declaration gives it (pointer and array levels aside): the
    loop's own declarations, else, with the file, the function's and the file's; None for a
    name none of them declares.  Made once per loop."""
    if b.types is not None:
        return b.types
    assert b.loop is not None
    own = {d.name: d for n in iter_nodes(b.loop) if n.type == "declaration"
           for d in declared_names(n)}

    aliases = typedef_types(b.where.index.tree.root_node) if b.where is not None else {}

    def type_of(name: str) -> str | None:
        d = own.get(name)
        if d is None and b.where is not None:
            d = b.where.declaration(name)
        return resolved(d.type_name, aliases) if d is not None else None

    b.types = type_of
    return type_of


def _extended_floats(b: _Body, facts: LoopFacts) -> None:
    """The names of ``long double`` type the loop uses and its ``long double`` literals
    (:mod:`.value_types`): on a GPU nothing computes in that format."""
    if b.loop is None:
        return
    type_of = _declared_types(b)
    seen: set[str] = set()
    for n in iter_nodes(b.loop):
        t = text(n) if n.type in ("identifier", "number_literal") else ""
        if t and t not in seen and (n.type == "number_literal" and extended_literal(t) or
                                    n.type == "identifier" and extended_type(type_of(t) or "")):
            seen.add(t)
            facts.extended_floats.append(
                (t, facts.first_line + n.start_point[0] - b.loop.start_point[0]))


def _truncating_sums(b: _Body, reductions: list[tuple[str, str]], facts: LoopFacts) -> None:
    """Take out of ``reductions`` a sum or product into an integer that adds a floating value
    (``int s; s += a[i]`` with ``a`` of ``double``): each step converts the result back to the
    integer, truncating it (C11 6.3.1.4p1), so the order of the steps changes the result and
    the reduction's partial results do not give the loop's (:mod:`.value_types`); it is
    carried instead.  So is one whose variable is of a class type (a template-id:
    ``std::complex<double>``, which no reduction operator of OpenACC takes) or of a template's
    type parameter (:func:`_template_typed`).  Types from the declarations the loop and, with
    the file, its function and the file show (a name they do not declare is taken as not
    floating)."""
    if not reductions or b.loop is None:
        return
    type_of = _declared_types(b)
    params = template_type_parameters(b.where.loop) if b.where is not None else frozenset()
    for o, name in list(reductions):
        ty = type_of(name)
        if ty is not None and "<" in ty:
            _carried(reductions, facts, o, name, facts.first_line, (
                f"`{name}` is of the class type {' '.join(ty.split())}: a reduction's "
                "variable is of an arithmetic type (OpenACC 3.3, 2.5.15; gcc: \"user defined "
                "reduction not found\"); carried dependence"))
            continue
        if ty is not None and ty in params:
            _template_typed(b, reductions, facts, o, name, ty, type_of)
            continue
        if o in ("max", "min") and ty is not None:
            _wrapping_extremum(b, reductions, facts, o, name, ty, type_of)
            continue
        if o not in ("+", "*") or ty is None or not integer_type(ty):
            continue
        for line, added in _stored_values(b, facts, name, plain=False):
            if floating_expression(added, type_of):
                _carried(reductions, facts, o, name, line,
                         f"`{name}` is an integer and the loop combines it with a floating "
                         f"value (line {line}): each step truncates the result to an integer "
                         "(C11 6.3.1.4), so a reduction's partial results do not give the "
                         "loop's; carried dependence")
                break


def _stored_values(b: _Body, facts: LoopFacts, name: str, plain: bool
                   ) -> Iterator[tuple[int, Node]]:
    """(line, value) of each statement of the loop that stores to ``name``, the value the
    statement's first assignment to it gives (``plain``: a ``=`` assignment only)."""
    assert b.loop is not None
    for e in b.w.events.get(name, []):
        if e.kind is Use.READ:
            continue
        value = next((_field(x, "right") for x in iter_nodes(e.stmt)
                      if x.type == "assignment_expression" and (not plain or op(x) == "=")
                      and text(_field(x, "left")) == name), None)
        if value is not None:
            yield facts.first_line + e.stmt.start_point[0] - b.loop.start_point[0], value


def _carried(reductions: list[tuple[str, str]], facts: LoopFacts, o: str, name: str,
             line: int, why: str) -> None:
    """The reduction ``(o, name)`` taken out of ``reductions``, its variable carried (why)."""
    reductions.remove((o, name))
    facts.carried.append(Dependence(name, line, why, DepKind.SCALAR))


def _template_typed(b: _Body, reductions: list[tuple[str, str]], facts: LoopFacts, o: str,
                    name: str, ty: str, type_of: Callable[[str], str | None]) -> None:
    """Take out of ``reductions`` one whose variable's type is a template parameter ``T``
    (:func:`.value_types.template_type_parameters`) where the loop stores into it a value not
    of type ``T`` (a floating value, a name of another type): an instantiation with an integer
    type truncates or wraps every step (``tsum<int>`` adding ``double`` elements, C11
    6.3.1.4, 6.3.1.3), and the partial results do not give the loop's; carried."""
    for line, value in _stored_values(b, facts, name, plain=False):
        others = {type_of(n) for n in _operand_names(value)} - {None, ty}
        if floating_expression(value, type_of) or others:
            _carried(reductions, facts, o, name, line,
                     f"`{name}` is of the template parameter type {ty} and the loop stores a "
                     f"value of another type into it (line {line}): an instantiation with an "
                     "integer type converts every step (C11 6.3.1.4), so a reduction's partial "
                     "results need not give the loop's; carried dependence")
            return


def _operand_names(value: Node) -> list[str]:
    """The names whose values an expression combines: ``a`` of ``a[i]`` (not its subscript,
    which selects the element), ``x`` of ``x + 1``; a called function's arguments (its result's
    type is not known here) are not."""
    out: list[str] = []
    stack = [value]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(text(n))
        elif n.type == "subscript_expression":
            base = unparen(_field(n, "argument"))
            if base is not None:
                stack.append(base)
        elif n.type not in ("call_expression", "field_expression"):
            stack.extend(n.named_children)
    return out


def _wrapping_extremum(b: _Body, reductions: list[tuple[str, str]], facts: LoopFacts, o: str,
                       name: str, ty: str, type_of: Callable[[str], str | None]) -> None:
    """Take a ``max``/``min`` reduction out of ``reductions`` where the loop assigns its
    integer variable a value of an integer type the conversion wraps into it
    (:func:`.value_types.wraps_into`: ``int m; if (a[i] > m) m = a[i];`` with ``long *a``):
    the comparison is made before the conversion, so the loop keeps a value a larger one
    wrapped to, and the maximum of the partial results is not the loop's; carried."""
    for line, value in _stored_values(b, facts, name, plain=True):
        for leaf in iter_nodes(value):
            if leaf.type not in ("identifier", "subscript_expression"):
                continue
            base: Node | None = leaf
            while base is not None and base.type == "subscript_expression":
                base = _field(base, "argument")
            source = type_of(text(base)) if base is not None and base.type == "identifier" \
                else None
            if source is not None and wraps_into(source, ty):
                _carried(reductions, facts, o, name, line,
                         f"`{name}` ({ty}) is assigned a value of type {source} (line "
                         f"{line}), which the conversion wraps (C11 6.3.1.3): the loop compares "
                         f"before converting, so a {o} reduction's partial results do not give "
                         "the loop's; carried dependence")
                return


def _shared_declared(w: BodyWalk, facts: LoopFacts) -> None:
    """A name the loop declares with static storage is one object, initialised once before
    the program starts (C11 6.2.4p3, 6.7.9p10), that every iteration shares: written by the
    loop other than by that initialiser, a carried dependence (reading it is as reading a
    global)."""
    written = {a.name for a in w.accesses if a.write} | {
        n for n, evs in w.events.items()
        if any(e.kind is not Use.READ and e.stmt.type != "declaration" for e in evs)}
    facts.carried.extend(
        Dependence(name, line, f"`{name}` is declared with static storage in the loop (line "
                   f"{line}): one object every iteration shares (C11 6.2.4p3), and the loop "
                   "writes it", DepKind.SCALAR)
        for name, line in sorted(w.shared_decls.items()) if name in written)


def _struct_scratch(b: _Body, facts: LoopFacts) -> None:
    """Struct variables written member by member (:mod:`.struct_members`): private scratch
    of each iteration — unless the code after the loop reads them — or a dependence."""
    w = b.w
    skip = b.index_all | w.decls | w.array_names | w.pointers
    found = member_writes(b.loop, skip, b.lang) if b.loop is not None else None
    if found is None:
        return
    for name in [*found.private, *(d.var for d in found.carried)]:
        if name in facts.scalars_read:
            facts.scalars_read.remove(name)
    facts.carried.extend(found.carried)
    live = live_after(b.where, found.private, frozenset(found.private)) \
        if b.where is not None and found.private else {}
    for name in found.private:
        if name not in live:
            facts.private.append(name)
            continue
        row = live[name]
        where = f" (line {row + 1})" if row != ANYWHERE else ""
        facts.carried.append(Dependence(name, facts.first_line, (
            f"`{name}` is written member by member in every iteration, but the code after the "
            f"loop reads it{where}: private copies would lose the last iteration's values, "
            "and shared, the iterations race on it"), DepKind.LIVE_OUT))


def _names(b: _Body) -> Names:
    """Names known to be pointers or arrays: used so in the loop, given an address or pointer
    arithmetic in it, or declared so in the scope."""
    w = b.w
    pointers = w.array_names | w.pointers
    for name, vals in w.values.items():
        if any(pointer_value(v, pointers) for v in vals):
            pointers = pointers | {name}
    names = Names(b.per_iteration, pointers, own_objects=w.own_objects,
                  written={a.name for a in w.accesses if a.write})
    if b.where is not None:
        declared = [*b.where.ctx.declared.values(), *b.where.index.globals.values()]
        names.pointers |= {d.name for d in declared if d.pointer}
        names.tables = {d.name for d in declared if d.levels >= 2}
        names.streams = {d.name for d in declared if d.pointer and d.type_name == "FILE"}
    return names


def _calls(b: _Body, facts: LoopFacts) -> None:
    found = call_findings(b.w.call_sites, b.model, _names(b))
    facts.carried.extend(found.dependences)
    facts.exits = list(b.w.exits) + found.exits
    if b.where is not None:
        facts.exits += goto_entries(b.where.loop, b.w.labels)
    facts.needs_routine = found.needs_routine
    b.written = found.written
    b.reached = found.reached
    b.unseen = found.unseen


def _live_out(b: _Body, facts: LoopFacts) -> None:
    names = candidates(b.w, facts.index_vars, scoped=b.where is not None)
    if b.where is not None:
        live: dict[str, int | None] = dict(live_after(b.where, names, frozenset(facts.private)))
        where = b.where
        lo = LiveOut(live, where.loop.start_point[0], scoped=True, first_line=facts.first_line,
                     binary_start=lambda n: binary_at_entry(
                         where.loop, n, getattr(where.declaration(n), "type_name", "")))
    else:
        lo = LiveOut(unscoped_live(b.w, names), first_line=facts.first_line)
    apply_live_out(facts, b.w, lo)
    facts.scoped = b.where is not None
    if b.where is not None:
        facts.mapped_in_file = sorted(b.where.index.data_names)
        facts.deref_heads = _deref_heads(b, facts)
        facts.member_writes = _member_writes(b.loop or b.where.loop, facts.deref_heads)
        facts.member_objects = scalar_member_objects(b.loop or b.where.loop, facts.deref_heads,
                                                     b.fixed,
                                                     b.where.ctx.node,
                                                     b.where.index.tree.root_node)
        facts.in_routine = function_name(b.where.ctx.node)[0] in b.where.index.routines
        facts.inline_definition = b.where.index.lang == "c" and inline_definition(
            b.where.ctx.node, b.where.index.tree.root_node)
        # the file's calls' pairs, and the pointers the function gives the loop's arrays
        # themselves (:func:`_pointed_dependences`)
        facts.passed_alike = sorted({*_passed_alike(b.where.index, b.where.ctx.node, b.passed),
                                     *facts.passed_alike})
        facts.passed_apart = _passed_alike(b.where.index, b.where.ctx.node, b.passed,
                                           apart=True)
        # C++: a member function sees its class's members too (not indexed); a free function
        # sees what a C function does (its parameters and locals, the file's and its
        # headers' variables, those of namespace scope among them)
        if b.where.index.lang == "c" or _free_function(b.where.ctx.node):
            facts.visible = sorted(set(b.where.ctx.declared) | set(b.where.index.globals)
                                   | b.where.ctx.macro_declared)
        facts.device_pointers = b.where.index.device_pointers
        if facts.device_pointers:
            facts.device_addresses, facts.device_mixed = _device_addresses(b.where.index,
                                                                           b.where.ctx.node)
        _conditional(b, facts)
    b.notes.extend(lo.notes)
    b.flags = lo.flags


def _bound_references(b: _Body, facts: LoopFacts) -> None:
    """With the file: a C++ reference parameter that a call of the file binds to an element of
    the array it passes for a pointer parameter (``scale(a[0], a, n)`` for ``const double &s``,
    :func:`accellium.dataset.offload.passed_alike.element_references`) is that element under
    another name ([dcl.ref]p1): where the loop writes the array and uses the reference, or
    writes the reference and uses the array, one iteration's write may be what another reads
    (an element not known here) — a possible carried dependence.  (Before, ``a[i] = s * a[i]``
    got ``parallel loop``: iteration 0 changes ``s`` for the iterations after it.)"""
    from accellium.dataset.offload.passed_alike import element_references

    if b.where is None:
        return
    index = b.where.index
    table = index.memo.get("element_references")
    if not isinstance(table, dict):
        table = index.memo["element_references"] = element_references(
            index.tree.root_node, _alike_table(index))
    pairs: set[tuple[str, str]] = table.get(function_name(b.where.ctx.node)[0] or "", set())
    written = {n for n, evs in b.w.events.items() if any(e.kind is not Use.READ for e in evs)}
    for ref, array in sorted(pairs):
        mode = facts.arrays.get(array)
        if ref not in b.w.events or mode is None or ref in b.w.decls:
            continue
        if mode == "in" and ref not in written:
            continue
        line = next((e.stmt.start_point[0] + 1 for e in b.w.events[ref]), facts.first_line)
        facts.carried.append(Dependence(ref, line, (
            f"`{ref}` is a reference a call of this file binds to an element of `{array}`, "
            f"which the loop also {'writes' if mode != 'in' else 'reads'}: one memory under "
            "two names, at an element not known here: possible carried dependence"),
            DepKind.SCALAR))


def _free_function(defn: Node) -> bool:
    """Is the C++ definition ``defn`` a function that is no class's member: not defined in a
    class body, its name not qualified (``Grid::sum``)?"""
    name = function_name(defn)[0] or ""
    if not name or "::" in name or "operator" in name:
        return False
    n = defn.parent
    while n is not None:
        if n.type in ("field_declaration_list", "class_specifier", "struct_specifier",
                      "union_specifier", "lambda_expression", "template_declaration"):
            return False
        n = n.parent
    return True


def _device_addresses(index: FileIndex, fn) -> tuple[list[str], list[str]]:
    """The variables of ``fn`` that hold a device address on every path, and on some paths
    only (:mod:`accellium.dataset.offload.device_memory`; the file's table, made once)."""
    from accellium.dataset.offload.device_memory import device_origins

    table = index.memo.get("device_origins")
    if table is None:
        table = index.memo["device_origins"] = device_origins(index.tree.root_node)
    dev, mixed = table.of(function_name(fn)[0] or "")  # type: ignore[attr-defined]
    return sorted(dev), sorted(mixed)


def _passed_alike(index: FileIndex, fn, program: tuple[tuple[str, str, str, bool], ...] = (),
                  apart: bool = False) -> list[tuple[str, str]]:
    """The pairs of ``fn``'s parameters a call of the file passes one array for (the file's
    table, made once), or a call of the program's other units (``program``:
    :attr:`.scope.LoopScope.passed`); ``apart``: only those a call may pass different
    pointers into it for (not :func:`accellium.dataset.offload.passed_alike.
    same_pointer_parameters`)."""
    name = function_name(fn)[0] or ""
    pairs: set[frozenset[str]] = set(_alike_table(index).get(name, set()))
    if apart:
        pairs -= _same_table(index).get(name, set())
    pairs |= {frozenset((a, b)) for f, a, b, far in program if f == name and (far or not apart)}
    return [(a, b) for a, b in sorted(tuple(sorted(p)) for p in pairs)]


def _alike_table(index: FileIndex) -> dict[str, set[frozenset[str]]]:
    """:func:`accellium.dataset.offload.passed_alike.aliased_parameters` of the file, made
    once (kept in its memo)."""
    from accellium.dataset.offload.passed_alike import aliased_parameters

    table = index.memo.get("passed_alike")
    if not isinstance(table, dict):
        table = index.memo["passed_alike"] = aliased_parameters(index.tree.root_node)
    return table


def _same_table(index: FileIndex) -> dict[str, set[frozenset[str]]]:
    """:func:`accellium.dataset.offload.passed_alike.same_pointer_parameters` of the file's
    :func:`_alike_table`, made once (kept in its memo)."""
    from accellium.dataset.offload.passed_alike import same_pointer_parameters

    table = index.memo.get("passed_same")
    if not isinstance(table, dict):
        table = index.memo["passed_same"] = same_pointer_parameters(index.tree.root_node,
                                                                     _alike_table(index))
    return table


def _deref_heads(b: _Body, facts: LoopFacts) -> list[str]:
    """The pointers the loop dereferences without a subscript (``l->head``, ``*p``) that it
    neither declares nor assigns, whose target no array or alias of the analysis stands for:
    on the device each holds the host address it had, unless something maps its target."""
    assert b.where is not None and b.loop is not None
    w = b.w
    skip = w.decls | w.assigned | b.index_all | set(facts.arrays) | set(b.merged) | \
        set(b.aliases.resolved)
    declared = {**b.where.index.globals, **b.where.ctx.declared}
    out: list[str] = []
    for n in iter_nodes(b.loop):
        if n.type == "field_expression" and text(_field(n, "operator")) == "->":
            bases = [unparen(_field(n, "argument"))]
        elif n.type == "pointer_expression" and op(n) == "*":
            arg = unparen(_field(n, "argument"))
            # `*(p + k)`: the pointers the address is computed from
            bases = [arg] if arg is None or arg.type != "binary_expression" else \
                [x for x in iter_nodes(arg) if x.type == "identifier"
                 and (d := declared.get(text(x))) is not None and d.pointer]
        else:
            continue
        for base in bases:
            # C++'s `this` too: a pointer prvalue ([expr.prim.this]), to the host object
            if base is not None and base.type in ("identifier", "this") and \
                    text(base) not in skip and text(base) not in out:
                out.append(text(base))
    return out


def _pointer_index(loop: Node, index_vars: list[str], where: LoopInFile | None
                   ) -> tuple[bool, list[str]]:
    """Is the loop's variable a pointer — declared as one in its header (``double *p = a``),
    or, with the file, declared as one in its function — and the names of its first value?"""
    if not index_vars:
        return False, []
    init = _field(loop, "initializer")
    origin = sorted({text(n) for n in iter_nodes(init) if n.type == "identifier"} -
                    {index_vars[0]}) if init is not None else []
    if init is not None and init.type == "declaration":
        return any(d.type == "init_declarator" and
                   (inner := _field(d, "declarator")) is not None and
                   inner.type == "pointer_declarator" for d in named(init)), origin
    d = where.ctx.declared.get(index_vars[0]) if where is not None else None
    return d is not None and d.levels > 0 and not d.references, origin


def _member_writes(loop: Node, heads: list[str]) -> list[str]:
    """The pointers of ``heads`` (:func:`_deref_heads`) whose member ``p->m`` the loop
    assigns or increments (a member's member too: ``p->pos.x = ...``); an element of a member
    array (``p->v[i] = ...``) is the array's, mapped with its section."""
    out: list[str] = []
    for n in iter_nodes(loop):
        if n.type not in ("assignment_expression", "update_expression"):
            continue
        target = unparen(_field(n, "left" if n.type == "assignment_expression" else "argument"))
        while target is not None and target.type == "field_expression" and \
                text(_field(target, "operator")) == ".":
            target = unparen(_field(target, "argument"))
        if target is None or target.type != "field_expression":
            continue
        base = unparen(_field(target, "argument"))
        if base is not None and text(base) in heads and text(base) not in out:
            out.append(text(base))
    return out


def _conditional(b: _Body, facts: LoopFacts) -> None:
    """The names of the loop declared only in a preprocessor group it is not in."""
    assert b.where is not None
    mentioned = set(IDENT.findall(text(b.where.loop)))
    found = conditional_names(b.where.index, b.where.ctx.node, b.where.loop,
                              sorted(mentioned & set(facts.visible)))
    row0 = b.where.loop.start_point[0]
    facts.conditional = {n: facts.first_line + row - row0 for n, row in found.items()}


def _scratch_outliving(b: _Body, facts: LoopFacts) -> None:
    """With the file: a scratch array of the function whose values the code after the loop
    may read is not private.  Private copies are discarded at the loop's end (OpenACC 3.3,
    2.5.13), while after a sequential run the array holds the last iteration's values; so the
    loop carries the dependence the shared writes make.  (Arrays that are not the function's
    own — pointers, parameters, globals — are never private with the file: ``_arrays``.)"""
    if b.where is None or not facts.private_arrays:
        return
    live = live_after(b.where, facts.private_arrays)
    for name in [a for a in facts.private_arrays if a in live]:
        row = live[name]
        where = f" (line {row + 1})" if row != ANYWHERE else ""
        line = min((a.line for a in b.by_name.get(name, []) if a.write), default=facts.first_line)
        facts.private_arrays.remove(name)
        if name in facts.private:
            facts.private.remove(name)
        facts.carried.append(Dependence(name, line, (
            f"`{name}` is written before it is read in every iteration (line {line}), but the "
            f"code after the loop reads it{where}: private copies would discard the last "
            "iteration's values, and shared, the iterations race on it"), DepKind.LIVE_OUT))


def _data(b: _Body, facts: LoopFacts) -> None:
    # a loop index is an integer, never an array to move (``IDX(i, j)`` read as an element
    # of ``i`` where the macro's definition is not seen)
    accesses = [through(a, b.merged[a.name].base, b.merged[a.name]) if a.name in b.merged
                else a for a in b.w.accesses]
    facts.arrays = modes(accesses, b.local_arrays | set(facts.private_arrays) | b.index_all)
    by_name: dict[str, list[Access]] = {}
    for a in accesses:
        by_name.setdefault(a.name, []).append(a)
    _called_arrays(b, facts)
    bound = _bound_memory(b, facts)
    for name in _passed_aliases(b):
        # a callee given a pointer into an array may read and write that array
        base = b.aliases.resolved[name].base
        if base not in b.local_arrays and base not in b.index_all:
            facts.arrays[base] = "inout"
    for name, written in b.aliases.reached.items():
        # what a pointer of unknown target may point into: read, and written if it is
        if name not in b.index_all and name not in b.local_arrays:
            was = facts.arrays.get(name)
            facts.arrays[name] = "inout" if written or was not in (None, "in") else "in"
    for name, written in b.aliases.unnamed.items():
        # the pointer itself: no clause can map what it reaches (no extent), so no compute
        # construct that moves data, or that the file leaves unmapped, can be right
        facts.arrays[name] = "inout" if written else "in"
    bounds: dict[str, ForHeader] = {v: ForHeader(v, lo, hi, step)
                                    for v, (lo, hi), step in zip(facts.index_vars, facts.bounds,
                                                                 facts.steps, strict=False)}
    # an index two inner loops reuse with other bounds (`for (k = 1; k < K; ...)` then
    # `for (k = K - 1; k >= 0; ...)`) has no one range: no section from it
    twice: set[str] = set()
    outer = set(bounds)
    for il in b.w.inner_loops:
        v = il.header.var
        if not v or v in outer:
            continue
        if v in bounds and (bounds[v].lo, bounds[v].hi) != (il.header.lo, il.header.hi):
            twice.add(v)
        bounds.setdefault(v, il.header)
    for v in twice:
        del bounds[v]
    facts.sections = sections(list(facts.arrays), by_name, bounds, b.index_all,
                              changed=b.w.decls | b.w.assigned)
    if b.where is not None:
        found, covered = _file_sections(b.where, facts.arrays, b.defines, b.merged)
        facts.sections.update(found)
        for name, mode in facts.arrays.items():
            if mode == "out" and name not in covered:
                facts.arrays[name] = "inout"  # copyout would return unwritten elements
    for name in b.unseen | bound:
        # a callee's elements, or a reference's, are not the loop's to measure
        facts.sections.pop(name, None)
    _deep_copies(b, facts, by_name, bounds)
    _class_objects(b, facts)
    _void_pointers(b, facts)
    b.notes.extend(renderable(facts, b.by_name))


def _bound_memory(b: _Body, facts: LoopFacts) -> set[str]:
    """The arrays (pointers) whose memory a reference the function declares before the loop
    is bound to, and the loop uses (:func:`.references.outer_bound_memory`): the loop reads
    that memory, and writes it where it assigns the reference, so a data clause must map it
    with the array's — no clause may name the reference (it would map the element again,
    apart), and no scalar clause either (a private copy or a reduction's would leave the
    memory unwritten).  Returns those arrays, whose elements the loop's subscripts do not
    show all of; and the pointers to a scalar the loop also uses by name
    (:func:`.references.outer_scalar_pointers`), whose one element is that scalar."""
    if b.where is None:
        return set()
    out = set()
    for ref, (base, written) in outer_bound_memory(b.where, b.w).items():
        facts.reductions = [(o, v) for o, v in facts.reductions if v != ref]
        facts.private = [v for v in facts.private if v != ref]
        facts.scalars_read = [v for v in facts.scalars_read if v != ref]
        if base in b.local_arrays or base in b.index_all:
            continue
        was = facts.arrays.get(base)
        facts.arrays[base] = "inout" if written or was not in (None, "in") else "in"
        out.add(base)
    return out | outer_scalar_pointers(b.where, b.w)


def _called_arrays(b: _Body, facts: LoopFacts) -> None:
    """The arrays the loop's calls use through the pointers it passes: written ones must come
    back, and one only a callee uses must be on the device too."""
    for name in b.written & set(facts.arrays):
        facts.arrays[name] = "inout"
    for name in b.reached - set(facts.arrays) - b.local_arrays - b.index_all:
        facts.arrays[name] = "inout" if name in b.written else "in"


def _class_objects(b: _Body, facts: LoopFacts) -> None:
    """C++: a subscripted name declared as an object (no pointer or array declarator, a
    reference to one included: ``std::vector<float> h(n)``) is not an array — ``h[i]`` calls
    its ``operator[]`` — and a data clause maps only an array or a pointer's section
    (OpenACC 3.3, 2.7.1; gcc: "does not have pointer or array type"): it gets no section, so
    a compute construct that would have to map it is refused, with this note."""
    if b.where is None or b.lang != "cpp":
        return
    members: dict[str, Declared] | None = None
    for name in sorted(facts.arrays):
        d = b.where.declaration(name)
        head, _, member = name.partition("->")
        if d is None and head in ("this", SELF) and member.isidentifier():
            # a data member the function names bare (:func:`_members_through_this`; the
            # plan's :func:`.classes.this_as_parameter`)
            if members is None:
                members = member_declarations(b.where.ctx.node, b.where.index.tree.root_node)
            d = members.get(member)
        # `std::vector<float> h(n)` parses as a function declarator (the most vexing parse);
        # a subscripted name is no function, so it is the object either way
        if d is None or d.levels - d.references > 0:
            continue
        facts.sections.pop(name, None)
        facts.class_objects.append(name)
        kind = f"a `{d.type_name}`" if d.type_name else "an object"
        b.notes.append(Note(f"`{name}` is {kind}, not an array or a pointer: `{name}[i]` calls "
                            "its operator[], and no data clause can map its elements; take a "
                            f"pointer to them before the loop (`auto *p = {name}.data();`) "
                            "and index that", NoteKind.DATA, name))


def _void_pointers(b: _Body, facts: LoopFacts) -> None:
    """A pointer declared ``void *`` that the loop indexes through a cast (``((double *)
    dst)[i]``): its elements have no type, so a section of it is no object a data clause can
    map (C11 6.5.2.1p1 needs a complete object type; gcc: "invalid use of void expression",
    "array section does not have mappable type").  It gets no section, so a compute construct
    that would have to map it is refused, with this note."""
    if b.where is None:
        return
    for name in sorted(facts.arrays):
        d = b.where.declaration(name)
        if d is None or d.levels != 1 or d.references or d.type_name.split()[-1:] != ["void"]:
            continue
        facts.sections.pop(name, None)
        b.notes.append(Note(f"`{name}` is a `void *`: a data clause cannot map a section of it "
                            "(its elements have no type); declare a typed pointer before the "
                            f"loop (`double *p = {name};`) and index that", NoteKind.DATA,
                            name))


def _deep_copies(b: _Body, facts: LoopFacts, by_name: dict[str, list[Access]],
                 bounds: dict[str, ForHeader]) -> None:
    """The arrays reached through a pointer's member (:func:`.deep.deep_copies`); with the
    file, a written member's kind from its struct's definition.  And those reached through a
    member of a struct variable that may hold a host pointer (:func:`.held.held_members`)."""
    if b.loop is None:
        return
    owned = b.w.decls | b.w.assigned | b.index_all | set(b.w.element_pointers)
    where = b.where
    kind = None if where is None else \
        (lambda p, m: member_kind(where.ctx.node, where.index.tree.root_node, p, m))
    held = [n for n in facts.arrays if "." in n]
    found = sections(held, by_name, bounds, b.index_all, member_parts) if held else {}
    deep_copies(facts, b.loop, owned, kind)
    # a struct variable: a parameter or local of the function, else a global of the file
    own = None if where is None else \
        (lambda s, m: member_kind(where.ctx.node, where.index.tree.root_node, s, m, False)
         or member_kind(where.index.tree.root_node, where.index.tree.root_node, s, m, False))
    facts.held = held_members(facts, b.loop, owned, found, own) if held else []


def _passed_aliases(b: _Body) -> set[str]:
    """The pointers into arrays (:mod:`.aliases`) the loop passes to a call."""
    if not b.aliases.resolved:
        return set()
    return {n for site in b.w.call_sites for arg in site.args
            for n in IDENT.findall(text(arg)) if n in b.aliases.resolved}


def _file_sections(where: LoopInFile, arrays: dict[str, str], defines: tuple[Macro, ...] = (),
                   merged: dict[str, Target] | None = None
                   ) -> tuple[dict[str, str], set[str]]:
    """Sections from the extents of every use (the offload planner's): with the file, a
    pointer's section covers every subscript the nest reaches (``in[i + t]``, ``A[i][k]``,
    descending and triangular loops), not only ``a[i]``; a true array is named whole.  And the
    arrays one plain write covers whole (the only ones ``copyout`` may return: the device
    copy of an element the loop does not write is uninitialised).  ``merged``: pointers
    defined before the loop whose accesses count as those of the array they point into."""
    from accellium.dataset.offload.loopdata import loop_data

    root = where.index.tree.root_node
    decls = _declarations(where, defines)
    if decls is None:
        return {}, set()
    try:
        with header_macros(lambda _at: defines):
            got, covered = loop_data(where.loop, where.ctx.node, root, decls, merged)
    except (RecursionError, ValueError):
        return {}, set()
    return {k: v for k, v in got.items() if k in arrays}, covered


def _declarations(where: LoopInFile, defines: tuple[Macro, ...]) -> dict[str, list] | None:
    """The offload planner's declarations of the loop's function (once per function of the
    file and headers' macros); None when they cannot be read."""
    from accellium.dataset.offload.shapes import declarations

    key = f"offload-declarations:{where.ctx.node.start_byte}:{hash(defines)}"
    try:
        with header_macros(lambda _at: defines):
            decls = where.index.memo.get(key)
            if decls is None:
                decls = where.index.memo[key] = declarations(where.ctx.node,
                                                             where.index.tree.root_node)
    except (RecursionError, ValueError):
        return None
    return decls  # type: ignore[return-value]


def _address_stores(b: _Body) -> list[tuple[str, int]]:
    """The loop's stores of addresses it computes (:mod:`.address_stores`), the names'
    declarations from the file (a loop alone: none, so only ``&x`` is an address)."""
    if b.loop is None:
        return []
    where = b.where
    declared = (lambda _n: None) if where is None else \
        where.declaration
    return address_stores(b.loop, declared, b.w.decls | b.index_all)


class _FactsCache:
    """The analysis of each query, once: the last 4,096 queries, and of those with a scope
    only the ones of the last few sources.  A language server analyses every version of a
    buffer, and a scope's key holds the whole text: 4,096 versions of a large file would be
    kept."""

    SIZE = 4096
    SOURCES = 8

    def __init__(self, analyze: Callable[[str, str, tuple[str, ...], LoopScope | None, int],
                                          LoopFacts]) -> None:
        self._analyze = analyze
        self._lock = threading.Lock()
        self._plain: OrderedDict[tuple, LoopFacts] = OrderedDict()
        self._scoped: OrderedDict[str, OrderedDict[tuple, LoopFacts]] = OrderedDict()

    def _table(self, scope: LoopScope | None) -> OrderedDict[tuple, LoopFacts]:
        if scope is None:
            return self._plain
        got = self._scoped.get(scope.source)
        if got is None:
            got = self._scoped[scope.source] = OrderedDict()
            if len(self._scoped) > self.SOURCES:
                self._scoped.popitem(last=False)
        else:
            self._scoped.move_to_end(scope.source)
        return got

    def __call__(self, code: str, lang: str, enclosing: tuple[str, ...],
                 scope: LoopScope | None, first_line: int) -> LoopFacts:
        key = (code, lang, enclosing, scope, first_line)
        with self._lock:
            table = self._table(scope)
            got = table.get(key)
            if got is not None:
                table.move_to_end(key)
                return got
        got = self._analyze(code, lang, enclosing, scope, first_line)
        with self._lock:
            table[key] = got
            if len(table) > self.SIZE:
                table.popitem(last=False)
        return got

    def cache_clear(self) -> None:
        with self._lock:
            self._plain.clear()
            self._scoped.clear()


def _analyze_once(code: str, lang: str, enclosing: tuple[str, ...],
                  scope: LoopScope | None, first_line: int) -> LoopFacts:
    facts = LoopFacts(first_line=first_line)
    facts.in_region, facts.present, _ = enclosing_context(enclosing)
    located = _located(scope)  # the file's index and the loop in it, read once
    code = _members_through_this(code, lang, located)
    if lang == "cpp" and located[0] is not None and located[1] is not None:
        facts.inherited_members = sorted(inherited_members(located[1].ctx.node,
                                                           located[0].tree.root_node))
    # the code parsed at its line (blank lines above it): every line the walk reads, and so
    # every line of a dependence, an exit or a note, is already a line of the convention
    loop = _parse(code, lang, first_line - 1)
    code = "\n" * (first_line - 1) + code
    if loop is None:
        return facts
    facts.parsed = True
    nest = read_nest(loop)
    facts.perfect_depth = len(nest.loops)
    facts.index_vars = nest.index_vars
    facts.index_pointer, facts.index_origin = _pointer_index(loop, facts.index_vars, located[1])
    facts.bounds = [(h.lo, h.hi) for h in nest.headers]
    facts.steps = [h.step for h in nest.headers]
    b = _body(loop, facts, scope, lang if lang in ("c", "cpp") else "c", located)
    type_of = _declared_types(b)
    headers = [form_problem(n) or bound_problem(n, type_of) for n in nest.loops]
    forms = [h or direction_problem(n) or body_problem(n, canonical=True)
             for h, n in zip(headers, nest.loops, strict=True)]
    facts.loop_form = forms[0] or ""
    facts.header_form = headers[0] is not None
    facts.canonical_depth = next((k for k, f in enumerate(forms) if f), len(forms))
    facts.collapse = max(1, min(nest.collapse, facts.canonical_depth))
    index, where = located
    facts.variable_arrays = variable_length_arrays(
        loop, b.lang, b.macros, where.ctx if where is not None else None,
        index.globals if index is not None else (),
        index.tree.root_node if index is not None else None)
    _taint(b, facts)
    atomic = frozenset(atomic_lines(code))  # the lines `#pragma acc atomic` governs
    _arrays(b, facts, loop, atomic)
    _indirect(b, facts, atomic)
    _scalars(b, facts)
    _private_variable_arrays(b, facts)
    _extended_floats(b, facts)
    _struct_scratch(b, facts)
    # pointers the loop declares or assigns are the alias analysis' (their `p->x` is an
    # access of what they point into); the rest name one shared object
    facts.carried.extend(shared_member_writes(
        loop, b.w.decls | b.w.assigned | b.index_all | set(b.w.element_pointers), atomic))
    facts.carried.extend(reference_writes(loop, b.w))
    facts.carried.extend(outer_reference_uses(located[1], b.w))
    _calls(b, facts)
    _live_out(b, facts)
    _scratch_outliving(b, facts)
    _data(b, facts)
    _bound_references(b, facts)
    facts.address_stores = _address_stores(b)
    _carried_reductions(facts)
    facts.notes = fact_notes(facts, b.notes, b.w.call_sites, b.flags)
    return facts


def _carried_reductions(facts: LoopFacts) -> None:
    """A scalar the analysis finds carried through other means than its accumulation (one
    object under two names, a reference's memory, a call given its address) is no reduction:
    ``reduction(op:x)`` states that the loop does nothing to ``x`` but accumulate into it
    (OpenACC 3.3, 2.5.15: each gang works on a private copy, combined at the end), so what
    the loop reads of it, or through its other name, would be the private copy's."""
    carried = {d.var for d in facts.carried if d.kind is DepKind.SCALAR}
    facts.reductions = [(o, v) for o, v in facts.reductions if v not in carried]


_analyze_cached = _FactsCache(_analyze_once)


MAX_FIRST_LINE = 1 << 24  # more lines than a file the tools accept (20 MiB) can have


def analyze(code: str, lang: str = "c", enclosing: Sequence[str] = (),
            scope: LoopScope | None = None, first_line: int = 1) -> LoopFacts:
    """Facts about the first ``for`` loop of ``code`` (``scope``: the file it is in, for what
    the loop alone cannot show; ``first_line``: the line number of the code's first line, the
    line every line number in the facts counts from, see :mod:`.facts`). Never raises on bad
    input."""
    if not isinstance(code, str):
        return LoopFacts()
    enc = tuple(e for e in (enclosing or ()) if isinstance(e, str))
    if not isinstance(scope, LoopScope):
        scope = None
    if not isinstance(first_line, int) or not 1 <= first_line <= MAX_FIRST_LINE:
        first_line = 1
    facts = _with_headers(code, lang if isinstance(lang, str) else "c", enc, scope,
                          first_line)
    return facts.copy()  # the caller may edit the notes


def _with_headers(code: str, lang: str, enclosing: tuple[str, ...], scope: LoopScope | None,
                  first_line: int) -> LoopFacts:
    """:func:`_analyze_cached`, with the file-scope declarations of the scope's headers
    read as the file's (:func:`accellium.dataset.offload.shapes.header_declarations`: the
    planner's sections of a header's ``extern double u[N][N];``)."""
    if scope is None or not scope.headers:
        return _analyze_cached(code, lang, enclosing, scope, first_line)
    from accellium.dataset.offload.shapes import header_declarations

    with header_declarations(scope.source.encode("utf-8", "surrogateescape"), scope.headers,
                             scope.lang):
        return _analyze_cached(code, lang, enclosing, scope, first_line)
