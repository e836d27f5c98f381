"""A notification's handler leaves nothing behind in the protocol (pygls 2.1.1 files the future
of a generator, coroutine or thread handler among the requests' under a fresh id and never
takes it out: one entry per ``didChange`` for as long as the server runs)."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from accellium.lsp.protocol import AccelliumProtocol


def _did_change(version: int) -> dict:
    return {"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_DID_CHANGE, "params": {
        "textDocument": {"uri": "file:///tmp/a.c", "version": version},
        "contentChanges": [{"text": f"int v = {version};\n"}]}}


def test_notification_futures_leave_the_request_table():
    server = LanguageServer("t", "0", protocol_cls=AccelliumProtocol)
    seen: list[int] = []

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def changed(params: types.DidChangeTextDocumentParams) -> None:
        seen.append(params.text_document.version)

    async def main() -> None:
        protocol = server.protocol
        for v in range(1, 51):
            protocol.handle_message(protocol.structure_message(_did_change(v)))
        await asyncio.sleep(0.05)  # done callbacks scheduled on the loop run
        assert seen == list(range(1, 51))
        assert dict(protocol._request_futures) == {}

    asyncio.run(main())


def test_a_pending_request_stays_in_the_table():
    server = LanguageServer("t", "0", protocol_cls=AccelliumProtocol)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def changed(params: types.DidChangeTextDocumentParams) -> None:
        return None

    async def main() -> None:
        protocol = server.protocol
        pending: asyncio.Future = asyncio.get_running_loop().create_future()
        protocol._request_futures["client-request"] = pending  # a request still running
        protocol.handle_message(protocol.structure_message(_did_change(1)))
        await asyncio.sleep(0.05)
        assert list(protocol._request_futures) == ["client-request"]
        pending.set_result(None)

    asyncio.run(main())
