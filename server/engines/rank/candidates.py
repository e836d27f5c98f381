"""Candidate pragmas for one loop, from three sources, each made correct before it is ranked.

* **analysis** — what is safe and needed (:func:`accellium.dataset.analysis.analyze`): the
  portable pragma (``parallel loop`` outside a region, ``loop`` inside, ``collapse`` for a
  perfect rectangular nest, the reductions and private scalars found, data clauses the visible
  data environment justifies — :mod:`.dataenv`), and the same without data clauses;
* **templates** — the forms most often written in this context in the known pairs
  (:class:`server.engines.style.TemplateStats`), filled from the analysis facts;
* **retrieval** — the user's project examples and the most similar known loops, adapted to
  this loop (:func:`server.engines.retrieval.adapt`).

Every candidate then passes the same corrections (general facts, not style):
the analysis decides safety (a parallel claim on a loop with a visible carried dependence
becomes what the safety guard makes of it; a scratch array gets ``private``), an independent
loop is never made sequential by style (``seq`` and ``serial`` need a dependence the analysis
names, with its variable and line), ``present``/``deviceptr`` only where the data environment
justifies it, a nested ``loop`` only the partitioning levels inside its enclosing loops,
no ``async``/``wait`` (a queue needs its matching ``wait`` elsewhere).  Outside a compute
region, a loop the analysis cannot prove independent gets ``kernels`` /
``kernels loop`` in place of ``serial`` / ``serial loop``: both are correct, but in ``kernels``
a loop without ``independent`` is ``auto`` (OpenACC 3.3, 2.9.7) — the compiler, which sees
what this loop alone does not (macro definitions, the called functions), runs it in parallel
where it proves the iterations independent and sequentially otherwise — while ``serial``
never runs it in parallel.  (Where a call's effects keep the loop off the device, the safety
guard refuses ``kernels``; there the form is left as it is.)  The converse, with the project's
style unknown (no examples): outside a compute region, on a loop the analysis proves
independent, ``kernels``/``kernels loop`` without ``independent`` becomes ``parallel loop`` —
the same fact read the other way: ``kernels`` asks the compiler to prove again what the
analysis proved, and a C compiler often cannot (two pointer parameters may point into one
array unless declared ``restrict``; a call's effects are hidden from it), so it may run the
loop sequentially; ``parallel loop`` states the proof (OpenACC 3.3, 2.9: in a ``parallel``
construct a loop without ``seq`` or ``auto`` is ``independent``).  A project's own ``kernels``
examples keep their form.  Inside a ``kernels`` region the same fact gives candidates, not a
rule: cold (no project examples), on a loop the analysis proves independent, every ``loop``
candidate that says nothing of its independence (no ``independent``, ``seq`` or ``auto``; in
``kernels`` such a loop is ``auto``) is also proposed with ``independent``, before its clauses
and after its level clauses (``gang``, ``worker``, ``vector``: the two places people write
it); the ranker chooses between them and the plain form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from accellium.dataset.analysis import LoopFacts
from accellium.dataset.pragma import (
    COMPUTE_DIRECTIVES,
    DATA_CLAUSES,
    DIRECTIVES,
    Clause,
    Pragma,
    validate,
)
from accellium.server.engines.adapt import parse_or_none
from accellium.server.engines.analysis import pragma_from_facts
from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank.dataenv import copy_clauses, correct_data, justified_present
from accellium.server.engines.retrieval import (
    Neighbour,
    adapt,
    context_key,
    parent_signature,
    project_spellings,
)
from accellium.server.engines.style import (
    Exclude,
    Features,
    TemplateStats,
    instantiate,
    template,
)
from accellium.server.safety import inner_levels, safe_form

__all__ = ["Candidate", "QueryContext", "generate", "portable"]

_SEQUENTIAL = {"serial loop": "parallel loop", "serial": "parallel loop", "data": "parallel loop"}
# The construct of the same shape that leaves the loop to the compiler (see :func:`finish`).
_COMPILER_DECIDES = {"serial loop": "kernels loop", "serial": "kernels"}
# What states the analysis's proof on an independent loop when the project's style is unknown
# (see :func:`finish`).
_STATES_PROOF = ("kernels", "kernels loop")
_COMPUTE = COMPUTE_DIRECTIVES


@dataclass
class Candidate:
    pragma: Pragma
    text: str
    src: dict[str, float] = field(default_factory=dict)

    def note(self, key: str, value: float = 1.0, how: str = "max") -> None:
        old = self.src.get(key)
        if old is None:
            self.src[key] = value
        elif how == "sum":
            self.src[key] = old + value
        else:
            self.src[key] = max(old, value)


@dataclass
class QueryContext:
    query: LoopQuery
    facts: LoopFacts
    feats: Features
    neighbours: list[Neighbour]
    justified: dict[str, str]
    spellings: dict[str, str]


def context(query: LoopQuery, facts: LoopFacts, feats: Features,
            neighbours: list[Neighbour]) -> QueryContext:
    return QueryContext(query, facts, feats, neighbours,
                        justified_present(facts, query.enclosing, query.examples),
                        project_spellings([e.pragma for e in query.examples
                                           if isinstance(getattr(e, "pragma", None), str)]))


def portable(ctx: QueryContext, data: bool = True) -> Pragma | None:
    """The analysis pragma with correct data clauses (see the module doc)."""
    qf = ctx.facts
    p, _ = pragma_from_facts(qf, data=False, collapse=True)
    if p is None:
        if qf.in_region or not qf.parsed:
            return p
        p = Pragma("kernels", ())  # carried dependence outside a region: the compiler decides
    if not data or p.directive == "loop":
        return p
    present = [ctx.justified[a] for a in qf.arrays if a in ctx.justified]
    clauses = list(p.clauses)
    if present:
        clauses.append(Clause("present", ", ".join(present)))
    clauses += copy_clauses(qf, [a for a in qf.arrays if a not in ctx.justified], ctx.spellings)
    return Pragma(p.directive, tuple(clauses))


def _same_context(nb: Neighbour, enclosing: Sequence[str]) -> bool:
    return ((not nb.workspace or nb.context_known) and bool(enclosing)
            and parent_signature(nb.enclosing) == parent_signature(enclosing))


def _orphan(nb: Neighbour) -> bool:
    """A ``loop`` written with no region around it (as far as the example says)."""
    p = parse_or_none(nb.pragma)
    return p is not None and p.directive == "loop" and not (
        nb.context_known and context_key(nb.enclosing)[0])


@lru_cache(maxsize=65536)
def _errors(p: Pragma) -> tuple:
    return tuple(validate(p))


def finish(p: Pragma | None, ctx: QueryContext, orphan_ok: bool = False) -> Pragma | None:
    """The corrections every candidate passes (module doc); None when nothing usable is
    left.  An orphaned ``loop`` (no compute region around it) offloads nothing by itself:
    it is kept only when the project's own examples show such loops (``orphan_ok``), else it
    becomes ``parallel loop``."""
    if p is None:
        return None
    qf = ctx.facts
    clauses = [c for c in p.clauses if c.name.lower() not in ("async", "wait")]
    directive = p.directive
    if directive == "loop" and not ctx.feats.in_region and not orphan_ok:
        directive = "parallel loop"
    if qf.safe:
        clauses = [c for c in clauses if c.name.lower() != "seq"]
        if directive in _SEQUENTIAL:
            directive = _SEQUENTIAL[directive]
    allowed = DIRECTIVES.get(directive)
    if allowed is None:
        return None
    p = Pragma(directive, tuple(c for c in clauses if c.name.lower() in allowed))
    p, _ = inner_levels(p, ctx.query.enclosing)
    p = correct_data(p, qf, ctx.justified, ctx.spellings)
    if not ctx.query.examples and directive in _COMPUTE and not qf.in_region:
        p = _cover_arrays(p, ctx)
    if _errors(p):
        p = Pragma(p.directive, tuple(c for c in p.clauses
                                      if not _errors(Pragma(p.directive, (c,)))))
    if qf.safe and not qf.private_arrays:
        q = parse_or_none(p.render())  # the guard has nothing to change here
    else:
        # what the guard would let through (its notes are suggest()'s), on the canonical text
        q = parse_or_none(p.render())
        safe = safe_form(ctx.query, q) if q is not None else None
        q = parse_or_none(safe.render()) if safe is not None else None
    if q is None or _errors(q):
        return None
    if q.has("seq"):
        q = q.without("reduction")  # one thread runs it: nothing to combine
    return _states_proof(_compiler_decides(q, ctx), ctx)


def _compiler_decides(q: Pragma, ctx: QueryContext) -> Pragma:
    """``serial``/``serial loop`` (written so, or what the guard makes of ``parallel loop
    seq`` and of a bare ``parallel``) on a loop the analysis cannot prove independent,
    outside a compute region, as ``kernels``/``kernels loop`` (module doc); unchanged where
    the guard would not let that form through."""
    qf = ctx.facts
    target = _COMPILER_DECIDES.get(q.directive)
    if target is None or qf.safe or ctx.feats.in_region or qf.device_unsafe_calls:
        return q
    allowed = DIRECTIVES[target]
    p = Pragma(target, tuple(c for c in q.clauses if c.name.lower() in allowed))
    out = safe_form(ctx.query, p)
    if out is None:
        return q
    out = parse_or_none(out.render())
    return q if out is None or _errors(out) or out.directive != target else out


def _states_proof(q: Pragma, ctx: QueryContext) -> Pragma:
    """Cold (no project examples), outside a compute region, on a loop the analysis proves
    independent: ``kernels``/``kernels loop`` without ``independent`` as ``parallel loop``
    (module doc), keeping the clauses ``parallel loop`` allows; unchanged where the guard would
    not let that form through."""
    qf = ctx.facts
    if (q.directive not in _STATES_PROOF or ctx.query.examples or ctx.feats.in_region
            or not qf.safe or q.has("independent")):
        return q
    allowed = DIRECTIVES["parallel loop"]
    clauses = [c for c in q.clauses if c.name.lower() in allowed]
    # in `kernels` the compiler finds the reductions itself; `parallel loop` names them
    have = {v for c in clauses if c.name.lower() == "reduction" for v in c.variables()}
    by_op: dict[str, list[str]] = {}
    for op, name in qf.reductions:
        if name not in have:
            by_op.setdefault(op, []).append(name)
    clauses += [Clause("reduction", f"{op}:{','.join(names)}") for op, names in by_op.items()]
    p = Pragma("parallel loop", tuple(clauses))
    out = safe_form(ctx.query, p)
    out = parse_or_none(out.render()) if out is not None else None
    return q if out is None or _errors(out) or out.directive != "parallel loop" else out


def _cover_arrays(p: Pragma, ctx: QueryContext) -> Pragma:
    """With the project's style unknown, a compute construct names every array the loop
    touches whose extent it shows (the copy family; the data environment is not visible, and
    a pointer the construct does not name is not on the device for every compiler)."""
    named = {v for c in p.clauses if c.name.lower() in DATA_CLAUSES for v in c.variables()}
    missing = [a for a in ctx.facts.arrays if a not in named and a not in ctx.justified]
    extra = copy_clauses(ctx.facts, missing, ctx.spellings)
    return Pragma(p.directive, p.clauses + tuple(extra)) if extra else p


def _from_neighbour(nb: Neighbour, nf: LoopFacts, ctx: QueryContext, keep: bool) -> Pragma | None:
    p0 = parse_or_none(nb.pragma)
    if p0 is None:
        return None
    p, _ = adapt(p0, nf, ctx.facts, ctx.query.stripped, analysis_decides=True,
                 keep_directive=keep, spellings=ctx.spellings)
    return p


def generate(ctx: QueryContext, facts_of, stats: TemplateStats | None, *,
             exclude: Exclude = None, n_templates: int = 8) -> list[Candidate]:
    """The candidates for one loop, each with the sources that proposed it
    (``facts_of(neighbour)``: a neighbour's analysis; ``exclude``: a group whose pairs the
    template statistics leave out)."""
    pool: dict[str, Candidate] = {}
    done: dict[tuple[Pragma, bool], Pragma | None] = {}

    def add(p: Pragma | None, orphan_ok: bool = False, **src: float) -> None:
        if p is None:
            return
        if (p, orphan_ok) not in done:
            done[(p, orphan_ok)] = finish(p, ctx, orphan_ok)
        q = done[(p, orphan_ok)]
        if q is None:
            return
        text = q.render()
        c = pool.get(text)
        if c is None:
            c = pool[text] = Candidate(q, text)
        for k, v in src.items():
            c.note(k, v, "sum" if k.endswith("_n") else "max")

    add(portable(ctx), analysis=1.0)
    add(portable(ctx, data=False), analysis_nodata=1.0)
    if stats is not None:
        for i, tpl in enumerate(stats.top(ctx.feats, n_templates, exclude)):
            add(instantiate(tpl, ctx.facts), template_rank=1.0 / (1 + i))
    enclosing = ctx.query.enclosing
    ranks = {"ws": 0, "nb": 0}
    for nb in ctx.neighbours:
        kind = "ws" if nb.workspace else "nb"
        ranks[kind] += 1
        nf = facts_of(nb)
        src: dict[str, Any] = {
            f"{kind}_n": 1.0, f"{kind}_sim": nb.score, f"{kind}_best": 1.0 / ranks[kind],
            f"{kind}_same_file": float(nb.same_file)}
        add(_from_neighbour(nb, nf, ctx, _same_context(nb, enclosing)), **src)
        if not ctx.feats.in_region and _orphan(nb) and nb.workspace:
            add(_from_neighbour(nb, nf, ctx, True), orphan_ok=True,
                **{f"{kind}_orphan": 1.0, **src})
    if ctx.feats.compute == "kernels" and ctx.facts.safe and not ctx.query.examples:
        for c in list(pool.values()):
            for p in _proof_stated(c.pragma):
                q = finish(p, ctx)
                if q is not None and (text := q.render()) not in pool:
                    pool[text] = Candidate(q, text, dict(c.src))
    return list(pool.values())


_SAYS_INDEPENDENCE = ("independent", "seq", "auto")
_LEVEL_CLAUSES = ("gang", "worker", "vector")


def _proof_stated(p: Pragma) -> list[Pragma]:
    """A ``loop`` that says nothing of its independence, with ``independent`` before its
    clauses and after its level clauses (module doc); none for any other pragma."""
    if p.directive != "loop" or any(p.has(n) for n in _SAYS_INDEPENDENCE):
        return []
    ind = Clause("independent")
    cl = list(p.clauses)
    after = max((i + 1 for i, c in enumerate(cl) if c.name.lower() in _LEVEL_CLAUSES), default=0)
    first = Pragma(p.directive, (ind, *cl))
    last = Pragma(p.directive, (*cl[:after], ind, *cl[after:]))
    return [first] if first == last else [first, last]


def template_of(c: Candidate) -> tuple[str, ...]:
    return template(c.pragma)
