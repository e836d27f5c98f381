"""The ``offloadProgram`` setting: "Offload this function" with ALL the program's files (globs
relative to the workspace folder).  A real pytest-lsp client over stdio: the action's ONE
workspace edit covers the document and the caller's file (an open document with its version
and its unsaved text, a closed one from the disk); applied, the program builds with gcc
-fopenacc and verifies in the data-environment emulator, and the caller's region moves the
data once.  A plan that read files from the disk (no version the client could check) comes as
the ``accellium.applyOffload`` command: the server sends the edit (``workspace/applyEdit``)
only while every file still holds the text the plan read — a file changed on the disk after
planning gets no edit and a message.  Through a backend the files go as ``program`` (the fake backend
sees the wire; a real ``accellium serve`` gives the same edits).  A program that cannot be
used (a unit in another language) or a bad value is a message; the document is then planned
alone."""

from __future__ import annotations

import asyncio

from _offload_util import acc_lines, run_as_written
from _server_util import running_server
from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.testing import (
    apply_text_edits,
    read_code_actions_with_commands,
    record_applied_edits,
    record_statuses,
)
from accellium.server.app import Settings
from tests._lsp_client import backend_state, client_fixture
from tests.test_lsp_backend import backend, fake  # noqa: F401 - fixtures
from tests.test_lsp_server import actions, change, open_doc, start, wait_for
from tests.test_offload_http_program import RELAX, RELAX_H, RELAX_MAIN, STEPS, M, N

TITLE = "Offload this function (OpenACC data region)"
PATTERNS = ["src/*.c", "src/*.h"]
REGION = "#pragma acc data copyin(src[0:n]) copy(u[0:n])"
APPLY = "accellium.applyOffload"


def _record_applied(client: LanguageClient) -> None:
    client.applied = record_applied_edits(client)


client = client_fixture(record_statuses, _record_applied, read_code_actions_with_commands)


def _workspace(tmp_path):
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "relax.c").write_text(RELAX)
    (ws / "src" / "main.c").write_text(RELAX_MAIN)
    (ws / "src" / "relax.h").write_text(RELAX_H)
    return ws, (ws / "src" / "relax.c").as_uri(), (ws / "src" / "main.c").as_uri()


async def _action(client: LanguageClient, uri: str) -> types.CodeAction:
    """The resolved offload action on ``relax`` (row 0)."""
    acts = [a for a in await actions(client, uri, 0) if a.title == TITLE]
    assert len(acts) == 1
    return await client.code_action_resolve_async(acts[0])


async def _run(client: LanguageClient, action: types.CodeAction) -> tuple[bool, list]:
    """Executes the action's command as an editor does: (what the server answered it applied,
    the ``workspace/applyEdit`` requests it sent meanwhile)."""
    assert action.command is not None and action.command.command == APPLY
    before = len(client.applied)
    res = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=action.command.command, arguments=action.command.arguments))
    applied = res["applied"] if isinstance(res, dict) else res.applied
    return applied, client.applied[before:]


async def _edit(client: LanguageClient, uri: str) -> types.WorkspaceEdit | None:
    """The edit the offload action on ``relax`` makes: its own, or the one the server sends
    when its command runs (the plan read files from the disk)."""
    action = await _action(client, uri)
    if action.command is None:
        return action.edit
    applied, sent = await _run(client, action)
    if action.edit is not None:  # the command after the edit does nothing
        assert not applied and sent == []
        return action.edit
    assert applied and len(sent) == 1
    return sent[0].edit


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
    # every program file open: the action carries the versioned edit itself
    h_uri = (ws / "src" / "relax.h").as_uri()
    open_doc(client, h_uri, RELAX_H, version=3)
    await asyncio.sleep(0.1)
    action = await _action(client, uri)
    assert action.edit is not None and _changes(action.edit) == got
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=h_uri)))
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
    await wait_for(lambda: backend_state(client) == "connected")
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
        await wait_for(lambda: backend_state(client) == "connected")
        there = _changes(await _edit(client, uri))
    assert there == here and set(there) == {uri, main_uri}


