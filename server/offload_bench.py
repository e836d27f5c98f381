"""``accellium bench offload``: how long the offload plan of one function takes as its loops
grow (never pass/fail on time).

The generated function is a driver's shape: half its loops fill parts of a result array from
an input (single passes), then a stencil repeated over time steps updates the input, then the
other half reduce the result against it (single passes) — every loop offloadable, sharing the
two arrays, so the planner weighs each single pass against the region
(docs/offload.md item 15).
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["driver_source", "bench_offload", "caller_program", "bench_callers"]

#: the planned file of :func:`caller_program`: one offloadable function
_KERNEL = """void relax(int n, const double *src, double *u)
{
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * (u[i] + src[i]);
}
"""


def driver_source(loops: int) -> str:
    """A C function of ``loops`` single passes (at least 2) around a stencil time loop."""
    half = max(1, loops // 2)
    body = ["#include <stdlib.h>",
            "double run(int n, int steps, double *a, double *r)", "{", "    double s = 0.0;"]
    body += [f"    for (int i = 0; i < n; i++) r[{k} * n + i] = a[i] * {k + 1}.0;"
             for k in range(half)]
    body += ["    for (int t = 0; t < steps; t++)",
             "        for (int i = 1; i < n - 1; i++) a[i] = 0.5 * (a[i - 1] + a[i + 1]);"]
    body += [f"    for (int i = 0; i < n; i++) s += r[{k} * n + i] * a[i];"
             for k in range(max(1, loops - half))]
    body += ["    return s;", "}"]
    return "\n".join(body) + "\n"


def bench_offload(sizes: list[int], engine_name: str = "analysis", repeat: int = 1
                  ) -> list[dict[str, Any]]:
    """For each size, the best of ``repeat`` timings of planning the generated function, with
    what the plan offloaded and left on the host."""
    from accellium.server.engines import get_engine
    from accellium.server.offload import offload_source

    engine = get_engine(engine_name)
    rows = []
    for n in sizes:
        src = driver_source(n).encode()
        best, plan = float("inf"), None
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            (plan,) = offload_source(src, engine, path="driver.c")
            best = min(best, time.perf_counter() - t0)
        assert plan is not None
        rows.append({"loops": src.count(b"for ("), "offloaded": len(plan.loops),
                     "host": len(plan.host_loops), "bytes": len(src),
                     "seconds": round(best, 4)})
    return rows


def caller_program(files: int) -> dict[str, bytes]:
    """A program of ``files`` caller files (at least 1) beside the planned ``kernel.c``: each
    repeats the kernel's call in a time loop, so each gets a data region around it
    (docs/offload.md item 10)."""
    out = {"kernel.c": _KERNEL.encode()}
    for k in range(files):
        out[f"drive{k}.c"] = (
            "void relax(int n, const double *src, double *u);\n"
            f"void drive{k}(int n, int steps, double *src, double *u)\n"
            "{\n    for (int t = 0; t < steps; t++)\n        relax(n, src, u);\n}\n").encode()
    return out


def bench_callers(sizes: list[int], engine_name: str = "analysis", repeat: int = 1
                  ) -> list[dict[str, Any]]:
    """For each number of caller files, the best of ``repeat`` timings of planning the kernel
    file with the program's other files and then its callers there (what ``accellium suggest
    kernel.c --offload --program ...`` does), with how many callers' files got a region."""
    from accellium.server.engines import get_engine
    from accellium.server.offload import caller_plans, offload_source

    engine = get_engine(engine_name)
    rows = []
    for n in sizes:
        prog = caller_program(n)
        kernel = prog.pop("kernel.c")
        best, got = float("inf"), 0
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            plans = offload_source(kernel, engine, path="kernel.c", program=list(prog.values()))
            got = len(caller_plans(kernel, plans, "c", prog))
            best = min(best, time.perf_counter() - t0)
        rows.append({"files": n + 1, "callers": got, "seconds": round(best, 4)})
    return rows
