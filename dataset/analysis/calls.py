"""Calls in the loop: what each one does to memory the iterations share.

A callee is one of: a standard library function (:mod:`.library`); a function defined in the
file (its body summarised, :mod:`.summaries`); a function only declared there (its parameter
types known); or unknown.  A call is a dependence when its effects reach beyond its iteration:

* I/O, hidden state (``rand``), the heap (``malloc``/``free``): every call shares them;
* a write through a pointer argument that is not indexed by the loop's index — the same memory
  in every iteration (``f(p)``, ``f(&a[0])``, a ``FILE*``); ``f(&a[i])`` and ``f(a + i*n)``
  write this iteration's part;
* a write to a global, or through a pointer the callee loads from a global or gets from
  another function (``double *u = lev[l].u; u[i] = v;``: :mod:`.summaries`);
* an unknown function with such a pointer argument, or whose result is not used (it is called
  for its effects, and none of its arguments points into this iteration's data).

``&x`` arguments are not judged here: the walk records them as uses of ``x`` (written, read,
or both, as :meth:`CallModel.address_use` says) and the scalar rules decide.  Every function
but the library's runs on the device only with ``#pragma acc routine`` (OpenACC 3.3, 2.15).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from tree_sitter import Node

from accellium.dataset.analysis.facts import Dependence, DepKind, Exit, ExitKind
from accellium.dataset.analysis.library import (
    Effect,
    LibraryFunction,
    assigns_reference,
    library_function,
)
from accellium.dataset.analysis.scope import Declared, FileIndex
from accellium.dataset.analysis.summaries import (
    ARITHMETIC_WORDS,
    FunctionSummary,
    SharedWrite,
    summary,
)
from accellium.dataset.analysis.tree import IDENT, op, text, unparen
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.walker import CallSite, Use

__all__ = ["CallModel", "CallFindings", "Names", "call_findings", "pointer_value"]


class Kind(Enum):
    LIBRARY = "library"
    DEFINED = "defined"
    DECLARED = "declared"
    UNKNOWN = "unknown"


@dataclass
class Callee:
    kind: Kind
    library: LibraryFunction | None = None
    summary: FunctionSummary | None = None
    params: list[Declared] = field(default_factory=list)

    def only_pointee(self, position: int) -> bool:
        """Is this a function of the file that uses nothing through parameter ``position``
        but the object its argument points to (:meth:`.FunctionSummary.only_pointee`)?"""
        return self.kind is Kind.DEFINED and self.summary is not None and \
            self.summary.only_pointee(position)


class CallModel:
    """What the analysis knows about the functions a loop calls (``index``: the file, when a
    scope gives it)."""

    def __init__(self, index: FileIndex | None, routines: frozenset[str] = frozenset()):
        self.index = index
        self.routines = routines  # device routines the file's headers declare

    def callee(self, name: str) -> Callee:
        lib = library_function(name)
        if lib is not None:
            return Callee(Kind.LIBRARY, library=lib)
        if self.index is None:
            return Callee(Kind.UNKNOWN)
        got = summary(self.index, name)
        if got is not None:
            return Callee(Kind.DEFINED, summary=got, params=got.params)
        proto = self.index.prototypes.get(name)
        if proto is not None:
            return Callee(Kind.DECLARED, params=proto)
        return Callee(Kind.UNKNOWN)

    def address_use(self, function: str, position: int) -> Use:
        """How ``function`` uses the scalar whose address is its argument ``position``."""
        c = self.callee(function)
        if c.kind is Kind.LIBRARY and c.library is not None:
            lib = c.library
            if lib.pure:
                return Use.READ
            if lib.writes(position):
                return Use.WRITE
            return Use.RMW
        if c.kind is Kind.DEFINED and c.summary is not None:
            return c.summary.use_of(position) or Use.READ
        if c.kind is Kind.DECLARED and position < len(c.params) and c.params[position].const:
            return Use.READ
        return Use.RMW

    def element_use(self, function: str, position: int) -> Use | None:
        """How a function of the file uses the element ``a[e]`` of an argument ``&a[e]`` at
        ``position`` where it dereferences that parameter only where it points
        (:meth:`.FunctionSummary.only_pointee`): the call reads or writes that element and no
        other.  None where that is not shown (the callee may reach other elements)."""
        c = self.callee(function)
        return c.summary.use_of(position) if c.only_pointee(position) and c.summary else None

    def reference_use(self, function: str, position: int) -> Use | None:
        """How ``function`` uses the object an lvalue argument ``position`` names, where its
        declaration in the file makes that parameter a reference (C++ [dcl.init.ref]p5: the
        parameter is the argument's object): what its body does with it, else read only for
        a reference to const and read and written otherwise (a library function's from
        :func:`.library.assigns_reference`); None where the parameter is not known to be a
        reference (a callee no declaration of the file shows is taken to take values)."""
        if assigns_reference(function, position):
            return Use.RMW
        c = self.callee(function)
        p = c.params[position] if 0 <= position < len(c.params) else None
        if p is None or not p.references:
            return None
        if c.kind is Kind.DEFINED and c.summary is not None:
            return c.summary.use_of(position) or Use.READ
        return Use.READ if p.const else Use.RMW

    def routine(self, name: str) -> bool:
        return name in self.routines or self.index is not None and name in self.index.routines


@dataclass
class CallFindings:
    dependences: list[Dependence] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)
    needs_routine: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # arrays a call may write through a pointer
    reached: set[str] = field(default_factory=set)  # pointers a call reads or writes through
    # of those, the ones a call may use at elements the loop does not show (:func:`_unseen`)
    unseen: set[str] = field(default_factory=set)


@dataclass
class Names:
    """What tells whether an argument points into the iteration's data."""

    per_iteration: set[str]  # the loop's index and the names computed from it in the loop
    pointers: set[str]  # names known to be pointers or arrays
    tables: set[str] = field(default_factory=set)  # names of pointers to pointers (`double **`)
    streams: set[str] = field(default_factory=set)  # names declared `FILE *`
    # objects declared in the loop's body, no pointer, array or reference (``double3 v;``)
    own_objects: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)  # arrays the loop's body writes


