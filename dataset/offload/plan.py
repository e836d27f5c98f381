""":func:`plan_source`: the offload plan of each function of a source (or one function, or the
loops of a selection), as line edits with what they do and why loops stay on the host."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from dataclasses import replace as _with_fields
from typing import cast

from tree_sitter import Node, Tree

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.classes import (
    SELF,
    inherited_item,
    inherited_members,
    this_as_parameter,
)
from accellium.dataset.analysis.scope import FileIndex, file_index, function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, nodes_of, remember_root, text
from accellium.dataset.loops import LineIndex, Loop, loops_in_tree, parse_tree
from accellium.dataset.offload import poly
from accellium.dataset.offload.arrays import ArrayInfo, Scope, assignment_positions
from accellium.dataset.offload.assemble import region_edits
from accellium.dataset.offload.callgraph import graph_of
from accellium.dataset.offload.calls import Summary, summarize, summarize_regions
from accellium.dataset.offload.callsites import Calls, call_graph, call_units, recursive
from accellium.dataset.offload.device import Advisor, CallDevice, Device, Unit, choose_loops
from accellium.dataset.offload.device_memory import DeviceOrigins, device_origins, with_deviceptr
from accellium.dataset.offload.edits import PlanEdit, Rank
from accellium.dataset.offload.exit_dead import ExitDead, exit_dead
from accellium.dataset.offload.fresh import FreshNames, fresh_functions
from accellium.dataset.offload.generate import GENERATOR_WHY, home_generators
from accellium.dataset.offload.global_uses import (
    Touch,
    call_touches,
    file_facts,
    pointer_stores,
    program_touches,
)
from accellium.dataset.offload.live import dead_parameters, in_loop
from accellium.dataset.offload.nodes import enclosing_function
from accellium.dataset.offload.objects import object_extents
from accellium.dataset.offload.passed_alike import (
    aliased_parameters,
    program_pairs,
    same_pointer_parameters,
)
from accellium.dataset.offload.points_to import PointsTo, aliased_calls, call_unit, points_to
from accellium.dataset.offload.readargs import read_only_args
from accellium.dataset.offload.region import (
    IN_LOOP,
    Region,
    array_costs,
    choose_region,
    constant_count,
    per_loop_regions,
    transfer_cost,
)
from accellium.dataset.offload.repeated import REPEATED_WHY, degree, moved_count, work_count
from accellium.dataset.offload.routines import holds_compute_construct, routine_row
from accellium.dataset.offload.serial import SERIAL_KIND, serial_blocks
from accellium.dataset.offload.shapes import (
    alloc_sites,
    declarations,
    free_sites,
    header_context,
    headers_kept,
)
from accellium.dataset.offload.single_pass import SINGLE_PASS_WHY, single_pass
from accellium.dataset.offload.swap import swapper_functions
from accellium.dataset.offload.unseen_calls import unseen_call_barriers
from accellium.dataset.offload.uses import array_uses
from accellium.dataset.pragma import PragmaError, is_acc_pragma, parse
from accellium.dataset.pragma_text import directive_rows

__all__ = ["FunctionPlan", "PlanInputError", "plan_source", "functions_in"]


class PlanInputError(ValueError):
    """The request names no function of the source (the message says why)."""


@dataclass
class FunctionPlan:
    function: str
    line: int  # 1-based first line of the definition
    end_line: int
    loops: list[dict] = field(default_factory=list)  # offloaded: line, pragma
    host_loops: list[dict] = field(default_factory=list)  # line, why
    arrays: list[dict] = field(default_factory=list)  # name, section, clause, how
    routines: list[str] = field(default_factory=list)
    regions: list[dict] = field(default_factory=list)  # start_line, end_line, loops, calls,...
    calls: list[dict] = field(default_factory=list)  # hoisted calls: line, functions
    edits: list[PlanEdit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # what callers see of the function (not in the JSON): its summary or why it has none
    # (:mod:`.calls`), and whether it offloads (a loop, a hoisted call, OpenACC directives)
    summary: Summary | str | None = field(default=None, repr=False, compare=False)
    offloads: bool = field(default=False, repr=False, compare=False)
    # loops that only generate data were put back on the host (:mod:`.generate`); the
    # callees of hoisted calls each of whose written arrays another unit of the region reads
    homed: bool = field(default=False, repr=False, compare=False)
    feeds: set[str] = field(default_factory=set, repr=False, compare=False)
    # the transfers one call of the function makes (:func:`.region.transfer_cost` of its
    # region, and its calls of the file's functions the region does not hold, each at its
    # callee's cost): what :func:`_plan_fed` compares
    cost: int = field(default=0, repr=False, compare=False)
    held: list[tuple[int, int]] = field(default_factory=list, repr=False, compare=False)

    def to_json(self) -> dict:
        return {"function": self.function, "line": self.line, "end_line": self.end_line,
                "loops": self.loops, "host_loops": self.host_loops, "arrays": self.arrays,
                "routines": self.routines, "regions": self.regions, "calls": self.calls,
                "edits": [e.to_json() for e in self.edits],
                "notes": self.notes}


def functions_in(tree_root: Node) -> list[Node]:
    return nodes_of(tree_root, ("function_definition",))


def _acc_functions(units: list[bytes], roots: list[Node]) -> set[str]:
    """The functions defined in the program's other translation units that have OpenACC
    directives."""
    out: set[str] = set()
    for unit, root in zip(units, roots, strict=True):
        if b"acc" not in unit:
            continue
        lines = LineIndex(unit)
        for f in functions_in(root):
            name = function_name(f)[0]
            if name and _acc_rows(lines, f.start_point[0], f.end_point[0]):
                out.add(name)
    return out


def _acc_rows(lines: LineIndex, first: int, last: int) -> list[tuple[int, int]]:
    """(row, rows) of each ``#pragma acc`` line (with its continuations) in the rows."""
    out = []
    row = first
    while row <= last:
        if is_acc_pragma(lines.line(row)):
            n = directive_rows(lines.line, row, len(lines))
            out.append((row, n))
            row += n
            continue
        row += 1
    return out


def _blanked(source: bytes, lines: LineIndex, rows: list[tuple[int, int]]) -> bytes:
    parts, pos = [], 0
    for row, n in rows:
        for r in range(row, row + n):
            s, e = lines.line_span(r)
            parts.append(source[pos:s])
            pos = e
    parts.append(source[pos:])
    return b"".join(parts)


def _loop_nodes(tree_root: Node, loops: list[Loop]) -> dict[int, Node]:
    out = {}
    for lp in loops:
        n = tree_root.named_descendant_for_byte_range(lp.start_byte, lp.start_byte)
        while n is not None and not (n.type in ("for_statement", "for_range_loop")
                                     and n.start_byte == lp.start_byte):
            n = n.parent
        if n is not None:
            out[lp.start_byte] = n
    return out


def _scope(fn: Node, root: Node, dead: dict[str, set[str]],
           objects: dict[str, dict[str, poly.Poly]], fresh: FreshNames,
           exit: ExitDead = (frozenset(), {}),
           aliased: dict[str, set[frozenset[str]]] | None = None,
           same: dict[str, set[frozenset[str]]] | None = None,
           devices: DeviceOrigins | None = None, memo: dict[str, object] | None = None
           ) -> Scope:
    body = _field(fn, "body") or fn
    allocs: dict = {}
    for a in alloc_sites(body, fresh):
        allocs.setdefault(a.name, []).append(a)
    frees: dict = {}
    for name, stmt in free_sites(body, fresh):
        frees.setdefault(name, []).append(stmt)
    name = function_name(fn)[0] or ""
    return Scope(fn, declarations(fn, root), allocs, frees, assignment_positions(fn),
                 dead_params=frozenset(dead.get(name, ())), objects=objects.get(name, {}),
                 exit_dead=exit, aliased_params=frozenset((aliased or {}).get(name, ())),
                 same_params=frozenset((same or {}).get(name, ())),
                 device_addresses=frozenset((devices or DeviceOrigins()).of(name)[0]),
                 memo=memo if memo is not None else {})


def _device_memory_on_host(plan: FunctionPlan, fn: Node, req: _Req) -> None:
    """A note for each loop the plan leaves on the host that dereferences a pointer holding a
    device address (:mod:`.device_memory`) outside the loops it offloads: that memory has no
    host copy (OpenACC 3.3, 3.2.24), so on a GPU build the loop faults there — it has to run
    on the device, which the reason its own note gives prevents."""
    dev = req.devices.of(plan.function)[0]
    rows = {h["line"] for h in plan.host_loops}
    if not dev or not rows:
        return
    offloaded = [(lp["line"], lp.get("end_line") or lp["line"]) for lp in plan.loops]
    for n in iter_nodes(fn):
        line = n.start_point[0] + 1
        if n.type != "for_statement" or line not in rows:
            continue
        rows.discard(line)
        names = sorted({u.name for u in array_uses(n) if u.name in dev and not any(
            a <= u.node.start_point[0] + 1 <= b for a, b in offloaded)})
        if names:
            plan.notes.append(
                f"line {line} dereferences device memory on the host ("
                + ", ".join(f"`{v}`" for v in names) + (" holds" if len(names) == 1 else " hold")
                + " a device address, acc_malloc's: no host copy exists): a GPU build faults "
                "there; the loop needs a compute construct with `deviceptr`, which the reason "
                "above keeps it from")


