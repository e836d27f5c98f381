"""Diagnostics on existing pragmas and hover text for them.

* An ``#pragma acc`` line that does not parse or validate (``unknown clause `presnt```) gets a
  warning on the clause (or the line).
* A ``parallel loop`` (or a ``loop`` that is independent, explicitly or inside a ``parallel``
  region) on a loop with a loop-carried dependence the analysis sees gets a warning.
* Hover on a pragma: the directive and each clause in a line (``DIRECTIVE_DOCS``,
  ``CLAUSE_DOCS``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from lsprotocol import types

from accellium.dataset.loops import Loop
from accellium.dataset.pragma import (
    CLAUSE_DOCS,
    DIRECTIVE_DOCS,
    Pragma,
    PragmaError,
    parse,
    validate,
)

from .document import AnnotatedLoop, DocView

log = logging.getLogger(__name__)

__all__ = ["pragma_diagnostics", "carried_diagnostics", "hover_text", "pragma_span", "SOURCE",
           "refresh_view"]

SOURCE = "accellium"
MAX_DIAG_PRAGMAS = 2000
MAX_DOC_EXAMPLES = 500  # style examples taken from one document
_analysis_cache: OrderedDict[tuple, list[tuple[str, str]]] = OrderedDict()
_cache_lock = threading.Lock()  # diagnostics run in worker threads
_warned = False


def _backquote(msg: str) -> str:
    return re.sub(r"'([^'\s][^']*)'", r"`\1`", msg)


def pragma_span(doc: DocView, row: int) -> tuple[int, int, str] | None:
    """(first row, last row, joined text) of the ``#pragma acc`` directive covering ``row``
    (``row`` may be a continuation line)."""
    first = row
    while first > 0 and doc.line_text(first - 1).rstrip().endswith("\\"):
        first -= 1
    text = doc.line_text(first)
    if not re.match(r"^\s*#\s*pragma\s+acc\b", text):
        return None
    last = first
    parts = [text]
    while parts[-1].rstrip().endswith("\\") and last + 1 < doc.line_count():
        last += 1
        parts.append(doc.line_text(last))
    if row > last:
        return None
    joined = " ".join(p.rstrip().rstrip("\\") for p in parts)
    return first, last, joined


def _line_range(doc: DocView, first: int, last: int) -> types.Range:
    raw = doc.lines.line_bytes(first)
    c0 = len(raw) - len(raw.lstrip())
    end_raw = doc.lines.line_bytes(last)
    return types.Range(types.Position(first, doc.col_out(first, c0)),
                       types.Position(last, doc.col_out(last, len(end_raw))))


def _clause_range(doc: DocView, first: int, last: int, clause: str | None) -> types.Range:
    if clause:
        for row in range(first, last + 1):
            raw = doc.lines.line_bytes(row)
            m = re.search(rb"(?<![\w])" + re.escape(clause.encode()) + rb"(?![\w])", raw)
            if m and (row != first or m.start() > raw.find(b"acc")):
                return types.Range(types.Position(row, doc.col_out(row, m.start())),
                                   types.Position(row, doc.col_out(row, m.end())))
    return _line_range(doc, first, last)


def pragma_diagnostics(doc: DocView, first: int, last: int, text: str
                       ) -> tuple[Pragma | None, list[types.Diagnostic]]:
    try:
        p = parse(text)
    except PragmaError as e:
        return None, [types.Diagnostic(
            range=_line_range(doc, first, last), message=_backquote(str(e)),
            severity=types.DiagnosticSeverity.Warning, source=SOURCE, code="invalid-pragma")]
    out = []
    for prob in validate(p):
        sev = (types.DiagnosticSeverity.Warning if prob.severity == "error"
               else types.DiagnosticSeverity.Hint)
        out.append(types.Diagnostic(
            range=_clause_range(doc, first, last, prob.clause), message=_backquote(prob.message),
            severity=sev, source=SOURCE, code="invalid-pragma"))
    return p, out


def _independent(p: Pragma, enclosing: list[str]) -> bool:
    """Does the pragma assert the loop's iterations are independent?"""
    names = {c.canonical_name for c in p.clauses}
    if names & {"seq", "auto"}:
        return False
    if p.directive in {"parallel loop"} or "independent" in names:
        return True
    if p.directive == "loop":
        for e in reversed(enclosing):
            try:
                d = parse(e).directive
            except PragmaError:
                continue
            if d in {"parallel", "parallel loop"}:
                return True
            if d in {"kernels", "kernels loop", "serial", "serial loop"}:
                return False
    return False


