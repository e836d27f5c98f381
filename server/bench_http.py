"""``accellium bench http``: throughput and latency of ``POST /v1/suggest`` on a real uvicorn.

Starts ``accellium serve`` in a subprocess on a free 127.0.0.1 port (loopback only), waits for
``/healthz``, then for each concurrency level runs that many keep-alive clients (a minimal
asyncio HTTP/1.1 client, so that the client costs the server's CPU as little as possible) for a
bounded number of requests and seconds. Prints requests/s and p50/p90/p99 latency.

``--healthz-probe`` adds, for every level, a separate process (its own GIL) that GETs
``/healthz`` every 20 ms while the level runs, and prints its p50/p99/max: the "nothing
freezes" figure. ``--heavy`` adds a level where one client sends the largest loops the API
accepts (about 60 KB, distinct each time, so no cache helps) while the probe runs, and
``--deep-nest`` times the 1,000-deep loop nest of issue #12 (answered or refused).

``--engine openai`` (the gateway) is measured with 1, 2, ... upstreams by
:mod:`server.bench_gateway`.
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

__all__ = ["free_port", "start_server", "stop_server", "run_level", "main_from_args", "LOOPS",
           "probe_healthz", "heavy_loop", "DEEP_NEST", "request_bodies"]

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


#: issue #12 D1: 1,000 nested loops (8 KB); the API answers or refuses it
DEEP_NEST = "for(;;){" * 1000 + "x;" + "}" * 1000


def heavy_loop(k: int, nbytes: int = 60_000) -> str:
    """A distinct loop of about ``nbytes`` bytes (one statement per line)."""
    body, size, j = [], 0, 0
    while size < nbytes - 200:
        line = f"  v{k}_{j}[i] = w{j % 7}[i] * {k + j} + u[i + {j % 5}];\n"
        body.append(line)
        size += len(line)
        j += 1
    return "for (int i = 0; i < n; i++) {\n" + "".join(body) + "}"


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
    out = open(log_path, "wb") if log_path else subprocess.DEVNULL
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


def probe_healthz(port: int, duration_s: float, interval_s: float = 0.02) -> dict:
    """GET /healthz every ``interval_s`` for ``duration_s`` (blocking; run it in its own
    process so that its timing is the server's, not this client's)."""
    lat: list[float] = []
    failures = 0
    t_end = time.perf_counter() + duration_s
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        try:
            status, _ = asyncio.run(asyncio.wait_for(_get(port, "/healthz"), 30))
            if status != 200:
                failures += 1
        except (OSError, TimeoutError):
            failures += 1
        lat.append(time.perf_counter() - t0)
        time.sleep(interval_s)
    lat.sort()
    return {"probes": len(lat), "failures": failures, "p50_ms": _pct(lat, 0.5),
            "p99_ms": _pct(lat, 0.99), "max_ms": round(lat[-1] * 1000, 2) if lat else None}


def _pct(lat: list[float], p: float) -> float:
    return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else float("nan")


def _start_probe(port: int, duration_s: float) -> subprocess.Popen:
    code = ("import json, sys; from accellium.server.bench_http import probe_healthz; "
            f"print(json.dumps(probe_healthz({port}, {duration_s})))")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            cwd=str(ROOT), env=dict(os.environ))


def _finish_probe(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate(timeout=120)
    try:
        return json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"probe exited with {proc.returncode}"}


async def _timed_post(port: int, body: bytes) -> tuple[int, float]:
    r, w = await asyncio.open_connection("127.0.0.1", port)
    try:
        t0 = time.perf_counter()
        w.write(_request_bytes(body, None))
        status, _ = await _read_response(r)
        return status, round((time.perf_counter() - t0) * 1000, 2)
    finally:
        w.close()


def deep_nest(port: int, n: int = 5) -> dict:
    """Status and milliseconds of the 1,000-deep nest, ``n`` times."""
    body = json.dumps({"code": DEEP_NEST}).encode()
    runs = [asyncio.run(_timed_post(port, body)) for _ in range(n)]
    return {"statuses": sorted({s for s, _ in runs}), "max_ms": max(ms for _, ms in runs),
            "p50_ms": sorted(ms for _, ms in runs)[len(runs) // 2]}


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
    return {"concurrency": concurrency, "requests": len(lat), "seconds": round(wall, 3),
            "rps": round(len(lat) / wall, 1) if wall else 0.0, "p50_ms": _pct(lat, 0.50),
            "p90_ms": _pct(lat, 0.90), "p99_ms": _pct(lat, 0.99), "errors": errors}


def _level(port: int, concurrency: int, n: int, duration_s: float, bodies: list[bytes],
           probe: bool, server_pid: int | None = None) -> dict:
    from accellium.server.bench_gateway import process_cpu_s

    proc = _start_probe(port, duration_s) if probe else None
    cpu0 = process_cpu_s(server_pid) if server_pid else 0.0
    try:
        res = asyncio.run(run_level(port, concurrency, n, duration_s, bodies))
    finally:
        if proc is not None:
            res_probe = _finish_probe(proc)
    if server_pid:  # the server's CPU time per request: the figure load inflates least
        res["server_cpu_ms_per_req"] = round(
            (process_cpu_s(server_pid) - cpu0) * 1000 / max(1, res["requests"]), 3)
    if proc is not None:
        res["healthz"] = res_probe
    return res


def request_bodies(adapters: list[str]) -> list[bytes]:
    """The benchmark's requests: :data:`LOOPS`, alternating ``adapters`` when there are some."""
    out = []
    for i, loop in enumerate(LOOPS):
        req: dict = {"code": loop}
        if adapters:
            req["adapter"] = adapters[i % len(adapters)]
        out.append(json.dumps(req).encode())
    return out


