"""``accellium serve`` and ``accellium bench http`` (registered by ``accellium.cli``)."""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["add_parser", "add_bench_parser", "settings_from_args", "serve"]


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", default="auto",
                   help="auto (default), analysis, retrieval, hf, vllm, or openai (a gateway "
                        "to vLLM servers: --upstream)")
    p.add_argument("--train", default=None, metavar="FILE",
                   help="training pairs (JSONL) for the embedded engines "
                        "(default: ../shared/data/train.jsonl next to the repo, if present)")
    p.add_argument("--base", default=None, metavar="PATH_OR_ID",
                   help="base model for --engine hf/vllm")
    p.add_argument("--adapter", action="append", default=[], metavar="NAME=PATH",
                   help="a LoRA adapter to load at start (repeatable)")
    p.add_argument("--device", default=None, help="hf engine: cpu, cuda, cuda:1 (default: auto)")
    p.add_argument("--threads", type=int, default=None,
                   help="hf engine on CPU: torch threads (default 1 for models under 100M "
                        "parameters, else torch's default)")
    p.add_argument("--timeout-s", type=float, default=30.0,
                   help="per-request engine timeout; past it the answer is 504 (default 30)")
    _add_gateway_args(p)


def _add_gateway_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("gateway (--engine openai)")
    g.add_argument("--upstream", action="append", default=[], metavar="URL",
                   help="an OpenAI-compatible base URL, e.g. http://127.0.0.1:8001/v1 "
                        "(repeatable: balanced by requests outstanding, with health checks)")
    g.add_argument("--upstream-key", default=None, metavar="KEY",
                   help="bearer key the upstreams require (default: env ACCELLIUM_UPSTREAM_KEY; "
                        "prefer the variable: a flag shows in the process list)")
    g.add_argument("--upstream-timeout-s", type=float, default=None, metavar="S",
                   help="read timeout of one upstream request (default: --timeout-s)")
    g.add_argument("--health-interval-s", type=float, default=5.0, metavar="S",
                   help="GET /v1/models on every upstream this often (default 5)")
    g.add_argument("--upstream-constraint", default="structured_outputs",
                   choices=["structured_outputs", "guided_regex", "none"],
                   help="how the one-line #pragma acc regex is asked of the upstream: vLLM >= "
                        "0.11 structured_outputs (default), older vLLM guided_regex, or none")
    g.add_argument("--upstream-connections", type=int, default=256, metavar="N",
                   help="connections to all upstreams together (default 256)")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the HTTP suggestion server (DESIGN §4)",
                              description="Run the accellium HTTP API (OpenAPI at /docs).")
    p.add_argument("--host", default="127.0.0.1",
                   help="bind address (default 127.0.0.1; set --token for anything else)")
    p.add_argument("--port", type=int, default=8000)
    _add_engine_args(p)
    p.add_argument("--token", default=None,
                   help="require 'Authorization: Bearer TOKEN' on /v1/* "
                        "(default: env ACCELLIUM_TOKEN, else none)")
    p.add_argument("--log-file", default=None, help="access log (JSON lines); default stderr")
    p.add_argument("--no-access-log", action="store_true", help="no access log at all")
    _add_security_args(p)
    p.set_defaults(func=serve)


def _add_security_args(p: argparse.ArgumentParser) -> None:
    from accellium.server.web.settings import MAX_BODY_BYTES, Settings

    d = Settings()
    g = p.add_argument_group("security and limits")
    g.add_argument("--adapter-root", action="append", default=[], metavar="DIR",
                   help="POST /v1/adapters loads only folders under DIR (repeatable; "
                        "default: none, run-time loading is off)")
    g.add_argument("--allow-origin", action="append", default=[], metavar="URL",
                   help="let web pages from this origin call the API (CORS; repeatable; "
                        "default: none, cross-site requests get 403)")
    g.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer to this Host name (repeatable; always: 127.0.0.1, "
                        "localhost, ::1, --host, IP addresses); others get 421")
    g.add_argument("--max-body-bytes", type=int, default=MAX_BODY_BYTES,
                   help=f"larger request bodies get 413 (default {MAX_BODY_BYTES})")
    g.add_argument("--limit-concurrency", type=int, default=d.limit_concurrency,
                   help="open connections + requests before 503 "
                        f"(default {d.limit_concurrency})")
    g.add_argument("--timeout-keep-alive", type=int, default=d.timeout_keep_alive_s,
                   metavar="S", help="close idle keep-alive connections after S seconds "
                                     f"(default {d.timeout_keep_alive_s})")
    g.add_argument("--request-read-timeout", type=float, default=d.request_read_timeout_s,
                   metavar="S", help="close a connection whose request has not fully arrived "
                                     f"S seconds after it opened (default "
                                     f"{d.request_read_timeout_s:g})")
    g.add_argument("--workers", type=int, default=d.workers,
                   help=f"threads for CPU work (default {d.workers} here)")
    g.add_argument("--switch-interval-ms", type=float, default=1000 * (d.switch_interval_s or 0),
                   metavar="MS", help="the GIL switch interval while serving (default "
                                      f"{1000 * (d.switch_interval_s or 0):g}; 0 = Python's)")


