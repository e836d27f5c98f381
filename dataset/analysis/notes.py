"""The notes the analysis attaches to its facts: one sentence per finding, naming the variable
and, where there is one, the line."""

from __future__ import annotations

from accellium.dataset.analysis.facts import LoopFacts
from accellium.dataset.analysis.walker import Access

__all__ = ["indirect_note", "fact_notes"]


def indirect_note(acc: Access) -> str:
    return (f"`{acc.text}` is an indirect write (line {acc.line}): conflicting iterations need "
            "`#pragma acc atomic update`")


def fact_notes(facts: LoopFacts) -> list[str]:
    """Notes on reductions, private variables, dependences, exits, calls and present data."""
    notes = [f"`{name}` is a {op} reduction" for op, name in facts.reductions]
    scalars = [p for p in facts.private if p not in facts.private_arrays]
    if scalars:
        notes.append("assigned before use in each iteration, so private: "
                     + ", ".join(f"`{p}`" for p in scalars))
    for a in facts.private_arrays:
        notes.append(f"`{a}` is written before it is read in every iteration: "
                     f"`private({a})` gives each iteration its own copy (a pointer needs "
                     f"its extent, e.g. `private({a}[0:n])`; values after the loop are "
                     "undefined)")
    notes.extend(dep.message for dep in facts.carried)
    notes.extend(f"early exit: {e}; the loop cannot be parallelised as written"
                 for e in facts.early_exits)
    if facts.calls:
        notes.append("calls " + ", ".join(f"`{c}`" for c in facts.calls[:4])
                     + ": side effects unknown (they need `#pragma acc routine`)")
    notes.extend(f"`{name}` is present in the enclosing data region"
                 for name in facts.arrays if name in facts.present)
    return notes
