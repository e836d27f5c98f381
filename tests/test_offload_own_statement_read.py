"""A read of an element in the statement that writes it comes before the write (issue #15).

An offloaded loop whose body is a block stores ``a[j] = 0.5 * a[j] + s``: the read of
``a[j]`` is after the write's subscript in the text, but the value stored is computed from
it, so it reads the element's value from before the loop (C11 6.5.16p3: the store is
sequenced after the operands' value computations).  The array needs ``copy``; it got
``copyout``, as if the loop wrote every element before reading it, and the program printed
values computed from the device's uninitialised memory.

Twin: the loop stores ``a[j] = s`` and reads ``a[j]`` in the next statement of its body:
that read sees the element just written, so ``a`` is only copied out.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """void relax(int n, int m, double *a, double *out, const double *b)
{
    for (int j = 0; j < n; j++) {
        double s = 0.0;
        for (int f = 0; f < m; f++)
            s += b[j * m + f];
        STORE
        out[j] = 2.0 * a[j];
    }
}
"""
OWN = "a[j] = 0.5 * a[j] + s;"
LATER = "a[j] = s;"
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void relax(int n, int m, double *a, double *out, const double *b);
int main(void) {
  int n = 300, m = 8, bad = 0;
  double *a = malloc(sizeof(double) * n), *out = malloc(sizeof(double) * n);
  double *b = malloc(sizeof(double) * n * m);
  for (int i = 0; i < n * m; i++) b[i] = i % 7;
  for (int j = 0; j < n; j++) a[j] = j;
  relax(n, m, a, out, b);
  for (int j = 0; j < n; j++) {
    double s = 0.0;
    for (int f = 0; f < m; f++) s += b[j * m + f];
    double want = REF;
    bad += fabs(a[j] - want) > 1e-9 || fabs(out[j] - 2.0 * want) > 1e-9;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_a_read_in_the_writing_statement_is_copied_in(tmp_path):
    engine = get_engine("analysis")
    own, later = KERNEL.replace("STORE", OWN), KERNEL.replace("STORE", LATER)
    text, _ = plan_text(own, engine)
    assert "copy(a[0:n])" in acc_lines(text)[0], acc_lines(text)
    ttext, _ = plan_text(later, engine)
    tacc = acc_lines(ttext)[0]
    assert "copyout(a[0:n]" in tacc and "copy(a" not in tacc, tacc
    res = evaluate_dynamic(write_suite(tmp_path, {
        "own": (own, MAIN.replace("REF", "0.5 * j + s")),
        "later": (later, MAIN.replace("REF", "s"))}),
        "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, r in rows.items():
        assert r["status"] == "verified", (name, r["reason"])
    assert rows["later"]["bytes_h2d"] == 8 * 300 * 8, rows["later"]  # b only