@dataclass
class _Req:
    lang: str
    advise: Advisor
    within: tuple[int, int] | None
    replace: bool
    per_loop: bool = False
    summaries: dict[str, Summary | str] = field(default_factory=dict)  # callees planned first
    calls: Calls = field(default_factory=Calls)  # the file's functions
    dead: dict[str, set[str]] = field(default_factory=dict)  # function -> dead parameters
    # function -> pairs of parameters a seen call passes alike (:mod:`.passed_alike`)
    aliased: dict[str, set[frozenset[str]]] = field(default_factory=dict)
    # those pairs every such call passes the same pointer for
    same: dict[str, set[frozenset[str]]] = field(default_factory=dict)
    # function -> pointer parameter -> the element count of its object (:mod:`.objects`)
    objects: dict[str, dict[str, poly.Poly]] = field(default_factory=dict)
    keep_generators: bool = False  # plan a function's generators on the device (a caller feeds)
    # the program's other translation units, when all are known (``program=``)
    program: list[bytes] | None = None
    costs: dict[str, int] = field(default_factory=dict)  # function -> its plan's cost
    # the program's allocator and freeing wrappers the file's calls reach (:mod:`.fresh`)
    fresh: FreshNames = field(default_factory=FreshNames)
    # functions of the file planned so far whose plans offload a loop (a compute construct)
    computes: set[str] = field(default_factory=set)
    # globals whose memory nothing reads once ``main`` has run past a region (:mod:`.exit_dead`)
    exit: ExitDead = field(default_factory=lambda: (frozenset(), {}))
    # functions no code of the program calls (:func:`_uncalled`): no region encloses them
    uncalled: frozenset[str] = frozenset()
    # what the functions of the program's other units reach (:func:`.global_uses.
    # program_touches`; empty when not all of them are known)
    elsewhere: dict[str, Touch] = field(default_factory=dict)
    # functions of the program's other units whose summaries the file's regions may use
    foreign: frozenset[str] = frozenset()
    # what the program's pointers may point to (:mod:`.points_to`; the file is unit 0)
    points: PointsTo | None = None
    # functions that exchange what their two parameters point to (:mod:`.swap`)
    swappers: frozenset[str] = frozenset()
    # the pointers that hold a device address, per function (:mod:`.device_memory`)
    devices: DeviceOrigins = field(default_factory=DeviceOrigins)
    # the parse of the source the functions are planned in (:func:`_parsed`)
    parsed: _Parsed | None = None


@dataclass
class _Parsed:
    """A source's parse, its functions and its loops, shared by the plans of its functions:
    each planned alone would parse the whole file and walk its every loop again, a cost
    growing with the square of the file's length (a tree is never edited here, so one parse
    serves them all)."""
    source: bytes
    lines: LineIndex
    tree: Tree
    functions: list[Node]
    _loops: tuple[list[Loop], dict[int, Node]] | None = None

    def loops(self) -> tuple[list[Loop], dict[int, Node]]:
        if self._loops is None:
            self._loops = _loops_of(self.tree, self.source, self.lines)
        return self._loops


def _loops_of(tree: Tree, source: bytes, lines: LineIndex) -> tuple[list[Loop], dict[int, Node]]:
    """The loops of the file and each one's node, by its first byte."""
    loops = loops_in_tree(tree, source, lines)
    return loops, _loop_nodes(tree.root_node, loops)


def _parsed(source: bytes, req: _Req) -> _Parsed:
    """The parse of ``source`` (the request's, when it is the one it holds)."""
    got = req.parsed
    if got is not None and (got.source is source or got.source == source):
        remember_root(got.tree.root_node)
        return got
    tree = parse_tree(source, req.lang)
    got = req.parsed = _Parsed(source, LineIndex(source), tree, functions_in(tree.root_node))
    return got


def _plan_one(source: bytes, fn_row: int, req: _Req) -> tuple[FunctionPlan, Summary | str | None]:
    """The plan of the function at ``fn_row``, and what its callers see of it (a summary, why
    none, or None: it offloads nothing)."""
    parsed = _parsed(source, req)
    lines, tree = parsed.lines, parsed.tree
    fn = _function_at(parsed.functions, fn_row)
    assert fn is not None
    name = function_name(fn)[0] or "<anonymous>"
    plan = FunctionPlan(name, fn.start_point[0] + 1, fn.end_point[0] + 1)
    acc = _acc_rows(lines, fn.start_point[0], fn.end_point[0])
    if acc and not req.replace:
        plan.notes.append(f"`{name}` already has {len(acc)} OpenACC directive(s): left as it "
                          "is (re-plan it with --replace)")
        return plan, "already has OpenACC directives (its data use is not re-derived)"
    work = _blanked(source, lines, acc) if acc else source
    member = this_as_parameter(work, fn, tree.root_node) if req.lang == "cpp" else None
    inherited = inherited_members(fn, tree.root_node) if member is not None else frozenset()
    if member is not None:
        work = member
    if acc or member is not None:
        wlines = LineIndex(work)
        tree = parse_tree(work, req.lang)
        fn = _function_at(functions_in(tree.root_node), fn_row)
        assert fn is not None
        known = _loops_of(tree, work, wlines)
    else:
        wlines, known = lines, parsed.loops()
    # the member function rewritten in place: the headers' declarations are still the file's
    with headers_kept(work) if member is not None else nullcontext():
        summary = _fill(plan, work, wlines, tree, fn, req, known)
        _device_memory_on_host(plan, fn, req)
    if member is not None:
        _this_named(plan)
        base = _inherited_item(plan, inherited)
        if base is not None:
            return _kept_on_host(plan, f"`{base}` is a member of a base class: g++ rejects it "
                                 "in a clause (\"cannot take the address of 'this'\"), and "
                                 "without one the device reads the host's pointer (copy the "
                                 "member into a local before the loops and use that)"), None
        if summary is not None:  # no caller's call of a member function passes `this`
            summary = ("a member function: what its calls reach through `this` is not "
                       "followed")
    plan.cost += _calls_cost(fn, plan.held, req.costs)
    plan.edits += [PlanEdit(row, (), Rank.DELETE, n) for row, n in acc] if plan.edits else []
    plan.edits.sort(key=lambda e: e.key())
    return plan, summary


_SELF = re.compile(rf"\b{SELF}\b")
def _inherited_item(plan: FunctionPlan, inherited: frozenset[str]) -> str | None:
    """The first clause item of the plan's lines that maps a member a base class declares
    (:func:`.classes.inherited_item`; None: none)."""
    for e in plan.edits:
        for line in e.lines:
            try:
                p = parse(line)
            except PragmaError:
                continue  # a brace
            got = inherited_item((v for c in p.clauses if c.args for v in c.variables()),
                                 inherited)
            if got is not None:
                return got
    return None


def _kept_on_host(plan: FunctionPlan, why: str) -> FunctionPlan:
    """``plan`` with nothing offloaded: its loops on the host for ``why``."""
    out = FunctionPlan(plan.function, plan.line, plan.end_line)
    out.host_loops = [*plan.host_loops, *({"line": lp["line"], "why": why} for lp in plan.loops)]
    out.notes = [f"no loop offloaded: {why}"]
    return out


def _this_named(plan: FunctionPlan) -> None:
    """The plan of a member function planned as the free function it is to its code
    (:func:`.classes.this_as_parameter`) with ``this`` named as the member function names it,
    in every directive, description and note."""
    def named(v: object) -> object:
        if isinstance(v, str):
            return _SELF.sub("this", v)
        if isinstance(v, list):
            return [named(x) for x in v]
        if isinstance(v, dict):
            return {k: named(x) for k, x in v.items()}
        return v

    for f in ("loops", "host_loops", "arrays", "regions", "calls", "notes"):
        setattr(plan, f, named(getattr(plan, f)))
    plan.edits = [_with_fields(e, lines=tuple(_SELF.sub("this", ln) for ln in e.lines))
                  for e in plan.edits]


