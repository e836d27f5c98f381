"""No copy in for a scratch array whose reads reach only what the same host iteration wrote
(issue #15): a loop at the top of each time step writes ``b[i*n + j]`` over the interior, a
later loop reads ``b[i*n + j]`` over the same interior — the same polynomial over the same
index ranges reaches the same elements, so every read sees this step's write and the holes
of the section (the borders between rows) are never read.  With nothing copied back (the
caller's scratch), ``b`` is created, not copied in.  Twin: the later loop reads one column
more (``j`` from 0), a hole the device never wrote: the host's values must be copied in.
Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

N, STEPS = 64, 5

KERNEL = """
void jacobi(int n, int steps, double *restrict a, double *restrict b)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                b[i * n + j] = 0.25 * (a[(i - 1) * n + j] + a[(i + 1) * n + j]
                                       + a[i * n + j - 1] + a[i * n + j + 1]);
        for (int i = 1; i < n - 1; i++)
            for (int j = LO; j < n - 1; j++)
                a[i * n + j] = b[i * n + j];
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void jacobi(int n, int steps, double *restrict a, double *restrict b);
int main(void) {
  int n = NSIZE, steps = NSTEPS, bad = 0;
  double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
  double *r = malloc(n * n * sizeof *r), *s = malloc(n * n * sizeof *s);
  for (int e = 0; e < n * n; e++) { a[e] = r[e] = (e * 7) % 13; b[e] = s[e] = 0.5; }
  jacobi(n, steps, a, b);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) for (int j = 1; j < n - 1; j++)
      s[i * n + j] = 0.25 * (r[(i - 1) * n + j] + r[(i + 1) * n + j] + r[i * n + j - 1]
                             + r[i * n + j + 1]);
    for (int i = 1; i < n - 1; i++) for (int j = LO; j < n - 1; j++) r[i * n + j] = s[i * n + j];
  }
  for (int e = 0; e < n * n; e++) bad += fabs(a[e] - r[e]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


@pytest.fixture(scope="module")
def engine():
    return get_engine("analysis")


def _acc(lo: str, engine) -> list[str]:
    src = KERNEL.replace("LO", lo).encode()
    main = MAIN.replace("LO", lo).encode()
    return acc_lines(apply_plans(src, offload_source(src, engine, path="k.c",
                                                     program=[main])).decode())


def test_reads_of_what_the_step_wrote_need_no_copy_in(engine):
    assert _acc("1", engine)[0] == \
        "#pragma acc data copy(a[1:n*n-2]) create(b[n+1:n*n-2*n-2])"


def test_a_read_of_a_hole_keeps_the_copy_in(engine):
    assert _acc("0", engine)[0] == "#pragma acc data copyin(b[n:n*n-2*n-1]) copy(a[1:n*n-2])"


def test_the_programs_verify_in_the_emulator(tmp_path):
    progs = {f"jacobi_lo{lo}": (KERNEL.replace("LO", lo),
                                MAIN.replace("LO", lo).replace("NSIZE", str(N))
                                .replace("NSTEPS", str(STEPS)))
             for lo in ("0", "1")}
    res = evaluate_dynamic(write_suite(tmp_path, progs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    a = 2 * (N * N - 2) * 8
    assert moved["jacobi_lo1"] == a, moved
    assert moved["jacobi_lo0"] == a + (N * N - 2 * N - 1) * 8, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