def _carried(code: str, lang: str, enclosing: tuple[str, ...],
             first_line: int = 1) -> list[tuple[str, str]]:
    """[(variable, message)] of the loop-carried dependences the analysis sees (cached); the
    messages name file lines (``first_line``: the loop's 1-based line)."""
    global _warned
    key = (code, lang, enclosing, first_line)
    with _cache_lock:
        got = _analysis_cache.get(key)
        if got is not None:
            _analysis_cache.move_to_end(key)
            return got
    try:
        from accellium.dataset.analysis import analyze
    except ImportError as e:
        if not _warned:
            _warned = True
            log.warning("no loop analysis available (%s): no dependence diagnostics", e)
        return []
    try:
        facts = analyze(code, lang, list(enclosing), first_line=first_line)
        got = [(str(getattr(c, "var", "")), str(getattr(c, "message", c)))
               for c in (getattr(facts, "carried", None) or [])]
    except Exception:
        log.exception("analysis failed")
        got = []
    with _cache_lock:
        _analysis_cache[key] = got
        while len(_analysis_cache) > 4096:
            _analysis_cache.popitem(last=False)
    return got


def carried_diagnostics(doc: DocView, first: int, last: int, p: Pragma, lp: Loop
                        ) -> list[types.Diagnostic]:
    if p.directive not in {"parallel loop", "kernels loop", "loop", "serial loop"}:
        return []
    if not _independent(p, lp.enclosing):
        return []
    covered: set[str] = set()
    for c in p.clauses:
        if c.canonical_name in {"reduction", "private", "firstprivate"}:
            covered.update(c.variables())
    out = []
    for var, message in _carried(lp.stripped, doc.lang, tuple(lp.enclosing), lp.line):
        if var and var in covered:
            continue
        out.append(types.Diagnostic(
            range=_line_range(doc, first, last),
            message=f"`{p.directive}` on a loop with a loop-carried dependence: "
                    f"{_backquote(message)}",
            severity=types.DiagnosticSeverity.Warning, source=SOURCE, code="carried-dependence"))
    return out


def hover_text(doc: DocView, row: int) -> tuple[str, types.Range] | None:
    span = pragma_span(doc, row)
    if span is None:
        return None
    first, last, text = span
    try:
        p = parse(text)
    except PragmaError as e:
        return f"**OpenACC**: this pragma does not parse: {_backquote(str(e))}", \
            _line_range(doc, first, last)
    lines = [f"**`{p.directive}`** — {DIRECTIVE_DOCS.get(p.directive, 'unknown directive')}"]
    problems = {pr.clause: pr.message for pr in validate(p) if pr.clause}
    for c in p.clauses:
        if p.directive == c.name:  # directive arguments (cache(...), wait(...))
            continue
        doc_line = CLAUSE_DOCS.get(c.canonical_name) or CLAUSE_DOCS.get(c.name.lower())
        if c.name in problems:
            doc_line = "⚠ " + _backquote(problems[c.name])
        lines.append(f"- `{c.render()}` — {doc_line or 'unknown clause'}")
    return "\n".join(lines), _line_range(doc, first, last)


def refresh_view(view: DocView, check: Callable[[], None]
                 ) -> tuple[list[types.Diagnostic], list[AnnotatedLoop]]:
    """The diagnostics of a version's pragmas and its style examples (in a worker thread;
    ``check`` raises once the version is stale)."""
    diags: list[types.Diagnostic] = []
    examples: list[AnnotatedLoop] = []
    rows = view.pragma_rows()[:MAX_DIAG_PRAGMAS]
    labelled = view.labelled(rows, check)
    for k, row in enumerate(rows):
        if k % 64 == 0:
            check()
        span = pragma_span(view, row)
        if span is None:
            continue
        first, last, text = span
        p, ds = pragma_diagnostics(view, first, last, text)
        diags.extend(ds)
        lp = labelled.get(first)
        if p is not None and not ds and lp is not None:
            diags.extend(carried_diagnostics(view, first, last, p, lp))
        if lp is not None and lp.pragma is not None and len(examples) < MAX_DOC_EXAMPLES:
            examples.append(AnnotatedLoop(lp.pragma.text, lp.stripped, lp.pragma.start_line,
                                          tuple(lp.enclosing)))
    return diags, examples
