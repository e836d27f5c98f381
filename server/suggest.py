"""The one suggestion pipeline (DESIGN §1): engine → parsed pragma (a model's text: its first
``#pragma acc`` line, parsed) → validate → safety guard → notes → text.  The CLI, the HTTP
server, the LSP and the evaluation all call :func:`suggest`; it is the only place that runs the
guard (:func:`server.safety.check`) and renders the pragma.

The loop is analysed once per suggestion (:meth:`LoopQuery.facts`): the engine and the guard
read the same facts, so the notes of both speak of the same lines (the convention of
:mod:`accellium.dataset.analysis.facts`: file lines when the query gives ``first_line``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from accellium.dataset.analysis import Note, NoteKind
from accellium.dataset.pragma import Pragma, PragmaError, parse_valid
from accellium.dataset.prompt import first_pragma_line
from accellium.server.engines import Engine, EngineAnswer, EngineError, LoopQuery, get_engine

__all__ = ["Suggestion", "suggest", "postprocess"]

# An engine that reported one of these (the analysis's own notes) has explained why the loop
# is unsafe: the guard's notes are added only when the guard changes its answer.
_EXPLAINS_UNSAFE = frozenset({NoteKind.DEPENDENCE, NoteKind.EXIT})


@dataclass
class Suggestion:
    pragma: str | None
    directive: str | None
    clauses: list[str]
    notes: list[str]  # from the pipeline: Note (text with kind, variable, line)
    engine: str
    adapter: str | None = None
    valid: bool = True
    alternatives: list[str] = field(default_factory=list)
    fallback: str | None = None  # why the answer comes from the fallback engine, if it does
    elapsed_ms: float = 0.0
    confidence: float | None = None  # the engine's calibrated confidence, when it has one
    # The engine's pragma before the safety guard (the evaluation measures both); not part of
    # the HTTP or CLI answer.
    unguarded: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("unguarded")
        return out


def _parsed(answer: Pragma | str | None) -> Pragma:
    """The engine's pragma, validated: a model's text is its first ``#pragma acc`` line; a
    parsed Pragma is checked on its canonical text, as text is. Raises PragmaError."""
    if answer is None:
        raise PragmaError("no answer")
    text = answer.render() if isinstance(answer, Pragma) else answer
    line = first_pragma_line(text)
    if line is None:
        raise PragmaError("the answer contains no '#pragma acc' line")
    return parse_valid(line)


def postprocess(raw: Pragma | str | None) -> str:
    """First ``#pragma acc`` line of ``raw``, parsed, validated and rendered; raises
    PragmaError."""
    return _parsed(raw).render()


def _answer_pragma(answer: EngineAnswer) -> Pragma | None:
    if answer.pragma is None and answer.raw is None:
        return None
    return _parsed(answer.pragma if answer.pragma is not None else answer.raw)


def _alternatives(answer: EngineAnswer) -> list[Pragma]:
    """The engine's alternatives that parse and validate (the others are dropped)."""
    out = []
    for alt in answer.alternatives:
        try:
            out.append(_parsed(alt))
        except PragmaError:
            continue
    return out


def _guarded_alternatives(query: LoopQuery, alternatives: list[Pragma], main: Pragma | None
                          ) -> list[str]:
    """The alternatives as the safety guard lets them through (an editor offers each as a
    quick fix of its own, so each must be as safe as the answer): what it rejects is
    dropped, what it corrects is kept corrected, a repeat of the answer or of an earlier
    alternative is dropped; their rank order is kept."""
    from accellium.server.safety import check

    seen = {main.render()} if main is not None else set()
    out = []
    for alt in alternatives:
        got, _ = check(query, alt)
        text = got.render() if got is not None else None
        if text is not None and text not in seen:
            seen.add(text)
            out.append(text)
    return out


def _guarded(query: LoopQuery, p: Pragma | None, notes: list[Note]) -> Pragma | None:
    """The safety guard on ``p``; its notes join ``notes`` when it changes the answer or the
    engine has not explained the dependence itself."""
    from accellium.server.safety import check

    if p is None:
        return None
    out, guard_notes = check(query, p)
    changed = out is None or out.render() != p.render()
    said = any(n.kind in _EXPLAINS_UNSAFE for n in notes)
    if changed or not said:
        notes.extend(n for n in guard_notes if n not in notes)
    return out


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
    notes: list[Note] = []
    fell_back: str | None = None
    used = eng.name
    try:
        answer = eng.suggest(query)
        notes.extend(answer.notes)
        p = _answer_pragma(answer)
        alternatives = _alternatives(answer)
    except (PragmaError, EngineError) as e:
        if fallback is None:
            raise
        fb = get_engine(fallback) if isinstance(fallback, str) else fallback
        fell_back = f"{eng.name} answer rejected ({e}); used {fb.name}"
        answer = fb.suggest(query)
        notes = list(answer.notes)
        try:
            p = _parsed(answer.pragma) if answer.pragma is not None else None
        except PragmaError as e2:  # nothing valid to render: no pragma, and say why
            p = None
            notes.append(Note(f"no suggestion: the answer is not a valid pragma ({e2})",
                              NoteKind.ENGINE))
        alternatives = []
        used = fb.name
    unguarded = p.render() if p is not None else None
    if guard:
        p = _guarded(query, p, notes)
        offered = _guarded_alternatives(query, alternatives, p)
    else:
        offered = [a.render() for a in alternatives]
    text = p.render() if p is not None else None
    return Suggestion(
        pragma=text,
        directive=p.directive if p is not None else None,
        clauses=p.clause_texts if p is not None else [],
        notes=list(notes),
        engine=used,
        adapter=query.adapter,
        valid=True,
        alternatives=offered,
        fallback=fell_back,
        elapsed_ms=round((time.perf_counter() - t0) * 1000, 3),
        confidence=getattr(answer, "confidence", None) if text is not None else None,
        unguarded=unguarded,
    )
