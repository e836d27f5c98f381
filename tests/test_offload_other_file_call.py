"""A loop that calls a function of another file stays on the host (issue #15).

A function called in a compute region must be compiled for the device: ``#pragma acc
routine`` above its definition or a prototype (OpenACC 3.3, 2.15.1).  The plan edits one
file, so for a function defined in another translation unit it cannot add that line where
the definition is: the loop stays on the host, with a note that says where the line is
needed — whether the loop calls the function directly, through a function of its own file,
or through a macro.  The other loops of the function are offloaded.

Twin: the same call to a function defined in the planned file gets ``#pragma acc routine
seq`` above that definition and is offloaded.

Whole programs, built as the dynamic evaluation's GPU mode builds them (``gcc -fopenacc
-foffload=nvptx-none``): the plan links and verifies (a machine without a GPU runs the host
fallback); the loop offloaded by hand over the other file's function does not link."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _offload_util import acc_lines, gpu_build, plan_text, run_built

from accellium.server.engines import get_engine

KERNEL = """double weight(double x);
#define W(x) (weight(x) + 0.0)

static double shaped(double x)
{
    return CALL * 2.0;
}

void apply(int n, double *a, double *c, const double *b)
{
    for (int i = 0; i < n; i++)
        a[i] = USE + 1.0;
    for (int i = 0; i < n; i++)
        c[i] = 3.0 * b[i];
}
"""
OWN = """
double local_weight(double x)
{
    return 0.5 * x * x;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void apply(int n, double *a, double *c, const double *b);
double weight(double x) { return 0.5 * x * x; }
int main(void) {
  int n = 1000, bad = 0;
  double *a = malloc(8 * n), *b = malloc(8 * n), *c = malloc(8 * n);
  for (int i = 0; i < n; i++) b[i] = i % 9;
  apply(n, a, c, b);
  for (int i = 0; i < n; i++)
    bad += fabs(a[i] - (b[i] * b[i] + 1.0)) > 1e-12 || c[i] != 3.0 * b[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
# the loop's call: directly, through a function of the file, through a macro
FORMS = {"direct": ("x", "2.0 * weight(b[i])"),
         "helper": ("weight(x)", "shaped(b[i])"),
         "macro": ("W(x)", "shaped(b[i])")}


def _kernel(form: str, own: bool = False) -> str:
    call, use = FORMS[form]
    src = KERNEL.replace("CALL", call).replace("USE", use)
    if own:  # the twin: the callee is defined in the planned file
        src = src.replace("weight(", "local_weight(").replace("double local_weight(double x);", OWN)
    return src


def _gpu_build(tmp: Path, kernel: str) -> subprocess.CompletedProcess:
    return gpu_build(tmp, {"kernel.c": kernel, "main.c": MAIN}, timeout=300)


def _runs_ok(tmp: Path) -> bool:
    run = run_built(tmp)
    return run.returncode == 0 and run.stdout.strip() == "OK"


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_call_into_another_file_keeps_its_loop_on_the_host(tmp_path, form):
    engine = get_engine("analysis")
    kernel = _kernel(form)
    text, plans = plan_text(kernel, engine, program=[MAIN.encode()])
    acc = acc_lines(text)
    assert acc == ["#pragma acc parallel loop copyin(b[0:n]) copyout(c[0:n])"], text
    assert plans["apply"].host_loops == [{
        "line": 11, "why": "calls `weight`, whose definition is not in this file: it needs "
                           "`#pragma acc routine seq` where it is defined"}], plans["apply"]
    built = _gpu_build(tmp_path / "plan", text)
    assert built.returncode == 0, built.stderr[-2000:]
    assert _runs_ok(tmp_path / "plan")
    # the control: the first loop offloaded by hand (with the line the planner writes for a
    # function of the file) does not link
    lines = kernel.replace("static double shaped", "#pragma acc routine seq\nstatic double shaped"
                           ).splitlines(keepends=True)
    at = next(k for k, ln in enumerate(lines) if "a[i] =" in ln) - 1
    lines.insert(at, "    #pragma acc parallel loop copyin(b[0:n]) copyout(a[0:n])\n")
    raw = _gpu_build(tmp_path / "raw", "".join(lines))
    assert raw.returncode != 0
    assert "unresolved symbol weight" in raw.stderr, raw.stderr[-2000:]


def test_a_call_into_the_planned_file_gets_its_routine_line(tmp_path):
    engine = get_engine("analysis")
    src = _kernel("helper", own=True)
    text, plans = plan_text(src, engine, program=[MAIN.encode()])
    acc = acc_lines(text)
    assert acc.count("#pragma acc routine seq") == 2, text  # shaped and local_weight
    # the second loop makes one pass over b, which the first copies in anyway: on the
    # host it moves nothing (docs/offload.md item 15), on the device c would come back
    assert sum("parallel loop" in a for a in acc) == 1, text
    assert [h["line"] for h in plans["apply"].host_loops
            if "one pass over its data" in h["why"]] == [src.count("\n", 0, src.index(
                "for (int i = 0; i < n; i++)\n        c[i]")) + 1], plans["apply"].host_loops
    built = _gpu_build(tmp_path, text)
    assert built.returncode == 0, built.stderr[-2000:]
    assert _runs_ok(tmp_path)
