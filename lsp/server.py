"""The accellium language server (pygls 2): OpenACC pragma quick fixes for C/C++ ``for`` loops.

Each LSP feature is one thin function in :func:`make_server`; the work lives in ``text`` (the
LSP line model), ``document`` (loop index), ``handlers`` (code actions, annotate), ``actions``
(edits), ``diagnostics`` (problems, hover), ``suggestions``/``backend`` (backend and embedded
engine), ``style`` (workspace examples), ``jobs`` (worker threads) and ``protocol``
(malformed messages).  Only standard LSP methods, plus one custom notification,
``accellium/status`` ``{engine, backend, url, adapter, message}``, sent when the state changes.
No telemetry: the only network traffic is to ``backendUrl`` when it is set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import time
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from . import __version__
from .actions import SOURCE_ANNOTATE
from .build import BuildFlags, CompileCommands
from .diagnostics import hover_text
from .document import Cancelled, DocView
from .documents import Documents
from .handlers import ANNOTATE_FILE, annotate, code_actions, resolve_action
from .headers import HeaderCache, fs_path, include_folders
from .jobs import Jobs
from .logs import LogControl
from .offload_apply import APPLY_OFFLOAD, PendingOffloads, apply_offload
from .protocol import AccelliumProtocol
from .settings import SECTION, Settings, parse_settings
from .style import StyleIndex, scan_root
from .suggestions import SuggestService

log = logging.getLogger("accellium.lsp")

__all__ = ["AccelliumServer", "make_server", "ANNOTATE_FILE", "STATUS"]

STATUS = "accellium/status"
SHUTDOWN_CLOSE_S = 5.0  # the most `shutdown` waits for the backend's connections to close


class AccelliumServer(Documents, LanguageServer):
    def __init__(self) -> None:
        super().__init__("accellium", __version__, protocol_cls=AccelliumProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self._init_documents()
        self.jobs = Jobs()
        self.logs = LogControl()
        self.style = StyleIndex()
        self.service = SuggestService(on_status=self.send_status, on_message=self.show)
        self.service.run_cpu = self._run_cpu
        self._reported: set[str] = set()
        self._scan_stop = threading.Event()
        self._scan_thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.encoding = "utf-16"
        self.cli_backend_url: str | None = None  # `accellium lsp --backend-url`
        self.build = CompileCommands()
        self.headers = HeaderCache(self._include_folders, self._buffers, self.build_flags)
        self.pending_offloads = PendingOffloads()  # offload edits waiting for their command

    # ------------------------------------------------------------------------------------------
    # Messages (callable from worker threads)
    # ------------------------------------------------------------------------------------------

    def _on_loop(self, fn, *args) -> bool:
        """Run ``fn`` on the event loop; True when called from another thread (queued)."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread:
            return False
        loop.call_soon_threadsafe(fn, *args)
        return True

    def show(self, level: str, text: str) -> None:
        if self._on_loop(self.show, level, text):
            return
        kind = {"error": types.MessageType.Error, "info": types.MessageType.Info}.get(
            level, types.MessageType.Warning)
        log.log(logging.WARNING if kind != types.MessageType.Info else logging.INFO, "%s", text)
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=text))
        except Exception:
            pass

    def report_once(self, text: str, level: str = "warning") -> None:
        if text not in self._reported:
            self._reported.add(text)
            self.show(level, text)

    def send_status(self, status: dict) -> None:
        if self._on_loop(self.send_status, status):
            return
        log.info("status: %s", status)
        try:
            self.protocol.notify(STATUS, status)
        except Exception:
            pass

    def report_server_error(self, error: Exception, source) -> None:
        """pygls's default shows "Error in server: ..." pop-ups; errors go to the log (and the
        client's log channel) instead.  Input that is not JSON gets a -32700 answer."""
        log.warning("%s: %s", getattr(source, "__name__", source), type(error).__name__)
        if isinstance(error, json.JSONDecodeError | RecursionError | UnicodeDecodeError):
            try:
                self.protocol._send_data({"jsonrpc": "2.0", "id": None, "error": {
                    "code": -32700, "message": f"parse error: {type(error).__name__}"}})
            except Exception:
                pass
        try:
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Warning,
                message=f"accellium: ignored a message ({type(error).__name__})"))
        except Exception:
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
        self.logs.secrets(new.backend_token)
        self.logs.allow_text(new.log_document_text)
        if new.log_file != old.log_file:
            self.set_log_file(new.log_file)
        self.service.configure(new)
        if not start:
            return
        if (new.backend_url, new.engine, new.backend_token) != (
                old.backend_url, old.engine, old.backend_token):
            self._spawn(self.service.probe())
        if new.engine != old.engine:
            self._spawn(asyncio.to_thread(self.service.warm_up))
        if new.index_workspace and not old.index_workspace:
            self.start_scan()
        if not new.index_workspace:
            self._scan_stop.set()
        if new.include_paths != old.include_paths:
            self._include_folders()  # a folder that is not one: said now

    def set_log_file(self, path: str | None) -> None:
        try:
            self.logs.set_file(path)
        except OSError as e:
            self.report_once(f"accellium: cannot log to {path!r}: {e.strerror or e}")

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

    async def _run_cpu(self, fn, lane: str | None = None, late=None):
        return await self.jobs.run(lambda _check: fn(), lane=lane, late=late)

    def engine_lane(self, uri: str) -> str:
        return f"{uri}#engine"

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

    def workspace_paths(self) -> list[str]:
        """The workspace folders' paths (include folders for the documents' headers)."""
        if not self._workspace_ready():
            return []
        out = [fs_path(f.uri) for f in list(self.workspace.folders.values())]
        root = self.workspace.root_path
        return [p for p in [*out, root] if p]

    def _include_folders(self) -> list[str]:
        """Where quoted includes are looked for after the document's folder: the folders of
        the ``includePaths`` setting, then the workspace folders; a setting's folder that is
        not one is said once (a window message) and left out."""
        workspace = self.workspace_paths()
        extra, problems = include_folders(self.settings.include_paths, workspace)
        for p in problems:
            self.report_once(f"accellium: includePaths: {p}; not used")
        return [*extra, *workspace]

    def build_flags(self, path: str) -> BuildFlags:
        """The build's -D/-U/-I for the document at ``path`` (:mod:`.build`); a database that
        cannot be read is said once (a window message)."""
        s = self.settings
        got = self.build.flags(path, self.workspace_paths(), s.defines, s.undefines,
                               s.defines_complete)
        for p in self.build.problems:
            self.report_once(f"accellium: {p}")
        return got

    def _buffers(self) -> dict[str, bytes]:
        """The text of every open C/C++ document (URI -> bytes), read from any thread."""
        return {uri: doc.source for uri, doc in list(self.docs.items())}

    def _workspace_ready(self) -> bool:
        try:
            self.workspace  # noqa: B018
            return True
        except RuntimeError:
            return False

    # ------------------------------------------------------------------------------------------
    # Suggestions
    # ------------------------------------------------------------------------------------------

    def examples_for(self, doc: DocView, lp) -> list:
        k = self.settings.max_examples
        if k <= 0:
            return []
        exclude = (doc.uri, lp.pragma.start_line) if lp.pragma is not None else None
        try:
            return self.style.nearest(lp.stripped, k, exclude, uri=doc.uri)
        except Exception:
            log.exception("workspace examples failed")
            return []

    def query_for(self, doc: DocView, lp):
        """The query for the loop ``lp``; None for a loop the build does not compile (in a
        conditional group the known macros drop, C11 6.10.1p6: no pragma, as the CLI's
        answers have none)."""
        from .actions import MAX_SCOPE_SEND, loop_query
        from .queries import scope_declarations

        # the header macros go with the scope: none for a document sent without it
        small = len(doc.source) <= MAX_SCOPE_SEND
        view = self.headers.compiled(doc) if small else None
        if view is not None and lp.start_line in view.blanked:
            return None
        headers = self.headers.texts(doc, lp.start_byte) if small else ()
        # the macros the loop uses, and those of the headers' declarations it may reach
        used = "\n".join((lp.text, *scope_declarations(headers, doc.lang, doc.source)))
        defines = self.headers.defines(doc, lp.start_byte, used) if small else ()
        routines, types = self.headers.names(doc, lp.start_byte) if small \
            else (frozenset(), frozenset())
        return loop_query(doc, lp, self.examples_for(doc, lp), self.settings.adapter, defines,
                          routines, types, headers, view.text if view is not None else None)

    def document_changes(self) -> bool:
        caps = self.client_capabilities
        we = caps.workspace.workspace_edit if caps and caps.workspace else None
        return bool(we and we.document_changes)

    def disabled_supported(self) -> bool:
        """Whether the client shows a disabled code action's reason (LSP 3.16)."""
        caps = self.client_capabilities
        ca = caps.text_document.code_action if caps and caps.text_document else None
        return bool(ca and ca.disabled_support)

    def resolve_supported(self) -> bool:
        caps = self.client_capabilities
        ca = caps.text_document.code_action if caps and caps.text_document else None
        rs = ca.resolve_support if ca else None
        return bool(rs and "edit" in (rs.properties or []))


