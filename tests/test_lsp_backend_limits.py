"""Issue #12 D11: the language server's backend client against a misbehaving backend.

A tiny HTTP server on 127.0.0.1 (``http.server``, one thread per connection) plays a backend
that hangs, trickles its answer, sends 50 MB, sends 1 MB of ``[[[[...`` or wants a bearer
token.  The real language server talks to it (pytest-lsp over stdio); the fake backend counts
what reaches it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pytest_lsp import LanguageClient

from accellium.lsp.backend import COOL_DOWN_S, Breaker, check_json_depth, parse_json
from accellium.lsp.testing import edits_for, record_statuses
from tests._lsp_client import backend_state, client_fixture
from tests.test_lsp_server import actions, open_doc, start, uri_of, wait_for

TOKEN = "s3cret-tök"
PRAGMA = "#pragma acc kernels loop independent"
THREE = "".join(f"""\
void f{k}(int n, float *a{k}) {{
    for (int i = 0; i < n; i++)
        a{k}[i] = {k} * a{k}[i];
}}
""" for k in range(3))
LOOP_ROWS = (1, 5, 9)


class Fake(BaseHTTPRequestHandler):
    """The backend; ``server.mode`` says how it misbehaves."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._send(200, b'{"status": "ok"}')

    def do_POST(self) -> None:
        srv = self.server
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        srv.seen.append((self.path, self.headers.get("authorization"), body))
        srv.times.append(time.monotonic())
        mode = srv.mode
        try:
            if mode == "hang":
                srv.release.wait(30)
            elif mode == "trickle":
                data = json.dumps({"pragma": PRAGMA}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                for b in data:
                    if srv.release.wait(0.2):
                        return
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
            elif mode == "huge":
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(50 << 20))
                self.end_headers()
                chunk = b"[" * 65536
                for _ in range(50 << 4):
                    self.wfile.write(chunk)
            elif mode == "huge-chunked":
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                chunk = b"[" * 65536
                for _ in range(50 << 4):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif mode == "deep":
                self._send(200, b"[" * 500_000 + b"]" * 500_000)
            elif mode == "token" and self.headers.get("authorization", "").encode(
                    "latin-1") != b"Bearer " + TOKEN.encode():
                self._send(401, b'{"detail": "missing or wrong token"}')
            else:
                self._send(200, json.dumps({"pragma": PRAGMA, "notes": [], "engine": "fake"})
                           .encode())
        except (BrokenPipeError, ConnectionResetError):
            srv.dropped += 1

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def backend():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    srv.daemon_threads = True
    srv.mode, srv.seen, srv.times, srv.dropped = "ok", [], [], 0
    srv.release = threading.Event()
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


client = client_fixture(record_statuses)


def _suggests(backend) -> int:
    return sum(1 for path, _, _ in backend.seen if path == "/v1/suggest")


async def _connect(client, backend, **options) -> str:
    # no resolve support: code actions ask the backend at once, one request per loop
    await start(client, resolve=False, options={"backendUrl": backend.url, **options})
    await wait_for(lambda: backend_state(client) == "connected")
    return options.get("uri", "")


@pytest.mark.parametrize("mode,state", [("hang", "timeout"), ("trickle", "timeout"),
                                        ("huge", "error"), ("huge-chunked", "error"),
                                        ("deep", "error")])
async def test_failing_backend_costs_one_request_then_the_circuit_opens(
        client: LanguageClient, backend, tmp_path, mode, state):
    await _connect(client, backend, timeoutMs=2500)
    backend.mode = mode
    uri = uri_of(tmp_path)
    open_doc(client, uri, THREE)
    for row in LOOP_ROWS:  # three different loops
        acts = await asyncio.wait_for(actions(client, uri, row + 1, 8), 90)
        assert acts and acts[0].edit is not None, mode  # the embedded engine answered
        edits, _ = edits_for(acts[0].edit, uri)
        assert edits[0].new_text.lstrip().startswith("#pragma acc") and PRAGMA not in \
            edits[0].new_text
    # The first loop waited for the backend; then the circuit was open and the next loops
    # went straight to the embedded engine: a request only once per cool-down (15 s; a loaded
    # machine may let one pass before the third loop).
    assert 1 <= _suggests(backend) <= 2, (mode, backend.seen)
    gaps = [b - a for a, b in zip(backend.times, backend.times[1:], strict=False)]
    assert all(g >= COOL_DOWN_S for g in gaps), gaps
    assert backend_state(client) == state
    msg = client.statuses[-1]["message"]
    assert "embedded engine" in msg and backend.url in msg


async def test_bearer_token_is_sent_and_required(client: LanguageClient, backend, tmp_path):
    backend.mode = "token"
    await start(client, resolve=False, options={"backendUrl": backend.url, "timeoutMs": 5000,
                                                "backendToken": TOKEN})
    await wait_for(lambda: backend_state(client) == "connected")
    uri = uri_of(tmp_path)
    open_doc(client, uri, THREE)
    acts = await actions(client, uri, 2, 8)
    assert acts[0].title == f"Insert `{PRAGMA}`"  # the backend answered
    path, auth, _ = backend.seen[-1]
    assert auth is not None and auth.encode("latin-1") == b"Bearer " + TOKEN.encode()
    assert all(a is not None for p, a, _ in backend.seen)


async def test_missing_token_is_an_error_the_user_is_told_about(client: LanguageClient,
                                                                backend, tmp_path):
    backend.mode = "token"
    await _connect(client, backend, timeoutMs=5000)
    uri = uri_of(tmp_path)
    open_doc(client, uri, THREE)
    acts = await actions(client, uri, 2, 8)
    assert acts and PRAGMA not in acts[0].title  # embedded
    assert backend_state(client) == "error"
    await wait_for(lambda: any("backendToken" in m.message for m in client.messages))


def test_json_depth_check_is_linear_and_exact():
    check_json_depth(b'{"a": [[["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"\\\\"]]]}')
    check_json_depth(b"[" * 32 + b"]" * 32)
    for bad in (b"[" * 33 + b"]" * 33, b"[" * 1_000_000, b'["\\\\"' + b"{" * 40):
        with pytest.raises(ValueError):
            check_json_depth(bad)
    with pytest.raises(Exception) as e:
        parse_json(b"[" * 500_000 + b"]" * 500_000)
    assert "deeper" in str(e.value)


def test_breaker_opens_backs_off_and_closes():
    b = Breaker()
    t = time.monotonic()
    assert b.allows(t)
    b.failure()
    assert not b.allows(t + 1) and b.allows(t + 16)  # 15 s cool-down
    b.begin()  # the trial request
    assert not b.allows(t + 16)  # one trial at a time
    b.failure()  # the trial failed: twice as long
    t = time.monotonic()
    assert not b.allows(t + 29) and b.allows(t + 31)
    b.begin()
    assert b.success(0.1, 2.0) is False and b.allows()  # closed again
    # answers slower than 75% of the timeout, three in a row, open it too
    assert [b.success(1.9, 2.0) for _ in range(3)] == [False, False, True]
    assert not b.allows()
