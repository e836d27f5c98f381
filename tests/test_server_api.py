"""HTTP API v1 (DESIGN §4) with the embedded engine, against a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import json

import httpx
import pytest
from _server_util import running_server

from accellium.server.app import Settings

SUM = "for (int i = 0; i < n; i++) s += a[i];"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "access.jsonl"
    with running_server(Settings(engine="auto", log_file=str(log))) as url:
        with httpx.Client(base_url=url, timeout=30) as c:
            c.log_path = log  # type: ignore[attr-defined]
            yield c


def test_healthz(srv):
    h = srv.get("/healthz").json()
    assert h["status"] == "ok" and h["engine"] == "auto" and h["engine_loaded"] is True
    assert h["prompt_version"].startswith("accellium-prompt-")


def test_suggest_reduction(srv):
    r = srv.post("/v1/suggest", json={"code": SUM})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pragma"].startswith("#pragma acc ")
    assert "reduction(+:s)" in body["pragma"]
    assert body["valid"] is True and body["engine"] == "auto"
    assert "reduction(+:s)" in body["clauses"]
    assert set(body) >= {"pragma", "directive", "clauses", "alternatives", "engine", "adapter",
                         "valid", "notes", "elapsed_ms"}


def test_json_body_whatever_the_content_type(srv):
    # curl -d sends application/x-www-form-urlencoded
    r = srv.post("/v1/suggest", content=json.dumps({"code": SUM}),
                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert "reduction(+:s)" in r.json()["pragma"]
    r = srv.post("/v1/suggest", content=json.dumps({"code": SUM}), headers={"content-type": ""})
    assert r.status_code == 200, r.text


def test_full_design_example(srv):
    req = {"code": SUM, "language": "c",
           "context": {"enclosing": ["#pragma acc data copyin(a[0:n])"],
                       "examples": [{"pragma": "#pragma acc parallel loop present(x[0:m])",
                                     "loop": "for (int j = 0; j < m; j++) x[j] *= 2;"}]},
           "adapter": None, "alternatives": 0}
    r = srv.post("/v1/suggest", json=req)
    assert r.status_code == 200, r.text
    assert "reduction(+:s)" in r.json()["pragma"]


def test_examples_with_their_enclosing_directives(srv):
    # the project's `loop independent` loops sit in kernels regions: not orphaned loops
    loop = "for (int i = 0; i < n; i++) y[i] = 3 * x[i];"
    ex = {"pragma": "#pragma acc loop independent", "loop": loop}
    req = {"code": loop, "engine": "auto",
           "context": {"examples": [dict(ex, enclosing=["#pragma acc kernels"])] * 3}}
    r = srv.post("/v1/suggest", json=req)
    assert r.status_code == 200, r.text
    assert not r.json()["pragma"].startswith("#pragma acc loop")
    r = srv.post("/v1/suggest", json=dict(req, context={"examples": [
        dict(ex, enclosing=[], same_file=True), dict(ex, enclosing=None, same_file=None)]}))
    assert r.status_code == 200, r.text
    r = srv.post("/v1/suggest", json=dict(req, context={"examples": [dict(ex, same_file="perhaps")]}))
    assert r.status_code == 422
    req["context"]["examples"] = [ex] * 3  # not known where they are: taken as orphaned
    r = srv.post("/v1/suggest", json=req)
    assert r.status_code == 200 and r.json()["pragma"].startswith("#pragma acc loop independent")


def test_engine_per_request(srv):
    r = srv.post("/v1/suggest", json={"code": SUM, "engine": "analysis"})
    assert r.status_code == 200 and r.json()["engine"] == "analysis"
    r = srv.post("/v1/suggest", json={"code": SUM, "engine": "nope"})
    assert r.status_code == 422 and "unknown engine" in r.json()["detail"]


@pytest.mark.parametrize("body,reason", [
    ({"code": "x = 1;"}, "no for statement"),
    ({"code": "def f():\n    return [i for i in range(3)]\n"}, "no for statement"),
    ({"code": "int k = 0;\n" + SUM}, "outside the for loop"),
    ({"code": SUM + "\n" + SUM}, "2 top-level for loops"),
    ({"code": SUM, "language": "fortran"}, "unsupported language"),
    ({"code": "é" * 40000}, "bytes"),  # 40000 chars, 80000 bytes
    ({"code": "x" * 70000}, "65536"),
    ({"code": ""}, "at least 1"),
    ({"code": SUM, "alternatives": 99}, "less than or equal"),
    ({"code": SUM, "context": {"examples": [{"pragma": "#pragma acc loop", "loop": SUM}] * 9}},
     "at most 8"),
    ({"code": SUM, "unknown_field": 1}, "Extra inputs"),
    ({"code": SUM, "context": {"examples": [{"pragma": "#pragma acc loop", "loop": SUM,
                                             "enclosing": ["#pragma acc parallel " + "x" * 5000]}]}},
     "longer than"),
    ({"kode": SUM}, "Field required"),
])
def test_422_with_reason(srv, body, reason):
    r = srv.post("/v1/suggest", json=body)
    assert r.status_code == 422, r.text
    assert reason in json.dumps(r.json()["detail"])


def test_422_not_json(srv):
    r = srv.post("/v1/suggest", content=b"code=for(;;);")
    assert r.status_code == 422
    r = srv.post("/v1/suggest", content=b"[1, 2")
    assert r.status_code == 422


def test_nested_loop_and_pragma_line_are_one_loop(srv):
    code = "#pragma acc parallel loop\nfor (int i = 0; i < n; i++)\n  for (int j = 0; j < m; j++)\n    c[i][j] = 0;"
    r = srv.post("/v1/suggest", json={"code": code, "language": "cpp"})
    assert r.status_code == 200, r.text


def test_unknown_adapter_404(srv):
    r = srv.post("/v1/suggest", json={"code": SUM, "adapter": "mylab"})
    assert r.status_code == 404 and "unknown adapter 'mylab'" in r.json()["detail"]
    assert srv.delete("/v1/adapters/mylab").status_code == 404


def test_adapters_on_embedded_engine(srv):
    r = srv.get("/v1/adapters")
    assert r.status_code == 200
    assert r.json() == {"engine": "auto", "supports_adapters": False, "max_loras": None,
                        "max_lora_rank": None, "adapters": []}
    r = srv.post("/v1/adapters", json={"name": "a", "path": "/nonexistent"})
    assert r.status_code == 422 and "does not use adapters" in r.json()["detail"]
    r = srv.post("/v1/adapters", json={"name": "../x", "path": "/tmp"})
    assert r.status_code == 422


def test_batch_keeps_order_and_reports_item_errors(srv):
    items = [{"code": SUM}, {"code": "no loop here"},
             {"code": "for (int i = 1; i < n; i++) a[i] = a[i-1] + 1;"},
             {"code": SUM, "adapter": "ghost"}]
    r = srv.post("/v1/suggest/batch", json=items)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out) == 4
    assert "reduction(+:s)" in out[0]["pragma"]
    assert out[1]["status"] == 422 and "no for statement" in out[1]["error"]
    assert "pragma" in out[2]
    assert out[3]["status"] == 404


def test_batch_limits(srv):
    assert srv.post("/v1/suggest/batch", json=[]).status_code == 422
    r = srv.post("/v1/suggest/batch", json=[{"code": SUM}] * 65)
    assert r.status_code == 422 and "at most 64" in r.text
    r = srv.post("/v1/suggest/batch", json=[{"code": SUM}] * 64)
    assert r.status_code == 200 and len(r.json()) == 64


def test_openapi_and_docs(srv):
    spec = srv.get("/openapi.json").json()
    paths = spec["paths"]
    assert {"/v1/suggest", "/v1/suggest/batch", "/v1/adapters", "/v1/adapters/{name}",
            "/healthz"} <= set(paths)
    assert "post" in paths["/v1/adapters"] and "delete" in paths["/v1/adapters/{name}"]
    schemas = spec["components"]["schemas"]
    assert schemas["SuggestRequest"]["examples"][0]["code"].startswith("for")
    assert schemas["SuggestRequest"]["properties"]["code"]["maxLength"] == 65536
    assert srv.get("/docs").status_code == 200


def test_access_log_json_lines(srv):
    srv.get("/healthz")
    lines = [json.loads(x) for x in srv.log_path.read_text().splitlines() if x.strip()]
    assert lines and {"ts", "method", "path", "status", "ms", "id"} <= set(lines[-1])
    assert any(x["path"] == "/v1/suggest" and x["status"] == 200 for x in lines)
    assert any(x["status"] == 422 for x in lines)


def test_bearer_token():
    with running_server(Settings(engine="analysis", token="s3cret", access_log=False)) as url:
        assert httpx.get(url + "/healthz").status_code == 200
        r = httpx.post(url + "/v1/suggest", json={"code": SUM})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        r = httpx.post(url + "/v1/suggest", json={"code": SUM},
                       headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
        assert httpx.get(url + "/v1/adapters").status_code == 401
        r = httpx.post(url + "/v1/suggest", json={"code": SUM},
                       headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 200 and r.json()["engine"] == "analysis"


def test_engine_not_loaded_503(tmp_path):
    settings = Settings(engine="hf", base=str(tmp_path / "no-such-model"), access_log=False)
    with running_server(settings) as url:
        h = httpx.get(url + "/healthz").json()
        assert h["status"] == "error" and h["engine_loaded"] is False and h["error"]
        r = httpx.post(url + "/v1/suggest", json={"code": SUM})
        assert r.status_code == 503 and "not loaded" in r.json()["detail"]
        assert httpx.post(url + "/v1/suggest/batch", json=[{"code": SUM}]).status_code == 503
        # the embedded engines still answer when asked by name
        r = httpx.post(url + "/v1/suggest", json={"code": SUM, "engine": "analysis"})
        assert r.status_code == 200
