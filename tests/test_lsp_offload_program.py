"""The ``offloadProgram`` setting: "Offload this function" with ALL the program's files (globs
relative to the workspace folder).  A real pytest-lsp client over stdio: the action's ONE
workspace edit covers the document and the caller's file (an open document with its version
and its unsaved text, a closed one from the disk, without a version); applied, the program
builds with gcc -fopenacc and verifies in the data-environment emulator, and the caller's
region moves the data once.  Through a backend the files go as ``program`` (the fake backend
sees the wire; a real ``accellium serve`` gives the same edits).  A program that cannot be
used (a unit in another language) or a bad value is a message; the document is then planned
alone."""

from __future__ import annotations

import asyncio

import pytest_lsp
from _offload_util import acc_lines, run_as_written
from _server_util import running_server
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from accellium.lsp.testing import apply_text_edits, record_statuses
from accellium.server.app import Settings
from tests.test_lsp_backend import _state, backend, fake  # noqa: F401 - fixtures
from tests.test_lsp_server import ENV, SERVER, open_doc, start, wait_for
from tests.test_offload_http_program import RELAX, RELAX_H, RELAX_MAIN, STEPS, M, N

TITLE = "Offload this function (OpenACC data region)"
PATTERNS = ["src/*.c", "src/*.h"]
REGION = "#pragma acc data copyin(src[0:n]) copy(u[0:n])"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=ENV))
async def client(lsp_client: LanguageClient):
    record_statuses(lsp_client)
    yield lsp_client
    await lsp_client.shutdown_session()


def _workspace(tmp_path):
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "relax.c").write_text(RELAX)
    (ws / "src" / "main.c").write_text(RELAX_MAIN)
    (ws / "src" / "relax.h").write_text(RELAX_H)
    return ws, (ws / "src" / "relax.c").as_uri(), (ws / "src" / "main.c").as_uri()


async def _edit(client: LanguageClient, uri: str) -> types.WorkspaceEdit | None:
    """The resolved edit of the offload action on ``relax`` (row 0)."""
    res = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[])))
    acts = [a for a in res or [] if a.title == TITLE]
    assert len(acts) == 1
    return (await client.code_action_resolve_async(acts[0])).edit


def _changes(edit: types.WorkspaceEdit | None) -> dict[str, tuple[int | None, list]]:
    """uri -> (version, edits) of a workspace edit's documentChanges."""
    assert edit is not None and edit.document_changes is not None
    out = {}
    for dc in edit.document_changes:
        assert isinstance(dc, types.TextDocumentEdit)
        assert dc.text_document.uri not in out  # one entry per file
        out[dc.text_document.uri] = (dc.text_document.version, dc.edits)
    return out


def _configure(client: LanguageClient, settings: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"accellium": {"engine": "analysis", **settings}}))


async def test_the_offload_edit_covers_the_callers_file(client: LanguageClient, tmp_path):
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS})
    open_doc(client, uri, RELAX)
    # the caller open with an unsaved change (a comment above main): its buffer is planned
    edited = RELAX_MAIN.replace("int main(void)", "/* unsaved */\nint main(void)")
    open_doc(client, main_uri, edited, version=7)
    got = _changes(await _edit(client, uri))
    assert set(got) == {uri, main_uri} and got[uri][0] == 1 and got[main_uri][0] == 7
    kernel = apply_text_edits(RELAX, got[uri][1])
    main = apply_text_edits(edited, got[main_uri][1])
    assert acc_lines(main) == [REGION]
    lines = main.splitlines()
    assert lines[lines.index("    " + REGION) + 1].strip().startswith("for (int t = 0;")
    # closed: read from the disk, no version
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=main_uri)))
    await asyncio.sleep(0.1)
    got = _changes(await _edit(client, uri))
    assert got[main_uri][0] is None
    assert apply_text_edits(RELAX_MAIN, got[main_uri][1]) == main.replace("/* unsaved */\n", "")
    assert apply_text_edits(RELAX, got[uri][1]) == kernel
    # the edits applied: both files build and verify; the caller's region moves src and u
    # once (every call would move them without it)
    moved = run_as_written(tmp_path / "run", {
        "program": {"kernel.c": kernel, "main.c": main, "relax.h": RELAX_H},
        "alone": {"kernel.c": kernel, "main.c": RELAX_MAIN, "relax.h": RELAX_H}})
    vec = N * M * 8
    assert moved == {"program": 3 * vec, "alone": STEPS * 3 * vec}


