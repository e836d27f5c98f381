"""A host write pushed with the region's whole section pulls that section first (issue #15).

A host loop walks the points of a sweep plane, reading each point's indices from index
arrays (``k = kx[n]``); per point, device loops relax the whole of ``r`` twice (work that
weighs as much as the whole-array updates each point moves, so the loops stay offloaded:
docs/offload.md 18.) and fill a scratch ``tv`` from the point's five components, then the host
writes one component back (``r[3][k][j][i] = ...``).  The host write's subscripts are read from memory, so its
``update device`` names the whole true array ``r``: that copies every element of ``r`` from
the host (OpenACC 3.3, 2.14.4), the components the device loop just wrote included.  The
plan must bring ``r`` from the device before the write (``update self(r)``), so that the push
changes only the element the host wrote.  Before, only ``rows`` sections (a row of a known
length) counted as wider than the element: a multi-dimensional true array, or any use that
fell back to the region's whole section, was taken to be the element itself — the push sent
the host's stale components over the device's, and the emulator's output was wrong (and
without another array's copy back, a following host read's pull was dropped as bringing back
only what the push sent, so the host was taken to hold ``r``: no copy back at all).

Twin: ``s[5 * n + 4] = ...`` names its one element (``s[5*n+4:1]``): the push of that
element alone needs no pull.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """#define N 8
#define NP 64
double r[5][N][N][N];
double tv[5][NP];
double s[5 * NP];
int ix[NP], jx[NP], kx[NP];

void sweep(int npl, double w)
{
  int i, j, k, m, n, ii, jj, kk;
  for (n = 0; n < npl; n++) {
    i = ix[n]; j = jx[n]; k = kx[n];
    for (m = 0; m < 5; m++)
      for (kk = 0; kk < N; kk++)
        for (jj = 0; jj < N; jj++)
          for (ii = 0; ii < N; ii++)
            r[m][kk][jj][ii] = w * r[m][kk][jj][ii] + 1.0;
    for (m = 0; m < 5; m++)
      for (kk = 0; kk < N; kk++)
        for (jj = 0; jj < N; jj++)
          for (ii = 0; ii < N; ii++)
            r[m][kk][jj][ii] = 0.5 * r[m][kk][jj][ii] + 0.25;
    for (m = 0; m < 5; m++)
      tv[m][n] = r[m][k][j][i] * 0.5;
    for (m = 0; m < 5; m++)
      s[5 * n + m] = tv[m][n] + s[5 * n + m];
    s[5 * n + 4] = tv[4][n] + 2.0;
    r[3][k][j][i] = s[5 * n + 4] - tv[3][n];
  }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#define N 8
#define NP 64
extern double r[5][N][N][N];
extern double tv[5][NP];
extern double s[5 * NP];
extern int ix[NP], jx[NP], kx[NP];
void sweep(int npl, double w);
static double rr[5][N][N][N], rt[5][NP], rs[5 * NP];
int main(void) {
  int bad = 0, npl = 40;
  for (int m = 0; m < 5; m++) for (int k = 0; k < N; k++) for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++)
      r[m][k][j][i] = rr[m][k][j][i] = (m + 3 * k + 5 * j + 7 * i) % 13 * 0.1;
  for (int n = 0; n < 5 * NP; n++) s[n] = rs[n] = n % 7 * 0.25;
  for (int n = 0; n < NP; n++) { ix[n] = n % N; jx[n] = (n / N) % N; kx[n] = (n * 3) % N; }
  sweep(npl, 0.5);
  for (int n = 0; n < npl; n++) {
    int i = ix[n], j = jx[n], k = kx[n];
    for (int m = 0; m < 5; m++) for (int kk = 0; kk < N; kk++) for (int jj = 0; jj < N; jj++)
      for (int ii = 0; ii < N; ii++) rr[m][kk][jj][ii] = 0.5 * rr[m][kk][jj][ii] + 1.0;
    for (int m = 0; m < 5; m++) for (int kk = 0; kk < N; kk++) for (int jj = 0; jj < N; jj++)
      for (int ii = 0; ii < N; ii++) rr[m][kk][jj][ii] = 0.5 * rr[m][kk][jj][ii] + 0.25;
    for (int m = 0; m < 5; m++) rt[m][n] = rr[m][k][j][i] * 0.5;
    for (int m = 0; m < 5; m++) rs[5 * n + m] = rt[m][n] + rs[5 * n + m];
    rs[5 * n + 4] = rt[4][n] + 2.0;
    rr[3][k][j][i] = rs[5 * n + 4] - rt[3][n];
  }
  for (int m = 0; m < 5; m++) for (int k = 0; k < N; k++) for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++) bad += fabs(r[m][k][j][i] - rr[m][k][j][i]) > 1e-12;
  for (int n = 0; n < 5 * NP; n++) bad += fabs(s[n] - rs[n]) > 1e-12;
  for (int n = 0; n < npl; n++) for (int m = 0; m < 5; m++) bad += fabs(tv[m][n] - rt[m][n]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_a_whole_section_push_pulls_the_section_first(tmp_path):
    text, plans = plan_text(KERNEL, get_engine("analysis"))
    acc = acc_lines(text)
    ups = [a for a in acc if "update" in a]
    # r: pulled before the host writes it, then pushed (its subscripts are read from memory)
    assert "#pragma acc update self(r)" in ups, acc
    assert ups.index("#pragma acc update self(r)") < ups.index("#pragma acc update device(r)")
    # the twin: s's one element is pushed alone, never pulled
    assert "#pragma acc update device(s[5*n+4:1])" in ups, acc
    assert not any(a.startswith("#pragma acc update self(s") for a in ups), acc
    res = evaluate_dynamic(write_suite(tmp_path, {"sweep": (KERNEL, MAIN)}), "analysis",
                           runs=1, with_mutations=False, offload=True)
    row = res["programs"][0]["offload"]
    assert row["status"] == "verified", row["reason"]
    r_bytes, tv_bytes, s_bytes, points = 8 * 5 * 8 ** 3, 8 * 5 * 64, 8 * 5 * 64, 40
    # in: the three arrays once, then per point r pushed whole and s's one element
    assert row["bytes_h2d"] == r_bytes + tv_bytes + s_bytes + points * (r_bytes + 8), row
    # out: per point r pulled whole and the two rows of tv the host reads (tv[4:1], tv[3:1]:
    # one row of a true array of several dimensions, docs/offload.md twenty-first session),
    # then r, tv and s copied back (the old plan: 125 440, and output that did not verify;
    # before the rows, tv pulled whole per point and not copied back: 944 640)
    assert row["bytes_d2h"] == points * (r_bytes + 2 * 8 * 64) + r_bytes + tv_bytes + \
        s_bytes, row
