"""The ``auto`` engine (the default): analysis decides what is safe, style decides the rest.

* The analysis (:func:`server.engines.analysis.analyze`) decides safety, reductions,
  privatisation, collapse and which arrays data clauses name.  The safety guard
  (:mod:`server.safety`, run by :func:`server.suggest.suggest` on every answer) turns a
  parallel pragma on a loop with a visible carried dependence into ``loop seq`` / ``kernels``.
* The style — directive family, which clause kinds, their order — comes from, in this order:
  1. the user's own project (``query.examples``): the nearest example in the same context,
     adapted to this loop (variables renamed by role, data clauses re-derived);
  2. a near-identical known loop (a training pair whose similarity passes ``near``), adapted
     the same way — the situation of a project whose sibling loops are known;
  3. the :class:`~server.engines.style.StyleModel` learned from the training pairs: the
     template most repositories use in this context (compute construct around the loop, the
     level of the annotated loop above, nest shape, reductions, ...), filled from the facts.
  Without training pairs and examples, the analysis engine's own pragma is the answer.

Every answer carries notes, one short line per decision.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path

from accellium.dataset.pragma import DIRECTIVES, Clause, Pragma, split_top_level
from accellium.server.engines.analysis import LoopFacts, analyze, pragma_from_facts
from accellium.server.engines.base import EngineAnswer, LoopQuery
from accellium.server.engines.retrieval import (
    Neighbour,
    RetrievalEngine,
    _ordered,
    _parse,
    adapt,
    context_key,
    parent_signature,
    project_spellings,
)
from accellium.server.engines.style import (
    Features,
    StyleModel,
    cache_dir,
    code_digest,
    features,
    instantiate,
    records_digest,
    template,
)
from accellium.server.safety import guard

__all__ = ["AutoEngine"]

# A training neighbour at least this close (cosine + context bonus, see RetrievalEngine) is the
# same loop in a sibling file: its pragma beats the style model.  (Sharing project-specific
# names is no such sign: ports of one code base by different teams share names, not style.)
NEAR = 1.2
# Outside any region, the directive of the AGREE most similar known top-level loops when they
# all agree and all score at least AGREE_MIN (similarity + 0.35 for the same context).
AGREE = 2
AGREE_MIN = 0.8
# An orphaned `loop` needs the AGREE nearest at NEAR, or the ORPHAN_AGREE nearest at
# ORPHAN_MIN all with the same `loop` form (held-out splits of train: unchanged).
ORPHAN_AGREE = 3
ORPHAN_MIN = 1.0
_TOP_LEVEL = {"parallel loop", "kernels", "kernels loop", "serial loop", "loop"}
VOTE_K = 5
VOTE_POW = 8.0


class AutoEngine:
    """Analysis for correctness; workspace examples, near neighbours or learned style for
    the form."""

    name = "auto"

    def __init__(self, train: Sequence | None = None, *, near: float = NEAR,
                 cache: bool = True, **_: object):
        recs = list(train or [])
        state = _load_state(recs) if cache and recs else None
        if state is None:
            self.retrieval = RetrievalEngine(recs)
            self.model = StyleModel.from_records(self.retrieval.records) \
                if self.retrieval.records else None
            if cache and recs:
                _save_state(recs, (self.retrieval, self.model))
        else:
            self.retrieval, self.model = state
        self.near = near

    def _same_project(self, nb: Neighbour) -> bool:
        """A training neighbour this close is the same loop in a sibling file."""
        return nb.score >= self.near

    # -- the three sources of style ---------------------------------------------------------
    def _from_neighbour(self, nb: Neighbour, qf: LoopFacts, code: str,
                        enclosing: Sequence[str] = (),
                        spellings: dict[str, str] | None = None) -> Pragma | None:
        p0 = _parse(nb.pragma)
        if p0 is None:
            return None
        p, _ = adapt(p0, self.retrieval.facts(nb), qf, code, analysis_decides=True,
                     keep_directive=self._same_context(nb, enclosing), spellings=spellings)
        p = _copy_modes(p, qf)
        if not nb.workspace and p.directive in _NOT_A_LOOP_OFFLOAD and qf.safe:
            # Another project's `serial` / bare `parallel` / `data` on a loop that can run in
            # parallel: offer the parallel loop (its clauses that still apply).
            allowed = DIRECTIVES["parallel loop"]
            p = Pragma("parallel loop", tuple(c for c in p.clauses
                                              if c.name.lower() in allowed
                                              and c.name.lower() != "default"))
        return p

    def _from_model(self, f: Features, qf: LoopFacts, directive: str | None = None
                    ) -> tuple[Pragma | None, str]:
        if self.model is None:
            p, _ = pragma_from_facts(qf, data=True, collapse=True)
            return p, "analysis"
        tpl, _ = self.model.style(f, directive)
        return instantiate(tpl, qf), "style"

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        code = query.stripped
        qf = analyze(code, query.lang, query.enclosing)
        if not qf.parsed:
            return EngineAnswer(None, ["no `for` loop found"])
        f = features(query.enclosing, qf)
        notes = list(qf.notes)
        p: Pragma | None = None
        nbs = self.retrieval.neighbours(query, k=8)
        all_ws = [n for n in nbs if n.workspace]
        spellings = project_spellings([e.pragma for e in query.examples])
        orphan = not f.in_region and self._orphaned(all_ws)
        ws = all_ws if orphan else [n for n in all_ws if self._fits(n, f, query.enclosing)]
        ws = self._by_directive_vote(ws)
        if ws:
            p = self._from_neighbour(ws[0], qf, code, query.enclosing, spellings)
            if p is not None and orphan:
                p = Pragma("loop", tuple(c for c in p.clauses if c.name.lower() in DIRECTIVES["loop"]))
                notes.append("`loop`: this project's nearby loops are orphaned `loop`s (a "
                             "device routine or a function called inside a compute region)")
            if p is not None:
                notes.append(f"style of this project's `{' '.join(ws[0].pragma.split())}`")
        if p is None:
            # Close enough to be a sibling loop (similarity alone), then the one whose
            # enclosing directives match this loop's best (``nbs`` is in that order).
            near = [n for n in nbs if not n.workspace and self._fits(n, f, query.enclosing)
                    and self._same_project(n)][:1]
            if near:
                p = self._from_neighbour(near[0], qf, code, query.enclosing, spellings)
                if p is not None:
                    notes.append(f"as on a similar known loop: "
                                 f"`{' '.join(near[0].pragma.split())}`")
        if p is None:
            d = None if f.in_region else self._neighbour_directive(nbs)
            p, how = self._from_model(f, qf, d)
            if d is not None:
                notes.append(f"`{d}`: what the most similar known loops use")
            if p is not None and how == "style":
                notes.append(f"usual form in this context: `{' '.join(template(p))}`")
        text = p.render() if p is not None else None
        if not qf.safe or qf.private_arrays:  # safe on its own, not only behind the pipeline
            text, why = guard(query, text)
            notes.extend(why)
            p = _parse(text) if text is not None else None
        if p is not None and p.has("seq"):
            p = p.without("reduction")  # one thread runs it: nothing to combine
        if p is not None:
            notes.extend(self._explain(p, qf, f))
        return EngineAnswer(p.render() if p is not None else None, _ordered(notes))

    @staticmethod
    def _neighbour_directive(nbs: list[Neighbour]) -> str | None:
        """The directive of the ``AGREE`` most similar known top-level loops when they agree
        and are all similar (``AGREE_MIN``), else None (the style model decides)."""
        allt = [n for n in nbs if not n.workspace and not context_key(n.enclosing)[0]]
        top = allt[:AGREE]
        if len(top) < AGREE or any(n.score < AGREE_MIN for n in top):
            return None
        dirs = {(_parse(n.pragma) or Pragma("?")).directive for n in top}
        if len(dirs) != 1 or not dirs <= _TOP_LEVEL:
            return None
        d = dirs.pop()
        if d == "loop" and any(n.score < NEAR for n in top):
            # An orphaned `loop` offloads nothing unless the function runs inside a region:
            # only near-identical sibling loops (the same project's routine), or more of
            # them agreeing at a lower similarity, justify it.
            more = allt[:ORPHAN_AGREE]
            forms = {template(_parse(n.pragma) or Pragma("?")) for n in more}
            if len(more) < ORPHAN_AGREE or len(forms) != 1 or \
                    any(n.score < ORPHAN_MIN for n in more):
                return None
        return d

    @staticmethod
    def _orphaned(ws: list[Neighbour]) -> bool:
        """The nearest project loops (the nearest from the query's own file, if one is among
        the three nearest) are ``loop`` directives without a region around them (as far as
        the examples say: one sent without its enclosing directives may be)."""
        top = ws[:3]
        if not top:
            return False

        def orphan(n: Neighbour) -> bool:
            return ((_parse(n.pragma) or Pragma("?")).directive == "loop"
                    and not (n.context_known and context_key(n.enclosing)[0]))

        # The functions of one file share their structure (helpers called inside a region, or
        # not): a near example from the query's own file decides.
        mine = _own_file(ws)
        if mine is not None:
            return orphan(mine)
        orphans = [orphan(n) for n in top]
        return orphans[0] and sum(orphans) * 2 > len(orphans)

    @staticmethod
    def _by_directive_vote(ws: list[Neighbour], k: int | None = None) -> list[Neighbour]:
        """Examples of the directive most of the nearest ``k`` use (closer ones weigh more),
        nearest first — or, when one of the three nearest is from the query's own file, of
        that example's directive."""
        votes: dict[str, float] = {}
        mine = _own_file(ws)
        if mine is not None:  # the file's own style (kernels or parallel loop) decides
            best = (_parse(mine.pragma) or Pragma("?")).directive
            return [n for n in ws if (_parse(n.pragma) or Pragma("?")).directive == best]
        for n in ws[:k or VOTE_K]:
            d = (_parse(n.pragma) or Pragma("?")).directive
            votes[d] = votes.get(d, 0.0) + max(n.score, 0.0) ** VOTE_POW
        if not votes:
            return ws
        best = max(votes.items(), key=lambda kv: kv[1])[0]
        return [n for n in ws if (_parse(n.pragma) or Pragma("?")).directive == best]

    @staticmethod
    def _same_context(nb: Neighbour, enclosing: Sequence[str]) -> bool:
        """A known loop written under the same kind of construct as the query (same
        directive and level clauses innermost): its directive is one people write there,
        even when it is not ``loop`` (an ``#ifdef`` alternative to the construct above)."""
        return ((not nb.workspace or nb.context_known) and bool(enclosing)
                and parent_signature(nb.enclosing) == parent_signature(enclosing))

    @classmethod
    def _fits(cls, nb: Neighbour, f: Features, enclosing: Sequence[str] = ()) -> bool:
        """A neighbour fits when its directive is legal here (``loop`` only in a region) or
        it was written in this very context."""
        p = _parse(nb.pragma)
        return p is not None and ((p.directive == "loop") == f.in_region
                                  or cls._same_context(nb, enclosing))

    @staticmethod
    def _explain(p: Pragma, qf: LoopFacts, f: Features) -> list[str]:
        out = []
        if p.directive == "loop":
            if f.compute != "none":
                out.append("`loop`: inside a compute region")
            elif f.parent != "none":
                out.append("`loop`: under an annotated loop")
            else:
                out.append("orphaned `loop`: only meaningful in an `acc routine` or a function "
                           "called inside a compute region, as this project's similar loops are")
        elif p.directive in ("parallel loop", "kernels", "kernels loop", "serial loop"):
            out.append(f"`{p.directive}`: no enclosing compute region")
        c = p.clause("collapse")
        if c is not None:
            out.append(f"`collapse({c.args})`: perfectly nested loops with independent bounds")
        if p.has("present") and not qf.present:
            out.append("`present`: assumes the arrays are already on the device (a data "
                       "region or `enter data` elsewhere); use copyin/copyout if not")
        return out


