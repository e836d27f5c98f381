"""A subscript spelled through object-like macros whose expansions are integer constant
expressions is that number (C11 6.10.3, 6.10.3.4: the preprocessor replaces the name by its
replacement list, rescanned, in translation phase 4): with ``#define V_A 0`` and ``#define
V_B (V_A + 1)`` (a struct of arrays in one flat array, a variable's elements at ``V*n``),
``q[i + V_A*n]`` and ``q[i + V_B*n]`` are ``q[i]`` and ``q[i + n]``, the section
``q[0:2*n]``.  The extents took each such name as a size of at least 1: two of them could
not be ordered (no section: no pragma, the loop left on the host), and a 0 was put above
``n`` (``q[n:V_A*n]``, which maps none of the elements ``q[i]`` reads).

Whole programs (the macros in a header, as ``-I.`` finds it) run in the data-environment
emulator with the per-loop suggestions and with the offload plan: ``step`` gets a parallel
loop and is offloaded, moving the two variables' elements once; ``zero`` reads the right
elements.  Twin: a macro whose expansion is no constant (``#define OFF (k * 2)``) keeps its
name in the section (at least 1: it bounds the loop around), and still verifies."""

from __future__ import annotations

from _offload_util import marked_lines, run_verified

N = 64
HEADER = "#define V_A 0\n#define V_B (V_A + 1)\n#define NV (V_B + 1)\n#define OFF (k * 2)\n"

KERNEL = """#include "vars.h"

void step(int n, const double *restrict q, double *restrict r)
{
    for (int i = 0; i < n; i++) { /* step */
        r[i + V_A * n] = q[i + V_A * n] + q[i + V_B * n];
        r[i + V_B * n] = q[i + V_B * n] - q[i + V_A * n];
    }
}

void zero(int n, const double *restrict q, double *restrict s)
{
    for (int i = 0; i < n; i++) /* zero */
        s[i] = q[i + n] + q[i + V_A * n];
}

void twin(int n, int k, const double *restrict q, double *restrict s)
{
    for (int j = 1; j < OFF; j++)
        for (int i = 0; i < n; i++) /* twin */
            s[i] = q[i + V_B * n] + q[i + OFF * n];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void step(int n, const double *restrict q, double *restrict r);
void zero(int n, const double *restrict q, double *restrict s);
void twin(int n, int k, const double *restrict q, double *restrict s);
int main(void)
{
    int n = NN, bad = 0;
    double *q = malloc(3 * n * sizeof *q), *r = malloc(3 * n * sizeof *r);
    for (int k = 0; k < 3 * n; k++) { q[k] = k % 7 + 0.5 * (k / n); r[k] = -1.0; }
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
""".replace("NN", str(N))

CHECKS = {
    "step": """step(n, q, r);
    for (int i = 0; i < n; i++)
        bad += fabs(r[i] - (q[i] + q[i + n])) > 1e-12 || fabs(r[i + n] - (q[i + n] - q[i])) > 1e-12;""",
    "zero": """zero(n, q, r);
    for (int i = 0; i < n; i++) bad += fabs(r[i] - (q[i + n] + q[i])) > 1e-12;""",
    "twin": """twin(n, 1, q, r);
    for (int i = 0; i < n; i++) bad += fabs(r[i] - (q[i + n] + q[i + 2 * n])) > 1e-12;""",
}


def test_constant_macro_sections_verify_per_loop_and_planned(tmp_path):
    programs = {name: (KERNEL, MAIN.replace("CHECK", check)) for name, check in CHECKS.items()}
    by = run_verified(tmp_path, programs, headers={n: {"vars.h": HEADER} for n in programs})
    marks = marked_lines(KERNEL)
    for name in programs:
        pragmas = {p["line"]: p["pragma"] for p in by[name]["engine"]["pragmas"]}
        got = pragmas.get(marks[name], "")
        assert got.startswith("#pragma acc parallel loop"), (name, pragmas)
        offloaded = {ln for p in by[name]["offload"]["plans"] for ln in p["loops"]}
        assert marks[name] in offloaded, (name, by[name]["offload"]["plans"])
    # the two variables' 2n elements of q in, r's 2n in and out: nothing more
    moved = by["step"]["offload"]
    assert (moved["bytes_h2d"], moved["bytes_d2h"]) == (4 * N * 8, 2 * N * 8), moved
    # a macro whose expansion names a variable is no number: the section keeps the name
    twin = {p["line"]: p["pragma"] for p in by["twin"]["engine"]["pragmas"]}[marks["twin"]]
    assert "OFF" in twin, twin