def _log_task_error(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        if not isinstance(exc, Cancelled):
            log.error("background task failed", exc_info=exc)


# ----------------------------------------------------------------------------------------------
# Features: one thin function each
# ----------------------------------------------------------------------------------------------


def make_server() -> AccelliumServer:  # noqa: C901, PLR0915 — one thin nested handler per LSP feature
    server = AccelliumServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: AccelliumServer, params: types.InitializeParams) -> None:
        ls._loop = asyncio.get_running_loop()
        ls._loop_thread = threading.get_ident()
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
        if ls.settings.include_paths:
            ls._include_folders()  # a folder that is not one: said now
        caps = ls.client_capabilities
        if caps and caps.workspace and caps.workspace.configuration:
            try:
                res = await asyncio.wait_for(ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])),
                    5)
                if res and isinstance(res[0], dict) and res[0]:
                    ls.apply_settings(res[0])
            except Exception as e:
                log.info("workspace/configuration unavailable: %s", type(e).__name__)

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
        ls.headers.forget(params.text_document.uri)

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
    async def hover(ls: AccelliumServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.doc_for_request(params.text_document.uri)
        if doc is None:
            return None
        view = await ls.parsed(doc)
        if not 0 <= params.position.line < view.line_count():
            return None
        got = hover_text(view, params.position.line)
        if got is None:
            return None
        text, rng = got
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=text), range=rng)

    @server.command(ANNOTATE_FILE)
    async def annotate_file(ls: AccelliumServer, *args: Any):
        return await annotate(ls, args)

    @server.command(APPLY_OFFLOAD)
    async def apply_offload_edit(ls: AccelliumServer, *args: Any):
        return await apply_offload(ls, args)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: AccelliumServer, *args) -> None:
        """Stop the scans and close the backend's connections, within ``SHUTDOWN_CLOSE_S``:
        the editor waits for this answer before it quits or restarts the server, and nothing
        left open matters once ``exit`` ends the process."""
        ls._scan_stop.set()
        try:
            await asyncio.wait_for(ls.service.aclose(), SHUTDOWN_CLOSE_S)
        except (TimeoutError, OSError) as e:
            log.warning("shutdown: the backend's connections were not closed (%s)",
                        e or "timed out")

    @server.feature(types.EXIT)
    def exit_now(ls: AccelliumServer, *args) -> None:
        """End the process at once, 0 after ``shutdown`` and 1 without (the LSP rule).  Worker
        threads may still be computing (an engine building its cache on first use, a
        suggestion past its deadline); asyncio and the interpreter would join them before the
        process ends, and the editor would wait minutes to restart the server.  Nothing they
        do needs finishing: the server never writes the user's files, and the engine cache is
        written to a temporary file and renamed into place."""
        code = 0 if getattr(ls.protocol, "_shutdown", False) else 1
        logging.shutdown()
        sys.stdout.flush()
        os._exit(code)

    return server
