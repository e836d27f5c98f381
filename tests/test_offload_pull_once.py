"""An array the host already brought back is not brought back again over its own writes
(issue #15).

A device loop fills a counter array, then two host loops update it (through data-dependent
subscripts, by an update whose order matters — a histogram's `+ 1` would run on the device
with an atomic update, tests/test_offload_atomic.py — then a running sum), and a later device loop of the region uses
another array.  The counters need one ``update self`` before the first host loop.  Before
the second, nothing on the device has changed them since that pull, but the host has: a
second ``update self`` would copy the device's zeros over the histogram (OpenACC 3.3, 2.14.4:
``update self`` copies whatever the device holds).  With the host copy current at the end
(item 5, "The host already holds it"), nothing pushes the host's writes, so the plan pulled
twice and the program printed wrong counts.  Now a pull is left out when an ``update self``
of the whole section already ran after the array's last device write before the statement
(in the same host loops, on every path), and a host write that nothing pushes is pushed
when an ``update self`` may still follow it.

Twin: a device loop doubles the counters between the two host loops: the second host loop
needs its own ``update self`` (the device wrote after the first pull), and the first host
loop's writes are pushed before that device loop reads them.  The second pull is of the
whole array (the running sum's ``cnt[j]`` and ``cnt[j - 1]`` join into it), so the host then
holds every counter and the region copies none of them out.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void bucket(int n, int m, const int *key, int *cnt, double *x)
{
    for (int j = 0; j < n; j++) {
        cnt[j] = 0;
        x[j] = 0.0;
    }
    for (int k = 0; k < m; k++)
        cnt[key[k]] = 2 * cnt[key[k]] + 1;
    MIDDLE
    for (int j = 1; j < n; j++)
        cnt[j] = cnt[j] + cnt[j - 1];
    for (int j = 0; j < n; j++)
        x[j] = 0.5 * j;
}
"""
DOUBLE = """for (int j = 0; j < n; j++)
        cnt[j] = 2 * cnt[j];"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void bucket(int n, int m, const int *key, int *cnt, double *x);
int main(void) {
  int n = 64, m = 500, bad = 0;
  int *key = malloc(m * sizeof *key), *cnt = malloc(n * sizeof *cnt), *ref = calloc(n, sizeof *ref);
  double *x = malloc(n * sizeof *x);
  for (int k = 0; k < m; k++) key[k] = (k * 37 + k / 7) % n;
  for (int j = 0; j < n; j++) cnt[j] = -5;
  bucket(n, m, key, cnt, x);
  for (int k = 0; k < m; k++) ref[key[k]] = 2 * ref[key[k]] + 1;
  MIDDLE
  for (int j = 1; j < n; j++) ref[j] += ref[j - 1];
  for (int j = 0; j < n; j++) bad += cnt[j] != ref[j] || x[j] != 0.5 * j;
  puts(bad ? "BAD" : "OK");
  free(key); free(cnt); free(ref); free(x);
  return 0;
}
"""


def test_a_pulled_array_is_not_pulled_again_over_host_writes(tmp_path, engine):
    once = KERNEL.replace("MIDDLE", "")
    text, plans = plan_text(once, engine)
    assert [x["line"] for x in plans["bucket"].loops] == [3, 12], plans["bucket"].host_loops
    acc = acc_lines(text)
    assert [a for a in acc if "update self" in a] == ["#pragma acc update self(cnt[0:n])"], acc
    assert not any("update device" in a for a in acc), acc
    twin_src = KERNEL.replace("MIDDLE", DOUBLE)
    twin, tplans = plan_text(twin_src, engine)
    assert [x["line"] for x in tplans["bucket"].loops] == [3, 9, 13], tplans["bucket"].host_loops
    tacc = acc_lines(twin)
    assert tacc[2] == "#pragma acc update self(cnt[0:n])", tacc
    # the running sum reads cnt[j] and cnt[j - 1]: the two sections join into the whole
    # (flow._joined), so after that pull the host holds every counter, writes last, and
    # nothing is pushed back or copied out
    assert [a for a in tacc if "update self" in a] == ["#pragma acc update self(cnt[0:n])"] * 2
    assert tacc.count("#pragma acc update device(cnt[0:n])") == 1, tacc
    res = evaluate_dynamic(write_suite(tmp_path, {
        "once": (once, MAIN.replace("MIDDLE", "")),
        "twin": (twin_src, MAIN.replace("MIDDLE", "for (int j = 0; j < n; j++) ref[j] *= 2;"))}),
        "analysis", runs=3, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # the counters come back once (4 n bytes), x is copied out (8 n); nothing goes in
    assert moved["once"] == 64 * (4 + 8), moved