def _fill(plan: FunctionPlan, work: bytes, lines: LineIndex, tree: Tree, fn: Node,
          req: _Req, known: tuple[list[Loop], dict[int, Node]]) -> Summary | str | None:
    """``known``: the loops of ``tree`` and their nodes (:func:`_loops_of`)."""
    root = tree.root_node
    loops, nodes = known
    index = file_index(work.decode("utf-8", "surrogateescape"), req.lang)
    within = req.within

    def inside(lp: Loop) -> bool:
        return within is None or (within[0] <= lp.start_line and lp.end_line <= within[1])

    choice = choose_loops(work, lines, fn, loops, nodes, req.advise, index, inside, req.lang)
    devices: list[Device] = []
    routine_rows: dict[str, int] = {}
    for d in choice.devices:
        own = [r for r in d.routines if r in req.computes or
               (r in index.definitions and holds_compute_construct(work, index.definitions[r]))]
        if own:
            choice.host.append((d.loop, _own_compute_why(own)))
            continue
        rows = {r: routine_row(lines, root, r) for r in d.routines}
        missing = [r for r, row in rows.items() if row is None]
        if missing:
            choice.host.append((d.loop, f"calls `{missing[0]}`, above whose declaration no "
                                        "`#pragma acc routine seq` line can go"))
            continue
        routine_rows.update({r: row for r, row in rows.items() if row is not None})
        devices.append(d)
    plan.host_loops = [{"line": lp.line, "why": why} for lp, why in choice.host]
    scope = _scope(fn, root, req.dead, req.objects, req.fresh, req.exit, req.aliased,
                   req.same, req.devices, memo=_facts_memo(index))
    scope.read_args, scope.sealed, scope.swappers = \
        read_only_args(fn, index), _sealed(req), req.swappers
    if scope.device_addresses:
        devices = [_with_fields(d, pragma=with_deviceptr(d.pragma, d.node, scope.device_addresses))
                   for d in devices]
    devices = _with_serial_blocks(fn, root, lines, devices, scope, req, index)
    calls = [] if req.per_loop else _call_units(plan, fn, scope, devices, req, within)
    if not devices and not calls:
        plan.notes.append("no loop to offload: " + ("; ".join(
            f"line {lp.line}: {why}" for lp, why in choice.host[:6]) or "no for loops"))
        return None
    kept, summed = _regions(plan, lines, fn, devices, calls, scope, req)
    edits: list[PlanEdit] = []
    # what a call of the function moves, for its callers' choices: the regions of its summary
    # (one ``if``'s whole region where its branches got their own: an upper bound, as before)
    plan.cost += sum(transfer_cost(r, fn, rows=True) for r in summed if r.devices)
    for region in kept:
        _describe(plan, region)
        if not region.devices:
            continue
        plan.held += [(d.node.start_byte, d.node.end_byte) for d in region.devices
                      if isinstance(d, CallDevice)]
        got, bad = region_edits(lines, region)
        edits += got
        plan.notes += bad
    if not any(r.devices for r in kept):
        plan.notes.append(f"no loop offloaded: the {len(devices) + len(calls)} loop(s) or "
                          "call(s) the engine would offload stay on the host, each for the "
                          "reason its note gives; the plan changes nothing")
        return None
    by_row = {e.row: e.lines[0].strip() for e in edits if e.rank == Rank.LOOP}
    for lp in plan.loops:
        lp["pragma"] = by_row.get(lp["line"] - 1)
    used = {r for region in kept for d in region.devices for r in d.routines}
    for r in sorted(used):
        plan.routines.append(r)
        edits.append(PlanEdit(routine_rows[r], (lines.indent(routine_rows[r])
                                                + "#pragma acc routine seq",), Rank.ROUTINE))
    plan.edits = edits
    plan.feeds = {f for region in kept for f in _fed(region)}
    if req.per_loop or not kept:
        return None
    return summarize(fn, scope, summed[0], req.calls.defined) if len(summed) == 1 else \
        summarize_regions(fn, scope, summed, req.calls.defined)


def _call_units(plan: FunctionPlan, fn: Node, scope: Scope, devices: list[Device], req: _Req,
                within: tuple[int, int] | None) -> list[CallDevice]:
    """The calls of ``fn`` (inside ``within``, the selected rows) hoisted as units of a
    region (:func:`.callsites.call_units`, why the others are not in ``plan.notes``), and the
    barriers of calls reaching its arrays through other pointers (:func:`aliased_device_calls`)."""
    calls, why_not = call_units(fn, scope, req.summaries, devices, req.calls,
                                lambda n: within is None or (
                                    within[0] <= n.start_point[0] and
                                    n.end_point[0] <= within[1]))
    plan.notes += why_not
    if req.points is not None:
        aliased_device_calls(fn, scope, req.calls.offloads, req.points, calls)
    return calls


def _touches(others: list[Node], headers: list[list[Node]] | None, own: list[Node]
             ) -> dict[str, Touch]:
    """:func:`.global_uses.program_touches` of the program's other units (``others``, with the
    headers each includes) and of the file's own headers (``own``, each a unit of its own —
    read inside its include guard, :func:`.shapes.file_scope` — whose ``static`` functions
    are the file's too)."""
    if not others and not own:
        return {}
    hs = [*headers, *([] for _ in own)] if headers is not None else None
    return program_touches([*others, *own], hs, range(len(others), len(others) + len(own)))


def _sealed(req: _Req) -> frozenset[str]:
    """The functions of the program's other files that reach nothing outside them and the C
    library (:attr:`.arrays.Scope.sealed`)."""
    return frozenset(n for n, t in req.elsewhere.items() if not t.unknown)


def _with_serial_blocks(fn: Node, root: Node, lines: LineIndex, devices: list[Device],
                        scope: Scope, req: _Req, index: FileIndex) -> list[Device]:
    """The scope's calls reaching the file's globals (:func:`_global_calls`); the offloaded
    loops with the element copies beside them that run as ``serial`` constructs
    (:mod:`.serial`; not in the per-loop baseline, whose loops each have their own
    region)."""
    _global_calls(fn, root, scope, req)
    if req.program is None:  # the file alone: calls of functions not seen (:mod:`.unseen_calls`)
        arrays, _ = file_facts(root, scope.memo, req.elsewhere)
        scope.barriers += unseen_call_barriers(
            _field(fn, "body") or fn, {*index.definitions, *req.elsewhere, *req.calls.offloads},
            frozenset(n for n, ext in arrays.items() if ext))
    if req.per_loop:
        return devices
    return sorted([*devices, *serial_blocks(fn, lines, devices, scope)],
                  key=lambda d: d.node.start_byte)


def _own_compute_why(names: list[str]) -> str:
    """Why a loop calling functions that offload loops of their own stays on the host: on the
    device each would need ``#pragma acc routine seq``, whose body runs inside the loop's
    compute construct, where no compute construct may start (OpenACC 3.3, 2.5, 2.15.1)."""
    shown = ", ".join(f"`{n}`" for n in names[:3]) + (" and more" if len(names) > 3 else "")
    one = len(names) == 1
    return (f"calls {shown}, which {'holds' if one else 'hold'} a compute construct of "
            f"{'its' if one else 'their'} own (or {'calls' if one else 'call'} a function "
            "that does): on the device it would have to be an `acc routine`, inside which no "
            "compute construct may start (OpenACC 3.3, 2.5, 2.15.1)")


def _facts_memo(index: FileIndex) -> dict[str, object]:
    """Where the planner keeps what it derives from the file once: with the parsed file, under
    the header declarations in force (:func:`.shapes.header_context`), on which those facts
    depend too."""
    return cast("dict[str, object]", index.memo.setdefault(f"offload:{header_context()}", {}))


def _global_calls(fn: Node, root: Node, scope: Scope, req: _Req) -> None:
    """The calls of ``fn`` that reach the file's global arrays (:mod:`.global_uses`): host
    uses for the region's data flow, or barriers (the file's facts kept in ``scope.memo``)."""
    global_calls(fn, root, scope, req.calls.offloads, req.summaries, scope.memo, req.elsewhere,
                 req.points)


def global_calls(fn: Node, root: Node, scope: Scope, offloads: Collection[str],
                 summaries: Mapping[str, Summary | str], memo: dict[str, object] | None,
                 elsewhere: Mapping[str, Touch] | None = None,
                 points: PointsTo | None = None) -> None:
    """:func:`_global_calls` for the functions ``offloads`` and their ``summaries``; with
    ``points``, also the calls reaching memory of ``fn``'s names through other pointers
    (:func:`_aliased_calls`)."""
    scope.global_calls, walls = call_touches(
        _field(fn, "body") or fn, root, offloads,
        {n: s.host_globals if isinstance(s, Summary) else None
         for n, s in summaries.items()}, memo, elsewhere)
    scope.host_walls = frozenset(call.id for call, _ in walls)
    scope.pointer_walls = [(call, names, (
        f"the call to `{text(_field(call, 'function'))}` at line {call.start_point[0] + 1} may "
        f"store to the global pointer `{sorted(names)[0]}`: a region mapping its section "
        "would not hold what it points to after the call"))
        for call, names in pointer_stores(_field(fn, "body") or fn, root, memo)]
    for call, hit in walls:
        where = (f"the call to `{text(_field(call, 'function'))}` at line "
                 f"{call.start_point[0] + 1}")
        host = frozenset(g for g, _ in scope.global_calls.get(call.id, ()))
        if host:
            scope.barriers.append((call, host, (
                f"{where} reaches the global `{sorted(host)[0]}` in its host code while its "
                "loops are offloaded: no region around it maps it")))
        if hit - host:
            scope.barriers.append((call, hit - host, (
                f"{where} reaches the global `{sorted(hit - host)[0]}` in its offloaded loops, "
                "whose data clauses would find the region's copy and move nothing: no region "
                "around the call maps it unless it holds the call with its arrays")))
    if points is not None:
        aliased_host_calls(fn, scope, offloads, points)


def aliased_host_calls(fn: Node, scope: Scope, offloads: Collection[str], points: PointsTo
                       ) -> None:
    """The calls of ``fn`` whose callee reaches memory one of ``fn``'s arrays designates
    through another pointer — a helper reading ``watch[1]`` where the program set ``watch =
    a`` (:mod:`.points_to`): for the region's data flow a use of the whole array at the call,
    read, and written when the call may write there, as a call reaching a global the region
    maps by name (``scope.global_calls``).  Calls of functions that offload loops of their
    own are left to :func:`aliased_device_calls`."""
    name = function_name(fn)[0]
    unit = call_unit(points, fn)
    f = points.fns.get((unit, name)) if name else None
    for call, hits in aliased_calls(points, fn, unit, scope.read_args):
        callee = _field(call, "function")
        if callee is not None and text(callee) in offloads:
            continue
        direct = {g for g, _ in scope.global_calls.get(call.id, ())}
        for n, write in hits:
            if f is not None and n in f.locals:
                scope.alias_calls.setdefault(call.id, []).append((n, write))
            elif n not in direct:
                scope.global_calls.setdefault(call.id, []).append((n, write))


