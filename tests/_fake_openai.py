"""A small fake OpenAI-compatible server for the gateway tests: a real HTTP/1.1 server on a
free 127.0.0.1 port (asyncio streams, keep-alive, Content-Length bodies), in a thread of its
own, that answers ``GET /v1/models``, ``POST /v1/completions`` and vLLM's runtime LoRA
endpoints the way vLLM does, and can misbehave on demand (``mode``):

- ``ok``: answer (after ``delay`` seconds); ``hold``: keep the request until :meth:`release`
  or until the client goes away (counted in ``disconnects``);
- ``500`` / ``400``: that status with a vLLM-style error body; ``close``: close the connection
  without answering; ``models503``: the health check fails (completions still answer).

:meth:`stop` closes the listening socket and every connection (the upstream is gone: connection
refused); :meth:`start` serves again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from typing import Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeOpenAI:
    def __init__(self, adapters: dict[str, str] | None = None, *, base: str = "tiny",
                 runtime_lora: bool = True, key: str | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.base = base
        self.adapters = dict(adapters or {})  # name -> root
        self.runtime_lora = runtime_lora
        self.key = key
        self.mode = "ok"
        self.delay = 0.0
        self.answers: dict[str | None, str] = {}  # model -> text (default: a pragma per model)
        self.completions: list[dict[str, Any]] = []  # bodies received
        self.headers: list[dict[str, str]] = []  # headers of every request
        self.disconnects = 0
        self.models_calls = 0
        self._held: asyncio.Event | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.start()

    # -- control (from the test's thread) ----------------------------------------------------
    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def start(self) -> None:
        async def go() -> None:
            self._held = asyncio.Event()
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port,
                                                      reuse_address=True)
        self._call(go())

    def stop(self) -> None:
        async def go() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
                self._server = None
            for w in list(self._writers):
                w.close()
        self._call(go())

    def release(self) -> None:
        """Answer the requests held so far (later ones are held again)."""
        def go() -> None:
            old, self._held = self._held, asyncio.Event()
            if old is not None:
                old.set()
        self._loop.call_soon_threadsafe(go)

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    # -- serving -----------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                hdrs = {k.strip().lower(): v.strip()
                        for k, _, v in (ln.partition(":") for ln in lines[1:] if ":" in ln)}
                n = int(hdrs.get("content-length", "0"))
                body = await reader.readexactly(n) if n else b""
                self.headers.append(hdrs)
                answer = await self._route(method, path, hdrs, body, reader)
                if answer is None:  # close without answering
                    return
                status, payload = answer
                data = json.dumps(payload).encode()
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _models(self) -> dict:
        cards = [{"id": self.base, "object": "model", "root": f"/models/{self.base}",
                  "parent": None}]
        cards += [{"id": n, "object": "model", "root": r, "parent": self.base}
                  for n, r in self.adapters.items()]
        return {"object": "list", "data": cards}

    async def _route(self, method: str, path: str, hdrs: dict, body: bytes,
                     reader: asyncio.StreamReader) -> tuple[int, Any] | None:
        if self.key is not None and hdrs.get("authorization") != f"Bearer {self.key}":
            return 401, {"error": {"message": "Unauthorized", "code": 401}}
        if method == "GET" and path == "/v1/models":
            self.models_calls += 1
            if self.mode == "models503":
                return 503, {"error": {"message": "overloaded", "code": 503}}
            return 200, self._models()
        req = json.loads(body or b"{}")
        if path == "/v1/completions":
            return await self._completion(req, reader)
        if path in ("/v1/load_lora_adapter", "/v1/unload_lora_adapter"):
            return self._lora(path, req)
        return 404, {"detail": "Not Found"}

    async def _completion(self, req: dict, reader: asyncio.StreamReader):
        self.completions.append(req)
        if self.mode == "close":
            return None
        if self.mode == "500":
            return 500, {"error": {"message": "engine failed", "code": 500}}
        if self.mode == "400":
            return 400, {"error": {"message": "prompt too long", "code": 400}}
        model = req.get("model")
        if model != self.base and model not in self.adapters:
            return 404, {"error": {"message": f"The model `{model}` does not exist.",
                                   "type": "NotFoundError", "code": 404}}
        if self.mode == "hold":
            assert self._held is not None
            eof = asyncio.ensure_future(reader.read(1))
            held = asyncio.ensure_future(self._held.wait())
            done, _ = await asyncio.wait({eof, held}, return_when=asyncio.FIRST_COMPLETED)
            if eof in done and eof.result() == b"":
                self.disconnects += 1
                held.cancel()
                return None
            eof.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await eof
        if self.delay:
            await asyncio.sleep(self.delay)
        text = self.answers.get(model, "#pragma acc parallel loop" if model != self.base
                                else "#pragma acc loop")
        return 200, {"id": "cmpl-1", "object": "text_completion", "model": model,
                     "choices": [{"index": 0, "text": text, "finish_reason": "stop"}]}

    def _lora(self, path: str, req: dict):
        if not self.runtime_lora:
            return 404, {"detail": "Not Found"}
        name, src = req.get("lora_name"), req.get("lora_path")
        if path.endswith("/unload_lora_adapter"):
            if name not in self.adapters:
                return 404, {"error": {"message": f"'{name}' cannot be found", "code": 404}}
            del self.adapters[name]
            return 200, "Success"
        if not src or src.startswith("/nonexistent"):
            return 404, {"error": {"message": f"No adapter found for {src}", "code": 404}}
        self.adapters[name] = src
        return 200, "Success"
