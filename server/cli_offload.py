"""``accellium suggest FILE --offload [FUNCTION]``: the offload plan of a function (or of every
function with loops): one data region, the per-loop pragmas inside with ``present``, updates
for the host code between the loops; ``--apply`` writes it in (in place, checked first, as
``--apply`` does for per-loop pragmas); ``--json`` prints the plans."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from accellium.dataset.includes import Included
from accellium.dataset.offload import FunctionPlan, PlanInputError
from accellium.server.annotate import InputError, check_writable, write_in_place

__all__ = ["run_offload", "program_files", "add_bench_parser", "run_bench_offload"]


def _print_plan(out: Callable[[str], None], path: str, p: FunctionPlan) -> None:
    head = f"{path}:{p.line}: function `{p.function}`"
    if not p.edits:
        none = "" if p.loops or p.calls else ": no loop offloaded (the notes below say why)"
        out(f"{head}: nothing to write{none}")
    else:
        calls = f", {len(p.calls)} call(s) in its data region" if p.calls else ""
        out(f"{head}: {len(p.loops)} loop(s) offloaded{calls}, {len(p.arrays)} array(s), "
            f"{sum(1 for e in p.edits if e.kind == 'update')} update(s)")
    for e in p.edits:
        if e.delete:
            out(f"  - {e.row + 1}: ({e.delete} line(s) removed)")
        for t in e.lines:
            out(f"  + {e.row + 1}: {t.strip()}")
    for a in p.arrays:
        clause = a["clause"] or a["how"]
        out(f"    {a['name']}: {clause} {a['section']} (section from the {a['from']})")
    for n in p.notes:
        out(f"    - {n}")


def program_files(paths: list[str], file: str, lang: str, source: bytes = b"",
                  own_headers: Sequence[bytes] = ()) -> dict[str, bytes]:
    """The ``--program`` files (path -> text; ``file``, whose text is ``source``, left out, and
    each file that plays no part said on stderr and left out:
    :func:`accellium.dataset.offload.program.uncalling_units`), or :class:`InputError` with a one-line
    reason: a file that is missing, unreadable, not a C/C++ source, or a translation unit in
    another language than ``file``'s (:func:`accellium.server.offload.program_problem`).
    ``own_headers``: the texts of the headers ``file`` includes."""
    from accellium.server.annotate import read_source
    from accellium.server.offload import program_problem, uncalling_units

    out: dict[str, bytes] = {}
    me = Path(file).resolve()
    for path in paths:
        data = read_source(path)
        problem = program_problem(path, data, lang, file)
        if problem is not None and problem.startswith("not a C/C++"):
            raise InputError(f"--program {path}: {problem}")
        if Path(path).resolve() != me:
            out[path] = data
    unused = uncalling_units(out, source, lang, own_headers)
    for path, why in unused.items():
        print(f"accellium suggest: --program {path}: {why}", file=sys.stderr)
        del out[path]
    for path, data in out.items():
        problem = program_problem(path, data, lang, file)
        if problem is not None:
            raise InputError(f"--program {path}: {problem}")
    return out


def run_offload(args: argparse.Namespace, source: bytes, engine, out, includes=None,
                includes_of: Callable[[str, bytes], Included] | None = None) -> int:
    """The ``--offload`` branch of ``accellium suggest`` (exit status).  ``includes_of``: the
    headers a ``--program`` file includes (path, text -> :class:`Included`)."""
    from accellium.dataset.loops import detect_lang, normalize_lang
    from accellium.server.offload import (
        caller_plans,
        offload_source,
        program_offloading,
        program_unit_headers,
        program_units,
    )

    function = args.offload or None
    rows = (args.line - 1, args.line - 1) if args.line is not None and not function else None
    lang = normalize_lang(args.lang) if args.lang else detect_lang(args.file, source)
    try:
        others = program_files(args.program, args.file, lang, source,
                               [t for _, t in includes.texts] if includes is not None else ()) \
            if getattr(args, "program", None) else None
        if others is not None and args.apply:
            for path in others:
                check_writable(path)
        units = None if others is None else program_units(others)
        # each unit's headers read once, for its declarations and for the engine's answers
        includes_of = cache(includes_of) if includes_of is not None else None
        headers = program_unit_headers(
            others, lambda r, t: tuple(h for _, h in includes_of(r, t).texts)) \
            if others is not None and includes_of is not None else None
        # the other files may be planned in turn: their offloadable functions are no host code
        offloading = program_offloading(others, engine, lang, includes_of) \
            if others is not None else frozenset()
        plans = offload_source(source, engine, path=args.file, lang=lang,
                               function=function, rows=rows, replace=args.replace,
                               program=units, includes=includes, program_headers=headers,
                               offloading=offloading)
    except (PlanInputError, InputError) as e:
        where = "" if isinstance(e, InputError) else f"{args.file}: "
        print(f"accellium suggest: {where}{e}", file=sys.stderr)
        return 2
    callers = caller_plans(source, plans, lang, others) if others else {}
    if args.json:
        out(json.dumps([{"path": args.file, **p.to_json()} for p in plans] +
                       [{"path": r, **p.to_json()} for r, ps in callers.items() for p in ps],
                       indent=1))
    else:
        if not plans:
            out(f"{args.file}: no function with for-loops")
        for p in plans:
            _print_plan(out, args.file, p)
        for r, ps in callers.items():
            for p in ps:
                _print_plan(out, r, p)
    out.flush()
    if not args.apply:
        return 0
    todo = [(args.file, source, plans)] + [(r, others[r], ps) for r, ps in callers.items()
                                           if others is not None]
    return _write(todo)


def _write(todo: list[tuple[str, bytes, list[FunctionPlan]]]) -> int:
    from accellium.server.offload import apply_plans

    for path, source, plans in todo:
        new = apply_plans(source, plans)
        if new != source:
            try:
                write_in_place(path, source, new)
            except InputError as e:
                print(f"accellium suggest: {e}", file=sys.stderr)
                return 2
        n = sum(len(e.lines) for p in plans for e in p.edits)
        print(f"{path}: {n} line(s) written" if new != source else
              f"{path}: nothing to write", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------------------------
# accellium bench offload
# ----------------------------------------------------------------------------------------------


def add_bench_parser(bench_sub: argparse._SubParsersAction) -> None:
    p = bench_sub.add_parser("offload", help="offload planning time on generated functions",
                             description="Time the offload plan of one generated function of "
                                         "N loops (single passes around a stencil time loop, "
                                         "sharing their arrays) for each N; with --callers, "
                                         "of a kernel file and its callers in a generated "
                                         "program of N caller files.")
    p.add_argument("--loops", type=int, nargs="+", default=[20, 60, 120])
    p.add_argument("--callers", type=int, nargs="+", default=None,
                   help="numbers of caller files (each calls the kernel in a time loop)")
    p.add_argument("--engine", default="analysis")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_bench_offload)


def run_bench_offload(args: argparse.Namespace) -> int:
    from accellium.server.engines import EngineError, engine_names
    from accellium.server.offload_bench import bench_callers, bench_offload

    if args.engine not in engine_names():
        print(f"accellium bench offload: unknown engine '{args.engine}'", file=sys.stderr)
        return 2
    bad = [n for n in args.loops if n < 2] + [n for n in args.callers or [] if n < 1]
    if bad or args.repeat < 1:
        print(f"accellium bench offload: --loops must be >= 2, --callers >= 1 and --repeat "
              f">= 1 (got {bad[0] if bad else args.repeat})", file=sys.stderr)
        return 2
    try:
        rows = bench_callers(args.callers, args.engine, args.repeat) if args.callers else \
            bench_offload(args.loops, args.engine, args.repeat)
    except EngineError as e:
        print(f"accellium bench offload: engine '{args.engine}' unavailable: {e}",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rows, indent=1))
    elif args.callers:
        for r in rows:
            print(f"{r['files']:>5} files: planned in {r['seconds'] * 1000:9.1f} ms (best of "
                  f"{args.repeat}); {r['callers']} callers' files got a region")
    else:
        for r in rows:
            print(f"{r['loops']:>5} loops: planned in {r['seconds'] * 1000:9.1f} ms (best of "
                  f"{args.repeat}); {r['offloaded']} offloaded, {r['host']} on the host")
    return 0
