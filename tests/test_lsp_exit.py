"""The language server ends when the client says ``exit``, even while a worker thread is still
computing (here: the embedded ``auto`` engine building its cache from scratch on first use).
Editors wait for the process to end before they restart it; a server that lingers for minutes
is a hang from the user's side.  Raw JSON-RPC over pipes, so the test controls every message."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests._lsp_client import ENV, SERVER
from tests.test_lsp_server import SRC


def _frame(msg: dict) -> bytes:
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _run(tmp_path: Path, shutdown: bool) -> subprocess.CompletedProcess:
    uri = (tmp_path / "t.c").as_uri()
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {},
                    "initializationOptions": {"indexWorkspace": False, "engine": "auto"}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen",
         "params": {"textDocument": {"uri": uri, "languageId": "c", "version": 1,
                                     "text": SRC}}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction",
         "params": {"textDocument": {"uri": uri},
                    "range": {"start": {"line": 4, "character": 4},
                              "end": {"line": 4, "character": 4}},
                    "context": {"diagnostics": []}}},
    ]
    if shutdown:
        msgs.append({"jsonrpc": "2.0", "id": 3, "method": "shutdown"})
    msgs.append({"jsonrpc": "2.0", "method": "exit"})
    env = {**ENV, "ACCELLIUM_CACHE": str(tmp_path / "cache")}  # an empty cache: a cold build
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(b"".join(_frame(m) for m in msgs), timeout=120)
    finally:
        proc.kill()
    return subprocess.CompletedProcess(SERVER, proc.returncode, out, err)


def test_exit_after_shutdown_ends_the_process_with_0(tmp_path: Path) -> None:
    res = _run(tmp_path, shutdown=True)
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    assert b'"id": 1' in res.stdout or b'"id":1' in res.stdout  # it did answer initialize


def test_exit_without_shutdown_ends_the_process_with_1(tmp_path: Path) -> None:
    """The LSP specification: exit code 1 when ``shutdown`` was not received first."""
    res = _run(tmp_path, shutdown=False)
    assert res.returncode == 1, res.stderr.decode()[-2000:]
