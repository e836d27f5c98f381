"""The ``auto`` engine (the default): analysis decides, retrieval styles.

* The analysis (:func:`server.engines.analysis.analyze`) decides safety (a visible carried
  dependence gives ``loop seq`` in a region, else no pragma), reductions, privatisation and the
  variables named in clauses.
* The directive follows the context: ``loop`` inside a compute region or under an annotated
  loop; outside one, the project's own style when workspace examples show it (``kernels``,
  ``parallel loop``...), else ``parallel loop``.
* Which clause kinds appear and in which order comes from the nearest workspace example (the
  user's project) or, without one, the nearest training loop in the same context.

Every answer carries notes, one short line per decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from dataset.pragma import Clause, Pragma
from server.engines.analysis import LoopFacts, analyze, pragma_from_facts
from server.engines.base import EngineAnswer, LoopQuery
from server.engines.retrieval import RetrievalEngine, _facts, _parse, adapt

__all__ = ["AutoEngine"]

_KEEP_ON_SEQ = ("private", "reduction", "firstprivate")


def _seq(p: Pragma | None, facts: LoopFacts) -> tuple[Pragma | None, list[str]]:
    reasons = [d.message for d in facts.carried[:2]] + [
        f"early exit: {e}" for e in facts.early_exits[:1]]
    if facts.in_region:
        kept = tuple(c for c in (p.clauses if p is not None else ())
                     if c.name.lower() in _KEEP_ON_SEQ and c.name.lower() != "reduction")
        return Pragma("loop", (Clause("seq"),) + kept), reasons + [
            "sequential: `loop seq` (the iterations depend on each other)"]
    return None, reasons + ["no pragma: the iterations depend on each other"]


class AutoEngine(RetrievalEngine):
    """Analysis for correctness, retrieval and workspace examples for style."""

    name = "auto"
    analysis_decides = True
    trust = 1.05  # a training neighbour this close (cosine + context bonus) sets the directive

    def __init__(self, train: Sequence | None = None, **options: object):
        super().__init__(train, **options)

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        code = query.stripped
        qf = analyze(code, query.lang, query.enclosing)
        if not qf.parsed:
            return EngineAnswer(None, ["no `for` loop found"])
        notes = list(qf.notes)
        nbs = self.neighbours(query, k=5)
        ws = [n for n in nbs if n.workspace]
        nb = ws[0] if ws else (nbs[0] if nbs else None)
        p: Pragma | None = None
        if nb is not None:
            p0 = _parse(nb.pragma)
            if p0 is not None:
                nf = _facts(nb.loop, nb.lang, nb.enclosing)
                p, _ = adapt(p0, nf, qf, code, analysis_decides=True)
                src = "project example" if nb.workspace else "similar training loop"
                notes.append(f"style from the nearest {src}: `{' '.join(nb.pragma.split())}`")
        if p is None:
            p, extra = pragma_from_facts(qf, data=True)
            notes.extend(extra)
        else:
            p = self._directive(p, qf, trusted=bool(nb is not None and (
                nb.workspace or nb.score >= self.trust)))
        if not qf.safe:
            p, extra = _seq(p, qf)
            notes.extend(n for n in extra if n not in notes)
        elif p is not None and p.has("seq") and not qf.carried:
            notes.append("`seq` as in the similar loop (no dependence visible)")
        if p is not None and p.directive == "loop" and qf.in_region:
            notes.append("`loop`: inside a compute region")
        elif p is not None and p.directive == "parallel loop":
            notes.append("`parallel loop`: no enclosing compute region")
        return EngineAnswer(p.render() if p is not None else None, notes)

    @staticmethod
    def _directive(p: Pragma, qf: LoopFacts, trusted: bool) -> Pragma:
        d = p.directive
        if qf.in_region:
            if d != "loop":
                keep = tuple(c for c in p.clauses if c.name.lower() in {
                    "collapse", "gang", "worker", "vector", "seq", "independent", "auto",
                    "tile", "private", "reduction"})
                return Pragma("loop", keep)
            return p
        if d in ("loop", "parallel", "serial", "data", "serial loop") or (
                not trusted and d != "parallel loop"):
            clauses = tuple(c for c in p.clauses)
            cand = Pragma("parallel loop", clauses)
            from dataset.pragma import validate

            if validate(cand):
                cand = Pragma("parallel loop", tuple(
                    c for c in clauses if not validate(Pragma("parallel loop", (c,)))))
            return cand
        return p
