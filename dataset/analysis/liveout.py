"""Live-out scalars: a scalar the loop assigns and the code after it reads.

In a ``parallel`` or ``serial`` construct a scalar is firstprivate unless a clause says
otherwise (OpenACC 3.3, 2.5.2), and a loop's index is private: the host never sees the value
the loop leaves.  Such a scalar is either a reduction (``+ * max min & | ^ && ||``, whose result
the construct copies back; a flag set to 1 is an ``||`` reduction, one set to 0 an ``&&``) or
the loop cannot run on the device as written.

With a scope the code after the loop says what is read (:mod:`.liveness`).  Without one the
rule is: a scalar the loop assigns but never reads exists only to be read after it (a flag or a
last value), while one assigned and then read in the same iteration is a private temporary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accellium.dataset.analysis.facts import Dependence, DepKind, LoopFacts, Note, NoteKind
from accellium.dataset.analysis.liveness import ANYWHERE
from accellium.dataset.analysis.reductions import flag_of
from accellium.dataset.analysis.tree import IDENT
from accellium.dataset.analysis.walker import BodyWalk, Use

__all__ = ["candidates", "unscoped_live", "LiveOut", "apply_live_out"]


def candidates(w: BodyWalk, index_vars: list[str], scoped: bool) -> list[str]:
    """Scalars the loop assigns that outlive it: not declared in the loop, not arrays (with
    a scope, the loop indices too)."""
    out = [n for n, evs in w.events.items()
           if n not in w.decls and n not in w.array_names and n not in w.inner_vars
           and n not in index_vars and any(e.kind is not Use.READ for e in evs)]
    if scoped:
        out += [v for v in (*index_vars[:1], *sorted(w.inner_vars))
                if v not in w.decls and v not in out]
    return out


def unscoped_live(w: BodyWalk, names: list[str]) -> dict[str, int | None]:
    """The names the loop assigns and never reads (no scope to say more); a pointer the loop
    dereferences (``cell->U[k]``, ``*p``) is read."""
    used = w.pointers | {m.group(0) for m in map(IDENT.match, w.array_names) if m}
    return {n: None for n in names if n not in used
            and all(e.kind is Use.WRITE for e in w.events.get(n, []))}


@dataclass
class LiveOut:
    live: dict[str, int | None]  # name -> file row of a read after the loop (None: unknown)
    loop_row: int = 0  # file row of the loop (to give read rows as lines of the loop code)
    scoped: bool = False
    notes: list[Note] = field(default_factory=list)
    first_line: int = 1  # the line number of the loop's first line (the line convention)
    flags: set[str] = field(default_factory=set)
    # with a scope: does a name hold 0 or 1 where the loop starts (:mod:`.entry_values`)?
    # None: the loop alone, whose flags are taken to start so
    binary_start: Callable[[str], bool] | None = None


def _first_write_line(w: BodyWalk, name: str) -> int:
    for e in w.events.get(name, []):
        if e.kind is not Use.READ:
            return e.stmt.start_point[0] + 1
    return 1


def _where_read(lo: LiveOut, row: int | None) -> str:
    if row is None or row == ANYWHERE:
        return "" if row is None else " (a global or static, a reference, or its address is " \
                                      "taken: any code may read it)"
    line = row - lo.loop_row + 1
    return f" (line {line + lo.first_line - 1})" if line > 0 else \
        " (in the next iteration of an enclosing loop)"


def _message(name: str, line: int, lo: LiveOut, row: int | None, index: bool) -> str:
    if index:
        return (f"`{name}` is read after the loop{_where_read(lo, row)}: a compute construct "
                f"does not update the host's `{name}`; not parallel as written")
    if lo.scoped:
        return (f"`{name}` is assigned in the loop (line {line}) and read after it"
                f"{_where_read(lo, row)}: in a compute construct it is firstprivate, so the "
                "host never sees the loop's value; not parallel unless it is a reduction")
    return (f"`{name}` is assigned in the loop (line {line}) but never read in it: it can only "
            "be meant for the code after the loop (a flag or a last value), which never sees "
            "it from a compute construct (there it is firstprivate); not parallel")


def apply_live_out(facts: LoopFacts, w: BodyWalk, lo: LiveOut) -> None:
    """Turn live-out flags into reductions and the other live-out scalars into dependences."""
    reduced = {v for _, v in facts.reductions}
    scalar_deps = {d.var for d in facts.carried if d.kind is DepKind.SCALAR}
    indices = set(facts.index_vars[:1]) | w.inner_vars
    for name, row in lo.live.items():
        if name in reduced or name in scalar_deps:
            continue
        evs = w.events.get(name, [])
        flag = flag_of(name, [e.stmt for e in evs]) if evs and all(
            e.kind is Use.WRITE for e in evs) else None
        if name in facts.private:
            facts.private.remove(name)
        if flag is not None and lo.binary_start is not None and not lo.binary_start(name):
            line = _first_write_line(w, name)
            facts.carried.append(Dependence(
                name, line, f"`{name}` is only set to {'1' if flag == '||' else '0'} in the loop "
                f"(line {line}), and where the loop starts it may hold another value, which it "
                f"keeps when no iteration sets it: `reduction({flag}:{name})` would turn that "
                "value into 0 or 1 (OpenACC 3.3, 2.5.15); not parallel unless it starts as 0 "
                "or 1", DepKind.LIVE_OUT))
            continue
        if flag is not None:
            facts.reductions.append((flag, name))
            lo.flags.add(name)
            after = (f"the code after the loop reads it{_where_read(lo, row)}" if lo.scoped
                     else "the loop never reads it, so it is a flag for the code after it")
            lo.notes.append(Note(f"`{name}` is only set to {'1' if flag == '||' else '0'} in the "
                                 f"loop and {after}: `reduction({flag}:{name})` gives the host "
                                 "its value", NoteKind.REDUCTION, name))
            continue
        line = _first_write_line(w, name)
        facts.carried.append(Dependence(name, line, _message(name, line, lo, row,
                                                             name in indices),
                                        DepKind.LIVE_OUT))
    facts.live_out = list(lo.live)
