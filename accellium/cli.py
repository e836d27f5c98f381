"""``accellium`` — the one command line. Each subcommand is a thin layer over a Python function
and is registered by the package that owns it (``add_parser(subparsers)``)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback

# (module, registers) — each module defines add_parser(sub) and/or add_bench_parser(bench_sub).
_COMMAND_MODULES = [
    "accellium.server.cli_suggest",  # suggest (+ bench loops)
    "accellium.server.cli_offload",  # (bench offload)
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
    # ``-v`` also after the subcommand (``accellium suggest f.c -v``), as the errors advise.
    for p in [*sub.choices.values(), *bench_sub.choices.values()]:
        try:
            p.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                           help="more logging; tracebacks of internal errors")
        except argparse.ArgumentError:
            pass  # the subcommand has its own -v
    return parser


def _one_line(e: BaseException) -> str:
    """An error as one line, never echoing input (pydantic shows the offending value)."""
    from pydantic import ValidationError

    if isinstance(e, ValidationError):
        errs = e.errors(include_url=False, include_input=False, include_context=False)
        where = ".".join(str(x) for x in errs[0]["loc"]) if errs else ""
        msg = errs[0]["msg"] if errs else "invalid"
        return f"invalid {e.title}: {where + ': ' if where else ''}{msg}"
    if isinstance(e, OSError) and e.strerror:
        return f"{e.filename}: {e.strerror}" if e.filename else e.strerror
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _quiet_stdout() -> None:
    """After a closed pipe: send what is left to /dev/null so the exit flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run(func, args: argparse.Namespace) -> int:
    """Run a subcommand; every error ends as one line on stderr.

    Bad input and environment problems (``ValueError`` and ``OSError``: a bad file, a bad
    option value, a missing or read-only path) exit 2; anything else is an internal error:
    exit 1, its class named, the traceback only with ``-v``.  A reader that closes the pipe
    early (``| head``) ends the command quietly."""
    name = f"accellium {args.command}" if getattr(args, "command", None) else "accellium"
    try:
        rc = func(args)
        sys.stdout.flush()
        return int(rc or 0)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 141  # 128 + SIGPIPE, as a shell reports a process ended by a closed pipe
    except (ValueError, OSError) as e:
        if args.verbose:
            traceback.print_exc()
        print(f"{name}: {_one_line(e)}", file=sys.stderr)
        return 2
    except Exception as e:
        if args.verbose:
            traceback.print_exc()
            print(f"{name}: internal error ({type(e).__name__})", file=sys.stderr)
        else:
            print(f"{name}: internal error ({type(e).__name__}); run with -v for the traceback",
                  file=sys.stderr)
        return 1


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
    return run(func, args)


if __name__ == "__main__":
    sys.exit(main())
