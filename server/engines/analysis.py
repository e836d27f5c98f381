"""The ``analysis`` engine: a pragma from the static analysis of the loop alone.

The analysis itself is the domain model :mod:`accellium.dataset.analysis` (the safety guard,
the LSP diagnostics and the evaluation use it too); this module turns its facts into a pragma.
"""

from __future__ import annotations

from accellium.dataset.analysis import LoopFacts, Note
from accellium.dataset.analysis.facts import ExitKind
from accellium.dataset.pragma import Clause, Pragma
from accellium.server.engines.base import EngineAnswer, LoopQuery

__all__ = ["AnalysisEngine", "pragma_from_facts"]


def pragma_from_facts(facts: LoopFacts, *, data: bool = True, private: bool = True,
                      collapse: bool = False) -> tuple[Pragma | None, list[str]]:
    """The analysis engine's pragma for the facts (None: advise no pragma)."""
    notes: list[str] = []
    if facts.exits:
        notes.append("no pragma: a branch enters the loop" if all(
            e.kind is ExitKind.ENTRY for e in facts.exits) else
            "no pragma: the body can leave the loop")
        return None, notes
    if not facts.safe:
        if facts.in_region:
            notes.append("sequential: `loop seq`")
            return Pragma("loop", (Clause("seq"),)), notes
        notes.append("no pragma: the iterations depend on each other"
                     + (" (or on the host, through the calls)" if facts.device_unsafe_calls
                        else ""))
        return None, notes
    clauses: list[Clause] = []
    directive = "loop" if facts.in_region else "parallel loop"
    if collapse and facts.collapse > 1:
        clauses.append(Clause("collapse", str(facts.collapse)))
    if facts.reductions:
        by_op: dict[str, list[str]] = {}
        for op, name in facts.reductions:
            by_op.setdefault(op, []).append(name)
        for op, names in by_op.items():
            clauses.append(Clause("reduction", f"{op}:{','.join(names)}"))
    if private and facts.private:
        clauses.append(Clause("private", ", ".join(facts.private)))
    if data and directive != "loop":
        clauses.extend(facts.data_clauses())
    return Pragma(directive, tuple(clauses)), notes


class AnalysisEngine:
    """Static analysis only: safety, reductions, privatisation and data clauses."""

    name = "analysis"

    def __init__(self, train: object = None, **_: object):
        self.train = train

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        # the code as given (its nested pragmas are blanked by the parser): an `atomic` above
        # an update is seen
        facts = query.facts()
        if not facts.parsed:
            return EngineAnswer(None, [Note.of("no `for` loop found")])
        p, notes = pragma_from_facts(facts, collapse=True)
        return EngineAnswer(p, facts.notes + [Note.of(n) for n in notes])
