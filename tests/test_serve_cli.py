"""``accellium serve`` as a user starts it (the command ``make serve`` runs): a real process on a
free loopback port that says what it is loading and where it answers, then serves until it is
stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from accellium.server.bench_http import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_serve_says_what_it_loads_and_where_it_listens(tmp_path: Path) -> None:
    port = free_port()
    err = tmp_path / "stderr.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with err.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "accellium", "serve", "--engine", "analysis",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sink)
        try:
            deadline = time.monotonic() + 120
            health = None
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            assert health is not None and health["engine"] == "analysis", err.read_text()
            answer = httpx.post(f"http://127.0.0.1:{port}/v1/suggest", timeout=30, json={
                "code": "for (int i = 0; i < n; i++) y[i] = 2 * x[i];", "language": "c"})
            assert answer.status_code == 200 and answer.json()["pragma"].startswith("#pragma acc")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    text = err.read_text()
    assert "accellium serve: loading the 'analysis' engine" in text
    assert f"running on http://127.0.0.1:{port}" in text  # uvicorn's own line: where it answers
    assert "Traceback" not in text
    assert proc.returncode == 0, text