def aliased_device_calls(fn: Node, scope: Scope, offloads: Collection[str], points: PointsTo,
                         units: Sequence[CallDevice]) -> None:
    """The calls of functions that offload loops of their own (``offloads``) reaching memory
    one of ``fn``'s arrays designates through another pointer: a barrier for those arrays
    (its loops' "present or copy" clauses would find the region's copy under the other
    name, unseen by the region's data flow) — but for the arrays the call's hoisted unit maps
    for it (``units``: its arguments, and the arrays a global its callee reaches is bound to,
    :mod:`.bind`), which the flow sees as the call's."""
    for call, hits in aliased_calls(points, fn, call_unit(points, fn), scope.read_args):
        callee = _field(call, "function")
        if callee is None or text(callee) not in offloads:
            continue
        mapped = {a.name for d in units if d.node.start_byte <= call.start_byte < d.node.end_byte
                  for a in d.args}
        names = frozenset(n for n, _ in hits) - mapped
        if names:
            scope.barriers.append((call, names, (
                f"the call to `{text(callee)}` at line {call.start_point[0] + 1} reaches "
                f"`{sorted(names)[0]}` through another pointer the program set to it: no "
                "region that maps it holds the call")))


def _calls_cost(fn: Node, held: list[tuple[int, int]], costs: dict[str, int]) -> int:
    """The transfers of the calls of ``fn`` to the file's planned functions that no region of
    ``fn`` holds: each its callee's cost, x :data:`.region.IN_LOOP` in a loop of ``fn``."""
    out = 0
    for n in iter_nodes(_field(fn, "body") or fn):
        if not is_call(n):
            continue
        f = _field(n, "function")
        c = costs.get(text(f)) if f is not None and f.type == "identifier" else None
        if c and not any(lo <= n.start_byte < hi for lo, hi in held):
            out += c * (IN_LOOP if in_loop(n, fn) else 1)
    return out


def _fed(region: Region) -> set[str]:
    """The callees of the region's hoisted calls (one callee per statement) each of whose
    written arrays another unit of the region reads on the device, and the region never copies
    in (``create``/``copyout``, or ``enter data create``: the call writes it whole first).  On
    the host instead, such a callee leaves the array for the reading unit's own clauses to copy
    in (one transfer of each element, or two with ``copy``); on the device the array moves at
    most once, out."""
    out = set()
    for d in region.devices:
        if not isinstance(d, CallDevice) or len(d.callees) != 1:
            continue
        written = {a.name for a in d.args if a.write}
        if written and all(_read_elsewhere(region, n, d.node.id) and _not_copied_in(region, n)
                           for n in written):
            out.add(d.callees[0])
    return out


def _not_copied_in(region: Region, name: str) -> bool:
    """Does the region put the array on the device without copying it in: ``create`` or
    ``copyout`` on the structured region, or an ``enter data create``?"""
    clause = region.flow.clauses.get(name)
    if clause is not None:
        return clause in ("create", "copyout")
    life = region.flow.lifetimes.get(name)
    return life is not None and life.enter == "create"


def _read_elsewhere(region: Region, name: str, unit: int) -> bool:
    info = region.arrays.get(name)
    return info is not None and any(u.read for nid, us in info.uses.items() if nid != unit
                                    for u in us)


def _regions(plan: FunctionPlan, lines: LineIndex, fn: Node, devices: list[Device],
             calls: list[CallDevice], scope: Scope, req: _Req
             ) -> tuple[list[Region], list[Region]]:
    """The regions of the plan: one per loop (``per_loop``), or the best one over the loops
    and the hoisted calls (without the calls when they alone gain nothing: one call that no
    host loop repeats), the loops that only generate data no device code of it reads left
    on the host (:mod:`.generate`); and the regions the function's summary for its callers
    is made of (the same, but for one ``if`` split by branch (:func:`_branch_regions`): the
    whole statement's region, whose clauses hold both branches', so that a caller maps what
    either branch reaches, as before the split)."""
    if req.per_loop:
        regions = [r for r in per_loop_regions(lines, devices, scope)]
        plan.notes += [f"no data region: {r}" for r in regions if isinstance(r, str)]
        got = [r for r in regions if not isinstance(r, str)]
        return got, got
    body = _field(fn, "body") or fn
    region, problems, home = _cheapest(lines, body, devices, calls, scope, req)
    kept = [region] if region is not None else []
    summed = kept
    branches = _branch_regions(lines, body, region, scope, req)
    if branches is not None and region is not None:
        kept = branches
        plan.notes.append(f"one data region per branch of the `if` at line "
                          f"{region.stmts[0].start_point[0] + 1} (a run of it runs one "
                          "branch: each region maps only what its branch's loops use)")
    if (region is None or not region.devices) and not home:
        split, split_home = _split_at_barriers(lines, body, devices, calls, scope, req)
        if split or split_home:
            plan.notes += [f"no single data region: {p}" for p in problems]
            if split:
                plan.notes.append(f"{len(split)} data region(s), split where "
                                  + _split_reasons(body, scope))
            kept, home, problems = split, split_home, []
            summed = kept
    plan.homed = bool(home)
    for d, why in home:
        plan.host_loops.append({"line": d.loop.line, "why": why})
        plan.notes.append(f"line {d.loop.line} stays on the host: {why}")
    plan.host_loops.sort(key=lambda h: h["line"])
    if home and not any(r.devices for r in kept):
        plan.notes.insert(0, f"`{plan.function}` stays on the host: " + (
            "its loops only generate data that no device code of the function reads (see the "
            "notes)" if all(GENERATOR_WHY in why for _, why in home) else
            "offloading its loops would only add transfers (see the notes)"))
    plan.notes += [f"no data region: {p}" for p in problems
                   if region is None or not region.devices]
    return kept, summed


def _cheapest(lines: LineIndex, body: Node, devices: list[Device], calls: list[CallDevice],
              scope: Scope, req: _Req
              ) -> tuple[Region | None, list[str], list[tuple[Device, str]]]:
    """The region :func:`_choose` makes over the units, after the cost rules that leave loops
    on the host: the loops that only generate data no device code of the region reads
    (:mod:`.generate`, the region chosen again without them until none is left), then the
    single passes that only add transfers (:func:`_host_single_passes`); neither when a caller
    feeds the function's generators (``keep_generators``).  Both rules compare a loop with the
    other units of its own region, so they apply to each region of a split
    (:func:`_split_at_barriers`) as to the one region of a function.  Returns the region (or
    None), why none could be made, and the loops left on the host with why."""
    home: list[tuple[Device, str]] = []
    while True:
        region, problems = _choose(lines, body, devices, calls, scope, req)
        if region is None or not region.devices or req.keep_generators:
            break
        swapped = {n for g in region.swaps for n in (*g.members, *g.buffers)}
        more_home = home_generators(region.devices, scope, swapped)
        if not more_home:
            break
        home += more_home
        gone = {d.node.id for d, _ in more_home}
        devices = [d for d in devices if d.node.id not in gone]
    if region is not None and region.devices:
        region, devices, repeated = _host_repeated(lines, body, region, devices, calls, scope,
                                                   req)
        home += [(d, REPEATED_WHY) for d in repeated]
    if region is not None and region.devices and not req.keep_generators:
        region, devices, passes = _host_single_passes(lines, body, region, devices, calls,
                                                      scope, req)
        home += [(d, SINGLE_PASS_WHY) for d in passes]
    if region is not None and region.devices and all(
            isinstance(d, Device) and d.loop.kind == SERIAL_KIND for d in region.devices):
        region = None  # element copies alone: the region would move arrays for a few elements
    return region, problems, home


def _branch_regions(lines: LineIndex, body: Node, region: Region | None, scope: Scope,
                    req: _Req) -> list[Region] | None:
    """One region per branch when the region is one ``if`` ... ``else`` statement whose two
    branches both hold its units (None: not so, or a branch's region would offload fewer).
    Each run of the statement runs exactly one branch (C11 6.8.4.1p2), so a region around the
    whole statement maps, on every run, the arrays of both branches with the directions of
    both (``copy`` where one branch reads and the other only writes), while a branch's own
    region maps only what its loops use, as they use it: never more data, often less.  A
    branch that is itself such a statement is split the same way."""
    if region is None or len(region.stmts) != 1 or region.stmts[0].type != "if_statement":
        return None
    stmt = region.stmts[0]
    yes, no = _field(stmt, "consequence"), _field(stmt, "alternative")
    if yes is None or no is None:
        return None
    groups: list[list[Unit]] = [[], []]
    for u in region.devices:
        inside = [k for k, b in enumerate((yes, no))
                  if b.start_byte <= u.node.start_byte < b.end_byte]
        if not inside:
            return None  # a unit in the condition
        groups[inside[0]].append(u)
    if not all(groups):
        return None
    out: list[Region] = []
    for g in groups:
        got, _, left = _cheapest(lines, body, [u for u in g if isinstance(u, Device)],
                                 [u for u in g if isinstance(u, CallDevice)], scope, req)
        if got is None or left or len(got.devices) < len(g):
            return None
        out += _branch_regions(lines, body, got, scope, req) or [got]
    return out