async def test_without_a_program_the_document_is_planned_alone(client: LanguageClient,
                                                                tmp_path):
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis"})
    open_doc(client, uri, RELAX)
    alone = _changes(await _edit(client, uri))
    assert set(alone) == {uri}
    # patterns that do not name the document: another program's files, not used
    _configure(client, {"offloadProgram": ["lib/*.c"]})
    await asyncio.sleep(0.2)
    assert _changes(await _edit(client, uri)) == alone
    # a translation unit in another language: the program cannot be used (a message)
    (ws / "src" / "extra.cpp").write_text("int twice(int x) { return 2 * x; }\n")
    _configure(client, {"offloadProgram": [*PATTERNS, "src/*.cpp"]})
    await asyncio.sleep(0.2)
    assert _changes(await _edit(client, uri)) == alone
    msg = await wait_for(lambda: [m.message for m in client.messages
                                  if "offloadProgram not used" in m.message])
    assert "src/extra.cpp: not in the language of this document" in msg[0]
    # bad values: the default (no program) and a message each
    for bad in (5, ["../other/*.c"], ["/abs/*.c"], [1]):
        _configure(client, {"offloadProgram": bad})
    await wait_for(lambda: len([m for m in client.messages
                                if "accellium.offloadProgram = " in m.message]) >= 4)
    assert _changes(await _edit(client, uri)) == alone


async def test_the_program_goes_to_the_backend(client: LanguageClient, fake,  # noqa: F811
                                               tmp_path):
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "backendUrl": fake.url,
                                          "offloadProgram": PATTERNS})
    await wait_for(lambda: _state(client) == "connected")
    open_doc(client, uri, RELAX)
    fake.mode = "program"
    got = _changes(await _edit(client, uri))
    body = fake.offloads[-1]
    assert body["program"] == [{"path": "src/main.c", "code": RELAX_MAIN},
                               {"path": "src/relax.h", "code": RELAX_H}]
    # the fake's answer for main.c (a line above its first line) reaches the workspace edit
    assert apply_text_edits(RELAX_MAIN, got[main_uri][1]).splitlines()[0] == \
        "#pragma acc data copy(x[0:1])"


async def test_a_real_backend_gives_the_in_process_edits(client: LanguageClient, tmp_path):
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS})
    open_doc(client, uri, RELAX)
    here = _changes(await _edit(client, uri))
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        _configure(client, {"backendUrl": url, "offloadProgram": PATTERNS})
        await wait_for(lambda: _state(client) == "connected")
        there = _changes(await _edit(client, uri))
    assert there == here and set(there) == {uri, main_uri}


async def test_clients_without_document_changes_get_changes_by_uri(client: LanguageClient,
                                                                    tmp_path):
    """No resolve and no documentChanges: the edit comes with the action, as `changes`."""
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS},
                resolve=False, document_changes=False)
    open_doc(client, uri, RELAX)
    res = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[])))
    acts = [a for a in res or [] if a.title == TITLE]
    assert len(acts) == 1 and acts[0].edit is not None and acts[0].edit.changes is not None
    changes = acts[0].edit.changes
    assert set(changes) == {uri, main_uri}
    assert acc_lines(apply_text_edits(RELAX_MAIN, changes[main_uri])) == [REGION]
    assert acc_lines(apply_text_edits(RELAX, changes[uri]))
