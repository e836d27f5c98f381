"""A struct variable the loop writes member by member (``d.x = ...``) is one object all
iterations share (:mod:`accellium.dataset.analysis.struct_members`): before, its member
writes counted as reads of ``d`` and the loop got a parallel pragma that raced on it.

``forces``: an all-pairs kernel whose difference vector ``d`` is written member by member
before each read in every inner iteration — scratch: ``private(d)``, parallel.  Twins that stay
sequential: ``partial`` (a member set before the loop is read in it: private copies would not
hold it), ``cond`` (a member written under a condition, read always: some iterations read the
previous one's value), ``after`` (the function returns a member after the loop: the last
iteration's value is needed).

Whole programs, built with real gcc and run in the data-environment emulator with the
per-loop suggestions and the offload plan applied."""

from __future__ import annotations

from _offload_util import run_verified

from accellium.dataset.analysis import analyze

KERNEL = """typedef struct { double x, y, z; } V3;
typedef struct { double v, x, y, z; } F4;

void forces(int n, const V3 *a, const V3 *b, F4 *f)
{
    V3 d;
    double s;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            d.x = a[i].x - b[j].x;
            d.y = a[i].y - b[j].y;
            d.z = a[i].z - b[j].z;
            s = d.x * d.x + d.y * d.y + d.z * d.z;
            f[i].x += s * d.x;
            f[i].y += s * d.y;
            f[i].z += s * d.z;
        }
    }
}

void partial(int n, const double *a, double *o)
{
    V3 d;
    d.y = 1.5;
    for (int i = 0; i < n; i++) {
        d.x = a[i];
        o[i] = d.x + d.y;
    }
}

void cond(int n, const double *a, double *o)
{
    V3 d;
    d.x = 0.0;
    for (int i = 0; i < n; i++) {
        if (a[i] > 0.0)
            d.x = a[i];
        o[i] = d.x;
    }
}

double after(int n, const double *a, double *o)
{
    V3 d;
    d.x = 0.0;
    for (int i = 0; i < n; i++) {
        d.x = a[i];
        o[i] = 2.0 * d.x;
    }
    return d.x;
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct { double x, y, z; } V3;
typedef struct { double v, x, y, z; } F4;
void forces(int n, const V3 *a, const V3 *b, F4 *f);
void partial(int n, const double *a, double *o);
void cond(int n, const double *a, double *o);
double after(int n, const double *a, double *o);
#define N 300
static V3 pa[N], pb[N];
static F4 f[N];
static double a[N], o[N];
int main(void)
{
    int bad = 0;
    for (int i = 0; i < N; i++) {
        pa[i].x = (i % 7) * 0.5; pa[i].y = (i % 5) * 0.25; pa[i].z = (i % 3) * 0.75;
        pb[i].x = (i % 4) * 0.5; pb[i].y = (i % 6) * 0.25; pb[i].z = (i % 9) * 0.125;
        a[i] = (i % 11) - 5.0;
    }
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CHECKS = {
    "forces": """forces(N, pa, pb, f);
    for (int i = 0; i < N; i++) {
        double rx = 0.0, ry = 0.0, rz = 0.0;
        for (int j = 0; j < N; j++) {
            double dx = pa[i].x - pb[j].x, dy = pa[i].y - pb[j].y, dz = pa[i].z - pb[j].z;
            double s = dx * dx + dy * dy + dz * dz;
            rx += s * dx; ry += s * dy; rz += s * dz;
        }
        bad += fabs(f[i].x - rx) > 1e-9 || fabs(f[i].y - ry) > 1e-9 || fabs(f[i].z - rz) > 1e-9;
    }""",
    "partial": """partial(N, a, o);
    for (int i = 0; i < N; i++) bad += fabs(o[i] - (a[i] + 1.5)) > 1e-12;""",
    "cond": """cond(N, a, o);
    double last = 0.0;
    for (int i = 0; i < N; i++) { if (a[i] > 0.0) last = a[i]; bad += o[i] != last; }""",
    "after": """double got = after(N, a, o);
    bad += got != a[N - 1];
    for (int i = 0; i < N; i++) bad += o[i] != 2.0 * a[i];""",
}


def _loop(function: str) -> str:
    at = KERNEL.index(f" {function}(")
    start = KERNEL.index("for (int i = 0", at)
    return KERNEL[start:KERNEL.index("\n    }\n", start) + 6]


def test_the_facts():
    facts = analyze(_loop("forces"))
    assert "d" in facts.private and not facts.carried, (facts.private, facts.carried)
    for function in ("partial", "cond"):
        facts = analyze(_loop(function))
        assert "d" not in facts.private and any(d.var == "d" for d in facts.carried), \
            (function, facts.private, facts.carried)


def test_the_programs_verify_with_suggestions_and_plans_applied(tmp_path):
    programs = {name: (KERNEL, MAIN.replace("CHECK", check)) for name, check in CHECKS.items()}
    by = run_verified(tmp_path, programs)
    assert set(by) == set(CHECKS), by.keys()
    pragmas = {q["line"]: q["pragma"] for q in by["forces"]["engine"]["pragmas"]}
    line = KERNEL[:KERNEL.index("for (int i = 0")].count("\n") + 1
    assert pragmas.get(line, "").startswith("#pragma acc parallel loop") and \
        "d" in pragmas[line].split("private(")[1].split(")")[0].replace(" ", "").split(","), \
        pragmas
    for name in ("partial", "cond", "after"):
        at = KERNEL.index(f" {name}(")
        line = KERNEL[:KERNEL.index("for (int i = 0", at)].count("\n") + 1
        assert "parallel" not in pragmas.get(line, ""), (name, pragmas)