#: statements that run their body more than once
_REPEATS = frozenset({"for_statement", "while_statement", "do_statement",
                      "for_range_loop"})


def _split_at_barriers(lines: LineIndex, body: Node, devices: list[Device],
                       calls: list[CallDevice], scope: Scope, req: _Req
                       ) -> tuple[list[Region], list[tuple[Device, str]]]:
    """Regions over the runs of units between the calls no region may hold (``scope.barriers``:
    a call left on the host whose callee's own constructs, or host code, use the arrays;
    ``scope.pointer_walls``: a call that may store to a file-scope pointer), one
    region per run, when one region over all of them fails.  A data construct's clauses act
    where it starts and ends (OpenACC 3.3, 2.6.4/2.6.5): a region that ends before such a call
    copies out what the host needs there, the next one copies in after it, as each region
    does with the host code around it.  The regions must not overlap (each one's statements
    hold none of another's) -- else none is kept.  Nor are they kept when a loop of the
    function holds both a region and such a call: the regions are then entered on every
    iteration, and each moves its arrays to the device and back every time, where the loops
    left on the host move nothing (the call's own constructs move what it uses either way).
    Each region gets the cost rules of one region (:func:`_cheapest`): a loop that only
    generates data no device code of its own region reads would copy every element out at
    the region's end, where the host computes it for less and the next region copies it in
    either way.  Returns the regions and the loops the rules left on the host, with why."""
    walls = sorted([*(c.start_byte for c, _, _ in [*scope.barriers, *scope.pointer_walls]),
                    *_returns(body)])
    units: list[Unit] = sorted([*devices, *calls], key=lambda u: u.node.start_byte)
    for u in units:
        n = u.node.parent
        while n is not None and n.start_byte >= body.start_byte:
            if n.type in _REPEATS and any(n.start_byte <= w < n.end_byte for w in walls):
                return [], []
            n = n.parent
    groups: list[list[Unit]] = [[]]
    for u in units:
        prev = groups[-1][-1] if groups[-1] else None
        if prev is not None and any(prev.node.end_byte <= w < u.node.start_byte for w in walls):
            groups.append([])
        groups[-1].append(u)
    if len(groups) < 2:
        return [], []
    out: list[Region] = []
    home: list[tuple[Device, str]] = []
    for g in groups:
        got, _, left = _cheapest(lines, body, [u for u in g if isinstance(u, Device)],
                                 [u for u in g if isinstance(u, CallDevice)], scope, req)
        home += left
        if got is not None and got.devices:
            out.append(got)
    spans = sorted((r.stmts[0].start_byte, r.stmts[-1].end_byte) for r in out)
    if any(spans[k][1] > spans[k + 1][0] for k in range(len(spans) - 1)):
        return [], []
    return out, home


def _split_reasons(body: Node, scope: Scope) -> str:
    """What the regions of a split lie between: the calls no region may hold, the
    ``return`` statements, or both (what :func:`_split_at_barriers` splits at)."""
    why = []
    if scope.barriers or scope.pointer_walls:
        why.append("a call no region may hold runs")
    if _returns(body):
        why.append("a `return` leaves the function")
    return " or ".join(why) or "the function's structure requires"


def _returns(body: Node) -> list[int]:
    """Where the function's ``return`` statements start: a data construct is a structured
    block no branch may leave (OpenACC 3.3, 2.6.5; C11 6.8.6.4 ends the function there), so
    the units before and after one can only be held by regions of their own."""
    return [n.start_byte for n in iter_nodes(body) if n.type == "return_statement"]


def _host_single_passes(lines: LineIndex, body: Node, region: Region, devices: list[Device],
                        calls: list[CallDevice], scope: Scope, req: _Req
                        ) -> tuple[Region | None, list[Device], list[Device]]:
    """Leave on the host, one at a time in source order, the region's single passes
    (:mod:`.single_pass`) without which the function's transfers (the region's
    :func:`.region.transfer_cost`, and the costs of the calls of planned functions it then no
    longer holds) are strictly less than with them, no array of the region costs more than before
    (:func:`_no_array_more`), and the function's other work stays offloaded: a unit of
    the region that is no single pass (:func:`_heavy`), or, with no region left, a call of a
    function that offloads its own.  A function whose loops are all single passes keeps
    them: the user asked to offload them, and what earns the transfers is then outside the
    function — unless no code of the program calls the function (``main``, :func:`_uncalled`):
    then no caller's region can, and each pass is tried like one that reads memory the
    function owns (:func:`_crosses`).  A single pass whose writes another unit reads stays
    too (:func:`_feeds`).  Nor is one left on the host when no region can be made without it
    while the region holds other loops that are no single pass (no data directive may go
    around the rest alone: those loops would leave the device too; a hoisted call keeps its
    callee's own region).  Returns the region, the loops still offloaded,
    those left on the host."""
    fn = scope.fn
    entry = function_name(fn)[0] in req.uncalled  # no caller's region: every pass is tried

    def cost(r: Region | None) -> int:
        return _function_cost(r, fn, req)

    out: list[Device] = []
    now: Region | None = region
    single = {d.node.id: single_pass(d, scope) for d in devices}
    base = cost(now)
    for _ in range(_PASSES):  # first improvement, in source order; again after a drop
        dropped = False
        for d in [u for u in (now.devices if now is not None else []) if isinstance(u, Device)]:
            if now is None or not now.devices or not any(x is d for x in now.devices) or \
                    now.lay.device_loops.get(d.node.id) or not single.get(d.node.id) or \
                    _feeds(now, d) or not _may_save(now, d):
                continue
            rest = [x for x in devices if x is not d]
            crosses = entry or _crosses(now, d)
            if not rest and not calls and not crosses:
                continue
            got, _ = _choose(lines, body, rest, calls, scope, req)
            if (got is None or not got.devices) and any(
                    isinstance(u, Device) and _heavy(u, now, single)
                    for u in now.devices if u is not d):
                continue  # no region without it would hold the other loops
            if not (crosses or got is not None and any(_heavy(u, got, single)
                                                       for u in got.devices) or
                    (got is None or not got.devices) and any(
                        req.costs.get(f) for c in calls for f in c.callees)):
                continue  # no other work would stay offloaded
            c = cost(got)
            if c < base and (got is None or not got.devices or _no_array_more(now, got, fn)):
                now, devices, base, dropped = got, rest, c, True
                out.append(d)
        if not dropped:
            break
    if now is not None and now.devices and all(
            isinstance(u, Device) and not _heavy(u, now, single) and _crosses(now, u)
            for u in now.devices) and cost(None) < base:
        # every unit is a single pass whose own memory crosses on every run: no one of them
        # takes a transfer away alone (they share the arrays, :func:`_may_save`), all of them
        # together take every transfer of the region away
        gone = {u.node.id for u in now.devices}
        out += [d for d in devices if d.node.id in gone]
        devices = [d for d in devices if d.node.id not in gone]
        now = None
    return now, devices, out


def _function_cost(r: Region | None, fn: Node, req: _Req) -> int:
    """The function's transfer estimate with the region ``r``: the region's
    :func:`.region.transfer_cost` and the costs of the calls of planned functions it does not
    hold."""
    held = [(d.node.start_byte, d.node.end_byte) for d in (r.devices if r else [])
            if isinstance(d, CallDevice)]
    return (transfer_cost(r, fn, rows=True) if r is not None and r.devices else 0) + \
        _calls_cost(fn, held, req.costs)


def _host_repeated(lines: LineIndex, body: Node, region: Region, devices: list[Device],
                   calls: list[CallDevice], scope: Scope, req: _Req
                   ) -> tuple[Region | None, list[Device], list[Device]]:
    """Leave on the host, together, the loops of the region inside one of its outermost host
    loops when the ``update`` lines inside that host loop -- each runs in every iteration --
    move elements of a higher degree (:func:`.repeated.moved_count`,
    :func:`.repeated.degree`) than the iterations of those loops
    (:func:`.repeated.work_count`), all of them loops of the function, and the function's
    transfer estimate (:func:`_function_cost`) is strictly less without them, no array of the
    region costing more (:func:`_no_array_more`).  Their data then stays on the host, where
    the host code between them uses it (:mod:`.repeated`).  Returns the region, the loops
    still offloaded, those left on the host."""
    fn = scope.fn
    out: list[Device] = []
    now: Region | None = region
    tried: set[int] = set()
    base = _function_cost(now, fn, req)
    while now is not None and now.devices:
        tops: list[int] = []
        for u in now.devices:
            loops = now.lay.device_loops.get(u.node.id)
            if loops and loops[0] not in tops and loops[0] not in tried:
                tops.append(loops[0])
        dropped = False
        for top in tops:
            tried.add(top)
            inside = [u for u in now.devices if top in now.lay.device_loops.get(u.node.id, ())]
            ups = [up for up in now.flow.updates if top in up.leaf.loops]
            if not ups or not all(isinstance(u, Device) for u in inside):
                continue
            moved = moved_count(now, ups)
            works = [work_count(u) for u in inside if isinstance(u, Device)]
            if moved is None or any(w is None for w in works):
                continue
            work: poly.Poly = {}
            for w in works:
                work = poly.add(work, w or {})
            if degree(moved) <= degree(work) or (poly.is_const(moved) and
                                                 not poly.is_const(work)):
                continue  # a number against sizes the planner does not know: no ranking
            gone = {u.node.id for u in inside}
            rest = [d for d in devices if d.node.id not in gone]
            got, _ = _choose(lines, body, rest, calls, scope, req)
            c = _function_cost(got, fn, req)
            if c < base and (got is None or not got.devices or _no_array_more(now, got, fn)):
                now, devices, base, dropped = got, rest, c, True
                out += [u for u in inside if isinstance(u, Device)]
                break
        if not dropped:
            break
    return now, devices, out