async def test_the_backend_reads_the_programs_headers_with_the_builds_macros(
        client: LanguageClient, tmp_path):
    """The header is one of the program's files and its ``#ifdef PADDED`` groups define
    ``IDX`` two ways: the backend gets the document's path among them and the build's
    command line (``defines: ["PADDED"]``), so it reads the header as the server here does and
    plans the same padded extents (without them its reading of the header would leave ``IDX``
    ambiguous)."""
    from tests.test_lsp_defines import IDX_H, KERNEL, PADDED

    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "kernel.c").write_text(KERNEL)
    (ws / "src" / "idx.h").write_text(IDX_H)
    uri = (ws / "src" / "kernel.c").as_uri()
    opts = {"offloadProgram": ["src/*.c", "src/*.h"], "defines": ["PADDED"]}
    await start(client, root=ws, options={"engine": "analysis", **opts})
    open_doc(client, uri, KERNEL)

    async def edit() -> dict:
        acts = [a for a in await actions(client, uri, 2) if a.title == TITLE]
        assert len(acts) == 1
        action = await client.code_action_resolve_async(acts[0])
        if action.command is None:
            return _changes(action.edit)
        applied, sent = await _run(client, action)
        assert action.edit is not None or (applied and len(sent) == 1), (action, sent)
        return _changes(action.edit if action.edit is not None else sent[0].edit)

    here = await edit()
    assert [e.new_text.strip() for e in here[uri][1]] == [PADDED[8:-1]], here
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        _configure(client, {"backendUrl": url, **opts})
        await wait_for(lambda: backend_state(client) == "connected")
        there = await edit()
    assert there == here


async def test_clients_without_document_changes_get_changes_by_uri(client: LanguageClient,
                                                                    tmp_path):
    """No resolve and no documentChanges: the edit comes with the action, as `changes`."""
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS},
                resolve=False, document_changes=False)
    open_doc(client, uri, RELAX)
    acts = [a for a in await actions(client, uri, 0) if a.title == TITLE]
    # main.c and relax.h were read from the disk: a command, whose edit the server sends
    assert len(acts) == 1
    applied, sent = await _run(client, acts[0])
    assert applied and len(sent) == 1 and sent[0].edit.changes is not None
    changes = sent[0].edit.changes
    assert set(changes) == {uri, main_uri}
    assert acc_lines(apply_text_edits(RELAX_MAIN, changes[main_uri])) == [REGION]
    assert acc_lines(apply_text_edits(RELAX, changes[uri]))


async def test_a_file_changed_on_the_disk_after_planning_gets_no_edit(client: LanguageClient,
                                                                       tmp_path):
    """main.c and relax.h are read from the disk: the action is a command; the server checks
    each file the plan read when it runs, and sends the edit only when none changed."""
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS},
                change_annotations=True)
    open_doc(client, uri, RELAX)
    main = ws / "src" / "main.c"
    for changed, text in ((main, "/* moved */\n" + RELAX_MAIN),
                          (ws / "src" / "relax.h", RELAX_H + "\n")):  # read, not edited
        action = await _action(client, uri)
        original = changed.read_text()
        changed.write_text(text)  # after planning, before the user picks the action
        applied, sent = await _run(client, action)
        assert not applied and sent == []
        rel = changed.relative_to(ws).as_posix()
        await wait_for(lambda r=rel: [m for m in client.messages
                                      if f"{r} changed on the disk" in m.message])
        # a used token is gone
        applied, sent = await _run(client, action)
        assert not applied and sent == []
        await wait_for(lambda: [m for m in client.messages
                                if "no longer available" in m.message])
        changed.write_text(original)
    # asked again on the new text: applied, against that text; the edits are annotated for
    # review (this client supports change annotations)
    main.write_text("/* moved */\n" + RELAX_MAIN)
    action = await _action(client, uri)
    applied, sent = await _run(client, action)
    assert applied and len(sent) == 1
    edit = sent[0].edit
    assert edit.change_annotations and all(a.needs_confirmation
                                           for a in edit.change_annotations.values())
    got = _changes(edit)
    assert set(got) == {uri, main_uri} and got[uri][0] == 1 and got[main_uri][0] is None
    assert all(isinstance(e, types.AnnotatedTextEdit) for _v, es in got.values() for e in es)
    new_main = apply_text_edits("/* moved */\n" + RELAX_MAIN, got[main_uri][1])
    assert acc_lines(new_main) == [REGION]
    assert new_main.splitlines()[0] == "/* moved */"


