"""The code action "Offload this function (OpenACC data region)" (issue #15).

Offered on a function's header (the lines from the start of its definition to the ``{`` of its
body) or on a selection of several lines inside a function, when the function (the selection)
has a ``for`` loop and no ``#pragma acc`` line yet.  The plan itself is the one of
``accellium suggest --offload`` and ``POST /v1/offload``: :func:`accellium.server.offload.
offload_source` (the planner of :mod:`accellium.dataset.offload` with the per-loop answers of
the one suggestion pipeline, the safety guard included); its line edits become byte edits with
:func:`accellium.server.offload.edit_bytes` (each new line ends with the break of the line it
goes above) and those become ONE ``WorkspaceEdit``.

Planning runs the engine on every loop of the function, so the action is offered at once and
computed in ``codeAction/resolve`` (clients without resolve support get it computed within the
code-action budget).  The edit is computed on the version the action was offered for and
carries that version; a document that changed in between gets no edit and a message saying to
ask again, never an edit against text that is gone.

With the ``offloadProgram`` setting (:mod:`.program`) the planner is given the program's other
files (``--program``): the callers there get their data regions, and the ONE workspace edit
covers every file it changes (each open document with its version).  A file read from the disk
has no version the client could check: the action then carries a command instead of the edit,
and the server checks every file the plan read before it sends the edit
(:mod:`.offload_apply`).  A program that cannot be used is said in a message, and the document
is planned alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from tree_sitter import Node

from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.includes import Included
from accellium.dataset.offload import PlanInputError
from accellium.dataset.pragma import is_acc_pragma

from .actions import kind_matches, workspace_edit
from .document import DocView
from .offload_backend import BackendRefused, backend_plan
from .program import ProgramFile, read_program
from .text import Text, lone_cr_to_lf

if TYPE_CHECKING:
    from accellium.dataset.analysis.macros import Macro

    from .server import AccelliumServer

log = logging.getLogger("accellium.lsp")

__all__ = ["OFFLOAD_TITLE", "OffloadTarget", "FileEdits", "offload_target", "offload_action",
           "plan_edits", "resolve_offload", "wants_offload", "offload_edit", "with_edit",
           "apply_command", "Computed"]

OFFLOAD_TITLE = "Offload this function (OpenACC data region)"
OFFLOAD_KIND = types.CodeActionKind.RefactorRewrite
OFFLOAD_BUDGET_S = 60.0  # planning time one request may spend (every loop of the function)
STALE = ("accellium: the document changed after the offload action was offered; no edit was "
         "made. Ask for code actions again.")


def wants_offload(only: Sequence[str] | None) -> bool:
    """Whether a request's ``context.only`` admits the offload action (``refactor``,
    ``refactor.rewrite`` or no filter)."""
    return not only or kind_matches(OFFLOAD_KIND, only)


@dataclass(frozen=True)
class OffloadTarget:
    """What the action plans: the function at ``row`` (0-based row of its definition) or the
    loops of the selected ``rows`` inside it."""

    name: str
    rows: tuple[int, int]  # the rows handed to the planner (one row: the whole function)


def _last_row(n: Node) -> int:
    """The last row ``n`` has text on (a preprocessor line's node ends at column 0 of the
    next row: that row is not its)."""
    r, c = n.end_point
    return r - 1 if c == 0 and r > n.start_point[0] else r


def _functions_at(view: DocView, row: int) -> list[Node]:
    """The function definitions containing ``row``, outermost first."""
    out: list[Node] = []
    node = view.tree.root_node
    while True:
        nxt = None
        for ch in node.named_children:
            if ch.start_point[0] <= row <= _last_row(ch):
                nxt = ch
                break
        if nxt is None:
            return out
        if nxt.type == "function_definition":
            out.append(nxt)
        node = nxt


def _has_loop(node: Node, first: int, last: int) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.end_point[0] < first or n.start_point[0] > last:
            continue
        if n.type in ("for_statement", "for_range_loop") and first <= n.start_point[0] and \
                n.end_point[0] <= last:
            return True
        stack.extend(n.named_children)
    return False


def _name(fn: Node) -> str:
    """The function's name as the planner reads it (empty when it has none)."""
    return function_name(fn)[0] or ""


