"""The language server's queries carry the document as the loop's scope (``context.scope``
over HTTP, ``LoopQuery.scope`` for the embedded engine), and its answers' ranked alternatives
become extra quick fixes after the main one.  Real pytest-lsp client over stdio; a fake
backend (tests/test_lsp_backend.py) to see the wire, and a real ``accellium serve`` app on
127.0.0.1 for the end-to-end cases."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.testing import apply_text_edits, edits_for, record_statuses
from tests._lsp_client import backend_state, client_fixture
from tests.test_lsp_backend import (  # noqa: F401 - fixtures
    BACKEND_ALTERNATIVES,
    BACKEND_PRAGMA,
    backend,
    fake,
)
from tests.test_lsp_server import SRC, actions, open_doc, start, uri_of, wait_for

ALT = "Alternative "

# The temporary `t` is read after the loop: only the document shows it (test_server_scope.py).
SCOPED = ("#include <stdio.h>\n"
          "void f(int n, double *a, double *b) {\n"
          "    double t = 0.0;\n"
          "    for (int i = 0; i < n; i++) {\n"
          "        t = a[i] * 2.0;\n"
          "        b[i] = t;\n"
          "    }\n"
          "    printf(\"%f\\n\", t);   /* the last value of t is used */\n"
          "}\n")
SCOPED_LOOP_LINE = 3


client = client_fixture(record_statuses)


def _loop(src: str, line: int):
    from accellium.dataset.loops import find_loops

    return next(lp for lp in find_loops(src, "c") if lp.start_line == line)


def _pipeline(src: str, line: int, engine: str, scope: bool = True):
    """The one pipeline's answer for the loop at ``line`` as the server asks it."""
    from accellium.dataset.analysis import scope_of
    from accellium.server.defaults import engine_options
    from accellium.server.engines import LoopQuery, get_engine
    from accellium.server.suggest import suggest

    lp = _loop(src, line)
    q = LoopQuery(code=lp.text, lang="c", enclosing=tuple(lp.enclosing),
                  scope=scope_of(src.encode(), lp.start_byte, "c") if scope else None)
    return suggest(q, get_engine(engine, **engine_options(engine)),
                   fallback=get_engine("analysis", **engine_options("analysis")))


# ----------------------------------------------------------------------------------------------
# Alternatives
# ----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("engine_state_ready")
async def test_alternatives_follow_the_main_quick_fix(client: LanguageClient, tmp_path):
    await start(client)  # the default engine, auto
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    want = _pipeline(SRC, 4, "auto")
    alts = [a for a in want.alternatives if a != want.pragma][:2]
    assert alts, "the engine ranks no alternative for this loop"
    acts = await actions(client, uri, 5, 8)  # inside `s += a[i];`
    titles = [a.title for a in acts]
    assert titles == [f"Insert `{want.pragma}`"] + [
        f"Alternative {k}: insert `{p}`" for k, p in enumerate(alts, 1)], titles
    assert acts[0].is_preferred and not any(a.is_preferred for a in acts[1:])
    for a, p in zip(acts[1:], alts, strict=True):
        assert a.kind == types.CodeActionKind.QuickFix
        edits, version = edits_for(a.edit, uri)
        assert version == 1 and len(edits) == 1
        new = apply_text_edits(SRC, edits)
        assert new.splitlines()[4] == "    " + p
        assert new.replace("    " + p + "\n", "", 1) == SRC
    # in a nest: the enclosing loop's fix comes before the alternatives of the inner loop
    acts = await actions(client, uri, 13, 12)
    main = [a.title for a in acts if not a.title.startswith(ALT)]
    assert len(main) == 2 and "enclosing loop (line 12)" in main[1]
    assert [a.title for a in acts][:2] == main


async def test_backend_alternatives_and_scope_on_the_wire(client: LanguageClient,
                                                          fake, tmp_path):  # noqa: F811
    await start(client, options={"backendUrl": fake.url})
    await wait_for(lambda: backend_state(client) == "connected")
    fake.mode = "alternatives"
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 5, 8)
    a = await client.code_action_resolve_async(acts[0])
    assert a.title == f"Insert `{BACKEND_PRAGMA}`"
    body = fake.payloads[-1]
    assert body["alternatives"] == 2
    # the document, and the UTF-8 offset of the loop's `for` in it
    assert body["context"]["scope"] == {"source": SRC, "offset": SRC.encode().index(
        b"for (int i = 0; i < n; i++) {\n        s +=")}
    # answered: the cached answer's alternatives follow the main fix (the invalid one dropped)
    acts = await actions(client, uri, 5, 8)
    assert [x.title for x in acts] == [f"Insert `{BACKEND_PRAGMA}`",
                                      f"Alternative 1: insert `{BACKEND_ALTERNATIVES[1]}`"]
    edits, _ = edits_for(acts[1].edit, uri)
    assert apply_text_edits(SRC, edits).splitlines()[4] == "    " + BACKEND_ALTERNATIVES[1]


