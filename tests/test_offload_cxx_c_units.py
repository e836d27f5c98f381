"""A C unit of a C++ program calls no function of a C++ file with C++ language linkage (issue
#15, dynamic evaluation).

A C++ program may link a C file (a harness that prints the result files at exit, a timer).
The evaluation then took the program's units for "not all known" — the planner reads each unit
with one grammar — so it could not see every call of the C++ file's functions, nor the size of
the object each pointer parameter points to (docs/offload.md, the objects rule).  But a function
with C++ language linkage has a name no C code can call (C++ [dcl.link]): unless the file, or
one of the program's headers, declares something ``extern "C"``, its calls are all in the
program's C++ units.

The C++ kernel below reads the row below the top row and the row above every other one: its
loops reach ``in`` up to ``2*cols - 1`` in one branch and ``rows*cols - 1`` in the other, which
no bound orders.  Its calls pass arrays of ``rows*cols`` elements, so its section is that
object, whole, and the time loop that calls it gets one region.  Its twin declares the kernel
``extern "C"``: the C unit might call it, so the kernel's loop stays on the host as before.
Whole programs, built with g++ and gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

ROWS, COLS, STEPS = 40, 30, 6

PROG = f"""#include <cstdio>
LINKAGE void smooth(double *out, const double *in, int rows, int cols)
{{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {{
            if (r == 0)
                out[c] = 0.5 * (in[c] + in[c + cols]);
            else
                out[r * cols + c] = 0.5 * (in[r * cols + c] + in[(r - 1) * cols + c]);
        }}
}}

int main()
{{
    int rows = {ROWS}, cols = {COLS};
    double *a = new double[rows * cols];
    double *b = new double[rows * cols];
    double *r0 = new double[rows * cols];
    double *r1 = new double[rows * cols];
    for (int i = 0; i < rows * cols; i++)
        a[i] = r0[i] = i % 7;
    for (int s = 0; s < {STEPS}; s++) {{
        smooth(b, a, rows, cols);
        smooth(a, b, rows, cols);
    }}
    for (int s = 0; s < 2 * {STEPS}; s++) {{
        double *in = s % 2 ? r1 : r0, *out = s % 2 ? r0 : r1;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                out[r * cols + c] = r == 0 ? 0.5 * (in[c] + in[c + cols])
                    : 0.5 * (in[r * cols + c] + in[(r - 1) * cols + c]);
    }}
    int bad = 0;
    for (int i = 0; i < rows * cols; i++)
        bad |= a[i] != r0[i];
    std::puts(bad ? "BAD" : "OK");
    return 0;
}}
"""

#: a C unit of the program that calls nothing of the C++ file
HARNESS = """#include <stdio.h>
#include <stdlib.h>
static void flush_at_exit(void) { fflush(stdout); }
__attribute__((constructor)) static void harness_start(void) { atexit(flush_at_exit); }
"""


def test_a_cxx_kernel_linked_with_a_c_unit_gets_its_objects_extent(tmp_path):
    rows = run_programs(tmp_path, {
        name: ({"prog.cpp": PROG.replace("LINKAGE", linkage), "harness.c": HARNESS},
               ["prog.cpp"])
        for name, linkage in (("cxx", ""), ("extern_c", 'extern "C"'))})
    kernel = {name: next(p for p in row["offload"]["plans"] if p["function"] == "smooth")
              for name, row in rows.items()}
    assert kernel["cxx"]["loops"], kernel["cxx"]
    # a C unit may call an extern "C" function: its calls are not all known
    assert not kernel["extern_c"]["loops"], kernel["extern_c"]
    grid = ROWS * COLS * 8
    moved = rows["cxx"]["offload"]["bytes_h2d"] + rows["cxx"]["offload"]["bytes_d2h"]
    assert moved <= 4 * grid, moved  # one region around the time loop
