"""The language server against an HTTP backend (DESIGN §4): a tiny FastAPI app that follows the
contract (and can turn slow, garbage or down), run by a real uvicorn; the real ``server.app``
when it is installed.  Client and server are real processes talking LSP over stdio."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from lsprotocol import types
from pytest_lsp import LanguageClient

from accellium.lsp.testing import apply_text_edits, edits_for, record_applied_edits, record_statuses
from tests._lsp_client import ENV, SERVER, backend_state, client_fixture
from tests.test_lsp_server import SRC, actions, open_doc, start, uri_of, wait_for

BACKEND_PRAGMA = "#pragma acc kernels loop independent"
# what the fake answers in mode "alternatives" (cut to the request's count): a garbage one the
# client must drop, then valid ones
# the fake's offload plan (lines of the code sent, 1-based)
OFFLOAD_EDITS = [{"line": 8, "kind": "enter", "delete_lines": 0,
                  "lines": ["    #pragma acc enter data copyin(u[0:n], w[0:n])"]},
                 {"line": 8, "kind": "loop", "delete_lines": 0,
                  "lines": ["    #pragma acc parallel loop present(u[0:n], w[0:n])"]}]
BACKEND_ALTERNATIVES = ["#pragma acc parallel loop frobnicate(a)",
                        "#pragma acc parallel loop reduction(+:s)",
                        "#pragma acc serial loop", "#pragma acc loop seq"]


class Fake:
    """State of the fake backend (shared with the test through the thread)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.payloads: list[dict] = []
        self.offloads: list[dict] = []
        self.disconnects = 0
        self.finished = 0


def make_app(fake: Fake):
    app = FastAPI()

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/v1/suggest")
    async def suggest(request: Request):
        body = await request.json()
        fake.payloads.append(body)
        if fake.mode == "slow":
            for _ in range(100):  # 5 s, watching for the client going away
                if await request.is_disconnected():
                    fake.disconnects += 1
                    return JSONResponse({"detail": "client went away"}, status_code=499)
                await asyncio.sleep(0.05)
        if fake.mode == "garbage":
            return PlainTextResponse("<html>oops</html>", status_code=200)
        if fake.mode == "garbage-json":
            return {"pragma": "#pragma acc parallel loop\nint x = 0; // injected",
                    "notes": "x"}
        if fake.mode == "invalid-pragma":
            return {"pragma": "#pragma acc parallel loop frobnicate(a)", "notes": []}
        if fake.mode == "error":
            return JSONResponse({"detail": "boom"}, status_code=500)
        if "for" not in body.get("code", ""):
            return JSONResponse({"detail": "no for statement"}, status_code=422)
        fake.finished += 1
        alternatives = BACKEND_ALTERNATIVES[: body.get("alternatives", 0)] \
            if fake.mode == "alternatives" else []
        return {"pragma": BACKEND_PRAGMA, "directive": "kernels loop",
                "clauses": ["independent"], "alternatives": alternatives, "engine": "fake",
                "adapter": body.get("adapter"), "valid": True, "notes": [], "elapsed_ms": 1.0,
                "confidence": 0.75}

    @app.post("/v1/offload")
    async def offload(request: Request):
        body = await request.json()
        fake.offloads.append(body)
        return _offload_answer(fake.mode, body)

    return app


