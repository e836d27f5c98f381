"""Choosing the region: for each candidate range of statements (outermost first), which loops
keep a section for every array they touch, whether the host code in between can be kept in
step with ``update`` lines, and whether a structured block fits.  The candidate that offloads
the most loops wins; among equals, the outermost (fewest transfers)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.tree import iter_nodes, named, text
from accellium.dataset.loops import LineIndex
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import ArrayInfo, Scope, collect, extent_guard
from accellium.dataset.offload.calls import ANY_GLOBAL, host_handled, in_units
from accellium.dataset.offload.cover import covering
from accellium.dataset.offload.device import CallDevice, Device, Unit
from accellium.dataset.offload.extent import Extents
from accellium.dataset.offload.flow import Flow, Lifetime, plan_flow
from accellium.dataset.offload.live import live_after
from accellium.dataset.offload.one_memory import one_memory
from accellium.dataset.offload.passed_alike import shared_clauses
from accellium.dataset.offload.shapes import macro_statement
from accellium.dataset.offload.structure import (
    Layout,
    candidate_ranges,
    entry_problem,
    exit_problem,
    layout,
    placeable_after,
    placeable_before,
)
from accellium.dataset.offload.swap import SwapGroup, merged, swap_groups, to_buffers
from accellium.dataset.offload.unwritten import unwritten_buffers
from accellium.dataset.offload.uses import array_uses, assignments

__all__ = ["Region", "choose_region", "per_loop_regions", "transfer_cost", "array_costs",
           "IN_LOOP", "constant_count", "magnitude"]

_ROUNDS = 4


@dataclass
class Region:
    lay: Layout
    devices: list[Unit]
    arrays: dict[str, ArrayInfo]
    flow: Flow
    dropped: list[tuple[Unit, str]] = field(default_factory=list)
    structured: bool = True  # a `data` construct (else enter/exit data at its ends)
    swaps: list[SwapGroup] = field(default_factory=list)  # pointers exchanged in the region
    # the names whose change inside the range left loops' sections unknown (those loops
    # are among ``dropped``): a region starting after the change may keep them
    moving: set[str] = field(default_factory=set)

    @property
    def stmts(self) -> list[Node]:
        return self.lay.stmts

    def section(self, name: str) -> str:
        """The section a data clause of the region gives an array (or a swapped buffer)."""
        for g in self.swaps:
            if name in g.buffers:
                return g.buffers[name]
        return self.arrays[name].section

    def swapped(self, name: str) -> bool:
        """Is ``name`` one of the swapped pointers (the clauses name their buffers)?"""
        return any(name in g.members for g in self.swaps)


def _range_in(block: Node, devices: list[Unit]) -> list[Node]:
    kids = [c for c in named(block) if c.type != "comment"]
    idx = [k for k, c in enumerate(kids)
           if any(c.start_byte <= d.node.start_byte < c.end_byte for d in devices)]
    return kids[idx[0]: idx[-1] + 1] if idx else []


def _declared_by(stmts: list[Node]) -> set[str]:
    """The names the range's own statements declare (not those of blocks inside them)."""
    names: set[str] = set()
    for s in stmts:
        if s.type == "declaration":
            names |= set(assignments(s).declared)
        elif s.type == "expression_statement" and (got := macro_statement(s)) is not None:
            for d in got.declarations:  # a statement-level macro call that declares
                names |= set(assignments(d).declared)
    return names


def _declares_used_after(stmts: list[Node], fn: Node) -> bool:
    """Does a statement of the range declare a name the function uses after it (wrapping the
    range in braces would end that name's scope)?"""
    names = _declared_by(stmts)
    if not names:
        return False
    end = stmts[-1].end_byte
    return any(n.type == "identifier" and n.start_byte >= end and text(n) in names
               for n in iter_nodes(fn))


