"""Issue #12 over HTTP, against a real uvicorn on 127.0.0.1 (embedded engine): cross-site and
DNS-rebinding requests (D18), non-ASCII tokens (D17), body and connection limits (D16), input
that made the pipeline raise (D2, D3), deep nests (D1 at the API edge), /healthz while work is
in flight (D4), and the minor items (strict ``alternatives``, lone surrogates everywhere)."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from _raw_http import chunked, closed_by_server, connect, request
from _server_util import running_server

from accellium.server.app import Settings

SUM = "for (int i = 0; i < n; i++) s += a[i];"
BODY = json.dumps({"code": SUM}).encode()


@pytest.fixture(scope="module")
def srv():
    settings = Settings(engine="auto", access_log=False, request_read_timeout_s=1.0,
                        timeout_keep_alive_s=1)
    with running_server(settings) as url:
        port = int(url.rsplit(":", 1)[1])
        with httpx.Client(base_url=url, timeout=30) as c:
            c.port = port  # type: ignore[attr-defined]
            yield c


def _detail(r) -> str:
    return json.dumps(r.json()["detail"])


# -- D18: cross-site requests and DNS rebinding ---------------------------------------------------

def test_cross_site_text_plain_post_is_refused(srv):
    # a web page may send this "simple" request without a CORS preflight
    r = srv.post("/v1/suggest", content=BODY, headers={"Content-Type": "text/plain",
                                                       "Origin": "http://evil.example"})
    assert r.status_code == 403, r.text
    assert "Origin" in r.json()["detail"] and "--allow-origin" in r.json()["detail"]
    r = srv.post("/v1/adapters", content=json.dumps({"name": "a", "path": "/"}),
                 headers={"Content-Type": "text/plain", "Origin": "null"})
    assert r.status_code == 403
    r = srv.get("/v1/adapters", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


def test_cross_site_without_origin_header_is_refused(srv):
    r = srv.post("/v1/suggest", content=BODY, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and "cross-site" in r.json()["detail"]


def test_same_origin_and_plain_clients_are_served(srv):
    # the server's own /docs page sends its own origin; curl and the LSP send none
    r = srv.post("/v1/suggest", json={"code": SUM},
                 headers={"Origin": f"http://127.0.0.1:{srv.port}"})
    assert r.status_code == 200, r.text
    assert srv.post("/v1/suggest", json={"code": SUM}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{8000}", "rebind.attacker.test."])
def test_foreign_host_header_is_refused(srv, host):
    r = request(srv.port, "POST", "/v1/suggest", body=BODY, host=host)
    assert r.status_code == 421, r
    assert "is not a name of this server" in r.json()["detail"]
    assert request(srv.port, "GET", "/healthz", host=host).status_code == 421


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST",
                                  "[::1]:{port}", "10.1.2.3:{port}"])
def test_bound_names_and_ip_literals_are_served(srv, host):
    r = request(srv.port, "POST", "/v1/suggest", body=BODY, host=host.format(port=srv.port))
    assert r.status_code == 200, r


def test_allowed_origin_and_host():
    settings = Settings(engine="analysis", access_log=False,
                        allow_origins=["https://ide.example"], allow_hosts=["box.lan"])
    with running_server(settings) as url:
        port = int(url.rsplit(":", 1)[1])
        r = request(port, "POST", "/v1/suggest", body=BODY,
                    headers={"Origin": "https://ide.example", "Content-Type": "text/plain"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == \
            "https://ide.example"
        pre = request(port, "OPTIONS", "/v1/suggest", headers={
            "Origin": "https://ide.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization"})
        assert pre.status_code == 200
        assert request(port, "OPTIONS", "/v1/suggest", headers={
            "Origin": "https://other.example",
            "Access-Control-Request-Method": "POST"}).status_code == 403
        assert request(port, "GET", "/healthz", host=f"box.lan:{port}").status_code == 200
        assert request(port, "GET", "/healthz", host="other.lan").status_code == 421


# -- D17: the token is compared as UTF-8 bytes ----------------------------------------------------

def test_non_ascii_token_from_a_utf8_client():
    token = "s3cret-tök"
    with running_server(Settings(engine="analysis", token=token, access_log=False)) as url:
        port = int(url.rsplit(":", 1)[1])
        ok = request(port, "POST", "/v1/suggest", body=BODY,
                     headers={"Authorization": b"Bearer " + token.encode("utf-8")})
        assert ok.status_code == 200, ok
        for wrong in (b"Bearer s3cret-t\xf6k",  # the Latin-1 bytes of the same text
                      b"Bearer s3cret-tok", b"Basic " + token.encode(), b"Bearer"):
            r = request(port, "POST", "/v1/suggest", body=BODY, headers={"Authorization": wrong})
            assert r.status_code == 401, wrong
        r = request(port, "POST", "/v1/suggest", body=BODY,
                    headers={"Authorization": b"bearer " + token.encode("utf-8")})
        assert r.status_code == 200  # the scheme is case-insensitive (RFC 7235)


# -- D16: body size and connection limits ---------------------------------------------------------

def test_body_over_the_limit_is_413_before_parsing(srv):
    big = b'{"code": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    r = request(srv.port, "POST", "/v1/suggest", body=big)
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_declared_huge_body_is_refused_unread(srv):
    # 300 MB announced, 1 KB sent: the answer comes without waiting for (or buffering) the rest
    with connect(srv.port) as s:
        s.sendall(f"POST /v1/suggest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  f"application/json\r\nContent-Length: {300 * 1024 * 1024}\r\n\r\n".encode()
                  + b"{" * 1024)
        from _raw_http import read_response

        r = read_response(s)
    assert r.status_code == 413


def test_chunked_body_without_length_is_counted(srv):
    part = b" " * (256 * 1024)
    body = chunked([b'{"code": "', part, part, part, part, part, b'"}'])
    r = request(srv.port, "POST", "/v1/suggest", body=body,
                headers={"Transfer-Encoding": "chunked"})
    assert r.status_code == 413
    small = chunked([b'{"code": ', json.dumps(SUM).encode(), b"}"])
    r = request(srv.port, "POST", "/v1/suggest", body=small,
                headers={"Transfer-Encoding": "chunked"})
    assert r.status_code == 200, r


def test_idle_and_half_sent_connections_are_closed(srv):
    idle = [connect(srv.port) for _ in range(20)]
    half = connect(srv.port)
    half.sendall(b"POST /v1/suggest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
    body = connect(srv.port)
    body.sendall(b"POST /v1/suggest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
    try:
        # request_read_timeout_s=1 in this server; a generous bound for a busy machine
        assert all(closed_by_server(s, 20) for s in [*idle, half, body])
        assert srv.get("/healthz").status_code == 200
    finally:
        for s in [*idle, half, body]:
            s.close()


def test_serve_flags_reach_uvicorn():
    import argparse

    from accellium.server.cli import add_parser, settings_from_args

    p = argparse.ArgumentParser()
    add_parser(p.add_subparsers())
    args = p.parse_args(["serve", "--limit-concurrency", "32", "--timeout-keep-alive", "3",
                         "--max-body-bytes", "4096", "--allow-origin", "https://a.example",
                         "--allow-host", "box.lan", "--adapter-root", "/srv/adapters",
                         "--request-read-timeout", "2.5", "--workers", "3"])
    s = settings_from_args(args)
    assert (s.max_body_bytes, s.allow_origins, s.allow_hosts, s.adapter_roots, s.workers) == \
        (4096, ["https://a.example"], ["box.lan"], ["/srv/adapters"], 3)
    opts = s.uvicorn_options()
    assert opts["limit_concurrency"] == 32 and opts["timeout_keep_alive"] == 3
    assert opts["http"].read_timeout_s == 2.5


# -- D1/D2/D3 at the API edge: never a 500, never a traceback -------------------------------------

def test_thousand_deep_loop_nest_is_refused_with_a_reason(srv):
    code = "for(;;){" * 1000 + "x;" + "}" * 1000
    r = srv.post("/v1/suggest", json={"code": code}, timeout=20)
    assert r.status_code == 422 and "levels deep" in _detail(r)


def test_deep_parentheses_in_a_loop_header_are_refused(srv):
    code = "for(" + "(" * 1000 + "i" + ")" * 1000 + "=0;i<n;i++) a[i]=0;"  # D2
    r = srv.post("/v1/suggest", json={"code": code}, timeout=20)
    assert r.status_code == 422 and "levels deep" in _detail(r)
    ex = {"pragma": "#pragma acc loop", "loop": code}
    r = srv.post("/v1/suggest", json={"code": SUM, "context": {"examples": [ex]}}, timeout=20)
    assert r.status_code == 422 and "levels deep" in _detail(r)


def test_malformed_code_never_500(srv):
    # D3: the analysis built `present(1++->)b)`; the fallback failed the same way
    for code in ["for(;i++){1++->)b[j]l r}", "for(;;){1++->)b[j]}", "for(;i++){a[)]->1}"]:
        r = srv.post("/v1/suggest", json={"code": code})
        assert r.status_code in (200, 422), (code, r.status_code, r.text)
        assert "Traceback" not in r.text
        if r.status_code == 422:
            assert isinstance(r.json()["detail"], str) and r.json()["detail"]
        else:
            assert r.json()["pragma"] is None or r.json()["pragma"].startswith("#pragma acc")


# -- D4: /healthz answers while work is in flight -------------------------------------------------

def _loop(k: int, nbytes: int = 7800) -> str:
    body, j = [], 0
    while sum(map(len, body)) < nbytes - 200:
        body.append(f"  v{k}_{j}[i] = w{j % 7}[i] * {k + j} + u[i + {j % 5}];\n")
        j += 1
    return "for (int i = 0; i < n; i++) {\n" + "".join(body) + "}"


def test_healthz_answers_while_a_batch_is_worked_on(srv):
    items = [{"code": _loop(k)} for k in range(32)]  # distinct loops: no cache hits
    out: dict = {}

    def run_batch():
        out["r"] = srv.post("/v1/suggest/batch", json=items, timeout=120)

    t = threading.Thread(target=run_batch)
    t.start()
    try:
        time.sleep(0.5)
        h = httpx.get(srv.base_url.join("/healthz"), timeout=3)  # a bound, not a speed target
        assert h.status_code == 200
        assert t.is_alive(), "the batch finished too early to show anything"
    finally:
        t.join(120)
    assert out["r"].status_code == 200 and len(out["r"].json()) == 32


# -- minor items ---------------------------------------------------------------------------------

def test_alternatives_is_a_strict_integer(srv):
    for bad in (True, 1.0, "1"):
        r = srv.post("/v1/suggest", json={"code": SUM, "alternatives": bad})
        assert r.status_code == 422, bad
    assert srv.post("/v1/suggest", json={"code": SUM, "alternatives": 1}).status_code == 200


@pytest.mark.parametrize("where", ["code", "enclosing", "example_loop", "example_pragma",
                                   "example_enclosing", "language", "engine", "adapter"])
def test_lone_surrogate_is_refused_everywhere(srv, where):
    bad = "x\ud800y"
    ex = {"pragma": "#pragma acc loop", "loop": SUM}
    body: dict = {"code": SUM}
    if where == "code":
        body["code"] = SUM + "// " + bad
    elif where == "enclosing":
        body["context"] = {"enclosing": ["#pragma acc data " + bad]}
    elif where.startswith("example_"):
        key = where.removeprefix("example_")
        ex[key] = [bad] if key == "enclosing" else ex[key] + bad  # type: ignore[assignment]
        body["context"] = {"examples": [ex]}
    else:
        body[where] = bad
    raw = json.dumps(body).encode()  # json.dumps writes the surrogate as \ud800
    r = srv.post("/v1/suggest", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert "lone surrogate" in _detail(r)


def test_first_retrieval_request_does_not_block_a_fresh_server(tmp_path, engine_state_ready):
    # D4: the first request naming "retrieval" built that engine on the event loop (18-80 s,
    # /healthz blocked all along). A fresh server process (its `auto` state from the on-disk
    # cache, as usual), so nothing else is built or cached in it yet.
    from accellium.server.bench_http import free_port, start_server, stop_server

    port = free_port()
    proc = start_server(["--engine", "auto", "--no-access-log"], port,
                        env={"ACCELLIUM_TOKEN": ""}, log_path=str(tmp_path / "server.log"))
    try:
        url = f"http://127.0.0.1:{port}"
        out: dict = {}

        def ask():
            out["r"] = httpx.post(url + "/v1/suggest", json={"code": SUM, "engine": "retrieval"},
                                  timeout=120)

        t = threading.Thread(target=ask)
        t.start()
        time.sleep(0.2)
        h = httpx.get(url + "/healthz", timeout=5)  # a bound, not a speed target
        t.join(120)
        assert h.status_code == 200
        r = out["r"]
        assert r.status_code == 200 and r.json()["engine"] == "retrieval", r.text
    finally:
        stop_server(proc)