def selected_rows(rng: types.Range) -> tuple[int, int]:
    """The rows a range covers (a selection ending at column 0 stops on the line above)."""
    first, last = rng.start.line, rng.end.line
    if last > first and rng.end.character == 0:
        last -= 1
    return first, max(first, last)


def offload_target(view: DocView, rng: types.Range) -> OffloadTarget | None:
    """The function (or selection) the action would plan, or None where it is not offered."""
    first, last = selected_rows(rng)
    if not 0 <= first < view.line_count():
        return None
    fns = _functions_at(view, first)
    if not fns:
        return None
    fn = fns[-1]
    f0, f1 = fn.start_point[0], fn.end_point[0]
    body = _field(fn, "body")
    header_end = body.start_point[0] if body is not None else f0
    if first == last:
        if not f0 <= first <= header_end:  # a cursor in the body: the per-loop quick fixes
            return None
        rows = (first, first)
        span = (f0, f1)
    else:
        if last > f1:
            return None
        rows = (first, last)
        span = (max(first, f0), last)
    if not _has_loop(fn, *span):
        return None
    if any(is_acc_pragma(view.line_text(r)) for r in range(f0, f1 + 1)):
        return None  # already ported (re-planning it is `suggest --offload --replace`)
    return OffloadTarget(_name(fn), rows)


@dataclass(frozen=True)
class FileEdits:
    """The edits of one of the program's other files (``version``: its open document's)."""

    uri: str
    version: int | None
    edits: list[types.TextEdit]


def offload_edit(uri: str, version: int | None, edits: list[types.TextEdit],
                 others: Sequence[FileEdits], document_changes: bool) -> types.WorkspaceEdit:
    """ONE workspace edit: the document's edits, then those of the program's other files."""
    if not others:
        return workspace_edit(uri, version, edits, document_changes)
    if document_changes:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=u, version=v),
            edits=list(e)) for u, v, e in [(uri, version, edits),
                                           *((f.uri, f.version, f.edits) for f in others)]])
    return types.WorkspaceEdit(changes={uri: edits, **{f.uri: f.edits for f in others}})


def offload_action(view: DocView, target: OffloadTarget, data: dict | None = None,
                   edit: types.WorkspaceEdit | None = None) -> types.CodeAction:
    return types.CodeAction(title=OFFLOAD_TITLE, kind=OFFLOAD_KIND, edit=edit, data=data)


#: (the document's edits, the plan's notes, the edits of the program's other files)
Edits = tuple[list[types.TextEdit], list[str], list[FileEdits]]


def plan_edits(view: DocView, target: OffloadTarget, engine: Any, fallback: Any,
               includes: Included | None = None,
               program: tuple[ProgramFile, ...] | None = None,
               read_headers: Callable[[str, bytes, str], Included | None] | None = None
               ) -> Edits:
    """The plan's edits as LSP text edits (``includes``: the macros of the document's
    headers, :mod:`.headers`; ``program``: the program's other files, :mod:`.program`, whose
    own headers ``read_headers`` gives: path, text, language -> :class:`Included`).  The
    functions of those files the embedded engine offloads are no host code to the plan
    (:func:`accellium.server.offload.program_offloading`: each file may be planned in turn).
    Runs the engine: call it in a worker thread."""
    from accellium.server.offload import (
        all_edits,
        caller_plans,
        edit_bytes,
        offload_source,
        program_offloading,
        program_unit_headers,
        program_units,
    )

    from .headers import fs_path

    # Rows as the LSP counts them (a lone CR ends a line): the same length, the same offsets.
    src = lone_cr_to_lf(view.source)
    others = None if program is None else {f.rel: lone_cr_to_lf(f.data) for f in program}
    includes_of: Callable[[str, bytes], Included | None] | None = None
    if program is not None and read_headers is not None:
        paths = {f.rel: f.real or fs_path(f.uri) or f.rel for f in program}
        reader = read_headers

        def unit_includes(r: str, t: bytes) -> Included | None:
            return reader(paths[r], t, view.lang)

        # each unit's headers read once, for its declarations and the engine's answers
        read = includes_of = cache(unit_includes)

        def texts_of(r: str, t: bytes) -> tuple[bytes, ...]:
            inc = read(r, t)
            return tuple(h for _, h in inc.texts) if inc is not None else ()

        headers = program_unit_headers({f.rel: f.data for f in program}, texts_of)
    else:
        headers = None
    offloading = program_offloading(
        others, fallback if fallback is not None else engine, view.lang, includes_of) \
        if others is not None else frozenset()
    try:
        plans = offload_source(src, engine, lang=view.lang, rows=target.rows, fallback=fallback,
                               includes=includes,
                               program=None if others is None else program_units(others),
                               program_headers=headers, offloading=offloading)
    except PlanInputError as e:
        return [], [str(e)], []
    notes = [n for p in plans for n in p.notes]
    edits = all_edits(plans)
    callers = caller_plans(src, plans, view.lang, others) if others else {}
    files = [f for f in program or () if f.rel in callers]
    out = [FileEdits(f.uri, f.version,
                     byte_text_edits(Text(f.data, view.encoding),
                                     edit_bytes(f.data, all_edits(callers[f.rel]))))
           for f in files]
    return (text_edits(view, edit_bytes(view.source, edits)) if edits else []), notes, out


