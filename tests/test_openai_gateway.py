"""``accellium serve --engine openai`` (the gateway) over a real uvicorn on 127.0.0.1, in front
of two fake OpenAI servers (``tests/_fake_openai.py``), without vLLM: answers through the one
pipeline (fallback to ``auto`` when the upstream's answer is not a pragma), 404 for an adapter
no upstream serves, 503 when none is up, ``/v1/adapters`` with what each upstream serves, a
client that goes away closes its upstream request, ``accellium deploy`` through the gateway
and straight to the upstreams (exit 2 when runtime loading is off), ``accellium eval``.
The same against real vLLM servers: ``tests/test_openai_vllm.py``."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest
from _fake_openai import FakeOpenAI
from _server_util import running_server, wait_until

import accellium.cli
from accellium.dataset.adapters import AdapterMeta, base_fingerprint, save_meta
from accellium.dataset.prompt import PROMPT_VERSION
from accellium.server.app import Settings

LOOP = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"
CONFIG = {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 2,
          "num_hidden_layers": 2, "intermediate_size": 256, "vocab_size": 1024}


def _adapter(root: Path, name: str, fingerprint: str, prompt: str = PROMPT_VERSION) -> Path:
    d = root / name
    d.mkdir(parents=True)
    save_meta(d, AdapterMeta(name=name, base_model="tiny", base_fingerprint=fingerprint,
                             prompt_version=prompt, rank=8, alpha=16))
    (d / "adapter_config.json").write_text("{}")
    (d / "adapter_model.safetensors").write_bytes(b"")
    return d


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gw")
    base = tmp / "base"
    base.mkdir()
    (base / "config.json").write_text(json.dumps(CONFIG))
    roots = tmp / "adapters"
    good = _adapter(roots, "good", base_fingerprint(base))
    other = _adapter(roots, "other-base", "0" * 16)
    old = _adapter(roots, "old-prompt", base_fingerprint(base), "accellium-prompt-v0")
    a = FakeOpenAI({"kern": "/srv/kern"})
    b = FakeOpenAI({"kern": "/srv/kern", "par": "/srv/par"})
    a.answers["kern"] = b.answers["kern"] = "#pragma acc kernels loop"
    log = tmp / "access.jsonl"
    settings = Settings(engine="openai", upstreams=[a.url, b.url], base=str(base),
                        engine_options={"health_interval_s": 0.2}, adapter_roots=[str(roots)],
                        log_file=str(log), timeout_s=20)
    try:
        with running_server(settings) as url, httpx.Client(base_url=url, timeout=30) as c:
            yield {"c": c, "a": a, "b": b, "url": url, "good": good, "other": other,
                   "old": old, "base": base, "log": log, "tmp": tmp}
    finally:
        a.close()
        b.close()


@pytest.fixture
def gw(env):
    for f in (env["a"], env["b"]):
        f.mode, f.runtime_lora = "ok", True
        f.answers.pop("tiny", None)
    yield env
    for f in (env["a"], env["b"]):
        f.release()
        if f._server is None:
            f.start()
    assert wait_until(lambda: env["c"].get("/healthz").json()["stats"]["upstreams_healthy"] == 2)


def test_answers_come_from_the_upstreams(gw):
    c, a, b = gw["c"], gw["a"], gw["b"]
    h = c.get("/healthz").json()
    assert h["engine"] == "openai" and h["engine_loaded"] and h["adapters"] == ["kern", "par"]
    assert h["stats"]["upstreams_healthy"] == 2
    r = c.post("/v1/suggest", json={"code": LOOP, "adapter": "par"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pragma"] == "#pragma acc parallel loop" and body["engine"] == "openai"
    assert body["adapter"] == "par" and body["fallback"] is None
    assert b.completions[-1]["model"] == "par"
    n = len(a.completions) + len(b.completions)
    for _ in range(4):
        assert c.post("/v1/suggest", json={"code": LOOP, "adapter": "kern"}).json()[
            "directive"] == "kernels loop"
    assert len(a.completions) + len(b.completions) == n + 4
    assert c.post("/v1/suggest", json={"code": LOOP}).json()["pragma"] == "#pragma acc loop"
    out = c.post("/v1/suggest/batch", json=[{"code": LOOP, "adapter": x}
                                            for x in ("kern", "par", None, "zz")]).json()
    assert [o.get("directive") for o in out[:3]] == ["kernels loop", "parallel loop", "loop"]
    assert out[3]["status"] == 404


def test_request_id_reaches_the_upstream_and_the_log(gw):
    c, a, b = gw["c"], gw["a"], gw["b"]
    ids = []
    for given in ("trace-42.a:b", "has space", "x" * 65, None):
        for f in (a, b):
            f.headers.clear()
        r = c.post("/v1/suggest", json={"code": LOOP, "adapter": "kern"},
                   headers={"X-Request-Id": given} if given else {})
        assert r.status_code == 200, r.text
        rid = r.headers["x-request-id"]
        sent = [h["x-request-id"] for f in (a, b) for h in f.headers if "x-request-id" in h]
        assert len(sent) == 1 and sent[0].startswith(f"acc-{rid}-"), (rid, sent)
        ids.append(rid)
    assert ids[0] == "trace-42.a:b"  # a client's own trace id is kept ...
    assert all(len(i) == 12 and int(i, 16) >= 0 for i in ids[1:])  # ... a bad one replaced
    assert len(set(ids)) == 4
    def logged() -> set[str]:
        return {json.loads(line)["id"] for line in gw["log"].read_text().splitlines()}

    assert wait_until(lambda: set(ids) <= logged())  # written once the answer is sent


def test_unknown_adapter_is_404_with_a_reason(gw):
    r = gw["c"].post("/v1/suggest", json={"code": LOOP, "adapter": "zz"})
    assert r.status_code == 404
    assert r.json()["detail"] == ("unknown adapter 'zz': no healthy upstream serves it "
                                  "(served: kern, par)")
    gw["b"].stop()  # par only on b
    assert wait_until(lambda: "par" not in gw["c"].get("/healthz").json()["adapters"])
    r = gw["c"].post("/v1/suggest", json={"code": LOOP, "adapter": "par"})
    assert r.status_code == 404 and "served: kern" in r.json()["detail"]


def test_an_answer_that_is_not_a_pragma_falls_back_to_auto(gw):
    for f in (gw["a"], gw["b"]):
        f.answers["tiny"] = "Sure! Here is a pragma for your loop"
    r = gw["c"].post("/v1/suggest", json={"code": "for (int i = 0; i < n; i++) s += a[i];"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["engine"] == "auto" and "reduction(+:s)" in body["pragma"]
    assert body["fallback"].startswith("openai answer rejected")


def test_upstream_errors(gw):
    c, a, b = gw["c"], gw["a"], gw["b"]
    a.mode = "500"
    for _ in range(3):  # retried on b
        assert c.post("/v1/suggest", json={"code": LOOP}).status_code == 200
    a.mode = b.mode = "400"  # the request's own problem: not retried; auto answers, saying why
    r = c.post("/v1/suggest", json={"code": LOOP})
    assert r.status_code == 200 and "HTTP 400" in r.json()["fallback"]
    a.stop()
    b.stop()
    r = c.post("/v1/suggest", json={"code": LOOP})
    assert r.status_code == 503 and "upstream" in r.json()["detail"]


def test_adapters_listing_merges_the_upstreams(gw):
    out = gw["c"].get("/v1/adapters").json()
    assert out["engine"] == "openai" and out["supports_adapters"] is True
    served = {x["name"]: x["served_by"] for x in out["adapters"]}
    assert served == {"kern": [gw["a"].url, gw["b"].url], "par": [gw["b"].url]}
    ups = {u["url"]: u for u in out["upstreams"]}
    assert set(ups) == {gw["a"].url, gw["b"].url}
    assert all(u["healthy"] and u["base"] == "tiny" for u in ups.values())
    assert sorted(ups[gw["b"].url]["models"]) == ["kern", "par", "tiny"]


def test_client_gone_closes_the_upstream_request(gw):
    a, b = gw["a"], gw["b"]
    a.mode = b.mode = "hold"
    port = int(gw["url"].rsplit(":", 1)[1])
    before = a.disconnects + b.disconnects
    n = len(a.completions) + len(b.completions)
    body = json.dumps({"code": LOOP}).encode()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/suggest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
              b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    assert wait_until(lambda: len(a.completions) + len(b.completions) == n + 1)
    s.close()
    assert wait_until(lambda: a.disconnects + b.disconnects == before + 1)
    stats = gw["c"].get("/healthz").json()["stats"]
    assert stats["cancelled"] >= 1 and stats["in_flight"] == 0
    assert wait_until(lambda: '"status":499' in gw["log"].read_text())


def _deploy(*args: str) -> int:
    return accellium.cli.main(["deploy", *args])


def test_deploy_through_the_gateway(gw, capsys):
    c, a, b = gw["c"], gw["a"], gw["b"]
    assert _deploy(str(gw["good"]), "--server", gw["url"], "--name", "mine") == 0
    out = capsys.readouterr().out
    assert f"upstreams: {a.url}, {b.url}" in out
    assert a.adapters["mine"] == b.adapters["mine"] == str(gw["good"].resolve())
    listed = {x["name"]: x for x in c.get("/v1/adapters").json()["adapters"]}
    assert listed["mine"]["prompt_version"] == PROMPT_VERSION
    assert listed["mine"]["served_by"] == [a.url, b.url]
    assert c.post("/v1/suggest", json={"code": LOOP, "adapter": "mine"}).status_code == 200
    # checked as every engine checks adapters: another base, another prompt version
    assert _deploy(str(gw["other"]), "--server", gw["url"], "--name", "x") == 1
    assert "fingerprint" in capsys.readouterr().err
    assert _deploy(str(gw["old"]), "--server", gw["url"], "--name", "x") == 1
    assert "accellium-prompt-v0" in capsys.readouterr().err
    b.runtime_lora = False
    assert _deploy(str(gw["good"]), "--server", gw["url"], "--name", "again") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True" in err
    assert "again" not in a.adapters
    b.runtime_lora = True
    r = c.delete("/v1/adapters/mine")
    assert r.status_code == 200 and r.json()["served_by"] == [a.url, b.url]
    assert "mine" not in a.adapters and "mine" not in b.adapters
    assert c.delete("/v1/adapters/mine").status_code == 404


def test_deploy_straight_to_the_upstreams(gw, capsys):
    a, b = gw["a"], gw["b"]
    ups = ["--upstream", a.url, "--upstream", b.url]
    assert _deploy(str(gw["good"]), "--name", "direct", *ups, "--base", str(gw["base"])) == 0
    out = capsys.readouterr().out
    assert f"{a.url}: loaded" in out and f"{b.url}: loaded" in out
    assert a.adapters["direct"] == b.adapters["direct"]
    assert wait_until(lambda: "direct" in gw["c"].get("/healthz").json()["adapters"])
    assert _deploy(str(gw["other"]), "--name", "x", *ups, "--base", str(gw["base"])) == 2
    assert "fingerprint" in capsys.readouterr().err
    assert _deploy(str(gw["good"]), "--name", "x", *ups) == 0  # base not readable: said so
    assert "base fingerprint not checked" in capsys.readouterr().out
    a.runtime_lora = False
    assert _deploy(str(gw["good"]), "--name", "y", *ups) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "VLLM_ALLOW_RUNTIME_LORA_UPDATING" in err
    assert "y" not in b.adapters  # nothing loaded anywhere
    for name in ("direct", "x"):
        a.adapters.pop(name, None)
        b.adapters.pop(name, None)


def test_cli_errors_are_one_line(capsys):
    assert accellium.cli.main(["serve", "--engine", "openai"]) == 2
    assert "needs --upstream" in capsys.readouterr().err
    assert accellium.cli.main(["serve", "--engine", "openai", "--upstream", "localhost:1"]) == 2
    assert "expected an http(s) URL" in capsys.readouterr().err
    assert accellium.cli.main(["serve", "--upstream", "http://127.0.0.1:1/v1"]) == 2
    assert "--upstream needs --engine openai" in capsys.readouterr().err


def test_eval_through_upstreams(gw, tmp_path, capsys, shared_data):
    with open(shared_data / "train.jsonl", encoding="utf-8") as fh:
        recs = [json.loads(next(fh)) for _ in range(3)]
    # Records of the training set's schema with loops whose iterations are independent (a
    # mined loop may call a function for its effects, which the guard rightly keeps serial):
    # gold = what the fake's `par` answers, so every answer must match.
    loops = ["for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];",
             "for (int i = 0; i < n; i++) {\n  c[i] = a[i] + b[i];\n}",
             "for (int x = 0; x < n; ++x) b[x] = 2 * a[x];"]
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps(dict(r, loop=lp, loop_stripped=lp, lang="c",
                                              enclosing=[], pragma="#pragma acc parallel loop",
                                              directive="parallel loop", clauses=[]))
                              for r, lp in zip(recs, loops, strict=True)) + "\n")
    n = len(gw["a"].completions) + len(gw["b"].completions)
    rc = accellium.cli.main(["eval", "--engine", "openai", "--upstream", gw["a"].url,
                             "--upstream", gw["b"].url, "--use-adapter", "par", "--data",
                             str(data), "--no-compile", "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert json.loads(out.out)["metrics"]["exact_match"] == 1.0
    assert len(gw["a"].completions) + len(gw["b"].completions) == n + 3
