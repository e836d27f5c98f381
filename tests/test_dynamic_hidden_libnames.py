"""The emulator: a parameter or a local named like a function of a header is a variable.

``<math.h>`` declares ``y1``, ``j0`` and ``j1`` (Bessel functions).  A parameter ``double y1[]``
or a local ``double j0`` hides them in its function (C11 6.2.1p4: a declaration in a block or a
parameter list hides the file-scope identifier of the same name within its scope).  The
translator took every function name the headers declare as no variable anywhere in the file:
``y1`` was not given its device copy, the region wrote the host array, and the ``copy`` out
then overwrote it with the untouched device copy (stale data); so with a local array ``j0``
in a ``copy`` clause, and a reduction into a local ``j0`` or the index of a nested loop
declared in the function (``j1``) were not bound either: the threads shared the host's.  The
names are now variables wherever an object declaration of them is in scope.

Twin: a region that calls ``y1`` and ``j0`` as the math functions (no declaration hides them
there, another function of the same file has a parameter ``y1``) still verifies.

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNELS = {
    # a parameter array in a `copy` clause and a local reduction variable
    "param_and_local": """#include <math.h>
void twice(int n, double y1[], double *sum)
{
    double j0 = 0.0;
    #pragma acc parallel loop copy(y1[0:n]) reduction(+:j0)
    for (int i = 0; i < n; i++) {
        y1[i] = 2.0 * y1[i];
        j0 += y1[i];
    }
    *sum = j0;
}
""",
    # the index of a loop nested in the partitioned one, declared in the function
    "nested_index": """#include <math.h>
void twice(int n, double y1[], double *sum)
{
    int i, j1;
    #pragma acc parallel loop gang vector copy(y1[0:n])
    for (i = 0; i < n; i++) {
        double s = 0.0;
        for (j1 = 0; j1 < 2; j1++)
            s += y1[i];
        y1[i] = s;
    }
    *sum = 0.0;
    for (i = 0; i < n; i++)
        *sum += y1[i];
}
""",
    # the locals alone: an array the region accumulates into, a nested loop's index
    "locals_only": """#include <math.h>
void twice(int n, double v[], double *sum)
{
    int i, j1;
    double j0[1] = {0.0};
    #pragma acc data copy(v[0:n])
    {
        #pragma acc parallel loop gang vector
        for (i = 0; i < n; i++) {
            double s = 0.0;
            for (j1 = 0; j1 < 2; j1++)
                s += v[i];
            v[i] = s;
        }
        #pragma acc serial copy(j0[0:1])
        for (i = 0; i < n; i++)
            j0[0] += v[i];
    }
    *sum = j0[0];
}
""",
    # twin: the math functions called in a region of a function where nothing hides them
    "math_call": """#include <math.h>
void twice(int n, double y1[], double *sum)
{
    double b[1000];
    #pragma acc parallel loop copyin(y1[0:n]) copyout(b[0:n])
    for (int i = 0; i < n; i++)
        b[i] = y1[i] * 2.0;
    *sum = 0.0;
    for (int i = 0; i < n; i++) {
        y1[i] = b[i];
        *sum += b[i];
    }
}

void bessel(int n, const double *x, double *b)
{
    #pragma acc parallel loop copyin(x[0:n]) copyout(b[0:n])
    for (int i = 0; i < n; i++)
        b[i] = y1(x[i]) + j0(x[i]);
}
""",
}
MAIN = """#include <math.h>
#include <stdio.h>
void twice(int n, double *v, double *sum);
BESSEL
int main(void)
{
    static double v[1000], x[1000], b[1000];
    double sum = 0.0, want = 0.0;
    int bad = 0;
    for (int i = 0; i < 1000; i++) {
        v[i] = i % 13;
        want += 2.0 * (i % 13);
    }
    twice(1000, v, &sum);
    for (int i = 0; i < 1000; i++)
        bad += v[i] != 2.0 * (i % 13);
    bad += sum != want;
    CALL
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
BESSEL = "void bessel(int n, const double *x, double *b);"
CALL = """for (int i = 0; i < 1000; i++)
        x[i] = 1.0 + i * 0.01;
    bessel(1000, x, b);
    for (int i = 0; i < 1000; i++)
        bad += b[i] != y1(x[i]) + j0(x[i]);"""


def _main(name: str) -> str:
    call = name == "math_call"
    return MAIN.replace("BESSEL", BESSEL if call else "").replace("CALL", CALL if call else "")


def test_objects_hide_header_functions(tmp_path):
    manifest = write_suite(tmp_path, {k: (v, _main(k)) for k, v in KERNELS.items()})
    res = evaluate_dynamic(manifest, None, threads=2, runs=1, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    bad = {k: v["reason"] for k, v in got.items() if v["status"] != "verified"}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())
    assert set(got) == set(KERNELS)