def byte_text_edits(text: Text, edits: list[tuple[int, int, bytes]]) -> list[types.TextEdit]:
    """Byte edits ``(start, end, text)`` of ``text`` as LSP text edits."""
    out = []
    for start, end, new in edits:
        s, e = text.position(start), text.position(end)
        out.append(types.TextEdit(range=types.Range(types.Position(*s), types.Position(*e)),
                                  new_text=new.decode("utf-8")))
    return out


def text_edits(view: DocView, edits: list[tuple[int, int, bytes]]) -> list[types.TextEdit]:
    """Byte edits ``(start, end, text)`` of ``view.source`` as LSP text edits."""
    return byte_text_edits(view.text, edits)


def _program(ls: AccelliumServer, view: DocView) -> tuple[ProgramFile, ...] | None:
    """The program's other files of the ``offloadProgram`` setting (None: plan the document
    alone; a program that cannot be used is said in a message).  Reads files: a worker."""
    patterns = ls.settings.offload_program
    if not patterns:
        return None
    buffers = {u: (d.version, d.source) for u, d in list(ls.docs.items()) if u != view.uri}
    got = read_program(patterns, view.uri, view.lang, ls.workspace_paths(), buffers,
                       lone_cr_to_lf(view.source))
    if isinstance(got, str):
        ls.show("warning", f"accellium: offloadProgram not used ({got}); this document is "
                           "planned alone")
        return None
    return got


def backend_fields(ls: AccelliumServer, view: DocView,
                   program: tuple[ProgramFile, ...] | None) -> tuple[tuple[Macro, ...], dict]:
    """What ``/v1/offload`` needs to read the document's macros as the server here does: the
    header macros it uses (``defines``), its build's -D/-U (``command_line``: they decide the
    groups of the headers among ``program`` that the backend reads) and, with program files,
    its path among them (``path``: its quoted includes are found next to it).  Reads files:
    a worker."""
    from accellium.server.offload import PROGRAM_SUFFIXES

    from .build import command_line_json
    from .headers import fs_path

    defines = ls.headers.document_defines(view)
    fields: dict[str, Any] = {}
    path = fs_path(view.uri)
    if path is None:
        return defines, fields
    cl = command_line_json(ls.build_flags(path), view.lang)
    if cl is not None:
        fields["command_line"] = cl
    if program:
        rel = os.path.relpath(os.path.realpath(path), program[0].root).replace(os.sep, "/")
        if not rel.startswith("../") and "\\" not in rel and \
                rel.lower().endswith(PROGRAM_SUFFIXES):
            fields["path"] = rel
    return defines, fields


#: :data:`Edits` and the program's other files the plan read (None: planned alone)
Computed = tuple[list[types.TextEdit], list[str], list[FileEdits], tuple[ProgramFile, ...] | None]


