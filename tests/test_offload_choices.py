"""Choices the offload planner makes inside one region (issue #15), on whole programs run in
the data-environment emulator: when two loops' accesses of one array cannot share a section,
the loop doing more work keeps the device (the other stays on the host, kept in step by the
flow's updates); a local declared in one loop's body does not give its value to a name of
another loop."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import apply_plans, offload_source

N, DIM, K = 3000, 4, 5

# the expensive nest reads pts[0:n*dim], the cheap loop after it pts[0:k*dim]: n*dim and
# k*dim cannot be ordered, so one of them must stay on the host
NEAREST = """
void nearest(int n, int dim, int k, const double *restrict pts, const double *restrict cent,
             int *restrict member, double *restrict half)
{
    for (int i = 0; i < n; i++) {
        int best = 0;
        double best_d = 1e300;
        for (int c = 0; c < k; c++) {
            double dist = 0.0;
            for (int f = 0; f < dim; f++) {
                double diff = pts[i * dim + f] - cent[c * dim + f];
                dist += diff * diff;
            }
            if (dist < best_d) {
                best_d = dist;
                best = c;
            }
        }
        member[i] = best;
    }
    for (int c = 0; c < k * dim; c++)
        half[c] = 0.5 * pts[c];
}
"""
NEAREST_MAIN = """#include <stdio.h>
#include <stdlib.h>
void nearest(int n, int dim, int k, const double *restrict pts, const double *restrict cent,
             int *restrict member, double *restrict half);
