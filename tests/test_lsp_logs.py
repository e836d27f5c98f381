"""Issue #12 D15 (server side): the log file never holds document text unless the user opts in
(``logDocumentText``), never holds the backend token, and ``logFile`` only writes a regular
file (a FIFO or a symbolic link is refused without blocking the server)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.testing import record_applied_edits
from tests._lsp_client import ENV, client_fixture
from tests.test_lsp_server import actions, open_doc, start, uri_of, wait_for

TOKEN = "tok-Qx7-never-logged"
SECRET_SRC = """\
float zqsecret_sum(int n, const float *zqsecret_a) {
    float zqsecret_s = 0.0f;
    for (int i = 0; i < n; i++) {
        zqsecret_s += zqsecret_a[i];
    }
    return zqsecret_s;
}
"""


client = client_fixture()


async def _session(client: LanguageClient, tmp_path, log, **options) -> None:
    record_applied_edits(client)

    await start(client, options={"logFile": str(log), "backendToken": TOKEN, **options})
    uri = uri_of(tmp_path)
    open_doc(client, uri, SECRET_SRC)
    acts = await actions(client, uri, 3, 8)
    assert acts and "zqsecret_s" in acts[0].title  # the answers do hold the code's names
    await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(2, 4)))
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="accellium.annotateFile", arguments=[uri]))
    # a malformed request whose params quote the code
    client.protocol._send_data({"jsonrpc": "2.0", "id": "x1", "method": "textDocument/hover",
                                "params": {"textDocument": SECRET_SRC, "position": 1}})
    await asyncio.sleep(0.5)
    await wait_for(lambda: log.exists() and "status" in log.read_text())


async def test_log_file_holds_no_document_text_and_no_token(client: LanguageClient, tmp_path):
    log = tmp_path / "lsp.log"
    await _session(client, tmp_path, log)
    text = log.read_text()
    assert "zqsecret" not in text, [ln for ln in text.splitlines() if "zqsecret" in ln][:5]
    assert TOKEN not in text
    assert oct(os.stat(log).st_mode & 0o777) == oct(0o600)


async def test_log_document_text_is_an_explicit_opt_in(client: LanguageClient, tmp_path):
    log = tmp_path / "lsp.log"
    await _session(client, tmp_path, log, logDocumentText=True)
    text = log.read_text()
    assert "zqsecret" in text  # the opt-in shows what the default hides
    assert TOKEN not in text  # never the token


async def test_log_file_must_be_a_regular_file(client: LanguageClient, tmp_path):
    fifo, link, target = tmp_path / "log.fifo", tmp_path / "link.log", tmp_path / "target"
    os.mkfifo(fifo)
    target.write_text("")
    os.symlink(target, link)
    await start(client, options={"logFile": str(fifo)})
    uri = uri_of(tmp_path)
    open_doc(client, uri, SECRET_SRC)
    assert await asyncio.wait_for(actions(client, uri, 3, 8), 60)  # not blocked on the FIFO
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"accellium": {"logFile": str(link)}}))
    await wait_for(lambda: sum("cannot log to" in m.message for m in client.messages) == 2)
    assert target.read_text() == ""


def test_cli_log_file_fifo_is_a_one_line_error(tmp_path):
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    res = subprocess.run([sys.executable, "-m", "accellium.lsp", "--log-file", str(fifo)],
                         env=ENV, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().count("\n") == 0 and "cannot log to" in res.stderr
