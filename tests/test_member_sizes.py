"""Sizes and subscripts spelled through struct members (``g->nx``, ``v->n``, ``s.len``)
(:mod:`accellium.dataset.analysis.member_reads`).

A member read that nothing in the code can store to holds one value there, like a scalar
parameter: the per-loop dependence test reads ``u[j * g.nx + i]`` as an affine subscript
(``g.nx`` a symbol), and the offload planner takes ``g.nx * g.ny`` and ``v->n`` as sizes of
its sections (``u[0:g.nx*g.ny]``, ``v->y[0:v->n]``: clause expressions evaluated where the
directive is).  Before, both were "unknown": the loops had a possible carried dependence, and
the plan kept them on the host.

Twins that must not change: a loop or region that writes the member, stores through an
``int`` lvalue that may alias it (C11 6.5p7), or calls an unknown function — the dependence
stays, the loops stay on the host.  Whole programs, built with gcc -fopenacc and run in the
data-environment emulator with the per-loop suggestions and with the plan applied."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, run_verified

from accellium.dataset.analysis import analyze
from accellium.dataset.analysis.scope import scope_of

GRID = "struct grid { int nx, ny; };\n"
VEC = "typedef struct { int n; double *x; double *y; } vec_t;\n"

RELAX = GRID + """
void relax(struct grid g, double *u, const double *f)
{
    for (int j = 1; j < g.ny - 1; j++)
        for (int i = 1; i < g.nx - 1; i++)
            u[j * g.nx + i] = 0.25 * (f[j * g.nx + i - 1] + f[j * g.nx + i + 1]);
    for (int j = 0; j < g.ny; j++)
        for (int i = 0; i < g.nx; i++)
            u[j * g.nx + i] *= 2.0;
}
"""
RELAX_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
""" + GRID + """void relax(struct grid g, double *u, const double *f);
int main(void)
{
    struct grid g = { 48, 40 };
    int n = g.nx * g.ny, bad = 0;
    double *u = malloc(n * sizeof *u), *f = malloc(n * sizeof *f), *r = malloc(n * sizeof *r);
    for (int k = 0; k < n; k++) { f[k] = k % 13; u[k] = r[k] = -1.0; }
    relax(g, u, f);
    for (int j = 1; j < g.ny - 1; j++)
        for (int i = 1; i < g.nx - 1; i++)
            r[j * g.nx + i] = 0.25 * (f[j * g.nx + i - 1] + f[j * g.nx + i + 1]);
    for (int k = 0; k < n; k++) r[k] *= 2.0;
    for (int k = 0; k < n; k++) bad += fabs(u[k] - r[k]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

AXPY = VEC + """void tick(void);
void axpy(vec_t *v, double a, int *cnt)
{
    for (int i = 0; i < v->n; i++)
        v->y[i] += a * v->x[i];
BETWEEN
    for (int i = 0; i < v->n; i++)
        v->x[i] = 0.5 * v->y[i];
}
"""
AXPY_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
""" + VEC + """void axpy(vec_t *v, double a, int *cnt);
int ticks;
void tick(void) { ticks++; }
int main(void)
{
    int n = 300, bad = 0, cnt[1] = { 0 };
    vec_t v = { n, malloc(n * sizeof(double)), malloc(n * sizeof(double)) };
    double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
    for (int i = 0; i < n; i++) { v.x[i] = rx[i] = (i % 7) * 0.25; v.y[i] = ry[i] = i % 3; }
    axpy(&v, 0.5, cnt);
    for (int i = 0; i < n; i++) ry[i] += 0.5 * rx[i];
    for (int i = 0; i < n; i++) rx[i] = 0.5 * ry[i];
    for (int i = 0; i < n; i++) bad += fabs(v.x[i] - rx[i]) > 1e-12 || fabs(v.y[i] - ry[i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

SCALE = GRID + """
void scale(struct grid g, double *u)
{
    for (int i = 0; i < g.nx * g.ny; i++)
        u[i] = 1.0 + u[i];
BETWEEN
    for (int i = 0; i < g.nx * g.ny; i++)
        u[i] *= 3.0;
}
"""
SCALE_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
""" + GRID + """void scale(struct grid g, double *u);
int main(void)
{
    struct grid g = { 30, 20 };
    int n = g.nx * g.ny, bad = 0;
    double *u = malloc(n * sizeof *u), *r = malloc(n * sizeof *r);
    for (int k = 0; k < n; k++) u[k] = r[k] = k % 5;
    scale(g, u);
    for (int k = 0; k < n; k++) r[k] = 1.0 + r[k];
    for (int k = 0; k < SECOND; k++) r[k] *= 3.0;
    for (int k = 0; k < n; k++) bad += fabs(u[k] - r[k]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _axpy(between: str) -> tuple[str, str]:
    return AXPY.replace("BETWEEN\n", between), AXPY_MAIN


def _scale(between: str, second: str = "n") -> tuple[str, str]:
    return SCALE.replace("BETWEEN\n", between), SCALE_MAIN.replace("SECOND", second)


PROGRAMS = {
    "relax_value": (RELAX, RELAX_MAIN),
    "axpy_ptr": _axpy(""),
    "scale_value": _scale(""),
}
# the region would have to hold a store that may change the size: the loops stay on the host
HOST = {
    "axpy_int_store": (_axpy("    cnt[0] = 7;\n"), "v->n"),
    "axpy_call": (_axpy("    tick();\n"), "v->n"),
    "scale_written": (_scale("    g.nx = g.nx - 1;\n", "(g.nx - 1) * g.ny"), "g.nx"),
}


def _plan(name: str, engine) -> tuple[list[str], dict]:
    src, main = PROGRAMS[name] if name in PROGRAMS else HOST[name][0]
    text, plans = plan_text(src, engine, program=[main.encode()])
    return acc_lines(text), plans


def test_a_size_in_a_struct_variable_is_a_section_size(engine):
    lines, _ = _plan("scale_value", engine)
    assert lines[0] == "#pragma acc data copy(u[0:g.nx*g.ny])", lines
    assert sum("parallel loop present(u[0:g.nx*g.ny])" in ln for ln in lines) == 2, lines


def test_a_size_through_the_pointer_of_member_arrays_is_a_section_size(engine):
    lines, _ = _plan("axpy_ptr", engine)
    assert lines[:2] == ["#pragma acc enter data copyin(v[0:1])",
                         "#pragma acc enter data copyin(v->y[0:v->n], v->x[0:v->n])"], lines
    assert sum("parallel loop" in ln for ln in lines) == 2, lines


def test_a_row_major_subscript_with_a_member_stride_is_planned(engine):
    lines, _ = _plan("relax_value", engine)
    assert lines[0] == "#pragma acc data copyin(f[g.nx:g.nx*g.ny-2*g.nx]) copy(u[0:g.nx*g.ny])", \
        lines


@pytest.mark.parametrize("name", sorted(HOST))
def test_a_region_that_may_change_the_size_keeps_the_loops_on_the_host(engine, name):
    lines, plans = _plan(name, engine)
    assert not lines, lines
    member = HOST[name][1]
    notes = [n for p in plans.values() for n in p.notes]
    assert any(f"uses `{member}`, which changes inside the region" in n for n in notes), notes


def test_the_programs_verify_per_loop_and_planned(tmp_path):
    programs = {**PROGRAMS, **{k: v for k, (v, _) in HOST.items()}}
    rows = run_verified(tmp_path, programs)
    relax = rows["relax_value"]["engine"]
    # both outer loops of relax run in parallel per loop (lines 5 and 8 of the kernel)
    assert {p["line"] for p in relax["pragmas"] if p["parallel"]} >= {5, 8}, relax["pragmas"]


# -- the per-loop dependence test, in the file ------------------------------------------------

FILE = GRID + VEC + """void tick(void);
void k(struct grid *g, struct grid s, vec_t *v, double *u, double *w, int *cnt, int m)
{
ADDRESS    for (int j = 0; j < m; j++) {
        for (int i = 0; i < m; i++) {
            BODY
        }
    }
}
"""


def _carried(body: str, address: str = "", inner: bool = True) -> list[str]:
    src = FILE.replace("BODY", body).replace("ADDRESS", address)
    start = src.index("for (int i" if inner else "for (int j")
    end = src.index("\n        }\n" if inner else "\n    }\n", start) + \
        len("\n        }" if inner else "\n    }")
    facts = analyze(src[start:end], "c", scope=scope_of(src, len(src[:start].encode()), "c"),
                    first_line=src[:start].count("\n") + 1)
    return [d.message for d in facts.carried]


@pytest.mark.parametrize("body", [
    "u[j * g->nx + i] = 0.5 * u[j * g->nx + i];",  # through a pointer
    "u[j * s.nx + i] = 2.0;",  # a struct variable
    "u[j * g->nx + i] = 1.0; w[j * m + i] = 2.0;",  # a double store: not an int member
    "u[j * s.nx + i] = 1.0; cnt[j * m + i] = j;",  # nothing reaches `s` but its name
    "u[j * v->n + i] = v->x[i];",
])
def test_a_fixed_member_stride_is_a_symbol_of_the_subscript(body):
    assert _carried(body) == []
    assert _carried(body, inner=False) == []


@pytest.mark.parametrize("body,address", [
    ("u[j * g->nx + i] = 1.0; cnt[j * m + i] = j;", ""),  # an int store may be g->nx
    ("u[j * g->nx + i] = 1.0; tick();", ""),  # a callee may store to it
    ("u[j * g->nx + i] = 1.0; if (i == 0) g->nx = m;", ""),  # the loop writes it
    ("u[j * s.nx + i] = 1.0; cnt[j * m + i] = j;", "    int *p = &s.nx;\n"),  # escaped
    ("u[j * s.nx + i] = 1.0; s.nx++;", ""),
])
def test_a_member_the_loop_may_change_leaves_the_dependence(body, address):
    got = _carried(body, address)
    assert any("`u[j *" in m and "not proved to differ" in m for m in got), got
