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

from pytest_lsp import LanguageClient

from accellium.lsp.loop_notes import NO_PRAGMA_TITLE
from accellium.lsp.testing import record_statuses
from tests._lsp_client import client_fixture
from tests.test_lsp_defines import configure, titles, until
from tests.test_lsp_server import open_doc, start
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


async def test_the_quick_fixes_read_the_compiled_text(client: LanguageClient, tmp_path):
    (tmp_path / "kernel.c").write_text(SOURCE)
    uri = (tmp_path / "kernel.c").as_uri()
    await start(client, root=tmp_path, options={"engine": "analysis", "definesComplete": True})
    open_doc(client, uri, SOURCE)
    await until(client, uri, [f"Insert `{WANT}`"], LOOP_ROW)
    assert await titles(client, uri, OLD_ROW) == []  # not code of this build
    configure(client, {"definesComplete": False})  # the macros may come from elsewhere
    await until(client, uri, [NONE], LOOP_ROW)
    assert (await titles(client, uri, OLD_ROW))[0].startswith("Insert `#pragma acc")
    configure(client, {"definesComplete": True, "defines": ["TRACE_SCALE", "OLD_SCALE"]})
    await until(client, uri, [NONE], LOOP_ROW)  # the trace is compiled: in order
    assert (await titles(client, uri, OLD_ROW))[0].startswith("Insert `#pragma acc")
