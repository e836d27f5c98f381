"""A raw HTTP/1.1 client over a socket, for what httpx will not send: any Host header, chunked
bodies without Content-Length, half-sent requests, idle connections (127.0.0.1 only)."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass


@dataclass
class RawResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def connect(port: int, timeout: float = 30.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s: socket.socket) -> RawResponse:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a response ({buf[:200]!r})")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return RawResponse(status, headers, rest[:length])


def request(port: int, method: str, path: str, *, headers: dict[str, str | bytes] | None = None,
            body: bytes = b"", host: str | None = None) -> RawResponse:
    """One request on a fresh connection; ``host`` replaces the Host header."""
    hs: dict[str, str | bytes] = {"Host": host or f"127.0.0.1:{port}", "Connection": "close"}
    hs.update(headers or {})
    if body and "Transfer-Encoding" not in hs:
        hs["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n".encode()
    for k, v in hs.items():
        head += k.encode() + b": " + (v if isinstance(v, bytes) else v.encode("latin-1")) + b"\r\n"
    with connect(port) as s:
        s.sendall(head + b"\r\n" + body)
        return read_response(s)


def chunked(parts: list[bytes]) -> bytes:
    """A chunked transfer-encoding body."""
    out = b""
    for p in parts:
        out += f"{len(p):x}\r\n".encode() + p + b"\r\n"
    return out + b"0\r\n\r\n"


def closed_by_server(s: socket.socket, within_s: float) -> bool:
    """True when the server closes ``s`` (EOF or reset) within ``within_s`` seconds."""
    s.settimeout(within_s)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
