"""``context.scope`` over HTTP: the buffer around the loop lets the analysis see a scalar read
after the loop (a real uvicorn on 127.0.0.1, the ``analysis`` engine and the guard)."""

from __future__ import annotations

import httpx
import pytest
from _server_util import running_server

from accellium.server.app import Settings

LOOP = "for (int i = 0; i < n; i++) {\n        t = a[i] * 2.0;\n        b[i] = t;\n    }"
SOURCE = ("#include <stdio.h>\n"
          "void f(int n, double *a, double *b) {\n"
          "    double t = 0.0;\n"
          f"    {LOOP}\n"
          "    printf(\"%f\\n\", t);   /* the last value of t is used */\n"
          "}\n")
OFFSET = SOURCE.encode().index(b"for (")


@pytest.fixture(scope="module")
def srv():
    with running_server(Settings(engine="analysis")) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


def _suggest(srv, **context):
    r = srv.post("/v1/suggest", json={"code": LOOP, "context": context})
    assert r.status_code == 200, r.text
    return r.json()


def test_without_scope_the_temporary_is_private(srv):
    body = _suggest(srv)
    assert body["directive"] == "parallel loop"
    assert "private(t)" in body["clauses"]


def test_with_scope_a_scalar_read_after_the_loop_keeps_it_sequential(srv):
    body = _suggest(srv, scope={"source": SOURCE, "offset": OFFSET})
    # the last value of t is read after the loop: no parallel pragma may drop it
    assert body["pragma"] is None or body["directive"] not in ("parallel loop", "loop")
    assert any("`t`" in n for n in body["notes"]), body["notes"]


@pytest.mark.parametrize(("scope", "reason"), [
    ({"source": SOURCE, "offset": 10**6}, "past the end"),
    ({"source": SOURCE, "offset": OFFSET + 1}, "not the start of a for loop"),
    ({"source": SOURCE.replace("b[i] = t;", "b[i] = -t;"), "offset": OFFSET},
     "is not the loop in code"),
    ({"source": SOURCE, "offset": -1}, "greater than or equal to 0"),
    ({"source": SOURCE, "offset": "12"}, "valid integer"),
    ({"source": "x" * (768 * 1024 + 1), "offset": 0}, "at most"),
])
def test_bad_scope_is_422_with_a_reason(srv, scope, reason):
    r = srv.post("/v1/suggest", json={"code": LOOP, "context": {"scope": scope}})
    assert r.status_code == 422, r.text
    assert reason in r.text
