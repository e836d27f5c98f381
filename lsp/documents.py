"""Open documents of the server: the text kept change by change, parsing and the debounced
refresh (diagnostics, style examples) in worker threads, one lane per document."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from .diagnostics import refresh_view
from .document import Cancelled, DocIndex, DocView, language_for
from .loop_notes import LoopNotes, locate
from .style import INLINE_BUILD_LIMIT, StyleIndex

if TYPE_CHECKING:
    from .jobs import Jobs

log = logging.getLogger("accellium.lsp")

__all__ = ["Documents", "DEBOUNCE_S", "LARGE_BYTES"]

DEBOUNCE_S = 0.25  # diagnostics and style re-index after the last change
LARGE_BYTES = 1_000_000  # documents above this are read into the index off the event loop


class Documents:
    """The document half of :class:`~accellium.lsp.server.AccelliumServer` (a mixin: it uses
    the server's ``jobs``, ``style``, ``encoding``, ``_spawn`` and ``report_once``)."""

    # Provided by AccelliumServer (and pygls' LanguageServer); declared for the type checker.
    jobs: Jobs
    style: StyleIndex
    encoding: str

    if TYPE_CHECKING:
        def report_once(self, text: str, level: str = "warning") -> None: ...

        def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task | None: ...

        def engine_lane(self, uri: str) -> str: ...

        def text_document_publish_diagnostics(
                self, params: types.PublishDiagnosticsParams) -> None: ...

    def _init_documents(self) -> None:
        self.docs: dict[str, DocIndex] = {}
        self.opened: dict[str, str | None] = {}  # every open URI -> its language (None: not C)
        self.broken: set[str] = set()  # lost track of the text (a malformed change)
        self._building: dict[str, list] = {}  # large documents being read: queued changes
        self._parsing: dict[str, asyncio.Future] = {}
        self._refresh: dict[str, asyncio.Task] = {}
        # why a loop gets no pragma (lsp/loop_notes.py), and the pragma diagnostics last
        # published with them: (generation, version, diagnostics)
        self.loop_notes: dict[str, LoopNotes] = {}
        self._published: dict[str, tuple[int, int | None, list[types.Diagnostic]]] = {}
        self.last_uri: str | None = None

    def on_malformed_notification(self, method: str, params: Any) -> None:
        """A notification whose params do not fit: a lost ``didChange`` means the server no
        longer knows the buffer, so it offers nothing for it until a full-text change."""
        if method != types.TEXT_DOCUMENT_DID_CHANGE or not isinstance(params, dict):
            return
        td = params.get("textDocument")
        uri = td.get("uri") if isinstance(td, dict) else None
        if isinstance(uri, str) and uri in self.docs:
            self.broken.add(uri)
            self.report_once(f"accellium: a change to {uri} could not be applied; suggestions "
                             "for it are off until the editor sends the whole text (reopen it).")

    def open_doc(self, uri: str, language_id: str, text: str, version: int | None) -> None:
        lang = language_for(language_id, uri)
        self.opened[uri] = lang
        self.broken.discard(uri)
        self.docs.pop(uri, None)
        self.loop_notes.pop(uri, None)
        self._published.pop(uri, None)
        if lang is None:
            return
        self.last_uri = uri
        if len(text) > LARGE_BYTES:
            self._build(uri, lang, text, version)
            return
        self.docs[uri] = DocIndex(uri, lang, text, version, self.encoding)
        self.schedule_refresh(uri)

    def _build(self, uri: str, lang: str, text: str, version: int | None) -> None:
        """Read a large buffer into the index in a worker; changes meanwhile are queued."""
        queue: list = []
        self._building[uri] = queue

        async def build() -> None:
            doc = await self.jobs.run(lambda _c: DocIndex(uri, lang, text, version,
                                                          self.encoding), lane=uri)
            if self._building.get(uri) is not queue:
                return  # closed or reopened meanwhile
            del self._building[uri]
            for changes, v in queue:
                doc.apply_changes(changes, v)
            self.docs[uri] = doc
            self.schedule_refresh(uri)

        self._spawn(build())

    def change_doc(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        version = params.text_document.version
        changes = list(params.content_changes)
        if uri in self._building:
            self._building[uri].append((changes, version))
            return
        doc = self.docs.get(uri)
        if doc is None:
            return  # not indexed (another language)
        self.last_uri = uri
        whole = [i for i, ch in enumerate(changes) if getattr(ch, "range", None) is None]
        if uri in self.broken:
            if not whole:
                return
            self.broken.discard(uri)
            changes = changes[whole[-1]:]
        if doc.version is not None and version is not None and version <= doc.version:
            log.warning("%s: version %s after %s (stale or repeated change)", uri, version,
                        doc.version)
        if len(changes) == 1 and whole and len(changes[0].text) > LARGE_BYTES:
            self.docs.pop(uri, None)
            self._build(uri, doc.lang, changes[0].text, version)
            return
        doc.apply_changes(changes, version)
        self.schedule_refresh(uri)

    def close_doc(self, uri: str) -> None:
        self.docs.pop(uri, None)
        self.opened.pop(uri, None)
        self.broken.discard(uri)
        self._building.pop(uri, None)
        self._parsing.pop(uri, None)
        self.loop_notes.pop(uri, None)
        self._published.pop(uri, None)
        t = self._refresh.pop(uri, None)
        if t is not None:
            t.cancel()
        self.jobs.forget(uri)
        self.jobs.forget(self.engine_lane(uri))
        self.style.close(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def doc_for_request(self, uri: str) -> DocIndex | None:
        """The index of an open document; None when it is open but not indexed (another
        language, still being read, or out of sync); InvalidParams when it is not open."""
        if uri not in self.opened:
            raise JsonRpcInvalidParams(f"unknown document {uri!r} (not open)")
        if uri in self.broken:
            return None
        return self.docs.get(uri)

    async def parsed(self, doc: DocIndex) -> DocView:
        """The parsed view of ``doc``'s current version.  One parse per document at a time; a
        cancelled request does not stop it; a parse that finished on an older version (the
        buffer changed meanwhile) is followed by another."""
        while True:
            v = doc.current()
            if v is not None:
                return v
            fut = self._parsing.get(doc.uri)
            if fut is None or fut.done():
                fut = asyncio.ensure_future(self.jobs.run(doc.view, lane=doc.uri))
                self._parsing[doc.uri] = fut
            got: DocView = await asyncio.shield(fut)
            if got.generation == doc.generation or self.docs.get(doc.uri) is not doc:
                return got

    async def run(self, doc: DocIndex, view: DocView, fn):
        """``fn(check)`` in the document's lane; :class:`Cancelled` once ``view`` is stale."""
        return await self.jobs.run(fn, lane=doc.uri,
                                   stale=lambda: doc.generation != view.generation)

    def _publish(self, uri: str) -> None:
        """The pragma diagnostics last computed and the no-pragma notes of that version."""
        generation, version, diags = self._published[uri]
        notes = self.loop_notes.get(uri)
        extra = notes.diagnostics(generation) if notes is not None else []
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=[*diags, *extra], version=version))

    def note_loop(self, doc: DocIndex, view: DocView, lp, reason: str | None) -> None:
        """Show (``reason``) or clear (None: the loop's answer has a pragma) why ``lp`` of
        ``view`` gets no pragma, as a diagnostic on its ``for`` line (on the event loop)."""
        uri = doc.uri
        if self.docs.get(uri) is not doc:
            return
        notes = self.loop_notes.get(uri)
        if reason is None:
            changed = notes is not None and notes.drop(lp)
        else:
            notes = self.loop_notes.setdefault(uri, LoopNotes())
            changed = notes.add(view, lp, reason)
        if not changed:
            return
        pub = self._published.get(uri)
        if pub is not None and pub[0] == view.generation == doc.generation:
            self._publish(uri)
        else:  # a refresh of the version now places the notes with the pragma diagnostics
            self.schedule_refresh(uri)

    def schedule_refresh(self, uri: str) -> None:
        t = self._refresh.pop(uri, None)
        if t is not None:
            t.cancel()
        task = self._spawn(self._refresh_doc(uri))
        if task is not None:
            self._refresh[uri] = task

    async def _refresh_doc(self, uri: str) -> None:
        """Debounced: diagnostics of the document's pragmas and its style examples, computed
        in a worker; a newer change supersedes it."""
        await asyncio.sleep(DEBOUNCE_S)
        doc = self.docs.get(uri)
        if doc is None or uri in self.broken:
            return
        t0 = time.perf_counter()
        view = await self.parsed(doc)
        if view.generation != doc.generation:
            return
        notes = self.loop_notes.get(uri)
        before = dict(notes.entries) if notes is not None else {}

        def work(check):
            return refresh_view(view, check), locate(view, before, check)

        try:
            (diags, examples), after = await self.run(doc, view, work)
        except Cancelled:
            return
        if notes is not None and self.loop_notes.get(uri) is notes:
            notes.merge(before, after)
        self._published[uri] = (view.generation, view.version, diags)
        self._publish(uri)
        self.style.set_open(uri, examples)
        log.debug("refresh %s: %d diagnostics, %d examples, %.0f ms", uri, len(diags),
                  len(examples), (time.perf_counter() - t0) * 1000)
        if self.style.dirty and self.style.pool_size() > INLINE_BUILD_LIMIT:
            await self.jobs.run(lambda _c: self.style.rebuild())
