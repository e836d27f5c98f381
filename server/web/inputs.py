"""From a validated request to a :class:`LoopQuery`: exactly one C/C++ ``for`` loop.

The request models (:mod:`server.api_models`) have already refused text that is too long, not
valid Unicode or nested too deeply; what is left here is the loop finding itself, which runs in
a worker thread (:mod:`server.web.work`), never on the event loop.
"""

from __future__ import annotations

from accellium.dataset.analysis import LoopScope, scope_of
from accellium.dataset.analysis.macros import Macro, parse_define
from accellium.dataset.loops import Loop, find_loops, normalize_lang, strip_comments
from accellium.dataset.offload.shapes import is_object_declaration
from accellium.dataset.prompt import Example
from accellium.server.api_models import CommandLineModel, ScopeModel, SuggestRequest
from accellium.server.engines import LoopQuery
from accellium.server.text_checks import nesting_problem, surrogate_problem

__all__ = ["CodeError", "check_code", "to_query", "parse_defines", "command_macros"]


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
    scope = _scope(req.context.scope, loop, lang) if req.context.scope is not None else None
    return LoopQuery(code=loop.text, lang=lang, enclosing=tuple(enclosing), examples=examples,
                     adapter=req.adapter, scope=scope, first_line=req.first_line + loop.line - 1)


def _same_code(a: str, b: str) -> bool:
    return " ".join(strip_comments(a).split()) == " ".join(strip_comments(b).split())


def parse_defines(lines: list[str], lang: str,
                  where: str = "context.scope.defines") -> tuple[Macro, ...]:
    """A request's header macros, each one ``#define`` directive (else :class:`CodeError`
    naming ``where`` and the entry's index)."""
    out = []
    for k, line in enumerate(lines):
        m = parse_define(line, lang)
        if m is None:
            raise CodeError(f"{where}[{k}] is not one #define directive "
                            "(`#define NAME(params) body` or `#define NAME body`)")
        out.append(m)
    return tuple(out)


def command_macros(model: CommandLineModel, lang: str) -> tuple[Macro, ...]:
    """The macros a request's ``command_line`` defines before the first line (a name it also
    undefines is not one: gcc reads ``-D`` then ``-U`` here)."""
    from accellium.dataset.analysis.conditions import command_line

    return command_line(model.words(), model.complete, lang)[1]


def _scope(model: ScopeModel, loop: Loop, lang: str) -> LoopScope:
    """The request's scope, checked: its offset must be the ``for`` of the request's loop
    (otherwise the analysis would read what follows some other loop)."""
    raw = model.source.encode("utf-8")
    if model.offset >= len(raw):
        raise CodeError(f"context.scope.offset {model.offset} is past the end of "
                        f"context.scope.source ({len(raw)} bytes)")
    there = [lp for lp in find_loops(raw, lang) if lp.start_byte == model.offset]
    if not there:
        raise CodeError(f"context.scope.offset {model.offset} is not the start of a for loop "
                        "in context.scope.source")
    if not _same_code(there[0].text, loop.text):
        raise CodeError(f"the loop at context.scope.offset {model.offset} is not the loop in "
                        "code")
    macros = parse_defines(model.defines, lang)
    if model.command_line is not None:  # the -D macros first: a header's definition wins
        macros = command_macros(model.command_line, lang) + macros
    for k, d in enumerate(model.declarations):
        if not is_object_declaration(d, lang):
            raise CodeError(f"context.scope.declarations[{k}] {d[:80]!r} is not one "
                            "declaration of objects")
    # the headers' declarations as one header included before the loop (its globals)
    headers = ((0, "\n".join(model.declarations).encode("utf-8")),) \
        if model.declarations else ()
    scope = scope_of(raw, model.offset, lang, macros, frozenset(model.routines),
                     frozenset(model.types), headers)
    if scope is None:  # pragma: no cover - sizes are limited by the request model
        raise CodeError("context.scope.source is too large")
    return scope