def _evaluate(lines: LineIndex, block: Node, devices: list[Unit], scope: Scope,
              within: tuple[int, int] | None, lone: bool = False) -> Region | str:
    """The region over ``devices``; the loops using an array declared inside its range that
    its data directive would name (:func:`_named_inside`), or memory it reaches under another
    name too (:func:`.one_memory.one_memory`), stay on the host, and the region is chosen
    again without them."""
    got = _evaluate_once(lines, block, devices, scope, within, lone)
    if isinstance(got, str) or not got.devices:
        return got
    inside, problem = _named_inside(got)
    if not inside and problem is None:
        inside, problem = one_memory(got.stmts, got.arrays, got.devices, got.swaps, scope)
    if not inside:
        return problem or got
    gone = {d.node.id for d, _ in inside}
    again = _evaluate(lines, block, [d for d in devices if d.node.id not in gone], scope,
                      within, lone)
    if isinstance(again, Region):
        again.dropped[:0] = inside
    return again


def _evaluate_once(lines: LineIndex, block: Node, devices: list[Unit], scope: Scope,
                   within: tuple[int, int] | None, lone: bool = False) -> Region | str:
    kept = list(devices)
    dropped: list[tuple[Unit, str]] = []
    stmts = [devices[0].node] if lone else _range_in(block, kept)
    arrays: dict[str, ArrayInfo] = {}
    moving: set[str] = set()
    for _ in range(_ROUNDS):
        if not stmts:
            break
        if within and not (within[0] <= stmts[0].start_point[0] and
                           stmts[-1].end_point[0] <= within[1]):
            return "the region would reach beyond the selection"
        got = collect(kept, scope, Extents(stmts, fixed_guards=True), stmts)
        gone = {d.node.id for d, _ in got.dropped}
        dropped += got.dropped
        moving |= got.moving
        kept = [d for d in kept if d.node.id not in gone]
        arrays = got.arrays
        new = ([kept[0].node] if kept else []) if lone else _range_in(block, kept)
        if [s.id for s in new] == [s.id for s in stmts] and not gone:
            break
        stmts = new
    if not kept or not stmts:
        return Region(Layout(block, stmts or []), [], {}, Flow(), dropped, moving=moving)
    problem = exit_problem(stmts) or entry_problem(stmts) or \
        _barrier(stmts, arrays, scope, kept) or _row_pointer_store(stmts, arrays, kept)
    if problem:
        return problem
    if not lone and (not placeable_before(lines, stmts[0]) or
                     not placeable_after(lines, stmts[-1])):
        return (f"the statements at lines {stmts[0].start_point[0] + 1}-"
                f"{stmts[-1].end_point[0] + 1} share their lines with other code: no data "
                "directive can go around them")
    lay = layout(lines, block, stmts, [d.node for d in kept])
    if lay.problem:
        return lay.problem
    swaps, problem = swap_groups(stmts, arrays, scope, kept)
    if problem:
        return problem
    passed = frozenset(a.node.id for d in kept if isinstance(d, CallDevice) for a in d.args)
    live = {name: live_after(scope, lay, name, passed) for name in arrays}
    for g in swaps:  # either buffer may hold the result: live if any name of them is
        live[g.rep] = any(live_after(scope, lay, n, passed) for n in (*g.members, *g.buffers))
    flow = plan_flow(lay, merged(arrays, swaps), kept, scope, live)
    if flow.problem:
        return flow.problem
    to_buffers(flow.clauses, swaps)
    by_id = {d.node.id: d for d in kept}
    unwritten_buffers(flow.clauses, [b for g in swaps for b in g.buffers], scope, block,
                      lay.start, lambda b: b in arrays and
                      covering(arrays[b], by_id, lay) is not None)
    problem = shared_clauses(flow.clauses, {n: a.section for n, a in arrays.items()},
                             scope.aliased_params, scope.aliased_params - scope.same_params)
    if problem:
        return problem
    region = Region(lay, kept, arrays, flow, dropped, swaps=swaps, moving=moving)
    if len(stmts) > 1 and (_declared_by(stmts) & _exits_at_end(flow)
                           or _declares_used_after(stmts, scope.fn)) \
            or any("->" in n for n in flow.clauses):
        _unstructured(region)
    return region


