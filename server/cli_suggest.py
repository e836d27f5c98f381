"""``accellium suggest FILE`` — a pragma for each for-loop of a C/C++ file."""

from __future__ import annotations

import argparse
import json
import sys

from accellium.server.annotate import (
    InputError,
    annotate_source,
    apply_edits,
    read_source,
    write_atomic,
)

ENGINE_HELP = "engine name (auto, analysis, retrieval, const, context; hf/vllm need a model)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suggest", help="suggest a pragma for each for-loop of a C/C++ file",
                       description="Print each for-loop (path:line) with a suggested OpenACC "
                                   "pragma and short notes; --apply writes them into the file.")
    p.add_argument("file", help="C or C++ source file")
    p.add_argument("--line", type=int, help="only the loops containing this 1-based line")
    p.add_argument("--engine", default="auto", help=ENGINE_HELP)
    p.add_argument("--lang", choices=["c", "cpp"], help="override language detection")
    p.add_argument("--train", help="JSONL training pairs for retrieval/auto "
                                   "(default: $ACCELLIUM_TRAIN or ../shared/data/train.jsonl)")
    p.add_argument("--json", action="store_true", help="print a JSON list (DESIGN §4b)")
    p.add_argument("--apply", action="store_true", help="insert the pragmas into the file")
    p.add_argument("--replace", action="store_true",
                   help="with --apply, also replace existing pragmas that differ")
    p.set_defaults(func=run_suggest)


def run_suggest(args: argparse.Namespace) -> int:
    from accellium.server.defaults import engine_options
    from accellium.server.engines import EngineUnavailable, get_engine

    if args.replace and not args.apply:
        print("accellium suggest: --replace needs --apply", file=sys.stderr)
        return 2
    if args.line is not None and args.line < 1:
        print(f"accellium suggest: --line must be >= 1, got {args.line}", file=sys.stderr)
        return 2
    try:
        source = read_source(args.file)
    except InputError as e:
        print(f"accellium suggest: {e}", file=sys.stderr)
        return 2
    try:
        engine = get_engine(args.engine, **engine_options(args.engine, args.train))
    except KeyError as e:
        print(f"accellium suggest: {e.args[0]}", file=sys.stderr)
        return 2
    except (EngineUnavailable, OSError, ValueError) as e:
        print(f"accellium suggest: engine '{args.engine}' unavailable: {e}", file=sys.stderr)
        return 3
    results = annotate_source(source, engine, path=args.file, lang=args.lang, line=args.line)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=1))
    else:
        if not results:
            where = f" at line {args.line}" if args.line else ""
            print(f"{args.file}: no for-loops found{where}")
        for r in results:
            head = f"{r.path}:{r.line}: "
            print(head + (r.pragma or "(no pragma advised)"))
            if r.existing and r.existing != r.pragma:
                print(" " * len(head) + f"existing: {r.existing}")
            for n in r.notes:
                print(" " * len(head) + f"- {n}")
    if args.apply:
        new, applied = apply_edits(source, results, replace=args.replace)
        if applied:
            write_atomic(args.file, new)
        print(f"{args.file}: {len(applied)} pragma(s) written", file=sys.stderr)
    return 0