int main(void) {
  int n = NPTS, dim = DIM, k = KC;
  double *pts = malloc(sizeof(double) * n * dim), *cent = malloc(sizeof(double) * k * dim);
  double *half = malloc(sizeof(double) * k * dim); int *member = malloc(sizeof(int) * n);
  for (int i = 0; i < n * dim; i++) pts[i] = (i * 37 % 101) * 0.01;
  for (int i = 0; i < k * dim; i++) cent[i] = (i * 13 % 29) * 0.03;
  nearest(n, dim, k, pts, cent, member, half); int bad = 0;
  for (int i = 0; i < n; i++) {
    int best = 0; double bd = 1e300;
    for (int c = 0; c < k; c++) { double d = 0;
      for (int f = 0; f < dim; f++) { double x = pts[i*dim+f] - cent[c*dim+f]; d += x * x; }
      if (d < bd) { bd = d; best = c; } }
    bad += member[i] != best;
  }
  for (int c = 0; c < k * dim; c++) bad += half[c] != 0.5 * pts[c];
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NPTS", str(N)).replace("DIM", str(DIM)).replace("KC", str(K))

# `k` of the first loop is its index; the `k` of the nest is a local of the nest's body; the
# first loop reaches img[0:size], the nest img[0:cols*rows]: the same elements (size is
# rows * cols everywhere in the region)
CENTRED = """
void centred(int rows, int cols, int iters, double *restrict img, double *restrict out)
{
    int size = rows * cols;
    for (int it = 0; it < iters; it++) {
        double sum = 0.0;
        for (int k = 0; k < size; k++)
            sum += img[k];
        double mean = sum / size;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                out[k] = img[k] - mean;
                img[k] = 0.5 * img[k] + 0.25 * out[k];
            }
    }
}
"""
CENTRED_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void centred(int rows, int cols, int iters, double *restrict img, double *restrict out);
int main(void) {
  int rows = 60, cols = 50, it = 6, n = rows * cols;
  double *img = malloc(8 * n), *out = malloc(8 * n), *ri = malloc(8 * n), *ro = malloc(8 * n);
  for (int i = 0; i < n; i++) img[i] = ri[i] = (i % 23) * 0.125;
  centred(rows, cols, it, img, out);
  for (int t = 0; t < it; t++) { double s = 0; for (int k = 0; k < n; k++) s += ri[k];
    double m = s / n; for (int k = 0; k < n; k++) { ro[k] = ri[k] - m; ri[k] = 0.5 * ri[k] + 0.25 * ro[k]; } }
  int bad = 0;
  for (int i = 0; i < n; i++) bad += fabs(img[i] - ri[i]) > 1e-9 || fabs(out[i] - ro[i]) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# Lloyd's iterations: the assignment nest on the device, the centroids recomputed by two host
# loops side by side (the first carries a dependence; the second's pts[0:k*dim] does not unite
# with the nest's pts[0:n*dim]), so the region around the iterations needs updates between
LLOYD = """
void lloyd(int n, int dim, int k, int iters, const double *restrict pts,
           double *restrict cent, int *restrict member, int *restrict count)
{
    for (int it = 0; it < iters; it++) {
        for (int i = 0; i < n; i++) {
            int best = 0;
            double best_d = 1e300;
            for (int c = 0; c < k; c++) {
                double dist = 0.0;
                for (int f = 0; f < dim; f++) {
                    double diff = pts[i * dim + f] - cent[c * dim + f];
                    dist += diff * diff;
                }
                if (dist < best_d) {
                    best_d = dist;
                    best = c;
                }
            }
            member[i] = best;
        }
        for (int c = 0; c < k * dim; c++)
            cent[c] = 0.0;
        for (int c = 0; c < k; c++)
            count[c] = 0;
        for (int i = 0; i < n; i++) {
            count[member[i]]++;
            for (int f = 0; f < dim; f++)
                cent[member[i] * dim + f] += pts[i * dim + f];
        }
        for (int c = 0; c < k; c++)
            for (int f = 0; f < dim; f++)
                cent[c * dim + f] = count[c] ? cent[c * dim + f] / count[c] : pts[c * dim + f];
    }
}
"""
LLOYD_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void lloyd(int n, int dim, int k, int iters, const double *restrict pts,
           double *restrict cent, int *restrict member, int *restrict count);
static void ref(int n, int dim, int k, int iters, const double *pts, double *cent,
                int *member, int *count) {
  for (int it = 0; it < iters; it++) {
    for (int i = 0; i < n; i++) { int best = 0; double bd = 1e300;
      for (int c = 0; c < k; c++) { double d = 0;
        for (int f = 0; f < dim; f++) { double x = pts[i*dim+f] - cent[c*dim+f]; d += x * x; }
        if (d < bd) { bd = d; best = c; } }
      member[i] = best; }
    memset(cent, 0, sizeof(double) * k * dim); memset(count, 0, sizeof(int) * k);
    for (int i = 0; i < n; i++) { count[member[i]]++;
      for (int f = 0; f < dim; f++) cent[member[i]*dim+f] += pts[i*dim+f]; }
    for (int c = 0; c < k; c++) for (int f = 0; f < dim; f++)
      cent[c*dim+f] = count[c] ? cent[c*dim+f] / count[c] : pts[c*dim+f];
  }
}
int main(void) {
  int n = NPTS, dim = DIM, k = KC, it = 5;
  double *pts = malloc(sizeof(double) * n * dim), *cent = malloc(sizeof(double) * k * dim);
  double *rc = malloc(sizeof(double) * k * dim);
  int *member = malloc(sizeof(int) * n), *rm = malloc(sizeof(int) * n);
  int *count = malloc(sizeof(int) * k), *rn = malloc(sizeof(int) * k);
  for (int i = 0; i < n * dim; i++) pts[i] = (i * 37 % 101) * 0.01;
  for (int i = 0; i < k * dim; i++) cent[i] = rc[i] = pts[i * 7];
  lloyd(n, dim, k, it, pts, cent, member, count); ref(n, dim, k, it, pts, rc, rm, rn);
  int bad = 0;
  for (int i = 0; i < n; i++) bad += member[i] != rm[i];
  for (int c = 0; c < k * dim; c++) bad += fabs(cent[c] - rc[c]) > 1e-9;
  for (int c = 0; c < k; c++) bad += count[c] != rn[c];
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NPTS", str(N)).replace("DIM", str(DIM)).replace("KC", str(K))

PROGRAMS = {"nearest": (NEAREST, NEAREST_MAIN), "centred": (CENTRED, CENTRED_MAIN),
            "lloyd": (LLOYD, LLOYD_MAIN)}


def _plan(src: str, engine):
    plans = offload_source(src.encode(), engine, path="k.c")
    return apply_plans(src.encode(), plans).decode(), plans[0]


def test_the_loop_doing_more_work_keeps_the_device(engine):
    text, plan = _plan(NEAREST, engine)
    assert [lp["line"] for lp in plan.loops] == [5]  # the three-deep nest
    host = {h["line"]: h["why"] for h in plan.host_loops}
    assert "cannot bound the elements of `pts`" in host[21], host
    assert "pts[0:dim*n]" in text and "pts[0:dim*k]" not in text


def test_a_local_of_one_loop_is_not_a_name_of_another(engine):
    """...and a local of known value (``size``) unites with its value's spelling."""
    text, plan = _plan(CENTRED, engine)
    assert sorted(lp["line"] for lp in plan.loops) == [7, 10], (plan.notes, plan.host_loops)
    assert not plan.host_loops[1:], plan.host_loops  # only the time loop (line 5) stays
    assert plan.regions[0]["start_line"] == 5  # the region holds the time loop
    assert "img[0:cols*rows]" in text
    assert "reduction(+:sum)" in text


def test_a_local_whose_names_change_is_not_spelled_out(engine):
    """``cols`` changes after ``size`` is declared: size is no longer rows * cols, so the two
    sections stay apart (one loop leaves the region; no section is guessed)."""
    src = CENTRED.replace("int size = rows * cols;\n", "int size = rows * cols;\n    cols--;\n")
    text, plan = _plan(src, engine)
    host = {h["line"]: h["why"] for h in plan.host_loops}
    assert "cannot bound the elements of `img`" in host[8], host  # the statistics loop
    assert "img[0:size]" not in text and "#pragma acc update self(img[0:cols*rows])" in text


def test_no_round_trip_between_host_statements_side_by_side(engine):
    """The two host loops that recompute the centroids each write `cent`: one ``update self``
    before the first, one ``update device`` after the second, none between them; with them
    the region holds the iterations (`pts` moves once)."""
    text, plan = _plan(LLOYD, engine)
    assert plan.regions[0]["start_line"] == 5, plan.regions  # around the iteration loop
    assert text.count("#pragma acc update self(cent[0:dim*k])") == 1, text
    assert text.count("#pragma acc update device(cent[0:dim*k])") == 1, text
    lines = text.splitlines()
    first = next(k for k, ln in enumerate(lines) if "count[member[i]]++" in ln) - 1
    above = []  # the pragma lines right above the first host loop
    while lines[first - 1 - len(above)].strip().startswith("#pragma acc update"):
        above.append(lines[first - 1 - len(above)].strip())
    assert "#pragma acc update self(cent[0:dim*k])" in above, above


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: both plans verify; `centred` moves its two
    arrays once for all the iterations (the region holds the time loop)."""
    res = evaluate_dynamic(write_suite(tmp_path, PROGRAMS), "analysis", runs=1, with_mutations=False,
                           offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        assert r["offload"]["status"] == "verified", (name, r["offload"]["reason"])
    assert rows["nearest"]["offload_loops"] == 1 and rows["centred"]["offload_loops"] == 2
    lloyd = rows["lloyd"]["offload"]  # pts (n*dim doubles) in once, not once per iteration
    assert lloyd["bytes_h2d"] < 2 * N * DIM * 8, lloyd
    c = rows["centred"]["offload"]
    # both arrays in and out once (not once per iteration), the sum back each iteration
    assert (c["bytes_h2d"] or 0) + (c["bytes_d2h"] or 0) <= 4 * 60 * 50 * 8 + 2 * 6 * 8
