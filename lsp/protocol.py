"""The JSON-RPC side of the server: what pygls 2.1.1 does with malformed messages, changed.

* pygls structures each message with its lsprotocol type while reading it; when that fails
  (``params`` of the wrong type, a missing field, a negative line or one past 2^31-1) it raises
  out of the reader loop, so a request never gets a response and the client shows "Error in
  server".  Here such a request gets the JSON-RPC error -32602 (InvalidParams) with the reason,
  and such a notification is logged and dropped (a dropped ``didChange`` leaves the server
  unsure of the buffer: the server stops offering edits for it until a full-text change).
* Requests whose handler raises ``JsonRpcInvalidParams`` (an unknown document, a bad command
  argument) are answered with it and logged in one line, without a traceback.
* The future of a notification's handler leaves pygls's table of requests once it is done
  (pygls keeps it there for good).
* Open documents live in the server (:class:`~accellium.lsp.text.Text`, the LSP line model),
  not in pygls's workspace, whose ``TextDocument`` splits lines with ``str.splitlines``: the
  built-in ``didOpen``/``didChange``/``didClose`` handlers only call the server's.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

log = logging.getLogger(__name__)

__all__ = ["AccelliumProtocol", "Malformed", "INVALID_PARAMS", "INVALID_REQUEST"]

INVALID_PARAMS = JsonRpcInvalidParams.CODE  # -32602
INVALID_REQUEST = -32600


@attrs.define
class Malformed:
    """A message whose ``params`` do not fit its method's type."""

    method: str
    params: Any
    reason: str
    id: Any = None
    is_request: bool = False
    jsonrpc: str = "2.0"


def _reason(exc: BaseException) -> str:
    """One line on what did not fit (cattrs nests the validators' messages)."""
    cause = exc.__cause__ or exc
    parts: list[str] = []
    stack = [cause]
    while stack and len(parts) < 4:
        e = stack.pop()
        subs = getattr(e, "exceptions", None)
        if subs:
            stack.extend(reversed(subs))
        else:
            parts.append(f"{type(e).__name__}: {str(e)[:160]}")
    return "; ".join(parts) or type(cause).__name__


def _forget(table: dict, msg_id: Any, _future: object) -> None:
    table.pop(msg_id, None)


def _valid_id(msg_id: Any) -> bool:
    return isinstance(msg_id, str | int) and not isinstance(msg_id, bool)


class AccelliumProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if not isinstance(data, dict) or "method" not in data:
                raise
            method = data.get("method")
            return Malformed(method=str(method)[:100], params=data.get("params"),
                             reason=_reason(exc), id=data.get("id"), is_request="id" in data)

    def handle_message(self, message):
        if isinstance(message, Malformed):
            self._malformed(message)
            return
        super().handle_message(message)

    def _handle_notification(self, method_name, params):
        """pygls files the future of a notification's handler (generator, coroutine or
        thread) among the requests' under a fresh id, and only a response or a cancellation
        takes an entry out, which a notification never gets: each ``didChange`` left one
        behind.  Here the entries a notification adds leave once their future is done."""
        table = self._request_futures
        before = set(table)
        super()._handle_notification(method_name, params)
        for msg_id in set(table) - before:
            future = table.get(msg_id)
            if future is not None:
                future.add_done_callback(functools.partial(_forget, table, msg_id))

    def _malformed(self, m: Malformed) -> None:
        log.warning("malformed %s %s: %s", "request" if m.is_request else "notification",
                    m.method, m.reason)
        if m.is_request:
            code, msg_id = INVALID_PARAMS, m.id
            if not _valid_id(m.id):
                code, msg_id = INVALID_REQUEST, None
            self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {
                "code": code, "message": f"invalid params for {m.method}: {m.reason}"}})
            return
        hook = getattr(self._server, "on_malformed_notification", None)
        if hook is not None:
            hook(m.method, m.params)

    def _send_handler_result(self, future, *, msg_id):
        exc = None if future.cancelled() else future.exception()
        if isinstance(exc, JsonRpcInvalidParams):
            self._request_futures.pop(msg_id, None)
            log.warning("request %s refused: %s", msg_id, exc.message)
            self._send_response(msg_id, error=exc.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

    # -- text synchronisation: the server keeps the documents ------------------------------------

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None
