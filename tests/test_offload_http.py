"""``POST /v1/offload`` against a real uvicorn on 127.0.0.1: the code of a function in, the plan
(line edits and the edited code) out; the input limits and error rules of ``/v1/suggest``
(4xx with a reason, never a 500)."""

from __future__ import annotations

import json

import pytest
from _server_util import analysis_client

CODE = """#include <math.h>
static double sq(double v)
{
    return v * v;
}

double run(int n, int nt, double *u, double *w)
{
    double edge = 0.0;
    for (int t = 0; t < nt; t++) {
        for (int i = 1; i < n; i++)
            w[i] = sq(u[i]) + u[i - 1];
        for (int i = 1; i < n; i++)
            u[i] = 0.5 * w[i];
        edge += u[n - 1];
    }
    return edge;
}
"""


@pytest.fixture(scope="module")
def srv():
    with analysis_client(timeout=60) as c:
        yield c


def test_offload_answers_the_plan_and_the_edited_code(srv):
    r = srv.post("/v1/offload", json={"code": CODE, "function": "run"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["engine"] == "analysis" and len(body["plans"]) == 1
    plan = body["plans"][0]
    assert plan["function"] == "run" and plan["routines"] == ["sq"]
    assert [lp["line"] for lp in plan["loops"]] == [11, 13]
    kinds = {e["kind"] for e in plan["edits"]}
    assert kinds == {"data", "loop", "update", "routine"}
    new = body["code"].splitlines()
    assert new[1] == "#pragma acc routine seq" and new[2].startswith("static double sq")
    assert "    #pragma acc data copy(w[1:n-1], u[0:n])" in new
    assert "        #pragma acc update self(u[n-1:1])" in new
    # the edits are line edits of the code sent: applying them gives `code`
    lines = CODE.splitlines()
    for e in sorted(plan["edits"], key=lambda e: e["line"], reverse=True):
        lines[e["line"] - 1:e["line"] - 1] = e["lines"]
    assert lines == new


def test_already_offloaded_code_gets_no_edit_unless_replaced(srv):
    once = srv.post("/v1/offload", json={"code": CODE}).json()["code"]
    again = srv.post("/v1/offload", json={"code": once}).json()
    assert again["code"] == once and "already has" in again["plans"][0]["notes"][0]
    replaced = srv.post("/v1/offload", json={"code": once, "replace": True}).json()
    assert replaced["code"] == once


@pytest.mark.parametrize("body, reason", [
    ({"code": "for (int i = 0; i < n; i++) a[i] = 0;"}, "no function definition"),
    ({"code": CODE, "function": "nope"}, "no function named `nope`"),
    ({"code": CODE, "language": "fortran"}, "unsupported language"),
    ({"code": CODE, "engine": "nope"}, "unknown engine"),
    ({"code": "void f(void) {" + "(" * 70 + ")" * 70 + "}"}, "levels deep"),
    ({"code": "x" * (64 * 1024 + 1)}, "65536"),
    ({"code": "\u00e9" * 40000}, "larger than 65536 bytes"),
    ({"code": CODE, "replace": 1}, "bool"),
    ({"code": CODE, "extra": 1}, "extra"),
    ({"code": ""}, "at least 1"),
])
def test_bad_input_is_422_with_a_reason(srv, body, reason):
    r = srv.post("/v1/offload", json=body)
    assert r.status_code == 422, (r.status_code, r.text)
    assert reason in json.dumps(r.json()["detail"])


def test_malformed_code_never_500(srv):
    for code in ["void f(){for(;i++){1++->)b[j]l r}}", "int g(int *a){for(;;){a[)]->1}}",
                 "void h(int n,double*a){for(int i=0;i<n;i++)a[i/0]=a[i%0];}",
                 "void k(double *a){for(int i=0;i<(((n)));i++) a[i*i*i*i*i*i] += a[-i];}"]:
        r = srv.post("/v1/offload", json={"code": code})
        assert r.status_code in (200, 422), (code, r.status_code, r.text)
        assert "Traceback" not in r.text and "internal error" not in r.text


def test_lone_surrogate_is_refused(srv):
    raw = '{"code": "void f(int n, double *a) { for (int i = 0; i < n; i++) a[i] = 0; } \\ud800"}'
    r = srv.post("/v1/offload", content=raw.encode(),
                 headers={"content-type": "application/json"})
    assert r.status_code == 422 and "surrogate" in json.dumps(r.json()["detail"])
