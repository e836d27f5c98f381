"""The emulator's bounds check on whole programs (real gcc, real threads): a data clause whose
section reaches outside the host array fails the variant (``bounds``); the guarded section
the analysis computes for the same stencil verifies."""

from __future__ import annotations

import re

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from tests.test_dynamic import _suite

STEP = """void step(int rows, int cols, const double *tin, double *tout)
{
#pragma acc parallel loop collapse(2) copyin(%s) copyout(tout[0:cols*rows])
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            int c = i * cols + j;
            int up = i > 0 ? c - cols : c, down = i < rows - 1 ? c + cols : c;
            tout[c] = 0.5 * tin[c] + 0.25 * (tin[up] + tin[down]);
        }
}
"""

MAIN = """#include <stdio.h>
#include <stdlib.h>
#include <math.h>
void step(int rows, int cols, const double *tin, double *tout);
int main(void) {
  int rows = 300, cols = 200;
  double *a = malloc(sizeof(double) * rows * cols), *b = malloc(sizeof(double) * rows * cols);
  for (int k = 0; k < rows * cols; k++) a[k] = k % 13;
  step(rows, cols, a, b);
  double err = 0;
  for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) {
    int c = i * cols + j, up = i > 0 ? c - cols : c, dn = i < rows - 1 ? c + cols : c;
    err += fabs(b[c] - (0.5 * a[c] + 0.25 * (a[up] + a[dn])));
  }
  printf(err < 1e-9 ? "OK\\n" : "BAD %g\\n", err);
  free(a); free(b);
  return 0;
}
"""

# a global array and a section one element past its end (checked with sizeof, not the heap)
GLOBAL_K = """double g[1000];
double total(void) {
  double s = 0;
#pragma acc parallel loop reduction(+:s) copyin(g[0:%s])
  for (int i = 0; i < 1000; i++) s += g[i];
  return s;
}
"""
GLOBAL_MAIN = """#include <stdio.h>
extern double g[1000];
double total(void);
int main(void) {
  double r = 0;
  for (int i = 0; i < 1000; i++) { g[i] = i %% 5; r += g[i]; }
  printf(total() == r ? "OK\\n" : "BAD\\n");
  return 0;
}
"""


def test_sections_outside_the_allocation_fail_and_the_guarded_one_verifies(tmp_path):
    progs = {
        "before_start": {"k.c": STEP % "tin[-cols:cols*rows+2*cols]", "main.c": MAIN},
        "past_end": {"k.c": STEP % "tin[0:cols*rows+cols]", "main.c": MAIN},
        "exact": {"k.c": STEP % "tin[0:cols*rows]", "main.c": MAIN},
        "global_past_end": {"k.c": GLOBAL_K % "1001", "main.c": GLOBAL_MAIN.replace("%%", "%")},
        "global_exact": {"k.c": GLOBAL_K % "1000", "main.c": GLOBAL_MAIN.replace("%%", "%")},
    }
    wrong = {"before_start": "section before the block", "past_end": "section past the end",
             "global_past_end": "section past the array"}
    man = _suite(tmp_path, progs, wrong=wrong)
    r = evaluate_dynamic(man, "analysis", threads=2, runs=1, with_mutations=False)
    rows = {p["name"]: p for p in r["programs"]}
    for name in wrong:
        got = rows[name]["original"]
        assert got["status"] == "bounds", (name, got)
        assert "k.c line 3: bounds" in got["reason"] or "k.c line 4: bounds" in got["reason"]
        assert "reaches outside the array" in got["reason"]
    assert "heap block of 480000 bytes" in rows["before_start"]["original"]["reason"]
    assert "an array of 8000 bytes" in rows["global_past_end"]["original"]["reason"]
    for name in ("exact", "global_exact"):
        assert rows[name]["original"]["status"] == "verified", rows[name]["original"]
    assert r["metrics"]["calibration_caught"] == 1.0
    assert r["metrics"]["calibration_verified"] == 1.0
    # the engine, on the pragma-stripped stencil: the guarded section, and it verifies
    eng = rows["before_start"]["engine"]
    assert eng["status"] == "verified", eng
    pragmas = " ".join(p["pragma"] or "" for p in eng["pragmas"])
    assert "tin[0:cols*rows]" in pragmas, pragmas
    assert not re.search(r"\[-", pragmas), pragmas
    assert "failed_bounds" in r["metrics"] and r["metrics"]["failed_bounds"] == 0.0


# an inner loop alone (the outer one carries `s`) under a guard on the outer index
ROWS_PREFIX = """void rows_prefix(int rows, int cols, const double *tin, double *tout, double *s)
{
    for (int i = 0; i < rows; i++) {
%s        for (int j = 0; j < cols; j++) {
            int c = i * cols + j;
            int up = i > 0 ? c - cols : c;
            tout[c] = 0.5 * tin[c] + 0.25 * tin[up];
        }
        s[i] = (i > 0 ? s[i - 1] : 0.0) + tout[i * cols];
    }
}
"""
ROWS_MAIN = """#include <stdio.h>
#include <stdlib.h>
#include <math.h>
void rows_prefix(int rows, int cols, const double *tin, double *tout, double *s);
int main(void) {
  int rows = 120, cols = 100;
  double *a = malloc(sizeof(double) * rows * cols), *b = malloc(sizeof(double) * rows * cols);
  double *s = malloc(sizeof(double) * rows);
  for (int k = 0; k < rows * cols; k++) a[k] = k % 13;
  rows_prefix(rows, cols, a, b, s);
  double err = 0, acc = 0;
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < cols; j++) {
      int c = i * cols + j, up = i > 0 ? c - cols : c;
      err += fabs(b[c] - (0.5 * a[c] + 0.25 * a[up]));
    }
    acc += b[i * cols];
    err += fabs(s[i] - acc);
  }
  printf(err < 1e-9 ? "OK\\n" : "BAD %g\\n", err);
  free(a); free(b); free(s);
  return 0;
}
"""


def test_an_inner_loop_under_an_outer_index_guard_gets_no_section_before_the_array(tmp_path):
    """Inside the outer loop, `i` is one value of its range, starting at 0 — not a size that
    is at least 1.  The inner loop's own section of `tin[up]` would start at `cols*i - cols`,
    before the array at i = 0 (the emulator's `bounds`); the engine now gives that loop no
    pragma (with a note) rather than a section that reaches outside the allocation."""
    old = ("        #pragma acc parallel loop copyin(tin[cols*i-cols:2*cols]) "
           "copyout(tout[cols*i:cols])\n")
    progs = {"inner_guard": {"k.c": ROWS_PREFIX % old, "main.c": ROWS_MAIN}}
    man = _suite(tmp_path, progs, wrong={"inner_guard": "section before the block at i = 0"})
    r = evaluate_dynamic(man, "analysis", threads=2, runs=1, with_mutations=False)
    row = r["programs"][0]
    assert row["original"]["status"] == "bounds", row["original"]
    eng = row["engine"]
    assert eng["status"] == "verified", eng
    pragmas = " ".join(p["pragma"] or "" for p in eng["pragmas"])
    assert "cols*i-cols" not in pragmas, pragmas
