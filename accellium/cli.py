"""``accellium`` — the one command line. Each subcommand is a thin layer over a Python function
and is registered by the package that owns it (``add_parser(subparsers)``)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# (module, registers) — each module defines add_parser(sub) and/or add_bench_parser(bench_sub).
_COMMAND_MODULES = [
    "accellium.server.cli_suggest",  # suggest
    "accellium.server.cli",  # serve (+ bench http)
    "accellium.lsp.cli",  # lsp (+ bench lsp)
    "accellium.dataset.mine.cli",  # mine (+ bench mine)
    "accellium.training.cli",  # train, deploy
    "accellium.evaluation.cli",  # eval (+ bench suggest)
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accellium",
        description="OpenACC pragma suggestions for C/C++ for-loops.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = sub.add_parser("bench", help="speed benchmarks (print figures, never pass/fail)")
    bench_sub = bench.add_subparsers(dest="bench", metavar="BENCH")
    for name in _COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and name.startswith(e.name):
                continue  # that part of the product is not installed in this checkout
            raise
        if hasattr(mod, "add_parser"):
            mod.add_parser(sub)
        if hasattr(mod, "add_bench_parser"):
            mod.add_bench_parser(bench_sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        rc = func(args)
    except KeyboardInterrupt:
        print("accellium: interrupted", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
