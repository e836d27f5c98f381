"""A macro whose body reads members of its arguments' objects (C11 6.10.3: a macro use is its
body; 6.5.2.3p3: ``A.x`` is part of the storage of the object ``A`` designates):
``y[i] = DOT(p[i], q[i])`` with ``#define DOT(A, B) ((A.x) * (B.x) + ...)`` reads ``p[i]``
and ``q[i]``, what its arguments designate, and its value is a number, which cannot be
subscripted, dereferenced or assigned (C11 6.5.2.1p1, 6.5.3.2, 6.5.16p2).

Before, such a call was read as a call of a function not seen whose expansion reaches memory
no argument names, so the loop stayed on the host.  Now it is read as its arguments are
(``copyin(p[0:n], q[0:n])``).  Twins that stay on the host: the same call in a loop that
really carries a dependence (``y[i - 1]``); ``(A)->x`` (the memory a pointer argument points
to, not the argument: ``DOTP(p + i, q + i)``); ``((B).v)``, a member that is a pointer, written
through (``V(b)[i] = ...``); ``((A).x)``, an lvalue, assigned (``X(r[i]) = ...``).  The pragmas
``DOTP`` and ``X`` would get if ``->`` or a body whose value is not a number were allowed fail
in the data-environment emulator: those conditions matter."""

from __future__ import annotations

from _offload_util import marked_lines, run_verified, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """typedef struct { double x, y, z; } vec3;
struct buf { double *v; };
#define DOT(A, B) ((A.x) * (B.x) + (A.y) * (B.y) + (A.z) * (B.z))
#define DOTP(A, B) ((A)->x * (B)->x + (A)->y * (B)->y + (A)->z * (B)->z)
#define V(B) ((B).v)
#define X(A) ((A).x)

void dots(int n, const vec3 *p, const vec3 *q, double *y, struct buf b, const double *w,
          vec3 *r)
{
    for (int i = 0; i < n; i++) /* dots */
        y[i] = DOT(p[i], q[i]);
}

void prefix(int n, const vec3 *p, const vec3 *q, double *y, struct buf b, const double *w,
          vec3 *r)
{
    for (int i = 1; i < n; i++) /* prefix */
        y[i] = y[i - 1] + DOT(p[i], q[i]);
}

void arrow(int n, const vec3 *p, const vec3 *q, double *y, struct buf b, const double *w,
          vec3 *r)
{
    for (int i = 0; i < n; i++) /* arrow */
        y[i] = DOTP(p + i, q + i);
}

void fill(int n, const vec3 *p, const vec3 *q, double *y, struct buf b, const double *w,
          vec3 *r)
{
    for (int i = 0; i < n; i++) /* fill */
        V(b)[i] = 2.0 * w[i];
}

void setx(int n, const vec3 *p, const vec3 *q, double *y, struct buf b, const double *w,
          vec3 *r)
{
    for (int i = 0; i < n; i++) /* setx */
        X(r[i]) = 2.0 * w[i];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct { double x, y, z; } vec3;
struct buf { double *v; };
void NAME(int n, const vec3 *p, const vec3 *q, double *y, struct buf b, const double *w,
          vec3 *r);
int main(void)
{
    int n = 200, bad = 0;
    vec3 *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q), *r = malloc(n * sizeof *r);
    double *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w), *v = malloc(n * sizeof *v);
    struct buf b = {v};
    for (int i = 0; i < n; i++) {
        p[i].x = i % 3; p[i].y = i % 5; p[i].z = 1.0; q[i].x = 2.0; q[i].y = i % 7;
        q[i].z = i % 2; y[i] = 1.0; w[i] = i % 11; v[i] = 0.0; r[i].x = 0.0;
    }
    NAME(n, p, q, y, b, w, r);
    double s = 1.0;
    for (int i = 0; i < n; i++) {
        double d = p[i].x * q[i].x + p[i].y * q[i].y + p[i].z * q[i].z;
        s = i > 0 ? s + d : 1.0;
        bad += CHECK;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CHECKS = {
    "dots": "fabs(y[i] - d) > 1e-12",
    "prefix": "fabs(y[i] - s) > 1e-9",
    "arrow": "fabs(y[i] - d) > 1e-12",
    "fill": "fabs(v[i] - 2.0 * w[i]) > 1e-12",
    "setx": "fabs(r[i].x - 2.0 * w[i]) > 1e-12",
}
HOST = ("prefix", "arrow", "fill", "setx")


def _programs(kernel: str, names) -> dict[str, tuple[str, str]]:
    return {n: (kernel, MAIN.replace("NAME", n).replace("CHECK", CHECKS[n])) for n in names}


def test_a_macro_reading_its_arguments_members_is_read_as_its_arguments(tmp_path):
    by = run_verified(tmp_path, _programs(KERNEL, CHECKS))
    marks = marked_lines(KERNEL)
    for name in CHECKS:
        line = marks[name]
        got = {q["line"]: q["pragma"] for q in by[name]["engine"]["pragmas"]}.get(line, "")
        offloaded = {ln for p in by[name]["offload"]["plans"] for ln in p["loops"]}
        if name in HOST:
            assert "parallel" not in got, (name, got)
            assert line not in offloaded, (name, by[name]["offload"]["plans"])
        else:
            assert got == ("#pragma acc parallel loop copyin(p[0:n], q[0:n]) "
                           "copyout(y[0:n])"), got
            assert line in offloaded, by[name]["offload"]["plans"]


def test_the_refused_forms_would_fail_on_the_device(tmp_path):
    """The pragmas the twins would get were ``->`` or a body that is not a number read as the
    arguments are: ``DOTP(p + i, q + i)`` with only ``y`` mapped dereferences host memory;
    ``X(r[i]) = ...`` (an lvalue) with ``r`` only copied in loses what the loop wrote.  The
    emulator fails both."""
    marks = marked_lines(KERNEL)
    lines = KERNEL.splitlines(keepends=True)
    for name, pragma in (("setx", "copyin(w[0:n], r[0:n])"), ("arrow", "copyout(y[0:n])")):
        at = marks[name] - 1
        lines.insert(at, f"    #pragma acc parallel loop {pragma}\n")
    naive = "".join(lines)
    res = evaluate_dynamic(write_suite(tmp_path, _programs(naive, ("arrow", "setx"))), None,
                           runs=1, with_mutations=False)
    for row in res["programs"]:
        assert row["original"]["status"] != "verified", (row["name"], row["original"])
