"""``free(a), free(t);`` frees both pointers (issue #15, :func:`accellium.dataset.offload.
shapes.free_sites`).

The comma operator evaluates its operands in turn (C11 6.5.17p2), so a statement made only of
``free`` calls joined by commas frees each pointer as the separate statements would.  The
planner read only ``free(p);`` statements, so a scratch array freed that way counted as read
after the region (a use of its name) and was copied back: ``main`` below allocates an input
and a scratch array, a kernel smooths the input through the scratch, and ``main`` prints the
input and frees both in one statement.  Now the scratch is dead after the region and never
leaves the device (``create``: nothing wrote it since its allocation).  Twin: a comma
statement with another operand (``n = 0``) is not read as a free, and the scratch is copied
back as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, clauses_of, plan_text, run_verified

from accellium.server.engines import get_engine

N = 4096
S = N * 8

KERNEL = """#include <stdio.h>
#include <stdlib.h>
#define N NSIZE
double seed(int i);

static void smooth(int n, double *a, double *t)
{
    for (int i = 1; i < n - 1; i++)
        t[i] = 0.5 * (a[i - 1] + a[i + 1]);
    for (int i = 1; i < n - 1; i++)
        a[i] = 0.5 * (a[i] + t[i]);
}

int main(void)
{
    int n = N;
    double *a = malloc(n * sizeof *a);
    double *t = malloc(n * sizeof *t);
    for (int i = 0; i < n; i++)
        a[i] = seed(i);
    smooth(n, a, t);
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * (i % 5);
    puts(s > 0.0 ? "OK" : "BAD");
    FREES;
    return 0;
}
"""
DRIVER = "double seed(int i) { return (double)(i % 7) / 7.0; }\n"
PROGRAMS = {
    "comma_free": (KERNEL.replace("FREES", "free(a), free(t)").replace("NSIZE", str(N)),
                   DRIVER),
    "comma_other": (KERNEL.replace("FREES", "free(a), free(t), n = 0")
                    .replace("NSIZE", str(N)), DRIVER),
}


def _clauses(name: str, directive: str) -> dict[str, str]:
    """The clause of each array on ``main``'s ``enter data`` or ``exit data`` line."""
    text, _ = plan_text(PROGRAMS[name][0], get_engine("analysis"),
                        program=[PROGRAMS[name][1].encode()])
    return clauses_of(next(a for a in acc_lines(text)
                           if a.startswith(f"#pragma acc {directive}")))


def test_a_comma_statement_of_frees_frees_each_pointer():
    # main holds the arrays from the kernel's call to its own sum loop (enter/exit data)
    assert _clauses("comma_free", "enter data")["t"] == "create"
    assert _clauses("comma_free", "exit data")["t"] == "delete"
    assert _clauses("comma_other", "enter data")["t"] == "copyin"
    assert _clauses("comma_other", "exit data")["t"] == "copyout"


def test_the_programs_verify_and_the_dead_scratch_stays_on_the_device(tmp_path):
    rows = run_verified(tmp_path, PROGRAMS, variants=("offload",))
    got = {k: (r["offload"]["bytes_h2d"] or 0) + (r["offload"]["bytes_d2h"] or 0)
           for k, r in rows.items()}
    # a in once (its sum is made on the device, its count in and out)
    assert got["comma_free"] == S + 16, got
    # the twin: the scratch both ways, and a back to the host (neither counts as freed)
    assert got["comma_other"] == 4 * S + 16, got