#: Passes over a region's single passes (:func:`_host_single_passes`): each tries every one
#: once, in source order; a pass that leaves one on the host makes the others worth trying
#: again.  The bound keeps planning linear in the loops of a function.
_PASSES = 3


def _no_array_more(before: Region, after: Region, fn: Node) -> bool:
    """Does no array of ``after`` cost more transfers than in ``before``
    (:func:`.region.array_costs`)?  Leaving a single pass on the host must only take
    transfers away: one that moves another array instead (the host now reads what the
    device wrote) trades one estimate for another of the same kind."""
    was = array_costs(before, fn, rows=True)
    return all(c <= was.get(name, 0) for name, c in array_costs(after, fn, rows=True).items())


def _crosses(region: Region, d: Device) -> bool:
    """Must the elements the single pass ``d`` uses cross the bus on every run of the region,
    whoever calls the function: does ``d`` use memory the function owns -- a true array
    declared in its body (its lifetime ends with the call or with the block it is declared
    in, C11 6.2.4p6) or an object it allocates (new at each call, C11 7.22.3) -- of no
    constant length, that the region moves in for ``d`` to read: copied in at the entry (no
    earlier unit of the region writing it: the host wrote it in this call) or pushed by an
    ``update device``.  The host's and the device's copies are separate (OpenACC 3.3, 2.6),
    an element one side writes reaches the other only by a transfer (2.6.4, 2.14.4), and no
    caller's region can map that memory to spare it.  Each run then moves about every element
    ``d`` touches of it for O(1) work on each (:mod:`.single_pass`), where the host would touch
    each once: "what earns the transfers is outside the function" (:func:`_host_single_passes`)
    does not hold.  When the region is inside a loop of the function (:func:`_in_host_loop`),
    each iteration moves that memory again, so an array of constant length counts too, and so
    does memory the region moves out after ``d`` writes it (copied out at the exit with no
    later unit writing it, or pulled by an ``update self``: the host reads it in that
    iteration) -- a record reader's block-scope buffer, refilled by the host for each record.
    (An array of the caller's is left out, and outside a loop the memory moved out: their
    transfers are weighed by the cost test as before.)"""
    again = _in_host_loop(region)
    uses = {name: info.uses[d.node.id] for name, info in region.arrays.items()
            if d.node.id in info.uses and _owned(info) and
            (again or not constant_count(info.section))}
    for name, mine in uses.items():
        life = region.flow.lifetimes.get(name)
        clause = region.flow.clauses.get(name, "copy")
        moves_in = life.enter == "copyin" if life is not None else clause in ("copyin", "copy")
        if moves_in and any(u.read for u in mine) and not _written_by_other(region, name, d,
                                                                            before=True):
            return True
        moves_out = life.exit == "copyout" if life is not None else \
            clause in ("copyout", "copy")
        if again and moves_out and any(u.write for u in mine) and \
                not _written_by_other(region, name, d, before=False):
            return True
    for up in region.flow.updates:
        moved = uses.get(up.array)
        if moved is None or not again and constant_count(up.section):
            continue
        if up.direction != "self" and any(u.read for u in moved) or \
                again and up.direction == "self" and any(u.write for u in moved):
            return True
    return False


def _in_host_loop(region: Region) -> bool:
    """Is the region inside a loop of its function (``for``, ``while``, ``do``): does each
    call run it, and move its data, again on every iteration?"""
    up = region.stmts[0].parent if region.stmts else None
    while up is not None and up.type != "function_definition":
        if up.type in ("for_statement", "while_statement", "do_statement", "for_range_loop"):
            return True
        up = up.parent
    return False


def _written_by_other(region: Region, name: str, d: Device, before: bool) -> bool:
    """Does another unit of the region, earlier (``before``) or later in the text, write the
    array ``d`` uses?  Earlier: what ``d`` reads may be the device's own values, and the copy in
    at the entry is for other elements (a section wider than the writes).  Later: the copy out
    at the exit may carry that unit's values instead of ``d``'s."""
    at = {u.node.id: u.node.start_byte for u in region.devices}
    mine = d.node.start_byte
    return any(nid != d.node.id and nid in at and (at[nid] < mine if before else at[nid] > mine)
               and any(u.write for u in us) for nid, us in region.arrays[name].uses.items())


def _owned(info: ArrayInfo) -> bool:
    """Is the array memory the function owns: an object it allocates, or a true array
    declared in its body?"""
    return info.alloc is not None or info.shape.local and info.shape.whole


def _heavy(u: Unit, region: Region, single: dict[int, bool]) -> bool:
    """Is the unit more than one pass over its data: a hoisted call (its callee offloads its
    own work), a loop the region repeats, or a loop that is no single pass (``single``: the
    loops' :func:`.single_pass.single_pass`)?"""
    return not isinstance(u, Device) or bool(region.lay.device_loops.get(u.node.id)) or \
        not single.get(u.node.id, False)


def _may_save(region: Region, d: Device) -> bool:
    """Can leaving ``d`` on the host take a transfer away: does it use an array no other unit
    of the region uses (the region no longer maps it), write one no other unit writes
    (nothing of it comes back), write the array an ``update self`` pulls with no other unit
    writing it before, or read the array an ``update device`` pushes with no other unit
    reading it after?  Otherwise every array it uses stays mapped and updated as it was, for
    the other units, and its accesses on the host can only add updates: not worth planning
    the region again to find out."""
    at = {u.node.id: u.node.start_byte for u in region.devices}
    for info in region.arrays.values():
        mine = info.uses.get(d.node.id)
        if not mine:
            continue
        others = [u for nid, us in info.uses.items() if nid != d.node.id for u in us]
        if not others or (any(u.write for u in mine) and not any(u.write for u in others)):
            return True
    for up in region.flow.updates:
        moved = region.arrays.get(up.array)
        if moved is None or d.node.id not in moved.uses:
            continue
        where = up.leaf.node.start_byte
        pull = up.direction == "self"
        if pull and not any(u.write for u in moved.uses[d.node.id]):
            continue
        if not pull and not any(u.read for u in moved.uses[d.node.id]):
            continue
        if not any(nid != d.node.id and nid in at and (at[nid] < where if pull else
                                                       at[nid] > where) and
                   any(u.write if pull else u.read for u in us)
                   for nid, us in moved.uses.items()):
            return True
    return False


def _feeds(region: Region, d: Device) -> bool:
    """Does another unit of the region read an array ``d`` writes, which the host never
    pulls in the region?  Then the array is made on the device and never copied in
    (:mod:`.flow`); on the host, ``d`` would have it copied.  An array the region pulls
    (``update self``: host code reads what the device wrote) goes to the host and back
    anyway: made on the host, it is copied in once instead."""
    written = {u.name for us in (info.uses.get(d.node.id, []) for info in region.arrays.values())
               for u in us if u.write}
    pulled = {u.array for u in region.flow.updates if u.direction == "self"}
    return any(_read_elsewhere(region, n, d.node.id) for n in written - pulled)


def _choose(lines: LineIndex, body: Node, devices: list[Device], calls: list[CallDevice],
            scope: Scope, req: _Req) -> tuple[Region | None, list[str]]:
    """The best region over the loops and the hoisted calls (without the calls when they
    alone gain nothing)."""
    if not devices and not calls:
        return None, []
    units: list[Unit] = sorted([*devices, *calls], key=lambda u: u.node.start_byte)
    region, problems = choose_region(lines, body, units, scope, req.within)
    if calls and region is not None and region.devices and not _gains(region):
        region, more = choose_region(lines, body, list(devices), scope, req.within) \
            if devices else (None, [])
        problems += more
    return region, problems


def _gains(region: Region) -> bool:
    """Does a region with hoisted calls save anything: a loop of the function in it, several
    units, or a host loop that repeats one?"""
    return any(isinstance(d, Device) for d in region.devices) or len(region.devices) > 1 or \
        any(region.lay.device_loops.get(d.node.id) for d in region.devices)


