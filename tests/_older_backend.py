"""A backend older than the language server, for the version-skew tests: a small FastAPI app
whose request models are strict (``extra="forbid"``, the real server's 422 handler) but lack
the optional fields added later (``first_line`` of ``/v1/suggest``; ``command_line`` and
``path`` of ``/v1/offload``), served by a real uvicorn on a free 127.0.0.1 port in a thread.

What it accepts it answers with one fixed pragma (:data:`OLDER_PRAGMA`, above the first
``for`` line for ``/v1/offload``), which the embedded engine never writes for the tests'
loops, so a test can tell who answered.  ``code`` longer than :data:`MAX_OLDER_CODE` chars
is refused by value (a 422 that is not about an unknown field).  Every body received is kept
in ``bodies`` (path, JSON), accepted or not.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accellium.server.bench_http import free_port
from accellium.server.web.errors import install_error_handlers

OLDER_PRAGMA = "#pragma acc kernels loop independent"
MAX_OLDER_CODE = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Example(_Strict):
    pragma: str
    loop: str
    enclosing: list[str] | None = None
    same_file: bool | None = None


class _Scope(_Strict):
    source: str
    offset: int
    defines: list[str] = Field(default_factory=list)


class _Context(_Strict):
    enclosing: list[str] = Field(default_factory=list)
    examples: list[_Example] = Field(default_factory=list)
    scope: _Scope | None = None


class OlderSuggest(_Strict):
    code: str = Field(min_length=1, max_length=MAX_OLDER_CODE)
    language: str = "c"
    context: _Context = Field(default_factory=_Context)
    adapter: str | None = None
    alternatives: int = 0
    engine: str | None = None


class _ProgramFile(_Strict):
    path: str
    code: str


class OlderOffload(_Strict):
    code: str = Field(min_length=1)
    language: str = "c"
    function: str | None = None
    replace: bool = False
    engine: str | None = None
    defines: list[str] = Field(default_factory=list)
    program: list[_ProgramFile] | None = None


class OlderBackend:
    """The app's state, shared with the test (``url`` once serving)."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, dict]] = []
        self.url = ""

    def of(self, path: str) -> list[dict]:
        return [b for p, b in self.bodies if p == path]


def _valid(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as e:  # as FastAPI reports a body model's errors
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in e.errors()]) from None


def make_app(state: OlderBackend) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/v1/suggest")
    async def suggest(request: Request) -> dict:
        body = await request.json()
        state.bodies.append(("/v1/suggest", body))
        _valid(OlderSuggest, body)
        return {"pragma": OLDER_PRAGMA, "directive": "kernels loop", "clauses": ["independent"],
                "alternatives": [], "engine": "older", "adapter": None, "valid": True,
                "notes": [], "elapsed_ms": 1.0}

    @app.post("/v1/offload")
    async def offload(request: Request) -> dict:
        body = await request.json()
        state.bodies.append(("/v1/offload", body))
        req = _valid(OlderOffload, body)
        lines = req.code.splitlines()
        row = next(k for k, ln in enumerate(lines) if ln.lstrip().startswith("for"))
        indent = lines[row][:len(lines[row]) - len(lines[row].lstrip())]
        edit = {"line": row + 1, "kind": "loop", "delete_lines": 0,
                "lines": [indent + OLDER_PRAGMA]}
        return {"plans": [{"function": req.function, "edits": [edit], "notes": []}],
                "code": "", "engine": "older", "elapsed_ms": 1.0}

    return app


@contextlib.contextmanager
def older_backend() -> Iterator[OlderBackend]:
    """Serve :func:`make_app` on 127.0.0.1:<free port> while the block runs."""
    state = OlderBackend()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(make_app(state), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"older-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the older backend did not start")
            time.sleep(0.02)
        state.url = f"http://127.0.0.1:{port}"
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=30)
