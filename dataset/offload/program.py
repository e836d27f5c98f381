"""Data regions in the program's other files: the callers of a planned file's functions.

A function whose plan offloads loops keeps its own data clauses — ``copy``/``copyin``/
``copyout``/``create`` are "present or ..." (OpenACC 2.7.1): when the data is already on the
device they move nothing, and the function stays correct when called from anywhere.  So a
caller in another translation unit that calls it from a host loop (or calls several such
functions) may hold the data instead: a ``data`` region (or ``enter``/``exit data``) around
the calls, with the sections the callee's plan proves, translated through the call's
arguments; inside it each call finds its arrays present and moves nothing.  The caller's
region is chosen by the same rules as one around calls in the callee's own file
(:mod:`.calls`, :mod:`.callsites`, :mod:`.region`): the host code in it gets ``update self``/
``update device`` where it reads or writes what the calls wrote or read, a call that cannot
join it and passes a mapped array to an offloading function forbids it (its copy clauses
would find the array present and its host code see a stale copy), and nothing is placed
that the callee's summary does not justify.

What another file may call: the planned file's functions with external linkage (a ``static``
function is its file's own), not defined again in the caller's file, whose summary holds
(:class:`~.calls.Summary`), and whose host code touches no global of its file (a global
pointer there may hold the caller's array: a host access through it would not be seen by
the caller's region), except a global its file binds once to the caller's pointer and
length (:mod:`.bind`): then the array it holds is the caller's, and the region maps that."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, text
from accellium.dataset.loops import LineIndex, detect_lang, parse_tree
from accellium.dataset.offload import bind, poly
from accellium.dataset.offload.arrays import Scope
from accellium.dataset.offload.assemble import region_edits
from accellium.dataset.offload.callgraph import is_static as _static
from accellium.dataset.offload.calls import Summary, one_dim, own_names
from accellium.dataset.offload.callsites import Calls, Resolver, call_units
from accellium.dataset.offload.device import CallDevice, MappedArg, Unit
from accellium.dataset.offload.edits import PlanEdit
from accellium.dataset.offload.fresh import FreshNames, fresh_functions
from accellium.dataset.offload.nodes import callee_name
from accellium.dataset.offload.plan import (
    FunctionPlan,
    _acc_rows,
    _describe,
    _scope,
    aliased_device_calls,
    aliased_host_calls,
    functions_in,
    global_calls,
)
from accellium.dataset.offload.points_to import PointsTo, points_to
from accellium.dataset.offload.region import Region, choose_region
from accellium.dataset.offload.section_macros import foreign_names

__all__ = ["Exports", "exports", "plan_callers", "HEADER_SUFFIXES", "SOURCE_SUFFIXES",
           "header_files", "code_files", "c_callable", "uncalling_units"]

#: File names of headers: parts of a program that are not translation units.
HEADER_SUFFIXES = (".h", ".hh", ".hpp", ".hxx", ".inc")

#: File names of C and C++ source files (gcc's and clang's suffixes for them).
SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".c++")

#: a quoted ``#include`` line's file name
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"', re.MULTILINE)


#: ``extern "C"``: a linkage specification (C++ [dcl.link])
_EXTERN_C = re.compile(rb'\bextern\s*"C"')


def c_callable(texts: Iterable[bytes]) -> bool:
    """Whether a C translation unit may call a function of a C++ file whose text and whose
    headers' texts are ``texts``: only where one of them declares something ``extern "C"``.
    A function with C++ language linkage has a name no C code can call (C++ [dcl.link]), so a
    C++ file that gives none C linkage is called only from the program's C++ units, and a C
    unit's call of a name it defines is a call of another function."""
    return any(_EXTERN_C.search(t) for t in texts)


def uncalling_units(others: Mapping[str, bytes], source: bytes, lang: str,
                    own_headers: Iterable[bytes] = ()) -> dict[str, str]:
    """The program's other files (path -> text) that play no part in planning ``source``, a
    ``lang`` file (path -> why): its C translation units when it is C++ and gives nothing C
    linkage — neither it, nor the headers it includes (``own_headers``), nor the program's
    headers declare anything ``extern "C"`` (:func:`c_callable`): such a unit calls none of
    its functions, so it holds no caller to plan."""
    if lang != "cpp":
        return {}
    headers = header_files(others)
    if c_callable([source, *own_headers, *(t for r, t in others.items() if r in headers)]):
        return {}
    return {r: "a C unit, and this C++ file gives no function C linkage (no extern \"C\"): "
               "it calls none of them; not read"
            for r, t in others.items() if r not in headers and detect_lang(r, t) == "c"}


