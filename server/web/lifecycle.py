"""Start-up and shut-down of one app: the engine load (model engines in the background), the
GIL switch interval while serving, and the access log handler."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from accellium.server.engines import EMBEDDED_ENGINES
from accellium.server.web.settings import Settings
from accellium.server.web.state import ServerState

__all__ = ["lifespan_for", "setup_access_log"]

access_log = logging.getLogger("accellium.access")


def lifespan_for(state: ServerState) -> Callable[[Any], Any]:
    settings = state.settings

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        # Worker threads hold the GIL for up to one switch interval each time the event loop
        # wants it back; a short interval keeps /healthz fast while they work.
        previous = sys.getswitchinterval()
        if settings.switch_interval_s:
            sys.setswitchinterval(settings.switch_interval_s)
        loop = asyncio.get_running_loop()
        state.loop = loop  # a gateway's upstream pool runs on it
        loader = loop.run_in_executor(None, state.load_engine)
        if settings.engine in EMBEDDED_ENGINES:
            await loader  # seconds at most (cached state); the server answers once it is up
        try:
            yield
        finally:
            if not loader.done():
                loader.cancel()
            await loop.run_in_executor(None, state.close)
            sys.setswitchinterval(previous)

    return lifespan


def setup_access_log(settings: Settings) -> None:
    access_log.propagate = False
    access_log.setLevel(logging.INFO)
    for old in list(access_log.handlers):
        if getattr(old, "_accellium", False):
            access_log.removeHandler(old)
            old.close()
    if not settings.access_log:
        return
    h: logging.Handler
    if settings.log_file:
        Path(settings.log_file).parent.mkdir(parents=True, exist_ok=True)
        h = logging.FileHandler(settings.log_file, encoding="utf-8")
    else:
        h = logging.StreamHandler(sys.stderr)
    h.setFormatter(logging.Formatter("%(message)s"))
    setattr(h, "_accellium", True)  # noqa: B010 — marks our own handler for the next app
    access_log.addHandler(h)
