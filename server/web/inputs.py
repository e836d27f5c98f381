"""From a validated request to a :class:`LoopQuery`: exactly one C/C++ ``for`` loop.

The request models (:mod:`server.api_models`) have already refused text that is too long, not
valid Unicode or nested too deeply; what is left here is the loop finding itself, which runs in
a worker thread (:mod:`server.web.work`), never on the event loop.
"""

from __future__ import annotations

from accellium.dataset.loops import find_loops, normalize_lang, strip_comments
from accellium.dataset.prompt import Example
from accellium.server.api_models import SuggestRequest
from accellium.server.engines import LoopQuery
from accellium.server.text_checks import nesting_problem, surrogate_problem

__all__ = ["CodeError", "check_code", "to_query"]


class CodeError(ValueError):
    """The request's code is not exactly one C/C++ for loop (→ 422)."""


def check_code(code: str, language: str | None):
    """Exactly one top-level ``for`` loop, nothing else but comments and preprocessor lines.
    Returns ``(lang, loop)``; raises :class:`CodeError` with the reason."""
    try:
        lang = normalize_lang(language)
    except ValueError as e:
        raise CodeError(str(e)) from None
    for problem in (surrogate_problem(code, "code"), nesting_problem(code, "code")):
        if problem:  # also checked by the request model; callers from Python get the same
            raise CodeError(problem)
    loops = find_loops(code, lang)
    top = [lp for lp in loops if lp.depth == 0]
    if not top:
        raise CodeError("no for statement found in code (send one C/C++ for loop with its body)")
    if len(top) > 1:
        lines = ", ".join(str(lp.line) for lp in top[:8])
        raise CodeError(f"{len(top)} top-level for loops (lines {lines}); send one loop per "
                        "request or use /v1/suggest/batch")
    loop = top[0]
    raw = code.encode("utf-8")
    outside = (raw[: loop.start_byte] + b"\n" + raw[loop.end_byte:]).decode("utf-8", "replace")
    rest = [ln.strip() for ln in strip_comments(outside).splitlines()]
    rest = [ln for ln in rest if ln and not ln.startswith("#")]
    if rest:
        snippet = " ".join(rest)[:60]
        raise CodeError(f"code has statements outside the for loop ('{snippet}'); "
                        "send exactly one for statement with its body")
    return lang, loop


def to_query(req: SuggestRequest) -> LoopQuery:
    """The engine query of a request; raises :class:`CodeError` (→ 422)."""
    lang, loop = check_code(req.code, req.language)
    enclosing = list(req.context.enclosing)
    for e in loop.enclosing:
        if e not in enclosing:
            enclosing.append(e)
    examples = tuple(Example(pragma=e.pragma, loop=e.loop,
                             enclosing=None if e.enclosing is None else tuple(e.enclosing),
                             same_file=e.same_file)
                     for e in req.context.examples)
    return LoopQuery(code=loop.text, lang=lang, enclosing=tuple(enclosing), examples=examples,
                     adapter=req.adapter)