def _describe(plan: FunctionPlan, region: Region) -> None:
    for d, why in region.dropped:
        if isinstance(d, CallDevice):
            plan.notes.append(f"not hoisted: the call at line {d.line}: {why}")
            continue
        plan.host_loops.append({"line": d.loop.line, "why": why})
        plan.notes.append(f"line {d.loop.line} stays on the host: {why}")
    plan.host_loops.sort(key=lambda h: h["line"])
    if not region.devices:
        return
    for d in region.devices:
        if isinstance(d, CallDevice):
            plan.calls.append({"line": d.line, "functions": list(d.callees)})
            continue
        plan.loops.append({"line": d.loop.line, "end_line": d.loop.end_line_1,
                           "engine_pragma": d.pragma.render(), "pragma": None})
    for name, info in region.arrays.items():
        if region.swapped(name):
            continue
        life = region.flow.lifetimes.get(name)
        how = ("region" if life is None else
               f"enter data {life.enter} / exit data {life.exit}")
        plan.arrays.append({"name": name, "section": info.section,
                            "clause": region.flow.clauses.get(name), "how": how,
                            "from": "allocation" if info.alloc else
                            "object every call passes" if info.whole_object else
                            "loop bounds"})
    for g in region.swaps:
        members = ", ".join(f"`{m}`" for m in sorted(g.members))
        for name, section in g.buffers.items():
            life = region.flow.lifetimes.get(name)
            how = ("region" if life is None else
                   f"enter data {life.enter} / exit data {life.exit}")
            plan.arrays.append({"name": name, "section": section,
                                "clause": region.flow.clauses.get(name), "how": how,
                                "from": f"loop bounds; the pointers {members} swap between "
                                        "these buffers"})
    n_upd = len(region.flow.updates)
    n_calls = sum(isinstance(d, CallDevice) for d in region.devices)
    plan.regions.append({"start_line": region.stmts[0].start_point[0] + 1,
                         "end_line": region.stmts[-1].end_point[0] + 1,
                         "loops": len(region.devices) - n_calls, "calls": n_calls,
                         "repeated": any(region.lay.device_loops.get(d.node.id)
                                         for d in region.devices)})
    plan.notes.append(
        f"{len(region.devices) - n_calls} loop(s) offloaded"
        + (f" and {n_calls} call(s) to offloaded functions" if n_calls else "")
        + " in one region (lines "
        f"{region.stmts[0].start_point[0] + 1}-{region.stmts[-1].end_point[0] + 1}), "
        f"{len(region.arrays)} array(s) moved once, {n_upd} update(s) for the host code "
        "between them")


def _function_at(functions: list[Node], row: int) -> Node | None:
    return next((f for f in functions if f.start_point[0] == row), None)


def plan_source(source: bytes, advise: Advisor, *, lang: str = "c",
                function: str | None = None, rows: tuple[int, int] | None = None,
                replace: bool = False, per_loop: bool = False,
                program: list[bytes] | None = None,
                offloading: Collection[str] = (),
                foreign: Mapping[str, Summary] | None = None,
                program_headers: Sequence[Sequence[bytes]] | None = None,
                own_headers: Sequence[bytes] = ()
                ) -> list[FunctionPlan]:
    """Plans for the functions of ``source``: the one named ``function``; the one holding the
    0-based ``rows`` (one row: the whole function; several: a selection, only the loops in it
    and a region inside it); or every function that has loops.  ``per_loop``: no region,
    each loop with its own data clauses (the baseline the region is measured against).
    ``program``: the other translation units of the program, when the caller knows them all
    (then the calls of functions with external linkage are all seen: :mod:`.live`).
    ``offloading``: functions of those units whose own plans offload (the caller plans them
    too); with the units' functions that already have OpenACC directives, a call of one of
    them is no host code: a region around it would make its "present or copy" clauses find
    the region's arrays and its loops work on the device copy while the plan updates the
    host's (:func:`.callsites.call_units`: no region around such a call maps what it
    passes).

    Functions are planned callees first: a caller's region may hold calls to functions of the
    file whose plans offload loops (:mod:`.calls`).  The plans of those callees come with the
    caller's (the caller's region relies on their pragmas).

    ``foreign``: summaries of functions of those units (:func:`.program.exports` of their
    plans) that the file does not define: a region of the file may hold their calls as it
    holds those of its own functions (their "present or copy" clauses find what it maps,
    OpenACC 3.3, 2.7.1).

    ``program_headers``: the texts of the headers each of those units includes (in the
    order of ``program``), where they were read: their file-scope declarations are the
    unit's (C11 6.10.2p3), so a function there that names a global a header declares reaches
    that object, not any object (:func:`.global_uses.program_touches`).

    ``own_headers``: the texts of the headers the file includes (read outside conditional
    groups): a function defined there is part of the file's translation unit (C11 6.10.2p3:
    the header's text replaces the ``#include``), its body is known, and what it reaches is
    read as a function of another unit's is — what it names of its own header, or anything
    (:func:`.global_uses.program_touches`).  It cannot name an object the file declares
    after the ``#include`` (6.2.1p7), and one declared before is not the header's: unknown."""
    tree = parse_tree(source, lang)
    fns = functions_in(tree.root_node)
    others = [parse_tree(o, lang).root_node for o in program or []]
    headers = [[parse_tree(h, lang).root_node for h in hs] for hs in program_headers] \
        if program_headers is not None else None
    known = others if program is not None else None
    own_roots = [parse_tree(h, lang).root_node for h in own_headers]
    graph = graph_of(tree.root_node, others)  # the seen calls, for the parameter pairs
    fresh = fresh_functions(tree.root_node, others)
    req = _Req(lang, advise, None, replace, per_loop,
               dead=dead_parameters(tree.root_node, known),
               aliased=aliased_parameters(tree.root_node, others, graph),
               objects=object_extents(tree.root_node, known, fresh), program=program,
               fresh=fresh,
               exit=exit_dead(tree.root_node, known), uncalled=_uncalled(tree.root_node, known),
               devices=device_origins(tree.root_node, known),
               elsewhere=_touches(others if program is not None else [], headers, own_roots))
    req.parsed = _Parsed(source, LineIndex(source), tree, list(fns))
    req.same = same_pointer_parameters(tree.root_node, req.aliased, others, graph)
    req.points = points_to(
        [[tree.root_node, *own_roots],
         *([o, *(headers[k] if headers is not None and k < len(headers) else [])]
           for k, o in enumerate(others))], program is not None, req.fresh.alloc)
    req.swappers = swapper_functions([tree.root_node, *own_roots, *others])
    req.calls.offloads |= set(offloading) | _acc_functions(program or [], others)
    own = {function_name(f)[0] for f in fns}
    seeded = {n: s for n, s in (foreign or {}).items() if n not in own}
    req.summaries.update(seeded)
    req.calls.offloads |= set(seeded)
    req.foreign = frozenset(seeded)
    for n, s in seeded.items():  # what its loops reach by name, and its host code
        req.elsewhere[n] = Touch(frozenset(s.file_arrays) | s.host_globals,
                                 frozenset(g for g, w in s.file_arrays.items() if w) |
                                 s.host_globals)
    with program_pairs(req.aliased if others else {}, req.same):
        return _plans_of(source, tree.root_node, list(fns), req, function, rows, per_loop)


def _plans_of(source: bytes, root: Node, fns: list[Node], req: _Req, function: str | None,
              rows: tuple[int, int] | None, per_loop: bool) -> list[FunctionPlan]:
    """:func:`plan_source`'s plans of the functions ``fns`` of the file it prepared ``req``
    for (the one named ``function``; the one holding ``rows``; or every one with loops)."""
    if function is not None:
        fns = [f for f in fns if function_name(f)[0] == function]
        if not fns:
            raise PlanInputError(f"no function named `{function}` is defined in the source")
    elif rows is not None:
        fns = [f for f in fns if f.start_point[0] <= rows[0] <= f.end_point[0]]
        if not fns:
            raise PlanInputError(f"line {rows[0] + 1} is not inside a function definition")
        fn = fns[-1]
        if rows[1] > rows[0]:  # a selection of several lines: its loops, a region inside it
            req.within = (max(rows[0], fn.start_point[0]), min(rows[1], fn.end_point[0]))
        fns = [fn]
    else:
        with_loops = [f for f in fns if _has_loops(f)]
        if per_loop:
            return _per_loop_plans(source, root, with_loops, req)
        plans = _plan_with_callees(source, root, fns, req)
        ids = {f.start_point[0] + 1 for f in with_loops}
        return [p for p in plans if p.line in ids or p.calls]
    if per_loop:
        return [_plan_one(source, f.start_point[0], req)[0] for f in fns]
    return _plan_with_callees(source, root, fns, req)


def _uncalled(root: Node, others: list[Node] | None) -> frozenset[str]:
    """``main`` when the program's translation units are all given (``others``) and no code
    of them names ``main`` but its one definition: the host environment calls it at program
    startup (C11 5.1.2.2.1) and nothing else does — no call, no pointer to it taken — so no
    region of the program encloses its body and nothing of a caller can earn its transfers."""
    if others is None:
        return frozenset()
    names = [n for r in [root, *others]
             for n in nodes_of(r, ("identifier",), lambda n: text(n) == "main")]
    defs = [f for r in [root, *others] for f in functions_in(r) if function_name(f)[0] == "main"]
    return frozenset({"main"}) if len(names) == 1 and len(defs) == 1 else frozenset()


def _callees_first(by_name: dict[str, Node], graph: dict[str, list[str]],
                   names: list[str]) -> list[str]:
    """``names`` and the functions they call (transitively), each after its callees."""
    order: list[str] = []

    def visit(name: str, stack: set[str]) -> None:
        if name in order or name in stack:
            return
        stack.add(name)
        for c in graph.get(name, []):
            visit(c, stack)
        stack.discard(name)
        order.append(name)

    for name in names:
        if name in by_name:
            visit(name, set())
    return order


def _functions_by_name(root: Node) -> dict[str, Node]:
    """The file's function definitions by name (the first of a name defined twice)."""
    by_name: dict[str, Node] = {}
    for f in functions_in(root):
        name = function_name(f)[0]
        if name and name not in by_name:
            by_name[name] = f
    return by_name


