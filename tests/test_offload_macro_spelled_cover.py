"""A device loop that writes every element of a grid before anything reads it needs no copy in,
also when its bounds and the grid's section are spelled through different macros of the same
size: the fill runs to ``N2`` (``#define N2 (N+2)``), the border loop to ``N1`` (``#define N1
(N+1)``), and the section the region maps is their union, spelled out (``b[0:N+2]``).  The
preprocessor replaces each macro name by its body wherever it is used (C11 6.10.3), so the
fill's rows ``0..N2-1`` are the section's ``0..N+1``: the region creates the grid instead of
copying the host's never-written bytes in.  Before, the two spellings did not compare and the
grid was copied in (the host reads the grid inside the region, so the "nothing wrote it since
its allocation" rule does not apply there).  A whole program, built with real gcc and run in
the emulator; ``main`` checks the sum against a serial reference."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 62, 4
KERNEL = f"""#include <stdio.h>
#include <stdlib.h>
#define N {N}
#define N1 (N+1)
#define N2 (N+2)
double run(int steps)
{{
    float (*b)[N2] = (float (*)[N2])malloc(sizeof(float) * N2 * N2);
    float (*a)[N2] = (float (*)[N2])malloc(sizeof(float) * N2 * N2);
    for (int i = 0; i < N2; i++)
        for (int j = 0; j < N2; j++)
            b[i][j] = 0.0f;
    for (int j = 0; j <= N1; j++) {{
        b[j][0] = 1.0f;
        b[j][N1] = 1.0f;
    }}
    for (int t = 0; t < steps; t++) {{
        for (int i = 1; i <= N; i++)
            for (int j = 1; j <= N; j++)
                a[i][j] = 0.25f * (b[i - 1][j] + b[i + 1][j] + b[i][j - 1] + b[i][j + 1]);
        for (int i = 1; i <= N; i++)
            for (int j = 1; j <= N; j++)
                b[i][j] = a[i][j];
    }}
    double s = 0.0;
    for (int i = 1; i <= N; i++) {{
        s += b[i][i];
        if (s < 0.0)
            fprintf(stderr, "negative at %d\\n", i);
    }}
    double e = 0.0;
    for (int i = 0; i < N2; i++)
        e += b[i][0] + b[i][N1];
    free(a);
    free(b);
    return s + e;
}}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#define N {N}
double run(int steps);
static float ra[N + 2][N + 2], rb[N + 2][N + 2];
int main(void)
{{
    for (int i = 0; i < N + 2; i++)
        for (int j = 0; j < N + 2; j++)
            rb[i][j] = (j == 0 || j == N + 1) ? 1.0f : 0.0f;
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 1; i <= N; i++)
            for (int j = 1; j <= N; j++)
                ra[i][j] = 0.25f * (rb[i - 1][j] + rb[i + 1][j] + rb[i][j - 1] + rb[i][j + 1]);
        for (int i = 1; i <= N; i++)
            for (int j = 1; j <= N; j++)
                rb[i][j] = ra[i][j];
    }}
    double s = 0.0, e = 0.0;
    for (int i = 1; i <= N; i++)
        s += rb[i][i];
    for (int i = 0; i < N + 2; i++)
        e += rb[i][0] + rb[i][N + 1];
    double got = run({STEPS});
    puts(fabs(got - (s + e)) <= 1e-6 * fabs(s + e) ? "OK" : "BAD");
    return 0;
}}
"""


def test_a_fill_to_another_macro_of_the_same_size_covers_the_grid(tmp_path):
    rows = run_verified(tmp_path, {"spelled": (KERNEL, MAIN)},
                        variants=("serial", "engine", "offload"))
    off = rows["spelled"]["offload"]
    plan = {p["function"]: p for p in off["plans"]}["run"]
    clauses = {a["name"]: a.get("clause") or a.get("how") for a in plan["arrays"]}
    # the function allocates the grid: `enter data create` where it did `enter data copyin`
    assert "create" in clauses["b"] and "copyin" not in clauses["b"], (clauses, plan["notes"])
    # nothing of the grid copied in: the reductions' initial values only
    assert off["bytes_h2d"] <= 64, off