async def test_a_file_opened_after_planning_gets_its_version(client: LanguageClient, tmp_path):
    """The caller's file opened in the editor between planning and applying, with the text
    the plan read: its edit carries the document's version; with an unsaved change: no
    edit."""
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS})
    open_doc(client, uri, RELAX)
    action = await _action(client, uri)
    open_doc(client, main_uri, RELAX_MAIN, version=5)
    await asyncio.sleep(0.1)
    applied, sent = await _run(client, action)
    assert applied and _changes(sent[0].edit)[main_uri][0] == 5
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=main_uri)))
    await asyncio.sleep(0.1)
    action = await _action(client, uri)
    open_doc(client, main_uri, RELAX_MAIN + "/* unsaved */\n", version=6)
    await asyncio.sleep(0.1)
    applied, sent = await _run(client, action)
    assert not applied and sent == []
    await wait_for(lambda: [m for m in client.messages
                            if "src/main.c changed in its editor" in m.message])


async def test_the_document_changed_before_the_command_runs(client: LanguageClient, tmp_path):
    ws, uri, main_uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS})
    open_doc(client, uri, RELAX)
    action = await _action(client, uri)
    change(client, uri, 2, (0, 0), (0, 0), "/* edited */\n")
    await asyncio.sleep(0.1)
    applied, sent = await _run(client, action)
    assert not applied and sent == []
    await wait_for(lambda: [m for m in client.messages
                            if "the document changed after the offload action" in m.message])


async def test_the_program_files_headers_are_read(client: LanguageClient, tmp_path):
    """A function of another file that names only globals of the shared header reaches only
    those (tests/test_offload_program_headers.py): in-process, the other file's header is read
    as the document's are, and the plan keeps both nests on the device; the twin whose
    evaluator writes the grid keeps the row loop on the host."""
    from tests.test_offload_program_headers import HEADER, KERNEL, _programs

    got = {}
    for name, (kernel, main) in _programs().items():
        ws = tmp_path / name
        (ws / "src").mkdir(parents=True)
        for rel, text in (("kernel.c", kernel), ("main.c", main), ("glob.h", HEADER)):
            (ws / "src" / rel).write_text(text)
        uri = (ws / "src" / "kernel.c").as_uri()
        _configure(client, {"offloadProgram": PATTERNS})
        if not got:
            await start(client, root=ws, options={"engine": "analysis",
                                                  "offloadProgram": PATTERNS})
        client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=ws.as_uri(), name=name)], removed=[])))
        open_doc(client, uri, KERNEL)
        acts = [a for a in await actions(client, uri, 2) if a.title == TITLE]
        assert len(acts) == 1, name
        action = await client.code_action_resolve_async(acts[0])
        edit = action.edit
        if edit is None:
            applied, sent = await _run(client, action)
            assert applied and len(sent) == 1
            edit = sent[0].edit
        text = apply_text_edits(KERNEL, _changes(edit)[uri][1])
        got[name] = text.count("parallel loop")
    assert got == {"reads_coef": 2, "writes_grid": 1}, got


async def test_files_planned_in_turn_compose(client: LanguageClient, tmp_path):
    """"Offload this function" on the driver's `step` (the kernel's file as written: host
    code), the edit applied and saved, then on the kernel's `relax`: the driver's plan took
    `relax` (a loop the engine offloads) as no host code, and the two plans verify together
    (tests/test_offload_unseen_calls.py has the CLI's twin)."""
    from test_offload_unseen_calls import HEADER, KERNEL, MAIN

    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    files = {"main.c": MAIN, "kernel.c": KERNEL, "glob.h": HEADER}
    for name, text in files.items():
        (ws / "src" / name).write_text(text)
    await start(client, root=ws, options={"engine": "analysis", "offloadProgram": PATTERNS})
    for name, fn in (("main.c", "void step"), ("kernel.c", "void relax")):
        uri, text = (ws / "src" / name).as_uri(), files[name]
        open_doc(client, uri, text)
        row = next(k for k, ln in enumerate(text.split("\n")) if ln.startswith(fn))
        acts = [a for a in await actions(client, uri, row) if a.title == TITLE]
        assert len(acts) == 1, [a.title for a in await actions(client, uri, row)]
        action = await client.code_action_resolve_async(acts[0])
        if action.edit is None:
            applied, sent = await _run(client, action)
            assert applied and len(sent) == 1
            edit = sent[0].edit
        else:
            edit = action.edit
        files[name] = apply_text_edits(text, _changes(edit)[uri][1])
        (ws / "src" / name).write_text(files[name])
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        await asyncio.sleep(0.1)
    assert acc_lines(files["main.c"]) and acc_lines(files["kernel.c"])
    run_as_written(tmp_path / "run", {"in_turn": {"kernel.c": files["kernel.c"],
                                                  "main.c": files["main.c"], "glob.h": HEADER}})