async def test_backend_refusing_the_scope_is_asked_without_it(client: LanguageClient,
                                                              tmp_path):
    """A document the API does not take as a scope (here: brackets nested deeper than 64
    levels in another function) does not cost the loop its suggestion."""
    from _server_util import running_server

    from accellium.server.app import Settings

    deep = "int deep(int x) { return " + "(" * 70 + "x" + ")" * 70 + "; }\n"
    src = deep + SCOPED
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        await start(client, options={"backendUrl": url})
        await wait_for(lambda: backend_state(client) == "connected")
        uri = uri_of(tmp_path)
        open_doc(client, uri, src)
        acts = await actions(client, uri, SCOPED_LOOP_LINE + 1 + 1, 8)
        a = await client.code_action_resolve_async(acts[0])
        assert a.edit is not None and backend_state(client) == "connected"


# ----------------------------------------------------------------------------------------------
# Scope (issue 14: the analysis sees the document around the loop)
# ----------------------------------------------------------------------------------------------


def _pragmas(acts: list[types.CodeAction], uri: str) -> list[str]:
    out = []
    for a in acts:
        edits, _ = edits_for(a.edit, uri)
        out += [e.new_text.strip() for e in edits]
    return out


async def test_embedded_engine_gets_the_document_as_scope(client: LanguageClient, tmp_path):
    """Without the document the temporary `t` looks private and the loop parallel; with it,
    the value read after the loop keeps the loop from dropping it."""
    unscoped = _pipeline(SCOPED, SCOPED_LOOP_LINE, "analysis", scope=False)
    assert unscoped.directive == "parallel loop" and "private(t)" in unscoped.clauses
    scoped = _pipeline(SCOPED, SCOPED_LOOP_LINE, "analysis")
    await start(client, options={"engine": "analysis"})
    uri = uri_of(tmp_path)
    open_doc(client, uri, SCOPED)
    got = _pragmas(await actions(client, uri, SCOPED_LOOP_LINE + 1, 8), uri)
    assert got == ([scoped.pragma] if scoped.pragma else []), got
    assert not any("private(t)" in p and "parallel" in p for p in got), got


async def test_backend_gets_the_document_as_scope(client: LanguageClient, tmp_path):
    """The same through a real backend: the answer is the scoped one."""
    from _server_util import running_server

    from accellium.server.app import Settings

    scoped = _pipeline(SCOPED, SCOPED_LOOP_LINE, "analysis")
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        await start(client, options={"backendUrl": url, "engine": "analysis"})
        await wait_for(lambda: backend_state(client) == "connected")
        uri = uri_of(tmp_path)
        open_doc(client, uri, SCOPED)
        acts = await actions(client, uri, SCOPED_LOOP_LINE + 1, 8)
        got = []
        for a in acts:
            if a.edit is None and a.data is not None:
                a = await client.code_action_resolve_async(a)
            got += _pragmas([a], uri)
        assert backend_state(client) == "connected"
    assert got == ([scoped.pragma] if scoped.pragma else []), got


SERIAL = """\
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
"""


@pytest.mark.usefixtures("engine_state_ready")
async def test_serial_function_gets_no_present_through_the_backend(client: LanguageClient,
                                                                   tmp_path):
    """Issue 14: cold, a serial function with no data region gets no `present(...)` from a
    code action, with the document sent as the scope to a real `auto` backend; alternatives
    included."""
    from _server_util import running_server

    from accellium.server.app import Settings

    with running_server(Settings(engine="auto", access_log=False)) as url:
        assert httpx.get(url + "/healthz", timeout=10).json()["engine_loaded"]
        await start(client, options={"backendUrl": url, "timeoutMs": 60000})
        await wait_for(lambda: backend_state(client) == "connected")
        uri = uri_of(tmp_path)
        open_doc(client, uri, SERIAL)
        got: list[str] = []
        for line in (2, 9):
            acts = await actions(client, uri, line + 1, 8)
            acts = [await client.code_action_resolve_async(a) if a.edit is None else a
                    for a in acts]
            # resolved once: asked again, the cached answer brings its alternatives
            acts = await actions(client, uri, line + 1, 8)
            texts = _pragmas(acts, uri)
            assert texts, line
            got += texts
        assert backend_state(client) == "connected"
    assert all(t.startswith("#pragma acc ") for t in got)
    assert not any("present(" in t or "deviceptr(" in t for t in got), got
    await asyncio.sleep(0)
