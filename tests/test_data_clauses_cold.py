"""Issue 14: a serial function with no data region never gets ``present(...)`` in cold mode.

``present(x)`` asserts that ``x`` is already on the device; on a plain serial function (the
usual case when porting code) that pragma aborts the program on a GPU.  Black-box, through the
three ways a user gets a suggestion: the CLI (``accellium suggest FILE --json``), the HTTP API
(a real uvicorn server on a free loopback port) and a code action of the language server (a
real pytest-lsp client over stdio).  All three use the default engine with the default
training pairs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
import pytest
from lsprotocol import types

from tests._lsp_client import ENV, client_fixture

SERIAL = """\
#include <math.h>

void saxpy(int n, float a, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

double dot(int n, const double *u, const double *v)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += u[i] * v[i];
    return s;
}

void scale2d(int n, int m, double *dst, const double *src)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            dst[i * m + j] = 2.0 * src[i * m + j];
}

void norms(int n, const double *re, const double *im, double *mag)
{
    for (int k = 0; k < n; k++)
        mag[k] = sqrt(re[k] * re[k] + im[k] * im[k]);
}
"""
LOOP_LINES = [4, 11, 18, 25]  # 0-based lines of the four outer `for` keywords
DEVICE_ASSERTING = re.compile(r"\b(present|deviceptr)\s*\(")


def _loops() -> list[str]:
    from accellium.dataset.loops import loops_in_tree, parse_tree

    src = SERIAL.encode()
    return [lp.text for lp in loops_in_tree(parse_tree(src, "c"), src) if lp.depth == 0]


def _check(pragmas: list[str | None]) -> None:
    assert len(pragmas) == 4
    assert all(p is not None for p in pragmas), pragmas
    for p in pragmas:
        assert not DEVICE_ASSERTING.search(p), p
        assert p.startswith("#pragma acc ")
    assert "reduction(+:s)" in pragmas[1]
    # the style is unknown: the arrays whose extent the loop shows are named, copy family
    assert "copyin(x[0:n])" in pragmas[0] and "copy(y[0:n])" in pragmas[0], pragmas[0]
    assert "copyout(mag[0:n])" in pragmas[3], pragmas[3]


def test_cli_never_suggests_present_on_a_serial_function(tmp_path, engine_state_ready):
    f = tmp_path / "serial.c"
    f.write_text(SERIAL)
    out = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(f), "--json"],
                         capture_output=True, text=True, env=ENV, timeout=600, check=True)
    rows = json.loads(out.stdout)
    outer = [r for r in rows if r["depth"] == 0]
    assert [r["line"] - 1 for r in outer] == LOOP_LINES
    _check([r["pragma"] for r in outer])
    # nested loops too: none asserts data on the device
    assert not any(DEVICE_ASSERTING.search(r["pragma"] or "") for r in rows)


def test_http_never_suggests_present_on_a_serial_function(engine_state_ready):
    from _server_util import running_server

    from accellium.server.app import Settings

    with running_server(Settings(engine="auto", access_log=False)) as url:
        got = []
        for code in _loops():
            r = httpx.post(url + "/v1/suggest", json={"code": code, "language": "c"},
                           timeout=120)
            assert r.status_code == 200, r.text
            got.append(r.json()["pragma"])
    _check(got)


client = client_fixture()


@pytest.mark.usefixtures("engine_state_ready")
async def test_code_action_never_suggests_present_on_a_serial_function(client, tmp_path):
    from accellium.lsp.testing import client_capabilities, edits_for

    uri = (tmp_path / "serial.c").as_uri()
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(), root_uri=tmp_path.as_uri(),
        initialization_options={"indexWorkspace": False}))
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="c", version=1,
                                             text=SERIAL)))
    pragmas: list[str | None] = []
    for line in LOOP_LINES:
        res = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(line, 4), types.Position(line, 4)),
            context=types.CodeActionContext(diagnostics=[])))
        texts = []
        for a in res or []:
            if a.edit is None and a.data is not None:
                a = await client.code_action_resolve_async(a)
            edits, _ = edits_for(a.edit, uri) if a.edit else ([], None)
            texts += [e.new_text.strip() for e in edits if "#pragma acc" in e.new_text]
        assert texts, f"no pragma quick fix on line {line + 1}"
        for t in texts:  # the preferred fix and any alternative offered
            assert not DEVICE_ASSERTING.search(t), t
        pragmas.append(texts[0])
    _check(pragmas)
