"""The ``hf`` engine (transformers + peft) end to end with a tiny model built in the test: two
LoRA adapters that visibly change the answer, switched per request, loaded/unloaded at run time
over HTTP (real uvicorn on 127.0.0.1), batching, timeout (504), client disconnect, fallback."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
import time
from pathlib import Path

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


def test_engine_concurrent_loads_of_one_name(models):
    # #18: two loads of one name at once leave one adapter for the name, no orphan weights
    from accellium.server.engines.hf import HFEngine

    eng = HFEngine(base=str(models.base), adapters={"par": str(models.adapters["par"])})
    try:
        for _ in range(3):
            barrier = threading.Barrier(2)
            errors: list = []

            def load(path: Path, barrier: threading.Barrier, errors: list) -> None:
                barrier.wait()
                try:
                    eng.load_adapter("x", str(path))
                except Exception as e:
                    errors.append(e)

            ts = [threading.Thread(target=load, args=(models.adapters[n], barrier, errors))
                  for n in ("kern", "par")]
            for t in ts:
                t.start()
            for t in ts:
                t.join(120)
            assert not errors and eng.adapter_names() == ["par", "x"]
            assert len(eng.loaded_weights()) == 2  # par and the one x: nothing left behind
            assert _answer(eng, "x") in ("#pragma acc kernels loop", "#pragma acc parallel loop")
            assert _answer(eng, "par") == "#pragma acc parallel loop"
    finally:
        eng.close()


def test_engine_corrupt_adapter_leaves_the_engine_as_it_was(models, tmp_path):
    from accellium.server.engines.base import EngineError
    from accellium.server.engines.hf import HFEngine

    eng = HFEngine(base=str(models.base), adapters={"kern": str(models.adapters["kern"])})
    try:
        d = _variant(models, tmp_path, "bad")
        (d / "adapter_model.safetensors").write_bytes(b"\x10" + os.urandom(500))
        with pytest.raises(EngineError, match="could not load adapter 'bad'"):
            eng.load_adapter("bad", str(d))
        assert eng.adapter_names() == ["kern"] and eng.loaded_weights() != []
        assert all(not a.startswith("bad") for a in eng.loaded_weights())
        assert _answer(eng, "kern") == "#pragma acc kernels loop"
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
        assert len(eng.loaded_weights()) == 1  # old versions are freed
    finally:
        eng.close()


# ---------------------------------------------------------------------------------------------
# Over HTTP
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def adapter_root(tmp_path_factory) -> Path:
    """A folder the test server allows adapters from (besides the models' own folder)."""
    return tmp_path_factory.mktemp("adapter-root").resolve()


@pytest.fixture(scope="module")
def hf_server(models, adapter_root):
    settings = Settings(engine="hf", base=str(models.base), access_log=False, timeout_s=60,
                        adapters=[f"{k}={v}" for k, v in models.adapters.items()],
                        adapter_roots=[str(models.adapters["kern"].parent), str(adapter_root)])
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


def _variant(models, root: Path, name: str, **changes) -> Path:
    d = root / name
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(models.adapters["kern"], d)
    if changes:
        meta = json.loads((d / "accellium.json").read_text())
        meta.update(changes)
        (d / "accellium.json").write_text(json.dumps(meta))
    return d


def test_http_refuses_mismatched_adapters(hf_server, models, adapter_root):
    def variant(name: str, **changes) -> str:
        d = adapter_root / name
        shutil.rmtree(d, ignore_errors=True)
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
    r = hf_server.post("/v1/adapters", json={"name": "x", "path": str(adapter_root / "missing")})
    assert r.status_code == 422 and "not an adapter folder under" in r.json()["detail"]
    assert "x" not in hf_server.get("/healthz").json()["adapters"]


def test_http_adapter_paths_are_no_oracle(hf_server, models, adapter_root, tmp_path):
    # #12 D13: any local client could probe server paths (existence oracle)
    outside = _variant(models, tmp_path, "outside")
    (adapter_root / "escape").unlink(missing_ok=True)
    (adapter_root / "escape").symlink_to(outside, target_is_directory=True)
    details = set()
    for path in ["/root", "/nonexistent", "/etc/passwd", str(outside),
                 str(adapter_root / ".." / outside.name), str(adapter_root / "escape"),
                 str(adapter_root / "missing")]:
        r = hf_server.post("/v1/adapters", json={"name": "probe", "path": path})
        assert r.status_code == 422, (path, r.text)
        details.add(r.json()["detail"].replace(f"'{path}'", "'PATH'"))
    assert len(details) == 1, details
    assert "probe" not in hf_server.get("/healthz").json()["adapters"]


def test_http_adapter_metadata_is_capped_and_confined(hf_server, models, adapter_root, tmp_path):
    big = _variant(models, adapter_root, "big")
    with open(big / "accellium.json", "ab") as fh:  # 30 MB
        fh.truncate(30 * 1024 * 1024)
    r = hf_server.post("/v1/adapters", json={"name": "big", "path": str(big)})
    assert r.status_code == 422 and "byte limit" in r.json()["detail"]
    linked = _variant(models, adapter_root, "linked")
    secret = _variant(models, tmp_path, "secret") / "accellium.json"
    (linked / "accellium.json").unlink()
    (linked / "accellium.json").symlink_to(secret)
    r = hf_server.post("/v1/adapters", json={"name": "linked", "path": str(linked)})
    assert r.status_code == 422 and "links outside the adapter root" in r.json()["detail"]
    fifo = _variant(models, adapter_root, "fifo")
    (fifo / "accellium.json").unlink()
    os.mkfifo(fifo / "accellium.json")
    r = hf_server.post("/v1/adapters", json={"name": "fifo", "path": str(fifo)}, timeout=30)
    assert r.status_code == 422 and "not a regular file" in r.json()["detail"]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_http_corrupt_adapter_weights_422(hf_server, models, adapter_root, damage):
    d = _variant(models, adapter_root, f"corrupt-{damage}")
    w = d / "adapter_model.safetensors"
    data = w.read_bytes()
    w.write_bytes({"garbage": os.urandom(len(data)), "truncated": data[: len(data) // 2],
                   "empty": b""}[damage])
    base_before = _suggest(hf_server)["pragma"]
    r = hf_server.post("/v1/adapters", json={"name": "broken", "path": str(d)})
    assert r.status_code == 422, r.text
    assert "could not be loaded" in r.json()["detail"] and "Traceback" not in r.text
    assert "broken" not in hf_server.get("/healthz").json()["adapters"]
    # the engine is as it was
    assert _suggest(hf_server)["pragma"] == base_before
    assert _suggest(hf_server, "par")["directive"] == "parallel loop"


def test_http_concurrent_loads_of_one_name(hf_server, models):
    # #18: loads of one name run one at a time; the registry and the engine agree on the winner
    paths = {"kernels loop": str(models.adapters["kern"]),
             "parallel loop": str(models.adapters["par"])}
    for _ in range(3):
        barrier = threading.Barrier(2)
        out: list = []

        def load(path: str, barrier: threading.Barrier, out: list) -> None:
            barrier.wait()
            out.append(hf_server.post("/v1/adapters", json={"name": "race", "path": path}))

        ts = [threading.Thread(target=load, args=(p, barrier, out)) for p in paths.values()]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        assert [r.status_code for r in out] == [200, 200], [r.text for r in out]
        listed = {a["name"]: a for a in hf_server.get("/v1/adapters").json()["adapters"]}
        answered = _suggest(hf_server, "race")["directive"]
        assert listed["race"]["path"] == str(Path(paths[answered]).resolve())
    assert hf_server.delete("/v1/adapters/race").status_code == 200


def test_http_invalid_model_answer_falls_back_to_auto(models):
    settings = Settings(engine="hf", base=str(models.base), access_log=False,
                        engine_options={"max_new_tokens": 2})  # "#pragma" cut short
    with running_server(settings) as url:
        r = httpx.post(url + "/v1/suggest", json={"code": "for (int i=0;i<n;i++) s+=a[i];"})
        body = r.json()
        assert r.status_code == 200 and body["engine"] == "auto"
        assert body["fallback"] and "hf answer rejected" in body["fallback"]
        assert "reduction(+:s)" in body["pragma"]
        # no --adapter-root: loading adapters at run time is off
        r = httpx.post(url + "/v1/adapters",
                       json={"name": "k", "path": str(models.adapters["kern"])})
        assert r.status_code == 422 and "run time is off" in r.json()["detail"]


def test_http_timeout_504_and_disconnect_cancels(models):
    settings = Settings(engine="hf", base=str(models.base), access_log=False, timeout_s=0.5,
                        engine_options={"batch_wait_ms": 1500})
    with running_server(settings) as url:
        r = httpx.post(url + "/v1/suggest", json={"code": PROBE}, timeout=30)
        assert r.status_code == 504 and "timed out" in r.json()["detail"]
        time.sleep(1.6)
        cancelled = httpx.get(url + "/healthz").json()["stats"]["cancelled"]
        assert cancelled == 1  # the timed-out request never ran
        with pytest.raises(httpx.ReadTimeout):  # the client gives up and disconnects
            httpx.post(url + "/v1/suggest", json={"code": PROBE}, timeout=0.2)
        time.sleep(1.8)
        stats = httpx.get(url + "/healthz").json()["stats"]
        assert stats["cancelled"] == 2 and stats["requests"] == 0
