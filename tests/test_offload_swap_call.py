"""A time loop that exchanges its two grids through a helper, ``swap(&a, &b)``, whose body
only exchanges what its two parameters point to (``double *t = *x; *x = *y; *y = t;``): the
call stores through the addresses it is given (C11 6.5.3.2p4), so it is the pointer swap
``t = a; a = b; b = t;`` written inline, which the plan follows (docs/offload.md item 7: the
present table maps host addresses, and a region holding both buffers stays right over the
swaps).  One region holds the time loop, each buffer moves in and out once.  Before, ``&a``
counted as an assignment the planner could not follow, and every step's loop moved both
grids.

Twin ``counted``: the helper also counts its calls in a global — it does more than an
exchange, so the planner does not read it as one: the region does not hold the loop, and
the program still verifies.
Whole programs, built with real gcc and run in the emulator; ``main`` checks the grid
against a serial reference."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 1024, 12
KERNEL = """int swaps;
void swap(double **x, double **y)
{
    BODY
}
double *relax(double *a, double *b, int n, int steps)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            b[i] = 0.5 * (a[i] + a[n - 1 - i]) + 0.25 * a[i];
        swap(&a, &b);
    }
    return a;
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double *relax(double *a, double *b, int n, int steps);
int main(void)
{{
    int n = {N};
    double *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    double *ra = calloc(n, sizeof *ra), *rb = calloc(n, sizeof *rb);
    for (int i = 0; i < n; i++)
        a[i] = ra[i] = (double) (i % 7);
    double *got = relax(a, b, n, {STEPS});
    for (int s = 0; s < {STEPS}; s++) {{
        for (int i = 0; i < n; i++)
            rb[i] = 0.5 * (ra[i] + ra[n - 1 - i]) + 0.25 * ra[i];
        REFERENCE
    }}
    int ok = got == a || got == b;
    for (int i = 0; i < n; i++)
        ok = ok && fabs(got[i] - ra[i]) < 1e-12;
    puts(ok ? "OK" : "BAD");
    return 0;
}}
"""
SWAP = "double *t = *x;\n    *x = *y;\n    *y = t;"
EXCHANGE = "double *t = ra;\n        ra = rb;\n        rb = t;"
COUNTED = SWAP + "\n    swaps++;"


def test_a_swap_helper_keeps_the_time_loop_in_one_region(tmp_path):
    rows = run_verified(
        tmp_path,
        {"swap": (KERNEL.replace("BODY", SWAP), MAIN.replace("REFERENCE", EXCHANGE)),
         "counted": (KERNEL.replace("BODY", COUNTED), MAIN.replace("REFERENCE", EXCHANGE))},
        variants=("serial", "engine", "offload"))
    plan = {p["function"]: p for p in rows["swap"]["offload"]["plans"]}["relax"]
    assert len(plan["loops"]) == 1, plan["notes"]
    got = rows["swap"]["offload"]
    # each buffer in once and out once, whatever the number of steps
    assert got["bytes_h2d"] <= 2 * N * 8 and got["bytes_d2h"] <= 2 * N * 8, got
    assert rows["swap"]["engine"]["bytes_h2d"] >= STEPS * N * 8, rows["swap"]["engine"]
    # more than an exchange: the planner does not follow `&a`, no region holds the steps
    assert rows["counted"]["offload"]["bytes_h2d"] >= STEPS * N * 8, rows["counted"]["offload"]


def test_only_an_exchange_of_the_two_pointees_is_a_swap():
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.swap import swapper_functions

    bodies = {"decl": "double *t = *x; *x = *y; *y = t;",
              "later": "double *t; t = *y; *y = *x; *x = t; return;",
              "lost": "*x = *y; *y = *x;",  # both end on what *y held
              "extra": "double *t = *x; *x = *y; *y = t; x[1] = t;",
              "one": "*x = *y;"}
    src = "".join(f"void {name}(double **x, double **y) {{ {body} }}\n"
                  for name, body in bodies.items())
    got = swapper_functions([parse_tree(src.encode(), "c").root_node])
    assert got == {"decl", "later"}
