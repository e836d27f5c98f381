"""The guard's rules for clauses that name the loop's scalars: what ``private``,
``firstprivate``, ``reduction`` and a data clause do to a scalar's value, against the role the
analysis finds for it (:class:`~accellium.dataset.analysis.facts.LoopFacts`).

An engine's answer may name a scalar in a clause that contradicts how the loop uses it (a model
writes what similar loops write; retrieval copies another loop's clauses).  OpenACC 3.3:

* ``private(x)`` (2.5.13, 2.7.11): each copy starts uninitialised and is discarded at the end —
  wrong for a scalar whose value enters an iteration (read before written: a bound, a read-only
  scalar, an accumulation) or leaves the loop (read after it), and for an array the loop shares
  (one it does not write before reading in every iteration).
* ``firstprivate(x)`` (2.5.14): one copy per gang, initialised from the host's, shared by that
  gang's workers and vector lanes and discarded at the end — wrong for a scalar the loop writes
  (its iterations would share the copy; the host never sees the value), and for a pointer the
  loop dereferences (the copy holds the host's address, and no data clause maps the memory).
* ``reduction(op:x)`` (2.5.15, 2.9.11): each copy starts at ``op``'s identity, and the copies
  are combined with ``op`` into ``x`` at the end — wrong when the loop does not accumulate ``x``
  with ``op`` (a bound becomes 0, a maximum is summed); it names a scalar or an array section,
  not a pointer.
* ``copyout(x)``/``create(x)`` (2.7.7, 2.7.9): the device copy starts uninitialised — wrong for
  a scalar the loop reads (an accumulation, a bound); ``copyin(x)``/``create(x)`` never copy
  the device's value back — wrong for a scalar the code after the loop reads; ``present(x)``
  of a scalar nothing puts on the device aborts (2.7.5).

Each such item is taken out (or, for a reduction, given the operator the loop uses; for a data
clause, made ``copy``), with a note naming the variable and what its clause would do; the rest
of the guard then adds what the loop needs (``private`` for scratch, the reduction, ``copy`` for
a value read after the loop).  A clause on a name the analysis says nothing about is left as it
is.
"""

from __future__ import annotations

from dataclasses import dataclass

from accellium.dataset.analysis.facts import DepKind, LoopFacts, Note, NoteKind
from accellium.dataset.pragma import Clause, Pragma

__all__ = ["scalar_clauses"]

_SAME_OP = {"-": "+"}  # `reduction(-:x)` accumulates with `+` (OpenACC 3.3, 2.5.15)
# (copies the host's value in, copies the device's value out) of each data clause
_MOVES = {"copyin": (True, False), "pcopyin": (True, False), "present_or_copyin": (True, False),
          "copyout": (False, True), "pcopyout": (False, True), "present_or_copyout": (False, True),
          "create": (False, False), "pcreate": (False, False), "present_or_create": (False, False)}


@dataclass(frozen=True)
class _Roles:
    """What the loop does with each scalar (from its facts)."""

    enters: frozenset[str]  # read before written in an iteration: a bound, read-only, accumulated
    leaves: frozenset[str]  # read after the loop (or accumulated)
    written: frozenset[str]  # assigned by the loop
    reductions: dict[str, str]  # the analysis's accumulations: variable -> operator
    arrays: frozenset[str]  # the arrays and pointers the loop reaches memory through
    private: frozenset[str]  # written before read in every iteration (arrays too)
    facts: LoopFacts

    @classmethod
    def of(cls, facts: LoopFacts) -> _Roles:
        reductions = {v: o for o, v in facts.reductions}
        carried = {d.var for d in facts.carried if d.kind is DepKind.SCALAR}
        arrays = set(facts.arrays) | set(facts.private_arrays)
        skip = arrays | set(facts.index_vars)
        return cls(
            frozenset(set(facts.scalars_read) | facts.bound_names | set(reductions) | carried) - skip,
            frozenset(set(facts.live_out) | set(reductions)) - skip,
            frozenset(set(reductions) | set(facts.live_out) | carried | set(facts.private))
            - skip, reductions, frozenset(facts.arrays), frozenset(facts.private), facts)


def scalar_clauses(p: Pragma, facts: LoopFacts) -> tuple[Pragma, list[Note]]:
    """``p`` without the scalar items its clauses get wrong (the module doc), and the notes."""
    if not facts.parsed:
        return p, []
    r = _Roles.of(facts)
    notes: list[Note] = []
    out: list[Clause] = []
    for c in p.clauses:
        rule = _RULES.get(c.name.lower())
        out += rule(c, r, notes) if rule is not None and c.args else [c]
    if not notes:
        return p, []
    return Pragma(p.directive, tuple(out)), notes


def _private(c: Clause, r: _Roles, notes: list[Note]) -> list[Clause]:
    shared = [v for v in c.variables() if v in r.arrays and v not in r.private]
    bad = [v for v in c.variables() if v in r.enters or v in r.leaves]
    if shared:
        notes.append(Note(
            ", ".join(f"`{v}`" for v in shared) + ": an array the loop shares (not written "
            "before it is read in every iteration): `private` would give each copy "
            "uninitialised data and lose its writes; left out of `private`",
            NoteKind.GUARD, shared[0]))
    for v in bad:
        why = "its value enters each iteration" if v in r.enters else \
            "the code after the loop reads the value it leaves"
        notes.append(Note(
            f"`{v}` left out of `private`: {why}, and each private copy starts uninitialised "
            "and is discarded at the end (OpenACC 3.3, 2.5.13)", NoteKind.GUARD, v))
    return _without(c, shared + bad)


