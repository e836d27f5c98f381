"""``confidence`` and ranked ``alternatives`` over HTTP (DESIGN §4): a real uvicorn on
127.0.0.1 with the default ``auto`` engine and its default training pairs.  The response
carries what the one pipeline (:func:`server.suggest.suggest`) returns for the same query, cut
to the request's ``alternatives``."""

from __future__ import annotations

import httpx
import pytest
from _server_util import running_server

from accellium.dataset.pragma import parse_valid
from accellium.server.app import Settings

pytestmark = pytest.mark.usefixtures("engine_state_ready")

LOOPS = [
    "for (int i = 0; i < n; i++)\n    s += a[i] * b[i];",
    "for (int i = 0; i < n; i++)\n    y[i] = a * x[i] + y[i];",
    "for (int i = 0; i < n; i++)\n    for (int j = 0; j < m; j++)\n"
    "        c[i * m + j] = a[i * m + j] + b[j];",
]


@pytest.fixture(scope="module")
def srv():
    with running_server(Settings(engine="auto", access_log=False)) as url, \
            httpx.Client(base_url=url, timeout=120) as c:
        yield c


def _pipeline(code: str):
    from accellium.server.defaults import engine_options
    from accellium.server.engines import LoopQuery, get_engine
    from accellium.server.suggest import suggest

    eng = get_engine("auto", **engine_options("auto"))
    return suggest(LoopQuery(code=code, lang="c"), eng,
                   fallback=get_engine("analysis", **engine_options("analysis")))


@pytest.mark.parametrize("code", LOOPS)
def test_confidence_and_alternatives_are_the_pipelines(srv, code):
    want = _pipeline(code)
    r = srv.post("/v1/suggest", json={"code": code, "language": "c", "alternatives": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pragma"] == want.pragma
    assert body["confidence"] == want.confidence
    assert body["alternatives"] == want.alternatives[:2]
    if want.confidence is not None:  # a ranked answer: a probability
        assert 0.0 <= body["confidence"] <= 1.0
    for alt in body["alternatives"]:  # each a valid pragma, none the answer itself
        assert parse_valid(alt).render() == alt and alt != body["pragma"]


def test_the_engine_ranks_alternatives(srv):
    """With its training pairs, ``auto`` answers with a confidence and alternatives (not a
    hole that the tests above would pass with empty lists)."""
    got = [srv.post("/v1/suggest", json={"code": c, "alternatives": 8}).json() for c in LOOPS]
    assert all(isinstance(b["confidence"], float) for b in got), got
    assert any(len(b["alternatives"]) >= 2 for b in got), got


def test_alternatives_zero_and_batch(srv):
    r = srv.post("/v1/suggest", json={"code": LOOPS[0]})
    assert r.status_code == 200 and r.json()["alternatives"] == []
    assert "confidence" in r.json()
    r = srv.post("/v1/suggest/batch", json=[{"code": c, "alternatives": 1} for c in LOOPS])
    assert r.status_code == 200
    assert all(len(b["alternatives"]) <= 1 and "confidence" in b for b in r.json())


def test_openapi_documents_confidence(srv):
    schema = srv.get("/openapi.json").json()
    props = schema["components"]["schemas"]["SuggestResponse"]["properties"]
    assert "confidence" in props and "alternatives" in props


def test_no_alternative_over_http_on_a_loop_that_takes_no_loop_directive(srv):
    """The alternatives the server returns are guarded as its answer is
    (``tests/test_alternatives_guarded.py``): a loop whose body changes its index, inside a
    data region, gets neither an answer nor an alternative with a loop directive."""
    code = "for (int i = 0; i < n; i++) {\n    if (a[i] < 0) i++;\n    b[i] = a[i];\n}"
    r = srv.post("/v1/suggest", json={
        "code": code, "alternatives": 8,
        "context": {"enclosing": ["#pragma acc data copyin(a[0:n]) copy(b[0:n])"]}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pragma"] is None
    assert not any("loop" in parse_valid(a).directive.split() for a in body["alternatives"]), body
