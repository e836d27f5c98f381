"""The language server reads a document's local headers: ``#include "idx.h"`` found through
the workspace folder, a header open in the editor read from its buffer (unsaved changes
count), and the header macros sent to the backend as ``context.scope.defines``.  A real
pytest-lsp client over stdio; the fake backend of tests/test_lsp_backend.py to see the wire."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.loop_notes import NO_PRAGMA_TITLE
from accellium.lsp.testing import record_statuses
from tests._lsp_client import backend_state, client_fixture
from tests.test_lsp_backend import backend, fake  # noqa: F401 - fixtures
from tests.test_lsp_server import actions, open_doc, start, wait_for

KERNEL = """#include "idx.h"

void scale(int n, int m, double *a, const double *b)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[IDX(i, j)] = 2.0 * b[IDX(i, j)];
}
"""
LOOP_ROW = 4
IDX_H = "#ifndef IDX_H\n#define IDX_H\n#define IDX(i, j) ((i) * m + (j))\n#endif\n"
WRAPS = "#define IDX(i, j) (((i) * m + (j)) % n)\n"
WANT = "#pragma acc parallel loop collapse(2) copyin(b[0:m*n]) copyout(a[0:m*n])"
NO_PRAGMA = f"{NO_PRAGMA_TITLE} (disabled)"  # the answer has no pragma: the action says why


client = client_fixture(record_statuses)


def _workspace(tmp_path):
    """``idx.h`` at the workspace root, the kernel in ``src/`` (found through the folder)."""
    (tmp_path / "idx.h").write_text(IDX_H)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "kernel.c").write_text(KERNEL)
    return (tmp_path / "src" / "kernel.c").as_uri(), (tmp_path / "idx.h").as_uri()


async def _titles(client: LanguageClient, uri: str) -> list[str]:
    """The actions offered at the loop, a disabled one (no pragma, and why) marked so."""
    return [a.title + (" (disabled)" if a.disabled else "")
            for a in await actions(client, uri, LOOP_ROW, 8)]


def _full_change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def test_header_in_the_workspace_and_open_buffers(client: LanguageClient, tmp_path):
    uri, header = _workspace(tmp_path)
    await start(client, root=tmp_path, options={"engine": "analysis"})
    open_doc(client, uri, KERNEL)
    assert await _titles(client, uri) == [f"Insert `{WANT}`"]
    # the header open in the editor with an unsaved change that wraps: its buffer counts
    open_doc(client, header, WRAPS)
    await asyncio.sleep(0.1)
    assert await _titles(client, uri) == [NO_PRAGMA]
    _full_change(client, header, 2, IDX_H)
    await asyncio.sleep(0.1)
    assert await _titles(client, uri) == [f"Insert `{WANT}`"]
    # closed: the disk again; then the file on disk changes (its mtime)
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=header)))
    (tmp_path / "idx.h").write_text(WRAPS)
    await asyncio.sleep(0.1)
    assert await _titles(client, uri) == [NO_PRAGMA]
    # an unsaved buffer has no folder: its includes are not read (nothing fails)
    open_doc(client, "untitled:Untitled-1", KERNEL)
    assert await _titles(client, "untitled:Untitled-1") == [NO_PRAGMA]


async def resolved_scope(client: LanguageClient, backend_url: str, payloads: list, root,
                         uri: str, text: str, row: int) -> dict:
    """The ``context.scope`` the server sends a backend (its requests: ``payloads``) for the
    quick fix of the loop at ``row`` of the document ``text``, resolved."""
    await start(client, root=root, options={"backendUrl": backend_url})
    await wait_for(lambda: backend_state(client) == "connected")
    open_doc(client, uri, text)
    acts = await actions(client, uri, row, 8)
    assert acts and acts[0].edit is None  # deferred to resolve
    await client.code_action_resolve_async(acts[0])
    return payloads[-1]["context"]["scope"]


async def test_header_macros_go_to_the_backend(client: LanguageClient, fake, tmp_path):  # noqa: F811
    uri, _ = _workspace(tmp_path)
    scope = await resolved_scope(client, fake.url, fake.payloads, tmp_path, uri, KERNEL,
                                 LOOP_ROW)
    assert scope["defines"] == ["#define IDX(i, j) ((i) * m + (j))"], scope.get("defines")
    assert scope["offset"] == KERNEL.encode().index(b"for (int i")


ARR_H = "#define ARR_2D(v, d1, d2) v[d1][d2]\n"
MACRO_KERNEL = """#include "arr.h"
#define NR 64
#define NC 48

void smooth(int n, int m, double ARR_2D(a, NR, NC), double ARR_2D(b, NR, NC))
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
}
"""


async def test_parameters_declared_through_a_header_macro(client: LanguageClient, tmp_path):
    """The parameter list's header macros go with the loop's scope, as for `accellium suggest`
    (``double ARR_2D(a, NR, NC)`` declares rows of ``NC``): the quick fix maps the rows."""
    (tmp_path / "arr.h").write_text(ARR_H)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "kernel.c").write_text(MACRO_KERNEL)
    uri = (tmp_path / "src" / "kernel.c").as_uri()
    await start(client, root=tmp_path, options={"engine": "analysis"})
    open_doc(client, uri, MACRO_KERNEL)
    titles = [a.title for a in await actions(client, uri, 6, 8)]
    assert titles == ["Insert `#pragma acc parallel loop collapse(2) copyin(a[0:n][0:NC]) "
                      "copy(b[1:n-2][0:NC])`"], titles
