"""The language server's quick fixes read the text the build compiles, as the CLI's answers do.

A conditional group the build's macros drop is no code of the build (C11 6.10.1p6).  A real
pytest-lsp client over stdio drives ``python -m accellium.lsp`` on the kernel of
tests/test_per_loop_dropped_groups.py (a ``printf`` under ``#ifdef TRACE_SCALE`` in the loop)
with a second function under ``#ifdef OLD_SCALE``.  With the build's macros complete
(``definesComplete``) and neither defined, the trace is left out and the loop gets the
parallel pragma (before, the ``printf`` made it sequential: no pragma), and the loop of the
dropped function gets no action (the CLI answers nothing for it).  Without ``definesComplete``
the groups are undecided and kept (as before); with ``TRACE_SCALE`` defined the trace is
compiled: no pragma."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.loop_notes import NO_PRAGMA_TITLE
from accellium.lsp.testing import record_statuses
from tests._lsp_client import client_fixture
from tests.test_lsp_server import actions, open_doc, start
from tests.test_per_loop_dropped_groups import KERNEL, WANT

OLD = """
#ifdef OLD_SCALE
void scale_old(int n, const double *b, double *a)
{
    for (int i = 0; i < n; i++)
        a[i] = b[i];
}
#endif
"""
SOURCE = KERNEL + OLD
LOOP_ROW = 4  # `for` of scale
OLD_ROW = SOURCE.splitlines().index("    for (int i = 0; i < n; i++)", LOOP_ROW + 1)
NONE = f"{NO_PRAGMA_TITLE} (disabled)"

client = client_fixture(record_statuses)


async def _titles(client: LanguageClient, uri: str, row: int) -> list[str]:
    return [a.title + (" (disabled)" if a.disabled else "")
            for a in await actions(client, uri, row, 8)]


async def _until(client: LanguageClient, uri: str, row: int, want: list[str]) -> None:
    got: list[str] = []
    for _ in range(60):
        got = await _titles(client, uri, row)
        if got == want:
            return
        await asyncio.sleep(0.05)
    assert got == want


def _configure(client: LanguageClient, settings: dict) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"accellium": settings}))


async def test_the_quick_fixes_read_the_compiled_text(client: LanguageClient, tmp_path):
    (tmp_path / "kernel.c").write_text(SOURCE)
    uri = (tmp_path / "kernel.c").as_uri()
    await start(client, root=tmp_path, options={"engine": "analysis", "definesComplete": True})
    open_doc(client, uri, SOURCE)
    await _until(client, uri, LOOP_ROW, [f"Insert `{WANT}`"])
    assert await _titles(client, uri, OLD_ROW) == []  # not code of this build
    _configure(client, {"definesComplete": False})  # the macros may come from elsewhere
    await _until(client, uri, LOOP_ROW, [NONE])
    assert (await _titles(client, uri, OLD_ROW))[0].startswith("Insert `#pragma acc")
    _configure(client, {"definesComplete": True, "defines": ["TRACE_SCALE", "OLD_SCALE"]})
    await _until(client, uri, LOOP_ROW, [NONE])  # the trace is compiled: in order
    assert (await _titles(client, uri, OLD_ROW))[0].startswith("Insert `#pragma acc")
