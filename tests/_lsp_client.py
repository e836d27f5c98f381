"""The language-server client the LSP tests share: the server command, its environment, the
pytest-lsp ``client`` fixture that starts ``python -m accellium.lsp`` over stdio, and the
backend state the server last reported."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, "-m", "accellium.lsp"]
SHUTDOWN_S = 120.0  # the server answers `shutdown` within its own 5 s close bound
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p])}


def client_fixture(*setup: Callable[[LanguageClient], object], env: dict | None = None):
    """A pytest-lsp ``client`` fixture (assign it to ``client`` in a test module): a real
    language server over stdio (``env``: more environment variables for it), each of
    ``setup`` called on its client (e.g. ``accellium.lsp.testing.record_statuses``) before the
    test initialises the session, the session shut down after the test."""

    @pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER,
                                                  server_env={**ENV, **(env or {})}))
    async def client(lsp_client: LanguageClient):
        for step in setup:
            step(lsp_client)
        yield lsp_client
        await shut_down(lsp_client)

    return client


async def shut_down(client: LanguageClient, timeout_s: float = SHUTDOWN_S) -> None:
    """``shutdown`` then ``exit``; a server that has not ended after ``timeout_s`` is killed
    and the test fails with the reason (a hung server must not hang the test run)."""
    try:
        await asyncio.wait_for(client.shutdown_session(), timeout_s)
    except TimeoutError:
        proc = getattr(client, "_server", None)
        if proc is not None and proc.returncode is None:
            proc.kill()
        raise AssertionError(f"the language server did not shut down within {timeout_s} s: "
                             "killed") from None


def backend_state(client) -> str | None:
    """The backend state of the last ``accellium/status`` notification (``record_statuses``
    collects them; None before the first)."""
    return client.statuses[-1].get("backend") if client.statuses else None


OFFLOAD_TITLE = "Offload this function (OpenACC data region)"


async def offload_pragma_lines(client: LanguageClient, uri: str, row: int) -> list[str] | None:
    """The OpenACC lines the offload action on the function at ``row`` inserts in the document
    (None: resolving the action made no edit; the messages say why)."""
    from accellium.lsp.testing import edits_for
    from tests.test_lsp_server import actions

    acts = [a for a in await actions(client, uri, row) if a.title == OFFLOAD_TITLE]
    assert len(acts) == 1, [m.message for m in client.messages]
    a = await client.code_action_resolve_async(acts[0])
    if a.edit is None:
        return None
    edits, _ = edits_for(a.edit, uri)
    return [ln.strip() for e in edits for ln in e.new_text.splitlines()
            if ln.strip().startswith("#pragma acc")]
