"""The one suggestion pipeline (DESIGN §1): engine → first ``#pragma acc`` line → parse →
validate → safety guard → notes.  The CLI, the HTTP server, the LSP and the evaluation all call
:func:`suggest`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from accellium.dataset.pragma import PragmaError, parse_valid
from accellium.dataset.prompt import first_pragma_line
from accellium.server.engines import Engine, EngineError, LoopQuery, get_engine

__all__ = ["Suggestion", "suggest", "postprocess"]


@dataclass
class Suggestion:
    pragma: str | None
    directive: str | None
    clauses: list[str]
    notes: list[str]
    engine: str
    adapter: str | None = None
    valid: bool = True
    alternatives: list[str] = field(default_factory=list)
    fallback: str | None = None  # why the answer comes from the fallback engine, if it does
    elapsed_ms: float = 0.0
    confidence: float | None = None  # the engine's calibrated confidence, when it has one

    def to_dict(self) -> dict:
        return asdict(self)


def _guard(query: LoopQuery, pragma_text: str | None) -> tuple[str | None, list[str]]:
    from accellium.server.safety import guard

    return guard(query, pragma_text)


def postprocess(raw: str | None) -> str:
    """First ``#pragma acc`` line of ``raw``, parsed and validated; raises PragmaError."""
    if raw is None:
        raise PragmaError("no answer")
    line = first_pragma_line(raw)
    if line is None:
        raise PragmaError("the answer contains no '#pragma acc' line")
    return parse_valid(line).render()


def suggest(
    query: LoopQuery,
    engine: Engine | str = "auto",
    *,
    fallback: Engine | str | None = "auto",
    guard: bool = True,
) -> Suggestion:
    """Suggest a pragma for one loop. A model answer that does not parse falls back to
    ``fallback`` (the response says so); the safety guard runs on every answer."""
    t0 = time.perf_counter()
    eng = get_engine(engine) if isinstance(engine, str) else engine
    notes: list[str] = []
    fell_back: str | None = None
    used = eng.name
    try:
        answer = eng.suggest(query)
        notes.extend(answer.notes)
        if answer.pragma is None and answer.raw is None:
            text: str | None = None
        else:
            text = postprocess(answer.pragma if answer.pragma is not None else answer.raw)
        alternatives = []
        for alt in answer.alternatives:
            try:
                alternatives.append(postprocess(alt))
            except PragmaError:
                continue
    except (PragmaError, EngineError) as e:
        if fallback is None:
            raise
        fb = get_engine(fallback) if isinstance(fallback, str) else fallback
        fell_back = f"{eng.name} answer rejected ({e}); used {fb.name}"
        answer = fb.suggest(query)
        notes = list(answer.notes)
        try:
            text = postprocess(answer.pragma) if answer.pragma is not None else None
        except PragmaError as e2:  # nothing valid to render: no pragma, and say why
            text = None
            notes.append(f"no suggestion: the answer is not a valid pragma ({e2})")
        alternatives = []
        used = fb.name
    if guard:
        before = text
        text, guard_notes = _guard(query, text)
        # The engine may have handled the dependence itself (and said so): only a rewrite here,
        # or a dependence no note mentions yet, adds the guard's notes.
        said = any("carried dependence" in n or "early exit" in n for n in notes)
        if text != before or not said:
            notes.extend(n for n in guard_notes if n not in notes)
    if text is None:
        directive, clauses = None, []
    else:
        p = parse_valid(text)
        directive, clauses = p.directive, p.clause_texts
    return Suggestion(
        pragma=text,
        directive=directive,
        clauses=clauses,
        notes=notes,
        engine=used,
        adapter=query.adapter,
        valid=True,
        alternatives=alternatives,
        fallback=fell_back,
        elapsed_ms=round((time.perf_counter() - t0) * 1000, 3),
        confidence=getattr(answer, "confidence", None) if text is not None else None,
    )
