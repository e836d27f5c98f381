"""Helpers for the server tests: a real uvicorn on a free 127.0.0.1 port, in a thread, with
the uvicorn options ``accellium serve`` uses (:meth:`Settings.uvicorn_options`)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import httpx
import uvicorn

from accellium.server.app import Settings, create_app
from accellium.server.bench_http import free_port


def wait_until(pred, timeout: float = 10.0, every: float = 0.05) -> bool:
    """Poll ``pred`` every ``every`` seconds until it is true (True) or ``timeout`` seconds
    have passed (then its last value)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(every)
    return pred()


@contextlib.contextmanager
def running_server(settings: Settings, *, wait_engine: bool = True,
                   timeout_s: float = 300.0) -> Iterator[str]:
    """Serve ``create_app(settings)`` on 127.0.0.1:<free port>; yields the base URL."""
    port = free_port()
    app = create_app(settings)
    options = dict(settings.uvicorn_options(), log_level="warning", lifespan="on")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        if wait_engine:
            while time.monotonic() < deadline:
                h = httpx.get(url + "/healthz", timeout=5).json()
                if h["engine_loaded"] or h["status"] == "error":
                    break
                time.sleep(0.1)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def analysis_client(timeout: float) -> Iterator[httpx.Client]:
    """A client of :func:`running_server` with the embedded analysis engine and no access
    log (the offload endpoint's tests), its requests timing out after ``timeout`` seconds."""
    with running_server(Settings(engine="analysis", access_log=False)) as url, \
            httpx.Client(base_url=url, timeout=timeout) as c:
        yield c
