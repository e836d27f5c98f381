"""Array and pointer types named through a typedef (found by probing the per-loop answers and
the offload plans).

A typedef name is a synonym for the type it names (C11 6.7.8p3): with ``typedef double
vec3[3];`` the parameter ``vec3 *pos`` is ``double (*pos)[3]`` — rows of 3 — and with
``typedef double real; typedef real *rvec;`` the parameter ``rvec u`` is ``double *u``.
Before, the declarations were read from their declarators alone: ``pos`` was a pointer of
one level subscripted twice (the per-loop answers and the plan gave nothing: "takes the
address of `pos` or one of its rows") and ``u`` a scalar of an unknown type (the plan: "cannot
tell the type of `u`").  Now a typedef name of a pointer or array type of the file, or of a
header it includes, adds its declarators outside the declaration's own
(:func:`accellium.dataset.analysis.value_types.typedef_declarators`), so the same code is
answered as it is when spelled out: ``pos[0:n][0:3]``, ``u[0:n]``.  A typedef of a structure
is unchanged (``point *p``), and a pointer typedef to one is a pointer (``point_ptr p``).

Whole programs (gcc, the data-environment emulator): the per-loop answers and the plans
verify and move the arrays.
"""

from __future__ import annotations

from _offload_util import acc_lines, clauses_of, plan_text, run_verified

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """#include "types.h"

typedef double vec3[3];
typedef double real;
typedef real *rvec;
typedef struct { double x, y; } point;
typedef point *point_ptr;

void kick(int n, int steps, vec3 *pos, vec3 *vel)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                vel[i][k] -= 0.01 * pos[i][k];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                pos[i][k] += 0.01 * vel[i][k];
    }
}

void run(int n, int steps, rvec u, rvec w)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            w[i] = 0.5 * u[i] + 1.0;
        for (int i = 0; i < n; i++)
            u[i] = w[i] * 0.9;
    }
}

void mix(int n, int steps, field_t a, row4 *q)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 4; k++)
                q[i][k] = 0.5f * q[i][k] + a[i];
        for (int i = 0; i < n; i++)
            a[i] = 0.25f * (q[i][0] + q[i][3]);
    }
}

void drift(int n, int steps, point *p, point_ptr r, const double *v)
{
    for (int s = 0; s < steps; s++)
        for (int i = 0; i < n; i++) {
            p[i].x += 0.1 * v[i];
            r[i].y -= 0.2 * v[i];
        }
}
"""
TYPES = """typedef float real_t;
typedef real_t *field_t;
typedef real_t row4[4];
"""
HEADER = f"#ifndef TYPES_H\n#define TYPES_H\n{TYPES}#endif\n"
#: the kernel with the header's typedefs in its own text
INLINE = KERNEL.replace('#include "types.h"\n', TYPES)
MAIN = """#include <math.h>
#include <stdio.h>
#include "types.h"
typedef struct { double x, y; } point;
void kick(int n, int steps, double (*pos)[3], double (*vel)[3]);
void run(int n, int steps, double *u, double *w);
void mix(int n, int steps, field_t a, row4 *q);
void drift(int n, int steps, point *p, point *r, const double *v);

int main(void)
{
    int bad = 0;
    double p[20][3], v[20][3], rp[20][3], rv[20][3];
    for (int i = 0; i < 20; i++)
        for (int k = 0; k < 3; k++) { rp[i][k] = p[i][k] = 0.1 * i + k; rv[i][k] = v[i][k] = 0; }
    kick(20, 6, p, v);
    for (int s = 0; s < 6; s++) {
        for (int i = 0; i < 20; i++) for (int k = 0; k < 3; k++) rv[i][k] -= 0.01 * rp[i][k];
        for (int i = 0; i < 20; i++) for (int k = 0; k < 3; k++) rp[i][k] += 0.01 * rv[i][k];
    }
    for (int i = 0; i < 20; i++)
        for (int k = 0; k < 3; k++)
            bad |= fabs(p[i][k] - rp[i][k]) > 1e-12 || fabs(v[i][k] - rv[i][k]) > 1e-12;

    double u[32], w[32], r[32];
    for (int i = 0; i < 32; i++) r[i] = u[i] = i % 5;
    run(32, 8, u, w);
    for (int s = 0; s < 8; s++) for (int i = 0; i < 32; i++) r[i] = (0.5 * r[i] + 1.0) * 0.9;
    for (int i = 0; i < 32; i++) bad |= fabs(u[i] - r[i]) > 1e-12;

    float a[24], q[24][4], ra[24], rq[24][4];
    for (int i = 0; i < 24; i++) {
        ra[i] = a[i] = i % 4;
        for (int k = 0; k < 4; k++) rq[i][k] = q[i][k] = k - i % 3;
    }
    mix(24, 5, a, q);
    for (int s = 0; s < 5; s++) {
        for (int i = 0; i < 24; i++) for (int k = 0; k < 4; k++) rq[i][k] = 0.5f * rq[i][k] + ra[i];
        for (int i = 0; i < 24; i++) ra[i] = 0.25f * (rq[i][0] + rq[i][3]);
    }
    for (int i = 0; i < 24; i++) {
        bad |= fabsf(a[i] - ra[i]) > 1e-5f;
        for (int k = 0; k < 4; k++) bad |= fabsf(q[i][k] - rq[i][k]) > 1e-5f;
    }

    point pt[40], rt[40], qt[40], st[40];
    double vv[40];
    for (int i = 0; i < 40; i++) {
        rt[i].x = pt[i].x = st[i].x = qt[i].x = i;
        rt[i].y = pt[i].y = st[i].y = qt[i].y = -i;
        vv[i] = i % 3;
    }
    drift(40, 4, pt, qt, vv);
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < 40; i++) { rt[i].x += 0.1 * vv[i]; st[i].y -= 0.2 * vv[i]; }
    for (int i = 0; i < 40; i++)
        bad |= fabs(pt[i].x - rt[i].x) > 1e-12 || fabs(qt[i].y - st[i].y) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return bad;
}
"""