def header_files(files: Mapping[str, bytes]) -> set[str]:
    """The paths of a program's files (path -> text) that are no translation units of their
    own: a header's name (:data:`HEADER_SUFFIXES`), or a file a quoted ``#include`` of another
    of them names (by its last path component), whatever its suffix (``glob.incl``) — the
    directive puts the file's text in the including unit (C11 6.10.2p3), where its
    declarations are that unit's."""
    named = {m.group(1).rsplit(b"/", 1)[-1] for r, t in files.items() for m in _INCLUDE.finditer(t)}
    return {r for r in files if r.lower().endswith(HEADER_SUFFIXES) or
            r.rsplit("/", 1)[-1].encode("utf-8", "surrogateescape") in named}


def code_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files of a program that hold its code: its sources and headers by name, and any file
    a quoted ``#include`` names (:func:`header_files`).  The others are its data — an input
    file read at run time (``temp_64``, ``graph.txt``) is no translation unit: the compiler
    never reads it, so it neither defines nor calls a function."""
    headers = header_files(files)
    return {r: t for r, t in files.items() if r in headers or r.lower().endswith(SOURCE_SUFFIXES)}


@dataclass
class Exports:
    """What a planned file offers the program's other files: its functions with external
    linkage -> their summary (or why none), and those whose plans offload (a call that cannot
    be hoisted over one of them forbids a region around it that maps what it passes)."""

    summaries: dict[str, Summary | str] = field(default_factory=dict)
    offloads: set[str] = field(default_factory=set)
    defined: set[str] = field(default_factory=set)
    # globals the files bind (:mod:`.bind`): binder -> {global: parameter index}; and the
    # bound globals each function names, directly or through its file's functions
    binders: dict[str, dict[str, int]] = field(default_factory=dict)
    touches: dict[str, set[str]] = field(default_factory=dict)

    def merge(self, other: Exports) -> None:
        """Another planned file of the program; a name both define is nobody's (the link
        would fail, or one of them is not what the caller calls)."""
        twice = self.defined & other.defined
        self.defined |= other.defined
        self.summaries.update(other.summaries)
        self.offloads |= other.offloads
        self.binders.update(other.binders)
        self.touches.update(other.touches)
        for n in twice:
            self.summaries[n] = "is defined in more than one file"
            self.offloads.add(n)
            self.binders.pop(n, None)
            self.touches[n] = {bind.ANY}


def exports(source: bytes, plans: list[FunctionPlan], lang: str = "c") -> Exports:
    """The exports of a file from its plans (:func:`~.plan.plan_source` of the whole file)."""
    root = parse_tree(source, lang).root_node
    fns = functions_in(root)
    external = {function_name(f)[0] for f in fns if not _static(f)}
    out = Exports(defined={n for n in external if n})
    glob = bind.statics(root)
    out.binders = {b: g for b, g in bind.binders(root, glob).items() if b in out.defined}
    bound = {g for got in out.binders.values() for g in got}
    if bound:
        every = bind.touches(root, bound, {function_name(f)[0] or "" for f in fns})
        out.touches = {n: t for n, t in every.items() if n in out.defined and t}
    for p in plans:
        if p.function not in out.defined:
            continue
        if p.offloads:
            out.offloads.add(p.function)
        s = p.summary
        if isinstance(s, Summary) and s.why_not is None and (s.host_globals or s.file_arrays
                                                             or s.file_pointers):
            # a global of its file may hold a caller's array, and a caller in another file
            # names another object, or none (C11 6.2.2) — unless it is a true array of
            # external linkage: the same object wherever the caller's own declaration has
            # external linkage too (6.2.2p2; checked at each call, :mod:`.callsites`)
            host = sorted(s.host_globals - s.file_external)
            local = sorted([*s.file_pointers, *(set(s.file_arrays) - s.file_external)])
            s = (f"its host code uses the global `{host[0]}`, which may hold a caller's "
                 "array") if host else \
                (f"its loops use the global `{local[0]}` of its file, which a caller in "
                 "another file does not map by that name") if local else \
                replace(s, extern=bool(s.file_arrays or s.host_globals))
        if isinstance(s, Summary) and not s.bound <= bound:
            s = f"it reaches `{sorted(s.bound - bound)[0]}`, a global its file does not bind once"
        elif isinstance(s, Summary) and s.why_not is None and foreign_names(s, own_names(s)):
            # a name means in the caller's unit what that unit declares (C11 6.2.1, 6.10.3)
            s = (f"its sections name `{foreign_names(s, own_names(s))[0]}`, which a caller in "
                 "another file may not see with the same meaning")
        if s is not None:
            out.summaries[p.function] = s
    return out


def _calls_any(fn: Node, names: set[str]) -> bool:
    for n in iter_nodes(fn):
        if is_call(n):
            callee = callee_name(n)
            if callee is not None and callee in names:
                return True
    return False


def plan_callers(source: bytes, ex: Exports, lang: str = "c",
                 elsewhere: list[bytes] | None = None) -> list[FunctionPlan]:
    """The plans of the functions of ``source`` (another file of the program) that call
    functions ``ex`` exports: a data region around the calls when one saves transfers (a
    host loop repeats a call, or several calls share arrays).  The file's own loops are not
    offloaded here (plan the file itself for that).  ``elsewhere``: the program's other
    files (the planned ones included): a global is known to be bound only by a binder the
    whole program calls once."""
    shared = _shared(source, elsewhere, lang)
    if shared is not None:
        root, other_roots, fresh, points = shared
    else:
        root = parse_tree(source, lang).root_node
        other_roots = [parse_tree(o, lang).root_node for o in elsewhere or []]
        fresh = fresh_functions(root, other_roots)
        points = points_to([[root], *([o] for o in other_roots)], elsewhere is not None,
                           fresh.alloc)
    lines = LineIndex(source)
    fns = functions_in(root)
    own = {function_name(f)[0] for f in fns}
    summaries = {n: s for n, s in ex.summaries.items() if n not in own}
    calls = Calls(defined={n for n in own if n} | (ex.defined - own),
                  offloads={n for n in ex.offloads if n not in own})
    binders = {b: g for b, g in ex.binders.items() if b not in own}
    uses = bind.name_uses([root, *other_roots], set(binders)) \
        if binders and elsewhere is not None else {}
    out: list[FunctionPlan] = []
    for fn in fns:
        if not _calls_any(fn, set(summaries)):
            continue
        plan = _caller_plan(fn, root, lines, summaries, calls,
                            _Globals(binders, uses, ex.touches), fresh, points)
        if plan is not None:
            out.append(plan)
    return out


@dataclass
class _ProgramFacts:
    """The program's files as :func:`plan_callers` reads them for any one of them: each
    file's tree, what its calls reach of allocator wrappers (:mod:`.fresh`) and what the
    program's pointers may point to (:mod:`.points_to`) — facts of the whole program,
    whichever file is planned, derived once for the calls of one program."""

    lang: str
    texts: tuple[bytes, ...]
    roots: list[Node]
    fresh: list[FreshNames]
    points: PointsTo


#: the last program :func:`plan_callers` read (:func:`_shared`)
_LAST: list[_ProgramFacts] = []


def _shared(source: bytes, elsewhere: list[bytes] | None, lang: str
            ) -> tuple[Node, list[Node], FreshNames, PointsTo] | None:
    """The tree of ``source``, those of the other files, its wrappers and the points-to facts
    of the whole known program (``source`` and ``elsewhere``), from the last program read
    when it holds the same files (the same texts, in any order): a program's callers are
    planned file by file over the same files.  None when the program is not known whole, or
    header macros or declarations are in force (what the trees say then depends on them)."""
    from accellium.dataset.analysis.macros import header_macros_active
    from accellium.dataset.offload.fresh import fresh_per_file
    from accellium.dataset.offload.shapes import header_context

    if elsewhere is None or header_macros_active() or header_context():
        return None
    texts = tuple(sorted([source, *elsewhere]))
    got = next((p for p in _LAST if p.lang == lang and p.texts == texts), None)
    if got is None:
        roots = [parse_tree(t, lang).root_node for t in texts]
        fresh, wrappers = fresh_per_file(roots)
        got = _ProgramFacts(lang, texts, roots, fresh,
                            points_to([[r] for r in roots], True, wrappers))
        _LAST[:] = [got]
    k = texts.index(source)
    return got.roots[k], got.roots[:k] + got.roots[k + 1:], got.fresh[k], got.points


@dataclass
class _Globals:
    binders: dict[str, dict[str, int]]
    uses: dict[str, int]
    touches: dict[str, set[str]]


def _caller_plan(fn: Node, root: Node, lines: LineIndex, summaries: dict[str, Summary | str],
                 calls: Calls, glob: _Globals, fresh: FreshNames, points: PointsTo
                 ) -> FunctionPlan | None:
    name = function_name(fn)[0] or "<anonymous>"
    plan = FunctionPlan(name, fn.start_point[0] + 1, fn.end_point[0] + 1)
    if _acc_rows(lines, fn.start_point[0], fn.end_point[0]):
        plan.notes.append(f"`{name}` already has OpenACC directives: its calls are left as "
                          "they are")
        return plan
    scope = _scope(fn, root, {}, {}, fresh)
    bindings, binder_calls = bind.bindings_in(fn, glob.binders, glob.uses)
    resolve = _resolver(bindings, scope)
    if any(isinstance(s, Summary) and s.extern for s in summaries.values()):
        # a callee of another file reaches arrays of external linkage the caller's file may
        # declare too: its other calls may reach them as well (:mod:`.global_uses`)
        global_calls(fn, root, scope, calls.offloads, summaries, None)
    # a call reaching a passed array through another pointer (:mod:`.points_to`)
    aliased_host_calls(fn, scope, calls.offloads, points)
    units, notes = call_units(fn, scope, summaries, [], calls, lambda n: True, resolve)
    aliased_device_calls(fn, scope, calls.offloads, points, units)
    plan.notes += notes
    _global_barriers(fn, scope, units, bindings, binder_calls, glob)
    if not units:
        return plan if notes else None
    body = _field(fn, "body") or fn
    region, problems = choose_region(lines, body, list[Unit](units), scope, None)
    if region is None or not region.devices:
        plan.notes += [f"no data region: {p}" for p in problems]
        return plan
    if not _saves(region):
        plan.notes.append(f"no data region: no host loop repeats the calls at line(s) "
                          f"{', '.join(str(u.line) for u in units)} and they share no array "
                          "(their own data clauses move the same data)")
        return plan
    _describe(plan, region)
    edits, bad = region_edits(lines, region)
    plan.notes += bad
    plan.edits = sorted(edits, key=PlanEdit.key)
    return plan


def _saves(region: Region) -> bool:
    """Does the caller's region save transfers: a host loop in it repeats a call, or two of
    its calls reach the same array (else each call's own clauses move the same data)?"""
    if any(region.lay.device_loops.get(d.node.id) for d in region.devices):
        return True
    seen: set[str] = set()
    for d in region.devices:
        names = {a.name for a in d.args} if isinstance(d, CallDevice) else set()
        if names & seen:
            return True
        seen |= names
    return False


def _resolver(bindings: dict[str, bind.Binding], scope: Scope) -> Resolver:
    """The arrays a call reaches through bound globals, in the caller's names."""

    def resolve(call: Node, s: Summary) -> tuple[list[MappedArg], dict[str, Node]] | str:
        line = call.start_point[0] + 1
        known: dict[str, Node] = {}
        for g in sorted(s.bound):
            b = bindings.get(g)
            if b is None or b.call.end_byte > call.start_byte:
                return (f"`{s.function}` (line {line}) reaches `{g}`, a global of its file, "
                        "and no single earlier call in this function binds it")
            known[g] = b.args[g]
        args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
        out: list[MappedArg] = []
        for g, use in s.globals.items():
            ptr = known[g]
            if ptr.type != "identifier" or not one_dim(scope.shape(text(ptr))):
                return f"`{g}` holds `{text(ptr)}`, not an array of the caller (line {line})"
            actuals = {n: args[s.params.index(n)] if n in s.params else known[n]
                       for n in poly.names(use.lo) | poly.names(use.hi)
                       if n in s.params or n in known}
            out.append(MappedArg(text(ptr), call, (use.lo, use.hi), actuals, use.read,
                                 use.write))
        return out, known

    return resolve


def _global_barriers(fn: Node, scope: Scope, units: list[CallDevice],
                     bindings: dict[str, bind.Binding], binder_calls: list[tuple[Node, str]],
                     glob: _Globals) -> None:
    """A call that binds a global, or whose callee touches one and did not join a region as
    a unit, forbids a region around it that maps the array the global holds (every array of
    the function, when it is not known which)."""
    every = frozenset(n for n, shapes in scope.decls.items()
                      if any(s.kind != "other" or s.levels for s in shapes))
    sites = [(c, f"`{b}` at line {c.start_point[0] + 1} binds a global of its file")
             for c, b in binder_calls]
    for n in iter_nodes(_field(fn, "body") or fn):
        if not is_call(n) or any(d.node.start_byte <= n.start_byte < d.node.end_byte
                                              for d in units):
            continue
        name = callee_name(n)
        hit = glob.touches.get(name or "")
        if hit:
            sites.append((n, f"`{name}` at line {n.start_point[0] + 1} stays on the host and "
                             "touches a global of its file"))
    for call, why in sites:
        name = text(_field(call, "function"))
        hit = glob.touches.get(name, set()) | set(glob.binders.get(name, {}))
        arrays = every if bind.ANY in hit or any(g not in bindings for g in hit) else \
            frozenset(text(bindings[g].args[g]) for g in hit)
        scope.barriers.append((call, arrays, f"{why}: no region around it maps the array "
                                             "it holds"))