def settings_from_args(args: argparse.Namespace):
    from accellium.server.app import Settings

    opts = {}
    if getattr(args, "device", None):
        opts["device"] = args.device
    if getattr(args, "threads", None):
        opts["threads"] = args.threads
    if getattr(args, "upstream_timeout_s", None):
        opts["timeout_s"] = args.upstream_timeout_s
    for flag, opt in (("health_interval_s", "health_interval_s"),
                      ("upstream_constraint", "constraint"),
                      ("upstream_connections", "max_connections")):
        if getattr(args, flag, None) is not None:
            opts[opt] = getattr(args, flag)
    token = getattr(args, "token", None) or os.environ.get("ACCELLIUM_TOKEN") or None
    settings = Settings(
        host=getattr(args, "host", "127.0.0.1"), port=getattr(args, "port", 8000),
        engine=args.engine, train=args.train, base=args.base, adapters=list(args.adapter),
        token=token, log_file=getattr(args, "log_file", None),
        access_log=not getattr(args, "no_access_log", False), timeout_s=args.timeout_s,
        engine_options=opts, upstreams=list(getattr(args, "upstream", None) or []),
        upstream_key=(getattr(args, "upstream_key", None)
                      or os.environ.get("ACCELLIUM_UPSTREAM_KEY") or None),
    )
    for flag, attr in (("adapter_root", "adapter_roots"), ("allow_origin", "allow_origins"),
                       ("allow_host", "allow_hosts")):
        setattr(settings, attr, list(getattr(args, flag, None) or []))
    for flag, attr in (("max_body_bytes", "max_body_bytes"),
                       ("limit_concurrency", "limit_concurrency"),
                       ("timeout_keep_alive", "timeout_keep_alive_s"),
                       ("request_read_timeout", "request_read_timeout_s"),
                       ("workers", "workers")):
        value = getattr(args, flag, None)
        if value is not None:
            setattr(settings, attr, value)
    ms = getattr(args, "switch_interval_ms", None)
    if ms is not None:
        settings.switch_interval_s = ms / 1000 if ms > 0 else None
    return settings


def serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from accellium.server.app import create_app
    from accellium.server.engines import EMBEDDED_ENGINES

    settings = settings_from_args(args)
    log = logging.getLogger("accellium.server")
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.token:
        log.warning("binding %s without a token: anyone who can reach it can use the API",
                    settings.host)
    problem = _gateway_problem(settings)
    if problem:
        print(f"accellium serve: {problem}", file=sys.stderr)
        return 2
    try:
        app = create_app(settings)
    except ValueError as e:  # e.g. an --adapter-root that is not a folder
        print(f"accellium serve: {e}", file=sys.stderr)
        return 2
    if settings.engine in EMBEDDED_ENGINES:
        # The lifespan loads the engine before the port opens: on a machine's first start the
        # embedded engines build their state from the training pairs (minutes), then it is cached.
        print(f"accellium serve: loading the '{settings.engine}' engine (the first start on a "
              "machine builds its state from the training pairs, a few minutes; later starts "
              "load it from the cache)", file=sys.stderr, flush=True)
    # uvicorn's info lines say when the server answers and where ("Uvicorn running on ...");
    # requests are logged by the access log (settings), not by uvicorn's.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                **settings.uvicorn_options())
    return 0


def _gateway_problem(settings) -> str | None:
    """A one-line reason when the gateway options do not fit together, else None."""
    from accellium.server.engines.upstreams import normalize_url

    if settings.engine != "openai":
        return "--upstream needs --engine openai" if settings.upstreams else None
    if not settings.upstreams:
        return "--engine openai needs --upstream URL (e.g. http://127.0.0.1:8001/v1)"
    try:
        for url in settings.upstreams:
            normalize_url(url)
    except ValueError as e:
        return str(e)
    return None


def add_bench_parser(bench_subparsers) -> None:
    p = bench_subparsers.add_parser(
        "http", help="HTTP server throughput/latency on a real uvicorn (loopback only)",
        description="Start `accellium serve` on a free 127.0.0.1 port and measure /v1/suggest.")
    _add_engine_args(p)
    p.add_argument("--concurrency", default="1,16,64",
                   help="comma-separated client concurrencies (default 1,16,64)")
    p.add_argument("--requests", type=int, default=1000,
                   help="requests per concurrency level (default 1000; bounded)")
    p.add_argument("--duration-s", type=float, default=20.0,
                   help="stop a level after this many seconds (default 20)")
    p.add_argument("--healthz-probe", action="store_true",
                   help="GET /healthz every 20 ms from another process during each level and "
                        "print its p50/p99/max")
    p.add_argument("--heavy", action="store_true",
                   help="add a level: one client sending ~60 KB loops (the largest accepted)")
    p.add_argument("--deep-nest", action="store_true",
                   help="time the 1,000-deep loop nest of issue #12 (answered or refused)")
    p.add_argument("--workers", type=int, default=None, help="the server's --workers")
    p.add_argument("--adapter-root", action="append", default=[], metavar="DIR",
                   help="the server's --adapter-root (repeatable)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    from accellium.server.bench_gateway import add_arguments

    add_arguments(p)
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from accellium.server.bench_http import main_from_args

    return main_from_args(args)
