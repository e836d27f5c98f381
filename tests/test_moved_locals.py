"""A local assigned once and then moved by ``+=``, ``++`` or ``--`` (found by probing the
per-loop answers): ``int k = i; while (k > 0 && a[k - 1] > t[i]) k--; cnt[k] += 1;``.

A local's one assignment gives its value only until a compound assignment or an increment
changes it (C11 6.5.16.2, 6.5.2.4): after ``k--`` the local holds another value.  The
analysis took ``k`` for ``i`` wherever it was read (one assignment), so ``cnt[k]`` was the
iteration's own ``cnt[i]`` and the loop got ``parallel loop`` — two iterations that stop at
the same ``k`` race on ``cnt[k]``; ``int k = i; for (j...) { b[k] = ...; k += 1; }`` writes
``b[i .. i+m-1]``, which overlap between iterations, and was mapped ``copy(b[0:n])`` (short of
the last writes).  A local that such an operator changes has no one value now: its subscripts
are unknown, the loops stay serial (the note names the access).

Whole programs (gcc, the dynamic evaluation's emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import run_verified

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """void hist_of(int n, const double *restrict a, const double *restrict t, int *restrict cnt)
{
    for (int i = 0; i < n; i++) {
        int k = i;
        while (k > 0 && a[k - 1] > t[i])
            k--;
        cnt[k] += 1;
    }
}

void spread(int n, int m, const double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++) {
        int k = i;
        for (int j = 0; j < m; j++) {
            b[k] = a[j] + i;
            k += 1;
        }
    }
}
"""
MAIN = """#include <stdio.h>
void hist_of(int n, const double *restrict a, const double *restrict t, int *restrict cnt);
void spread(int n, int m, const double *restrict a, double *restrict b);
int main(void)
{
    enum { N = 400, M = 4 };
    static double a[N], t[N], b[N + M], rb[N + M];
    static int cnt[N], rc[N];
    for (int i = 0; i < N; i++) { a[i] = (i * 7) % 13; t[i] = 2.0; }
    for (int i = 0; i < N; i++) {
        int k = i;
        while (k > 0 && a[k - 1] > t[i]) k--;
        rc[k] += 1;
    }
    for (int i = 0; i < N; i++)
        for (int j = 0, k = i; j < M; j++, k++) rb[k] = a[j] + i;
    hist_of(N, a, t, cnt);
    spread(N, M, a, b);
    for (int i = 0; i < N; i++)
        if (cnt[i] != rc[i]) { puts("BAD"); return 1; }
    for (int i = 0; i < N + M; i++)
        if (b[i] != rb[i]) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_a_moved_local_is_no_copy_of_the_index():
    got = {s.line: s for s in annotate_source(KERNEL.encode(), get_engine("analysis"))}
    for line in (3, 13):  # the loops over `i`
        assert got[line].pragma is None, (line, got[line].pragma)
        assert any("not proved to differ" in str(n) for n in got[line].notes), got[line].notes


def test_the_answers_verify(tmp_path):
    run_verified(tmp_path, {"moved": (KERNEL, MAIN)}, variants=("engine", "offload"))
