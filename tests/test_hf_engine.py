"""The ``hf`` engine (transformers + peft) end to end with a tiny model built in the test: two
LoRA adapters that visibly change the answer, switched per request, loaded/unloaded at run time
over HTTP (real uvicorn on 127.0.0.1), batching, timeout (504), client disconnect, fallback."""

from __future__ import annotations

import asyncio
import json
import shutil
import time

import httpx
import pytest
from _server_util import running_server
from _tiny_models import PROBE, tiny_models
from accellium.dataset.prompt import PROMPT_VERSION
from accellium.server.app import Settings
from accellium.server.engines.base import LoopQuery

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def models(shared_data):
    return tiny_models(shared_data / "train.jsonl")


@pytest.fixture(scope="module")
def engine(models):
    from accellium.server.engines.hf import HFEngine

    eng = HFEngine(base=str(models.base), adapters={k: str(v) for k, v in models.adapters.items()})
    yield eng
    eng.close()


def _answer(engine, adapter=None, code=PROBE) -> str:
    return engine.suggest(LoopQuery(code=code, adapter=adapter)).raw


def test_adapters_change_the_answer(engine):
    base, kern, par = _answer(engine), _answer(engine, "kern"), _answer(engine, "par")
    assert kern == "#pragma acc kernels loop"
    assert par == "#pragma acc parallel loop"
    assert base.startswith("#pragma acc") and base not in (kern, par)
    # switching back and forth per request
    assert [_answer(engine, a) for a in ("par", "kern", None, "par")] == [par, kern, base, par]


def test_concurrent_requests_are_batched(engine):
    before = dict(engine.stats)

    async def many():
        qs = [LoopQuery(code=PROBE, adapter=("kern", "par", None)[i % 3]) for i in range(12)]
        return await asyncio.gather(*(engine.asuggest(q) for q in qs))

    answers = [a.raw for a in asyncio.run(many())]
    assert answers[0::3] == ["#pragma acc kernels loop"] * 4
    assert answers[1::3] == ["#pragma acc parallel loop"] * 4
    assert engine.stats["batches"] - before["batches"] < 12  # grouped by adapter
    assert engine.stats["max_batch_seen"] > 1


def test_cancelled_request_is_dropped(models):
    from accellium.server.engines.hf import HFEngine

    eng = HFEngine(base=str(models.base), batch_wait_ms=500)
    try:
        async def cancel_one():
            task = asyncio.ensure_future(eng.asuggest(LoopQuery(code=PROBE)))
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        asyncio.run(cancel_one())
        time.sleep(0.8)
        assert eng.stats["cancelled"] == 1 and eng.stats["requests"] == 0
    finally:
        eng.close()


def test_engine_unload_and_reload(models):
    from accellium.server.engines.hf import HFEngine

    eng = HFEngine(base=str(models.base), adapters={"kern": str(models.adapters["kern"])})
    try:
        base = _answer(eng)
        assert _answer(eng, "kern") == "#pragma acc kernels loop"
        eng.unload_adapter("kern")  # the last adapter: the base answers again
        assert eng.adapter_names() == [] and _answer(eng) == base
        eng.load_adapter("kern", str(models.adapters["par"]))  # name now points at other weights
        assert _answer(eng, "kern") == "#pragma acc parallel loop"
        eng.load_adapter("kern", str(models.adapters["kern"]))  # atomic swap back
        assert _answer(eng, "kern") == "#pragma acc kernels loop"
        assert len(eng._peft.peft_config) == 1  # old versions are freed
    finally:
        eng.close()


# ---------------------------------------------------------------------------------------------
# Over HTTP
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hf_server(models):
    settings = Settings(engine="hf", base=str(models.base), access_log=False, timeout_s=60,
                        adapters=[f"{k}={v}" for k, v in models.adapters.items()])
    with running_server(settings) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            assert c.get("/healthz").json()["engine_loaded"]
            yield c


def _suggest(c, adapter=None, code=PROBE):
    r = c.post("/v1/suggest", json={"code": code, "adapter": adapter})
    assert r.status_code == 200, r.text
    return r.json()


def test_http_adapters_listed_with_metadata(hf_server):
    body = hf_server.get("/v1/adapters").json()
    assert body["engine"] == "hf" and body["supports_adapters"] is True
    ads = {a["name"]: a for a in body["adapters"]}
    assert set(ads) == {"kern", "par"}
    assert ads["kern"]["rank"] == 8 and ads["kern"]["prompt_version"] == PROMPT_VERSION
    assert ads["kern"]["base_fingerprint"] and ads["kern"]["version"] == 1
    assert hf_server.get("/healthz").json()["adapters"] == ["kern", "par"]