@dataclass
class _Site:
    call: CallSite
    names: Names

    @property
    def per_iteration(self) -> set[str]:
        return self.names.per_iteration

    @property
    def pointers(self) -> set[str]:
        return self.names.pointers


def _is_address(arg: Node) -> bool:
    return arg.type == "pointer_expression" and op(arg) == "&"


def _scalar_address(arg: Node) -> bool:
    inner = unparen(_field(arg, "argument")) if _is_address(arg) else None
    return inner is not None and inner.type == "identifier"


def _pointer_evidence(arg: Node, pointers: set[str]) -> bool:
    """Does the argument look like a pointer without a declared type to say so?"""
    a = unparen(arg)
    if a is None:
        return False
    if _is_address(a):
        return True
    if a.type == "identifier":
        return text(a) in pointers
    if a.type == "binary_expression" and op(a) in ("+", "-"):
        return any(_pointer_evidence(x, pointers) for x in (_field(a, "left"),
                                                            _field(a, "right"))
                   if x is not None and x.type == "identifier")
    return False


def _per_iteration(arg: Node, site: _Site) -> bool:
    return bool(set(IDENT.findall(text(arg))) & site.per_iteration)


def _own_object(arg: Node, site: _Site) -> bool:
    """Is the argument an object the loop's body declares (``v`` of ``double3 v;`` passed to a
    C++ reference parameter)?  A block's automatic object is created anew at each entry to the
    block (C11 6.2.4p6, C++ [basic.stc.auto]), so whatever a callee writes to it through a
    reference is this iteration's object, no memory the iterations share."""
    a = unparen(arg)
    return a is not None and a.type == "identifier" and text(a) in site.names.own_objects


