"""A function's ``static`` local is one object for the whole program (C11 6.2.4p3): what a call
leaves in it, the next call reads (``dataset/offload/live.live_after``).

Before, the planner took a ``static double prev[M]`` (and the buffer a ``static double
*avg`` holds, allocated by the first call) for function-local memory that dies at the return:
the region mapped it ``copyin`` and the values the device wrote never came back, so the second
call read the first call's inputs (the emulator: stale data).  Now such memory is live after
the region: ``copy``.

Proven on whole programs (gcc, the data-environment emulator): the plans verify.
"""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

PREV = """#define M 64
double delta(const double *x)
{
    static double prev[M];
    double cur[M];
    double d = 0.0;
    for (int i = 0; i < M; i++)
        cur[i] = 0.5 * x[i] + 0.25 * (x[i] + x[M - 1 - i]);
    for (int i = 0; i < M; i++) {
        d += (cur[i] - prev[i]) * (cur[i] - prev[i]);
        prev[i] = cur[i];
    }
    return d;
}
"""
PREV_MAIN = """#include <stdio.h>
#define M 64
double delta(const double *x);
int main(void)
{
    double x[M], d1, d2;
    for (int i = 0; i < M; i++) x[i] = 1.0;
    d1 = delta(x);
    d2 = delta(x);
    puts(d1 == 64.0 && d2 == 0.0 ? "OK" : "BAD");
    return 0;
}
"""
AVG = """#include <stdlib.h>
double ema(int n, const double *x)
{
    static double *avg = NULL;
    double s = 0.0;
    if (!avg)
        avg = calloc(n, sizeof *avg);
    for (int i = 0; i < n; i++)
        avg[i] = 0.5 * x[i] + 0.5 * avg[i];
    for (int i = 0; i < n; i++)
        s += avg[i];
    return s;
}
"""
AVG_MAIN = """#include <stdio.h>
double ema(int n, const double *x);
int main(void)
{
    double x[64], s1, s2;
    for (int i = 0; i < 64; i++) x[i] = 1.0;
    s1 = ema(64, x);
    s2 = ema(64, x);
    puts(s1 == 32.0 && s2 == 48.0 ? "OK" : "BAD");
    return 0;
}
"""


def test_the_static_memory_is_copied_back():
    text, _ = plan_text(PREV, get_engine("analysis"), program=[PREV_MAIN.encode()])
    assert "copy(prev)" in text, text
    text, _ = plan_text(AVG, get_engine("analysis"), program=[AVG_MAIN.encode()])
    assert "copy(avg[0:n])" in text, text


def test_an_automatic_local_is_still_dead_at_the_return():
    text, _ = plan_text(PREV.replace("static double prev[M];", "double prev[M] = {0};"),
                        get_engine("analysis"), program=[PREV_MAIN.encode()])
    assert "copy(prev)" not in text, text


def test_the_plans_verify(tmp_path):
    run_verified(tmp_path, {"static_prev": (PREV, PREV_MAIN), "static_avg": (AVG, AVG_MAIN)},
                 variants=("offload",))
