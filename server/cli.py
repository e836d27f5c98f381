"""``accellium serve`` and ``accellium bench http`` (registered by ``accellium.cli``)."""

from __future__ import annotations

import argparse
import os

__all__ = ["add_parser", "add_bench_parser", "settings_from_args", "serve"]


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", default="auto",
                   help="auto (default), analysis, retrieval, hf or vllm")
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
    p.set_defaults(func=serve)


def settings_from_args(args: argparse.Namespace):
    from accellium.server.app import Settings

    opts = {}
    if getattr(args, "device", None):
        opts["device"] = args.device
    if getattr(args, "threads", None):
        opts["threads"] = args.threads
    token = getattr(args, "token", None) or os.environ.get("ACCELLIUM_TOKEN") or None
    return Settings(
        host=getattr(args, "host", "127.0.0.1"), port=getattr(args, "port", 8000),
        engine=args.engine, train=args.train, base=args.base, adapters=list(args.adapter),
        token=token, log_file=getattr(args, "log_file", None),
        access_log=not getattr(args, "no_access_log", False), timeout_s=args.timeout_s,
        engine_options=opts,
    )


def serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn
    from accellium.server.app import create_app

    settings = settings_from_args(args)
    log = logging.getLogger("accellium.server")
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.token:
        log.warning("binding %s without a token: anyone who can reach it can use the API",
                    settings.host)
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False,
                log_level="warning", timeout_graceful_shutdown=5)
    return 0


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
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from accellium.server.bench_http import main_from_args

    return main_from_args(args)