def _points_into_iteration(arg: Node, site: _Site) -> bool:
    """``&a[i]``, ``a + i*n``, ``rows[i]`` (``rows`` a table of pointers), a pointer the
    iteration computes from its index: a pointer to this iteration's data."""
    a = unparen(arg)
    if a is None or not _per_iteration(a, site):
        return False
    if _is_address(a) and not _scalar_address(a):
        return True
    if a.type == "binary_expression" and op(a) in ("+", "-"):
        # `a + i*n`: pointer arithmetic on a name (a value would rarely be passed to a
        # function called for its effects)
        return any(x is not None and x.type == "identifier" and text(x) not in
                   site.per_iteration for x in (_field(a, "left"), _field(a, "right")))
    if a.type == "subscript_expression":
        base = unparen(_field(a, "argument"))
        return base is not None and text(base) in site.names.tables
    return a.type == "identifier" and text(a) in site.pointers


def _arithmetic_reference(p: Declared) -> bool:
    """Is the parameter a reference (and nothing else) to an object of arithmetic type?
    Then what the callee does through it is done to the argument's object alone — unlike a
    structure's, whose pointer members may lead to memory every iteration shares."""
    return bool(p.references) and p.references == p.levels and bool(p.type_name) and \
        set(p.type_name.split()) <= ARITHMETIC_WORDS


def _object_named(arg: Node) -> bool:
    """Does the argument name an object (a variable, an element, a member)?"""
    a = unparen(arg)
    return a is not None and a.type in ("identifier", "subscript_expression",
                                        "field_expression")


def _dep(site: CallSite, why: str) -> Dependence:
    return Dependence(site.name, site.line, f"`{site.name}(...)` (line {site.line}) {why}",
                      DepKind.CALL)


def _library(site: _Site, lib: LibraryFunction) -> list[Dependence]:
    call = site.call
    if lib.effect in (Effect.IO, Effect.STATE, Effect.ALLOC):
        return [_dep(call, f"uses {lib.effect.value}, which every iteration shares: the "
                           "iterations must run in order, on the host")]
    out = []
    for k, arg in enumerate(call.args):
        if lib.writes(k) and not _scalar_address(arg) and not _per_iteration(arg, site):
            out.append(_dep(call, f"writes through `{' '.join(text(arg).split())}`, the same "
                                  "memory in every iteration"))
    return out


def _writes_through(site: _Site, uses: list[Use | None], params: list[Declared],
                    guess: bool) -> list[Dependence]:
    """Writes through pointer arguments that are not indexed by the loop's index (``guess``:
    the body is not visible — a non-const pointer parameter, or an argument that looks like a
    pointer, may be written)."""
    shown: list[str] = []
    hint = False
    for k, arg in enumerate(site.call.args):
        use = uses[k] if k < len(uses) else None
        if k < len(params) and _arithmetic_reference(params[k]) and _object_named(arg):
            continue  # C++: a number bound to a reference: a use of it the walk records
        if guess and k < len(params):
            use = (Use.READ if params[k].const else Use.RMW) if params[k].pointer else None
            hint = hint or params[k].pointer
        elif guess:
            use = Use.RMW if _pointer_evidence(arg, site.pointers) else None
        if use in (Use.WRITE, Use.RMW) and not _scalar_address(arg) \
                and not _per_iteration(arg, site) and not _own_object(arg, site):
            shown.append(f"`{' '.join(text(arg).split())}`")
    if not shown:
        return []
    streams = [a for a in site.call.args if text(unparen(a)) in site.names.streams]
    why = (f"`{text(streams[0])}` is a `FILE *`: the order of the calls is the program's "
           "output" if streams else "the same memory in every iteration")
    return [_dep(site.call, f"may write through {', '.join(shown)}: {why}"
                            + (" (a parameter it only reads can be declared `const`)"
                               if hint and not streams else ""))]


