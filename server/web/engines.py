"""Embedded engines (``auto``, ``analysis``, ``retrieval``), built once per process and
training file, never on the event loop.

A build runs on one builder thread; a request that needs an engine still being built waits for
it within its own timeout, then gets ``503`` with ``Retry-After`` while the build goes on. The
``retrieval`` engine is the nearest-neighbour index that ``auto`` already holds (the same class
over the same training pairs): asking for it costs nothing once ``auto`` is up, instead of a
second 20-40 s build.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import threading
import time
from typing import Any

from fastapi import HTTPException

__all__ = ["EmbeddedEngines", "EMBEDDED"]

_BUILDER = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="accellium-engine-build")
_CACHE: dict[tuple[str, str | None], cf.Future] = {}
_STARTED: dict[tuple[str, str | None], float] = {}
_LOCK = threading.Lock()


def _build(name: str, train: str | None) -> Any:
    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine
    from accellium.server.engines.retrieval import RetrievalEngine

    if name == "retrieval":
        # one builder thread: an earlier `auto` build is finished by now; never wait for one
        # queued after this job
        with _LOCK:
            auto = _CACHE.get(("auto", train))
        if auto is not None and auto.done() and auto.exception() is None:
            index = getattr(auto.result(), "retrieval", None)
            if isinstance(index, RetrievalEngine):
                return index
    return get_engine(name, **engine_options(name, train))


class EmbeddedEngines:
    """The embedded engines of one training file (a view on the process-wide cache)."""

    def __init__(self, train: str | None):
        self.train = train

    def future(self, name: str) -> cf.Future:
        """The engine's build (started now if it was not, or if it failed before)."""
        key = (name, self.train)
        with _LOCK:
            fut = _CACHE.get(key)
            if fut is None or (fut.done() and fut.exception() is not None):
                fut = _BUILDER.submit(_build, name, self.train)
                _CACHE[key] = fut
                _STARTED[key] = time.monotonic()
        return fut

    def get(self, name: str) -> Any:
        """The engine, building it in this thread's caller if needed (blocking: not for the
        event loop)."""
        return self.future(name).result()

    async def aget(self, name: str, timeout: float) -> Any:
        """The engine; ``503`` (with the reason and ``Retry-After``) when it is not built within
        ``timeout`` seconds or its build failed."""
        fut = self.future(name)
        if not fut.done():
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(fut)), timeout)
            except TimeoutError:
                since = time.monotonic() - _STARTED.get((name, self.train), time.monotonic())
                raise HTTPException(503, f"engine '{name}' is still being built ({since:.0f} s "
                                         "so far); retry shortly",
                                    headers={"Retry-After": "5"}) from None
            except Exception:
                pass
        err = fut.exception()
        if err is not None:
            raise HTTPException(503, f"engine '{name}' not loaded: {type(err).__name__}: {err}")
        return fut.result()


EMBEDDED = ("auto", "analysis", "retrieval")