def _per_loop_plans(source: bytes, root: Node, fns: list[Node], req: _Req
                    ) -> list[FunctionPlan]:
    """The per-loop plans of ``fns``, each function's callees planned first: a loop that calls
    a function whose plan offloads a loop stays on the host (:func:`_own_compute_why`)."""
    by_name = _functions_by_name(root)
    graph = call_graph(by_name)
    rows = {f.start_point[0] for f in fns}
    plans: dict[int, FunctionPlan] = {}
    for name in _callees_first(by_name, graph, [function_name(f)[0] or "" for f in fns]):
        row = by_name[name].start_point[0]
        if row not in rows or row in plans:
            continue
        plans[row] = _plan_one(source, row, req)[0]
        if plans[row].loops:
            req.computes.add(name)
    return [plans[f.start_point[0]] if f.start_point[0] in plans
            else _plan_one(source, f.start_point[0], req)[0] for f in fns]


@dataclass
class _Fed:
    """A function's plan with its generators (and single passes) kept on the device, offered
    to the one function that calls it (:func:`_plan_fed`), and what callers saw before."""

    plan: FunctionPlan
    summary: Summary
    host: Summary | str | None  # the summary of its plan with those loops on the host
    passes: bool  # the host plan left single passes there (:mod:`.single_pass`)


def _device_generators(source: bytes, fn: Node, host_plan: FunctionPlan,
                       fed: dict[str, _Fed], req: _Req) -> None:
    """The plan of ``fn`` (called from one function, its generators or single passes put
    back on the host) with those loops on the device, offered to its caller
    (:func:`_plan_fed`) when callers can hold it."""
    name = host_plan.function
    host = req.summaries.get(name)
    passes = _passes_homed(host_plan)
    req.keep_generators = True
    alt, summary = _plan_one(source, fn.start_point[0], req)
    req.keep_generators = False
    if isinstance(summary, Summary) and summary.why_not is None:
        alt.summary, alt.offloads = summary, True
        fed[name] = _Fed(alt, summary, host, passes)
        req.summaries[name] = summary


def _plan_fed(source: bytes, fn: Node, name: str, callees: list[str],
              plans: dict[str, FunctionPlan], fed: dict[str, _Fed],
              req: _Req) -> tuple[FunctionPlan, Summary | str | None]:
    """The plan of ``fn``, the one function calling the functions of ``fed`` it calls:
    planned with their device plans' summaries, and again with their host plans'.  Their
    device plans replace their host plans in ``plans`` when that moves less (the plans'
    :attr:`FunctionPlan.cost`, the calls no region holds at their callees' cost) and each
    such function left single passes on the host or its calls are held with device code that
    reads every array they write (:func:`_fed`); else ``fn``'s plan is the one with their
    host plans (their loops stay on the host, :mod:`.generate`, :mod:`.single_pass`)."""
    plan, summary = _plan_one(source, fn.start_point[0], req)
    tried = [g for g in fed if g in callees]
    if not tried:
        return plan, summary
    kept = {g: req.summaries.pop(g) for g in tried if g in req.summaries}
    for g in tried:
        host = fed[g].host
        if host is not None:
            req.summaries[g] = host
    alt, alt_summary = _plan_one(source, fn.start_point[0], req)
    fits = all(g in plan.feeds or fed[g].passes for g in tried)
    if not fits or plan.cost >= alt.cost:
        for g in tried:  # the generators on the host move less (or cannot feed the region)
            passes = fed.pop(g).passes
            if fits and g in plans:
                plans[g].notes.append(
                    f"its loops stay on the host also for its calls, in `{name}`: a data "
                    "region there holding the calls with its single passes on the device "
                    "would move no less than without them" if passes else
                    f"its loops stay on the host also for its one call, in `{name}`: a "
                    "data region there holding the call with its generators on the "
                    "device would move no less than without them")
        return alt, alt_summary
    req.summaries.update(kept)
    for g in tried:
        got = fed.pop(g)
        fed_plan = got.plan
        fed_plan.notes.insert(0, (
            "its loops that make one pass over their data stay on the device: its calls, in "
            f"`{name}`, are in a data region that holds their arrays, so those loops move "
            "nothing") if got.passes else (
            "its loops that only generate data stay on the device: its "
            f"one call, in `{name}`, is in a data region where device "
            "code reads what they write (created there, never copied in)"))
        req.calls.offloads.add(g)
        if fed_plan.loops:
            req.computes.add(g)
        plans[g] = fed_plan
    return plan, summary


def _passes_homed(plan: FunctionPlan) -> bool:
    """Did the plan leave single passes on the host (:mod:`.single_pass`)?"""
    return any(h["why"] == SINGLE_PASS_WHY for h in plan.host_loops)


def _direct_calls(fn: Node, root: Node, program: list[bytes] | None) -> list[Node] | None:
    """The direct calls of ``fn`` in the file, when it is named nowhere else: not in the file
    but as their callee (besides its declarations), and it is ``static`` (no other file can
    name it) or the program's other files are all known (``program``) and none of them holds
    its name — a function with external linkage can only be named by the program's
    translation units (C11 6.2.2p2: each declaration of an identifier with external linkage
    denotes the same function throughout the program), so those calls are its only ones.
    None: it may be called otherwise."""
    from accellium.dataset.analysis.macros import tokens
    from accellium.dataset.offload.callgraph import is_static

    name = function_name(fn)[0]
    if not name:
        return None
    if not is_static(fn) and (program is None or any(
            name in tokens(o.decode("utf-8", "surrogateescape")) for o in program)):
        return None
    named_ = nodes_of(root, ("identifier",), lambda n: text(n) == name)
    if tokens(text(root)).count(name) != len(named_):
        return None  # also named in a macro's body: a call the tree does not show
    uses = [n for n in named_ if not _declared_here(n)]
    if not all(u.parent is not None and is_call(u.parent) and
               _field(u.parent, "function") == u for u in uses):
        return None
    return [u.parent for u in uses if u.parent is not None]


def _called_once(fn: Node, root: Node, program: list[bytes] | None) -> bool:
    """Is ``fn``'s one call in the program a direct call of the file (:func:`_direct_calls`)?"""
    calls = _direct_calls(fn, root, program)
    return calls is not None and len(calls) == 1


def _called_from_one(fn: Node, root: Node, program: list[bytes] | None) -> bool:
    """Are ``fn``'s calls in the program direct calls of the file, all in one function
    (:func:`_direct_calls`)?"""
    calls = _direct_calls(fn, root, program)
    callers = {f.id if f is not None else None for f in map(enclosing_function, calls or [])}
    return len(callers) == 1 and None not in callers


def _declared_here(n: Node) -> bool:
    p = n.parent
    return p is not None and p.type == "function_declarator" and _field(p, "declarator") == n


def _has_loops(fn: Node) -> bool:
    return any(n.type == "for_statement" for n in iter_nodes(fn))


def _plan_with_callees(source: bytes, root: Node, asked: list[Node], req: _Req
                       ) -> list[FunctionPlan]:
    """The plans of ``asked``, each function's callees planned before it; a callee whose plan
    a caller's region relies on comes along (after the asked ones)."""
    by_name = _functions_by_name(root)
    graph = call_graph(by_name)
    loops_of = recursive(graph)
    req.calls.defined = set(by_name) | req.foreign
    asked_names = [function_name(f)[0] for f in asked]
    order = _callees_first(by_name, graph, [n for n in asked_names if n])
    plans: dict[str, FunctionPlan] = {}
    fed: dict[str, _Fed] = {}  # generators a caller may feed
    for name in order:
        fn = by_name[name]
        if name in loops_of:
            req.summaries[name] = "is recursive"
        within, req.within = req.within, (req.within if name == asked_names[-1] else None)
        plan, summary = _plan_fed(source, fn, name, graph[name], plans, fed, req)
        req.within = within
        plans[name] = plan
        if plan.loops:
            req.computes.add(name)
        req.costs[name] = plan.cost
        if summary is not None and name not in loops_of:
            req.summaries[name] = summary
        if plan.loops or plan.calls or isinstance(summary, str) or \
                any(c in req.calls.offloads for c in graph[name]):
            req.calls.offloads.add(name)
        plan.summary, plan.offloads = req.summaries.get(name), name in req.calls.offloads
        if plan.homed and name not in loops_of and (
                summary is None and _called_once(fn, root, req.program) or
                _passes_homed(plan) and _called_from_one(fn, root, req.program)):
            _device_generators(source, fn, plan, fed, req)
    out = [plans[n] if n in plans else _plan_one(source, f.start_point[0], req)[0]
           for n, f in zip(asked_names, asked, strict=True)]
    return _with_relied(out, plans)


def _with_relied(out: list[FunctionPlan], plans: dict[str, FunctionPlan]
                 ) -> list[FunctionPlan]:
    """``out`` and after it the plans of the callees their regions rely on."""
    seen = {id(p) for p in out}
    for p in out[:]:
        for name in _relied_on(p, plans):
            if id(plans[name]) not in seen and plans[name].edits:
                seen.add(id(plans[name]))
                out.append(plans[name])
    return out


def _relied_on(plan: FunctionPlan, plans: dict[str, FunctionPlan]) -> list[str]:
    """The callees a plan's region holds calls to, transitively."""
    out: list[str] = []
    todo = [f for c in plan.calls for f in c["functions"]]
    while todo:
        name = todo.pop(0)
        if name in out or name not in plans:
            continue
        out.append(name)
        todo += [f for c in plans[name].calls for f in c["functions"]]
    return out
