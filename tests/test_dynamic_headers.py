"""Index macros in a local header, proven on a whole program (the dynamic evaluation's emulator:
gcc -fopenacc translated to gangs on threads, separate device memory): ``IDX`` lives in
``idx.h``; the stencil through it gets a parallel pragma and verifies, per loop and as an offload
plan; the safety twin, a sweep whose write goes one element further through the header's
``NEXT`` (the next iteration reads it), gets none, and the naive pragma on it fails (control).
The evaluation reads the program's headers as ``accellium suggest`` does."""

from __future__ import annotations

from pathlib import Path

from _offload_util import marked_lines, with_naive_pragma, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

IDX_H = """#ifndef IDX_H
#define IDX_H
#define IDX(i, j) ((i) * n + (j))
#define NEXT(k) ((k) + 1)
#endif
"""

KERNEL = """#include "idx.h"

void smooth(int n, const double *restrict u, double *restrict v)
{
    for (int i = 1; i < n - 1; i++) /* rows */
        for (int j = 1; j < n - 1; j++)
            v[IDX(i, j)] = 0.25 * (u[IDX(i - 1, j)] + u[IDX(i + 1, j)] + u[IDX(i, j - 1)]
                                  + u[IDX(i, j + 1)]);
}

void spill(int n, double *restrict a)
{
    for (int i = 0; i < n; i++) /* spill */
        for (int j = 0; j < n; j++)
            a[NEXT(IDX(i, j))] += 0.5 * a[IDX(i, j)];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth(int n, const double *u, double *v);
void spill(int n, double *a);
int main(void) {
  int n = 96, nn = n * n, bad = 0;
  double *d = malloc(nn * sizeof *d);
  double *a = malloc((nn + 1) * sizeof *a), *ra = malloc((nn + 1) * sizeof *ra);
  double *v = calloc(nn, sizeof *v), *rv = calloc(nn, sizeof *rv);
  for (int k = 0; k < nn; k++) d[k] = (k * 37 % 101) * 0.01;
  smooth(n, d, v);
  for (int i = 1; i < n - 1; i++) for (int j = 1; j < n - 1; j++)
    rv[i * n + j] = 0.25 * (d[(i - 1) * n + j] + d[(i + 1) * n + j] + d[i * n + j - 1] + d[i * n + j + 1]);
  for (int k = 0; k < nn; k++) bad += fabs(v[k] - rv[k]) > 1e-12;
  for (int k = 0; k <= nn; k++) a[k] = ra[k] = (k % 7) * 0.1;
  spill(n, a);
  for (int k = 0; k < nn; k++) ra[k + 1] += 0.5 * ra[k];
  for (int k = 0; k <= nn; k++) bad += fabs(a[k] - ra[k]) > 1e-9 * (1 + fabs(ra[k]));
  printf(bad ? "FAILED %d\\n" : "OK\\n", bad);
  return 0;
}
"""




def test_header_macro_program_verifies_and_the_twin_stays_sequential(tmp_path: Path):
    manifest = write_suite(tmp_path, {"headers": (KERNEL, MAIN),
                                      "naive_spill": (with_naive_pragma(KERNEL, "spill"), MAIN)})
    for name in ("headers", "naive_spill"):
        (tmp_path / "programs" / name / "idx.h").write_text(IDX_H)
    res = evaluate_dynamic(manifest, "analysis", threads=4, runs=1, with_mutations=False,
                           offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    r = rows["headers"]
    assert r["original"]["status"] == "verified", r["original"]
    assert r["engine"]["status"] == "verified", r["engine"]["reason"]
    assert r["offload"]["status"] == "verified", r["offload"]["reason"]
    marks = marked_lines(KERNEL)
    offloaded = {ln for p in r["offload"]["plans"] for ln in p["loops"]}
    assert marks["rows"] in offloaded, r["offload"]["plans"]
    assert marks["spill"] not in offloaded, r["offload"]["plans"]
    per_loop = {p["line"]: p for p in r["engine"]["pragmas"]}
    assert per_loop[marks["rows"]]["parallel"], per_loop
    assert "copyin(u[" in per_loop[marks["rows"]]["pragma"], per_loop
    assert not (marks["spill"] in per_loop and per_loop[marks["spill"]]["parallel"]), per_loop
    # control: the hazard through the header's macro is real
    assert rows["naive_spill"]["original"]["status"] != "verified", rows["naive_spill"]
