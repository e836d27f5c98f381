"""One data region per branch of an ``if`` ... ``else`` whose branches each offload (issue #15).

Each run of an ``if`` statement with an ``else`` runs exactly one branch (C11 6.8.4.1p2).  A
region around the whole statement maps, on every run, both branches' arrays with both
branches' directions: ``update``'s first branch reads what it writes, its second only writes
``newa``, so the one region copied ``newa`` in and out on every call, where the second
branch's own loop copies it out only (a Jacobi step called alternately with and without the
norm moved more than the per-loop answers).  Each branch now gets its own region.  A caller
that hoists the function still sees both branches' arrays (its summary is the whole
statement's), so a driver in the same file that maps the grids around its time loop moves
them once, as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

N, STEPS = 4000, 6

KERNEL = """#include <math.h>

double update(int n, double *newa, const double *olda, int norm)
{
    double l = 0.0;
    if (norm) {
        for (int i = 1; i < n - 1; i++) {
            newa[i] = 0.5 * (olda[i - 1] + olda[i + 1]);
            l = fmax(l, fabs(newa[i] - olda[i]));
        }
    } else {
        for (int i = 1; i < n - 1; i++)
            newa[i] = 0.5 * (olda[i - 1] + olda[i + 1]);
    }
    return l;
}
"""
# the norm stored through a pointer the function reads on the host: no caller hoists it
KERNEL_PTR = """#include <math.h>
#include <stddef.h>

void update(int n, double *newa, const double *olda, double *norm)
{
    if (norm != NULL) {
        double l = 0.0;
        for (int i = 1; i < n - 1; i++) {
            newa[i] = 0.5 * (olda[i - 1] + olda[i + 1]);
            l = fmax(l, fabs(newa[i] - olda[i]));
        }
        *norm = l;
    } else {
        for (int i = 1; i < n - 1; i++)
            newa[i] = 0.5 * (olda[i - 1] + olda[i + 1]);
    }
}
"""
# the driver: alternate steps, the second with the norm; its own check on the host
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double update(int n, double *newa, const double *olda, int norm);
int main(void)
{
    int n = NSIZE, bad = 0;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    double *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb), norm = 0.0, rn = 0.0;
    for (int i = 0; i < n; i++) a[i] = b[i] = ra[i] = rb[i] = (i * 7 % 11) * 0.5;
    for (int s = 0; s < NSTEPS; s++) {
        update(n, b, a, 0);
        norm = update(n, a, b, 1);
    }
    for (int s = 0; s < NSTEPS; s++) {
        for (int i = 1; i < n - 1; i++) rb[i] = 0.5 * (ra[i - 1] + ra[i + 1]);
        rn = 0.0;
        for (int i = 1; i < n - 1; i++) {
            ra[i] = 0.5 * (rb[i - 1] + rb[i + 1]);
            rn = fmax(rn, fabs(ra[i] - rb[i]));
        }
    }
    for (int i = 0; i < n; i++) bad += fabs(a[i] - ra[i]) > 1e-12 || fabs(b[i] - rb[i]) > 1e-12;
    bad += fabs(norm - rn) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
""".replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS))
MAIN_PTR = MAIN.replace("double update(int n, double *newa, const double *olda, int norm);",
                        "void update(int n, double *newa, const double *olda, double *norm);"
                        ).replace("update(n, b, a, 0);", "update(n, b, a, NULL);").replace(
    "norm = update(n, a, b, 1);", "update(n, a, b, &norm);")
# the same driver in the kernel's file, its time loop in a function that hoists the calls
HOISTED = KERNEL + MAIN.replace("double update(int n, double *newa, const double *olda, "
                                "int norm);\n", "").replace("#include <math.h>\n", "", 1)


def test_each_branch_gets_its_own_region(engine):
    text, plans = plan_text(KERNEL_PTR, engine)
    acc = acc_lines(text)
    assert acc == ["#pragma acc parallel loop reduction(max:l) copyin(olda[0:n]) "
                   "copyout(newa[1:n-2])",
                   "#pragma acc parallel loop copyin(olda[0:n]) copyout(newa[1:n-2])"], acc
    notes = " ".join(plans["update"].notes)
    assert "one data region per branch of the `if` at line 6" in notes, notes
    _, plans = plan_text(KERNEL, engine)  # the norm returned: the same regions
    assert "per branch of the `if` at line 6" in " ".join(plans["update"].notes)
    # an `if` without an `else`, or one branch without a loop: the region as before
    one = KERNEL.replace("    } else {\n        for (int i = 1; i < n - 1; i++)\n"
                         "            newa[i] = 0.5 * (olda[i - 1] + olda[i + 1]);\n    }",
                         "    }")
    assert one != KERNEL
    text, plans = plan_text(one, engine)
    assert "per branch" not in " ".join(plans["update"].notes)


def test_the_programs_verify_and_move_less(tmp_path):
    """The per-branch regions move less than the per-loop answers (before: newa copied in
    on every call, more than they); a driver that hoists the calls still maps the grids
    once."""
    rows = run_verified(tmp_path, {"alternate": (KERNEL_PTR, MAIN_PTR),
                                   "hoisted": (HOISTED, "")}, one_file=("hoisted",))
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    per_loop = {k: r["engine"]["bytes_h2d"] + r["engine"]["bytes_d2h"] for k, r in rows.items()}
    calls = 2 * STEPS
    # olda in, newa out; the norm's reduction variable in and out on half of the calls
    assert moved["alternate"] == calls * (N * 8 + (N - 2) * 8) + STEPS * 16, moved
    # (one region over the `if`: newa in too, 1,151,712 bytes; the per-loop answers copy
    # newa in where the loop reads it after writing it)
    assert moved["alternate"] < per_loop["alternate"], (moved, per_loop)
    assert moved["hoisted"] <= 4 * N * 8 * 2 + 64, moved  # the grids (and checks') once
