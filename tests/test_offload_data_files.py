"""A program's data files are no translation units (issue #15, dynamic evaluation).

A runnable program's manifest lists, beside its sources, the files it reads at run time (an
input grid, a seed).  The evaluation took every listed file for one of the program's units: a
file without a C suffix made the program's units "not all known", so the planner could not see
every call of a function with external linkage — and with them the size of the object each
pointer parameter points to (docs/offload.md, the objects rule).  The compiler never reads a
data file (it is no source and no ``#include`` names it): the program's units are its C and C++
sources (:func:`accellium.dataset.offload.program.code_files`).

The kernel below reads the row below the top row (``in[c + cols]``) and the row above every
other one: its loops reach ``in`` up to ``2*cols - 1`` in one branch and ``rows*cols - 1`` in
the other, which no bound orders (with one row the top row's reads would leave the array).
Its calls pass arrays of ``rows*cols`` elements, so the section is that object, whole; a
region around the driver's time loop then moves the grid once instead of at every call.
Whole programs, built with gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.dataset.offload.program import code_files

ROWS, COLS, STEPS = 40, 30, 6

KERNEL = """void smooth(double *out, const double *in, int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            if (r == 0)
                out[c] = 0.5 * (in[c] + in[c + cols]);
            else
                out[r * cols + c] = 0.5 * (in[r * cols + c] + in[(r - 1) * cols + c]);
        }
}
"""

MAIN = f"""#include <stdio.h>
#include <stdlib.h>
void smooth(double *out, const double *in, int rows, int cols);
int main(void)
{{
    int rows = {ROWS}, cols = {COLS}, steps = {STEPS};
    double *a = malloc(rows * cols * sizeof(double));
    double *b = malloc(rows * cols * sizeof(double));
    double *ra = malloc(rows * cols * sizeof(double));
    double *rb = malloc(rows * cols * sizeof(double));
    double seed = 1.0;
    FILE *f = fopen("seed.txt", "r");
    if (f) {{
        if (fscanf(f, "%lf", &seed) != 1)
            seed = 1.0;
        fclose(f);
    }}
    for (int i = 0; i < rows * cols; i++)
        a[i] = ra[i] = seed * (i % 7);
    for (int s = 0; s < steps; s++) {{
        smooth(b, a, rows, cols);
        smooth(a, b, rows, cols);
    }}
    for (int s = 0; s < 2 * steps; s++) {{
        double *in = s % 2 ? rb : ra, *out = s % 2 ? ra : rb;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                out[r * cols + c] = r == 0 ? 0.5 * (in[c] + in[c + cols])
                    : 0.5 * (in[r * cols + c] + in[(r - 1) * cols + c]);
    }}
    int bad = seed != 2.0;
    for (int i = 0; i < rows * cols; i++)
        bad |= a[i] != ra[i];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""

FILES = {"kernel.c": KERNEL, "main.c": MAIN, "seed.txt": "2.0\n"}


def test_data_files_are_left_out_of_the_program_units():
    files = {"a.c": b'#include "glob.incl"\n', "b.cpp": b"", "x.h": b"", "glob.incl": b"",
             "seed.txt": b"2.0\n", "temp_64": b"1\n2\n", "graph.txt": b"#include \"x.h\"\n"}
    assert set(code_files(files)) == {"a.c", "b.cpp", "x.h", "glob.incl"}


def test_a_kernel_of_a_program_with_a_data_file_gets_its_objects_extent(tmp_path):
    row = run_programs(tmp_path, {"smooth": (FILES, ["kernel.c"])},
                       ("engine", "offload", "per_loop_clauses"))["smooth"]
    plans = {(p["file"], p["function"]): p for p in row["offload"]["plans"]}
    # the kernel's loop is offloaded over the whole object its calls pass
    assert plans[("kernel.c", "smooth")]["loops"], plans[("kernel.c", "smooth")]
    grid = ROWS * COLS * 8
    moved = row["offload"]["bytes_h2d"] + row["offload"]["bytes_d2h"]
    per_loop = row["per_loop_clauses"]["bytes_h2d"] + row["per_loop_clauses"]["bytes_d2h"]
    # one region around the time loop: each grid in and out at most once
    assert moved <= 4 * grid, (moved, plans)
    assert per_loop >= 2 * STEPS * 2 * grid, per_loop
