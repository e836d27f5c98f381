"""A symmetric matrix filled from one triangle is written whole: no copy in (issue #15).

A nest ``for (i = L; i <= H; i++) for (j = i; j <= H; j++) { a[i][j] = e; a[j][i] = a[i][j]; }``
writes every element of ``a[L..H][L..H]``: an element ``(x, y)`` has ``x <= y`` (written as
``a[i][j]`` at ``i = x, j = y``) or ``y < x`` (written as ``a[j][i]`` at ``i = y, j = x``); the
same with ``j`` from ``L`` to ``i``.  The planner proved a covering write one subscript at a
time, and neither write alone reaches the square, so the region copied the matrix in before
overwriting it (``copy``); now the pair counts (``copyout``).  A nest that leaves the diagonal
to the caller (``j`` from ``i + 1``) still copies it in: the caller's diagonal must come back.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#define M 48
#define N 64
void gram(double x[N][M], double g[M][M])
{
    for (int i = 0; i < M; i++)
        for (int j = INNER) {
            g[i][j] = 0.0;
            for (int k = 0; k < N; k++)
                g[i][j] += x[k][i] * x[k][j];
            g[j][i] = g[i][j];
        }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#define M 48
#define N 64
void gram(double x[N][M], double g[M][M]);
static double x[N][M], g[M][M];
int main(void)
{
    int bad = 0;
    for (int k = 0; k < N; k++)
        for (int i = 0; i < M; i++)
            x[k][i] = ((k * 7 + i * 3) % 11) / 11.0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            g[i][j] = -1.0;
    gram(x, g);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            double s = 0.0;
            for (int k = 0; k < N; k++)
                s += x[k][i] * x[k][j];
            if (STRICT && i == j)
                s = -1.0;
            bad += fabs(g[i][j] - s) > 1e-9;
        }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
#: the inner loop's header after ``int j = ``; whether the nest leaves the diagonal
VARIANTS = {"upper": ("i; j < M; j++", 0), "lower": ("0; j <= i; j++", 0),
            "strict": ("i + 1; j < M; j++", 1)}


def _program(variant: str) -> tuple[str, str]:
    inner, strict = VARIANTS[variant]
    return KERNEL.replace("INNER", inner), MAIN.replace("STRICT", str(strict))


def _region(variant: str) -> str:
    kernel, main = _program(variant)
    text, _ = plan_text(kernel, get_engine("analysis"), program=[main.encode()])
    return next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))


def test_a_symmetric_fill_from_either_triangle_is_not_copied_in(tmp_path):
    for variant in ("upper", "lower"):
        line = _region(variant)
        assert "copyout(g[0:M][0:M])" in line and "copy(g" not in line, (variant, line)
    line = _region("strict")
    assert "copy(g[0:M][0:M])" in line, line
    rows = run_verified(tmp_path, {v: _program(v) for v in VARIANTS})
    moved = {v: r["offload"]["bytes_h2d"] for v, r in rows.items()}
    # the strict triangle brings g in for its diagonal: one matrix more
    assert moved["upper"] == moved["lower"] == moved["strict"] - 48 * 48 * 8, moved
