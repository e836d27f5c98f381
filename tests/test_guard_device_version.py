"""A loop that calls a function with no device version gets no compute construct.

A function called in a compute construct must be compiled for the device: ``#pragma acc
routine`` at its declaration (OpenACC 3.3, 2.15.1), or the GPU build does not link.  For the
functions the file defines, the per-loop edit (``accellium suggest --apply``, the editor's
quick fix) adds ``#pragma acc routine seq`` above them with the pragma.  A function defined in
another file (declared in a header) that no ``#pragma acc routine`` of the file names cannot
be given one by that edit: outside a compute region, with the file known, the safety guard
gives such a loop no compute construct, for every engine's answer, also when the call is
reached through a function of the file.

Twins that keep their pragma: a loop calling a function the file defines (its ``routine seq``
line is added), and one calling a function defined elsewhere that the file declares after
``#pragma acc routine seq``.

Proven on a whole program built for the GPU (gcc -fopenacc -foffload=nvptx-none, as the
dynamic evaluation's GPU mode builds): with the guarded answers it links and, run (on the host
when no GPU is present), verifies; with the ``serial loop`` an engine answered over the loop
that calls the other file's function the GPU build does not link."""

from __future__ import annotations

import subprocess
from pathlib import Path

from _fixed_engine import FixedAnswer
from _offload_util import gpu_build, run_built

from accellium.server.annotate import annotate_source, apply_edits

HEADER = """void tick_reset(int k);
double tick_total(void);
"""
KERNEL = """#include "ticks.h"

#pragma acc routine seq
extern double halve(double x);

static double twice(double x) { return 2.0 * x; }

static void count_down(int n)
{
    for (int k = 0; k < n; k++) tick_reset(k);
}

void reset(int n)
{
    for (int i = 0; i < n; i++)
        tick_reset(i);
}

void doubled(int n, double *a)
{
    for (int i = 0; i < n; i++)
        a[i] = twice(a[i]);
}

void halved(int n, double *a)
{
    for (int i = 0; i < n; i++)
        a[i] = halve(a[i]) + 1.0;
}

void twice_reset(int n, double *a)
{
    for (int i = 0; i < 2; i++) {
        count_down(n);
        a[i] = 0.5;
    }
}
"""
OTHER = """static int ticks[64];
void tick_reset(int k) { ticks[k] = 0; }
double tick_total(void) { double s = 0; for (int k = 0; k < 64; k++) s += ticks[k]; return s; }
#pragma acc routine seq
double halve(double x) { return 0.5 * x; }
"""
MAIN = """#include <stdio.h>
#include "ticks.h"
void reset(int n);
void doubled(int n, double *a);
void halved(int n, double *a);
void twice_reset(int n, double *a);
int main(void)
{
    double a[32];
    int bad = 0;
    for (int i = 0; i < 32; i++) a[i] = i;
    reset(16);
    doubled(32, a);
    halved(32, a);
    twice_reset(8, a);
    for (int i = 2; i < 32; i++) bad += a[i] != i + 1.0;
    bad += a[0] != 0.5 || a[1] != 0.5 || tick_total() != 0.0;
    puts(bad ? "BAD" : "OK");
    return bad != 0;
}
"""


def _annotated(answer: str) -> tuple[str, dict[int, tuple[str | None, list[str]]]]:
    src = KERNEL.encode()
    sugg = annotate_source(src, FixedAnswer(answer), path="kernel.c")
    new, _ = apply_edits(src, sugg)
    return new.decode(), {s.line: (s.pragma, [str(n) for n in s.notes]) for s in sugg}


def _gpu_build(tmp: Path, kernel: str) -> subprocess.CompletedProcess:
    return gpu_build(tmp, {"ticks.h": HEADER, "kernel.c": kernel, "other.c": OTHER,
                           "main.c": MAIN})


def test_no_compute_construct_over_a_call_without_device_version(tmp_path):
    text, by_line = _annotated("#pragma acc parallel loop")
    lines = KERNEL.splitlines()
    row = {key: lines.index(code) + 1 for key, code in (
        ("reset", "    for (int i = 0; i < n; i++)"),
        ("doubled", "    for (int i = 0; i < n; i++)"),
        ("through", "    for (int i = 0; i < 2; i++) {"),
        ("inner", "    for (int k = 0; k < n; k++) tick_reset(k);"))}
    row["doubled"] = lines.index("        a[i] = twice(a[i]);")
    row["halved"] = lines.index("        a[i] = halve(a[i]) + 1.0;")
    for key in ("reset", "through", "inner"):  # directly, and through the file's function
        pragma, notes = by_line[row[key]]
        assert pragma is None, (key, pragma)
        assert any("`tick_reset`" in n and "no device version" in n for n in notes), notes
    # twins: a function of the file (its `routine seq` line comes with the pragma) and one
    # the file declares `acc routine`
    for key in ("doubled", "halved"):
        pragma, _ = by_line[row[key]]
        assert pragma is not None and pragma.startswith("#pragma acc parallel loop"), key
    assert "#pragma acc routine seq\nstatic double twice" in text
    built = _gpu_build(tmp_path, text)
    assert built.returncode == 0, built.stderr[-3000:]
    run = run_built(tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "OK", run.stdout + run.stderr
    # the pragma the engine answered over the loop: the GPU build does not link
    raw = text.replace("    for (int i = 0; i < n; i++)\n        tick_reset(i);",
                       "#pragma acc serial loop\n    for (int i = 0; i < n; i++)\n"
                       "        tick_reset(i);")
    assert raw != text
    failed = _gpu_build(tmp_path, raw)
    assert failed.returncode != 0
    assert "unresolved symbol tick_reset" in failed.stderr, failed.stderr[-3000:]
