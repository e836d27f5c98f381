"""A function defined in a header the file includes is part of the file's translation unit
(C11 6.10.2p3): its body is known.  A timer helper there (``gettimeofday(&t, NULL)`` into a
local) reaches no array of the program, so calling it between two kernels of a time loop over
global grids needs no update.  Before, the planner saw the call of a function it did not know,
which may read and write every global, and put ``update self`` / ``update device`` of the
grids around it in every step.  ``NULL`` is the library's null pointer constant (C11 7.19p3),
no object.  A ``static`` helper there is the file's own function (internal linkage in its
translation unit, C11 6.2.2p3), read the same way.

Twin ``reads``: the helper also reads ``a[1]`` (the header declares the grids before it): a
call of it is host code that reads ``a``, so the region stays between the calls and the grids
move every step, and the sum it takes proves the host saw every step (both programs verify).  Whole programs,
built with real gcc and run in the emulator."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 4096, 20
HEADER = f"""#ifndef WALL_H
#define WALL_H
#include <stddef.h>
#include <sys/time.h>
#define N {N}
double a[N], b[N];
double seen;
double wall(void)
{{
    struct timeval t;
    gettimeofday(&t, NULL);
    BODY
    return t.tv_sec + 1e-6 * t.tv_usec;
}}
#endif
"""
KERNEL = """#include "wall.h"
double relax(int steps)
{
    double spent = 0.0;
    for (int s = 0; s < steps; s++) {
        double t0 = wall();
        for (int i = 1; i < N - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        for (int i = 1; i < N - 1; i++)
            a[i] = b[i];
        spent += wall() - t0;
    }
    return spent;
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
extern double a[], b[], seen;
double relax(int steps);
int main(void)
{{
    a[0] = a[{N} - 1] = 1.0;
    double spent = relax({STEPS});
    int ok = spent >= 0.0 && fabs(a[1] - 0.823802947998) < 1e-9 && a[{STEPS} + 1] == 0.0;
    puts(ok && SEEN ? "OK" : "BAD");
    return 0;
}}
"""


def test_a_timer_in_a_header_needs_no_update(tmp_path):
    local = (KERNEL, MAIN.replace("SEEN", "seen == 0.0"))
    reads = (KERNEL, MAIN.replace("SEEN", "seen > 10.0"))
    static = HEADER.replace("BODY", "").replace("double wall(void)", "static double wall(void)")
    rows = run_verified(tmp_path, {"local": local, "static": local, "reads": reads},
                        variants=("serial", "engine", "offload"),
                        headers={"local": {"wall.h": HEADER.replace("BODY", "")},
                                 "static": {"wall.h": static},
                                 "reads": {"wall.h": HEADER.replace("BODY", "seen += a[1];")}})
    for name in ("local", "static"):  # a `static` helper is the file's own function too
        plan = {p["function"]: p for p in rows[name]["offload"]["plans"]}["relax"]
        assert len(plan["loops"]) == 2, plan["notes"]
        assert any(" 0 update(s)" in note for note in plan["notes"]), plan["notes"]
        got = rows[name]["offload"]
        assert got["bytes_h2d"] + got["bytes_d2h"] <= 4 * N * 8, got
    # the helper reads `a` on the host: the region stays between its calls, each step
    kept = rows["reads"]["offload"]
    assert kept["bytes_h2d"] >= STEPS * N * 8, kept