def _exits_at_end(flow: Flow) -> set[str]:
    """The arrays whose ``exit data`` goes at the region's end: allocated in the region and
    not freed there.  That directive follows the range, where a name declared inside it is
    out of scope once braces close the range (C11 6.2.1p4: an identifier's scope ends with
    the block that declares it): one declared by a statement of the range makes the region
    ``enter``/``exit data`` at its ends, as a declaration used after the range does; one
    declared in a block inside the range cannot be named there (:func:`_named_inside`)."""
    return {n for n, t in flow.lifetimes.items() if t.exit_before is None}


def _barrier(stmts: list[Node], arrays: dict[str, ArrayInfo], scope: Scope,
             units: list[Unit]) -> str | None:
    """Why the region cannot hold a call of ``scope.barriers`` (None: it can).  A call of an
    offloaded callee that reaches globals (``scope.host_walls``) is no barrier for those of
    them its statement, hoisted as a unit of the region, handles: as host uses
    (:func:`.calls.host_handled`), or as its device code's arrays, which the region maps for
    it (the call's mapped arguments that its callees' host code does not touch).  A call
    that may store to a file-scope pointer the region maps (``scope.pointer_walls``) is a
    barrier, hoisted or not."""
    for call, names, why in scope.pointer_walls:
        if stmts[0].start_byte <= call.start_byte < stmts[-1].end_byte and \
                names & set(arrays):
            return why
    for call, names, why in scope.barriers:
        if not (stmts[0].start_byte <= call.start_byte < stmts[-1].end_byte):
            continue
        if call.id in scope.host_walls:
            for d in units:
                if isinstance(d, CallDevice) and \
                        d.node.start_byte <= call.start_byte < d.node.end_byte:
                    device = set() if ANY_GLOBAL in d.host_globals else \
                        {a.name for a in d.args} - d.host_globals
                    names = names - host_handled(d, scope) - device
        if names & set(arrays):
            return why
    return None


def _row_pointer_store(stmts: list[Node], arrays: dict[str, ArrayInfo],
                       units: list[Unit]) -> str | None:
    """Why the region cannot hold a host statement that stores a row pointer of an array it
    maps with its rows (``A[i] = malloc(...)`` with ``A[0:n][0:m]`` mapped; None: it holds
    none).  Only a pointer can be assigned there (an array is no modifiable lvalue, C11
    6.3.2.1p1), so the array is a pointer to pointers, and the data construct reads its row
    pointers where it starts, to copy the rows they point to and attach them (OpenACC 3.3,
    2.6.8 attach, 2.7.1 a subarray of a pointer array): a pointer stored after that is one the
    mapping never saw — its row may not even exist yet — and no ``update`` moves a pointer
    to the device's copy.  (None of ``update``'s forms can replace a mapping: the rows must
    be mapped after the last store.)"""
    for stmt in stmts:
        for u in array_uses(stmt):
            info = arrays.get(u.name)
            if info is None or info.shape.levels < 2 or not (u.write and u.plain) or \
                    not u.names_row(info.shape.levels) or in_units(u.node, units):
                continue
            return (f"line {u.row + 1} stores a row pointer of `{u.name}`, which the region "
                    "maps with its rows: the mapping reads the row pointers where the region "
                    "starts, and no `update` moves a pointer stored after that")
    return None


