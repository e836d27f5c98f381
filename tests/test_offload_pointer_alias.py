"""A host helper inside the region that reaches the planned function's array through a global
pointer the program set to it (``watch = a`` in ``main``, ``watch[1]`` in the helper) reads
and writes the memory the region holds on the device: the plan brings it to the host before
the call (``update self``) and, when the helper may write there, back after it (``update
device``).  Before, a call was taken to reach a parameter's memory only through the arguments
it is given, so the helper read the host's stale copy (OpenACC 3.3, 2.6.5: the region's device
copy and the host's are two copies; 2.14.4).  What a pointer may point to is derived from the
program's assignments and calls (:mod:`accellium.dataset.offload.points_to`, C11 6.5.16.1p2,
6.5.2.2p4).

Twin ``apart``: the program sets ``watch`` to another allocation (``malloc`` returns memory no
other pointer designates, C11 7.22.3p1): the helper reaches nothing the region holds, and the
arrays move once.  Whole programs, built with real gcc and run in the emulator; ``main``
checks the helper's sums and the grid against a serial reference."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 512, 12
KERNEL = """extern double *watch;
double total;
void report(int n)
{
    REPORT
}
void solve(double *a, double *b, int n, int steps)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 1; i < n - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        for (int i = 1; i < n - 1; i++)
            a[i] = b[i];
        report(n);
    }
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double *watch;
extern double total;
void solve(double *a, double *b, int n, int steps);
static double ref_total;
static void ref_report(double *w, int n)
{{
    REF
}}
int main(void)
{{
    int n = {N};
    double *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b), *c = calloc(n, sizeof *c);
    double *ra = calloc(n, sizeof *ra), *rb = calloc(n, sizeof *rb), *rc = calloc(n, sizeof *rc);
    a[0] = a[n - 1] = ra[0] = ra[n - 1] = 1.0;
    c[1] = rc[1] = 0.25;
    watch = TARGET;
    solve(a, b, n, {STEPS});
    double *rw = REF_TARGET;
    for (int s = 0; s < {STEPS}; s++) {{
        for (int i = 1; i < n - 1; i++)
            rb[i] = 0.5 * (ra[i - 1] + ra[i + 1]);
        for (int i = 1; i < n - 1; i++)
            ra[i] = rb[i];
        ref_report(rw, n);
    }}
    int ok = fabs(total - ref_total) < 1e-12 && total > 0.0;
    for (int i = 0; i < n; i++)
        ok = ok && fabs(a[i] - ra[i]) < 1e-12 && fabs(c[i] - rc[i]) < 1e-12;
    puts(ok ? "OK" : "BAD");
    return 0;
}}
"""
READS = "total += watch[1] + watch[n - 2];"
WRITES = "total += watch[1];\n    watch[n / 2] += 0.5;"


def _program(report: str, target: str) -> tuple[str, str]:
    ref = report.replace("watch", "w").replace("total", "ref_total")
    main = MAIN.replace("REF_TARGET", "ra" if target == "a" else "rc")
    return (KERNEL.replace("REPORT", report),
            main.replace("REF", ref).replace("TARGET", target))


def test_a_helper_reaching_the_grid_through_a_global_pointer_sees_the_device_data(tmp_path):
    rows = run_verified(tmp_path, {"reads": _program(READS, "a"),
                                   "writes": _program(WRITES, "a"),
                                   "apart": _program(READS, "c")},
                        variants=("serial", "engine", "offload"))
    text = {name: "\n".join(rows[name]["offload"].get("pragmas", [])) for name in rows}
    plans = {name: {p["function"]: p for p in rows[name]["offload"]["plans"]}["solve"]
             for name in rows}
    for name in ("reads", "writes"):
        assert len(plans[name]["loops"]) == 2, plans[name]["notes"]
        moved = rows[name]["offload"]
        # the grid comes to the host before each of the helper's calls
        assert moved["bytes_d2h"] >= STEPS * N * 8, (name, moved, text[name])
    # the helper writes through the pointer: the grid goes back to the device after it
    assert rows["writes"]["offload"]["bytes_h2d"] >= STEPS * N * 8, rows["writes"]["offload"]
    assert rows["reads"]["offload"]["bytes_h2d"] <= 2 * N * 8, rows["reads"]["offload"]
    # another allocation: nothing the region holds, the arrays move once
    apart = rows["apart"]["offload"]
    assert len(plans["apart"]["loops"]) == 2, plans["apart"]["notes"]
    assert apart["bytes_h2d"] + apart["bytes_d2h"] <= 3 * N * 8, apart
