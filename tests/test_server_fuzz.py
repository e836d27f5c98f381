"""HTTP fuzzing (#12): random C-like token streams at random nesting depths, POSTed to a real
uvicorn on 127.0.0.1. Every answer is 200 or a 4xx/503/504 with a JSON reason, never a 500 or a
traceback, and ``/healthz`` keeps answering. Bounded: a fixed number of examples and a time
budget, after which the remaining examples return at once."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from _server_util import running_server
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accellium.server.app import Settings

BUDGET_S = 90.0
TOKENS = [
    "for", "(", ")", "{", "}", "[", "]", ";", ",", "int", "double", "i", "j", "k", "n", "a", "b",
    "s", "x", "0", "1", "42", "1e3", "=", "+=", "-=", "*=", "++", "--", "+", "-", "*", "/", "%",
    "<", "<=", ">", "==", "!=", "&&", "||", "!", "&", "|", "^", "->", ".", "?", ":", "if",
    "else", "while", "return", "break", "continue", "sizeof", "struct", "\n", " ", "\t",
    "#pragma acc parallel loop\n", "#pragma acc loop reduction(+:s)\n", "#pragma omp for\n",
    "#define N 10\n", "// c\n", "/* c */", '"s{("', "'{'", "\\\n", "\r", "\u2028", "é",
]
WRAPS = [("for(;;){", "}"), ("for (int i = 0; i < n; i++) {", "}"), ("(", ")"), ("[", "]"),
         ("{", "}"), ("for(", ";;);")]

tokens = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@st.composite
def c_like(draw) -> str:
    inner = draw(tokens)
    wrap_open, wrap_close = draw(st.sampled_from(WRAPS))
    depth = draw(st.one_of(st.integers(0, 8), st.integers(60, 70), st.integers(0, 1200)))
    head = draw(st.sampled_from(["", "for (int i = 0; i < n; i++) ", "for(;", "for"]))
    balanced = draw(st.booleans())
    close = wrap_close * (depth if balanced else draw(st.integers(0, depth)))
    return head + wrap_open * depth + inner + close


@st.composite
def bodies(draw) -> dict:
    body: dict = {"code": draw(c_like())}
    if draw(st.booleans()):
        body["language"] = draw(st.sampled_from(["c", "cpp", "c++", "fortran"]))
    if draw(st.booleans()):
        body["context"] = {
            "enclosing": draw(st.lists(st.sampled_from(
                ["#pragma acc data copy(a[0:n])", "#pragma acc kernels", "#pragma acc ("]),
                max_size=3)),
            "examples": [{"pragma": draw(st.sampled_from(
                ["#pragma acc parallel loop", "#pragma acc loop gang(", "#pragma acc kernels"])),
                "loop": draw(c_like())} for _ in range(draw(st.integers(0, 2)))],
        }
    if draw(st.booleans()):
        body["engine"] = draw(st.sampled_from(["auto", "analysis", "retrieval"]))
    return body


@pytest.fixture(scope="module")
def server():
    with running_server(Settings(engine="auto", access_log=False, timeout_s=10)) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            yield c


def _check(r: httpx.Response, sent: object) -> None:
    assert r.status_code == 200 or 400 <= r.status_code < 500 or r.status_code in (503, 504), \
        (r.status_code, r.text[:500], json.dumps(sent)[:500])
    assert "Traceback" not in r.text
    body = r.json()
    if r.status_code != 200:
        assert body["detail"], sent
    elif isinstance(body, dict):
        assert body["pragma"] is None or body["pragma"].startswith("#pragma acc "), body


def test_http_fuzz_never_500(server):
    t_end = time.monotonic() + BUDGET_S
    seen = {"n": 0, "codes": set()}

    @given(body=bodies())
    @settings(max_examples=250, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(body):
        if time.monotonic() > t_end:
            return  # the time budget is spent: the remaining examples pass at once
        r = server.post("/v1/suggest", json=body)
        _check(r, body)
        seen["n"] += 1
        seen["codes"].add(r.status_code)
        if seen["n"] % 10 == 0:
            batch = [body, {"code": "for (int i = 0; i < n; i++) s += a[i];"}]
            rb = server.post("/v1/suggest/batch", json=batch)
            _check(rb, batch)
            h = server.get("/healthz", timeout=10)
            assert h.status_code == 200 and h.json()["status"] == "ok"

    run()
    assert seen["n"] >= 50, seen  # the budget allowed a real run
    assert 200 in seen["codes"] and 422 in seen["codes"], seen
    assert server.get("/healthz").status_code == 200
