"""The ``auto`` engine (the default): the analysis decides what is safe, a learned model ranks
the candidate pragmas.

1. :func:`accellium.dataset.analysis.analyze` reads the loop (dependences, reductions, private
   scalars and arrays, collapse, the arrays and their sections, what an enclosing data region
   names).
2. :mod:`server.engines.rank.candidates` proposes pragmas from the analysis, from templates
   people write in this context and from the nearest loops (the user's project examples first,
   then known pairs), each made safe and correct (no ``present`` the visible data environment
   does not justify, no ``seq`` on a loop the analysis finds independent).
3. :class:`server.engines.rank.model.Ranker` (LightGBM, fit on the training pairs by
   ``accellium train --style``, hyper-parameters by grouped cross-validation) scores them;
   the best is the answer, the next ones are ``alternatives``, and ``confidence`` is the
   calibrated probability that the answer is the pragma the project would write.

Without training pairs the analysis's portable pragma is the answer (``confidence`` None).
The built state (the known loops' analysis, template statistics, the model) is cached on disk
in plain JSON and LightGBM text (:mod:`server.engines.rank.store`), never as a pickle.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from accellium.dataset.analysis import Note
from accellium.dataset.pragma import Pragma
from accellium.server.engines.base import EngineAnswer, LoopQuery
from accellium.server.engines.rank.candidates import Candidate, context, generate, portable
from accellium.server.engines.rank.features import matrix, query_stats
from accellium.server.engines.rank.model import Ranker
from accellium.server.engines.retrieval import RetrievalEngine, _ordered
from accellium.server.engines.style import Exclude, TemplateStats, features, template

__all__ = ["AutoEngine", "ALTERNATIVES"]

ALTERNATIVES = 3  # ranked alternatives returned with each answer
NEIGHBOURS = 6  # nearest loops (workspace examples and known pairs) that propose candidates
# (docs/tuning.md changes 18 and 18r: 3 tied on the CV and lost parallel loops on the program suite)


class AutoEngine:
    """Analysis for correctness; a learned ranker over analysis, template and retrieval
    candidates for the form."""

    name = "auto"

    def __init__(self, train: Sequence | None = None, *, cache: bool = True,
                 ranker: Ranker | None = None, templates: TemplateStats | None = None,
                 retrieval: RetrievalEngine | None = None, **_: object):
        recs = list(train or [])
        self.ranker: Ranker | None = ranker
        # (not `stats`: the server reports an engine's `stats` as request counters)
        self.templates: TemplateStats | None = templates
        self.retrieval = retrieval if retrieval is not None else RetrievalEngine([])
        if recs and (ranker is None or templates is None or retrieval is None):
            from accellium.server.engines.rank.store import load_or_build

            self.retrieval, self.templates, self.ranker = load_or_build(recs, cache=cache)

    # -- what the ranker sees ---------------------------------------------------------------
    def inputs(self, query: LoopQuery, *, exclude: Exclude = None,
               mask: np.ndarray | None = None):
        """(context, candidates, feature matrix, portable pragma) for a query; ``exclude``
        and ``mask`` leave a group's pairs out (training rows for that group)."""
        qf = query.facts()  # the analysis the safety guard reads too
        if not qf.parsed:
            return None
        nbs = self.retrieval.neighbours(query, k=NEIGHBOURS, mask=mask) \
            if self.retrieval.records or query.examples else []
        ctx = context(query, qf, features(query.enclosing, qf), nbs)
        cands = generate(ctx, self.retrieval.facts, self.templates, exclude=exclude)
        port = portable(ctx)
        qs = query_stats(ctx, self.templates, exclude)
        return ctx, cands, matrix(cands, ctx, qs, port), port

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        got = self.inputs(query)
        if got is None:
            return EngineAnswer(None, [Note.of("no `for` loop found")])
        ctx, cands, x, port = got
        notes = list(ctx.facts.notes)
        if not cands:
            return EngineAnswer(None, [*notes, Note.of("no pragma: the iterations depend on each "
                                                       "other")])
        if self.ranker is None:
            best = next((c for c in cands if c.src.get("analysis")), cands[0])
            ranked, conf = [best], None
        else:
            s = self.ranker.scores(x)
            order = np.argsort(-s, kind="stable")
            ranked = [cands[int(i)] for i in order]
            conf = self.ranker.confidence(s)
        best = ranked[0]
        notes.extend(_why(best, ctx, port))
        alts: list[Pragma | str] = [c.pragma for c in ranked[1:1 + ALTERNATIVES]]
        return EngineAnswer(best.pragma, [Note.of(n) for n in _ordered(notes)], alternatives=alts,
                            confidence=None if conf is None else round(conf, 3))


def _why(c: Candidate, ctx, port: Pragma | None) -> list[str]:
    """Short notes: where the form comes from and what each structural clause means."""
    out: list[str] = []
    src = c.src
    if src.get("ws_n"):
        out.append("the form this project's nearest loops use")
    elif src.get("nb_n") and src.get("nb_sim", 0) >= 1.0:
        out.append("the form of a very similar known loop")
    elif src.get("template_rank"):
        out.append(f"usual form in this context: `{' '.join(template(c.pragma))}`")
    elif src.get("analysis") or src.get("analysis_nodata"):
        out.append("what the analysis finds safe and needed")
    p, f = c.pragma, ctx.feats
    if p.directive == "loop":
        if f.compute != "none":
            out.append("`loop`: inside a compute region")
        elif f.parent != "none":
            out.append("`loop`: under an annotated loop")
        else:
            out.append("orphaned `loop`: only meaningful in an `acc routine` or a function "
                       "called inside a compute region, as this project's similar loops are")
    elif p.directive in ("parallel loop", "kernels", "kernels loop"):
        out.append(f"`{p.directive}`: no enclosing compute region")
    col = p.clause("collapse")
    if col is not None:
        out.append(f"`collapse({col.args})`: perfectly nested loops with independent bounds")
    if p.has("present"):
        out.append("`present`: the enclosing data environment (or this project's code "
                   "around this loop) already has these arrays on the device")
    if any(p.has(k) for k in ("copyin", "copyout", "copy")):
        out.append("copy clauses from the loop's own reads and writes (correct inside or "
                   "outside a data region)")
    return out