def _named_inside(region: Region) -> tuple[list[tuple[Unit, str]], str | None]:
    """The region's loops that use an array its data directive names (a clause at its start,
    or the ``enter data`` there) although a statement of its range declares it, each with
    why: the directive would name it before its declaration, outside its scope (C11 6.2.1p4:
    an identifier's scope begins just after its declarator), and the file would no longer
    compile.  Memory the function allocates in the range is mapped right after the
    allocation (its own ``enter data``), and swapped pointers are named by their buffers:
    neither counts — unless it is declared in a block inside the range and not freed there:
    its ``exit data`` goes after the range, out of that block (:func:`_exits_at_end`).  And
    the reason when such a name has no loop to leave on the host."""
    named = set(region.flow.clauses) | {n for n, t in region.flow.lifetimes.items()
                                        if t.enter_after is None}
    # an `exit data` at the region's end, after the range: out of the scope of a block inside
    # it (:func:`_exits_at_end`)
    late = _exits_at_end(region.flow) - _declared_by(region.stmts)
    out: list[tuple[Unit, str]] = []
    problem = None
    for s in region.stmts:
        declared = assignments(s).declared
        for name in sorted(declared.keys() & (named | late)):
            line = declared[name].start_point[0] + 1
            why = (f"`{name}` is declared inside the region (line {line}): a data directive at "
                   "the region's start cannot name it") if name in named else (
                f"`{name}` is allocated in a block inside the region (declared at line {line})"
                " and not freed there: the `exit data` at the region's end would name it "
                "outside its scope")
            info = region.arrays.get(name)
            users = [d for d in region.devices if info is not None and d.node.id in info.uses]
            out += [(d, why) for d in users if all(d is not o for o, _ in out)]
            problem = problem or (None if users else why)
    return out, problem


def _unstructured(region: Region) -> None:
    """Enter data at the start, exit data at the end, for every array of the region: the same
    data movement as the structured region (OpenACC 3.3, 2.6.6, 2.7).  Also where the region
    maps a member through a pointer (``g->u[0:n]``, ``this->u[0:n]``): gcc 12, the
    compiler the tools check with, crashes on such a section in a structured ``data``
    construct ("internal compiler error: Segmentation fault") and builds the same clauses on
    ``enter data``/``exit data``."""
    region.structured = False
    for name, clause in region.flow.clauses.items():
        enter = "copyin" if clause in ("copy", "copyin") else "create"
        exit_ = "copyout" if clause in ("copy", "copyout") else "delete"
        region.flow.lifetimes[name] = Lifetime(None, None, enter, exit_)
    region.flow.clauses.clear()


#: A transfer inside a loop of the function counts as this many outside one (its trip count
#: is not known; it only has to dominate).
IN_LOOP = 100


def _in_loop(node: Node, fn: Node) -> bool:
    p = node.parent
    while p is not None and p.id != fn.id:
        if p.type in ("for_statement", "while_statement", "do_statement"):
            return True
        p = p.parent
    return False


def _weight(info: ArrayInfo | None, rows: bool = False) -> int:
    """How large a transfer of the array is taken to be: 1 + the degree of its section's
    length (``n*dim`` elements outweigh ``k``; a length that is a product of more sizes is
    taken to be larger, the sizes themselves being unknown; a length that is a number weighs
    as its :func:`magnitude`, so ``A[0:32400]`` weighs as ``A[0:N*N]``).  ``rows``: each size after the
    first of rows of a known length (``T a[N][M]``, ``T (*A)[N][M]``) that is not a number
    counts as one more degree, so that the same memory weighs the same whether it is mapped
    as rows ``a[0:n][0:M]`` or as the one object ``A[0:1][0:N][0:M]``."""
    if info is None or not info.spans:
        return 1
    deg = 0
    for s in info.spans:
        length = poly.add(poly.sub(s.hi, s.lo), poly.const(1))
        terms = [(t, c) for t, c in length.items() if c]
        deg += magnitude(terms[0][1]) if len(terms) == 1 and not terms[0][0] else \
            max((len(t) for t, _ in terms), default=0)
    if rows and info.shape.kind == "rows":
        deg += sum(1 for d in info.shape.dims if not d.strip().isdigit())
    return 1 + deg


def transfer_cost(region: Region, fn: Node, rows: bool = False) -> int:
    """Data directives weighted by whether they repeat: each array's entry and exit, each
    ``update`` (the array's section at most; a constant count by its
    :func:`_constant_weight`); inside a loop of the function, x100; each by
    the array's :func:`_weight` (``rows``: its sizes after the first counted, to compare
    regions of different functions, :func:`~.plan.plan_source`)."""
    return sum(array_costs(region, fn, rows).values())


