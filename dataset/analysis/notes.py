"""The notes the analysis attaches to its facts: one sentence per finding, naming the variable
or call and, where there is one, the line."""

from __future__ import annotations

import re

from accellium.dataset.analysis.clauses import is_clause_arg, is_clause_var
from accellium.dataset.analysis.facts import ExitKind, LoopFacts, Note, NoteKind
from accellium.dataset.analysis.walker import Access, CallSite

__all__ = ["fact_notes", "renderable"]

_MODIFIER = re.compile(r"^\s*(?:readonly|zero|always\w*)\s*:(?!:)")


def renderable(facts: LoopFacts, by_name: dict[str, list[Access]]) -> list[Note]:
    """Leave out of the facts every name or section a clause could not carry (malformed code
    gives names like ``1++->)b``); one note per name left out."""
    notes = []
    for name in list(facts.arrays):
        if not is_clause_var(name):
            del facts.arrays[name]
            facts.sections.pop(name, None)
            accs = by_name.get(name) or []
            line = accs[0].line if accs else None
            where = f" (line {line})" if line is not None else ""
            notes.append(Note(f"`{' '.join(name.split())[:60]}`{where} cannot be named in a "
                              "data clause: left out", NoteKind.DATA, name, line))
    for name, sec in list(facts.sections.items()):
        if not is_clause_arg(sec):
            del facts.sections[name]
    for name, arg in list(facts.present.items()):
        if not is_clause_arg(_MODIFIER.sub("", arg)):
            del facts.present[name]
    for lst in (facts.private, facts.index_vars):
        lst[:] = [v for v in lst if is_clause_var(v)]
    facts.reductions[:] = [(o, v) for o, v in facts.reductions if is_clause_var(v)]
    return notes


def _exit_note(facts: LoopFacts) -> list[Note]:
    out = []
    for e in facts.exits:
        if e.kind is ExitKind.ENTRY:
            out.append(Note(f"{e.describe()}: a branch would enter a compute construct or loop "
                            "directive on it past its start (OpenACC 3.3, 1.6)",
                            NoteKind.EXIT, None, e.line))
            continue
        why = ("no compute construct may contain it (gcc: \"invalid branch to/from OpenACC "
               "structured block\")" if e.kind in (ExitKind.RETURN, ExitKind.GOTO) else
               "a loop directive may not contain it" if e.kind is ExitKind.BREAK else
               "the device cannot leave the program or the function that way")
        out.append(Note(f"early exit: {e.describe()}: the body can leave the loop; {why}",
                        NoteKind.EXIT, e.call or None, e.line))
    return out


def _routine_note(facts: LoopFacts, sites: list[CallSite]) -> list[Note]:
    if not facts.needs_routine:
        return []
    lines = {s.name: s.line for s in reversed(sites)}
    shown = ", ".join(f"`{n}` (line {lines[n]})" if n in lines else f"`{n}`"
                      for n in facts.needs_routine[:4])
    more = "" if len(facts.needs_routine) <= 4 else f" and {len(facts.needs_routine) - 4} more"
    first = facts.needs_routine[0]
    return [Note(f"calls {shown}{more}: on the device each needs `#pragma acc routine seq` at "
                 "its declaration (OpenACC 3.3, 2.15.1); "
                 + ("not seen in this file" if facts.scoped else "its effects are not known here"),
                 NoteKind.ROUTINE, first, lines.get(first))]


def fact_notes(facts: LoopFacts, extra: list[Note], sites: list[CallSite],
               flags: set[str]) -> list[Note]:
    """Notes on reductions, private variables, dependences, exits, calls and present data
    (``extra``: what the analysis steps found worth saying; ``flags``: reductions the extra
    notes explain)."""
    notes = [Note(f"`{name}` is a {op} reduction", NoteKind.REDUCTION, name)
             for op, name in facts.reductions if name not in flags]
    scalars = [p for p in facts.private if p not in facts.private_arrays]
    if scalars:
        notes.append(Note("assigned before use in each iteration, so private: "
                          + ", ".join(f"`{p}`" for p in scalars), NoteKind.PRIVATE,
                          scalars[0] if len(scalars) == 1 else None))
    for a in facts.private_arrays:
        notes.append(Note(f"`{a}` is written before it is read in every iteration: "
                          f"`private({a})` gives each iteration its own copy (a pointer needs "
                          f"its extent, e.g. `private({a}[0:n])`; values after the loop are "
                          "undefined)", NoteKind.PRIVATE, a))
    notes.extend(dep.note() for dep in facts.carried)
    notes.extend(_exit_note(facts))
    notes.extend(extra)
    notes.extend(_routine_note(facts, sites))
    notes.extend(Note(f"`{name}` is present in the enclosing data region", NoteKind.DATA, name)
                 for name in facts.arrays if name in facts.present)
    return notes
