"""A Jacobi solver in ``main`` over two file-scope arrays: ``A`` is copied in once and never
back, ``Anew`` is only created on the device.

Two facts, each a fix:

* ``memset(A, 0, sizeof A)`` makes no other name for ``A``'s memory: a standard library
  function reaches its arguments during the call only, and the pointer ``memset`` returns is
  dropped with the call's value (:func:`accellium.dataset.offload.exit_dead._library_argument`).
  Before, that call counted as a possible alias, so the region copied both arrays back at the
  end of ``main``, where nothing reads them.
* The first sweep writes ``Anew[j][i]`` and then reads that element back for the residual
  (``error = fmax(error, fabs(Anew[j][i] - A[j][i]))``); the second sweep reads ``Anew`` over
  the same interior.  Each read sees what the same host iteration wrote
  (:func:`accellium.dataset.offload.cover.footprint_cover`), so ``Anew`` needs no copy in.
  Before, a loop that read any element of the array did not count as the writer, and a true
  array (``double Anew[N][M]``) was never such a footprint.

Twin ``printed``: ``main`` reads an element of ``A`` after the solve, so ``A`` comes back
(``copy``); ``Anew`` is still only created.  Whole programs, built with real gcc and run in the
emulator."""

from __future__ import annotations

from _offload_util import run_verified

N = 64
PROG = f"""#include <math.h>
#include <stdio.h>
#include <string.h>
#define N {N}
double A[N][N];
double Anew[N][N];
"""
MAIN = """
int main(void)
{
    memset(A, 0, sizeof A);
    memset(Anew, 0, sizeof Anew);
    for (int j = 0; j < N; j++)
        A[j][0] = Anew[j][0] = 1.0;
    double error = 1.0;
    int iter = 0;
    while (error > 1e-3 && iter < 50) {
        error = 0.0;
        for (int j = 1; j < N - 1; j++)
            for (int i = 1; i < N - 1; i++) {
                Anew[j][i] = 0.25 * (A[j][i + 1] + A[j][i - 1] + A[j - 1][i] + A[j + 1][i]);
                error = fmax(error, fabs(Anew[j][i] - A[j][i]));
            }
        for (int j = 1; j < N - 1; j++)
            for (int i = 1; i < N - 1; i++)
                A[j][i] = Anew[j][i];
        iter++;
    }
    PRINT
    puts(iter == 50 && fabs(error - 0.00484743) < 1e-6 ? "OK" : "BAD");
    return 0;
}
"""


def _clauses(row: dict) -> dict[str, str]:
    plan = {p["function"]: p for p in row["offload"]["plans"]}["main"]
    return {a["name"]: a["clause"] or a["how"] for a in plan["arrays"]}


def test_a_jacobi_in_main_moves_its_grid_in_once(tmp_path):
    main = (PROG, MAIN.replace("PRINT", ""))
    printed = (PROG, MAIN.replace("PRINT", "if (A[1][1] <= 0.0) return 1;"))
    rows = run_verified(tmp_path, {"main": main, "printed": printed},
                        variants=("serial", "engine", "offload"), one_file=("main", "printed"))
    # file-scope arrays of a region in `main`: `enter data` / `exit data` (docs/offload.md)
    assert _clauses(rows["main"]) == {"A": "enter data copyin / exit data delete",
                                      "Anew": "enter data create / exit data delete"}
    assert _clauses(rows["printed"]) == {"A": "enter data copyin / exit data copyout",
                                         "Anew": "enter data create / exit data delete"}
    grid = N * N * 8
    got = rows["main"]["offload"]
    # the grid once; the residual of each sweep (8 bytes in and out, 50 sweeps)
    assert grid <= got["bytes_h2d"] <= grid + 1024 and got["bytes_d2h"] <= 1024, got