#: a scratch array of a typedef's type, outside the loop and in it
SCRATCH = """typedef double vec3[3];

void scale3(int n, double (*restrict out)[3], const double (*restrict in)[3])
{
    vec3 t;
    for (int i = 0; i < n; i++) {
        vec3 d;
        for (int k = 0; k < 3; k++) { d[k] = 2.0 * in[i][k]; t[k] = d[k] + 1.0; }
        for (int k = 0; k < 3; k++) out[i][k] = d[k] * t[k];
    }
}
"""
SCRATCH_MAIN = """#include <math.h>
#include <stdio.h>
void scale3(int n, double (*out)[3], const double (*in)[3]);
int main(void)
{
    double in[30][3], out[30][3];
    int bad = 0;
    for (int i = 0; i < 30; i++) for (int k = 0; k < 3; k++) in[i][k] = 0.1 * i - k;
    scale3(30, out, (const double (*)[3]) in);
    for (int i = 0; i < 30; i++)
        for (int k = 0; k < 3; k++) {
            double d = 2.0 * in[i][k];
            bad |= fabs(out[i][k] - d * (d + 1.0)) > 1e-12;
        }
    puts(bad ? "BAD" : "OK");
    return bad;
}
"""


#: the typedef names of ``KERNEL`` and ``SCRATCH`` spelled out
SPELLED = (("vec3 *pos, vec3 *vel", "double (*pos)[3], double (*vel)[3]"),
           ("rvec u, rvec w", "double *u, double *w"), ("vec3 t;", "double t[3];"),
           ("vec3 d;", "double d[3];"), ("point_ptr r", "point *r"))


def _spelled(src: str) -> str:
    for named, spelled in SPELLED:
        src = src.replace(named, spelled)
    return src


def test_a_typedef_name_is_answered_as_its_type_spelled_out():
    """The per-loop answers and the plans of the code with the typedef names and of the
    same code with their types spelled out are the same."""
    engine = get_engine("analysis")
    for src in (INLINE, SCRATCH):
        assert src != _spelled(src)
        got, spelled = (
            [(s.line, s.pragma) for s in annotate_source(x.encode(), engine)]
            for x in (src, _spelled(src)))
        assert got == spelled
        assert acc_lines(plan_text(src, engine)[0]) == \
            acc_lines(plan_text(_spelled(src), engine)[0])


def test_the_per_loop_answers_name_the_typedefs_shapes():
    """The per-loop answers give each array the section its spelled-out type gives."""
    got = [s.pragma or "" for s in annotate_source(INLINE.encode(), get_engine("analysis"))]
    for want in ({"pos": "copyin", "vel": "copy"}, {"u": "copyin", "w": "copyout"},
                 {"q": "copy", "a": "copyin"}, {"p": "copy", "r": "copy", "v": "copyin"}):
        assert any(clauses_of(p) == want for p in got), (want, got)
    sections = " ".join(got)
    for section in ("pos[0:n][0:3]", "vel[0:n][0:3]", "u[0:n]", "q[0:n][0:4]", "r[0:n]"):
        assert section in sections, (section, got)


def test_the_plans_move_the_typedefs_arrays():
    """The plan offloads every function's loops, with the spelled-out sections."""
    text, plans = plan_text(INLINE, get_engine("analysis"))
    for fn in ("kick", "run", "mix", "drift"):
        assert plans[fn].loops, (fn, plans[fn].notes)
    data = " ".join(a for a in acc_lines(text) if a.startswith("#pragma acc data"))
    for section in ("pos[0:n][0:3]", "vel[0:n][0:3]", "u[0:n]", "w[0:n]", "a[0:n]",
                    "q[0:n][0:4]", "p[0:n]", "r[0:n]"):
        assert section in data, (section, data)


def test_the_answers_verify_and_move_data(tmp_path):
    rows = run_verified(tmp_path, {"typedefs": (KERNEL, MAIN), "scratch": (SCRATCH, SCRATCH_MAIN)},
                        variants=("engine", "offload", "per_loop_clauses"),
                        headers={"typedefs": {"types.h": HEADER}})
    assert rows["scratch"]["offload_loops"] == 1, rows["scratch"]["offload"]
    row = rows["typedefs"]
    assert row["offload_loops"] == 7, row["offload"]
    for variant in ("engine", "offload"):
        moved = (row[variant]["bytes_h2d"] or 0) + (row[variant]["bytes_d2h"] or 0)
        assert moved > 0, (variant, row[variant])
