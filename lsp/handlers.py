"""The request handlers with work in them: code actions, their resolve, and the
``accellium.annotateFile`` command.

Each one finds its loops on a parsed snapshot in a worker thread (``ls.run``), asks for
suggestions (cache, embedded engine within a budget, backend), and builds its edits against the
snapshot of the version it answers for; when the document changed meanwhile it answers nothing
(the client asks again) rather than an edit for text that is gone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from accellium.dataset.loops import nest_problem

from .actions import (
    SOURCE_ANNOTATE,
    alternative_actions,
    build_edit,
    insertable,
    kind_for,
    pragma_edit,
    routine_edits,
    suggestion_action,
    title_for,
    wants_source_action,
    workspace_edit,
)
from .document import Cancelled, DocIndex, DocView, loop_id
from .logs import text
from .loop_notes import no_pragma_action, no_pragma_reason, running_action
from .offload import (
    apply_command,
    offload_action,
    offload_target,
    resolve_offload,
    wants_offload,
    with_edit,
)
from .offload import compute as compute_offload
from .offload_backend import BackendRefused

if TYPE_CHECKING:
    from .server import AccelliumServer

log = logging.getLogger("accellium.lsp")

__all__ = ["code_actions", "resolve_action", "annotate", "ANNOTATE_FILE"]

ANNOTATE_FILE = "accellium.annotateFile"
MAX_ACTION_LOOPS = 4  # the loop at the cursor and up to 3 enclosing loops


def _budget_s(name: str, default: float) -> float:
    """Seconds from the environment variable ``name`` (a positive number up to 600), else
    ``default``."""
    try:
        v = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return v if 0 < v <= 600 else default


#: embedded engine time one code-action request may spend (ACCELLIUM_ACTION_BUDGET_S)
ACTION_BUDGET_S = _budget_s("ACCELLIUM_ACTION_BUDGET_S", 10.0)


async def code_actions(ls: AccelliumServer, params: types.CodeActionParams):
    uri = params.text_document.uri
    doc = ls.doc_for_request(uri)
    only = params.context.only if params.context else None
    out: list[types.CodeAction] = []
    if wants_source_action(only):
        out.append(types.CodeAction(
            title="Annotate every loop of the file with OpenACC pragmas",
            kind=SOURCE_ANNOTATE,
            command=types.Command(title="Annotate file", command=ANNOTATE_FILE, arguments=[uri])))
    if doc is None:
        return out
    got = await _loop_actions(ls, params, doc, only)
    if got is None:
        return []
    out += got
    if wants_offload(only):
        off = await _offload_offer(ls, params, doc)
        if off is not None:
            out.append(off)
    return out


async def _offload_offer(ls: AccelliumServer, params: types.CodeActionParams,
                         doc: DocIndex) -> types.CodeAction | None:
    """The offload action when the range is a function header or a selection in a function
    with loops: deferred to resolve (or computed now for clients without resolve)."""
    view = await ls.parsed(doc)
    if view.generation != doc.generation:
        return None
    try:
        target = await ls.run(doc, view, lambda check: offload_target(view, params.range))
    except Cancelled:
        return None
    if target is None:
        return None
    uri = params.text_document.uri
    if ls.resolve_supported():
        data = {"uri": uri, "offload": True, "function": target.name,
                "rows": list(target.rows), "version": view.version}
        action = offload_action(view, target, data=data)
        if ls.settings.offload_program:  # the plan may read files from the disk: a command
            data["token"] = ls.pending_offloads.new()  # that checks them (offload_apply.py)
            action.command = apply_command(data["token"])
        return action
    try:
        computed = await asyncio.wait_for(compute_offload(ls, view, target), ACTION_BUDGET_S)
    except (TimeoutError, BackendRefused):
        return None
    if not (computed[0] or computed[2]) or doc.generation != view.generation:
        return None
    return with_edit(ls, offload_action(view, target), uri, view.version, computed)


async def _loop_actions(ls: AccelliumServer, params: types.CodeActionParams, doc: DocIndex,
                        only) -> list[types.CodeAction] | None:
    """The per-loop quick fixes (None: the buffer changed meanwhile, answer nothing)."""
    uri = params.text_document.uri
    out: list[types.CodeAction] = []
    kind = kind_for(only)
    if kind is None:
        return out
    ls.last_uri = uri
    view = await ls.parsed(doc)
    line = params.range.start.line
    if view.generation != doc.generation or not 0 <= line < view.line_count():
        return out
    try:  # the loops and their queries (examples: similarity over the loop text) off the loop
        chain = await ls.run(doc, view, lambda check: [
            (lp, q) for lp in _fitting(view, view.loops_at(line, MAX_ACTION_LOOPS,
                                                           insertable=True))
            if (q := ls.query_for(view, lp)) is not None])
    except Cancelled:
        return None
    deferred = ls.service.slow and ls.resolve_supported()
    dc = ls.document_changes()
    pending: list = []
    for i, (lp, q) in enumerate(chain):
        hit, sug = ls.service.cached(q)
        if hit:
            got = await _actions_for(ls, doc, view, lp, sug, i == 0, kind, dc)
            if got is None:
                return None
            out += got
        elif deferred:
            verb = "Replace the pragma with" if lp.pragma is not None else "Insert"
            title = f"{verb} an OpenACC pragma (suggested by {ls.service.status()['engine']})"
            if i:
                title += f" on the enclosing loop (line {lp.line})"
            out.append(types.CodeAction(title=title, kind=kind, is_preferred=(i == 0) or None,
                                        data={"uri": uri, "line": lp.start_line,
                                              "loop": loop_id(lp), "innermost": i == 0,
                                              "version": view.version}))
        else:
            pending.append((i, lp, q))
    deadline = asyncio.get_running_loop().time() + ACTION_BUDGET_S
    for i, lp, q in pending:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            break
        if ls.service.slow:  # no resolve support: ask now (backend timeout applies)
            outcome = await ls.service.get(q, ls.engine_lane(uri), left)
        else:
            outcome = await ls.service.embedded(q, ls.engine_lane(uri), left)
        if doc.generation != view.generation:
            return None  # the buffer changed meanwhile: the client asks again
        if outcome.running and i == 0 and lp.pragma is None and ls.disabled_supported():
            out.append(running_action(ACTION_BUDGET_S, kind))
            continue
        got = await _actions_for(ls, doc, view, lp, outcome.suggestion, i == 0, kind, dc)
        if got is None:
            return None
        out += got
    return _ordered(out)


def _fitting(view: DocView, chain: list) -> list:
    """The loops of ``chain`` (innermost first) a pragma fits in their nest
    (:func:`accellium.dataset.loops.nest_problem`)."""
    return [lp for i, lp in enumerate(chain) if nest_problem(view.lines, lp, chain[i + 1:]) is None]


async def _actions_for(ls: AccelliumServer, doc: DocIndex, view: DocView, lp, sug,
                       innermost: bool, kind: str, dc: bool) -> list[types.CodeAction] | None:
    """:func:`_with_alternatives` in the document's worker lane, not on the event loop: its
    ``routine seq`` lines need the file's call graph (a parse of the whole document), which in a
    large file would hold up every other request.  None: the buffer changed meanwhile."""
    disabled = ls.disabled_supported()
    try:
        got = await ls.run(doc, view, lambda check: _with_alternatives(
            view, lp, sug, innermost, kind, dc, disabled))
    except Cancelled:
        return None
    if innermost and sug is not None and lp.pragma is None:
        ls.note_loop(doc, view, lp, no_pragma_reason(sug))
    return got


def _with_alternatives(view: DocView, lp, sug, innermost: bool, kind: str,
                       dc: bool, disabled: bool) -> list[types.CodeAction]:
    """The loop's quick fix, and for the loop at the cursor the engine's next-ranked pragmas;
    for the loop at the cursor whose answer has no pragma, a disabled action that says why
    (clients that show a disabled action's reason)."""
    a = suggestion_action(view, lp, sug, innermost, kind, dc)
    if a is None:
        reason = no_pragma_reason(sug)
        if reason is None or not (innermost and disabled and lp.pragma is None):
            return []
        return [no_pragma_action(reason, kind)]
    return [a] + (alternative_actions(view, lp, sug, kind, dc) if innermost else [])


def _ordered(actions: list[types.CodeAction]) -> list[types.CodeAction]:
    """The main quick fixes first (the loop at the cursor, then the enclosing loops), the
    alternatives after them, a disabled action (no pragma, and why) last."""
    def rank(a: types.CodeAction) -> int:
        return 2 if a.disabled is not None else int(a.title.startswith("Alternative "))

    return sorted(actions, key=rank)  # stable: the order within each group is kept


async def resolve_action(ls: AccelliumServer, action: types.CodeAction) -> types.CodeAction:
    data = _as_dict(action.data)
    if data and action.edit is None and data.get("offload") is True:
        return await resolve_offload(ls, action, data)
    if not data or action.edit is not None or "loop" not in data:
        return action
    uri = data.get("uri")
    if not isinstance(uri, str):
        return action
    doc = ls.docs.get(uri)
    line = data.get("line")
    if doc is None or not isinstance(line, int) or isinstance(line, bool):
        return action
    lid = str(data["loop"])
    view = await ls.parsed(doc)
    def find(check):
        lp = view.find_loop(line, lid)
        return None if lp is None else ls.query_for(view, lp)

    try:
        q = await ls.run(doc, view, find)
    except Cancelled:
        q = None
    if q is None:
        log.info("resolve: the loop at line %d is gone", line + 1)
        return action
    outcome = await ls.service.get(q, ls.engine_lane(uri))
    log.debug("resolve %s:%d -> %s (%s)", uri, line, text(outcome.suggestion),
              text(outcome.note))
    sug = outcome.suggestion
    if sug is None:
        return action
    # Rebuild against the buffer as it is now (it may have changed while we waited).
    view = await ls.parsed(doc)
    if view.generation != doc.generation or ls.docs.get(uri) is not doc:
        return action
    try:
        lp = await ls.run(doc, view, lambda check: view.find_loop(line, lid))
    except Cancelled:
        return action
    if lp is not None and lp.pragma is None and data.get("innermost", True):
        ls.note_loop(doc, view, lp, no_pragma_reason(sug))
    if sug.pragma is None:  # the user picked it: say why nothing happens
        where = f"line {lp.line}" if lp is not None else f"line {line + 1}"
        ls.show("info", f"accellium: no OpenACC pragma for the loop at {where}: "
                        f"{no_pragma_reason(sug)}")
        return action
    edit = pragma_edit(view, lp, sug.pragma) if lp is not None else None
    if edit is None:
        return action
    assert lp is not None
    found = lp
    try:  # the file's call graph: off the event loop (see _actions_for)
        routines = await ls.run(doc, view, lambda check: routine_edits(view, found, sug.pragma))
    except Cancelled:
        return action
    action.edit = workspace_edit(uri, view.version, [edit, *routines], ls.document_changes())
    action.title = title_for(lp, sug.pragma, bool(data.get("innermost", True)))
    return action


async def _unless_cancelled(coro, cancel_future):
    """Await ``coro`` unless the progress token is cancelled first (then cancel it: the
    backend request is closed); None when cancelled."""
    task = asyncio.ensure_future(coro)
    if cancel_future is None:
        return await task
    waiter = asyncio.wrap_future(cancel_future)
    try:
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.cancel()
    return None


def _as_dict(obj: Any) -> dict | None:
    """LSPAny objects arrive as dicts or as pygls's namedtuple-like objects."""
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "_asdict"):
        return dict(obj._asdict())
    return None


