"""A header's ``typedef`` names and ``acc routine`` functions reach the loop's answer in the
editor and over HTTP, as they do for ``accellium suggest``.  ``#include`` puts the header's
text in the file (C11 6.10.2p3): a name its ``typedef`` declares is a type name there, so
``(real)(x)`` is a cast and calls nothing (6.7.8p3, 6.5.4), and a function it declares after
``#pragma acc routine seq`` has a device version (OpenACC 3.3, 2.15.1).  Before, the language
server's scope carried only the headers' macros, so the quick fix said "calls `real`, which has
no device version" (and the same for `mix`) and offered no pragma.

* the LSP (a real pytest-lsp client over stdio, the embedded analysis engine): the header
  found through the workspace folder; the quick fix inserts the pragma ``accellium suggest``
  gives; the names go to a backend as ``context.scope.types``/``routines`` (the fake backend
  of tests/test_lsp_backend.py sees the wire);
* ``/v1/suggest`` against a real uvicorn on 127.0.0.1: with the names the loop gets its
  pragma, without them none (the header is not sent); a name that is not a C identifier is a
  422 with the field and index.

The answers themselves are proven on whole programs (tests/test_typedef_casts.py,
tests/test_header_routine.py); here, that each entry point passes the facts."""

from __future__ import annotations

import httpx
import pytest
from _server_util import running_server
from pytest_lsp import LanguageClient

from accellium.lsp.loop_notes import NO_PRAGMA_TITLE
from accellium.lsp.testing import record_statuses
from accellium.server.app import Settings
from tests._lsp_client import client_fixture
from tests.test_lsp_backend import backend, fake  # noqa: F401 - fixtures
from tests.test_lsp_headers import resolved_scope
from tests.test_lsp_server import actions, open_doc, start

TYPES_H = """#ifndef TYPES_H
#define TYPES_H
typedef float real;
#pragma acc routine seq
real mix(real a, int b);
#endif
"""
KERNEL = """#include "types.h"

void blend(int n, const real *w, real *p)
{
    for (int i = 0; i < n; i++)
        p[i] = mix(w[i], i) * (real)(i * i);
}
"""
LOOP_ROW = 4
WANT = "#pragma acc parallel loop copyin(w[0:n]) copyout(p[0:n])"

client = client_fixture(record_statuses)


def _workspace(tmp_path) -> str:
    (tmp_path / "types.h").write_text(TYPES_H)
    (tmp_path / "kernel.c").write_text(KERNEL)
    return (tmp_path / "kernel.c").as_uri()


async def test_the_quick_fix_reads_the_header_s_types_and_routines(client: LanguageClient,
                                                                   tmp_path):
    uri = _workspace(tmp_path)
    await start(client, root=tmp_path, options={"engine": "analysis"})
    open_doc(client, uri, KERNEL)
    titles = [a.title for a in await actions(client, uri, LOOP_ROW, 8)]
    assert titles == [f"Insert `{WANT}`"], titles
    # an unsaved buffer has no folder, so no header: the loop's calls have no device version
    open_doc(client, "untitled:Untitled-1", KERNEL)
    acts = await actions(client, "untitled:Untitled-1", LOOP_ROW, 8)
    assert [a.title for a in acts] == [NO_PRAGMA_TITLE], [a.title for a in acts]


async def test_the_names_go_to_the_backend(client: LanguageClient, fake, tmp_path):  # noqa: F811
    uri = _workspace(tmp_path)
    scope = await resolved_scope(client, fake.url, fake.payloads, tmp_path, uri, KERNEL,
                                 LOOP_ROW)
    # the names the document writes (the header's `TYPES_H` guard is a macro, sent as none)
    assert scope.get("types") == ["real"] and scope.get("routines") == ["mix"], scope


@pytest.fixture(scope="module")
def srv():
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        yield url


def _suggest(srv: str, **scope) -> httpx.Response:
    loop = KERNEL[KERNEL.index("for (int i"):KERNEL.rindex("}")].rstrip() + "\n"
    return httpx.post(srv + "/v1/suggest", timeout=60, json={
        "code": loop, "language": "c",
        "context": {"scope": {"source": KERNEL, "offset": KERNEL.index("for (int i"),
                              **scope}}})


def test_http_scope_types_and_routines(srv):
    r = _suggest(srv, types=["real"], routines=["mix"])
    assert r.status_code == 200, r.text
    assert r.json()["pragma"] == WANT, r.json()
    # without them the header is unknown: `real` and `mix` are calls of no device version
    r = _suggest(srv)
    assert r.status_code == 200 and r.json()["pragma"] is None, r.json()
    assert any("real" in n or "mix" in n for n in r.json()["notes"]), r.json()["notes"]
    r = _suggest(srv, types=["real"])
    assert r.json()["pragma"] is None and any("mix" in n for n in r.json()["notes"]), r.json()


@pytest.mark.parametrize("field, names, reason", [
    ("types", ["real", "2x"], "scope.types[1] '2x' is not a name"),
    ("routines", ["mix(int)"], "scope.routines[0] 'mix(int)' is not a name"),
])
def test_http_bad_names_are_422(srv, field, names, reason):
    r = _suggest(srv, **{field: names})
    assert r.status_code == 422, r.text
    assert reason in r.text, r.text

