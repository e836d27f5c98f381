"""A loop that reads scalar members through a struct pointer (``g->nx``) gets
``copyin(g[0:1])``: ``p->m`` is ``(*p).m`` (C11 6.5.2.3), a member of ``p[0]``, so a loop
whose only uses of ``p`` are such reads reaches exactly ``p[0:1]``; the pointer is
firstprivate in a compute construct and holds a host address unless that object is on the
device (OpenACC 3.3, 2.6.2).  Before, the guard refused the loops ("`g` is not on the
device ... the extent is unknown") and the planner kept them on the host ("uses the array `g`
whole").

A whole program built with gcc and run in the data-environment emulator verifies with the
per-loop suggestions and with the plan applied.  Twins keep today's answers: a loop that
writes a member through ``g`` (no compute construct), a loop that indexes ``g[k].nx`` (the
section of the elements), and a function whose host code writes a member of ``g`` between
two loops (the region does not map ``g[0:1]`` across the write)."""

from __future__ import annotations

from pathlib import Path

from _offload_util import acc_lines, marked_lines, plan_text, run_verified

from accellium.server.engines import get_engine

STRUCT = "struct grid { int nx, ny; };\n"

KERNEL = STRUCT + """
void relax(const struct grid *g, double *u, const double *f)
{
    for (int j = 1; j < g->ny - 1; j++) /* relax */
        for (int i = 1; i < g->nx - 1; i++) /* relax inner */
            u[j * g->nx + i] = 0.25 * (f[j * g->nx + i - 1] + f[j * g->nx + i + 1]);
    for (int j = 0; j < g->ny; j++) /* double */
        for (int i = 0; i < g->nx; i++) /* double inner */
            u[j * g->nx + i] *= 2.0;
}

void stretch(struct grid *g, double *u, int n)
{
    for (int i = 0; i < n; i++) { /* stretch */
        g->ny = 7;
        u[i] = u[i] * g->nx + g->ny;
    }
}

void sizes(const struct grid *g, int n, int *out)
{
    for (int k = 0; k < n; k++) /* sizes */
        out[k] = g[k].nx * g[k].ny;
}

void resize(struct grid *g, double *u)
{
    for (int i = 0; i < g->nx; i++) /* before */
        u[i] = u[i] + g->ny;
    g->ny = g->ny + 1;
    for (int i = 0; i < g->nx; i++) /* after */
        u[i] = u[i] * g->ny;
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
""" + STRUCT + """void relax(const struct grid *g, double *u, const double *f);
void stretch(struct grid *g, double *u, int n);
void sizes(const struct grid *g, int n, int *out);
void resize(struct grid *g, double *u);
int main(void)
{
    struct grid g = { 37, 23 };
    int n = g.nx * g.ny, bad = 0;
    double *u = malloc(n * sizeof *u), *f = malloc(n * sizeof *f), *r = malloc(n * sizeof *r);
    for (int k = 0; k < n; k++) {
        u[k] = r[k] = (k % 5) * 0.5;
        f[k] = (k % 11) * 0.25;
    }
    relax(&g, u, f);
    for (int j = 1; j < g.ny - 1; j++)
        for (int i = 1; i < g.nx - 1; i++)
            r[j * g.nx + i] = 0.25 * (f[j * g.nx + i - 1] + f[j * g.nx + i + 1]);
    for (int k = 0; k < n; k++)
        r[k] *= 2.0;
    for (int k = 0; k < n; k++)
        bad += fabs(u[k] - r[k]) > 1e-12;

    struct grid h = { 5, 3 };
    double v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i;
    stretch(&h, v, 100);
    for (int i = 0; i < 100; i++)
        bad += v[i] != i * 5.0 + 7;

    struct grid gs[4] = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } };
    int out[4];
    sizes(gs, 4, out);
    for (int k = 0; k < 4; k++)
        bad += out[k] != gs[k].nx * gs[k].ny;

    struct grid q = { 50, 2 };
    double w[50];
    for (int i = 0; i < 50; i++)
        w[i] = i;
    resize(&q, w);
    for (int i = 0; i < 50; i++)
        bad += w[i] != (i + 2.0) * 3.0;
    bad += q.ny != 3;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_scalar_member_reads_map_the_object(tmp_path: Path):
    rows = run_verified(tmp_path, {"grid": (KERNEL, MAIN)})
    per_loop = {p["line"]: p for p in rows["grid"]["engine"]["pragmas"]}
    marks = marked_lines(KERNEL)
    for mark in ("relax", "double"):
        p = per_loop[marks[mark]]
        assert p["parallel"], per_loop
        assert "copyin(" in p["pragma"] and "g[0:1]" in p["pragma"], p
    # a loop that writes a member through `g`: no compute construct, as before
    assert marks["stretch"] not in per_loop or not per_loop[marks["stretch"]]["parallel"]
    # a loop that indexes `g[k]`: the elements' section, as before
    sizes = per_loop[marks["sizes"]]["pragma"]
    assert "g[0:n]" in sizes and "g[0:1]" not in sizes, sizes


def test_plan_maps_the_object_once():
    text, plans = plan_text(KERNEL, get_engine("analysis"))
    lines = acc_lines(text)
    data = [a for a in lines if a.startswith("#pragma acc data") and "g[0:1]" in a]
    assert len(data) == 1 and "copyin(g[0:1]" in data[0], lines
    loops = [a for a in lines if a.startswith("#pragma acc parallel loop")]
    assert sum("present(g[0:1]" in a for a in loops) == 2, lines
    assert not any("copyin(g[0:1]" in a for a in loops), lines
    # host code writes `g->ny` between the loops of `resize`: no region holds `g[0:1]`
    # across the write (its loops would read the stale device copy)
    assert sum("g[0:1]" in a for a in lines) == 3, lines


def _as_written(tmp: Path, pragma: str) -> dict:
    from _offload_util import write_suite

    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    loop = "    for (int j = 1; j < g->ny - 1; j++) /* relax */"
    kernel = KERNEL.replace(loop, f"    {pragma}\n{loop}")
    res = evaluate_dynamic(write_suite(tmp, {"grid": (kernel, MAIN)}), None, runs=1,
                           with_mutations=False)
    return res["programs"][0]["original"]


def test_emulator_needs_the_object(tmp_path: Path):
    """Control: without ``g[0:1]`` the firstprivate pointer holds a host address, and the
    emulator fails the run; with it, the run verifies."""
    sections = "copyin(f[0:g->nx*g->ny]) copy(u[0:g->nx*g->ny])"
    without = _as_written(tmp_path / "without", f"#pragma acc parallel loop {sections}")
    assert without["status"] == "data", without
    with_obj = _as_written(tmp_path / "with",
                           f"#pragma acc parallel loop copyin(g[0:1]) {sections}")
    assert with_obj["status"] == "verified", with_obj
