"""A loop over arrays a header declares gets its pragma: ``#include`` puts the header's text
in the file (C11 6.10.2p3), so its file-scope ``extern double u[NN][NN];`` declares a global
of the file, a true array whose data clause names it whole.  Before, the per-loop answers
read only the file's own declarations: "`u`: not a variable declared where the pragma goes",
no pragma on any loop over the program's grids (NPB keeps every grid in such a header: its
LU got 3 of 144 loops).  ``LoopScope.headers`` (``Included.texts_before``) carries the headers
read, their file-scope objects join the file's globals (``FileIndex``) and the planner's
shapes (``shapes.header_declarations``) give the sections.

Whole program, built with real gcc and run in the emulator: the kernel's loops get pragmas and
the program verifies; twin ``local``: the same declarations in the kernel file itself (the
same pragmas).  The language server's quick fix (a real pytest-lsp client over stdio, the
embedded engine) reads the header found in the workspace as well; through a backend it sends
the header's declarations of objects the document names (``context.scope.declarations``, with
the macros they use) and ``/v1/suggest`` (a real uvicorn on 127.0.0.1) reads them as the
file's: with them the loop gets the same pragma, without them none; an entry that is not one
declaration of objects is a 422 naming it."""

from __future__ import annotations

import httpx
import pytest
from _offload_util import run_verified
from _server_util import running_server
from pytest_lsp import LanguageClient

from accellium.lsp.testing import record_statuses
from accellium.server.app import Settings
from tests._lsp_client import client_fixture
from tests.test_lsp_backend import backend, fake  # noqa: F401 - fixtures
from tests.test_lsp_headers import resolved_scope
from tests.test_lsp_server import actions, open_doc, start

GLOB_H = """#ifndef GLOB_H
#define GLOB_H
#define NN 64
extern double u[NN][NN], f[NN][NN];
extern double *w;
#endif
"""
KERNEL = """#include "glob.h"

void smooth(int n)
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            f[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);
    for (int i = 0; i < n; i++)
        w[i] = f[i][i] + 1.0;
}
"""
LOCAL = KERNEL.replace('#include "glob.h"\n', "#define NN 64\nextern double u[NN][NN], "
                       "f[NN][NN];\nextern double *w;\n")
MAIN = """#include <stdio.h>
#include <stdlib.h>
#define NN 64
double u[NN][NN], f[NN][NN];
double *w;
void smooth(int n);
int main(void)
{
    int bad = 0;
    w = malloc(NN * sizeof *w);
    for (int i = 0; i < NN; i++)
        for (int j = 0; j < NN; j++) {
            u[i][j] = (double)((i * 7 + j) % 11);
            f[i][j] = -1.0;
        }
    smooth(NN);
    for (int i = 1; i < NN - 1; i++)
        for (int j = 1; j < NN - 1; j++)
            bad += f[i][j] != 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1]);
    for (int i = 0; i < NN; i++)
        bad += w[i] != f[i][i] + 1.0;
    puts(bad ? "BAD" : "OK");
    free(w);
    return 0;
}
"""


def test_loops_over_a_header_s_arrays_get_pragmas(tmp_path):
    rows = run_verified(tmp_path, {"header": (KERNEL, MAIN), "local": (LOCAL, MAIN)},
                        variants=("serial", "engine"), headers={"header": {"glob.h": GLOB_H}})
    got = {name: [p["pragma"] for p in rows[name]["engine"]["pragmas"]] for name in rows}
    assert len(got["header"]) >= 2 and all(p.startswith("#pragma acc parallel loop")
                                          for p in got["header"]), got
    assert got["header"] == got["local"], got
    assert "copyin(u)" in got["header"][0] and "w[0:n]" in got["header"][-1], got


client = client_fixture(record_statuses)


async def test_the_quick_fix_reads_a_header_s_arrays(client: LanguageClient, tmp_path):
    (tmp_path / "glob.h").write_text(GLOB_H)
    (tmp_path / "kernel.c").write_text(KERNEL)
    uri = (tmp_path / "kernel.c").as_uri()
    await start(client, root=tmp_path, options={"engine": "analysis"})
    open_doc(client, uri, KERNEL)
    titles = [a.title for a in await actions(client, uri, 4, 8)]
    assert titles == ["Insert `#pragma acc parallel loop collapse(2) copyin(u) copy(f)`"], titles


# through a backend: the LSP sends the headers' declarations of objects the document names
# (context.scope.declarations) and the macros they use; /v1/suggest reads them as the file's
LOOP_ROW = 4
WANT = "#pragma acc parallel loop collapse(2) copyin(u) copy(f)"
DECLS = ["extern double u[NN][NN], f[NN][NN];", "extern double *w;"]


async def test_the_declarations_go_to_the_backend(client: LanguageClient, fake,  # noqa: F811
                                                  tmp_path):
    (tmp_path / "glob.h").write_text(GLOB_H)
    (tmp_path / "kernel.c").write_text(KERNEL)
    scope = await resolved_scope(client, fake.url, fake.payloads, tmp_path,
                                 (tmp_path / "kernel.c").as_uri(), KERNEL, LOOP_ROW)
    assert scope.get("declarations") == DECLS, scope
    assert "#define NN 64" in scope.get("defines", []), scope


@pytest.fixture(scope="module")
def srv():
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        yield url


def _suggest(srv: str, **scope) -> httpx.Response:
    at = KERNEL.index("for (int i")
    loop = KERNEL[at:KERNEL.index("    for (int i = 0; i < n")].rstrip() + "\n"
    return httpx.post(srv + "/v1/suggest", timeout=60, json={
        "code": loop, "language": "c",
        "context": {"scope": {"source": KERNEL, "offset": at, **scope}}})


def test_http_scope_declarations(srv):
    r = _suggest(srv, declarations=DECLS, defines=["#define NN 64"])
    assert r.status_code == 200 and r.json()["pragma"] == WANT, r.json()
    # without them `u` and `f` are no variables the file declares: no pragma
    r = _suggest(srv)
    assert r.status_code == 200 and r.json()["pragma"] is None, r.json()
    assert any("`u`" in n or "`f`" in n for n in r.json()["notes"]), r.json()["notes"]


@pytest.mark.parametrize("decls, reason", [
    (["extern double *w;", "void smooth(int n);"],
     "context.scope.declarations[1] 'void smooth(int n);' is not one declaration of objects"),
    (["int a; int b;"], "context.scope.declarations[0] 'int a; int b;' is not one declaration"),
    (["x" * 5000], "scope.declarations[0] is longer than 4096 chars"),
])
def test_http_bad_declarations_are_422(srv, decls, reason):
    r = _suggest(srv, declarations=decls)
    assert r.status_code == 422, r.text
    assert reason in r.text, r.text
