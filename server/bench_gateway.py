"""``accellium bench http --engine openai``: the gateway's throughput with 1, 2, ... upstreams.

With ``--vllm-upstreams N`` the benchmark starts N vLLM OpenAI servers on 127.0.0.1 from vLLM's
environment (``--base`` and the ``--adapter`` folders as ``--lora-modules``; see
:mod:`server.vllm_processes`), all at once; with ``--upstream URL`` it uses running ones. For
each upstream count K (``--upstream-counts``, default 1..all) it starts ``accellium serve
--engine openai`` with the first K upstreams and runs the concurrency levels of
``bench http`` (requests alternate the adapters). Besides requests/s and latency it reads the
CPU time the gateway process and the vLLM processes used during each level (``/proc``):
**gateway CPU ms per request** is the load-independent figure (requests/s per gateway core =
1000 / it), while requests/s here is bounded by the upstreams (a tiny model on shared CPU
cores, not a GPU).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["add_arguments", "run_gateway_bench", "process_cpu_s", "group_cpu_s"]

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("--engine openai")
    g.add_argument("--vllm-upstreams", type=int, default=0, metavar="N",
                   help="start N vLLM servers on 127.0.0.1 (from .venv-vllm or "
                        "$ACCELLIUM_VLLM_VENV) with --base and the --adapter folders")
    g.add_argument("--upstream-counts", default=None, metavar="K,K",
                   help="measure the gateway with the first K upstreams (default: 1 to all)")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads)."""
    f = _stat(pid)
    return (int(f[11]) + int(f[12])) / _TICK if f else 0.0


def group_cpu_s(pgid: int) -> float:
    """CPU seconds of the live processes of a process group (a vLLM server and its engine
    and worker processes)."""
    total = 0.0
    for d in os.listdir("/proc"):
        if d.isdigit():
            f = _stat(int(d))
            if f and int(f[2]) == pgid:
                total += (int(f[11]) + int(f[12])) / _TICK
    return total


def _measure(port: int, gw_pid: int, groups: list[int], levels: list[int], n: int,
             duration_s: float, bodies: list[bytes]) -> list[dict]:
    from accellium.server.bench_http import run_level

    out = []
    for c in levels:
        load0 = os.getloadavg()[0]
        g0, u0 = process_cpu_s(gw_pid), sum(group_cpu_s(p) for p in groups)
        res = asyncio.run(run_level(port, c, n, duration_s, bodies))
        g1, u1 = process_cpu_s(gw_pid), sum(group_cpu_s(p) for p in groups)
        k = max(1, res["requests"])
        res.update(gateway_cpu_ms_per_req=round((g1 - g0) * 1000 / k, 3),
                   upstream_cpu_ms_per_req=round((u1 - u0) * 1000 / k, 2) if groups else None,
                   loadavg=[round(load0, 1), round(os.getloadavg()[0], 1)])
        out.append(res)
    return out


def _idle_cpu(groups: list[int], seconds: float = 5.0) -> list[float]:
    """CPU seconds per second each idle vLLM server uses (its processes poll for work)."""
    c0 = [group_cpu_s(g) for g in groups]
    time.sleep(seconds)
    return [round((group_cpu_s(g) - c) / seconds, 3) for g, c in zip(groups, c0, strict=True)]


def _serve_args(args: argparse.Namespace, urls: list[str]) -> list[str]:
    a = ["--engine", "openai", "--timeout-s", str(args.timeout_s), "--no-access-log"]
    for u in urls:
        a += ["--upstream", u]
    if args.train:
        a += ["--train", args.train]
    if getattr(args, "workers", None):
        a += ["--workers", str(args.workers)]
    a += ["--upstream-constraint", args.upstream_constraint,
          "--upstream-connections", str(args.upstream_connections)]
    return a


def run_gateway_bench(args: argparse.Namespace) -> int:
    from accellium.server.bench_http import (
        free_port,
        request_bodies,
        run_level,
        start_server,
        stop_server,
    )
    from accellium.server.vllm_processes import start_fleet, stop_vllm

    adapters = dict(a.split("=", 1) for a in args.adapter)
    servers = []
    t0 = time.perf_counter()
    if args.vllm_upstreams:
        if not args.base:
            print("accellium bench: --vllm-upstreams needs --base", file=sys.stderr)
            return 2
        logs = Path(tempfile.mkdtemp(prefix="accellium-bench-vllm-"))
        servers = start_fleet(args.vllm_upstreams, args.base, adapters, logs, served_name="base")
    fleet_s = time.perf_counter() - t0
    idle = _idle_cpu([s.proc.pid for s in servers]) if servers else None
    urls = [s.url for s in servers] + list(args.upstream)
    if not urls:
        print("accellium bench: --engine openai needs --upstream URL or --vllm-upstreams N",
              file=sys.stderr)
        return 2
    counts = ([int(k) for k in args.upstream_counts.split(",")] if args.upstream_counts
              else list(range(1, len(urls) + 1)))
    levels = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    bodies = request_bodies(list(adapters))
    env = {"ACCELLIUM_TOKEN": ""}
    if args.upstream_key:
        env["ACCELLIUM_UPSTREAM_KEY"] = args.upstream_key
    runs = []
    gw_logs = Path(tempfile.mkdtemp(prefix="accellium-bench-gateway-"))
    try:
        for k in counts:
            port = free_port()
            proc = start_server(_serve_args(args, urls[:k]), port, env=env,
                                log_path=str(gw_logs / f"gateway-{k}.log"))
            try:
                asyncio.run(run_level(port, 4, min(40, args.requests), 60.0, bodies))  # warm-up
                groups = [s.proc.pid for s in servers[:k]]
                runs.append({"upstreams": k, "levels": _measure(
                    port, proc.pid, groups, levels, args.requests, args.duration_s, bodies)})
            finally:
                stop_server(proc)
    finally:
        for s in servers:
            stop_vllm(s)
    out = {"engine": "openai", "base": args.base, "adapters": list(adapters),
           "vllm_servers": len(servers), "vllm_started_s": round(fleet_s, 1) if servers else None,
           "vllm_idle_cpu_per_s": idle, "cpus": os.cpu_count(), "gateway_logs": str(gw_logs),
           "runs": runs}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        _print(out)
    return 0


def _print(out: dict) -> None:
    started = (f"; {out['vllm_servers']} vLLM servers started in {out['vllm_started_s']} s"
               if out["vllm_servers"] else "")
    print(f"engine openai (gateway) adapters {','.join(out['adapters']) or '-'}; "
          f"{out['cpus']} CPUs{started}")
    if out["vllm_idle_cpu_per_s"]:
        print("idle vLLM servers use " + ", ".join(f"{c:.2f}" for c in out["vllm_idle_cpu_per_s"])
              + " CPU-s per second")
    print(f"{'ups':>3} {'conc':>5} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'gw CPU ms/req':>13} {'vLLM CPU ms/req':>15} {'load':>9}  errors")
    for run in out["runs"]:
        for r in run["levels"]:
            up = r["upstream_cpu_ms_per_req"]
            print(f"{run['upstreams']:>3} {r['concurrency']:>5} {r['requests']:>8} "
                  f"{r['rps']:>7.1f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
                  f"{r['gateway_cpu_ms_per_req']:>13.2f} "
                  f"{'-' if up is None else f'{up:.1f}':>15} "
                  f"{r['loadavg'][0]:>4}-{r['loadavg'][1]:<4}  {r['errors'] or '-'}")
    if any(r["errors"] for run in out["runs"] for r in run["levels"]):
        print(f"errors: see the gateway logs in {out['gateway_logs']}")
