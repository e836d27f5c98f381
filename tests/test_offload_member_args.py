"""Offload plans over calls that pass a pointer member of a struct variable (issue #15,
application shape: ``distances(db.lat, db.lng, n, ...)`` for each query, the records kept as a
structure of arrays).

The facts: the callee's pointer parameter receives a copy of the member's value (C11
6.5.2.2p4), so its "present or copy" clause looks the section up by that address; a caller's
``copyin(db.lat[0:n])`` maps exactly that address range (a member of a struct variable in a
data clause, OpenACC 3.3, 2.7.1), and nothing needs attaching, since no device code reads
``db`` itself (2.6.8).  The caller's region maps ``s.m[lo:len]`` over the loop of calls — while
``s.m`` keeps its value: a region that holds an assignment of the member would name a stale
address.  Twin: the member is given another buffer between the calls; no region holds that
assignment, and the plan still verifies.  Whole programs built with gcc and run in the
data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, NQ = 4000, 6

RECORDS = """#include <stdlib.h>
struct table {
    int n;
    float *x;
    float *y;
};

static void fill(struct table *t, int n)
{
    t->n = n;
    t->x = malloc((n + 8) * sizeof *t->x);
    t->y = malloc(n * sizeof *t->y);
    for (int i = 0; i < n + 8; i++)
        t->x[i] = (float)((i * 7) % 13);
    for (int i = 0; i < n; i++)
        t->y[i] = (float)((i * 5) % 11);
}

static void reseat(struct table *t)
{
    t->x += 1;
}

static void dist(const float *x, const float *y, int n, float qx, float qy, float *d)
{
    for (int i = 0; i < n; i++)
        d[i] = (x[i] - qx) * (x[i] - qx) + (y[i] - qy) * (y[i] - qy);
}

void run(int n, int nq, float *best)
{
    struct table db;
    fill(&db, n);
    float *alt = malloc(n * sizeof *alt);
    for (int i = 0; i < n; i++)
        alt[i] = (float)((i * 3) % 7);
    float *d = malloc(n * sizeof *d);
    for (int q = 0; q < nq; q++) {
        dist(db.x, db.y, n, (float)q, (float)-q, d);
        best[q] = d[q] + d[n - 1];
    }
    free(db.x);
    free(db.y);
    free(alt);
    free(d);
}
"""

# twin: after the first query the member is given another buffer (the first one is left
# allocated): the caller's mapping of `db.x` at the region's start would name the old address
SWITCHED = RECORDS.replace(
    "        best[q] = d[q] + d[n - 1];\n",
    "        best[q] = d[q] + d[n - 1];\n"
    "        if (q == 0)\n"
    "            db.x = alt;\n").replace("    free(alt);\n", "")

# twin: a call given `&db` moves the member one element on after each query; a region mapping
# `db.x[0:n]` once would leave the next call's `x[0:n]` partly present (a runtime error)
RESEATED = RECORDS.replace(
    "        best[q] = d[q] + d[n - 1];\n",
    "        best[q] = d[q] + d[n - 1];\n"
    "        reseat(&db);\n").replace("    free(db.x);\n", "")

MAIN = """#include <stdio.h>
#include <math.h>
void run(int n, int nq, float *best);
int main(void) {
  enum { N = NV, NQ = NQV };
  static float best[NQ];
  int bad = 0;
  run(N, NQ, best);
  for (int q = 0; q < NQ; q++) {
    float d[2];
    for (int k = 0; k < 2; k++) {
      int i = k ? N - 1 : q;  /* MODE 1: another buffer from query 1; 2: moved by q */
      float x = MODE == 1 && q > 0 ? (float)((i * 3) % 7) : (float)(((i + (MODE == 2) * q) * 7) % 13);
      float dx = x - (float)q, dy = (float)((i * 5) % 11) + (float)q;
      d[k] = dx * dx + dy * dy;
    }
    bad += fabsf(best[q] - (d[0] + d[1])) > 1e-3f;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def _main(mode: int) -> str:
    return MAIN.replace("NV", str(N)).replace("NQV", str(NQ)).replace("MODE", str(mode))


def test_member_arguments_join_the_callers_region(engine):
    text, plans = plan_text(RECORDS, engine)
    acc = acc_lines(text)
    data = [a for a in acc if a.startswith("#pragma acc data")]
    assert data and "db.x[0:n]" in data[0] and "db.y[0:n]" in data[0], acc
    assert "copyin(db)" not in data[0], acc  # nothing to attach: the callee gets the value
    assert plans["run"].calls, plans["run"].notes


@pytest.mark.parametrize("src", [SWITCHED, RESEATED], ids=["assigned", "reseated"])
def test_a_member_given_a_new_value_between_the_calls_is_not_mapped_over_them(engine, src):
    text, plans = plan_text(src, engine)
    assert not any("db.x" in a for a in acc_lines(text)), acc_lines(text)
    assert any("may give `db.x` another value" in n for n in plans["run"].notes), \
        plans["run"].notes


def test_the_programs_verify_in_the_emulator(tmp_path):
    """All three plans verify; over the member arguments the records move once (the distances
    come back per query, two elements each), where the twins move the records per call.
    Without the walls, the reseated twin's plan maps `db.x[0:n]` once and its second call
    aborts (`x[0:n]` partly present)."""
    programs = {"member_args": (RECORDS, _main(0)), "member_switched": (SWITCHED, _main(1)),
                "member_reseated": (RESEATED, _main(2))}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    records = (2 * N + N) * 4  # x and y in, the distances out
    assert moved["member_args"] <= 3 * N * 4 + NQ * 2 * 4, moved  # x, y (and d) in once
    assert moved["member_switched"] >= NQ * records, moved
    assert moved["member_reseated"] >= NQ * records, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
