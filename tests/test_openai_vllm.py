"""The gateway (``accellium serve --engine openai``) in front of two real vLLM OpenAI servers
of the CPU vLLM environment (``.venv-vllm``, ``bash server/vllm_env.sh``) on 127.0.0.1, with the
tiny base model and its two adapters (``kern`` -> ``kernels loop``, ``par`` -> ``parallel loop``,
tests/_tiny_models.py): requests answered with the right adapter by both; an adapter deployed
into both upstreams (straight and through the gateway, swapped in place); a client that goes
away aborts its generation in vLLM; one upstream killed while requests run (the other answers
them all), then started again (used again, and given the adapter deployed meanwhile).

Slow: both vLLM servers start once for the module, at the same time (~30-60 s), and one is
restarted. Fails (does not skip) when the vLLM environment is missing, unless
``ACCELLIUM_SKIP_VLLM=1``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from types import SimpleNamespace

import httpx
import pytest
from _server_util import running_server, wait_until
from _tiny_models import PROBE, tiny_models

import accellium.cli
from accellium.server.app import Settings
from accellium.server.vllm_processes import restart_vllm, start_fleet, stop_vllm, vllm_python

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

WANT = {"kern": "kernels loop", "par": "parallel loop"}
#: a loop long enough that its prompt takes the tiny model a while (under its 1,024 tokens)
BIG = ("for (int i = 0; i < n; i++) {"
       + " ".join(f"y{k}[i] = a * x[i] + y[i];" for k in range(25)) + "}")


@pytest.fixture(scope="module")
def vllm_py(vllm_env_installed) -> str:
    if os.environ.get("ACCELLIUM_SKIP_VLLM") == "1":
        pytest.skip("ACCELLIUM_SKIP_VLLM=1")
    py = vllm_python()
    if not py.exists():
        pytest.fail(f"the vllm environment is missing ({py.parent.parent}): create it with "
                    "`bash server/vllm_env.sh` (or set ACCELLIUM_SKIP_VLLM=1 to skip this test)")
    r = subprocess.run([str(py), "-c", "import vllm"], capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        pytest.fail(f"{py} cannot import vllm: {r.stderr.strip()[-800:]}")
    return str(py)


@pytest.fixture(scope="module")
def gw(vllm_py, shared_data, tmp_path_factory):
    models = tiny_models(shared_data / "train.jsonl")
    logs = tmp_path_factory.mktemp("vllm")
    adapters = {n: str(p) for n, p in models.adapters.items()}
    try:
        servers = start_fleet(2, models.base, adapters, logs, python=vllm_py, timeout_s=600,
                              served_name="tiny", log_requests=True)
    except RuntimeError as e:
        pytest.fail(f"vLLM did not start: {e}")
    settings = Settings(engine="openai", upstreams=[s.url for s in servers],
                        base=str(models.base), engine_options={"health_interval_s": 0.5},
                        adapter_roots=[str(models.adapters["kern"].parent)], timeout_s=120,
                        log_file=str(logs / "access.jsonl"))
    try:
        with running_server(settings) as url, httpx.Client(base_url=url, timeout=120) as c:
            yield SimpleNamespace(c=c, url=url, servers=servers, models=models)
    finally:
        for s in servers:
            stop_vllm(s)


def _wait(pred, timeout: float = 30.0, every: float = 0.1) -> bool:
    return wait_until(pred, timeout, every)


def _suggest(c: httpx.Client, adapter: str | None, code: str = PROBE) -> dict:
    r = c.post("/v1/suggest", json={"code": code, "adapter": adapter})
    assert r.status_code == 200, r.text
    return r.json()


def _upstreams(c: httpx.Client) -> list[dict]:
    return c.get("/healthz").json()["stats"]["upstreams"]


def _served(url: str) -> set[str]:
    return {m["id"] for m in httpx.get(f"{url}/models", timeout=10).json()["data"]}


def test_adapters_answered_by_both_upstreams(gw):
    c = gw.c
    h = c.get("/healthz").json()
    assert h["engine"] == "openai" and h["adapters"] == ["kern", "par"]
    base = _suggest(c, None)
    for _ in range(3):
        for name, directive in WANT.items():
            s = _suggest(c, name)
            assert s["directive"] == directive and s["engine"] == "openai", s
            assert s["fallback"] is None and s["adapter"] == name
    assert base["engine"] == "openai" and base["pragma"].startswith("#pragma acc")
    assert base["directive"] not in WANT.values()
    assert all(u["requests"] >= 2 and u["healthy"] for u in _upstreams(c))
    listed = {a["name"]: a for a in c.get("/v1/adapters").json()["adapters"]}
    assert set(listed) == {"kern", "par"}
    for a in listed.values():
        assert a["served_by"] == [s.url for s in gw.servers]
        assert a["prompt_version"] == h["prompt_version"]  # read from the adapters' folders
    r = c.post("/v1/suggest", json={"code": PROBE, "adapter": "nope"})
    assert r.status_code == 404 and "no healthy upstream serves it" in r.json()["detail"]


def test_deploy_into_both_upstreams(gw, capsys):
    c, (a, b), models = gw.c, gw.servers, gw.models
    rc = accellium.cli.main(["deploy", str(models.adapters["par"]), "--name", "swap",
                             "--upstream", a.url, "--upstream", b.url,
                             "--base", str(models.base)])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert f"{a.url}: loaded" in out.out and f"{b.url}: loaded" in out.out
    assert "swap" in _served(a.url) and "swap" in _served(b.url)
    assert _wait(lambda: "swap" in c.get("/healthz").json()["adapters"])
    assert {_suggest(c, "swap")["directive"] for _ in range(4)} == {"parallel loop"}
    # swapped in place through the gateway: both upstreams answer with the new weights
    before = [u["requests"] for u in _upstreams(c)]
    rc = accellium.cli.main(["deploy", str(models.adapters["kern"]), "--name", "swap",
                             "--server", gw.url])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert f"upstreams: {a.url}, {b.url}" in out.out
    assert {_suggest(c, "swap")["directive"] for _ in range(4)} == {"kernels loop"}
    after = [u["requests"] for u in _upstreams(c)]
    assert all(x > y for x, y in zip(after, before, strict=True))


def _logged(servers, what: str, line_has: str) -> int:
    """How many of the upstreams' log lines hold both ``line_has`` and ``what``."""
    return sum(what in line for s in servers for line in s.log_tail(10**8).splitlines()
               if line_has in line)


