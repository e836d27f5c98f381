"""The server's settings (``accellium serve`` flags) and the uvicorn options they imply."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Settings", "MAX_BODY_BYTES", "LOOPBACK_NAMES"]

#: request bodies over this many bytes are refused with 413 before they are parsed
MAX_BODY_BYTES = 1024 * 1024
#: Host names every server answers to (besides --host and --allow-host)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def _default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    engine: str = "auto"
    train: str | None = None  # embedded engines' training pairs; None = the default file
    base: str | None = None  # model engines' base model
    adapters: list[str] = field(default_factory=list)  # "name=PATH" specs
    token: str | None = None
    log_file: str | None = None
    access_log: bool = True
    timeout_s: float = 30.0
    engine_options: dict[str, Any] = field(default_factory=dict)  # extra model-engine options
    # -- the openai engine (a gateway to vLLM servers) ------------------------------------------
    upstreams: list[str] = field(default_factory=list)  # OpenAI base URLs (http://host:port/v1)
    upstream_key: str | None = field(default=None, repr=False)  # sent as Bearer; never logged
    # -- security and limits ------------------------------------------------------------------
    adapter_roots: list[str] = field(default_factory=list)  # POST /v1/adapters only under these
    allow_origins: list[str] = field(default_factory=list)  # cross-site origins allowed (CORS)
    allow_hosts: list[str] = field(default_factory=list)  # Host names besides the bound ones
    max_body_bytes: int = MAX_BODY_BYTES
    limit_concurrency: int | None = 256  # uvicorn: connections + requests, then 503
    timeout_keep_alive_s: int = 5  # uvicorn: idle keep-alive connections are closed after it
    request_read_timeout_s: float = 10.0  # a request's headers and body must arrive within it
    workers: int = field(default_factory=_default_workers)  # threads for CPU work
    switch_interval_s: float | None = 0.001  # sys.setswitchinterval while serving (GIL slices)

    def host_names(self) -> set[str]:
        """The names the ``Host`` header may carry (lower case, no port)."""
        names = {*LOOPBACK_NAMES, self.host, *self.allow_hosts}
        return {n.strip().strip("[]").lower() for n in names if n and n.strip()}

    def uvicorn_options(self) -> dict[str, Any]:
        """Options for ``uvicorn.Config`` (besides the app, host and port)."""
        from accellium.server.web.protocol import protocol_class

        return {
            "http": protocol_class(self.request_read_timeout_s),
            "limit_concurrency": self.limit_concurrency,
            "timeout_keep_alive": self.timeout_keep_alive_s,
            "h11_max_incomplete_event_size": 16 * 1024,
            "access_log": False,
            "timeout_graceful_shutdown": 5,
        }
