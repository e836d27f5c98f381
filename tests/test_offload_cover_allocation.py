"""A loop that writes every element of an allocation, before anything reads it, makes its
copy-in needless — also when the region's other loops read it through an index table, and
when its bound is a local assigned once (issue #15; found by Rodinia 3.1's SRAD v2).

- ``size = cols * rows;`` assigned once, by a statement of a block that holds the region,
  before it: the statements of a block run in order (C11 6.8.2p3), so ``size`` and ``cols *
  rows`` are the same number in the region (:mod:`accellium.dataset.offload.known`; before,
  only a declaration's initialiser was read).
- The section of an array mapped whole as its allocation (``J[0:size]`` of ``J =
  malloc(size * ...)``) is what a covering write must reach; the loops' own spans are not
  needed (a stencil reading ``J[north[i]*cols + j]`` has none): ``cover.covering`` compares
  the write with the allocation.

SRAD's ``J[k] = exp(I[k])`` over ``k < size_I`` came first in its region, and ``J`` was
copied in (``copy``) anyway; now ``copyout`` (Rodinia 3.1 SRAD v2: 50,336 → 33,952 bytes).
The program below, like SRAD, fills ``I`` on the host, writes all of ``J`` from it, runs a
stencil through a row table and prints ``J`` on the host: ``J`` was copied in at the region's
entry, now created there.  A whole program, run in the emulator."""

from __future__ import annotations

from _offload_util import acc_lines, clauses_of, plan_text, run_programs

from accellium.server.engines import get_engine

ROWS, COLS, STEPS = 48, 40, 6

PROG = f"""#include <stdio.h>
#include <stdlib.h>
#include <math.h>
static void init(float *I, int *north, int rows, int cols)
{{
    srand(7);
    for (int k = 0; k < rows * cols; k++)
        I[k] = (rand() % 17) * 0.125f;
    for (int i = 0; i < rows; i++)
        north[i] = i == 0 ? 0 : i - 1;
}}

int main(void)
{{
    int rows, cols, size, k;
    rows = {ROWS};
    cols = {COLS};
    size = cols * rows;
    float *I = (float *)malloc(size * sizeof(float));
    float *J = (float *)malloc(size * sizeof(float));
    float *c = (float *)malloc(size * sizeof(float));
    int *north = (int *)malloc(rows * sizeof(int));
    init(I, north, rows, cols);
    for (k = 0; k < size; k++)
        J[k] = (float)exp(I[k] * 0.01f);
    for (int s = 0; s < {STEPS}; s++) {{
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {{
                k = i * cols + j;
                c[k] = J[north[i] * cols + j] - J[k];
            }}
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {{
                k = i * cols + j;
                J[k] = J[k] + 0.25f * c[k];
            }}
    }}
    double sum = 0.0;
    FILE *out = fopen("/dev/null", "w");
    for (k = 0; k < size; k++) {{
        sum += J[k];
        fprintf(out, "%f\\n", J[k]);
    }}
    fclose(out);
    float *rJ = (float *)malloc(size * sizeof(float));
    float *rc = (float *)malloc(size * sizeof(float));
    for (k = 0; k < size; k++)
        rJ[k] = (float)exp(I[k] * 0.01f);
    for (int s = 0; s < {STEPS}; s++) {{
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                rc[i * cols + j] = rJ[(i == 0 ? 0 : i - 1) * cols + j] - rJ[i * cols + j];
        for (k = 0; k < size; k++)
            rJ[k] = rJ[k] + 0.25f * rc[k];
    }}
    double want = 0.0;
    for (k = 0; k < size; k++)
        want += rJ[k];
    puts(fabs(sum - want) <= 1e-3 * fabs(want) ? "OK" : "BAD");
    free(I);
    free(J);
    free(c);
    free(north);
    free(rJ);
    free(rc);
    return 0;
}}
"""


def test_the_covered_allocation_is_not_copied_in():
    text, _ = plan_text(PROG, get_engine("analysis"))
    entry = next(a for a in acc_lines(text)
                 if a.startswith(("#pragma acc data", "#pragma acc enter data")) and "J[" in a)
    assert clauses_of(entry)["J"] in ("create", "copyout"), entry


def test_the_program_verifies(tmp_path):
    row = run_programs(tmp_path, {"cover": ({"prog.c": PROG}, ["prog.c"])})["cover"]
    # J comes back once and is never copied in
    assert row["offload"]["bytes_d2h"] < 2 * ROWS * COLS * 4, row["offload"]


#: the same sweep with ``J`` a parameter (its section from the loops), ``size`` assigned once
SWEEP = """#include <math.h>
void sweep(int rows, int cols, const float *I, float *J, float *c)
{
    int size, k;
    size = cols * rows;
    for (k = 0; k < size; k++)
        J[k] = (float)exp(I[k]);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            k = i * cols + j;
            c[k] = J[k] * 2.0f;
        }
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            k = i * cols + j;
            J[k] = J[k] + c[k];
        }
}
"""


def test_a_local_assigned_once_before_the_region_is_its_value_there():
    text, _ = plan_text(SWEEP, get_engine("analysis"))
    data = next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))
    assert clauses_of(data)["J"] == "copyout", data
    # assigned again after the region's start: its value there is not known
    text, _ = plan_text(SWEEP.replace("J[k] = J[k] + c[k];", "J[k] = J[k] + c[k];\n"
                                      "            size = 0;"), get_engine("analysis"))
    data = next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))
    assert clauses_of(data)["J"] == "copy", data