_STATE_VERSION = "auto-state-v2"


def _state_path(recs: Sequence) -> Path:
    return cache_dir() / f"{_STATE_VERSION}-{code_digest()}-{records_digest(recs)}.pickle"


def _load_state(recs: Sequence) -> tuple | None:
    """The built index and style model for these records, from the local cache (our own file,
    keyed by the records' content hash), or None."""
    path = _state_path(recs)
    try:
        with open(path, "rb") as fh:
            state = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never fatal
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return state if isinstance(state, tuple) and len(state) == 2 else None


def _save_state(recs: Sequence, state: tuple) -> None:
    path = _state_path(recs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A unique temp file per writer (threads of one process share a pid), then an atomic
        # rename: readers see the old file or the new one, never a mix.
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        # States of older engine code for the same records are dead weight (~20 MB each).
        digest = path.name.rsplit("-", 1)[1]  # "<records digest>.pickle"
        for old in path.parent.glob(f"auto-state-*-{digest}"):
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
    except OSError:
        pass  # a read-only cache only costs start-up time


def _own_file(ws: list[Neighbour], k: int = 3) -> Neighbour | None:
    """The nearest workspace example from the query's own file, if one of the ``k`` nearest
    is (test --workspace loo: directive 0.932 -> 0.942; held-out train repositories: 0.984 ->
    0.985)."""
    return next((n for n in ws[:k] if n.same_file), None)


_NOT_A_LOOP_OFFLOAD = {"serial", "serial loop", "parallel", "data"}
_COPY_FAMILY = {"copy", "copyin", "copyout", "pcopy", "pcopyin", "pcopyout", "present_or_copy",
                "present_or_copyin", "present_or_copyout"}


def _copy_modes(p: Pragma, qf: LoopFacts) -> Pragma:
    """Copy-family clauses follow *this* loop's accesses: read-only arrays ``copyin``,
    write-only ``copyout``, both ``copy`` — whatever kind the example used for them."""
    fam = [c for c in p.clauses if c.name.lower() in _COPY_FAMILY]
    if not fam or not qf.arrays:
        return p
    by_kind: dict[str, list[str]] = {}
    for c in fam:
        for arg, var in zip(split_top_level(c.args or ""), c.variables(), strict=False):
            mode = qf.arrays.get(var)
            kind = {"in": "copyin", "out": "copyout", "inout": "copy"}.get(mode or "",
                                                                          c.name.lower())
            if kind in ("copyin", "copyout") and mode == "inout":
                kind = "copy"
            by_kind.setdefault(kind, []).append(arg.strip())
    out: list[Clause] = []
    placed = False
    for c in p.clauses:
        if c.name.lower() in _COPY_FAMILY:
            if not placed:
                out.extend(Clause(k, ", ".join(v)) for k, v in by_kind.items() if v)
                placed = True
            continue
        out.append(c)
    return Pragma(p.directive, tuple(out))
