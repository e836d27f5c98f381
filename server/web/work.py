"""Running CPU work for a request: in a bounded thread pool, never on the event loop, under the
request's timeout (``504``), dropped when the client goes away (``499`` in the access log).

A job whose request gave up before a worker picked it up is skipped, so a burst of slow
requests cannot pile up work that nobody waits for. Python threads cannot be interrupted: a job
already running finishes in the background after its request got ``504`` (the request models
bound its input, so no job runs long).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request

__all__ = ["Workers", "ClientGone", "bounded"]


class ClientGone(Exception):
    """The client disconnected while its request was being worked on."""


class _Skipped(Exception):
    pass


class Workers:
    """A fixed pool of worker threads for CPU work."""

    def __init__(self, n: int):
        self.n = max(1, n)
        self.pool = cf.ThreadPoolExecutor(max_workers=self.n, thread_name_prefix="accellium-work")

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker; cancelling the caller skips it if it has not started."""
        gave_up = threading.Event()

        def job() -> Any:
            if gave_up.is_set():
                raise _Skipped()
            return fn(*args)

        fut = self.pool.submit(job)
        try:
            return await asyncio.wrap_future(fut)
        except asyncio.CancelledError:
            gave_up.set()
            fut.cancel()
            raise

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


async def _wait_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def bounded(request: Request | None, coro: Awaitable[Any], timeout: float,
                  limit_s: float | None = None) -> Any:
    """Await ``coro`` for at most ``timeout`` s (then ``504``, naming the request's whole time
    limit ``limit_s``); a client disconnect cancels it (:class:`ClientGone`)."""
    task = asyncio.ensure_future(coro)
    watchers = {task}
    disc = None
    if request is not None:
        disc = asyncio.ensure_future(_wait_disconnect(request))
        watchers.add(disc)
    try:
        done, _ = await asyncio.wait(watchers, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        if disc is not None:
            disc.cancel()
    if task in done:
        return task.result()
    task.cancel()
    if disc is not None and disc in done:
        raise ClientGone()
    raise HTTPException(504, f"engine timed out after {limit_s or timeout:g} s")
