"""End-to-end tests of the language server: a real client (pytest-lsp) drives ``python -m accellium.lsp``
over stdio.  Embedded engine (no backend); the backend tests are in test_lsp_backend.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.testing import (
    apply_text_edits,
    client_capabilities,
    edits_for,
    record_applied_edits,
    utf16_len,
)
from tests._lsp_client import ENV, SERVER, client_fixture, shut_down

SRC = """\
#include <stdio.h>

float sum(int n, const float *a) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        s += a[i];
    }
    return s;
}

void scale(int n, int m, float *x) {
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++) {
            x[i * m + j] *= 2.0f;
        }
    }
}
"""


def uri_of(tmp_path: Path, name: str = "t.c") -> str:
    return (tmp_path / name).as_uri()


async def start(client: LanguageClient, root: Path | None = None, options: dict | None = None,
                **caps) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(**caps),
        root_uri=root.as_uri() if root else None,
        initialization_options={"indexWorkspace": False, **(options or {})}))


def open_doc(client: LanguageClient, uri: str, text: str, lang: str = "c",
             version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=lang, version=version,
                                             text=text)))


def change(client: LanguageClient, uri: str, version: int, start: tuple[int, int],
           end: tuple[int, int], text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(*start), types.Position(*end)), text=text)]))


async def actions(client: LanguageClient, uri: str, line: int, char: int = 0,
                  only: list[str] | None = None) -> list[types.CodeAction]:
    res = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(types.Position(line, char), types.Position(line, char)),
        context=types.CodeActionContext(diagnostics=[], only=only)))
    return list(res or [])


async def resolved(client: LanguageClient, a: types.CodeAction) -> types.CodeAction:
    if a.edit is None and a.data is not None:
        return await client.code_action_resolve_async(a)
    return a


def apply(text: str, a: types.CodeAction, uri: str) -> str:
    edits, _ = edits_for(a.edit, uri)
    assert edits, a
    return apply_text_edits(text, edits)


async def wait_for(pred, timeout: float = 60.0):
    """``pred()`` once it is true, polled every 50 ms; fails after ``timeout`` s.  The bound is
    generous: the server answers in milliseconds on a quiet machine, and a full run beside
    other CPU-bound work failed one test of a backend's connection within the old 10 s; no
    test waits on it to fail."""
    t0 = asyncio.get_running_loop().time()
    while True:
        v = pred()
        if v:
            return v
        if asyncio.get_running_loop().time() - t0 > timeout:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


client = client_fixture()


# ----------------------------------------------------------------------------------------------


async def test_insert_quickfix_one_line(client: LanguageClient, tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 5, 8)  # inside `s += a[i];`
    assert acts, "no code action"
    a = acts[0]
    assert a.kind == types.CodeActionKind.QuickFix
    assert a.title.startswith("Insert `#pragma acc ")
    assert "reduction(+:s)" in a.title
    edits, version = edits_for(a.edit, uri)
    assert version == 1
    assert len(edits) == 1 and edits[0].range.start == edits[0].range.end
    new = apply(SRC, a, uri)
    old_lines, new_lines = SRC.splitlines(), new.splitlines()
    assert len(new_lines) == len(old_lines) + 1
    assert new_lines[4].startswith("    #pragma acc ")  # the loop's indentation
    assert new_lines[:4] + new_lines[5:] == old_lines  # nothing else touched


async def test_enclosing_loops_and_kinds(client: LanguageClient, tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 13, 12)  # innermost statement of the 2-deep nest
    # the two loops' quick fixes first; the engine's alternatives for the inner one after them
    main = [a for a in acts if not a.title.startswith("Alternative ")]
    assert len(main) == 2 and acts[:2] == main
    assert "enclosing loop (line 12)" in acts[1].title
    new = apply(SRC, acts[1], uri)
    assert new.splitlines()[11].startswith("    #pragma acc ")
    # context.only: refactor requests get the same actions as refactor.rewrite
    ref = await actions(client, uri, 13, 12, only=[types.CodeActionKind.Refactor])
    assert [a.kind for a in ref] == [types.CodeActionKind.RefactorRewrite] * len(acts)
    assert [a.title for a in ref] == [a.title for a in acts]
    assert await actions(client, uri, 13, 12, only=[types.CodeActionKind.RefactorExtract]) == []
    qf = await actions(client, uri, 13, 12, only=[types.CodeActionKind.QuickFix])
    assert [a.kind for a in qf] == [types.CodeActionKind.QuickFix] * len(acts)
    src = await actions(client, uri, 13, 12, only=[types.CodeActionKind.Source])
    # (lsprotocol's client-side converter reads a CodeAction that has a command as a Command)
    assert [a.title for a in src] == ["Annotate every loop of the file with OpenACC pragmas"]
    # outside any loop: nothing; out-of-range lines: nothing, and no error
    assert await actions(client, uri, 0) == []
    assert await actions(client, uri, 5000, 3) == []


async def test_replace_and_already_annotated(client: LanguageClient, tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    text = SRC.replace("    for (int i = 0; i < n; i++) {\n        s +=",
                       "  #pragma acc kernels loop\n    for (int i = 0; i < n; i++) {\n        s +=")
    open_doc(client, uri, text)
    acts = await actions(client, uri, 4)  # on the pragma line: the loop below it
    assert acts and acts[0].title.startswith("Replace with `#pragma acc ")
    new = apply(text, acts[0], uri)
    assert len(new.splitlines()) == len(text.splitlines())
    assert new.splitlines()[4].startswith("  #pragma acc ") and "kernels" not in new
    # apply it: the loop is then annotated as suggested and offers nothing more
    change(client, uri, 2, (0, 0), (len(text.splitlines()) + 1, 0), new)
    assert await actions(client, uri, 5, 8) == []


async def test_utf16_positions_and_incremental_edits(client: LanguageClient, tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    text = SRC.replace("    float s = 0.0f;", '    float s = 0.0f; const char *e = "é😀ß";')
    text = "// naïve 😀 résumé — ünïcode\n" + text
    open_doc(client, uri, text)
    # Insert a line with non-BMP characters above the loop through an incremental change at a
    # UTF-16 column after the emoji.
    line1 = text.splitlines()[0]
    col = utf16_len(line1)
    change(client, uri, 2, (0, col), (0, col), "\n/* 😀😀 */ int unused;")
    text2 = line1 + "\n/* 😀😀 */ int unused;" + text[len(line1):]
    # position after the string with surrogate pairs, on the loop's statement line
    row = 7
    assert "s += a[i];" in text2.splitlines()[row]
    acts = await actions(client, uri, row, 9)
    assert acts
    new = apply(text2, acts[0], uri)
    lines = new.splitlines()
    assert lines[6].startswith("    #pragma acc ") and lines[7].startswith("    for (int i")
    assert new.replace(lines[6] + "\n", "", 1) == text2
    # an edit in the middle of a line with emoji (delete 1 UTF-16 unit pair = one emoji)
    line = text2.splitlines()[1]
    c = line.index("😀")
    c16 = utf16_len(line[:c])
    change(client, uri, 3, (1, c16), (1, c16 + 2), "")
    text3 = text2.replace("/* 😀😀 */", "/* 😀 */", 1)
    acts = await actions(client, uri, row, 9)
    assert acts and apply(text3, acts[0], uri).count("#pragma acc") == 1


async def test_stale_version_and_rapid_edits(client: LanguageClient, tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    first = await actions(client, uri, 5, 8)
    _, v1 = edits_for(first[0].edit, uri)
    assert v1 == 1
    # many edits while requests are in flight: add lines above the loop one by one
    text = SRC
    tasks = []
    for k in range(30):
        change(client, uri, 2 + k, (1, 0), (1, 0), f"// line {k}\n")
        text = text.replace("\n", f"\n// line {k}\n", 1) if False else \
            text[: text.index("\n") + 1] + f"// line {k}\n" + text[text.index("\n") + 1:]
        tasks.append(asyncio.ensure_future(actions(client, uri, 5 + k + 1, 8)))
    results = await asyncio.gather(*tasks)
    # every answer carries the version it was computed for; the last one matches the buffer
    for res in results:
        for a in res:
            if a.edit is None:  # resolved on demand (the offload action on a header line)
                assert a.data["version"] >= 1
                continue
            _, v = edits_for(a.edit, uri)
            assert v is not None and v >= 1
    final = await actions(client, uri, 5 + 30, 8)
    edits, v = edits_for(final[0].edit, uri)
    assert v == 31
    new = apply_text_edits(text, edits)
    assert new.count("#pragma acc") == 1
    assert new.splitlines()[34].startswith("    #pragma acc")
    # a stale (repeated) version does not break the server
    change(client, uri, 5, (0, 0), (0, 0), "")
    assert await actions(client, uri, 35, 8)


async def test_diagnostics_and_hover(client: LanguageClient, tmp_path):
    await start(client)
    uri = uri_of(tmp_path)
    text = """\
