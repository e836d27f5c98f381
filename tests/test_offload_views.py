"""Loops that reach an array through a pointer they declare into it (a view: ``double *row =
&A[i * m];`` then ``row[j]``) are planned with the array's own sections (issue #15,
:mod:`accellium.dataset.offload.views`).

``steps`` smooths a grid one row at a time through views (``&A[i * m]``, ``B + i * m``) and
copies it back through another (``src = B + i * m``).  Before, the address taken for the view
kept every loop on the host ("takes the address of `A`"); now ``row[j]`` is ``A[i*m + j]``
(C11 6.5.2.1, 6.5.3.2p3) and one region holds both loops for all the steps.

Twins (refusals): ``moved`` advances the view (``row++``): what it reaches is not what its
declaration shows, so the loop stays on the host; ``stale`` makes a view ``&B[i * m + j]``
with ``j`` the index of a loop that runs after the declaration (``cell`` points to the row's
first element while ``j`` goes over the row): read at the use, the offset would stand for
every element of the row.  The loop stays on the host — here the engine already gives it no
parallel pragma, so this twin shows the plan, not a failure the rule alone prevents (with
the rule's index check disabled the program still verifies).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

N, M, STEPS = 120, 64, 4

KERNEL = """void steps(int n, int m, int steps, double *restrict A, double *restrict B)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++) {
FIRST
        }
        for (int i = 0; i < n; i++) {
            const double *src = B + i * m;
            for (int j = 0; j < m; j++)
                A[i * m + j] = 0.75 * src[j];
        }
    }
}
"""
FIRST = {
    "views": """            const double *row = &A[i * m];
            double *out = B + i * m;
            for (int j = 0; j < m; j++)
                out[j] = 0.5 * row[j] + 1.0;""",
    "moved": """            const double *row = &A[i * m];
            double *out = B + i * m;
            for (int j = 0; j < m; j++) {
                out[j] = 0.5 * *row + 1.0;
                row++;
            }""",
    "stale": """            int j = 0;
            double *cell = &B[i * m + j];
            for (j = 0; j < m; j++)
                B[i * m + j] = 0.5 * A[i * m + j] + 1.0;
            cell[0] = 0.5 * A[i * m] + 2.0;""",
}
MAIN = f"""#include <stdio.h>
#include <stdlib.h>
void steps(int n, int m, int steps, double *restrict A, double *restrict B);
int main(void)
{{
    int n = {N}, m = {M}, bad = 0;
    double *A = malloc(n * m * sizeof *A), *B = malloc(n * m * sizeof *B);
    double *rA = malloc(n * m * sizeof *rA), *rB = malloc(n * m * sizeof *rB);
    for (int k = 0; k < n * m; k++) A[k] = rA[k] = (k * 13) % 17, B[k] = rB[k] = 0.0;
    steps(n, m, {STEPS}, A, B);
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 0; i < n; i++) {{
            for (int j = 0; j < m; j++)
                rB[i * m + j] = 0.5 * rA[i * m + j] + 1.0;
            STALE
        }}
        for (int k = 0; k < n * m; k++) rA[k] = 0.75 * rB[k];
    }}
    for (int k = 0; k < n * m; k++) bad += A[k] != rA[k] || B[k] != rB[k];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def _program(case: str) -> tuple[str, str]:
    stale = "rB[i * m] = 0.5 * rA[i * m] + 2.0;" if case == "stale" else ""
    return KERNEL.replace("FIRST", FIRST[case]), MAIN.replace("STALE", stale)


def test_loops_through_views_join_one_region_unless_the_view_moves_or_its_index_runs_on():
    engine = get_engine("analysis")
    lines = {case: acc_lines(plan_text(_program(case)[0], engine)[0]) for case in FIRST}
    regions = {case: [a for a in ls if a.startswith("#pragma acc data")]
               for case, ls in lines.items()}
    loops = {case: [a for a in ls if "loop" in a] for case, ls in lines.items()}
    assert len(regions["views"]) == 1 and "A[0:m*n]" in regions["views"][0], lines["views"]
    assert len(loops["views"]) == 2, lines["views"]
    # the twins: only the copy-back loop is offloaded (through its own view `src`)
    for twin in ("moved", "stale"):
        assert len(loops[twin]) == 1, (twin, lines[twin])


def test_the_view_plans_verify_and_move_each_grid_once(tmp_path):
    rows = run_verified(tmp_path, {case: _program(case) for case in FIRST},
                        variants=("engine", "offload"))
    moved = {case: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"]
             for case, r in rows.items()}
    grid = 8 * N * M
    assert moved["views"] <= 4 * grid, moved  # A in and out, B in (and out) once
    assert moved["moved"] > STEPS * grid, moved  # the host loop between: updates every step


def test_a_pointer_to_one_element_used_for_its_members_is_read_as_that_element():
    """``particle_t *q = &p[i]; q->x += ...``: the element ``p[i]``, as before views."""
    src = """typedef struct { double x, v; } particle_t;
void advance(int n, int steps, particle_t *p, double dt)
{
    for (int s = 0; s < steps; s++)
        for (int i = 0; i < n; i++) {
            particle_t *q = &p[i];
            q->v += -q->x * dt;
            q->x += q->v * dt;
        }
}
"""
    lines = acc_lines(plan_text(src, get_engine("analysis"))[0])
    assert lines[0] == "#pragma acc data copy(p[0:n])", lines
