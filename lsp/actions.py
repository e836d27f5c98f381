"""Code actions: "Insert `#pragma acc ...`" / "Replace with `...`" for the loop at the cursor and
the loops enclosing it.  Cheap work first (find the loops, look in the cache, run a fast embedded
engine); anything slow (the backend, a model engine) waits for ``codeAction/resolve`` so it runs
only for the action the user picks.

Every edit inserts (or replaces) exactly one line — plus, for a compute construct on a loop
that calls functions of the file, a ``#pragma acc routine seq`` line above each of them that
lacks one (as ``accellium suggest --apply`` writes) — carries the document version it was
computed for (clients refuse a stale edit) and is built from the index *after* the last
``await``, so an edit that raced with typing is rebuilt against the current buffer or not
offered at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from accellium.dataset.analysis import LoopScope, scope_of
from accellium.dataset.analysis.macros import Macro
from accellium.dataset.loops import Loop, insertion_problem
from accellium.dataset.pragma import COMPUTE_DIRECTIVES, PragmaError, parse
from accellium.server.engines import LoopQuery
from accellium.server.suggest import Suggestion

from .document import DocView
from .text import lone_cr_to_lf

__all__ = ["kind_for", "loop_query", "build_edit", "title_for", "same_pragma",
           "insertable", "pragma_edit", "suggestion_action", "workspace_edit",
           "alternative_actions", "routine_edits", "MAX_ALTERNATIVES", "kind_matches"]

QUICKFIX = types.CodeActionKind.QuickFix
REFACTOR = types.CodeActionKind.RefactorRewrite  # "refactor.rewrite": answers refactor requests
SOURCE_ANNOTATE = "source.accellium.annotateFile"
#: the largest document sent as a loop's scope: the HTTP body limit is 1 MiB, and JSON escapes
#: can triple the size of a text (``\uXXXX`` pairs); a larger document goes without a scope
MAX_SCOPE_SEND = 256 * 1024
MAX_ALTERNATIVES = 2  # ranked alternatives offered after the main quick fix (innermost loop)


def _kind(k) -> str:
    return str(getattr(k, "value", k))


def kind_matches(kind: str, only: Sequence[str]) -> bool:
    """Whether a code action of ``kind`` is one a request's ``context.only`` asks for (the
    kind itself or a sub-kind of one listed)."""
    kind = _kind(kind)
    return any(kind == o or kind.startswith(o + ".") for o in map(_kind, only))


def kind_for(only: Sequence[str] | None) -> str | None:
    """The kind to give pragma actions for a request's ``context.only`` (None = none fits)."""
    if not only:
        return QUICKFIX
    for k in (QUICKFIX, REFACTOR):
        if kind_matches(k, only):
            return k
    return None


def wants_source_action(only: Sequence[str] | None) -> bool:
    return kind_matches(SOURCE_ANNOTATE, only) if only else False


def same_pragma(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return parse(a).normalized() == parse(b).normalized()
    except (PragmaError, AttributeError):
        return " ".join(a.split()) == " ".join(b.split())


def loop_query(doc: DocView, lp: Loop, examples, adapter: str | None,
               defines: Sequence[Macro] = (), routines: frozenset[str] = frozenset(),
               types: frozenset[str] = frozenset(),
               headers: tuple[tuple[int, bytes], ...] = (),
               compiled: bytes | None = None) -> LoopQuery:
    """The query for ``lp`` with the document as its scope (the analysis then sees the code
    around the loop: what is read after it, the functions it calls, the function it is in,
    and with ``defines``, ``routines``, ``types`` and ``headers`` the macros, device
    routines, type names and file-scope declarations of its headers, :mod:`.headers`; the
    declarations are read in-process only, a backend gets no header text); its notes name
    lines of the document (``first_line``), as the CLI's do.  ``compiled``: the text the
    build compiles (:meth:`.headers.HeaderCache.compiled`, same offsets), read in place of
    the document for the loop and its scope."""
    code = lp.text if compiled is None else \
        compiled[lp.start_byte:lp.end_byte].decode("utf-8", "replace")
    return LoopQuery(code=code, lang=doc.lang, enclosing=tuple(lp.enclosing),
                     examples=tuple(examples), adapter=adapter,
                     scope=doc_scope(doc, lp, defines, routines, types, headers, compiled),
                     first_line=lp.line)


def doc_scope(doc: DocView, lp: Loop, defines: Sequence[Macro] = (),
              routines: frozenset[str] = frozenset(),
              types: frozenset[str] = frozenset(),
              headers: tuple[tuple[int, bytes], ...] = (),
              compiled: bytes | None = None) -> LoopScope | None:
    """The document (or the text of it the build compiles: ``compiled``) as the loop's scope
    (None when it is larger than :data:`MAX_SCOPE_SEND`): lone CRs read as line breaks, as
    the LSP counts lines (same length, same offsets)."""
    if len(doc.source) > MAX_SCOPE_SEND:
        return None
    return scope_of(lone_cr_to_lf(doc.source if compiled is None else compiled), lp.start_byte,
                    doc.lang, defines, routines, types, headers)


def insertable(doc: DocView, lp: Loop) -> bool:
    """Can a pragma line go above the loop (or replace its label)?  The rules of the CLI's
    writer (:func:`accellium.dataset.loops.insertion_problem`): the ``for`` starts its line,
    the line above does not continue into it, and no other pragma (``#pragma omp``, ``GCC
    ivdep``) binds to it — an OpenACC line below or above one is rejected by gcc."""
    return insertion_problem(doc.lines, lp) is None


def title_for(lp: Loop, pragma: str, innermost: bool) -> str:
    verb = f"Replace with `{pragma}`" if lp.pragma is not None else f"Insert `{pragma}`"
    return verb if innermost else f"{verb} on the enclosing loop (line {lp.line})"


def _indent(doc: DocView, row: int) -> str:
    """The spaces and tabs that start line ``row``."""
    raw = doc.line_text(row)
    return raw[:len(raw) - len(raw.lstrip(" \t"))]


def build_edit(doc: DocView, lp: Loop, pragma: str) -> types.TextEdit | None:
    """One line: the pragma above the loop (its indentation), or in place of the loop's label.
    The line ends with the break of the line it goes above (LSP line model: ``\n``, ``\r\n``
    or ``\r``)."""
    if any(c in pragma for c in "\r\n\u2028\u2029\x85\f\v") or not insertable(doc, lp):
        return None
    if lp.pragma is not None:
        first, last = lp.pragma.start_line, lp.pragma.end_line
        indent = _indent(doc, first)
        eol = doc.eol(last)
        end = types.Position(last + 1, 0)
        if last + 1 >= doc.line_count():  # label on the last line (no loop below: unusual)
            end = types.Position(last, doc.col_out(last, len(doc.lines.line_bytes(last))))
            eol = ""
        return types.TextEdit(range=types.Range(types.Position(first, 0), end),
                              new_text=f"{indent}{pragma}{eol}")
    eol = doc.eol(lp.start_line)
    pos = types.Position(lp.start_line, 0)
    return types.TextEdit(range=types.Range(pos, pos), new_text=f"{lp.indent}{pragma}{eol}")


def workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit],
                   document_changes: bool) -> types.WorkspaceEdit:
    if document_changes:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def pragma_edit(doc: DocView, lp: Loop, pragma: str) -> types.TextEdit | None:
    """The edit that puts ``pragma`` on ``lp``, or None when the loop already carries it (or
    the edit cannot be made)."""
    if lp.pragma is not None and same_pragma(lp.pragma.text, pragma):
        return None
    return build_edit(doc, lp, pragma)


