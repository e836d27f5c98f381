"""Three facts that let a sparse solver's step go to the device in one region (issue #15).

The program: a file-scope CSR matrix and vectors (``static int col[NNZ]; static double
x[NR]; ...``), file-scope scalars ``first``/``last`` set in ``main``, and a ``static``
function ``step`` called in ``main``'s iteration loop that bounds each of its loops by a
local assigned again before each loop (``end = last - first + 1;`` ... ``end = last -
first;``) and reads ``x[col[k]]``.  Before, the plan kept every loop of ``step`` on the host:

* ``end`` changes inside the region, so no section of the region could use it — but where
  each loop starts ``end`` holds the value of the one assignment that reaches it (C11
  6.2.4p2; its address is never taken), so the section is spelled with that value
  (:mod:`accellium.dataset.offload.reaching`).  Twin: the second assignment under an ``if``
  (two values reach the loop): that loop stays on the host;
* ``x[col[k]]`` has no bound of its own, but at both calls ``x`` is a file-scope array of
  ``NR`` elements, the one object of static storage duration the name designates: the
  parameter reaches only ``x[0:NR]`` (:mod:`accellium.dataset.offload.objects`), also when
  the parameter is declared ``double x[]`` (a pointer, C11 6.7.6.3p7);
* the sections name ``first``/``last``, ``static`` scalars that no function binds from a
  parameter: they are file scalars the caller names itself (:mod:`.global_scalars`), so
  ``main``'s region can hold the calls — before, they were taken for globals a binder sets,
  and no call knew their value.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, marked_lines, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#include <math.h>
#include <stdio.h>
#define NR 300
#define PER 4
#define NNZ (NR * PER)
double seed(int i);
void reference(double *out, int twin);

static int rowptr[NR + 1];
static int col[NNZ];
static double val[NNZ];
static double x[NR], y[NR], r[NR];
static int first, last;

static void step(int rowptr[], int col[], double val[], double x[], double y[], double r[],
                 int flag)
{
    int end;
    for (int it = 0; it < 3; it++) {
        end = last - first + 1;
        for (int i = 0; i < end; i++) { /* spmv */
            double s = 0.0;
            for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
                s += val[k] * x[col[k]];
            y[i] = s;
        }
        SECOND
        for (int i = 1; i < end - 1; i++) /* diff */
            r[i] = y[i] - 0.25 * (y[i - 1] + y[i + 1]);
        for (int i = 0; i < last - first + 1; i++) /* relax */
            x[i] = 0.5 * x[i] + 0.25 * r[i];
    }
}

int main(void)
{
    int bad = 0;
    static double ref[NR];
    first = 0;
    last = NR - 1;
    for (int i = 0; i <= NR; i++)
        rowptr[i] = i * PER;
    for (int k = 0; k < NNZ; k++) {
        col[k] = (k * 7 + k / PER) % NR;
        val[k] = seed(k);
    }
    for (int i = 0; i < NR; i++)
        x[i] = seed(i + 1);
    for (int t = 0; t < 4; t++)
        step(rowptr, col, val, x, YR, t % 2);
    reference(ref, TWIN);
    for (int i = 0; i < NR; i++)
        bad += !(fabs(x[i] - ref[i]) <= 1e-9 * (1.0 + fabs(ref[i])));
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the same computation, serial, in the driver (not annotated): the check does not share the
# planned code
DRIVER = """#define NR 300
#define PER 4
double seed(int i) { return (double)(i % 13) / 13.0 - 0.3; }

void reference(double *out, int twin)
{
    static double x[NR], y[NR], r[NR];
    for (int i = 0; i < NR; i++)
        x[i] = seed(i + 1);
    for (int t = 0; t < 4; t++) {
        for (int it = 0; it < 3; it++) {
            for (int i = 0; i < NR; i++) {
                double s = 0.0;
                for (int k = i * PER; k < (i + 1) * PER; k++)
                    s += seed(k) * x[(k * 7 + k / PER) % NR];
                y[i] = s;
            }
            int end = (twin && !(t % 2)) ? NR : NR - 1;
            for (int i = 1; i < end - 1; i++)
                r[i] = y[i] - 0.25 * (y[i - 1] + y[i + 1]);
            for (int i = 0; i < NR; i++)
                x[i] = 0.5 * x[i] + 0.25 * r[i];
        }
    }
    for (int i = 0; i < NR; i++)
        out[i] = x[i];
}
"""
_ONE = "end = last - first;"
_TWO = "if (flag)\n            end = last - first;"
PROGRAMS = {
    # one assignment reaches each loop; y and r passed as `&y[0]` (no object extent: the
    # sections must come from the loops' bounds)
    "reaching": (KERNEL.replace("SECOND", _ONE).replace("YR", "&y[0], &r[0]")
                 .replace("TWIN", "0"), DRIVER),
    # two assignments reach the diff loop (`end` is last - first + 1 when flag is 0)
    "two_values": (KERNEL.replace("SECOND", _TWO).replace("YR", "&y[0], &r[0]")
                   .replace("TWIN", "1"), DRIVER),
    # the file's arrays passed by name: their objects, and main's region holds the calls
    "file_arrays": (KERNEL.replace("SECOND", _ONE).replace("YR", "y, r")
                    .replace("TWIN", "0"), DRIVER),
}


def _plans(name: str) -> tuple[str, dict, dict[str, int]]:
    """The planned text, the plans by function and the marked loops' lines of a program."""
    kernel, driver = PROGRAMS[name]
    text, plans = plan_text(kernel, get_engine("analysis"), program=[driver.encode()])
    return text, plans, marked_lines(kernel)


def _loops(plan) -> set[int]:
    return {lp["line"] for lp in plan.loops}


def test_each_loop_gets_the_value_of_the_one_assignment_that_reaches_it():
    _, plans, rows = _plans("reaching")
    step = plans["step"]
    assert _loops(step) == {rows["spmv"], rows["diff"], rows["relax"]}, step.notes
    sections = {a["name"]: a["section"] for a in step.arrays}
    assert sections["y"] == "y[0:last-first+1]", sections
    assert sections["rowptr"] == "rowptr[0:last-first+2]", sections


def test_two_reaching_values_keep_the_loop_on_the_host():
    _, plans, rows = _plans("two_values")
    step = plans["step"]
    assert rows["spmv"] in _loops(step) and rows["diff"] not in _loops(step), step.notes
    assert any(f"line {rows['diff']} stays on the host" in n and "`end`" in n
               for n in step.notes), step.notes


def test_file_arrays_are_their_objects_and_the_callers_region_holds_the_calls():
    text, plans, rows = _plans("file_arrays")
    step = plans["step"]
    assert _loops(step) == {rows["spmv"], rows["diff"], rows["relax"]}, step.notes
    sections = {a["name"]: a["section"] for a in step.arrays}
    # x[col[k]]: the object of the file's `double x[NR]`, `col` passed as `int col[]`
    assert sections["x"] == "x[0:300]" and sections["col"] == "col[0:1200]", sections
    # `first`/`last` are file scalars main names itself: its iteration loop holds the calls
    main = plans["main"]
    assert main.calls and main.regions, main.notes
    assert any(a.startswith("#pragma acc data") and "copy(x)" in a for a in acc_lines(text))


def test_the_programs_verify_under_the_plan(tmp_path):
    rows = run_verified(tmp_path, PROGRAMS, variants=("offload",))
    for name, r in rows.items():
        assert r["offload"]["bytes_h2d"], (name, r["offload"])