def _uri_arg(ls: AccelliumServer, args: tuple) -> str | None:
    """The document the command names: a URI string or ``{uri}``/``{textDocument: {uri}}``;
    none given: the last document touched."""
    for a in args:
        if isinstance(a, str):
            return a
        d = _as_dict(a)
        td = _as_dict(d.get("textDocument")) or {} if d is not None else {}
        u = (d or {}).get("uri") or td.get("uri")
        if isinstance(u, str):
            return u
        raise JsonRpcInvalidParams(f"{ANNOTATE_FILE} takes a document URI, not "
                                   f"{type(a).__name__}")
    return ls.last_uri


async def annotate(ls: AccelliumServer, args: tuple) -> dict:
    """Annotate every un-annotated outermost loop of a file in one edit."""
    uri = _uri_arg(ls, args)
    if uri is None:
        raise JsonRpcInvalidParams(f"{ANNOTATE_FILE}: no document given and none open")
    doc = ls.doc_for_request(uri)
    if doc is None:
        return {"applied": False, "inserted": 0, "reason": f"{uri} is not a C/C++ document "
                "this server indexes (yet)"}
    return await _Annotate(ls, uri, doc).run()


class _Annotate:
    """One run of the annotate command, with its work-done progress."""

    def __init__(self, ls: AccelliumServer, uri: str, doc: DocIndex):
        self.ls, self.uri, self.doc = ls, uri, doc
        self.token = str(uuid.uuid4())
        caps = ls.client_capabilities
        self.use_progress = bool(caps and caps.window and caps.window.work_done_progress)

    def _cancel_future(self):
        return self.ls.work_done_progress.tokens.get(self.token) if self.use_progress else None

    def _cancelled(self) -> bool:
        fut = self._cancel_future()
        return fut is not None and fut.cancelled()

    async def run(self) -> dict:
        ls, progress = self.ls, self.ls.work_done_progress
        if self.use_progress:
            try:
                await progress.create_async(self.token)
            except Exception:
                self.use_progress = False
        view = await ls.parsed(self.doc)

        def queries(check):
            return [(lp, q) for lp in view.outermost_loops(check)
                    if lp.pragma is None and insertable(view, lp)
                    and nest_problem(view.lines, lp, []) is None
                    and (q := ls.query_for(view, lp)) is not None]

        loops = await ls.run(self.doc, view, queries)
        if self.use_progress:
            progress.begin(self.token, types.WorkDoneProgressBegin(
                title="accellium: annotating loops", cancellable=True,
                message=f"0/{len(loops)} loops", percentage=0))
        cancelled = False
        try:
            answers = await self._ask(loops)
            if answers is None or self._cancelled():
                cancelled = True
                return {"applied": False, "inserted": 0, "cancelled": True}
            return await self._apply(answers)
        finally:
            if self.use_progress:
                progress.end(self.token, types.WorkDoneProgressEnd(
                    message="cancelled" if cancelled else "done"))
                progress.tokens.pop(self.token, None)

    async def _ask(self, loops: list) -> dict | None:
        ls, progress = self.ls, self.ls.work_done_progress
        answers: dict[tuple[str, tuple[str, ...]], str] = {}
        for i, (lp, q) in enumerate(loops):
            if self._cancelled():
                return None
            outcome = await _unless_cancelled(ls.service.get(q, ls.engine_lane(self.uri)),
                                              self._cancel_future())
            if outcome is None:
                return None
            await asyncio.sleep(0)  # let cancellations and edits in
            sug = outcome.suggestion
            if sug is not None and sug.pragma is not None:
                answers[(lp.text, tuple(lp.enclosing))] = sug.pragma
            if self.use_progress:
                progress.report(self.token, types.WorkDoneProgressReport(
                    message=f"{i + 1}/{len(loops)} loops",
                    percentage=int(100 * (i + 1) / max(len(loops), 1)), cancellable=True))
        return answers

    async def _apply(self, answers: dict) -> dict:
        """The one edit, built against the buffer as it is now."""
        ls = self.ls
        if ls.docs.get(self.uri) is not self.doc:
            return {"applied": False, "inserted": 0, "reason": "document closed"}
        view = await ls.parsed(self.doc)
        if view.generation != self.doc.generation:
            return {"applied": False, "inserted": 0, "reason": "document changed"}
        edits = await ls.run(self.doc, view, lambda check: _edits(view, answers, check))
        if not edits:
            return {"applied": False, "inserted": 0}
        res = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
            edit=workspace_edit(self.uri, view.version, edits, ls.document_changes()),
            label="Annotate loops with OpenACC pragmas"))
        return {"applied": bool(res and res.applied), "inserted": len(edits)}


def _edits(view: DocView, answers: dict, check) -> list[types.TextEdit]:
    """The loops' pragma lines, and one ``routine seq`` line above each function a compute
    construct among them calls (once, however many loops call it)."""
    edits = []
    routines: dict[int, types.TextEdit] = {}
    for lp in view.outermost_loops(check):
        pragma = answers.get((lp.text, tuple(lp.enclosing)))
        if lp.pragma is None and pragma is not None:
            e = build_edit(view, lp, pragma)
            if e is not None:
                edits.append(e)
                routines.update((r.range.start.line, r) for r in routine_edits(view, lp, pragma))
    return edits + [routines[row] for row in sorted(routines)]
