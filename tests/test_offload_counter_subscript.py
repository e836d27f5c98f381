"""A counter whose value the loop uses is not a reduction (issue #15).

``re[j * W + i] = tmp[t++];`` advances ``t`` by one per use, like a sum, but each iteration
reads the count the earlier ones left (the value of ``t++`` is ``t`` before the update, C11
6.5.2.4): the iterations depend on each other.  A ``reduction(+:t)`` gives every gang its
own ``t`` starting at 0 (OpenACC 3.3, 2.5.15: only the combined value is defined, after the
loop), so the loop copied the wrong elements.  The analysis read the update inside the
subscript as a statement of its own and called ``t`` a reduction; now an update whose value
is used is a read of the variable, and the loop stays on the host with the carried
dependence named.

Twin: ``if (re[k] > 5.0) t++;`` counts (the update is a statement, its value unused): still
a ``+`` reduction, offloaded, and the count is right.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#define W 16
#define H 8
static double tmp[2 * W * H + 1];

int unpack(int k, double *re, double *im)
{
    int t = 1;
    for (int i = 0; i < 2 * W * H + 1; i++)
        tmp[i] = (i * 7 + k) % 11;
    for (int j = 0; j < H; j++)
        for (int i = 0; i < W; i++) {
            re[j * W + i] = tmp[t++];
            im[j * W + i] = tmp[t++];
        }
    return t;
}

int count_big(const double *re)
{
    int t = 0;
    for (int k = 0; k < W * H; k++)
        if (re[k] > 5.0) t++;
    return t;
}
"""
MAIN = """#include <stdio.h>
#define W 16
#define H 8
int unpack(int k, double *re, double *im);
int count_big(const double *re);
static double re[W * H], im[W * H];
int main(void) {
  int bad = 0;
  int t = unpack(3, re, im);
  for (int e = 0; e < W * H; e++)
    bad += re[e] != (double)(((2 * e + 1) * 7 + 3) % 11) || im[e] != (double)(((2 * e + 2) * 7 + 3) % 11);
  bad += t != 2 * W * H + 1;
  int big = 0;
  for (int e = 0; e < W * H; e++) big += re[e] > 5.0;
  bad += count_big(re) != big;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_a_counter_used_as_a_subscript_is_not_a_reduction(tmp_path, engine):
    text, plans = plan_text(KERNEL, engine)
    acc = acc_lines(text)
    assert not any("reduction(+:t)" in a and "present(re" in a for a in acc), acc
    unpack = plans["unpack"]
    assert unpack.loops == [], unpack.loops
    assert any(h["line"] == 10 and "depend" in h["why"] for h in unpack.host_loops), \
        unpack.host_loops
    assert [x["line"] for x in plans["count_big"].loops] == [21], plans["count_big"].host_loops
    assert any("reduction(+:t)" in a for a in acc), acc
    res = evaluate_dynamic(write_suite(tmp_path, {"counter": (KERNEL, MAIN)}), "analysis",
                           runs=3, with_mutations=False, offload=True)
    verified_offload_bytes(res)
