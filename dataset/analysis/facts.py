"""The facts object: what the analysis sees in one loop nest (:class:`LoopFacts`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from accellium.dataset.analysis.library import host_only
from accellium.dataset.pragma import Clause

__all__ = ["DepKind", "Dependence", "ExitKind", "Exit", "HeldMember", "LoopFacts", "NoteKind",
           "Note", "objects_first"]

# Line numbers (``Dependence.line``, ``Exit.line``, ``Note.line`` and every "(line N)" in a
# message) are counted from ``first_line``, the line number of the analysed code's first line
# (:func:`accellium.dataset.analysis.analyze`): the loop's line in its file when the caller
# knows it (``accellium suggest``, ``suggest --offload``, the LSP), else 1 (an HTTP request's
# code, a dataset record: lines of the code as given).


class NoteKind(StrEnum):
    """What a note is about: code decides on the kind, never on the wording."""

    REDUCTION = "reduction"  # a reduction the analysis found (or a flag made one)
    PRIVATE = "private"  # privatisable scalars or scratch arrays
    DEPENDENCE = "dependence"  # a dependence carried by the loop (a :class:`Dependence`)
    EXIT = "exit"  # an early exit out of the loop's body
    ROUTINE = "routine"  # calls that need `acc routine` on the device
    DATA = "data"  # arrays and data clauses (present, names no clause can carry)
    ATOMIC = "atomic"  # an indirect update under `acc atomic`
    GUARD = "guard"  # the safety guard changed or judged the pragma
    ENGINE = "engine"  # an engine's own explanation (where the form comes from, no answer)


class Note(str):
    """One note: its text (the string itself, what the HTTP API and the CLI print) and what it
    is about: ``kind``, ``variable`` (the variable or function it names, if one) and ``line``
    (see the line convention above; None when it names no line).

    A ``str`` so that every consumer of the notes as text (JSON, the contract's ``notes``
    list of strings) keeps working; code reads the fields."""

    kind: NoteKind
    variable: str | None
    line: int | None

    def __new__(cls, message: str, kind: NoteKind = NoteKind.ENGINE,
                variable: str | None = None, line: int | None = None) -> Note:
        self = super().__new__(cls, message)
        self.kind, self.variable, self.line = kind, variable, line
        return self

    @property
    def message(self) -> str:
        return str.__str__(self)

    @classmethod
    def of(cls, note: str, kind: NoteKind = NoteKind.ENGINE) -> Note:
        """``note`` as a Note (an engine's plain text gets ``kind``)."""
        return note if isinstance(note, Note) else cls(note, kind)

    def __reduce__(self):
        return (Note, (self.message, self.kind, self.variable, self.line))


class DepKind(StrEnum):
    """What makes the iterations depend on each other (or on the code after the loop)."""

    ARRAY = "array"  # elements of an array that another iteration writes
    SCALAR = "scalar"  # a scalar whose value crosses iterations
    INDIRECT = "indirect"  # a write to an element chosen by data (h[idx[i]]++)
    CALL = "call"  # a call whose effects reach beyond its iteration
    LIVE_OUT = "live_out"  # a scalar assigned in the loop and read after it


@dataclass(frozen=True)
class Dependence:
    """A dependence carried by the analysed loop. ``var`` names the variable (or, for
    :attr:`DepKind.CALL`, the function)."""

    var: str
    line: int  # see the line convention above
    message: str
    kind: DepKind = DepKind.ARRAY

    def note(self) -> Note:
        return Note(self.message, NoteKind.DEPENDENCE, self.var, self.line)


class ExitKind(StrEnum):
    """A way out of the loop's body that also leaves a compute construct around the loop."""

    BREAK = "break"  # of the annotated loop
    RETURN = "return"
    GOTO = "goto"  # to a label outside the loop
    ENTRY = "goto into"  # a goto outside the loop to a label inside it (:mod:`.entries`)
    EXIT = "exit"  # exit(), abort(), ...
    JUMP = "longjmp"
    THROW = "throw"


@dataclass(frozen=True)
class Exit:
    kind: ExitKind
    line: int  # see the line convention above
    call: str = ""  # the function, for EXIT and JUMP

    def describe(self) -> str:
        if self.call:
            return f"call to `{self.call}` (line {self.line})"
        if self.kind is ExitKind.ENTRY:
            return f"`goto` into the loop (line {self.line})"
        return f"`{self.kind.value}` (line {self.line})"


@dataclass(frozen=True)
class HeldMember:
    """An array the loop reaches through a member of a struct variable (``s.x[i]``) that may
    be a pointer (:mod:`.held`): no compute construct alone puts it on the device."""

    name: str  # ``s.x``
    obj: str  # ``s``
    section: str  # ``s.x[0:n]``; "" when the loop does not show the extent
    written: bool  # the loop writes through it
    pointer: bool  # the file's definition of the struct declares the member a pointer
    # (False: not known, a loop seen alone or a struct defined elsewhere)


@dataclass
class LoopFacts:
    """What :func:`accellium.dataset.analysis.analyze` sees in one loop nest."""

    parsed: bool = False
    first_line: int = 1  # the line number of the code's first line (the line convention)
    index_vars: list[str] = field(default_factory=list)  # the perfect nest, outermost first
    bounds: list[tuple[str, str]] = field(default_factory=list)  # (lo, hi) exclusive, per index
    steps: list[int] = field(default_factory=list)  # the constant step of each index (1 else)
    perfect_depth: int = 0
    loop_depth: int = 0
    collapse: int = 1  # how many loops of the nest collapse may cover (1 = none)
    carried: list[Dependence] = field(default_factory=list)
    reductions: list[tuple[str, str]] = field(default_factory=list)  # (op, var)
    private: list[str] = field(default_factory=list)
    # arrays every iteration writes before it reads them (also in ``private``): a parallel
    # pragma must name them in ``private`` (the safety guard adds it)
    private_arrays: list[str] = field(default_factory=list)
    locals: list[str] = field(default_factory=list)
    # the loop variables its own headers declare (`for (int i = 0; ...)`): like the locals, no
    # name at the pragma (C11 6.8.5p5: their scope is the loop statement)
    declared_indices: list[str] = field(default_factory=list)
    # C++, with the file: the data members of the loop's member function's class that a base
    # class declares (:func:`.classes.inherited_members`)
    inherited_members: list[str] = field(default_factory=list)
    indirect_writes: list[str] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # functions the loop calls (not pure library)
    # macros the loop uses whose expansion reaches memory the analysis does not follow
    # (:attr:`.walk_records.BodyWalk.hidden_macros`): the data guard gives no compute construct
    hidden_macros: list[str] = field(default_factory=list)
    # functions called in the loop that must be compiled for the device (no `acc routine` seen)
    needs_routine: list[str] = field(default_factory=list)
    live_out: list[str] = field(default_factory=list)  # scalars read after the loop
    scoped: bool = False  # decided with the enclosing function and the file (a LoopScope)
    # with a scope: the names the file's data directives (`data`, `enter data`, `declare`)
    # mention anywhere; an array the loop uses that none mentions is on the device only if
    # the loop's own compute construct puts it there
    mapped_in_file: list[str] = field(default_factory=list)
    # with the file: pointers the loop dereferences without a subscript (``l->head``, ``*p``)
    # that it neither declares nor assigns (the guard's data rules: what maps their target)
    deref_heads: list[str] = field(default_factory=list)
    # with the file: those of them the loop uses only to read scalar members that hold one
    # value there (``g->nx``, :mod:`.member_objects`): ``g[0:1]`` is all it reaches
    member_objects: list[str] = field(default_factory=list)
    # C++, with the file: subscripted names declared as objects (``std::vector<double> v``:
    # ``v[i]`` calls its operator[]), which no data clause maps (:func:`.pipeline._class_objects`)
    class_objects: list[str] = field(default_factory=list)
    # with the file: those of them whose member the loop assigns (``s->total += x``,
    # ``p->n++``): a construct writes the object's device copy (no clause of the loop alone
    # brings one member back), or faults on the host address
    member_writes: list[str] = field(default_factory=list)
    # the loop's variable is a pointer (``for (double *p = a; p < end; p++)``): what the loop
    # reaches through it has no section here; the names its first value is computed from
    # (``a``; ``l`` of ``p = l->head``: a data directive naming them maps what it walks)
    index_pointer: bool = False
    index_origin: list[str] = field(default_factory=list)
    # with a scope: the loop is in a function marked `#pragma acc routine` (it runs on the
    # device inside its callers' compute constructs)
    in_routine: bool = False
    # with a scope, in C: the loop's function is an inline definition (C11 6.7.4p7): its file
    # provides no external definition (:func:`.scope.inline_definition`)
    inline_definition: bool = False
    # with a scope: pairs of the function's parameters a call in the file passes pointers into
    # one array for (:func:`accellium.dataset.offload.passed_alike.aliased_parameters`)
    passed_alike: list[tuple[str, str]] = field(default_factory=list)
    # of those, the pairs such a call may pass different pointers into the array for
    # (``f(n, a + 1, a)``: :func:`accellium.dataset.offload.passed_alike.same_pointer_parameters`
    # does not hold them)
    passed_apart: list[tuple[str, str]] = field(default_factory=list)
    # with a scope: (pointer, variable, line) for each pointer of the loop that a store of its
    # function may point into a variable the loop also uses, at an offset not known
    # (:func:`accellium.dataset.analysis.pipeline._pointed_dependences`)
    pointed: list[tuple[str, str, int]] = field(default_factory=list)
    # (pointer, line): the pointers declared outside the loop that its body assigns and
    # dereferences, whose value it does not follow (:mod:`.aliases`, ``unknown``)
    reassigned: list[tuple[str, int]] = field(default_factory=list)
    # (array, line): the variable length arrays the loop declares, whose storage each
    # iteration allocates at run time (:mod:`.variable_length`)
    variable_arrays: list[tuple[str, int]] = field(default_factory=list)
    # (name or literal, line): what the loop computes in `long double` (:mod:`.value_types`),
    # an 80-bit format a GPU has no arithmetic for
    extended_floats: list[tuple[str, int]] = field(default_factory=list)
    # with a scope: the names a clause on the loop may use (the function's parameters and
    # locals, the file's globals); `locals` (declared in the loop) are never visible there
    visible: list[str] = field(default_factory=list)
    # with a scope: names the loop mentions whose every declaration visible there is in a
    # preprocessor group that does not hold the loop (:mod:`.conditional`) -> the line of that
    # group's directive; a build that skips the group has no such variable
    conditional: dict[str, int] = field(default_factory=dict)
    # with a scope: the file calls a device-allocation API (acc_malloc, cudaMalloc, ...) or
    # has `host_data use_device`: a pointer there may hold a device address (`deviceptr`)
    device_pointers: bool = False
    # with a scope: the variables of the loop's function that hold a device address on every
    # path (``acc_malloc``'s value, passed in by every call: :mod:`accellium.dataset.offload.
    # device_memory`), which the construct names in `deviceptr` and no data clause, and those
    # that hold one on some paths only, for which no compute construct is right
    device_addresses: list[str] = field(default_factory=list)
    device_mixed: list[str] = field(default_factory=list)
    arrays: dict[str, str] = field(default_factory=dict)  # name -> in | out | inout
    sections: dict[str, str] = field(default_factory=dict)  # name -> clause argument
    # an array reached through a pointer's member (``v->x``) -> the object its clause maps
    # first (``v[0:1]``, :mod:`.deep`); only arrays with a section here
    parents: dict[str, str] = field(default_factory=dict)
    # arrays reached through a member of a struct variable that may hold a host pointer
    held: list[HeldMember] = field(default_factory=list)
    scalars_read: list[str] = field(default_factory=list)
    # why no OpenACC loop directive may go on the loop (its header is not in the canonical
    # form, or its body changes its variable, bound or step: :mod:`.loop_form`), "" when one
    # may; whether the reason is the header's (which gcc rejects); and how many loops of the
    # perfect nest, from the top, have that form (what a `collapse` may cover)
    loop_form: str = ""
    header_form: bool = False
    canonical_depth: int = 0
    in_region: bool = False  # inside a compute construct or an annotated loop
    # assignments storing an address the loop computes into memory outside the iteration
    # (:mod:`.address_stores`), as (the lvalue, its line): on the device, a device address
    address_stores: list[tuple[str, int]] = field(default_factory=list)
    present: dict[str, str] = field(default_factory=dict)  # array -> argument in enclosing
    notes: list[Note] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        """No carried dependence and no early exit: the iterations may run in parallel."""
        return not self.carried and not self.exits

    @property
    def early_exits(self) -> list[str]:
        """The exits, described (``break`` (line 3))."""
        return [e.describe() for e in self.exits]

    @property
    def device_unsafe_calls(self) -> bool:
        """A call whose effects (I/O, hidden state, the heap, pointers every iteration shares)
        keep the loop off the device altogether: no compute construct helps."""
        return any(d.kind is DepKind.CALL for d in self.carried)

    @property
    def host_only_call(self) -> Dependence | None:
        """The first call that needs what only the host has (:func:`library.host_only`): no
        compute construct can run the loop; None when there is none."""
        return next((d for d in self.carried if d.kind is DepKind.CALL and host_only(d.var)),
                    None)

    @property
    def bound_names(self) -> set[str]:
        """The names the perfect nest's bounds read (``n`` of ``i < n``, ``m`` of ``j <= m - 1``)."""
        return {x for lo, hi in self.bounds for x in re.findall(r"[A-Za-z_]\w*", f"{lo} {hi}")}

    @property
    def variables(self) -> set[str]:
        return (set(self.index_vars) | set(self.arrays) | {v for _, v in self.reductions}
                | set(self.private) | set(self.scalars_read) | set(self.locals))

    def copy(self) -> LoopFacts:
        """A copy whose lists and dicts the caller may edit."""
        copied: dict[str, Any] = {f.name: _copied(getattr(self, f.name)) for f in fields(self)}
        return LoopFacts(**copied)

    def data_clauses(self, present_style: bool = True) -> list[Clause]:
        """Data clauses for a compute construct on this loop: ``present`` for arrays an
        enclosing region names, ``copyin``/``copyout``/``copy`` for the others."""
        out: dict[str, list[str]] = {}
        parents: list[str] = []
        for name, mode in self.arrays.items():
            if name in self.present:
                if present_style:
                    out.setdefault("present", []).append(self.present[name])
                continue
            kind = {"in": "copyin", "out": "copyout"}.get(mode, "copy")
            parent = self.parents.get(name)
            if parent is not None:
                parents.append(parent)
            out.setdefault(kind, []).append(self.sections.get(name, name))
        for obj in self.member_objects:  # the one object whose scalar members the loop reads
            if obj in self.present:
                if present_style:
                    out.setdefault("present", []).append(self.present[obj])
                continue
            out.setdefault("copyin", []).append(f"{obj}[0:1]")
        out = objects_first(out, parents)
        return [Clause(k, ", ".join(dict.fromkeys(v))) for k, v in out.items() if v]


def objects_first(by: dict[str, list[str]], objects: Sequence[str]) -> dict[str, list[str]]:
    """The copy-family items ``by`` clause with ``objects`` (the objects whose members'
    sections are among the items: ``v[0:1]`` of ``v->x[0:n]``) at the head of ``copyin``, and
    ``copyin`` the first clause.  A member's section is attached to its object's device copy
    only when the object is present as the section is mapped (OpenACC 3.3, 2.6.8, 2.7.2);
    clauses are processed in order.  ``by`` unchanged without objects; each object once."""
    if not objects:
        return by
    head = list(dict.fromkeys([*objects, *by.get("copyin", [])]))
    return {"copyin": head, **{k: v for k, v in by.items() if k != "copyin"}}


def _copied(v: object) -> object:
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return dict(v)
    return v
