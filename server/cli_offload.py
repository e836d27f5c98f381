"""``accellium suggest FILE --offload [FUNCTION]``: the offload plan of a function (or of every
function with loops): one data region, the per-loop pragmas inside with ``present``, updates
for the host code between the loops; ``--apply`` writes it in (in place, checked first, as
``--apply`` does for per-loop pragmas); ``--json`` prints the plans."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from accellium.dataset.offload import FunctionPlan, PlanInputError
from accellium.server.annotate import InputError, write_in_place

__all__ = ["run_offload"]


def _print_plan(out: Callable[[str], None], path: str, p: FunctionPlan) -> None:
    head = f"{path}:{p.line}: function `{p.function}`"
    if not p.edits:
        out(f"{head}: nothing to write")
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


def run_offload(args: argparse.Namespace, source: bytes, engine, out, includes=None) -> int:
    """The ``--offload`` branch of ``accellium suggest`` (exit status)."""
    from accellium.server.offload import apply_plans, offload_source

    function = args.offload or None
    rows = (args.line - 1, args.line - 1) if args.line is not None and not function else None
    try:
        plans = offload_source(source, engine, path=args.file, lang=args.lang,
                               function=function, rows=rows, replace=args.replace,
                               includes=includes)
    except PlanInputError as e:
        print(f"accellium suggest: {args.file}: {e}", file=sys.stderr)
        return 2
    if args.json:
        out(json.dumps([{"path": args.file, **p.to_json()} for p in plans], indent=1))
    else:
        if not plans:
            out(f"{args.file}: no function with for-loops")
        for p in plans:
            _print_plan(out, args.file, p)
    out.flush()
    if not args.apply:
        return 0
    new = apply_plans(source, plans)
    if new != source:
        try:
            write_in_place(args.file, source, new)
        except InputError as e:
            print(f"accellium suggest: {e}", file=sys.stderr)
            return 2
    n = sum(len(e.lines) for p in plans for e in p.edits)
    print(f"{args.file}: {n} line(s) written" if new != source else
          f"{args.file}: nothing to write", file=sys.stderr)
    return 0