def routine_edits(doc: DocView, lp: Loop, pragma: str) -> list[types.TextEdit]:
    """``#pragma acc routine seq`` above each function of the file that a compute construct
    ``pragma`` on ``lp`` calls and that has none (OpenACC 3.3, 2.15.1: a function called on
    the device must be compiled for it, or the GPU link fails)."""
    from accellium.dataset.offload.routines import routine_sites

    try:
        if parse(pragma).directive not in COMPUTE_DIRECTIVES:
            return []
    except PragmaError:
        return []
    out = []
    for row, _, _ in routine_sites(lone_cr_to_lf(doc.source), doc.lang, lp.start_byte,
                                   lp.end_byte):
        pos = types.Position(row, 0)
        out.append(types.TextEdit(range=types.Range(pos, pos),
                                  new_text=f"{_indent(doc, row)}#pragma acc routine seq"
                                           f"{doc.eol(row)}"))
    return out


def suggestion_action(doc: DocView, lp: Loop, sug: Suggestion | None, innermost: bool,
                      kind: str, document_changes: bool) -> types.CodeAction | None:
    if sug is None or sug.pragma is None:
        return None
    edit = pragma_edit(doc, lp, sug.pragma)
    if edit is None:
        return None
    return types.CodeAction(
        title=title_for(lp, sug.pragma, innermost),
        kind=kind,
        is_preferred=innermost or None,
        edit=workspace_edit(doc.uri, doc.version,
                            [edit, *routine_edits(doc, lp, sug.pragma)], document_changes),
    )


def alternative_title(lp: Loop, pragma: str, rank: int) -> str:
    verb = "replace with" if lp.pragma is not None else "insert"
    return f"Alternative {rank}: {verb} `{pragma}`"


def alternative_actions(doc: DocView, lp: Loop, sug: Suggestion | None, kind: str,
                        document_changes: bool, limit: int = MAX_ALTERNATIVES
                        ) -> list[types.CodeAction]:
    """The engine's next-ranked pragmas for ``lp`` (at most ``limit``), each a quick fix after
    the main one: only where the main one is offered (a loop that already carries the
    suggested pragma is done), never one that repeats it or the pragma already there."""
    if sug is None or sug.pragma is None or pragma_edit(doc, lp, sug.pragma) is None:
        return []
    out: list[types.CodeAction] = []
    seen = [sug.pragma]
    for alt in sug.alternatives:
        if len(out) >= limit:
            break
        if not isinstance(alt, str) or any(same_pragma(alt, p) for p in seen):
            continue
        seen.append(alt)
        edit = pragma_edit(doc, lp, alt)
        if edit is None:
            continue
        out.append(types.CodeAction(
            title=alternative_title(lp, alt, len(out) + 1), kind=kind,
            edit=workspace_edit(doc.uri, doc.version, [edit, *routine_edits(doc, lp, alt)],
                                document_changes)))
    return out
