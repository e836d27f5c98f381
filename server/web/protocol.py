"""uvicorn's h11 protocol with a request read deadline.

uvicorn closes a keep-alive connection that stays idle after a response (``timeout_keep_alive``),
but a connection that never sends a request, or sends its headers or body a byte at a time, is
held for ever (measured: 600 idle connections held as long as the client liked). This protocol
closes a connection whose request (headers and body) has not fully arrived ``read_timeout_s``
after the connection opened or the previous response ended. A request the server is working on
is never cut: only a client that is still *sending* is timed out.
"""

from __future__ import annotations

import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["protocol_class", "ReadDeadlineH11Protocol"]

_READING = (h11.IDLE, h11.SEND_BODY)


class ReadDeadlineH11Protocol(H11Protocol):
    """H11Protocol plus the read deadline (``read_timeout_s``, a class attribute)."""

    read_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading_since = time.monotonic()
        self.read_watch: Any = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.reading_since = time.monotonic()
        self.arm_read_watch()

    def arm_read_watch(self) -> None:
        self.read_watch = self.loop.call_later(max(0.05, self.read_timeout_s / 2),
                                               self.check_read_deadline)

    def check_read_deadline(self) -> None:
        self.read_watch = None
        if self.transport is None or self.transport.is_closing():
            return
        late = time.monotonic() - self.reading_since > self.read_timeout_s
        if late and self.conn.their_state in _READING:
            self.transport.close()  # the app (if it waits for the body) sees a disconnect
            return
        self.arm_read_watch()

    def on_response_complete(self) -> None:
        self.reading_since = time.monotonic()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.read_watch is not None:
            self.read_watch.cancel()
            self.read_watch = None
        super().connection_lost(exc)


def protocol_class(read_timeout_s: float) -> type[ReadDeadlineH11Protocol]:
    """A protocol class with this read deadline (uvicorn's ``http=`` option takes a class)."""
    return type("ReadDeadlineH11Protocol", (ReadDeadlineH11Protocol,),
                {"read_timeout_s": float(read_timeout_s)})