void f(int n, float *a, const float *b) {
    #pragma acc parallel loop presnt(a[0:n])
    for (int i = 0; i < n; i++) a[i] = b[i];
    #pragma acc parallel loop
    for (int i = 1; i < n; i++) a[i] = a[i - 1] + b[i];
    #pragma acc parallel loop copyin(b[0:n]) copyout(a[0:n])
    for (int i = 0; i < n; i++) a[i] = 2 * b[i];
}
"""
    open_doc(client, uri, text)
    diags = await wait_for(lambda: client.diagnostics.get(uri))
    by_line = {}
    for d in diags:
        by_line.setdefault(d.range.start.line, []).append(d)
    assert "unknown clause `presnt`" in by_line[1][0].message
    r = by_line[1][0].range
    assert text.splitlines()[1][r.start.character:r.end.character] == "presnt"
    assert any("carried" in d.message for d in by_line.get(3, [])), diags
    assert 5 not in by_line
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(5, 10)))
    value = h.contents.value
    assert "parallel loop" in value.splitlines()[0]
    assert "copyin(b[0:n])" in value and "copyout(a[0:n])" in value
    assert len(value.splitlines()) == 3
    # no hover off pragmas; fixing the clause clears the diagnostic
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(2, 4))) is None
    line = text.splitlines()[1]
    c = line.index("presnt")
    client.diagnostics.pop(uri)
    change(client, uri, 2, (1, c), (1, c + 6), "present")
    diags = await wait_for(lambda: client.diagnostics.get(uri))
    assert not any(d.range.start.line == 1 for d in diags)


async def test_annotate_file_command_with_progress(client: LanguageClient, tmp_path):
    applied = record_applied_edits(client)

    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    res = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="accellium.annotateFile", arguments=[uri]))
    assert res["inserted"] == 2 and res["applied"] is True
    assert len(applied) == 1
    edits, version = edits_for(applied[0].edit, uri)
    assert version == 1 and len(edits) == 2
    new = apply_text_edits(SRC, edits)
    assert len(new.splitlines()) == len(SRC.splitlines()) + 2
    lines = new.splitlines()
    assert lines[4].startswith("    #pragma acc") and lines[12].startswith("    #pragma acc")
    kinds = [getattr(v, "kind", None) for vs in client.progress_reports.values() for v in vs]
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds


CALLS = """\
static float sq(float x)
{
    return x * x;
}