def array_costs(region: Region, fn: Node, rows: bool = False) -> dict[str, int]:
    """:func:`transfer_cost` array by array (an update's by the array its section names)."""
    around = IN_LOOP if _in_loop(region.lay.block, fn) or region.lay.block.type in (
        "for_statement", "while_statement", "do_statement") else 1
    out: dict[str, int] = {}
    weights = {b: _weight(region.arrays[g.rep], rows) for g in region.swaps
               for b in g.buffers}
    for name, info in region.arrays.items():
        if not region.swapped(name):
            weights[name] = _weight(info, rows)
    for name, weight in weights.items():
        life = region.flow.lifetimes.get(name)
        if life is not None:  # enter data / exit data: what each end moves
            moves = (life.enter == "copyin") + (life.exit == "copyout")
        else:
            moves = {"copy": 2, "copyin": 1, "copyout": 1, "create": 0}.get(
                region.flow.clauses.get(name, "copy"), 2)
        out[name] = around * weight * moves
    for u in region.flow.updates:
        name = u.array
        w = _constant_weight(u.section) or _weight(region.arrays.get(name), rows)
        out[name] = out.get(name, 0) + w * (IN_LOOP if (u.leaf.loops or around > 1) else 1)
    return out


#: The length of each ``[lo:len]`` of a section's text (no brackets inside a subscript).
SECTION_LENGTHS = re.compile(r"\[[^\[\]:]*:([^\[\]]*)\]")


def constant_count(section: str) -> bool:
    """Does the section name a constant number of elements (every length a number:
    ``u[n-1:1]``, ``t[0:3][0:3]``)?  Else it moves as many as the array's sizes, as
    :func:`transfer_cost` weighs it."""
    return _constant_weight(section) is not None


def _constant_weight(section: str) -> int | None:
    """The weight of a section of a constant number of elements (``u[n-1:1]``, ``t[0:3][0:3]``):
    a scalar's, 1, plus the :func:`magnitude` of the count; None when a length is not a
    number."""
    lengths = [x.strip() for x in SECTION_LENGTHS.findall(section)]
    if not lengths or not all(x.isdigit() for x in lengths):
        return None
    return 1 + magnitude(math.prod(int(x) for x in lengths))


def magnitude(count: int) -> int:
    """How many degrees a known factor of an element count adds to a weight: its number of
    :data:`IN_LOOP`-folds, rounded (10 and more elements weigh as one unknown size, 1000 and
    more as two).  The weights compare lengths whose sizes are unknown by their degree
    (``n*n`` over ``n``), an unknown size taken to be about as large as the unknown trip count
    of a loop (:data:`IN_LOOP`).  A length the planner knows as a number (the object of
    ``malloc(N * N * sizeof *A)`` with ``#define N 180`` has 32400 elements, C11 6.10.3 and
    6.5.5: the count is an integer constant expression) is as many elements as the sizes it
    stands for, so it weighs as the nearest degree; else a whole object of known extent copied
    in and out on every iteration of a loop would weigh as a scalar, less than one region
    around the loop that moves it once."""
    square, deg = count * count, 0
    while square >= IN_LOOP ** (2 * deg + 1):
        deg += 1
    return deg


def per_loop_regions(lines: LineIndex, devices: Sequence[Unit], scope: Scope
                     ) -> list[Region | str]:
    """Each loop its own region, its data clauses on its own pragma: what per-loop
    suggestions with the right data clauses would be (the baseline the one region is
    measured against)."""
    out: list[Region | str] = []
    for d in devices:
        parent = d.node.parent if d.node.parent is not None else d.node
        out.append(_evaluate(lines, parent, [d], scope, None, lone=True))
    return out