def _for_effects(site: _Site) -> list[Dependence]:
    """A call whose result is unused exists for its effects: unless one of its arguments
    points into this iteration's data, they reach memory every iteration shares."""
    call = site.call
    if not call.discarded:
        return []
    if any(_points_into_iteration(a, site) or _scalar_address(a) for a in call.args):
        return []  # its effects go to this iteration's data, or to `x` in `&x` (a use of x)
    if call.receiver is not None and _per_iteration(call.receiver, site):
        return []  # a method of this iteration's object: `cells[i].update()`
    return [_dep(call, "is called for its effects (its result is not used) and none of its "
                       "arguments points into this iteration's data: they reach memory "
                       "every iteration shares")]


def _defined(site: _Site, s: FunctionSummary) -> tuple[list[Dependence], list[Exit]]:
    call = site.call
    exits = [Exit(ExitKind.EXIT if e is Effect.EXIT else ExitKind.JUMP, call.line, call.name)
             for e in sorted(s.effects, key=lambda e: e.value)
             if e in (Effect.EXIT, Effect.JUMP)]
    deps = [_dep(call, f"uses {e.value} (in its body), which every iteration shares")
            for e in sorted(s.effects, key=lambda e: e.value)
            if e in (Effect.IO, Effect.STATE, Effect.ALLOC)]
    deps += [_dep(call, f"assigns the global `{g}` in every iteration")
             for g in sorted(s.globals_written)]
    deps += [_dep(call, _shared_why(w)) for w in s.shared[:3]]
    deps += _writes_through(site, s.through, s.params, guess=False)
    return deps, exits


def _shared_why(w: SharedWrite) -> str:
    """A callee's write through a pointer loaded from a global or another function's result:
    the object it writes is the one the pointer points to (C11 6.5.3.2p4, 6.5.2.1p2,
    6.5.2.3p4), memory every iteration reaches the same way."""
    return (f"writes through a pointer whose value comes from {w.origin}: `{w.target}` (line "
            f"{w.line}, in `{w.function}`) writes the object it points to, memory every "
            "iteration shares")


def _passed_name(arg: Node, members: bool) -> str | None:
    """The name whose memory an argument points into (``a`` of ``a``, ``&a[i]``, ``a + k``;
    with ``members``, also ``s`` of ``s->x``); None for an element passed by value
    (``a[i]``) or anything else."""
    root = unparen(arg)
    if root is None or root.type == "subscript_expression":
        return None
    through = ("pointer_expression", "subscript_expression", "binary_expression") + \
        (("field_expression",) if members else ())
    while root is not None and root.type in through:
        root = unparen(_field(root, "argument") or _field(root, "left"))
    return text(root) if root is not None and root.type == "identifier" else None


def _written_arrays(site: _Site, c: Callee) -> set[str]:
    """The arrays (``a`` in ``f(a)``, ``f(&a[i])``, ``f(a + k)``) the callee may write
    through: their data must come back from the device."""
    out = set()
    for k, arg in enumerate(site.call.args):
        if c.kind is Kind.LIBRARY and c.library is not None:
            writes = c.library.writes(k)
        elif c.kind is Kind.DEFINED and c.summary is not None:
            writes = c.summary.use_of(k) in (Use.WRITE, Use.RMW)
        else:
            writes = not (k < len(c.params) and (c.params[k].const or not c.params[k].pointer))
        name = _passed_name(arg, members=True) if writes else None
        if name is not None:
            out.add(name)
    return out


def _reached_arrays(site: _Site, c: Callee) -> set[str]:
    """The pointers and arrays (``a`` in ``f(a)``, ``f(&a[i])``, ``f(a + k)``) through which
    the callee may read or write: on the device the memory they point to must be there too.
    A parameter the callee does not use through its pointer (a summary's ``None``), a value
    (``f(a[i])``) and a member (``f(s->x)``: no clause of the loop maps it) are not."""
    return {name for _, name in _reached(site, c)}


