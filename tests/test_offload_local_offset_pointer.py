"""Offload plans over a loop whose body declares a pointer into an array and passes it to the
functions of its kernels (issue #15, application shape: ``const double *x = patterns + p * n;``
in a training loop over patterns).

The facts: ``T *x = a + k;`` (or ``&a[k]``, which is ``a + k``: C11 6.5.3.2p3) holds the
address of element ``k`` of ``a``'s array (C11 6.5.6p8); nothing assigns ``x``, ``a`` or a name
of ``k`` after the declaration, so a call passing ``x`` passes ``a + k`` with the value ``k``
has at the call — the offset argument of tests/test_offload_offset_args.py.  The caller's
region maps ``a`` over its loop (a data directive above the declaration cannot name ``x``,
C11 6.2.1p4), and the weights stay on the device across patterns.
Twin: the loop's host code also reads through the local (``x[0]``) after a callee writes
through it on the device; read as ``patterns``' offset, that host read would go unseen and
read a stale host copy, so the calls stay out of a region (each moves its own data).  Whole
programs built with gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

NP, NI, NO, EPOCHS = 8, 300, 4, 5

TRAIN = """
static void forward(const double *restrict x, int n, const double *restrict w,
                    double *restrict y, int m)
{
    for (int j = 0; j < m; j++) {
        double s = w[n * m + j];
        for (int k = 0; k < n; k++)
            s += w[k * m + j] * x[k];
        y[j] = s;
    }
}

static void adjust(const double *restrict y, int m, const double *restrict x, int n,
                   double *restrict w)
{
    for (int k = 0; k < n; k++)
        for (int j = 0; j < m; j++)
            w[k * m + j] -= 0.001 * y[j] * x[k];
}

static void decay(double *restrict x, int n)
{
    for (int k = 0; k < n; k++)
        x[k] *= 0.75;
}

double train(int np, int n, int m, int epochs, double *patterns, double *w, double *y)
{
    double total = 0.0;
    for (int e = 0; e < epochs; e++)
        for (int p = 0; p < np; p++) {
            double *x = patterns + p * n;
            forward(x, n, w, y, m);
            adjust(y, m, x, n, w);
            decay(x, n);
            total += y[0];
        }
    return total;
}
"""

# the same local spelled as the address of the offset's element
ADDRESS = TRAIN.replace("patterns + p * n", "&patterns[p * n]")
# twin: the host reads through the local after `decay` wrote through it on the device
READ_THROUGH = TRAIN.replace("total += y[0];", "total += y[0] + x[0];")

MAIN = """#include <math.h>
#include <stdio.h>
double train(int np, int n, int m, int epochs, double *patterns, double *w, double *y);
int main(void) {
  enum { NP = NPV, NI = NIV, NO = NOV, EPOCHS = EPOCHSV, READ = READV };
  static double pat[NP * NI], w[(NI + 1) * NO], y[NO];
  static double rpat[NP * NI], rw[(NI + 1) * NO], ry[NO];
  int bad = 0;
  for (int i = 0; i < NP * NI; i++) pat[i] = rpat[i] = ((i * 7) % 13) / 13.0;
  for (int i = 0; i < (NI + 1) * NO; i++) w[i] = rw[i] = ((i * 5) % 11) / 110.0;
  double total = train(NP, NI, NO, EPOCHS, pat, w, y), rtotal = 0.0;
  for (int e = 0; e < EPOCHS; e++)
    for (int p = 0; p < NP; p++) {
      double *x = rpat + p * NI;
      for (int j = 0; j < NO; j++) {
        double s = rw[NI * NO + j];
        for (int k = 0; k < NI; k++) s += rw[k * NO + j] * x[k];
        ry[j] = s;
      }
      for (int k = 0; k < NI; k++)
        for (int j = 0; j < NO; j++) rw[k * NO + j] -= 0.001 * ry[j] * x[k];
      for (int k = 0; k < NI; k++) x[k] *= 0.75;
      rtotal += ry[0] + (READ ? x[0] : 0.0);
    }
  for (int i = 0; i < NP * NI; i++) bad += fabs(pat[i] - rpat[i]) > 1e-12;
  for (int i = 0; i < (NI + 1) * NO; i++) bad += fabs(w[i] - rw[i]) > 1e-12;
  bad += fabs(total - rtotal) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


@pytest.mark.parametrize("src", [TRAIN, ADDRESS], ids=["sum", "address"])
def test_a_local_offset_pointer_joins_the_callers_region(engine, src):
    text, plans = plan_text(src, engine)
    acc = acc_lines(text)
    region = [a for a in acc if a.startswith("#pragma acc data")]
    assert region == ["#pragma acc data copy(patterns[0:n*np], w[0:m*n+m], y[0:m])"], acc
    lines = [ln.strip() for ln in text.splitlines()]
    assert lines[lines.index(region[0]) + 1].startswith("for (int e = 0;"), text
    assert [c["functions"] for c in plans["train"].calls] == [["forward"], ["adjust"],
                                                               ["decay"]]
    assert not any(a.startswith("#pragma acc update device") for a in acc), acc


def test_a_host_read_through_the_local_keeps_the_calls_out(engine):
    text, plans = plan_text(READ_THROUGH, engine)
    notes = " ".join(plans["train"].notes)
    assert "`x` is declared inside the region" in notes, notes
    assert not any(a.startswith("#pragma acc data") for a in acc_lines(text))


def test_the_programs_verify_in_the_emulator(tmp_path):
    """Every plan verifies; over the local the patterns and weights move once each way (plus
    ``y``, and ``y[0]`` per pattern for the host's sum), where the twin moves the weights per
    call."""
    def main(read: int) -> str:
        return (MAIN.replace("NPV", str(NP)).replace("NIV", str(NI)).replace("NOV", str(NO))
                .replace("EPOCHSV", str(EPOCHS)).replace("READV", str(read)))
    programs = {"local_sum": (TRAIN, main(0)), "local_address": (ADDRESS, main(0)),
                "local_read_through": (READ_THROUGH, main(1))}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    once = 2 * (NP * NI + (NI + 1) * NO + NO) * 8 + EPOCHS * NP * 8
    assert moved["local_sum"] == once, moved
    assert moved["local_address"] == once, moved
    assert moved["local_read_through"] >= EPOCHS * NP * 2 * (NI + 1) * NO * 8, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
