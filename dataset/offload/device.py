"""Which loops of a function go to the device: the outermost loops the per-loop engine (with its
safety guard) declares parallel, with their nests; the functions they call that must become
``#pragma acc routine seq``.

The engine is not called from here (``dataset`` does not import the server): the caller passes
an :data:`Advisor`, one function per loop that returns the per-loop pipeline's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.scope import FileIndex
from accellium.dataset.analysis.tree import root_of
from accellium.dataset.labels import openmp_construct_above
from accellium.dataset.loops import LineIndex, Loop, find_loops, insertion_problem
from accellium.dataset.offload import poly
from accellium.dataset.offload.atomics import atomic_updates, with_atomic_lines
from accellium.dataset.offload.routines import callees, routines_needed, undeclared_use
from accellium.dataset.offload.shapes import declarations, shape_of
from accellium.dataset.offload.uses import array_uses, assignments
from accellium.dataset.pragma import Pragma, PragmaError, parse_valid

__all__ = ["LoopAdvice", "Advisor", "Device", "MappedArg", "CallDevice", "Unit", "Choice",
           "choose_loops", "callees"]


@dataclass(frozen=True)
class LoopAdvice:
    """The per-loop pipeline's answer for one loop: its pragma (None: no pragma advised),
    whether the pragma asserts parallelism, the notes."""

    pragma: str | None
    parallel: bool
    notes: tuple[str, ...] = ()


#: (the source the loop is in, the loop) -> the per-loop answer
Advisor = Callable[[bytes, Loop], LoopAdvice]
_COMPUTE = ("parallel loop", "kernels loop", "loop")


@dataclass
class Device:
    """A loop the plan offloads."""

    node: Node
    loop: Loop
    pragma: Pragma  # the engine's, parsed (its data clauses are replaced later)
    notes: tuple[str, ...] = ()
    routines: list[str] = field(default_factory=list)  # program functions it calls
    atomics: tuple[int, ...] = ()  # rows of the statements that get an `atomic update` line

    @property
    def row(self) -> int:
        return self.loop.start_line


@dataclass
class MappedArg:
    """An array a hoisted call reaches on the device, in the caller's terms: the caller's array,
    the node of the argument (or of the call, for a global), the elements the callee reaches
    (``lo``/``hi`` in the callee's names, None: a true array, whole) and the caller's
    expression of each callee name they use."""

    name: str
    node: Node
    span: tuple[poly.Poly, poly.Poly] | None
    actuals: dict[str, Node]
    read: bool
    write: bool
    covers: bool = False  # the callee writes every element before it reads any
    # the callee's footprints (:mod:`.callprints`) in the caller's names: written whole,
    # reading none; only read within
    fills: tuple | None = None
    reads_within: tuple | None = None
    # ``*A`` of a pointer to an array type passed for a parameter declared as rows: the caller
    # maps the one object ``*A`` designates, ``A[0:1]`` with its sizes (:mod:`.objects`)
    object: bool = False
    # a pointer to pointers passed for a parameter of the same type (``T **w``): the elements
    # its deeper levels reach (a row's columns), in the callee's names; ``span`` is the
    # pointer array's (:func:`.callsites.same_pointers`)
    inner: tuple[tuple[poly.Poly, poly.Poly], ...] = ()
    # a true array passed whole (``span`` None): the elements the callee reaches, in its names
    # (with ``actuals`` the caller can tell whether they are every element the array declares)
    reach: tuple[poly.Poly, poly.Poly] | None = None
    # a true array of the callee's file (:mod:`.boxes`): the box the call writes whole, reading
    # none of it; the box holding what it may read from before the call (empty: nothing) —
    # in names the caller spells as they are
    fill_box: tuple | None = None
    read_box: tuple | None = None


@dataclass
class CallDevice:
    """A statement of the caller that calls functions of the file whose plans offload loops
    (the callees keep their own pragmas and data clauses; the caller's region maps what they
    reach)."""

    node: Node  # the statement
    callees: list[str]
    args: list[MappedArg]
    host_globals: frozenset[str] = frozenset()  # globals the callees' host code touches ("*")
    routines: list[str] = field(default_factory=list)  # none: the calls run on the host
    # the elements of the caller's arrays the callees' host code reads (one-element spans,
    # :func:`.calls.host_reads`); the region brings them to the host before the statement
    host_reads: list[MappedArg] = field(default_factory=list)
    # the caller's true arrays the callees' host code alone uses through a parameter, each
    # (name, argument node): for the region's data flow a use of the whole array at the call,
    # read and written, as a host statement's (:mod:`.flow`)
    host_arrays: list[tuple[str, Node]] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.node.start_point[0] + 1


#: What a region holds: an offloaded loop, or a statement calling offloaded functions.
Unit = Device | CallDevice


@dataclass
class Choice:
    devices: list[Device] = field(default_factory=list)
    host: list[tuple[Loop, str]] = field(default_factory=list)  # loops kept on the host, why


def _device_pragma(advice: LoopAdvice) -> Pragma | None:
    if not advice.parallel or advice.pragma is None:
        return None
    try:
        p = parse_valid(advice.pragma)
    except PragmaError:
        return None
    if p.directive not in _COMPUTE:
        return None
    if p.directive == "loop":  # an orphaned loop directive: its own compute construct
        p = Pragma("parallel loop", p.clauses)
    return p


def _with_arrays_mapped(source: bytes, lp: Loop, node: Node, advise: Advisor,
                        advice: LoopAdvice) -> tuple[LoopAdvice, Pragma | None]:
    """The engine's answer for the loop with the arrays it subscripts on the device.  A
    per-loop answer must refuse a loop whose arrays no data directive maps when it cannot
    tell their extent (it would have to copy them itself); inside the plan's region that
    question does not arise: the region maps every array of an offloaded loop with a section
    it can justify, or the loop stays on the host (:mod:`.arrays`).  The engine is asked
    again about the same loop in the same file with a data directive after the last line
    that names those arrays (nothing before the loop moves); its parallelism analysis is
    unchanged."""
    local = set(assignments(node).declared)
    names = sorted({u.name for u in array_uses(node)
                    if u.subs and u.name.isidentifier() and u.name not in local})
    if not names:
        return advice, None
    line = "#pragma acc data present(" + ", ".join(names) + ")\n"
    again = advise(source + b"\n" + line.encode(), lp)
    pragma = _device_pragma(again)
    if pragma is None:
        return advice, None
    note = "asked with " + ", ".join(f"`{n}`" for n in names) + " on the device (the region " \
        "maps them)"
    return LoopAdvice(again.pragma, again.parallel, (*again.notes, note)), pragma


def _with_atomic_updates(source: bytes, lines: LineIndex, lp: Loop, node: Node,
                         advise: Advisor, advice: LoopAdvice, lang: str, loops: list[Loop]
                         ) -> tuple[LoopAdvice, Pragma | None, tuple[int, ...]]:
    """The engine's answer for the loop with an ``atomic update`` line above each update of an
    element at a computed subscript (:mod:`.atomics`), and the rows of those statements; the
    answer unchanged (and no rows) when there are none or the loop is still not parallel.
    The engine is asked again about the same loop in the same file with the lines in place:
    the analysis decides whether they make the loop parallel.  ``loops``: the file's loops
    (those of the nest give its indices)."""
    indices = {x.index_var for x in loops
               if x.index_var and lp.start_byte <= x.start_byte < lp.end_byte}
    stmts = atomic_updates(node, lines, indices)
    if not stmts:
        return advice, None, ()
    work = with_atomic_lines(source, lines, stmts)
    again_loop = next((x for x in find_loops(work, lang) if x.start_byte == lp.start_byte), None)
    if again_loop is None:
        return advice, None, ()
    again = advise(work, again_loop)
    pragma = _device_pragma(again)
    if pragma is None:
        again, pragma = _with_arrays_mapped(work, again_loop, node, advise, again)
    if pragma is None:
        return advice, None, ()
    rows = tuple(sorted({s.start_point[0] for s in stmts}))
    note = "parallel with an `atomic update` on line" + ("s " if len(rows) > 1 else " ") + \
        ", ".join(str(r + 1) for r in rows) + " (concurrent updates of one element: OpenACC " \
        "3.3, 2.12)"
    return LoopAdvice(again.pragma, again.parallel, (*again.notes, note)), pragma, rows


def _private_outliving(pragma: Pragma, node: Node, fn: Node) -> str | None:
    """Why the answer's ``private`` cannot stand in the plan (None: it can): it names an
    array the loop subscripts that is not a true array of the function
    (:attr:`~accellium.dataset.offload.shapes.Shape.privatisable`)."""
    names = {v for c in pragma.clauses if c.name == "private" for v in c.variables()}
    if not names:
        return None
    subscripted = {u.name for u in array_uses(node) if u.subs} & names
    if not subscripted:
        return None
    root = root_of(fn)
    decls = declarations(fn, root)
    for name in sorted(subscripted):
        shape = shape_of(name, decls)
        if shape is None or not shape.privatisable:
            return (f"the engine advises `private({name})`, but `{name}` is not an array of "
                    "this function (a pointer, a parameter or a global): each gang would get "
                    "its own pointer or copy, and the values the loop leaves in it are lost")
    return None


def _in_openmp(lines: LineIndex, node: Node, fn: Node) -> tuple[Node, str] | None:
    """The statement (``node`` or one around it in ``fn``) that an OpenMP construct
    directive applies to, and the directive; None when the loop is in no such block.  The
    block of ``parallel`` runs on every thread of a team and a worksharing construct's
    (``for``, ``sections``) is split among them (OpenMP 5.2, 10.1 and 11): each thread would
    launch the offloaded loop and move its data, concurrently with the others."""
    n: Node | None = node
    while n is not None and n.id != fn.id:
        row, col = n.start_point
        if n.type.endswith("statement") and lines.starts_line(row, col):
            omp = openmp_construct_above(lines, row)
            if omp is not None:
                return n, omp
        n = n.parent
    return None


def choose_loops(source: bytes, lines: LineIndex, fn: Node, loops: list[Loop],
                 nodes: dict[int, Node], advise: Advisor, index: FileIndex,
                 within: Callable[[Loop], bool], lang: str = "c") -> Choice:
    """The loops of ``fn`` to offload (outermost parallel ones, those ``within`` accepts) and
    the loops left on the host with the reason."""
    out = Choice()
    inside_end = -1
    for lp in loops:
        if not (fn.start_byte <= lp.start_byte < fn.end_byte) or lp.start_byte < inside_end:
            continue
        node = nodes.get(lp.start_byte)
        if node is None or node.type != "for_statement" or not within(lp):
            continue
        omp = _in_openmp(lines, node, fn)
        if omp is not None:
            out.host.append((lp, f"it is in the block of `{omp[1]}` (line "
                                 f"{omp[0].start_point[0] + 1}): the program's code for CPU "
                                 "threads, run by each thread of a team, each of which would "
                                 "launch the loop and move its data"))
            inside_end = max(inside_end, lp.end_byte)
            continue
        # before the engine: the guard refuses such a loop too, with a reason of its own words
        need, why_not = routines_needed(node, index)
        if why_not is None:
            why_not = undeclared_use(need, index)
        if why_not is not None:
            out.host.append((lp, why_not))
            continue
        advice = advise(source, lp)
        pragma = _device_pragma(advice)
        atomics: tuple[int, ...] = ()
        if pragma is None:
            first = advice
            advice, pragma = _with_arrays_mapped(source, lp, node, advise, advice)
            if pragma is None:
                advice, pragma, atomics = _with_atomic_updates(source, lines, lp, node, advise,
                                                               first, lang, loops)
        if pragma is None:
            reason = next((n for n in advice.notes if n.startswith("no pragma")), None)
            why = (f"the engine advises `{advice.pragma}`" if advice.pragma
                   else reason or "the engine advises no pragma")
            out.host.append((lp, why))
            continue
        kept = _private_outliving(pragma, node, fn)
        if kept is not None:
            out.host.append((lp, kept))
            continue
        problem = insertion_problem(lines, lp)
        if problem is not None:
            out.host.append((lp, f"not insertable: {problem}"))
            continue
        out.devices.append(Device(node, lp, pragma, advice.notes, need, atomics))
        inside_end = lp.end_byte
    return out
