"""A reference or pointer the function binds, before the loop, to memory the loop also reaches
by another name, and the clauses of the default engine (found by probing the per-loop
answers of ``auto``; the analysis engine already refused these loops):

- ``double &r = a[n - 1]; for (i < n) r += a[i];`` got ``kernels loop reduction(+:r)
  copyin(a[0:n])``: the last iteration reads ``a[n - 1]``, which is ``r`` ([dcl.ref]p1), so
  the loop is no reduction, and ``a[n - 1]`` is written on the device where ``copyin`` never
  brings it back;
- ``double &r = a[n - 1]; b[i] = r + a[i]; r = b[i];`` got ``kernels loop copyin(a[0:n])
  copy(b[0:n], r)``: ``r`` mapped apart from ``a``'s copy of the same element;
- ``double s; double &rs = s; rs += a[i]; b[i] = s;`` got ``kernels loop reduction(+:rs)``
  (a prefix sum: each ``b[i]`` reads the running value, not a private copy's);
- ``double *ps = &s; s += a[i]; b[i] = *ps;`` got ``kernels loop reduction(+:s)
  copyin(a[0:n], ps[0:1])``: ``ps[0:1]`` is ``s``'s memory, mapped a second time.

The facts (``dataset/analysis/pipeline.py`` ``_bound_memory``, ``_carried_reductions``): a
scalar the analysis finds carried through another name is no reduction (``reduction(op:x)``
states that the loop only accumulates into ``x``: OpenACC 3.3, 2.5.15); a reference bound to
an element is that array's memory, so the array is read (and written where the reference
is assigned) at an element its subscripts do not show: no section from the loop's own
accesses, no clause naming the reference, no scalar clause for it; a pointer to a scalar the
loop also uses by name is that scalar, whose one element no section maps apart.

Whole programs (g++/gcc, the dynamic evaluation's emulator, threaded runs): each engine's
per-loop answers verify, and none names ``r``, ``ps`` or a reduction of ``rs``/``s``.
"""

from __future__ import annotations

from _offload_util import write_programs
from test_two_names import POINTER, POINTER_MAIN

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

REFS = """void into_last(int n, double *a)
{
    double &r = a[n - 1];
    for (int i = 0; i < n; i++)
        r += a[i];
}

void feedback(int n, const double *a, double *b, double *c)
{
    double &r = c[0];
    for (int i = 0; i < n; i++) {
        b[i] = r + a[i];
        r = b[i];
    }
}

void prefix(int n, const double *a, double *b)
{
    double s = 0.0;
    double &rs = s;
    for (int i = 0; i < n; i++) {
        rs += a[i];
        b[i] = s;
    }
}
"""
REFS_MAIN = """#include <cstdio>
void into_last(int n, double *a);
void feedback(int n, const double *a, double *b, double *c);
void prefix(int n, const double *a, double *b);
int main()
{
    const int N = 300;
    static double a[N], b[N], c[1] = {1.0};
    int bad = 0;
    for (int i = 0; i < N; i++) a[i] = i % 7;
    prefix(N, a, b);
    double s = 0.0;
    for (int i = 0; i < N; i++) { s += a[i]; bad += b[i] != s; }
    feedback(N, a, b, c);
    double r = 1.0;
    for (int i = 0; i < N; i++) { r += a[i]; bad += b[i] != r; }
    bad += c[0] != r;
    into_last(N, a);
    bad += a[N - 1] != 2.0 * s;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}
"""
def _clauses(pragma: str) -> str:
    return pragma.split(" ", 3)[-1].replace(" ", "")


def test_the_default_engines_answers_verify(tmp_path):
    man = write_programs(tmp_path, {
        "refs": ({"k.cpp": REFS, "main.cpp": REFS_MAIN}, ["k.cpp"]),
        "pointer": ({"k.c": POINTER, "main.c": POINTER_MAIN}, ["k.c"]),
    })
    for engine in ("auto", "analysis"):
        res = evaluate_dynamic(man, engine, threads=4, runs=3, with_mutations=False)
        for row in res["programs"]:
            eng = row["engine"]
            assert eng["status"] == "verified", (engine, row["name"], eng)
            for p in eng["pragmas"]:
                text = _clauses(p["pragma"])
                assert "(+:rs)" not in text and "(+:s)" not in text, (engine, p)
                assert "(+:r)" not in text and ",r)" not in text and "(r)" not in text, p
                assert "ps[" not in text, (engine, p)
