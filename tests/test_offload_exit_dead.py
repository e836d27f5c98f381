"""A global's memory that nothing reads once ``main`` has run past its region is not copied back
(issue #15, :mod:`accellium.dataset.offload.exit_dead`).

``main`` (in the annotated file, the program's other file given) steps ``state`` with a
global scratch buffer ``scratch`` in one region, then reports a checksum of ``state`` and
frees both.  Before, a global counted as live after any region and both came back to the
host; returning from ``main`` ends the program (C11 5.1.2.2.3), so ``scratch``, which no
statement after the region names, now gets no copy back (``state`` still does: ``report``
reads it).

Twins, each of which reads ``scratch`` after the region by a route the rule must see:
``handler`` registers ``finish`` with ``atexit`` (it runs after ``main`` returns, 7.22.4.4) and
``called`` calls ``finish`` from ``main`` after the region; ``finish`` prints the verdict
from ``scratch`` through the global (and frees both), so a stale host copy prints BAD (checked by disabling
the ``atexit`` check and the calls check: each twin then prints BAD).  Both keep ``copy``.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

N, STEPS = 3000, 5

KERNEL = f"""#include <stdio.h>
#include <stdlib.h>
#define N {N}
double *state, *scratch;
int report(const double *s, int n, int steps);
int report_scratch(const double *t, int n, int steps);
static void finish(void)
{{
    puts(report(state, N, {STEPS}) + report_scratch(scratch, N, {STEPS}) ? "BAD" : "OK");
    free(state);
    free(scratch);
}}
int main(void)
{{
    state = malloc(N * sizeof *state);
    scratch = malloc(N * sizeof *scratch);
    for (int i = 0; i < N; i++) {{
        state[i] = i % 7;
        scratch[i] = 0.0;
    }}
REGISTER    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 0; i < N; i++)
            scratch[i] = 0.5 * state[i] + 1.0;
        for (int i = 0; i < N; i++)
            state[i] = 0.75 * scratch[i];
    }}
AFTER    return 0;
}}
"""
MAIN = """/* How many elements of s (the state) or t (the scratch) differ from the serial steps. */
static double serial(int i, int steps, int want_y)
{
    double x = i % 7, y = 0.0;
    for (int k = 0; k < steps; k++) {
        y = 0.5 * x + 1.0;
        x = 0.75 * y;
    }
    return want_y ? y : x;
}
int report(const double *s, int n, int steps)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += s[i] != serial(i, steps, 0);
    return bad;
}
int report_scratch(const double *t, int n, int steps)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += t[i] != serial(i, steps, 1);
    return bad;
}
"""
#: what registers a handler before the region, what runs after it
CASES = {"plain": ("", '    puts(report(state, N, 5) ? "BAD" : "OK");\n    free(state);\n'
                    "    free(scratch);\n"),
         "handler": ("    atexit(finish);\n", ""),
         "called": ("", "    finish();\n")}


def _program(case: str) -> tuple[str, str]:
    register, after = CASES[case]
    kernel = KERNEL.replace("REGISTER", register).replace("AFTER", after)
    if case == "plain":
        kernel = kernel.replace("static void finish", "void finish")  # kept, not called
    return kernel, MAIN


def _region(case: str, engine) -> str:
    kernel, main = _program(case)
    text, _ = plan_text(kernel, engine, program=[main.encode()])
    return next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))


def test_a_global_main_no_longer_reads_after_its_region_is_not_copied_back(tmp_path):
    engine = get_engine("analysis")
    regions = {case: _region(case, engine) for case in CASES}
    # the set-up loop joins the region: both arrays are written there before any read
    assert "copyout(state[0:N])" in regions["plain"], regions
    assert "create(scratch[0:N])" in regions["plain"], regions
    # the twins bring it back (``handler``'s region starts after ``atexit``: ``copy``)
    assert regions["called"] == "#pragma acc data copyout(state[0:N], scratch[0:N])", regions
    assert regions["handler"] == "#pragma acc data copy(scratch[0:N], state[0:N])", regions
    rows = run_verified(tmp_path, {case: _program(case) for case in CASES},
                        variants=("engine", "offload"))
    back = {case: r["offload"]["bytes_d2h"] for case, r in rows.items()}
    assert back["plain"] == 8 * N and back["handler"] == back["called"] == 2 * 8 * N, back


def test_without_the_program_every_global_stays_live():
    """A single file: another unit could name the global or register a handler."""
    kernel, _ = _program("plain")
    text, _ = plan_text(kernel, get_engine("analysis"))
    line = next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))
    assert "create(scratch" not in line, line