async def compute(ls: AccelliumServer, view: DocView, target: OffloadTarget) -> Computed:
    """The plan's edits: from the backend when one is set and the target is a whole function
    (:mod:`.offload_backend`), else in-process; with the program's files they were planned
    on."""
    service = ls.service
    program = await ls.jobs.run(lambda _check: _program(ls, view), timeout=OFFLOAD_BUDGET_S)
    if service.uses_backend and target.rows[0] == target.rows[1] and target.name:
        defines, fields = await ls.jobs.run(lambda _check: backend_fields(ls, view, program),
                                            timeout=OFFLOAD_BUDGET_S)
        got = await backend_plan(service, view, target.name, OFFLOAD_BUDGET_S, program, defines,
                                 fields)
        if got is not None:
            by_rel = {f.rel: f for f in program or ()}
            return text_edits(view, got[0]), got[1], [
                FileEdits(by_rel[r].uri, by_rel[r].version,
                          byte_text_edits(Text(by_rel[r].data, view.encoding), e))
                for r, e in got[2].items() if e], program
    engine = await _engine(ls, service.settings.engine)
    fallback = await _engine(ls, "analysis")
    if engine is None:
        engine, fallback = fallback, None
    if engine is None:
        return [], ["no embedded engine could be loaded"], [], program
    edits, notes, others = await ls.jobs.run(
        lambda _check: plan_edits(view, target, engine, fallback, ls.headers.included(view),
                                  program, ls.headers.unit_includes),
        lane=ls.engine_lane(view.uri), timeout=OFFLOAD_BUDGET_S)
    return edits, notes, others, program


def with_edit(ls: AccelliumServer, action: types.CodeAction, uri: str, version: int | None,
              computed: Computed, token: str | None = None) -> types.CodeAction:
    """The action with its ONE workspace edit; when the plan read program files from the
    disk (no version to check), the command ``accellium.applyOffload`` that checks them first
    instead (:mod:`.offload_apply`; ``token``: the one the action was offered with)."""
    from .offload_apply import Pending, file_checks, from_disk

    edits, _notes, others, program = computed
    if program is not None and from_disk(program):
        token = ls.pending_offloads.settle(token, Pending(uri, version, edits, others,
                                                          file_checks(program)))
        action.edit = None
        action.command = apply_command(token)
        return action
    if token is not None:
        ls.pending_offloads.settle(token, None)  # the command that runs after the edit: none
    action.edit = offload_edit(uri, version, edits, others, ls.document_changes())
    return action


def apply_command(token: str) -> types.Command:
    from .offload_apply import APPLY_OFFLOAD

    return types.Command(title=OFFLOAD_TITLE, command=APPLY_OFFLOAD, arguments=[token])


async def _engine(ls: AccelliumServer, name: str):
    import asyncio

    try:
        return await asyncio.to_thread(ls.service.engine, name)
    except Exception as e:
        log.warning("engine %s cannot be loaded: %s", name, type(e).__name__)
        return None


def _notes_message(notes: list[str]) -> str:
    text = "; ".join(notes[:4]) if notes else "the planner found nothing to change"
    return f"accellium: no offload plan for this function ({text[:600]})"


async def resolve_offload(ls: AccelliumServer, action: types.CodeAction, data: dict
                          ) -> types.CodeAction:
    """Fill in the edit of an offered offload action (the document version it was offered
    for, else no edit and a message); settle the token of its command, if it has one."""
    token = data.get("token")
    got = await _resolved(ls, action, data, token if isinstance(token, str) else None)
    if got is None and isinstance(token, str):
        ls.pending_offloads.settle(token, None)  # a message said why: the command does nothing
    return got or action


async def _resolved(ls: AccelliumServer, action: types.CodeAction, data: dict,
                    token: str | None) -> types.CodeAction | None:
    uri = data.get("uri")
    if not isinstance(uri, str):
        return None
    doc = ls.docs.get(uri)
    rows = data.get("rows")
    if doc is None or not (isinstance(rows, list) and len(rows) == 2 and
                           all(isinstance(r, int) and not isinstance(r, bool) for r in rows)):
        return None
    if doc.version != data.get("version"):
        ls.show("warning", STALE)
        return None
    view = await ls.parsed(doc)
    if view.version != data.get("version") or view.generation != doc.generation:
        ls.show("warning", STALE)
        return None
    target = OffloadTarget(str(data.get("function") or ""), (rows[0], rows[1]))
    try:
        computed = await compute(ls, view, target)
    except TimeoutError:
        ls.show("warning", "accellium: planning the offload took too long; no edit was made")
        return None
    except BackendRefused as e:
        ls.show("warning", f"accellium: the backend refused to plan this function ({e})")
        return None
    if doc.generation != view.generation or ls.docs.get(uri) is not doc:
        ls.show("warning", STALE)
        return None
    edits, notes, others, _program_files = computed
    if not edits and not others:
        ls.show("info", _notes_message(notes))
        return None
    return with_edit(ls, action, uri, view.version, computed, token)
