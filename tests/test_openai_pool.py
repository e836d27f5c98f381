"""The ``openai`` engine's upstream pool without vLLM: balancing (least outstanding requests),
retries (connection errors and 5xx on another upstream, never 4xx), timeouts, health checks
(down, skipped, back, used again) and cancellation, against small fake OpenAI servers
(``tests/_fake_openai.py``: real HTTP servers on free 127.0.0.1 ports)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from _fake_openai import FakeOpenAI

from accellium.dataset.prompt import build_prompt
from accellium.server.engines import EngineError, EngineUnavailable, LoopQuery
from accellium.server.engines.openai_engine import OpenAIEngine
from accellium.server.engines.upstreams import ModelNotServed, UpstreamRefused, normalize_url
from accellium.server.engines.vllm_engine import PRAGMA_REGEX

LOOP = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"


@pytest.fixture
def fakes():
    made: list[FakeOpenAI] = []

    def make(**kw) -> FakeOpenAI:
        f = FakeOpenAI(**kw)
        made.append(f)
        return f

    yield make
    for f in made:
        f.close()


async def _engine(*fakes: FakeOpenAI, **kw) -> OpenAIEngine:
    kw.setdefault("health_interval_s", 0.2)
    kw.setdefault("timeout_s", 10.0)
    e = OpenAIEngine([f.url for f in fakes], **kw)
    await e.astart()
    return e


async def _wait(pred, timeout: float = 10.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if pred():
            return True
        await asyncio.sleep(0.02)
    return pred()


def test_normalize_url():
    assert normalize_url("http://127.0.0.1:8001/v1/") == "http://127.0.0.1:8001/v1"
    assert normalize_url("http://h:1") == "http://h:1/v1"
    for bad in ("ftp://h/v1", "127.0.0.1:8001", "http:///v1", "http://h/v1?x=1"):
        with pytest.raises(ValueError):
            normalize_url(bad)


async def test_request_is_the_one_prompt_greedy_one_line(fakes):
    a = fakes(adapters={"kern": "/a/kern"})
    e = await _engine(a)
    try:
        q = LoopQuery(code=LOOP, enclosing=("#pragma acc data copy(y[0:n])",), adapter="kern")
        ans = await e.asuggest(q)
        assert ans.raw == "#pragma acc parallel loop"
        body = a.completions[-1]
        assert body["model"] == "kern"
        assert body["prompt"] == build_prompt(q.stripped, q.lang, q.enclosing, q.examples)
        assert body["temperature"] == 0.0 and body["stop"] == ["\n"] and body["n"] == 1
        assert body["structured_outputs"] == {"regex": PRAGMA_REGEX}
        await e.asuggest(LoopQuery(code=LOOP))
        assert a.completions[-1]["model"] == "tiny"  # no adapter: the upstream's base model
    finally:
        await e.pool.aclose()
    e2 = await _engine(a, constraint="guided_regex")
    try:
        await e2.asuggest(LoopQuery(code=LOOP))
        assert a.completions[-1]["guided_regex"] == PRAGMA_REGEX
        assert "structured_outputs" not in a.completions[-1]
    finally:
        await e2.pool.aclose()


async def test_ties_alternate_and_least_outstanding_wins(fakes):
    a, b = fakes(), fakes()
    e = await _engine(a, b)
    try:
        for _ in range(6):
            await e.asuggest(LoopQuery(code=LOOP))
        assert len(a.completions) == 3 and len(b.completions) == 3  # one client alternates
        # a holds its requests: while one is outstanding there, every request goes to b
        a.mode = "hold"
        ua = next(u for u in e.pool.upstreams if u.url == a.url)
        held = []
        while ua.outstanding == 0:
            held.append(asyncio.create_task(e.asuggest(LoopQuery(code=LOOP))))
            await _wait(lambda: ua.outstanding == 1 or held[-1].done(), 5)
        b_before = len(b.completions)
        for _ in range(4):
            await e.asuggest(LoopQuery(code=LOOP))
        assert len(b.completions) == b_before + 4 and ua.outstanding == 1
        a.release()
        await asyncio.gather(*held)
    finally:
        await e.pool.aclose()


async def test_5xx_and_connection_errors_retry_elsewhere_4xx_does_not(fakes):
    a, b = fakes(), fakes()
    e = await _engine(a, b)
    try:
        a.mode = "500"
        for _ in range(4):
            assert (await e.asuggest(LoopQuery(code=LOOP))).raw.startswith("#pragma acc")
        assert e.pool.stats["retries"] >= 1
        assert e.pool.upstreams[0].healthy  # a 5xx is retried, not a reason to skip it
        a.mode = "close"  # the connection drops mid-request
        for _ in range(3):
            assert (await e.asuggest(LoopQuery(code=LOOP))).raw.startswith("#pragma acc")
        assert not next(u for u in e.pool.upstreams if u.url == a.url).healthy
        a.mode = "ok"
        assert await _wait(lambda: all(u.healthy for u in e.pool.upstreams))
        a.mode = b.mode = "400"
        n = len(a.completions) + len(b.completions)
        with pytest.raises(UpstreamRefused) as err:
            await e.asuggest(LoopQuery(code=LOOP))
        assert err.value.status == 400 and "prompt too long" in str(err.value)
        assert len(a.completions) + len(b.completions) == n + 1  # not retried
        a.mode = b.mode = "500"
        with pytest.raises(EngineUnavailable, match="every upstream failed"):
            await e.asuggest(LoopQuery(code=LOOP))
    finally:
        await e.pool.aclose()


async def test_down_upstream_is_skipped_then_used_again(fakes):
    a, b = fakes(), fakes()
    a.stop()
    e = await _engine(a, b)
    try:
        ua = next(u for u in e.pool.upstreams if u.url == a.url)
        assert not ua.healthy and "Connect" in (ua.error or "")
        for _ in range(4):
            await e.asuggest(LoopQuery(code=LOOP))
        assert len(a.completions) == 0 and len(b.completions) == 4
        a.start()
        assert await _wait(lambda: ua.healthy)
        for _ in range(4):
            await e.asuggest(LoopQuery(code=LOOP))
        assert len(a.completions) == 2 and len(b.completions) == 6
        b.mode = "models503"  # health check failing: skipped though completions would work
        assert await _wait(lambda: not e.pool.upstreams[1].healthy)
        for _ in range(2):
            await e.asuggest(LoopQuery(code=LOOP))
        assert len(b.completions) == 6
        a.stop()
        b.stop()
        with pytest.raises(EngineUnavailable, match="no healthy upstream|every upstream failed"):
            await e.asuggest(LoopQuery(code=LOOP))
    finally:
        await e.pool.aclose()


async def test_timeout_is_not_retried(fakes):
    a, b = fakes(), fakes()
    a.mode = b.mode = "hold"
    e = await _engine(a, b, timeout_s=0.5)
    try:
        with pytest.raises(EngineError, match="timed out after 0.5 s"):
            await e.asuggest(LoopQuery(code=LOOP))
        assert len(a.completions) + len(b.completions) == 1
    finally:
        a.release()
        b.release()
        await e.pool.aclose()


async def test_cancel_closes_the_upstream_request(fakes):
    a = fakes()
    a.mode = "hold"
    e = await _engine(a)
    try:
        task = asyncio.create_task(e.asuggest(LoopQuery(code=LOOP)))
        assert await _wait(lambda: len(a.completions) == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _wait(lambda: a.disconnects == 1)  # the upstream saw the client go
        assert e.pool.stats["cancelled"] == 1 and e.pool.stats["in_flight"] == 0
        assert e.pool.upstreams[0].outstanding == 0
        a.mode = "ok"
        assert (await e.asuggest(LoopQuery(code=LOOP))).raw  # the pool still works
    finally:
        a.release()
        await e.pool.aclose()


async def test_adapters_route_to_the_upstreams_that_serve_them(fakes):
    a = fakes(adapters={"kern": "/a/kern"})
    b = fakes(adapters={"par": "/b/par", "kern": "/b/kern"})
    a.answers["kern"] = "#pragma acc kernels loop"
    b.answers["kern"] = "#pragma acc kernels loop"
    e = await _engine(a, b)
    try:
        for _ in range(3):
            await e.asuggest(LoopQuery(code=LOOP, adapter="par"))
        assert [c["model"] for c in b.completions] == ["par"] * 3 and not a.completions
        assert e.adapter_names() == ["kern", "par"]
        assert e.pool.served() == {"kern": [a.url, b.url], "par": [b.url]}
        assert e.adapter_problem("par") is None
        assert "unknown adapter 'zz'" in (e.adapter_problem("zz") or "")
        with pytest.raises(ModelNotServed):
            await e.asuggest(LoopQuery(code=LOOP, adapter="zz"))
        # a's list is stale (kern unloaded there behind the gateway's back): b answers
        del a.adapters["kern"]
        for _ in range(2):
            assert (await e.asuggest(LoopQuery(code=LOOP, adapter="kern"))).raw.startswith(
                "#pragma acc kernels")
        assert e.pool.served()["kern"] == [b.url]
    finally:
        await e.pool.aclose()


async def test_health_check_with_key_and_key_never_logged(fakes, caplog):
    caplog.set_level(logging.DEBUG)
    a = fakes(key="s3cret-key")
    bad = await _engine(a, api_key="wrong")
    try:
        assert not bad.pool.upstreams[0].healthy
        assert "HTTP 401" in bad.pool.upstreams[0].error and "--upstream-key" in \
            bad.pool.upstreams[0].error
    finally:
        await bad.pool.aclose()
    e = await _engine(a, api_key="s3cret-key")
    try:
        assert e.pool.upstreams[0].healthy
        await e.asuggest(LoopQuery(code=LOOP))
        assert a.headers[-1]["authorization"] == "Bearer s3cret-key"
        assert a.headers[-1]["x-request-id"].startswith("acc-")
        a.stop()
        with pytest.raises(EngineUnavailable):
            await e.asuggest(LoopQuery(code=LOOP))
    finally:
        await e.pool.aclose()
    assert "s3cret-key" not in caplog.text
    assert "s3cret-key" not in repr(e.pool.info()) + repr(e.stats)


def test_sync_suggest_runs_on_the_engine_loop(fakes):
    a = fakes(adapters={"kern": "/a/kern"})
    e = OpenAIEngine([a.url], health_interval_s=0.2)
    try:
        assert e.suggest(LoopQuery(code=LOOP, adapter="kern")).raw == "#pragma acc parallel loop"
        assert e.load_adapter("new", "/a/new") == {a.url: "loaded"}
        assert a.adapters["new"] == "/a/new" and e.deployed == {"new": "/a/new"}
        assert e.unload_adapter("new") == [a.url] and "new" not in a.adapters
    finally:
        e.close()


async def test_deploy_reaches_every_upstream_and_comes_back(fakes):
    a, b = fakes(), fakes()
    e = await _engine(a, b)
    try:
        assert await e.aload_adapter("mine", "/srv/mine") == {a.url: "loaded", b.url: "loaded"}
        assert e.pool.served() == {"mine": [a.url, b.url]}
        # b restarts without it (a restarted vLLM forgets run-time loads): loaded again
        b.stop()
        del b.adapters["mine"]
        assert await _wait(lambda: not e.pool.upstreams[1].healthy)
        assert await e.aload_adapter("other", "/srv/other") == {
            a.url: "loaded", b.url: "down: loads it when it is back"}
        b.start()
        assert await _wait(lambda: b.adapters == {"mine": "/srv/mine", "other": "/srv/other"})
        assert await _wait(lambda: e.pool.served() == {"mine": [a.url, b.url],
                                                        "other": [a.url, b.url]})
        from accellium.server.engines.runtime_lora import LoraLoadError, RuntimeLoraDisabled

        with pytest.raises(LoraLoadError, match="No adapter found"):
            await e.aload_adapter("bad", "/nonexistent/x")
        b.runtime_lora = False
        with pytest.raises(RuntimeLoraDisabled, match="VLLM_ALLOW_RUNTIME_LORA_UPDATING=True") \
                as err:
            await e.aload_adapter("third", "/srv/third")
        assert b.url in str(err.value) and a.url not in str(err.value)
        assert "third" not in a.adapters  # checked first: loaded nowhere
    finally:
        await e.pool.aclose()


async def test_one_failed_check_of_a_live_upstream_is_not_enough(fakes):
    a = fakes()
    e = await _engine(a, health_interval_s=60)  # checks only when the test asks
    try:
        u = e.pool.upstreams[0]
        a.mode = "models503"  # overloaded: answers, but with an error
        await e.pool.probe(u)
        assert u.healthy and "HTTP 503" in u.error
        await e.pool.probe(u)
        assert not u.healthy
        a.mode = "ok"
        await e.pool.probe(u)
        assert u.healthy and u.error is None
        a.stop()  # refused: down at the first check
        await e.pool.probe(u)
        assert not u.healthy
    finally:
        await e.pool.aclose()