def test_http_adapter_per_request(hf_server):
    kern, par, base = _suggest(hf_server, "kern"), _suggest(hf_server, "par"), _suggest(hf_server)
    assert kern["directive"] == "kernels loop" and kern["engine"] == "hf"
    assert kern["adapter"] == "kern" and kern["fallback"] is None
    assert par["directive"] == "parallel loop" and par["adapter"] == "par"
    assert base["pragma"] not in (kern["pragma"], par["pragma"])
    r = hf_server.post("/v1/suggest", json={"code": PROBE, "adapter": "nope"})
    assert r.status_code == 404 and "unknown adapter 'nope'" in r.json()["detail"]


def test_http_batch_mixed_adapters_order_kept(hf_server):
    items = [{"code": PROBE, "adapter": a} for a in ("kern", "par", None, "par", "kern")]
    out = hf_server.post("/v1/suggest/batch", json=items).json()
    assert [o["adapter"] for o in out] == ["kern", "par", None, "par", "kern"]
    assert [o["directive"] for o in out][:2] == ["kernels loop", "parallel loop"]


def test_http_unload_reload_swap(hf_server, models, tmp_path):
    r = hf_server.delete("/v1/adapters/kern")
    assert r.status_code == 200 and r.json()["name"] == "kern"
    assert hf_server.post("/v1/suggest", json={"code": PROBE, "adapter": "kern"}).status_code == 404
    # redeploy under the same name, without a restart
    r = hf_server.post("/v1/adapters", json={"name": "kern", "path": str(models.adapters["par"])})
    assert r.status_code == 200, r.text
    assert _suggest(hf_server, "kern")["directive"] == "parallel loop"
    r = hf_server.post("/v1/adapters", json={"name": "kern", "path": str(models.adapters["kern"])})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert _suggest(hf_server, "kern")["directive"] == "kernels loop"


def test_http_refuses_mismatched_adapters(hf_server, models, tmp_path):
    def variant(name: str, **changes) -> str:
        d = tmp_path / name
        shutil.copytree(models.adapters["kern"], d)
        meta = json.loads((d / "accellium.json").read_text())
        meta.update(changes)
        (d / "accellium.json").write_text(json.dumps(meta))
        return str(d)

    r = hf_server.post("/v1/adapters", json={"name": "x", "path": variant(
        "fp", base_fingerprint="0123456789abcdef")})
    assert r.status_code == 422 and "fingerprint" in r.json()["detail"]
    r = hf_server.post("/v1/adapters", json={"name": "x", "path": variant(
        "pv", prompt_version="accellium-prompt-v0")})
    assert r.status_code == 422 and "prompt" in r.json()["detail"]
    r = hf_server.post("/v1/adapters", json={"name": "x", "path": str(tmp_path / "missing")})
    assert r.status_code == 422 and "not found" in r.json()["detail"]
    assert "x" not in hf_server.get("/healthz").json()["adapters"]


def test_http_invalid_model_answer_falls_back_to_auto(models):
    settings = Settings(engine="hf", base=str(models.base), access_log=False,
                        engine_options={"max_new_tokens": 2})  # "#pragma" cut short
    with running_server(settings) as url:
        r = httpx.post(url + "/v1/suggest", json={"code": "for (int i=0;i<n;i++) s+=a[i];"})
        body = r.json()
        assert r.status_code == 200 and body["engine"] == "auto"
        assert body["fallback"] and "hf answer rejected" in body["fallback"]
        assert "reduction(+:s)" in body["pragma"]


def test_http_timeout_504_and_disconnect_cancels(models):
    settings = Settings(engine="hf", base=str(models.base), access_log=False, timeout_s=0.5,
                        engine_options={"batch_wait_ms": 1500})
    with running_server(settings) as url:
        t0 = time.perf_counter()
        r = httpx.post(url + "/v1/suggest", json={"code": PROBE}, timeout=30)
        assert r.status_code == 504 and "timed out" in r.json()["detail"]
        assert time.perf_counter() - t0 < 1.4
        time.sleep(1.6)
        cancelled = httpx.get(url + "/healthz").json()["stats"]["cancelled"]
        assert cancelled == 1  # the timed-out request never ran
        with pytest.raises(httpx.ReadTimeout):  # the client gives up and disconnects
            httpx.post(url + "/v1/suggest", json={"code": PROBE}, timeout=0.2)
        time.sleep(1.8)
        stats = httpx.get(url + "/healthz").json()["stats"]
        assert stats["cancelled"] == 2 and stats["requests"] == 0
