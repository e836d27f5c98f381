"""The accellium language server (pygls 2): OpenACC pragma quick fixes for C/C++ ``for`` loops.

Each LSP feature is one thin function here; the work lives in ``document`` (loop index),
``actions`` (edits), ``diagnostics`` (problems, hover), ``suggestions`` (backend / embedded
engine) and ``style`` (workspace examples).  Only standard LSP methods, plus one custom
notification, ``accellium/status`` ``{engine, backend, url, adapter, message}``, sent when the
state changes.  No telemetry: the only network traffic is to ``backendUrl`` when it is set.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from .actions import (
    SOURCE_ANNOTATE,
    build_edit,
    find_loop,
    insertable,
    kind_for,
    loop_id,
    loop_query,
    pragma_edit,
    suggestion_action,
    title_for,
    wants_source_action,
    workspace_edit,
)
from .diagnostics import carried_diagnostics, hover_text, pragma_diagnostics, pragma_span
from .document import AnnotatedLoop, DocIndex, language_for
from .settings import SECTION, Settings, parse_settings
from .style import INLINE_BUILD_LIMIT, StyleIndex, scan_root
from .suggestions import SuggestService

log = logging.getLogger("accellium.lsp")

__all__ = ["AccelliumServer", "make_server", "ANNOTATE_FILE", "STATUS"]

ANNOTATE_FILE = "accellium.annotateFile"
STATUS = "accellium/status"
DEBOUNCE_S = 0.25  # diagnostics and style re-index after the last change
LARGE_BYTES = 1_000_000  # documents above this are indexed off the event loop
MAX_ACTION_LOOPS = 4  # the loop at the cursor and up to 3 enclosing loops
MAX_DIAG_PRAGMAS = 2000
MAX_DOC_EXAMPLES = 500  # style examples taken from one document


class AccelliumServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("accellium", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self.docs: dict[str, DocIndex] = {}
        self._building: dict[str, asyncio.Task] = {}
        self.style = StyleIndex()
        self.service = SuggestService(on_status=self.send_status, on_message=self.show)
        self._reported: set[str] = set()
        self._refresh: dict[str, asyncio.Task] = {}
        self._scan_stop = threading.Event()
        self._scan_thread: threading.Thread | None = None
        self._log_handler: logging.Handler | None = None
        self.last_uri: str | None = None
        self.encoding = "utf-16"
        self.cli_backend_url: str | None = None  # `accellium lsp --backend-url`

    # ------------------------------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------------------------------

    def show(self, level: str, text: str) -> None:
        kind = {"error": types.MessageType.Error, "info": types.MessageType.Info}.get(
            level, types.MessageType.Warning)
        log.log(logging.WARNING if kind != types.MessageType.Info else logging.INFO, "%s", text)
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=text))
        except Exception:  # noqa: BLE001 - not connected (tests, bench)
            pass

    def report_once(self, text: str, level: str = "warning") -> None:
        if text not in self._reported:
            self._reported.add(text)
            self.show(level, text)

    def send_status(self, status: dict) -> None:
        log.info("status: %s", status)
        try:
            self.protocol.notify(STATUS, status)
        except Exception:  # noqa: BLE001
            pass

    # ------------------------------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------------------------------

    def apply_settings(self, raw: Any, base: Settings | None = None,
                       start: bool = True) -> None:
        new = parse_settings(raw, base if base is not None else self.settings)
        for p in new.problems:
            self.report_once(f"accellium: {p}")
        old = self.settings
        self.settings = new
        if new.log_file != old.log_file:
            self.set_log_file(new.log_file)
        self.service.configure(new)
        if not start:
            return
        if new.backend_url != old.backend_url or new.engine != old.engine:
            self._spawn(self.service.probe())
        if new.engine != old.engine:
            self._spawn(asyncio.to_thread(self.service.warm_up))
        if new.index_workspace and not old.index_workspace:
            self.start_scan()
        if not new.index_workspace:
            self._scan_stop.set()

    def set_log_file(self, path: str | None) -> None:
        root = logging.getLogger()
        if self._log_handler is not None:
            root.removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None
        if path:
            try:
                h = logging.FileHandler(path, encoding="utf-8")
            except OSError as e:
                self.report_once(f"accellium: cannot open log file {path!r}: {e}")
                return
            h.setFormatter(logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s"))
            root.addHandler(h)
            if root.level > logging.INFO or root.level == logging.NOTSET:
                root.setLevel(logging.INFO)
            self._log_handler = h

    # ------------------------------------------------------------------------------------------
    # Background work
    # ------------------------------------------------------------------------------------------

    def _spawn(self, coro) -> asyncio.Task | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return None
        task = loop.create_task(coro)
        task.add_done_callback(_log_task_error)
        return task

    def start_scan(self) -> None:
        root = self.workspace.root_path if self._workspace_ready() else None
        if not root or not self.settings.index_workspace:
            return
        if self._scan_thread is not None and self._scan_thread.is_alive():
            return
        self._scan_stop.clear()

        def run() -> None:
            t0 = time.monotonic()
            n = scan_root(root, self.style, self._scan_stop.is_set)
            log.info("workspace scan: %d files, %d examples, %.1fs", n, len(self.style),
                     time.monotonic() - t0)

        self._scan_thread = threading.Thread(target=run, name="accellium-scan", daemon=True)
        self._scan_thread.start()

    def _workspace_ready(self) -> bool:
        try:
            self.workspace  # noqa: B018
            return True
        except RuntimeError:
            return False

    # ------------------------------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------------------------------

    def open_doc(self, uri: str, language_id: str, text: str, version: int | None) -> None:
        lang = language_for(language_id, uri)
        if lang is None:
            return
        self.last_uri = uri
        if len(text) > LARGE_BYTES:
            self.docs.pop(uri, None)
            self._building[uri] = self._spawn(self._build_large(uri, lang))
            return
        self.docs[uri] = DocIndex(uri, lang, text, version, self.encoding)
        self.schedule_refresh(uri)

    async def _build_large(self, uri: str, lang: str) -> None:
        """Index a large buffer in a thread; rebuild if it changed meanwhile."""
        try:
            while True:
                td = self.workspace.get_text_document(uri)
                text, version = td.source, td.version
                doc = await asyncio.to_thread(DocIndex, uri, lang, text, version, self.encoding)
                td = self.workspace.get_text_document(uri)
                if td.version == version and td.source == text:
                    self.docs[uri] = doc
                    log.info("indexed large document %s (%d bytes) in %.0f ms", uri,
                             len(doc.source), doc.last_reindex_ms)
                    self.schedule_refresh(uri)
                    return
        finally:
            self._building.pop(uri, None)

    def change_doc(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        self.last_uri = uri
        doc = self.docs.get(uri)
        if doc is None:
            return  # not indexed (other language) or still being built (it re-checks)
        td = self.workspace.get_text_document(uri)
        version = params.text_document.version
        if doc.version is not None and version is not None and version <= doc.version:
            log.warning("%s: version %s after %s (stale or repeated change)", uri, version,
                        doc.version)
        if len(td.source) > LARGE_BYTES and len(doc.source) <= LARGE_BYTES:
            self.docs.pop(uri, None)
            self._building[uri] = self._spawn(self._build_large(uri, doc.lang))
            return
        doc.apply_changes(list(params.content_changes), version, td.source)
        self.schedule_refresh(uri)

    def close_doc(self, uri: str) -> None:
        self.docs.pop(uri, None)
        t = self._refresh.pop(uri, None)
        if t is not None:
            t.cancel()
        self.style.close(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def schedule_refresh(self, uri: str) -> None:
        t = self._refresh.pop(uri, None)
        if t is not None:
            t.cancel()
        task = self._spawn(self._refresh_doc(uri))
        if task is not None:
            self._refresh[uri] = task

    async def _refresh_doc(self, uri: str) -> None:
        """Debounced: diagnostics of the document's pragmas and its style examples.  Works in
        slices of ~10 ms so requests are served meanwhile; a newer change supersedes it."""
        await asyncio.sleep(DEBOUNCE_S)
        doc = self.docs.get(uri)
        if doc is None:
            return
        t0 = time.perf_counter()
        gen = doc.generation
        diags: list[types.Diagnostic] = []
        examples = []
        t_slice = time.perf_counter()
        for row in doc.pragma_rows()[:MAX_DIAG_PRAGMAS]:
            if time.perf_counter() - t_slice > 0.01:  # stay responsive on big files
                await asyncio.sleep(0)
                t_slice = time.perf_counter()
                if self.docs.get(uri) is not doc or doc.generation != gen:
                    return  # a newer refresh is scheduled
            span = pragma_span(doc, row)
            if span is None:
                continue
            first, last, text = span
            p, ds = pragma_diagnostics(doc, first, last, text)
            diags.extend(ds)
            lp = doc.loop_below_pragma(first)
            if p is not None and not ds and lp is not None:
                diags.extend(carried_diagnostics(doc, first, last, p, lp))
            if lp is not None and lp.pragma is not None and len(examples) < MAX_DOC_EXAMPLES:
                examples.append(AnnotatedLoop(lp.pragma.text, lp.stripped, lp.pragma.start_line))
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=diags, version=doc.version))
        self.style.set_open(uri, examples)
        log.debug("refresh %s: %d diagnostics, %d examples, %.0f ms", uri, len(diags),
                  len(examples), (time.perf_counter() - t0) * 1000)
        if self.style.dirty and self.style.pool_size() > INLINE_BUILD_LIMIT:
            await asyncio.to_thread(self.style.rebuild)

    def doc_for(self, uri: str) -> DocIndex | None:
        return self.docs.get(uri)

    # ------------------------------------------------------------------------------------------
    # Suggestions
    # ------------------------------------------------------------------------------------------

    def examples_for(self, doc: DocIndex, lp) -> list:
        k = self.settings.max_examples
        if k <= 0:
            return []
        exclude = (doc.uri, lp.pragma.start_line) if lp.pragma is not None else None
        try:
            return self.style.nearest(lp.stripped, k, exclude, uri=doc.uri)
        except Exception:  # noqa: BLE001 - examples are optional
            log.exception("workspace examples failed")
            return []

    def query_for(self, doc: DocIndex, lp):
        return loop_query(doc, lp, self.examples_for(doc, lp), self.settings.adapter)

    def document_changes(self) -> bool:
        caps = self.client_capabilities
        we = caps.workspace.workspace_edit if caps and caps.workspace else None
        return bool(we and we.document_changes)

    def resolve_supported(self) -> bool:
        caps = self.client_capabilities
        ca = caps.text_document.code_action if caps and caps.text_document else None
        rs = ca.resolve_support if ca else None
        return bool(rs and "edit" in (rs.properties or []))


def _log_task_error(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task failed", exc_info=task.exception())


# ----------------------------------------------------------------------------------------------
# Features: one thin function each
# ----------------------------------------------------------------------------------------------


def make_server() -> AccelliumServer:
    server = AccelliumServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: AccelliumServer, params: types.InitializeParams) -> None:
        ls.encoding = str(ls.workspace.position_encoding or "utf-16")
        ls.apply_settings(params.initialization_options, Settings(backend_url=ls.cli_backend_url),
                         start=False)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AccelliumServer, params: types.InitializedParams) -> None:
        ls.service.ready = True
        ls.service.publish_status()
        ls._spawn(asyncio.to_thread(ls.service.warm_up))
        ls._spawn(ls.service.probe())
        ls.start_scan()
        caps = ls.client_capabilities
        if caps and caps.workspace and caps.workspace.configuration:
            try:
                res = await asyncio.wait_for(ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])),
                    5)
                if res and isinstance(res[0], dict) and res[0]:
                    ls.apply_settings(res[0])
            except Exception as e:  # noqa: BLE001 - optional
                log.info("workspace/configuration unavailable: %s", e)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: AccelliumServer,
                                       params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and settings:
            ls.apply_settings(settings)
            return
        caps = ls.client_capabilities
        if caps and caps.workspace and caps.workspace.configuration:
            res = await ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)]))
            if res and isinstance(res[0], dict):
                ls.apply_settings(res[0])

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AccelliumServer, params: types.DidOpenTextDocumentParams) -> None:
        d = params.text_document
        ls.open_doc(d.uri, d.language_id, d.text, d.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AccelliumServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.change_doc(params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AccelliumServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close_doc(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.RefactorRewrite,
                           SOURCE_ANNOTATE],
        resolve_provider=True))
    async def code_action(ls: AccelliumServer, params: types.CodeActionParams):
        return await code_actions(ls, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: AccelliumServer, action: types.CodeAction):
        return await resolve_action(ls, action)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: AccelliumServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.doc_for(params.text_document.uri)
        if doc is None or not 0 <= params.position.line < doc.line_count():
            return None
        got = hover_text(doc, params.position.line)
        if got is None:
            return None
        text, rng = got
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=text), range=rng)

    @server.command(ANNOTATE_FILE)
    async def annotate_file(ls: AccelliumServer, *args: Any):
        return await annotate(ls, args)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: AccelliumServer, *args) -> None:
        ls._scan_stop.set()
        await ls.service.aclose()

    return server


# ----------------------------------------------------------------------------------------------
# Code actions
# ----------------------------------------------------------------------------------------------


async def code_actions(ls: AccelliumServer, params: types.CodeActionParams):
    uri = params.text_document.uri
    doc = ls.doc_for(uri)
    if doc is None:
        return []
    ls.last_uri = uri
    only = params.context.only if params.context else None
    out: list[types.CodeAction] = []
    if wants_source_action(only):
        out.append(types.CodeAction(
            title="Annotate every loop of the file with OpenACC pragmas",
            kind=SOURCE_ANNOTATE,
            command=types.Command(title="Annotate file", command=ANNOTATE_FILE, arguments=[uri])))
    kind = kind_for(only)
    if kind is None:
        return out
    line = params.range.start.line
    if not 0 <= line < doc.line_count():
        return out
    chain = [lp for lp in doc.loops_at(line) if insertable(doc, lp)][:MAX_ACTION_LOOPS]
    deferred = ls.service.slow and ls.resolve_supported()
    dc = ls.document_changes()
    version = doc.version
    pending: list = []
    for i, lp in enumerate(chain):
        q = ls.query_for(doc, lp)
        hit, sug = ls.service.cached(q)
        if hit:
            a = suggestion_action(doc, lp, sug, i == 0, kind, dc)
            if a is not None:
                out.append(a)
        elif deferred:
            verb = "Replace the pragma with" if lp.pragma is not None else "Insert"
            title = f"{verb} an OpenACC pragma (suggested by {ls.service.status()['engine']})"
            if i:
                title += f" on the enclosing loop (line {lp.line})"
            out.append(types.CodeAction(title=title, kind=kind, is_preferred=(i == 0) or None,
                                        data={"uri": uri, "line": lp.start_line,
                                              "loop": loop_id(lp), "innermost": i == 0,
                                              "version": version}))
        else:
            pending.append((i, lp, q))
    for i, lp, q in pending:
        if ls.service.slow:
            outcome = await ls.service.get(q)  # no resolve support: ask now (with timeout)
        else:
            outcome = ls.service.get_embedded_now(q)
        cur = ls.doc_for(uri)
        if cur is not doc or doc.version != version:
            return []  # the buffer changed meanwhile: the client asks again
        a = suggestion_action(doc, lp, outcome.suggestion, i == 0, kind, dc)
        if a is not None:
            out.append(a)
    return out


async def resolve_action(ls: AccelliumServer, action: types.CodeAction) -> types.CodeAction:
    data = _as_dict(action.data)
    if not data or action.edit is not None or "loop" not in data:
        return action
    uri = data.get("uri")
    doc = ls.doc_for(uri) if isinstance(uri, str) else None
    if doc is None:
        return action
    line = int(data.get("line", 0))
    lp, _ = find_loop(doc, line, str(data["loop"]))
    if lp is None:
        log.info("resolve: the loop at line %d is gone", line + 1)
        return action
    outcome = await ls.service.get(ls.query_for(doc, lp))
    log.debug("resolve %s:%d -> %s (%s)", uri, line, outcome.suggestion, outcome.note)
    # Rebuild against the buffer as it is now (it may have changed while we waited).
    doc = ls.doc_for(uri)
    if doc is None:
        return action
    lp, _ = find_loop(doc, line, str(data["loop"]))
    sug = outcome.suggestion
    if lp is None or sug is None or sug.pragma is None:
        if outcome.note:
            log.info("resolve: %s", outcome.note)
        return action
    edit = pragma_edit(doc, lp, sug.pragma)
    if edit is None:
        return action
    action.edit = workspace_edit(doc.uri, doc.version, [edit], ls.document_changes())
    action.title = title_for(lp, sug.pragma, bool(data.get("innermost", True)))
    return action


# ----------------------------------------------------------------------------------------------
# accellium.annotateFile
# ----------------------------------------------------------------------------------------------


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
    for a in args:
        if isinstance(a, str):
            return a
        a = _as_dict(a)
        if a is not None:
            td = _as_dict(a.get("textDocument")) or {}
            u = a.get("uri") or td.get("uri")
            if isinstance(u, str):
                return u
    return ls.last_uri


async def annotate(ls: AccelliumServer, args: tuple) -> dict:
    """Annotate every un-annotated outermost loop of a file in one edit."""
    uri = _uri_arg(ls, args)
    doc = ls.doc_for(uri) if uri else None
    if doc is None:
        return {"applied": False, "inserted": 0, "reason": f"no indexed document {uri!r}"}
    token = str(uuid.uuid4())
    progress = ls.work_done_progress
    caps = ls.client_capabilities
    use_progress = bool(caps and caps.window and caps.window.work_done_progress)
    if use_progress:
        try:
            await progress.create_async(token)
        except Exception:  # noqa: BLE001
            use_progress = False
    loops = [lp for lp in doc.outermost_loops() if lp.pragma is None and insertable(doc, lp)]
    total = len(loops)
    if use_progress:
        progress.begin(token, types.WorkDoneProgressBegin(
            title="accellium: annotating loops", cancellable=True,
            message=f"0/{total} loops", percentage=0))
    answers: dict[tuple[str, tuple[str, ...]], str] = {}
    cancelled = False
    try:
        for i, lp in enumerate(loops):
            fut = progress.tokens.get(token) if use_progress else None
            if fut is not None and fut.cancelled():
                cancelled = True
                break
            outcome = await _unless_cancelled(ls.service.get(ls.query_for(doc, lp)), fut)
            if outcome is None:
                cancelled = True
                break
            await asyncio.sleep(0)  # let cancellations and edits in
            sug = outcome.suggestion
            if sug is not None and sug.pragma is not None:
                answers[(lp.text, tuple(lp.enclosing))] = sug.pragma
            if use_progress:
                progress.report(token, types.WorkDoneProgressReport(
                    message=f"{i + 1}/{total} loops", percentage=int(100 * (i + 1) / max(total, 1)),
                    cancellable=True))
        fut = progress.tokens.get(token) if use_progress else None
        if fut is not None and fut.cancelled():
            cancelled = True
        if cancelled:
            return {"applied": False, "inserted": 0, "cancelled": True}
        # Build the one edit against the buffer as it is now.
        doc = ls.doc_for(uri)
        if doc is None:
            return {"applied": False, "inserted": 0, "reason": "document closed"}
        edits = []
        for lp in doc.outermost_loops():
            pragma = answers.get((lp.text, tuple(lp.enclosing)))
            if lp.pragma is None and pragma is not None:
                e = build_edit(doc, lp, pragma)
                if e is not None:
                    edits.append(e)
        if not edits:
            return {"applied": False, "inserted": 0}
        res = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
            edit=workspace_edit(doc.uri, doc.version, edits, ls.document_changes()),
            label="Annotate loops with OpenACC pragmas"))
        return {"applied": bool(res and res.applied), "inserted": len(edits)}
    finally:
        if use_progress:
            progress.end(token, types.WorkDoneProgressEnd(
                message="cancelled" if cancelled else "done"))
            progress.tokens.pop(token, None)


def fs_root(ls: AccelliumServer) -> str | None:
    uri = ls.workspace.root_uri
    return to_fs_path(uri) if uri else None
