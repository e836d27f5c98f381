"""Linearised rows and macro subscripts proven on whole programs (the dynamic evaluation's
emulator: gcc -fopenacc translated to gangs on threads, separate device memory).

``rows``: a Thomas solve per row with its coefficients in linearised scratch rows
(``cp[i*n + j - 1]``: rows independent, the rule applies); a sweep that writes one past its row
(``a[i*n + j + 1]`` with ``j < n``: the next row reads it, the rule must not apply); the same two
through macros of the file, and a function-like name ``#undef``'d and then a function of another
arity (read as a call).  The per-loop suggestions and the offload plan verify; the carried loops
get no parallel pragma; the naive pragma on them fails (control)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _offload_util import marked_lines, with_naive_pragma, write_suite

from accellium.dataset.pragma import parse
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.safety import asserts_parallel

ROOT = Path(__file__).resolve().parent.parent

KERNEL = """#define IDX(i, j) ((i) * n + (j))

void thomas_rows(int n, double b, const double *restrict d, double *restrict cp,
                 double *restrict dp, double *restrict x)
{
    for (int i = 0; i < n; i++) { /* rows */
        cp[i * n] = 0.5 / b;
        dp[i * n] = d[i * n] / b;
        for (int j = 1; j < n; j++) {
            double m = b - 0.5 * cp[i * n + j - 1];
            cp[i * n + j] = 0.5 / m;
            dp[i * n + j] = (d[i * n + j] + 0.5 * dp[i * n + j - 1]) / m;
        }
        x[i * n + n - 1] = dp[i * n + n - 1];
        for (int j = n - 2; j >= 0; j--)
            x[i * n + j] = dp[i * n + j] + cp[i * n + j] * x[i * n + j + 1];
    }
}

void spill(int n, double *restrict a)
{
    for (int i = 0; i < n; i++) /* spill */
        for (int j = 0; j < n; j++)
            a[i * n + j + 1] += 0.5 * a[i * n + j];
}

void smooth(int n, const double *restrict u, double *restrict v)
{
    for (int i = 1; i < n - 1; i++) /* macro rows */
        for (int j = 1; j < n - 1; j++)
            v[IDX(i, j)] = 0.25 * (u[IDX(i - 1, j)] + u[IDX(i + 1, j)] + u[IDX(i, j - 1)]
                                  + u[IDX(i, j + 1)]);
}

void macro_spill(int n, double *restrict a)
{
    for (int i = 0; i < n; i++) /* macro spill */
        for (int j = 0; j < n; j++)
            a[IDX(i, j + 1)] += 0.5 * a[IDX(i, j)];
}

#undef IDX
static int IDX(int n, int i, int j) { return i * n + j; }

