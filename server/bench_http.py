"""``accellium bench http``: throughput and latency of ``POST /v1/suggest`` on a real uvicorn.

Starts ``accellium serve`` in a subprocess on a free 127.0.0.1 port (loopback only), waits for
``/healthz``, then for each concurrency level runs that many keep-alive clients (a minimal
asyncio HTTP/1.1 client, so that the client costs the server's CPU as little as possible) for a
bounded number of requests and seconds. Prints requests/s and p50/p90/p99 latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["free_port", "start_server", "stop_server", "run_level", "main_from_args", "LOOPS"]

ROOT = Path(__file__).resolve().parent.parent

LOOPS = [
    "for (int i = 0; i < n; i++) s += a[i];",
    "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];",
    "for (int i = 1; i < n; i++) a[i] = a[i-1] + b[i];",
    "for (int i = 0; i < n; i++)\n  for (int j = 0; j < m; j++)\n    c[i*m+j] = a[i*m+j] + b[i*m+j];",
    "for (int i = 0; i < n; i++) { double t = x[i] * x[i]; if (t > mx) mx = t; }",
    "for (int k = 0; k < nz; k++) out[idx[k]] += w[k];",
    "for (int i = 0; i < n; i++) z[i] = sqrt(x[i]*x[i] + y[i]*y[i]);",
    "for (int i = 0; i < n; i++) { tmp = a[i] * 2; b[i] = tmp + 1; }",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(serve_args: list[str], port: int, *, python: str | None = None,
                 env: dict | None = None, timeout_s: float = 300.0,
                 log_path: str | None = None) -> subprocess.Popen:
    """Start ``accellium serve`` on 127.0.0.1:port and wait until its engine is loaded."""
    cmd = [python or sys.executable, "-m", "accellium", "serve", "--host", "127.0.0.1",
           "--port", str(port), *serve_args]
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready"
                               + (f" (log: {log_path})" if log_path else ""))
        try:
            status, body = asyncio.run(_get(port, "/healthz"))
            if status == 200:
                last = json.loads(body)
                if last.get("engine_loaded"):
                    return proc
                if last.get("status") == "error":
                    stop_server(proc)
                    raise RuntimeError(f"engine failed to load: {last.get('error')}")
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"server not ready after {timeout_s:g} s (last health: {last})")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _get(port: int, path: str) -> tuple[int, bytes]:
    r, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        w.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return await _read_response(r)
    finally:
        w.close()


async def _read_response(r: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await r.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    body = await r.readexactly(length) if length else b""
    return status, body


def _request_bytes(body: bytes, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST /v1/suggest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{auth}Content-Length: {len(body)}\r\n\r\n").encode() + body


async def run_level(port: int, concurrency: int, n_requests: int, duration_s: float,
                    bodies: list[bytes], token: str | None = None) -> dict:
    """``concurrency`` keep-alive clients send ``n_requests`` in all (or stop at duration)."""
    reqs = [_request_bytes(b, token) for b in bodies]
    lat: list[float] = []
    errors: dict[int, int] = {}
    counter = iter(range(n_requests))
    t_end = time.perf_counter() + duration_s

    async def client(k: int) -> None:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in counter:
                if time.perf_counter() > t_end:
                    break
                t0 = time.perf_counter()
                w.write(reqs[(i + k) % len(reqs)])
                status, _ = await _read_response(r)
                lat.append(time.perf_counter() - t0)
                if status != 200:
                    errors[status] = errors.get(status, 0) + 1
        finally:
            w.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(concurrency)))
    wall = time.perf_counter() - t0
    lat.sort()

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else float("nan")

    return {"concurrency": concurrency, "requests": len(lat), "seconds": round(wall, 3),
            "rps": round(len(lat) / wall, 1) if wall else 0.0, "p50_ms": pct(0.50),
            "p90_ms": pct(0.90), "p99_ms": pct(0.99), "errors": errors}


def main_from_args(args: argparse.Namespace) -> int:
    serve_args = ["--engine", args.engine, "--timeout-s", str(args.timeout_s), "--no-access-log"]
    if args.train:
        serve_args += ["--train", args.train]
    if args.base:
        serve_args += ["--base", args.base]
    for a in args.adapter:
        serve_args += ["--adapter", a]
    if args.device:
        serve_args += ["--device", args.device]
    if args.threads:
        serve_args += ["--threads", str(args.threads)]
    levels = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    adapters = [a.partition("=")[0] for a in args.adapter]
    bodies = []
    for i, loop in enumerate(LOOPS):
        req: dict = {"code": loop}
        if adapters:
            req["adapter"] = adapters[i % len(adapters)]
        bodies.append(json.dumps(req).encode())
    port = free_port()
    t0 = time.perf_counter()
    proc = start_server(serve_args, port, env={"ACCELLIUM_TOKEN": ""})
    ready_s = time.perf_counter() - t0
    results = []
    try:
        asyncio.run(run_level(port, 4, min(50, args.requests), 30.0, bodies))  # warm-up
        for c in levels:
            results.append(asyncio.run(run_level(port, c, args.requests, args.duration_s, bodies)))
    finally:
        stop_server(proc)
    out = {"engine": args.engine, "base": args.base, "adapters": adapters,
           "startup_s": round(ready_s, 2), "cpus": os.cpu_count(), "levels": results}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"engine {args.engine}" + (f" base {args.base}" if args.base else "")
              + (f" adapters {','.join(adapters)}" if adapters else "")
              + f"; server ready in {ready_s:.1f} s; {os.cpu_count()} CPUs")
        print(f"{'conc':>5} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
              f"{'p99 ms':>8}  errors")
        for r in results:
            print(f"{r['concurrency']:>5} {r['requests']:>9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} "
                  f"{r['p90_ms']:>8.2f} {r['p99_ms']:>8.2f}  {r['errors'] or '-'}")
    return 0
