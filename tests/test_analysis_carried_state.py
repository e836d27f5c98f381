"""State one iteration leaves to the next that the analysis read as independent
(``dataset/analysis/reductions.if_minmax``, ``arrays._elements_filled``, ``summaries``):

* **A min/max test that guards more than the update** — ``if (a[i] < m) { m = a[i];
  c++; }``, ``if (a[i] > m) { m = a[i]; rec[i] = 1; }``.  The test compares with the running
  value; a reduction's copies start at the identity and each sees part of the iterations
  (OpenACC 3.3, 2.5.15), so the other statements would run in other iterations than the
  loop's.  Before: ``reduction(min:m)`` and a wrong count.  Now ``m`` is carried; the plain
  ``if (a[i] > m) m = a[i];`` stays a reduction.
* **An element of a scratch array read before the iteration writes it** — ``t[1] = a[i];
  b[i] = t[0] + t[1]; t[0] = t[1];`` reads the ``t[0]`` the previous iteration left.
  Before: ``private(t)`` (the first access is a write, so the whole array was taken for
  scratch).  Now, with constant subscripts, each element read must be written before in
  the iteration.
* **A callee's ``static`` local** — ``next_id()`` returns ``id++`` of ``static int id``:
  one object every call shares (C11 6.2.4p3), as a global.  Before: ``parallel loop
  independent`` and duplicate ids.

Proven on whole programs (gcc, the data-environment emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import run_verified

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

MINIMA = """int count_new_minima(int n, const double *restrict a)
{
    double m = a[0];
    int c = 0;
    for (int i = 0; i < n; i++) {
        if (a[i] < m) {
            m = a[i];
            c++;
        }
    }
    return c;
}
void mark_records(int n, const double *restrict a, int *restrict rec)
{
    double m = -1e300;
    for (int i = 0; i < n; i++) {
        rec[i] = 0;
        if (a[i] > m) {
            m = a[i];
            rec[i] = 1;
        }
    }
}
double largest(int n, const double *restrict a)
{
    double m = -1e300;
    for (int i = 0; i < n; i++)
        if (a[i] > m) m = a[i];
    return m;
}
void pairsum(int n, const double *restrict a, double *restrict b)
{
    double t[2] = {0.0, 0.0};
    for (int i = 0; i < n; i++) {
        t[1] = a[i];
        b[i] = t[0] + t[1];
        t[0] = t[1];
    }
}
void scratch(int n, const double *restrict a, double *restrict b)
{
    double t[2];
    for (int i = 0; i < n; i++) {
        t[0] = a[i];
        t[1] = 2.0 * a[i];
        b[i] = t[0] + t[1];
    }
}
static int next_id(void)
{
    static int id = 0;
    return id++;
}
void assign_ids(int n, int *restrict ids)
{
    for (int i = 0; i < n; i++)
        ids[i] = next_id();
}
"""
MAIN = """#include <stdio.h>
int count_new_minima(int n, const double *restrict a);
void mark_records(int n, const double *restrict a, int *restrict rec);
double largest(int n, const double *restrict a);
void pairsum(int n, const double *restrict a, double *restrict b);
void scratch(int n, const double *restrict a, double *restrict b);
void assign_ids(int n, int *restrict ids);
int main(void)
{
    enum { N = 4000 };
    static double a[N], b[N], c[N];
    static int rec[N], ids[N];
    for (int i = 0; i < N; i++) a[i] = (double)((i * 7919) % 1009) - 0.001 * i;
    int want = 0, records = 0;
    double m = a[0], big = -1e300;
    for (int i = 0; i < N; i++) if (a[i] < m) { m = a[i]; want++; }
    if (count_new_minima(N, a) != want) { puts("BAD count"); return 1; }
    mark_records(N, a, rec);
    for (int i = 0; i < N; i++) if (a[i] > big) { big = a[i]; records += 1 - rec[i]; }
    else records += rec[i];
    if (records != 0) { puts("BAD records"); return 1; }
    if (largest(N, a) != big) { puts("BAD max"); return 1; }
    pairsum(N, a, b);
    for (int i = 0; i < N; i++) if (b[i] != (i ? a[i - 1] : 0.0) + a[i]) { puts("BAD pair"); return 1; }
    scratch(N, a, c);
    for (int i = 0; i < N; i++) if (c[i] != 3.0 * a[i]) { puts("BAD scratch"); return 1; }
    assign_ids(N, ids);
    for (int i = 0; i < N; i++) if (ids[i] != i) { puts("BAD ids"); return 1; }
    puts("OK");
    return 0;
}
"""


def _answers() -> dict[str, str | None]:
    got = annotate_source(MINIMA.encode(), get_engine("analysis"), path="k.c", lang="c")
    lines = MINIMA.splitlines()
    out = {}
    for a in got:
        fn = next(ln for ln in reversed(lines[:a.line]) if ln and not ln[0].isspace()
                  and "(" in ln)
        out[fn.split("(")[0].split()[-1]] = a.pragma
    return out


def test_the_answers():
    got = _answers()
    for fn in ("count_new_minima", "mark_records", "pairsum", "assign_ids"):
        assert got[fn] is None or "parallel" not in got[fn], (fn, got[fn])
    assert got["count_new_minima"] is None or "reduction(min" not in got["count_new_minima"]
    assert got["largest"] is not None and "reduction(max:m)" in got["largest"], got
    assert got["scratch"] is not None and "private(t)" in got["scratch"], got


def test_the_program_verifies(tmp_path):
    run_verified(tmp_path, {"carried_state": (MINIMA, MAIN)}, variants=("engine",))
