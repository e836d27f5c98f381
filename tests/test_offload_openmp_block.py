"""A loop in the block of an OpenMP construct stays on the host (issue #15).

A program that keeps a CPU-threaded version of a kernel beside the one to offload (to check
it, or to run without a GPU) has its loops inside ``#pragma omp parallel { #pragma omp for
... }``.  That block runs on every thread of a team, and a worksharing ``for`` splits its
iterations among them (OpenMP 5.2, 10.1 and 11): an OpenACC construct placed there would be
launched by each thread, each moving its own data.  The planner could not go above the
``omp for`` either (no directive may sit between it and its loop), so it offloaded the inner
loop once per row of the outer one and moved the whole right-hand matrix for every row.  Now
every loop in such a block is left to the host, with a note naming the directive.

Twins that keep their plans: the same nest without OpenMP directives is offloaded with one
region; a loop after an OpenMP construct (not in its block) in the same function is
offloaded, the construct's own loop left on the host.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N = 48
KERNEL = """#define N 48
void mm_dev(float *a, const float *b, const float *c)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            float s = 0.0f;
            for (int k = 0; k < N; k++)
                s += b[i * N + k] * c[k * N + j];
            a[i * N + j] = s;
        }
}

void mm_threads(float *a, const float *b, const float *c)
{
    int i, j, k;
THREADS_OPEN
    for (i = 0; i < N; i++) {
        for (j = 0; j < N; j++) {
            float s = 0.0f;
            for (k = 0; k < N; k++)
                s += b[i * N + k] * c[k * N + j];
            a[i * N + j] = s;
        }
    }
THREADS_CLOSE
}

void shift(int n, double *x, double *y)
{
SHIFT_OMP
    for (int i = 0; i < n; i++)
        x[i] = x[i] + 1.0;
    for (int i = 0; i < n; i++)
        y[i] = 2.0 * x[i];
}
"""
THREADS = ("#pragma omp parallel shared(a, b, c) private(i, j, k)\n    {\n#pragma omp for",
           "    }")
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N 48
void mm_dev(float *a, const float *b, const float *c);
void mm_threads(float *a, const float *b, const float *c);
void shift(int n, double *x, double *y);
int main(void) {
  float *a = malloc(sizeof(float) * N * N), *r = malloc(sizeof(float) * N * N);
  float *b = malloc(sizeof(float) * N * N), *c = malloc(sizeof(float) * N * N);
  double x[100], y[100];
  int bad = 0;
  for (int i = 0; i < N * N; i++) { b[i] = i % 5; c[i] = (i % 3) - 1.0f; a[i] = r[i] = 0.0f; }
  for (int i = 0; i < 100; i++) x[i] = i;
  mm_dev(a, b, c);
  mm_threads(r, b, c);
  shift(100, x, y);
  for (int i = 0; i < N * N; i++) bad += fabsf(a[i] - r[i]) > 1e-3f;
  for (int i = 0; i < 100; i++) bad += fabs(y[i] - 2.0 * (i + 1.0)) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def _kernel(threads: bool, shift_omp: bool) -> str:
    k = KERNEL.replace("THREADS_OPEN", THREADS[0] if threads else "")
    k = k.replace("THREADS_CLOSE", THREADS[1] if threads else "")
    return k.replace("SHIFT_OMP", "#pragma omp parallel for" if shift_omp else "")


def test_loops_in_an_openmp_block_stay_on_the_host(tmp_path):
    engine = get_engine("analysis")
    omp, plain = _kernel(True, True), _kernel(False, False)
    text, plans = plan_text(omp, engine)
    assert not plans["mm_threads"].loops, plans["mm_threads"].host_loops
    whys = [h["why"] for h in plans["mm_threads"].host_loops]
    assert any("in the block of `#pragma omp for`" in w for w in whys), whys
    # mm_dev: one region; shift: the construct's loop on the host, the next loop offloaded
    assert [lp["line"] for lp in plans["mm_dev"].loops] == [4]
    shift = plans["shift"]
    assert [h["line"] for h in shift.host_loops] == [33], shift.host_loops
    assert any("in the block of `#pragma omp parallel for`" in h["why"]
               for h in shift.host_loops)
    assert [lp["line"] for lp in shift.loops] == [35], shift.loops
    assert sum("parallel loop" in a for a in acc_lines(text)) == 2, acc_lines(text)
    # twin: without OpenMP every nest is offloaded, mm_threads with one region too
    ptext, pplans = plan_text(plain, engine)
    assert [lp["line"] for lp in pplans["mm_threads"].loops] == [17]
    assert len(pplans["shift"].loops) == 2
    res = evaluate_dynamic(write_suite(tmp_path, {"omp": (omp, MAIN), "plain": (plain, MAIN)}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    mat = 4 * N * N
    # omp: mm_dev's three matrices, shift's x in and y out (x is updated on the host)
    assert moved["omp"] == 3 * mat + 2 * 8 * 100, moved
    # plain: main's region holds both products (b and c copied in once, a and r out) and
    # shift's call: x in, y out (main's local y holds nothing before: C11 6.2.4p6)
    assert moved["plain"] == 4 * mat + 2 * 8 * 100, moved
