"""``#pragma scop`` / ``#pragma endscop`` above a loop do not keep it from its pragma (issue #15,
:data:`accellium.dataset.labels._MARKER_PRAGMA`).

PolyBench writes the static-control-part markers of polyhedral source-to-source tools around
every kernel, right above its outermost loop.  No compiler recognises them, and a pragma the
implementation does not recognise is ignored (C11 6.10.6p1), so an OpenACC directive may go
between the marker and the ``for``; the insertion check had read the marker as a pragma that
binds to the loop (as ``#pragma omp for`` or ``#pragma GCC ivdep`` do, which gcc rejects
under an OpenACC loop directive), left the outer loop on the host and offloaded its inner
loops, each row copying the whole of ``b`` again.  The twin: ``#pragma GCC ivdep`` above the
same loop still keeps the directive off it.

Whole programs (a driver that checks), built with real gcc and run in the data-environment
emulator."""

from __future__ import annotations

from _offload_util import acc_lines, line_after, plan_text, run_verified

NI, NJ, NK = 24, 20, 16

KERNEL = """#define NI 24
#define NJ 20
#define NK 16
void kernel_gemm(int ni, int nj, int nk, double alpha, double beta, double C[NI][NJ],
                 double A[NI][NK], double B[NK][NJ])
{
    int i, j, k;
MARKER
    for (i = 0; i < ni; i++) {
        for (j = 0; j < nj; j++)
            C[i][j] *= beta;
        for (k = 0; k < nk; k++)
            for (j = 0; j < nj; j++)
                C[i][j] += alpha * A[i][k] * B[k][j];
    }
END
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#define NI 24
#define NJ 20
#define NK 16
void kernel_gemm(int ni, int nj, int nk, double alpha, double beta, double C[NI][NJ],
                 double A[NI][NK], double B[NK][NJ]);
static double C[NI][NJ], A[NI][NK], B[NK][NJ], R[NI][NJ];
int main(void)
{
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NJ; j++)
            C[i][j] = R[i][j] = (double)((i * j + 1) % NI) / NI;
    for (int i = 0; i < NI; i++)
        for (int k = 0; k < NK; k++)
            A[i][k] = (double)(i * (k + 1) % NK) / NK;
    for (int k = 0; k < NK; k++)
        for (int j = 0; j < NJ; j++)
            B[k][j] = (double)(k * (j + 2) % NJ) / NJ;
    kernel_gemm(NI, NJ, NK, 1.5, 1.2, C, A, B);
    int bad = 0;
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NJ; j++) {
            double r = 1.2 * R[i][j];
            for (int k = 0; k < NK; k++)
                r += 1.5 * A[i][k] * B[k][j];
            bad += fabs(C[i][j] - r) > 1e-9;
        }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

SCOP = KERNEL.replace("MARKER", "#pragma scop").replace("END", "#pragma endscop")
IVDEP = KERNEL.replace("MARKER", "#pragma GCC ivdep").replace("END", "")


def test_the_outer_loop_below_the_marker_is_offloaded(engine):
    text, plans = plan_text(SCOP, engine)
    lines = acc_lines(text)
    assert lines, plans["kernel_gemm"].notes
    # the directive goes between the marker and the loop, and is the outer loop's
    assert line_after(text, "#pragma scop").startswith("#pragma acc parallel loop"), text
    assert line_after(text, lines[0]) == "for (i = 0; i < ni; i++) {", text
    assert not any(a.startswith("#pragma acc data") for a in lines), lines


def test_a_pragma_that_binds_to_the_loop_still_keeps_the_directive_off_it(engine):
    text, plans = plan_text(IVDEP, engine)
    assert line_after(text, "#pragma GCC ivdep") == "for (i = 0; i < ni; i++) {", text
    why = " ".join(h["why"] for h in plans["kernel_gemm"].host_loops)
    assert "`#pragma GCC ivdep` is directly above the loop" in why, why


def test_the_programs_verify_and_the_marked_kernel_moves_each_matrix_once(tmp_path):
    rows = run_verified(tmp_path, {"scop": (SCOP, MAIN), "ivdep": (IVDEP, MAIN)})
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    once = 8 * (2 * NI * NJ + NI * NK + NK * NJ)  # C in and out, A and B in
    assert moved["scop"] == once, moved
    # the inner loops' region is inside the host loop over rows: b again for every row
    assert moved["ivdep"] >= NI * NK * NJ * 8, moved
