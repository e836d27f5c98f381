"""The build's macros in the language server: the ``defines``/``undefines``/``definesComplete``
settings and the document's ``compile_commands.json`` entry decide the ``#ifdef`` groups of its
headers, so the shape of the index macro a subscript uses — and the data clauses' extents.

A real pytest-lsp client over stdio drives ``python -m accellium.lsp``; the header defines
``IDX(i, j)`` with 16 more columns under ``#ifdef PADDED``.  With nothing known of ``PADDED``
the macro is ambiguous and the loop gets no pragma (a disabled action says why); ``-D PADDED``
gives the padded sections, ``-U PADDED`` or a complete command line without it the plain ones;
the same through a real backend (``accellium serve`` on a loopback port), which gets the
chosen definition in ``context.scope.defines``."""

from __future__ import annotations

import asyncio
import json

from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.loop_notes import NO_PRAGMA_TITLE
from accellium.lsp.testing import edits_for, record_statuses
from tests._lsp_client import backend_state, client_fixture, offload_pragma_lines
from tests._offload_util import PADDED_IDX_H as IDX_H
from tests._offload_util import PADDED_IDX_KERNEL as KERNEL
from tests._offload_util import PADDED_IDX_PADDED_NEST, PADDED_IDX_PLAIN_NEST
from tests.test_lsp_server import actions, open_doc, start, wait_for

LOOP_ROW = 4
HEADER_ROW = 2
PLAIN = f"Insert `{PADDED_IDX_PLAIN_NEST}`"
PADDED = f"Insert `{PADDED_IDX_PADDED_NEST}`"
NONE = f"{NO_PRAGMA_TITLE} (disabled)"

client = client_fixture(record_statuses)


def _workspace(tmp_path, header_dir: str = "src"):
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / header_dir).mkdir(exist_ok=True)
    (ws / header_dir / "idx.h").write_text(IDX_H)
    (ws / "src" / "kernel.c").write_text(KERNEL)
    return ws, (ws / "src" / "kernel.c").as_uri()


async def titles(client: LanguageClient, uri: str, row: int = LOOP_ROW) -> list[str]:
    """The titles of the code actions at ``row`` (a disabled one marked)."""
    return [a.title + (" (disabled)" if a.disabled else "")
            for a in await actions(client, uri, row, 8)]


def configure(client: LanguageClient, settings: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"accellium": settings}))


async def until(client: LanguageClient, uri: str, want: list[str], row: int = LOOP_ROW
                ) -> None:
    """Polls :func:`titles` until they are ``want`` (a setting's change is read off the
    client's request)."""
    got: list[str] = []

    async def same() -> bool:
        nonlocal got
        got = await titles(client, uri, row)
        return got == want

    for _ in range(40):
        if await same():
            return
        await asyncio.sleep(0.05)
    assert got == want


async def test_the_settings_decide_the_headers_groups(client: LanguageClient, tmp_path):
    ws, uri = _workspace(tmp_path)
    await start(client, root=ws, options={"engine": "analysis"})
    open_doc(client, uri, KERNEL)
    titles = [a for a in await actions(client, uri, LOOP_ROW, 8)]
    assert [a.title for a in titles] == [NO_PRAGMA_TITLE], titles
    assert titles[0].disabled is not None and "IDX" in titles[0].disabled.reason
    configure(client, {"defines": ["PADDED"]})
    await until(client, uri, [PADDED])
    configure(client, {"defines": [], "undefines": ["PADDED"]})
    await until(client, uri, [PLAIN])
    configure(client, {"undefines": [], "definesComplete": True})  # nothing defines PADDED
    await until(client, uri, [PLAIN])
    configure(client, {"definesComplete": False})
    await until(client, uri, [NONE])
    # a bad entry is a window message and the setting's default, never a crash
    configure(client, {"defines": ["PADDED", "2BAD=1"]})
    await wait_for(lambda: [m for m in client.messages if "accellium.defines" in m.message
                            and "2BAD=1" in m.message])
    await until(client, uri, [NONE])


async def test_compile_commands_give_the_documents_flags(client: LanguageClient, tmp_path):
    """The document's entry in ``build/compile_commands.json``: its ``-D`` decides, its ``-I``
    finds the header (in ``include/``, not next to the file), and its command line is whole
    (a name it leaves out is undefined); the settings come after it; its ``-I`` folders
    outside the workspace are not read."""
    ws, uri = _workspace(tmp_path, header_dir="include")
    (ws / "src" / "idx.h").unlink(missing_ok=True)
    (ws / "build").mkdir()
    db = ws / "build" / "compile_commands.json"
    entry = {"directory": str(ws / "build"), "file": "../src/kernel.c",
             "command": "gcc -O2 -fopenacc -DPADDED -I ../include -c ../src/kernel.c"}
    db.write_text(json.dumps([entry]))
    await start(client, root=ws, options={"engine": "analysis"})
    open_doc(client, uri, KERNEL)
    await until(client, uri, [PADDED])
    configure(client, {"undefines": ["PADDED"]})  # the settings after the database's words
    await until(client, uri, [PLAIN])
    configure(client, {"undefines": []})
    entry["arguments"] = ["cc", "-I../include", "-c", "../src/kernel.c"]  # no -D: undefined
    del entry["command"]
    db.write_text(json.dumps([entry]))
    await until(client, uri, [PLAIN])
    # a database's -I folder outside the workspace is not read (a workspace file may not
    # make the server read outside it): the header is not found there, IDX is unknown
    (tmp_path / "sdk").mkdir()
    (tmp_path / "sdk" / "idx.h").write_text(IDX_H)
    (ws / "include" / "idx.h").unlink()
    entry["arguments"] = ["cc", f"-I{tmp_path / 'sdk'}", "-c", "../src/kernel.c"]
    db.write_text(json.dumps([entry]))
    await until(client, uri, [NONE])
    configure(client, {"includePaths": [str(tmp_path / "sdk")]})  # a user setting can
    await until(client, uri, [PLAIN])


async def _backend_edit(client: LanguageClient, uri: str) -> str:
    """The line the backend's action (resolved lazily) inserts above the loop."""
    acts = await actions(client, uri, LOOP_ROW, 8)
    assert [a.title for a in acts] == ["Insert an OpenACC pragma (suggested by backend)"], acts
    a = await client.code_action_resolve_async(acts[0])
    assert a.edit is not None, a
    edits, _ = edits_for(a.edit, uri)
    return edits[0].new_text.strip()


async def test_the_backend_gets_the_chosen_definition(client: LanguageClient, tmp_path):
    from _server_util import running_server

    from accellium.server.app import Settings

    ws, uri = _workspace(tmp_path)
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        await start(client, root=ws, options={"backendUrl": url, "defines": ["PADDED"]})
        await wait_for(lambda: backend_state(client) == "connected")
        open_doc(client, uri, KERNEL)
        assert await _backend_edit(client, uri) == PADDED[8:-1]
        # the offload action asks the backend's /v1/offload, with the header's chosen macro
        assert await offload_pragma_lines(client, uri, HEADER_ROW) == [PADDED[8:-1]]
        configure(client, {"backendUrl": url, "defines": [], "definesComplete": True})
        await asyncio.sleep(0.2)
        assert await _backend_edit(client, uri) == PLAIN[8:-1]
        assert backend_state(client) == "connected"