def choose_region(lines: LineIndex, body: Node, devices: list[Unit], scope: Scope,
                  within: tuple[int, int] | None) -> tuple[Region | None, list[str]]:
    """The best region for ``devices`` in the function body — the most loops offloaded, then
    the fewest transfers (:func:`transfer_cost`), then the outermost — and why the others
    failed."""
    best: Region | None = None
    best_key: tuple[int, int] | None = None
    problems: list[str] = []
    for block, rng in candidate_ranges(body, [d.node for d in devices]):
        got = _evaluate(lines, block, devices, scope, within)
        if isinstance(got, str):
            problems.append(got)
            continue
        later = _after_change(lines, body, rng, devices, got, scope, within)
        inner = _inside_guards(lines, got, devices, scope, within)
        for r in (got, *(x for x in (later, inner) if x is not None)):
            key = (-len(r.devices), transfer_cost(r, scope.fn) if r.devices else 0)
            if best_key is None or key < best_key:
                best, best_key = r, key
    return best, problems


def _inside_guards(lines: LineIndex, got: Region, devices: list[Unit], scope: Scope,
                   within: tuple[int, int] | None) -> Region | None:
    """The region inside the branch of the first ``if`` that kept loops of ``got`` out
    (:func:`.arrays.extent_guard`: a test bounding their sections): within the branch the
    test holds, so a data construct there maps what they use.  The units outside the
    branch stay on the host, with why.  None when no loop was kept out so, or the branch is
    no block."""
    start = got.stmts[0].start_byte if got.stmts else None
    for d, _why in got.dropped:
        if start is None or not isinstance(d, Device):
            continue
        guard = extent_guard(d.node, start)
        if guard is None or guard[1].type != "compound_statement":
            continue
        branch = guard[1]
        inside = [u for u in devices
                  if branch.start_byte <= u.node.start_byte < branch.end_byte]
        region, _ = choose_region(lines, branch, inside, scope, within)
        if region is None or not region.devices:
            return None
        why = (f"the region is inside the branch at line {branch.start_point[0] + 1}, whose "
               "test bounds the sections of the loops there; this loop is outside it")
        region.dropped[:0] = [(u, why) for u in devices if u not in inside]
        return region
    return None


def _after_change(lines: LineIndex, body: Node, rng: list[Node], devices: list[Unit],
                  got: Region, scope: Scope, within: tuple[int, int] | None) -> Region | None:
    """The region over the units after the statement of ``rng`` that last changes a name whose
    change left loops of ``got`` without a section (None: no such name, or no unit after
    it).  A data construct evaluates its clauses' sections once, where it starts (OpenACC
    3.3, 2.6.5, 2.7.1): a region over the units that follow the change (``n = ...;`` read
    from a file, then loops over ``a[0:n]``) sees the value those loops use, while one that
    also holds a unit before it would evaluate the section with the old value.  The units
    before stay on the host, with why."""
    if not got.moving or not rng:
        return None
    lo, hi = rng[0].start_byte, rng[-1].end_byte
    last: tuple[int, str] | None = None
    for name in got.moving:
        at = [p for p in scope.assigned_at.get(name, []) if lo <= p < hi]
        at += [s.decl.start_byte for s in scope.decls.get(name, [])
               if s.decl is not None and s.local and lo <= s.decl.start_byte < hi]
        if at and (last is None or max(at) > last[0]):
            last = (max(at), name)
    if last is None:
        return None
    stmt = next((s for s in rng if s.start_byte <= last[0] < s.end_byte), None)
    if stmt is None:
        return None  # (a position between the range's statements, in a comment)
    after = [d for d in devices if d.node.start_byte >= stmt.end_byte]
    if not after or len(after) == len(devices):
        return None
    region, _ = choose_region(lines, body, after, scope, within)
    if region is None:
        return None
    at_node = stmt.descendant_for_byte_range(last[0], last[0])
    row = (at_node if at_node is not None else stmt).start_point[0] + 1
    first, end = stmt.start_point[0] + 1, stmt.end_point[0] + 1
    where = f"line {first}" if first == end else f"lines {first}-{end}"
    why = (f"the region starts after the statement at {where}, which changes `{last[1]}` "
           f"(line {row}), and the sections of the loops after it use `{last[1]}`: a data "
           "construct evaluates its sections where it starts, so a region holding this loop "
           "too would map them with another value")
    region.dropped[:0] = [(d, why) for d in devices if d.node.start_byte < stmt.end_byte]
    return region