def _firstprivate(c: Clause, r: _Roles, notes: list[Note]) -> list[Clause]:
    bad = [v for v in c.variables() if v in r.written or v in r.arrays]
    for v in bad:
        notes.append(Note(
            f"`{v}` left out of `firstprivate`: the loop writes it, and a `firstprivate` copy "
            "belongs to a gang, shared by its lanes, and is discarded at the end (OpenACC 3.3, "
            "2.5.14)" if v not in r.arrays else
            f"`{v}` left out of `firstprivate`: the loop reaches memory through it, and a copy "
            "of a pointer is the host's address, which no data clause then maps (OpenACC 3.3, "
            "2.5.14)", NoteKind.GUARD, v))
    return _without(c, bad)


def _moved(c: Clause, r: _Roles, notes: list[Note]) -> list[Clause]:
    copies_in, copies_out = _MOVES[c.name.lower()]
    moved = [v for v in c.variables() if v not in r.arrays and (
        (v in r.enters and not copies_in) or (v in r.leaves and not copies_out))]
    for v in moved:
        why = ("the loop reads its value, and `{0}` leaves the device copy uninitialised"
               if v in r.enters and not copies_in else
               "the code after the loop reads the value it leaves, and `{0}` never copies it "
               "back").format(c.name)
        notes.append(Note(f"`{v}` moved from `{c.name}` to `copy`: {why} (OpenACC 3.3, 2.7)",
                          NoteKind.GUARD, v))
    return ([Clause("copy", ", ".join(moved))] if moved else []) + _without(c, moved)


def _present(c: Clause, r: _Roles, notes: list[Note]) -> list[Clause]:
    f = r.facts
    if not f.scoped:
        return [c]
    gone = [v for v in c.variables() if v not in r.arrays and v not in f.present
            and v not in f.mapped_in_file and (v in r.enters or v in r.leaves)]
    for v in gone:
        notes.append(Note(
            f"`{v}` left out of `{c.name}`: a scalar the loop uses that nothing in this file "
            "puts on the device (a GPU aborts on `present`, OpenACC 3.3, 2.7.5)",
            NoteKind.GUARD, v))
    return _without(c, gone)


def _without(c: Clause, names: list[str]) -> list[Clause]:
    """``c`` without the items whose variable is one of ``names`` (none when none is left)."""
    if not names:
        return [c]
    kept = [a for a, v in zip(c.arg_list(), _item_vars(c), strict=True) if v not in names]
    return [Clause(c.name, ", ".join(kept))] if kept else []


def _item_vars(c: Clause) -> list[str | None]:
    """The variable of each of ``c``'s items (None for an item that names none)."""
    out: list[str | None] = []
    for a in c.arg_list():
        got = Clause(c.name, a).variables()
        out.append(got[0] if got else None)
    return out


def _reduction(c: Clause, r: _Roles, notes: list[Note]) -> list[Clause]:
    """The reduction clause with each item checked against the loop's accumulations (one
    clause per operator)."""
    enters, reductions, arrays = r.enters, r.reductions, r.arrays
    op = (c.reduction_op() or "").lower()
    items = c.arg_list()
    keep: list[str] = []
    fixed: list[tuple[str, str]] = []
    for item, v in zip(items, _item_vars(c), strict=True):
        section = "[" in item.split(":", 1)[-1]
        if v is None:
            keep.append(item)
        elif v in reductions:
            want = reductions[v]
            if _SAME_OP.get(op, op) != _SAME_OP.get(want, want):
                notes.append(Note(
                    f"`reduction({op}:{v})` made `reduction({want}:{v})`: the loop accumulates "
                    f"`{v}` with `{want}`, and the copies would be combined with `{op}` "
                    "(OpenACC 3.3, 2.5.15)", NoteKind.GUARD, v))
                fixed.append((want, v))
            else:
                keep.append(item)
        elif v in arrays and not section:
            notes.append(Note(
                f"`{v}` left out of `reduction`: the loop reaches memory through it, and a "
                "reduction names a scalar or an array section, not a pointer (OpenACC 3.3, "
                "2.5.15)", NoteKind.GUARD, v))
        elif v in enters:
            notes.append(Note(
                f"`{v}` left out of `reduction`: the loop reads it and does not accumulate "
                f"it with `{op}`; each copy would start at `{op}`'s identity, not at its value "
                "(OpenACC 3.3, 2.5.15)", NoteKind.GUARD, v))
        else:
            keep.append(item)
    out = [Clause(c.name, f"{op}:{', '.join(i.split(':', 1)[1] for i in keep)}")] \
        if keep else []
    by_op: dict[str, list[str]] = {}
    for o, v in fixed:
        by_op.setdefault(o, []).append(v)
    return out + [Clause("reduction", f"{o}:{', '.join(vs)}") for o, vs in by_op.items()]


_RULES = {"private": _private, "firstprivate": _firstprivate, "reduction": _reduction,
          "present": _present, "no_create": _present,
          **{k: _moved for k in _MOVES}}
