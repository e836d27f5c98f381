"""Speed benchmarks that print figures (never pass/fail on time): ``accellium bench suggest``.

A synthetic C file of ``lines`` lines with ``loops`` top-level loop nests of varied shapes
(maps, reductions, stencils, 2-3 deep nests, indirect writes, data regions with inner ``loop``
pragmas) is generated; each ``for`` statement is suggested on its own through
:func:`server.suggest.suggest` (loops/s, p50/p95 per loop), then the whole-file path
(:func:`server.annotate.annotate_source`, parse + every loop) is timed.
"""

from __future__ import annotations

import random
import time
from typing import Any

from accellium.evaluation.metrics import latency_stats

__all__ = ["generate_c_file", "bench_suggest", "format_bench"]

_TEMPLATES = [
    "for (int i = 0; i < n; i++) {{\n    {a}[i] = {b}[i] * {s} + {c}[i];\n}}\n",
    "for (int i = 0; i < n; i++) {{\n    sum += {a}[i] * {b}[i];\n}}\n",
    "for (int i = 1; i < n - 1; i++) {{\n    {a}[i] = 0.5 * ({b}[i - 1] + {b}[i + 1]);\n}}\n",
    "for (int i = 0; i < n; i++) {{\n    for (int j = 0; j < m; j++) {{\n"
    "        {a}[i * m + j] = {b}[i * m + j] + {c}[j];\n    }}\n}}\n",
    "for (int i = 0; i < n; i++) {{\n    double t = 0.0;\n    for (int k = 0; k < m; k++) {{\n"
    "        t += {b}[i * m + k] * {c}[k];\n    }}\n    {a}[i] = t;\n}}\n",
    "for (int i = 1; i < n; i++) {{\n    {a}[i] = {a}[i - 1] + {b}[i];\n}}\n",
    "for (int i = 0; i < n; i++) {{\n    {a}[idx[i]] += {b}[i];\n}}\n",
    "for (int i = 0; i < n; i++) {{\n    if ({b}[i] > mx) mx = {b}[i];\n}}\n",
    "for (int i = 0; i < n; i++) {{\n  for (int j = 0; j < m; j++) {{\n"
    "    for (int k = 0; k < l; k++) {{\n      {a}[(i * m + j) * l + k] = {s} * {b}[(i * m + j) * l + k];\n"
    "    }}\n  }}\n}}\n",
    "#pragma acc data copyin({b}[0:n]) copyout({a}[0:n])\n{{\n#pragma acc parallel\n{{\n"
    "for (int i = 0; i < n; i++) {{\n    {a}[i] = sqrt({b}[i]);\n}}\n}}\n}}\n",
]


def generate_c_file(lines: int = 10_000, loops: int | None = None, seed: int = 0) -> str:
    """A compilable-looking C file of about ``lines`` lines (padded with statements and
    comments) holding ``loops`` loop nests (default: as many as fit, about one per 12 lines)."""
    rng = random.Random(seed)
    arrays = ["a", "b", "c", "x", "y", "z", "u", "v", "w", "p", "q", "r"]
    nests = loops if loops is not None else max(1, lines // 12)
    per_fn = 5
    body: list[str] = ["#include <math.h>", "", "static int idx[1 << 20];", ""]
    fn = 0
    made = 0
    while made < nests:
        body.append(f"void kernel_{fn}(int n, int m, int l, double *a, double *b, double *c, "
                    "double *x, double *y, double *z, double *u, double *v, double *w, "
                    "double *p, double *q, double *r)")
        body.append("{")
        body.append("    double sum = 0.0, mx = -1e300;")
        for _ in range(min(per_fn, nests - made)):
            a, b, c = rng.sample(arrays, 3)
            t = rng.choice(_TEMPLATES).format(a=a, b=b, c=c, s=round(rng.uniform(0.1, 3), 2))
            body.extend("    " + ln if ln and not ln.startswith("#") else ln
                        for ln in t.rstrip("\n").split("\n"))
            body.append("")
            made += 1
        body.append(f"    {arrays[fn % len(arrays)]}[0] = sum + mx;")
        body.append("}")
        body.append("")
        fn += 1
    k = 0
    while len(body) < lines:  # pad to the requested size
        body.append(f"/* padding {k}: helpers and declarations a real file would hold */")
        body.append(f"static double helper_{k}(double t) {{ return t * {k % 7 + 1}.0; }}")
        k += 1
    return "\n".join(body) + "\n"


def bench_suggest(engine_name: str = "analysis", lines: int = 10_000, loops: int | None = None,
                  seed: int = 0, engine_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Time ``suggest`` per loop and the whole-file path on a generated file."""
    from accellium.dataset.loops import find_loops
    from accellium.server.annotate import annotate_source
    from accellium.server.engines import LoopQuery, get_engine
    from accellium.server.suggest import suggest

    src = generate_c_file(lines, loops, seed)
    t0 = time.perf_counter()
    engine = get_engine(engine_name, **(engine_options or {}))
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    found = find_loops(src, "c")
    parse_s = time.perf_counter() - t0
    per: list[float] = []
    t0 = time.perf_counter()
    for lp in found:
        q = LoopQuery(code=lp.text, lang="c", enclosing=tuple(lp.enclosing))
        ts = time.perf_counter()
        suggest(q, engine)
        per.append((time.perf_counter() - ts) * 1000)
    loop_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = annotate_source(src.encode("utf-8"), engine, path="bench.c", lang="c")
    file_s = time.perf_counter() - t0
    st = latency_stats(per)
    return {
        "engine": engine_name,
        "lines": src.count("\n"),
        "loops": len(found),
        "engine_load_s": round(load_s, 4),
        "parse_s": round(parse_s, 4),
        "per_loop": {
            "loops_per_s": round(len(per) / loop_s, 1) if loop_s > 0 else None,
            "mean_ms": st["mean_ms"], "p50_ms": st["p50_ms"], "p95_ms": st["p95_ms"],
            "max_ms": st["max_ms"], "total_s": round(loop_s, 4),
        },
        "whole_file": {"s": round(file_s, 4), "suggestions": len(res),
                       "loops_per_s": round(len(res) / file_s, 1) if file_s > 0 else None},
    }


def format_bench(r: dict[str, Any]) -> str:
    pl, wf = r["per_loop"], r["whole_file"]

    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f} ms"

    return "\n".join([
        f"bench suggest: engine {r['engine']}, {r['lines']} lines, {r['loops']} for-loops",
        f"  engine load      {r['engine_load_s']:.3f} s",
        f"  parse (tree-sitter loop index)  {r['parse_s']:.3f} s",
        f"  per loop         {pl['loops_per_s']} loops/s; mean {ms(pl['mean_ms'])}, "
        f"p50 {ms(pl['p50_ms'])}, p95 {ms(pl['p95_ms'])}, max {ms(pl['max_ms'])}",
        f"  whole file       {wf['s']:.3f} s for {wf['suggestions']} loops "
        f"({wf['loops_per_s']} loops/s, parse included)",
    ])