void scale(int n, double s, double *restrict a)
{
    for (int i = 0; i < n; i++) /* undef */
        for (int j = 0; j < n; j++)
            a[IDX(n, i, j)] *= s;
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void thomas_rows(int n, double b, const double *d, double *cp, double *dp, double *x);
void spill(int n, double *a);
void smooth(int n, const double *u, double *v);
void macro_spill(int n, double *a);
void scale(int n, double s, double *a);
int main(void) {
  int n = 96, nn = n * n, bad = 0;
  double *d = malloc(nn * sizeof *d), *cp = malloc(nn * sizeof *cp), *dp = malloc(nn * sizeof *dp);
  double *x = malloc(nn * sizeof *x), *r = malloc(n * sizeof *r), *s = malloc(n * sizeof *s);
  double *a = malloc((nn + 1) * sizeof *a), *ra = malloc((nn + 1) * sizeof *ra);
  double *v = calloc(nn, sizeof *v), *rv = calloc(nn, sizeof *rv);
  for (int k = 0; k < nn; k++) d[k] = (k * 37 % 101) * 0.01;
  thomas_rows(n, 2.0, d, cp, dp, x);
  for (int i = 0; i < n; i++) {
    double *dd = d + i * n, *xx = x + i * n;
    r[0] = 0.5 / 2.0; s[0] = dd[0] / 2.0;
    for (int j = 1; j < n; j++) { double m = 2.0 - 0.5 * r[j - 1]; r[j] = 0.5 / m;
      s[j] = (dd[j] + 0.5 * s[j - 1]) / m; }
    double nxt = s[n - 1]; bad += fabs(xx[n - 1] - nxt) > 1e-12;
    for (int j = n - 2; j >= 0; j--) { nxt = s[j] + r[j] * nxt; bad += fabs(xx[j] - nxt) > 1e-12; }
  }
  for (int k = 0; k <= nn; k++) a[k] = ra[k] = (k % 13) * 0.1;
  spill(n, a);
  for (int k = 0; k < nn; k++) ra[k + 1] += 0.5 * ra[k];
  for (int k = 0; k <= nn; k++) bad += fabs(a[k] - ra[k]) > 1e-9 * (1 + fabs(ra[k]));
  smooth(n, d, v);
  for (int i = 1; i < n - 1; i++) for (int j = 1; j < n - 1; j++)
    rv[i * n + j] = 0.25 * (d[(i - 1) * n + j] + d[(i + 1) * n + j] + d[i * n + j - 1] + d[i * n + j + 1]);
  for (int k = 0; k < nn; k++) bad += fabs(v[k] - rv[k]) > 1e-12;
  for (int k = 0; k <= nn; k++) a[k] = ra[k] = (k % 7) * 0.1;
  macro_spill(n, a);
  for (int k = 0; k < nn; k++) ra[k + 1] += 0.5 * ra[k];
  for (int k = 0; k <= nn; k++) bad += fabs(a[k] - ra[k]) > 1e-9 * (1 + fabs(ra[k]));
  scale(n, 3.0, a);
  for (int k = 0; k < nn; k++) bad += fabs(a[k] - 3.0 * ra[k]) > 1e-9 * (1 + fabs(ra[k]));
  printf(bad ? "FAILED %d\\n" : "OK\\n", bad);
  return 0;
}
"""




@pytest.fixture(scope="module")
def suggestions(tmp_path_factory) -> dict[int, dict]:
    src = tmp_path_factory.mktemp("rows") / "kernel.c"
    src.write_text(KERNEL)
    got = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(src), "--json",
                          "--engine", "analysis"], capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": "",
                                           "PATH": "/usr/bin:/bin"})
    assert got.returncode == 0, got.stderr
    return {item["line"]: item for item in json.loads(got.stdout)}


def _parallel(pragma: str | None) -> bool:
    return pragma is not None and asserts_parallel(parse(pragma))


def test_rows_are_parallel_and_spills_are_not(suggestions):
    marks = marked_lines(KERNEL)
    for marker, parallel in (("rows", True), ("macro rows", True), ("spill", False),
                             ("macro spill", False)):
        item = suggestions[marks[marker]]
        assert _parallel(item["pragma"]) is parallel, (marker, item)
    # the rows and the macro subscripts have sections (an extent: a compute construct)
    assert "cp[0:n*n]" in suggestions[marks["rows"]]["pragma"]
    smooth = suggestions[marks["macro rows"]]["pragma"]
    assert "u[1:n*n-2]" in smooth and "v[n+1:n*n-2*n-2]" in smooth, smooth
    spill = " ".join(suggestions[marks["spill"]]["notes"])
    assert "`a[i * n + j]`" in spill and "carried" in spill, spill


def test_the_programs_verify_and_the_naive_pragma_does_not(tmp_path):
    programs = {"rows": (KERNEL, MAIN), "naive_spill": (with_naive_pragma(KERNEL, "spill"), MAIN),
                "naive_macro_spill": (with_naive_pragma(KERNEL, "macro spill"), MAIN)}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", threads=4, runs=1,
                           with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    r = rows["rows"]
    assert r["original"]["status"] == "verified", r["original"]
    assert r["engine"]["status"] == "verified", r["engine"]["reason"]
    assert r["offload"]["status"] == "verified", r["offload"]["reason"]
    offloaded = {ln for p in r["offload"]["plans"] for ln in p["loops"]}
    marks = marked_lines(KERNEL)
    assert {marks["rows"], marks["macro rows"]} <= offloaded, offloaded
    assert not {marks["spill"], marks["macro spill"]} & offloaded, offloaded
    for name in ("naive_spill", "naive_macro_spill"):  # control: the hazard is real
        assert rows[name]["original"]["status"] != "verified", rows[name]["original"]
