"""The ``includePaths`` setting: more folders for a document's quoted includes (absolute, or
relative to the workspace folder; the folder may be outside the workspace).  A real pytest-lsp
client over stdio: with the setting the header's index macro is known and the offload action
plans the function (the edit applied, the program built with gcc -fopenacc and run in the
data-environment emulator, verifies); without it the loops stay on the host.  Bad values are a
window message, never a crash."""

from __future__ import annotations

import asyncio

from _offload_util import acc_lines, run_as_written
from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.testing import apply_text_edits, edits_for, record_statuses
from tests._lsp_client import client_fixture
from tests.test_lsp_server import actions, open_doc, start, wait_for
from tests.test_offload_http_program import IDX_H, SCALE, SCALE_MAIN, M, N

TITLE = "Offload this function (OpenACC data region)"
HEADER_ROW = SCALE.splitlines().index("void scale(int n, int m, double *a, const double *b)")
REGION = ["#pragma acc data copyin(b[0:m*n]) copyout(a[0:m*n])",
          "#pragma acc parallel loop collapse(2) present(a[0:m*n], b[0:m*n])",
          "#pragma acc parallel loop collapse(2) present(a[0:m*n], b[0:m*n])"]


client = client_fixture(record_statuses)


def _workspace(tmp_path):
    """The kernel in ``ws/src``; its header in ``ws/include`` (not next to it, not at the
    workspace root) and a copy in ``sdk/include``, outside the workspace."""
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "include").mkdir()
    (ws / "include" / "idx.h").write_text(IDX_H)
    (tmp_path / "sdk" / "include").mkdir(parents=True)
    (tmp_path / "sdk" / "include" / "idx.h").write_text(IDX_H)
    (ws / "src" / "kernel.c").write_text(SCALE)
    return ws, (ws / "src" / "kernel.c").as_uri()


async def _offload(client: LanguageClient, uri: str, version: int = 1) -> str | None:
    """The text after the offload action on ``scale`` (None: no edit)."""
    acts = [a for a in await actions(client, uri, HEADER_ROW) if a.title == TITLE]
    assert len(acts) == 1, [m.message for m in client.messages]
    a = await client.code_action_resolve_async(acts[0])
    if a.edit is None:
        return None
    edits, v = edits_for(a.edit, uri)
    assert v == version
    return apply_text_edits(SCALE, edits)


def _configure(client: LanguageClient, settings: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"accellium": {"engine": "analysis", **settings}}))


async def test_include_paths_find_the_headers_macros(client: LanguageClient, tmp_path):
    ws, uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis", "includePaths": ["include"]})
    open_doc(client, uri, SCALE)
    new = await _offload(client, uri)
    assert new is not None and acc_lines(new) == REGION
    # the plan applied: the program builds, runs on separate device memory and verifies
    moved = run_as_written(tmp_path / "run", {
        "scale": {"kernel.c": new, "main.c": SCALE_MAIN, "idx.h": IDX_H}})
    assert moved["scale"] == 2 * N * M * 8
    # without the setting the header is not found: no plan (a message says why)
    _configure(client, {"includePaths": []})
    await asyncio.sleep(0.2)
    assert await _offload(client, uri) is None
    await wait_for(lambda: [m for m in client.messages if "no offload plan" in m.message])
    # an absolute folder outside the workspace may be read too
    _configure(client, {"includePaths": [str(tmp_path / "sdk" / "include")]})
    await asyncio.sleep(0.2)
    assert acc_lines(await _offload(client, uri) or "") == REGION


async def test_bad_include_paths_are_a_message_not_a_crash(client: LanguageClient, tmp_path):
    ws, uri = _workspace(tmp_path)
    (ws / "file.h").write_text("")
    await start(client, root=ws, options={"engine": "analysis",
                                          "includePaths": ["missing", "file.h", "include"]})
    open_doc(client, uri, SCALE)

    def folder_messages() -> list[str]:
        got = [m.message for m in client.messages
               if "includePaths" in m.message and "not a folder" in m.message]
        return got if len(got) >= 2 else []

    msgs = await wait_for(folder_messages)
    assert any("'missing'" in m for m in msgs) and any("'file.h'" in m for m in msgs)
    # the good folder of the list is still used
    assert acc_lines(await _offload(client, uri) or "") == REGION
    for bad in (5, {"a": 1}, [1, 2], ["x" * 2000], ["inc\u0000lude"], ["d"] * 33):
        _configure(client, {"includePaths": bad})
    await wait_for(lambda: len([m for m in client.messages
                                if "accellium.includePaths = " in m.message]) >= 6)
    # each bad value fell back to the default (no extra folder): the header is not found,
    # and the server still answers
    await asyncio.sleep(0.2)
    assert await _offload(client, uri) is None