def _serve_args(args: argparse.Namespace) -> list[str]:
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
    for flag in ("adapter_root", "allow_host"):
        for v in getattr(args, flag, None) or []:
            serve_args += ["--" + flag.replace("_", "-"), v]
    if getattr(args, "workers", None):
        serve_args += ["--workers", str(args.workers)]
    return serve_args


def main_from_args(args: argparse.Namespace) -> int:
    if args.engine == "openai":  # the gateway: 1, 2, ... upstreams
        from accellium.server.bench_gateway import run_gateway_bench

        return run_gateway_bench(args)
    serve_args = _serve_args(args)
    levels = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    adapters = [a.partition("=")[0] for a in args.adapter]
    bodies = request_bodies(adapters)
    port = free_port()
    t0 = time.perf_counter()
    proc = start_server(serve_args, port, env={"ACCELLIUM_TOKEN": ""})
    ready_s = time.perf_counter() - t0
    results = []
    extra: dict = {}
    probe = bool(getattr(args, "healthz_probe", False))
    try:
        asyncio.run(run_level(port, 4, min(50, args.requests), 30.0, bodies))  # warm-up
        for c in levels:
            results.append(_level(port, c, args.requests, args.duration_s, bodies, probe,
                                  proc.pid))
        if getattr(args, "heavy", False):
            heavy = [json.dumps({"code": heavy_loop(k)}).encode() for k in range(200)]
            res = _level(port, 1, len(heavy), args.duration_s, heavy, probe, proc.pid)
            results.append(dict(res, concurrency="1 heavy"))
        if getattr(args, "deep_nest", False):
            extra["deep_nest"] = deep_nest(port)
    finally:
        stop_server(proc)
    out = {"engine": args.engine, "base": args.base, "adapters": adapters,
           "startup_s": round(ready_s, 2), "cpus": os.cpu_count(), "levels": results, **extra}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        _print(out, ready_s)
    return 0


def _print(out: dict, ready_s: float) -> None:
    print(f"engine {out['engine']}" + (f" base {out['base']}" if out["base"] else "")
          + (f" adapters {','.join(out['adapters'])}" if out["adapters"] else "")
          + f"; server ready in {ready_s:.1f} s; {os.cpu_count()} CPUs")
    print(f"{'conc':>7} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} "
          f"{'p99 ms':>8} {'CPU ms/req':>10}  {'healthz p50/p99/max ms':>24}  errors")
    for r in out["levels"]:
        h = r.get("healthz") or {}
        hz = (f"{h.get('p50_ms')}/{h.get('p99_ms')}/{h.get('max_ms')}" if h else "-")
        print(f"{r['concurrency']!s:>7} {r['requests']:>9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} "
              f"{r['p90_ms']:>8.2f} {r['p99_ms']:>8.2f} {r.get('server_cpu_ms_per_req', 0):>10.2f}"
              f"  {hz:>24}  {r['errors'] or '-'}")
    print(f"(load average {os.getloadavg()[0]:.1f}; CPU ms/req: the server process's CPU time "
          "per request)")
    if "deep_nest" in out:
        d = out["deep_nest"]
        print(f"1,000-deep loop nest: status {d['statuses']}, p50 {d['p50_ms']} ms, "
              f"max {d['max_ms']} ms")
