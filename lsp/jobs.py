"""CPU work off the event loop: parsing, building loops, embedded engines, diagnostics.

* Work runs in a small thread pool, so the event loop keeps reading and answering messages.
* Each document has a lane: its jobs run one at a time, so one document (a 3,000-deep nest, a
  10 MB file) occupies at most one worker and never holds up the others.
* A job receives ``check``, which raises :class:`~accellium.lsp.nest.Cancelled` once its
  request was cancelled (``$/cancelRequest``: pygls 2 cancels the handler's task at its
  ``await``) or once its document changed (``stale``); a job that has not started by then is
  dropped, one that has started stops at its next check.
* A lane stays taken until its thread has really finished, even when the caller stopped
  waiting: threads cannot be killed, so an overrunning job delays only its own document.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .nest import Cancelled

__all__ = ["Jobs", "Cancelled"]

T = TypeVar("T")
WORKERS = 4


class Jobs:
    def __init__(self, workers: int = WORKERS):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="accellium-job")
        self._lanes: dict[str, asyncio.Lock] = {}

    def forget(self, lane: str) -> None:
        """The document closed: drop its lane once nothing holds it."""
        lock = self._lanes.get(lane)
        if lock is not None and not lock.locked():
            del self._lanes[lane]

    async def run(self, fn: Callable[..., T], *args: Any, lane: str | None = None,
                  stale: Callable[[], bool] | None = None, timeout: float | None = None,
                  late: Callable[[T], None] | None = None) -> T:
        """``fn(*args, check)`` in a worker thread.  Raises :class:`Cancelled` when the work
        went stale, ``TimeoutError`` after ``timeout`` seconds and ``CancelledError`` when the
        caller is cancelled.  A thread that had started goes on (its lane stays taken until it
        ends); ``late`` then receives its result on the event loop."""
        loop = asyncio.get_running_loop()
        flag = threading.Event()

        def check() -> None:
            if flag.is_set() or (stale is not None and stale()):
                raise Cancelled("stale or cancelled")

        def call() -> T:
            check()
            return fn(*args, check)

        lock = None
        if lane is not None:
            lock = self._lanes.get(lane)
            if lock is None:
                lock = self._lanes[lane] = asyncio.Lock()
            await lock.acquire()
        try:
            cfut = self._pool.submit(call)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        if lock is not None:
            cfut.add_done_callback(lambda _f: _soon(loop, lock.release))
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(cfut)), timeout)
        except (asyncio.CancelledError, TimeoutError):
            flag.set()
            if not cfut.cancel() and late is not None:  # started: keep what it finds
                cfut.add_done_callback(lambda f: None if f.cancelled() or f.exception()
                                       else _soon(loop, late, f.result()))
            raise

    def shutdown(self) -> None:
        """Stop taking work (what runs ends on its own; the threads do not hold the process)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _soon(loop: asyncio.AbstractEventLoop, fn: Callable, *args: Any) -> None:
    """``fn(*args)`` on ``loop`` from a worker thread (nothing once the loop is closed)."""
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:
        pass