def _unseen(site: _Site, c: Callee) -> set[str]:
    """The reached arrays (:func:`_reached_arrays`) the callee may use at elements the loop's
    own accesses do not show: all but ``&a[e]`` given to a function of the file that uses
    nothing through that parameter but what it points to (the walk records ``a[e]``,
    :meth:`CallModel.element_use`).  ``get(b, i)`` returning ``b[k + 1]``, ``f(a + i*m)``
    reading a row: a section from the loop's accesses need not cover them."""
    out = set()
    for k, name in _reached(site, c):
        arg = unparen(site.call.args[k])
        exact = c.only_pointee(k) and arg is not None and _is_address(arg) and \
            (inner := unparen(_field(arg, "argument"))) is not None and \
            inner.type == "subscript_expression"
        if not exact:
            out.add(name)
    return out


def _read_elsewhere(site: _Site, c: Callee, written: set[str], unseen: set[str]
                    ) -> list[Dependence]:
    """A call given a pointer to the start of an array (not to this iteration's part: no
    index in the argument) that the loop writes, and that may read it at elements the loop
    does not show (``unseen``: the call's :func:`_unseen`): it may read what another
    iteration writes (``a[i] = get(a, i)`` with ``get`` returning ``b[k + 1]``)."""
    out = []
    for k, name in _reached(site, c):
        arg = site.call.args[k]
        if name in written and name in unseen and not _per_iteration(arg, site) \
                and not _scalar_address(arg):  # `&x`: a use of x the walk records
            out.append(_dep(site.call, f"reads `{name}` at elements the loop does not show, "
                                       f"and the loop writes `{name}`: a call may read what "
                                       "another iteration writes"))
    return out[:1]


def _reached(site: _Site, c: Callee) -> list[tuple[int, str]]:
    """(argument position, name) of :func:`_reached_arrays`."""
    out = []
    for k, arg in enumerate(site.call.args):
        p = c.params[k] if k < len(c.params) else None
        if c.kind is Kind.LIBRARY and c.library is not None:
            uses = c.library.writes(k)
        elif c.kind is Kind.DEFINED and c.summary is not None:
            uses = p is not None and p.pointer and c.summary.use_of(k) is not None
        else:
            uses = p is None or p.pointer
        name = _passed_name(arg, members=False) if uses else None
        if name is not None and name in site.pointers:
            out.append((k, name))
    return out


def call_findings(sites: list[CallSite], model: CallModel, names: Names) -> CallFindings:
    """What the loop's calls do to the iterations' independence."""
    out = CallFindings()
    unseen: list[set[str]] = []  # each call's :func:`_unseen`
    for call in sites:
        site = _Site(call, names)
        c = model.callee(call.name)
        out.written |= _written_arrays(site, c)
        out.reached |= _reached_arrays(site, c)
        unseen.append(_unseen(site, c))
        out.unseen |= unseen[-1]
        if c.kind is Kind.LIBRARY and c.library is not None:
            out.dependences.extend(_library(site, c.library))
            continue
        if c.kind is Kind.DEFINED and c.summary is not None:
            deps, exits = _defined(site, c.summary)
            out.dependences.extend(deps)
            out.exits.extend(exits)
        else:
            deps = _writes_through(site, [], c.params, guess=True)
            out.dependences.extend(deps or _for_effects(site))
        if not model.routine(call.name) and call.name not in out.needs_routine:
            out.needs_routine.append(call.name)
    written = names.written | out.written
    judged = {d.line for d in out.dependences if d.kind is DepKind.CALL}
    for call, theirs in zip(sites, unseen, strict=True):
        if call.line not in judged:  # a call already carrying a dependence needs no other
            out.dependences.extend(_read_elsewhere(_Site(call, names),
                                                   model.callee(call.name), written, theirs))
    return out


def pointer_value(value: Node, pointers: set[str]) -> bool:
    """Is the value assigned to a name a pointer: an address or pointer arithmetic?"""
    v = unparen(value)
    return v is not None and (_is_address(v) or (v.type == "binary_expression"
                                                 and _pointer_evidence(v, pointers)))
