"""A timer in a header the file includes keeps its start time in a global ``struct timeval``
and hands its address to ``gettimeofday`` and to ``<sys/time.h>``'s ``timersub`` macro.  A C
library function reaches the memory it is given during the call only and keeps no pointer to
it (``gettimeofday`` stores the time, C11 7.1.4 / POSIX; ``timersub`` stores the difference
into its third argument, BSD and glibc ``<sys/time.h>``), so the global's address escapes
nowhere: the timer's calls between two kernels of a time loop reach no grid and need no
update.  Before, the address taken made the global "escaped", and a function naming an
escaped object was taken to reach anything — the grids went to the host and back around
every call.

Twin ``reads``: the timer also reads ``a[1]``: a call of it is host code that reads ``a``,
and the grid moves every step (the sum it takes proves the host saw every step).  Whole
programs, built with real gcc and run in the emulator."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 2048, 16
HEADER = f"""#ifndef CLOCK_H
#define CLOCK_H
#include <stddef.h>
#include <sys/time.h>
#define N {N}
double a[N], b[N];
double seen;
struct timeval started;
void start(void)
{{
    gettimeofday(&started, NULL);
}}
double lap(void)
{{
    struct timeval now, spent;
    gettimeofday(&now, NULL);
    timersub(&now, &started, &spent);
    BODY
    return spent.tv_sec + 1e-6 * spent.tv_usec;
}}
#endif
"""
KERNEL = """#include "clock.h"
double relax(int steps)
{
    double total = 0.0;
    start();
    for (int s = 0; s < steps; s++) {
        for (int i = 1; i < N - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        for (int i = 1; i < N - 1; i++)
            a[i] = b[i];
        total += lap();
    }
    return total;
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
extern double a[], b[], seen;
double relax(int steps);
int main(void)
{{
    a[0] = a[{N} - 1] = 1.0;
    double total = relax({STEPS});
    int ok = total >= 0.0 && fabs(a[1] - 0.803619384766) < 1e-9 && a[{STEPS} + 1] == 0.0;
    puts(ok && SEEN ? "OK" : "BAD");
    return 0;
}}
"""


def test_a_timer_keeping_its_start_in_a_global_struct_needs_no_update(tmp_path):
    rows = run_verified(tmp_path, {"timer": (KERNEL, MAIN.replace("SEEN", "seen == 0.0")),
                                   "reads": (KERNEL, MAIN.replace("SEEN", "seen > 5.0"))},
                        variants=("serial", "engine", "offload"),
                        headers={"timer": {"clock.h": HEADER.replace("BODY", "")},
                                 "reads": {"clock.h": HEADER.replace("BODY", "seen += a[1];")}})
    plan = {p["function"]: p for p in rows["timer"]["offload"]["plans"]}["relax"]
    assert len(plan["loops"]) == 2, plan["notes"]
    assert any(" 0 update(s)" in note for note in plan["notes"]), plan["notes"]
    got = rows["timer"]["offload"]
    assert got["bytes_h2d"] + got["bytes_d2h"] <= 4 * N * 8, got
    # the timer reads `a` on the host: the grid comes back every step
    assert rows["reads"]["offload"]["bytes_d2h"] >= STEPS * N * 8, rows["reads"]["offload"]