def _offload_answer(mode: str, body: dict):
    """What the fake's ``/v1/offload`` answers in ``mode``."""
    if mode == "error":
        return JSONResponse({"detail": "boom"}, status_code=500)
    if mode == "garbage":
        return {"plans": [{"edits": [{"line": 1, "kind": "loop",
                                      "lines": ["int injected;"]}]}]}
    if mode == "refuse":
        return JSONResponse({"detail": "no function named `nope`"}, status_code=422)
    if mode == "program":  # a line above the first line of the code and of a file sent
        line = {"line": 1, "kind": "data", "lines": ["#pragma acc data copy(x[0:1])"]}
        return {"plans": [{"function": body["function"], "edits": [line], "notes": []}],
                "files": [{"path": f["path"], "plans": [{"edits": [line]}], "code": ""}
                          for f in body.get("program", [])[:1]],
                "code": "", "engine": "fake", "elapsed_ms": 1.0}
    return {"plans": [{"function": body["function"], "edits": OFFLOAD_EDITS,
                       "notes": ["fake plan"]}],
            "code": "", "engine": "fake", "elapsed_ms": 1.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def backend():
    fake = Fake()
    port = free_port()
    config = uvicorn.Config(make_app(fake), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    t0 = time.monotonic()
    while not srv.started:
        if time.monotonic() - t0 > 15:
            raise RuntimeError("fake backend did not start")
        time.sleep(0.05)
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    srv.should_exit = True
    th.join(5)


@pytest.fixture
def fake(backend):
    backend.mode = "ok"
    backend.payloads.clear()
    backend.offloads.clear()
    backend.disconnects = 0
    return backend


client = client_fixture(record_statuses)


async def test_backend_contract_resolve_and_cache(client: LanguageClient, fake, tmp_path):
    (tmp_path / "lib.c").write_text("""\
void g(int n, float *y, const float *x) {
    #pragma acc parallel loop present(y[0:n], x[0:n])
    for (int k = 0; k < n; k++) y[k] = 3 * x[k];
}
""")
    await start(client, root=tmp_path, options={"backendUrl": fake.url, "adapter": "proj",
                                                 "indexWorkspace": True})
    await wait_for(lambda: backend_state(client) == "connected")
    uri = uri_of(tmp_path, "t.c")
    open_doc(client, uri, SRC)
    await asyncio.sleep(0.5)  # let the workspace scan finish (it is tiny)
    # cursor moves: code actions never call the backend, they defer to resolve
    for _ in range(5):
        acts = await actions(client, uri, 5, 8)
    assert len(acts) == 1 and acts[0].edit is None and acts[0].data
    assert fake.payloads == []
    a = await client.code_action_resolve_async(acts[0])
    assert a.title == f"Insert `{BACKEND_PRAGMA}`"
    edits, version = edits_for(a.edit, uri)
    assert version == 1
    new = apply_text_edits(SRC, edits)
    assert new.splitlines()[4] == "    " + BACKEND_PRAGMA
    assert len(fake.payloads) == 1
    body = fake.payloads[0]
    assert body["language"] == "c" and body["code"].startswith("for (int i = 0;")
    assert body["adapter"] == "proj" and body["context"]["enclosing"] == []
    ex = body["context"]["examples"]
    assert 1 <= len(ex) <= 8
    assert ex[0]["pragma"] == "#pragma acc parallel loop present(y[0:n], x[0:n])"
    # answered once: later requests for the same loop come from the cache, titled with it
    acts = await actions(client, uri, 5, 8)
    assert acts[0].title == f"Insert `{BACKEND_PRAGMA}`" and acts[0].edit is not None
    assert len(fake.payloads) == 1


async def test_backend_down_falls_back_and_says_so_once(client: LanguageClient, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    await start(client, options={"backendUrl": url})
    await wait_for(lambda: backend_state(client) == "unreachable")
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 5, 8)
    assert acts and acts[0].edit is not None and "#pragma acc" in acts[0].title
    for _ in range(3):
        await actions(client, uri, 13, 12)
    msgs = [m.message for m in client.messages if "unreachable" in m.message]
    assert len(msgs) == 1 and url in msgs[0]
    st = client.statuses[-1]
    assert st["engine"] == "auto" and st["backend"] == "unreachable"


@pytest.mark.parametrize("mode", ["garbage", "garbage-json", "invalid-pragma", "error"])
async def test_backend_garbage_never_reaches_the_buffer(client: LanguageClient, fake, tmp_path,
                                                        mode):
    await start(client, options={"backendUrl": fake.url})
    await wait_for(lambda: backend_state(client) == "connected")
    fake.mode = mode
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 5, 8)
    a = await client.code_action_resolve_async(acts[0])
    edits, _ = edits_for(a.edit, uri)
    assert len(edits) == 1
    line = edits[0].new_text
    assert line.count("\n") == 1 and line.strip().startswith("#pragma acc")
    assert "frobnicate" not in line and "injected" not in line and "html" not in line
    # a multi-line answer is cut to its first pragma line (as every engine answer is); the
    # rest are backend errors answered by the embedded engine
    assert backend_state(client) == ("connected" if mode == "garbage-json" else "error")
    # the server keeps serving
    assert await actions(client, uri, 13, 12)


async def test_backend_slow_times_out_to_embedded(client: LanguageClient, fake, tmp_path):
    await start(client, options={"backendUrl": fake.url, "timeoutMs": 300})
    await wait_for(lambda: backend_state(client) == "connected")
    fake.mode = "slow"
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 5, 8)
    a = await client.code_action_resolve_async(acts[0])
    # The backend holds a request for 5 s; the server gave up after timeoutMs (state
    # "timeout", the user told) and answered with the embedded engine.  (Whether the request
    # got as far as the backend's handler within 300 ms depends on the machine's load: not
    # asserted.)
    edits, _ = edits_for(a.edit, uri)
    assert edits and BACKEND_PRAGMA not in edits[0].new_text  # the embedded answer
    assert backend_state(client) == "timeout"
    assert any("timeout" in m.message for m in client.messages)