def test_client_gone_aborts_the_generation(gw):
    c, servers = gw.c, gw.servers
    port = int(gw.url.rsplit(":", 1)[1])
    cancelled = c.get("/healthz").json()["stats"]["cancelled"]
    body = json.dumps({"code": BIG, "adapter": "kern"}).encode()

    def aborted(ours: str) -> int:
        return _logged(servers, "aborted", f"Request {ours}")

    def trace(ours: str) -> str:
        return "\n".join(line for s in servers for line in s.log_tail(10**8).splitlines()
                         if ours in line)[-4000:]

    # The tiny adapter writes a pragma of a few tokens, so a generation lasts milliseconds:
    # the clients must go while vLLM holds one of their requests.  Each round sends 48 and
    # closes them as soon as vLLM has received one of them; a round whose requests all
    # finished first (or never left the gateway: it cancels those itself, with nothing for
    # vLLM to abort) is followed by another, with its own ids.
    total, traces = 0, []
    for rnd in range(ROUNDS):
        # the gateway puts the client's X-Request-Id into its upstream request ids, which vLLM
        # logs (cmpl-acc-<id>-...): this round's requests are told from every other one
        tag = f"gone{os.getpid()}r{rnd}x"
        ours = f"cmpl-acc-{tag}"
        socks = []
        for k in range(48):
            req = (b"POST /v1/suggest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Content-Type: application/json\r\nX-Request-Id: " + f"{tag}{k}".encode()
                   + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(req)
            socks.append(s)
        assert _wait(lambda o=ours: _logged(servers, "Received request", o) > 0, 180, 0.02)
        for s in socks:
            s.close()
        # vLLM writes "Request ... aborted" when its API server sees the upstream request
        # cancelled; on a loaded machine that takes seconds
        _wait(lambda o=ours: aborted(o) > 0, 30)
        assert _wait(lambda: c.get("/healthz").json()["stats"]["in_flight"] == 0, 180)
        total += aborted(ours)
        traces.append(trace(ours))
        if total:
            break
    assert total >= 1, "vLLM logged no aborted request:\n" + "\n---\n".join(traces)
    stats = c.get("/healthz").json()["stats"]
    assert stats["cancelled"] - cancelled >= total >= 1
    assert _suggest(c, "par")["directive"] == "parallel loop"  # still serving


#: Rounds of clients gone (test_client_gone_aborts_the_generation) before it fails.
ROUNDS = 6


def test_one_upstream_killed_then_back(gw):
    c, (a, b), models = gw.c, gw.servers, gw.models
    results: list[tuple[str, int, str | None, str | None]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=gw.url, timeout=120) as cc:
            while not stop.is_set():
                for name in WANT:
                    r = cc.post("/v1/suggest", json={"code": PROBE, "adapter": name})
                    body = r.json() if r.status_code == 200 else {}
                    results.append((name, r.status_code, body.get("directive"),
                                    body.get("fallback")))

    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        assert _wait(lambda: len(results) >= 12, 120)
        stop_vllm(a, kill=True)  # a crash: SIGKILL to the server and its engine processes
        n = len(results)
        assert _wait(lambda: len(results) >= n + 30, 120)
    finally:
        stop.set()
        for t in threads:
            t.join(120)
    bad = [r for r in results if r[1] != 200 or r[2] != WANT[r[0]] or r[3] is not None]
    assert not bad, bad[:5]
    ups = {u["url"]: u for u in _upstreams(c)}
    assert not ups[a.url]["healthy"] and ups[b.url]["healthy"]
    # deployed while a is down: the gateway loads it into a when a is back
    rc = accellium.cli.main(["deploy", str(models.adapters["par"]), "--name", "late",
                             "--server", gw.url])
    assert rc == 0
    restart_vllm(a)
    assert _wait(lambda: {u["url"]: u for u in _upstreams(c)}[a.url]["healthy"], 60)
    assert _wait(lambda: "late" in _served(a.url), 60)
    used = {u["url"]: u["requests"] for u in _upstreams(c)}[a.url]
    for _ in range(6):
        assert _suggest(c, "late")["directive"] == "parallel loop"
        assert _suggest(c, "kern")["directive"] == "kernels loop"
    assert {u["url"]: u["requests"] for u in _upstreams(c)}[a.url] > used
