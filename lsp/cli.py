"""``accellium lsp`` (the language server on stdio) and ``accellium bench lsp``."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "add_bench_parser", "main", "run_server"]


def run_server(log_file: str | None = None, backend_url: str | None = None,
               verbose: int = 0) -> int:
    """Serve LSP on stdin/stdout until the client says exit."""
    from .server import make_server

    server = make_server()
    try:
        server.logs.setup(verbose, log_file)
    except OSError as e:
        print(f"accellium lsp: cannot log to {log_file!r}: {e.strerror or e}", file=sys.stderr)
        return 2
    if backend_url:
        server.cli_backend_url = backend_url
    server.start_io()
    return 0


def _cmd_lsp(args: argparse.Namespace) -> int:
    return run_server(args.log_file, args.backend_url, getattr(args, "verbose", 0))


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "lsp", help="run the language server on stdio (code actions that insert pragmas)",
        description="The accellium language server (LSP over stdio). Settings come from the "
                    "editor (initializationOptions / workspace/didChangeConfiguration); "
                    "--backend-url is the default for the backendUrl setting.")
    p.add_argument("--log-file", metavar="FILE", help="append a log to FILE")
    p.add_argument("--backend-url", metavar="URL",
                   help="accellium serve URL (default: none = embedded engine in-process)")
    p.add_argument("--stdio", action="store_true", help="accepted for editor compatibility")
    p.set_defaults(func=_cmd_lsp)
    return p


def add_bench_parser(bench_subparsers) -> argparse.ArgumentParser:
    p = bench_subparsers.add_parser(
        "lsp", help="code-action latency and re-index time on a generated 10,000-line file")
    p.add_argument("--lines", type=int, default=10_000, help="size of the generated file")
    p.add_argument("--requests", type=int, default=300, help="code-action requests")
    p.add_argument("--edits", type=int, default=300, help="edits for the re-index timing")
    p.add_argument("--edit-actions", type=int, default=60,
                   help="edits each followed by a code action (latency, server memory)")
    p.add_argument("--engine", default="auto", help="embedded engine (default auto)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")

    def run(args: argparse.Namespace) -> int:
        from .bench import main as bench_main

        return bench_main(args)

    p.set_defaults(func=run)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m accellium.lsp")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    parser.add_argument("--log-file", metavar="FILE")
    parser.add_argument("--backend-url", metavar="URL")
    parser.add_argument("--stdio", action="store_true")
    args = parser.parse_args(argv)
    return run_server(args.log_file, args.backend_url, args.verbose)