async def test_cancellation_reaches_the_backend(client: LanguageClient, fake, tmp_path):
    await start(client, options={"backendUrl": fake.url, "timeoutMs": 20000})
    await wait_for(lambda: backend_state(client) == "connected")
    fake.mode = "slow"
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    acts = await actions(client, uri, 5, 8)
    before = set(client.protocol._request_futures)
    fut = client.protocol.send_request(types.CODE_ACTION_RESOLVE, acts[0])
    msg_id = (set(client.protocol._request_futures) - before).pop()
    await wait_for(lambda: fake.payloads)
    client.cancel_request(types.CancelParams(id=msg_id))
    await wait_for(lambda: fake.disconnects == 1, timeout=5)
    with pytest.raises(Exception):  # noqa: B017 - the request ends with RequestCancelled
        await asyncio.wait_for(asyncio.wrap_future(fut), 5)
    fake.mode = "ok"
    acts = await actions(client, uri, 13, 12)  # still serving
    assert acts


async def test_real_backend_app(client: LanguageClient, tmp_path):
    """Against the project's own FastAPI app (accellium.server.app) under uvicorn."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *SERVER[:1], "-m", "uvicorn", "accellium.server.app:app", "--host", "127.0.0.1",
        "--port", str(port), env=ENV)
    try:
        url = f"http://127.0.0.1:{port}"
        await _wait_port(port, 60)
        await start(client, options={"backendUrl": url, "timeoutMs": 20000})
        await wait_for(lambda: backend_state(client) == "connected", 30)
        uri = uri_of(tmp_path)
        open_doc(client, uri, SRC)

        async def resolved_action():
            while True:
                acts = await actions(client, uri, 5, 8)
                if acts:
                    a = acts[0] if acts[0].edit else await client.code_action_resolve_async(
                        acts[0])
                    if a.edit:
                        return a
                await asyncio.sleep(0.5)

        a = await asyncio.wait_for(resolved_action(), 60)
        edits, _ = edits_for(a.edit, uri)
        assert edits[0].new_text.strip().startswith("#pragma acc")
        assert "reduction(+:s)" in edits[0].new_text
    finally:
        proc.terminate()
        await proc.wait()


async def _wait_port(port: int, timeout: float) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise AssertionError(f"nothing listens on port {port}")


async def test_annotate_file_progress_cancel(client: LanguageClient, fake, tmp_path):
    applied = record_applied_edits(client)

    await start(client, options={"backendUrl": fake.url, "timeoutMs": 20000})
    await wait_for(lambda: backend_state(client) == "connected")
    fake.mode = "slow"
    uri = uri_of(tmp_path)
    open_doc(client, uri, SRC)
    task = asyncio.ensure_future(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="accellium.annotateFile", arguments=[uri])))
    await wait_for(lambda: fake.payloads and client.progress_reports)
    token = next(iter(client.progress_reports))
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    res = await asyncio.wait_for(task, 5)
    assert res["cancelled"] is True and res["inserted"] == 0
    await wait_for(lambda: fake.disconnects == 1, timeout=5)
    assert applied == []
    kinds = [getattr(v, "kind", None) for v in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"