void run(int n, const float *a, float *b, float *c)
{
    for (int i = 0; i < n; i++)
        b[i] = sq(a[i]);
    for (int i = 0; i < n; i++)
        c[i] = sq(b[i]) + 1.0f;
}
"""


def _gcc_accepts(tmp_path: Path, text: str) -> None:
    import subprocess

    f = tmp_path / "acc.c"
    f.write_text(text)
    r = subprocess.run(["gcc", "-fopenacc", "-fsyntax-only", "-Wall", str(f)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


async def test_quick_fix_and_annotate_add_routine_seq_once(client: LanguageClient, tmp_path):
    """A compute construct on a loop that calls a function of the file needs `#pragma acc
    routine seq` above it (a GPU link fails without): the quick fix carries that line, and
    annotating the file writes it once for both loops."""
    applied = record_applied_edits(client)

    await start(client)
    uri = uri_of(tmp_path)
    open_doc(client, uri, CALLS)
    a = await resolved(client, (await actions(client, uri, 8, 8))[0])
    assert a.title.startswith("Insert `#pragma acc parallel loop"), a.title
    new = apply(CALLS, a, uri)
    lines = new.splitlines()
    assert lines[0] == "#pragma acc routine seq" and lines[1] == "static float sq(float x)"
    assert new.count("#pragma acc routine seq") == 1
    _gcc_accepts(tmp_path, new)

    res = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="accellium.annotateFile", arguments=[uri]))
    assert res["applied"] is True
    edits, _ = edits_for(applied[0].edit, uri)
    new = apply_text_edits(CALLS, edits)
    assert new.count("#pragma acc routine seq") == 1 and new.count("#pragma acc parallel") == 2
    _gcc_accepts(tmp_path, new)


async def test_settings_bad_value_reported_once_and_status(client: LanguageClient, tmp_path):
    statuses: list = []

    @client.feature("accellium/status")
    def on_status(params):
        statuses.append(params)

    await start(client, options={"timeoutMs": "soon", "maxExamples": 3})
    await wait_for(lambda: statuses)
    await wait_for(lambda: any("no backendUrl set" in m.message for m in client.messages))
    msgs = [m.message for m in client.messages]
    assert sum("timeoutMs" in m for m in msgs) == 1
    assert any("no backendUrl set" in m for m in msgs)  # says so once
    st = statuses[-1]
    assert getattr(st, "engine", None) == "auto" or st["engine"] == "auto"
    # the same bad value again: not reported twice; a new bad value is reported
    for _ in range(2):
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"accellium": {"timeoutMs": "soon", "engine": "nonsense"}}))
    await wait_for(lambda: any("engine" in m.message for m in client.messages))
    await asyncio.sleep(0.3)
    msgs = [m.message for m in client.messages]
    assert sum("timeoutMs" in m for m in msgs) == 1
    assert sum("'nonsense'" in m for m in msgs) == 1
    n = len(statuses)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"accellium": {"engine": "context"}}))
    await wait_for(lambda: len(statuses) > n)
    last = statuses[-1]
    eng = last["engine"] if isinstance(last, dict) else last.engine
    assert eng == "context"
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 5, 8)
    # the `context` rule's `parallel loop`, with the reduction the safety guard adds: the
    # document (the loop's scope) shows `s` returned after the loop
    # the `context` rule's `parallel loop`, completed by the guard with the file as scope
    assert acts and acts[0].title == \
        "Insert `#pragma acc parallel loop reduction(+:s) copyin(a[0:n])`"


async def test_workspace_style_examples_are_indexed(client: LanguageClient, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "old.c").write_text("""\
void g(int n, float *y, const float *x) {
    #pragma acc parallel loop present(y[0:n], x[0:n])
    for (int k = 0; k < n; k++) y[k] = 3 * x[k];
}
""")
    await start(client, root=tmp_path, options={"indexWorkspace": True})
    uri = uri_of(tmp_path, "new.c")
    open_doc(client, uri, SRC)
    # the scan runs in the background; the server keeps answering meanwhile
    acts = await actions(client, uri, 5, 8)
    assert acts
    # hover still works on the scanned style through an open document
    open_doc(client, (tmp_path / "src" / "old.c").as_uri(), (tmp_path / "src" / "old.c")
             .read_text())
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=(tmp_path / "src" / "old.c").as_uri()),
        position=types.Position(1, 8)))
    assert "present" in h.contents.value


async def test_large_file_keeps_serving(client: LanguageClient, tmp_path):
    from accellium.lsp.testing import generate_c

    await start(client)
    big = generate_c(10_000)
    reps = (10 * 1024 * 1024) // len(big) + 1
    text = "".join(big.replace("kernel_", f"k{r}_") for r in range(reps))
    assert len(text) >= 10 * 1024 * 1024
    big_uri = uri_of(tmp_path, "big.c")
    small_uri = uri_of(tmp_path, "small.c")
    open_doc(client, big_uri, text)
    open_doc(client, small_uri, SRC)
    # the small file is served while the big one is indexed
    acts = await asyncio.wait_for(actions(client, small_uri, 5, 8), 10)
    assert acts
    nlines = text.count("\n")

    async def big_actions():
        while True:
            acts = await actions(client, big_uri, nlines - 3, 8)
            if acts:
                return acts
            await asyncio.sleep(0.2)

    acts = await asyncio.wait_for(big_actions(), 120)
    edits, _ = edits_for(acts[0].edit, big_uri)
    assert len(edits) == 1 and edits[0].new_text.count("\n") == 1
    change(client, big_uri, 2, (nlines - 1, 0), (nlines - 1, 0), "// end\n")
    assert await asyncio.wait_for(actions(client, small_uri, 5, 8), 10)


async def test_log_file(tmp_path):
    log = tmp_path / "lsp.log"
    client = pytest_lsp.make_test_lsp_client()
    await client.start_io(*SERVER, "--log-file", str(log), env=ENV)
    try:
        await start(client)
        uri = uri_of(tmp_path)
        open_doc(client, uri, SRC)
        assert await actions(client, uri, 5, 8)
    finally:
        await shut_down(client)
    assert "status" in log.read_text()
