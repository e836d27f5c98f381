"""A loop that makes one pass over its data stays on the host when the plan moves fewer bytes
without it and the function's other work stays offloaded (issue #15,
:mod:`accellium.dataset.offload.single_pass`); and an array that the first device write
replaces whole is created on the device, never copied in: memory the function allocated
before the region (its section is the allocation) and a true array (its section is what it
declares) — :func:`accellium.dataset.offload.cover.covering`.

``dot``: a stencil repeated over time steps (the region's work), then a dot product with an
array nothing else reads: offloaded, it would copy that array in; on the host it reads the
result the region copies out anyway.  Twins: ``fed`` (a single pass that fills what the
stencil reads stays on the device, and its array is copied out, not in), ``passes`` (a
function of single passes only keeps them all), ``alloc`` / ``alloc_part`` (the function's
own allocation written whole by the first loop: created; written from index 1: copied in),
``table`` / ``table_part`` (a file-scope array written whole: copied out only; from index 1:
copied both ways).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 200, 3
NG = 200  # the file-scope array's elements (`#define NG 200` in the kernel)
D = 8  # bytes of a double

STENCIL = """
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++)
            u[i] = w[i];
    }"""

KERNEL = """#include <stdlib.h>
#define NG 200
double g[NG];

double dot(int n, int steps, const double *a, double *u, double *w)
{""" + STENCIL + """
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * u[i];
    return s;
}

void fed(int n, int steps, double *u, double *w)
{
    for (int i = 0; i < n; i++)
        u[i] = (i % 7) * 0.5;""" + STENCIL + """
}

void passes(int n, const double *a, double *u, double *w)
{
    for (int i = 0; i < n; i++)
        u[i] = 2.0 * a[i];
    for (int i = 0; i < n; i++)
        w[i] = u[i] + a[n - 1 - i];
}

double alloc(int n, int steps, int lo)
{
    double *u = malloc(n * sizeof *u);
    double *w = malloc(n * sizeof *w);
    double s = 0.0;
    u[0] = 0.25;
    for (int i = lo; i < n; i++)
        u[i] = (i % 7) * 0.5;""" + STENCIL + """
    for (int i = 0; i < n; i++)
        s += u[i];
    free(u);
    free(w);
    return s;
}

double table(int steps, int lo)
{
    g[0] = 0.25;
    for (int i = lo; i < NG; i++)
        g[i] = (i % 5) * 0.5;
    for (int t = 0; t < steps; t++)
        for (int i = 1; i < NG - 1; i++)
            g[i] = 0.5 * g[i] + 0.25 * (i % 3);
    return g[3];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define NG 200
extern double g[NG];
double dot(int n, int steps, const double *a, double *u, double *w);
void fed(int n, int steps, double *u, double *w);
void passes(int n, const double *a, double *u, double *w);
double alloc(int n, int steps, int lo);
double table(int steps, int lo);

static void stencil(int n, int steps, double *u, double *w)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++) w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++) u[i] = w[i];
    }
}

int main(void)
{
    int n = NSIZE, steps = NSTEPS, bad = 0;
    double *a = malloc(n * sizeof *a), *u = malloc(n * sizeof *u), *w = malloc(n * sizeof *w);
    double *ru = malloc(n * sizeof *ru), *rw = malloc(n * sizeof *rw);
    for (int i = 0; i < n; i++) { a[i] = (i % 5) - 2.0; u[i] = ru[i] = (i % 9) * 0.25;
                                  w[i] = rw[i] = -1.0; }
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CHECKS = {
    "dot": """double s = dot(n, steps, a, u, w), r = 0.0;
    stencil(n, steps, ru, rw);
    for (int i = 0; i < n; i++) r += a[i] * ru[i];
    bad += fabs(s - r) > 1e-9;
    for (int i = 0; i < n; i++) bad += fabs(u[i] - ru[i]) > 1e-12 || fabs(w[i] - rw[i]) > 1e-12;""",
    "fed": """fed(n, steps, u, w);
    for (int i = 0; i < n; i++) ru[i] = (i % 7) * 0.5;
    stencil(n, steps, ru, rw);
    for (int i = 0; i < n; i++) bad += fabs(u[i] - ru[i]) > 1e-12 || fabs(w[i] - rw[i]) > 1e-12;""",
    "passes": """passes(n, a, u, w);
    for (int i = 0; i < n; i++)
        bad += fabs(u[i] - 2.0 * a[i]) > 1e-12 || fabs(w[i] - (2.0 * a[i] + a[n - 1 - i])) > 1e-12;""",
    "alloc": """double s = alloc(n, steps, LO), r = 0.0;
    ru[0] = 0.25;
    for (int i = LO; i < n; i++) ru[i] = (i % 7) * 0.5;
    stencil(n, steps, ru, rw);
    for (int i = 0; i < n; i++) r += ru[i];
    bad += fabs(s - r) > 1e-9;""",
    "table": """double r[NG];
    r[0] = 0.25;
    for (int i = LO; i < NG; i++) r[i] = (i % 5) * 0.5;
    for (int t = 0; t < steps; t++)
        for (int i = 1; i < NG - 1; i++) r[i] = 0.5 * r[i] + 0.25 * (i % 3);
    bad += fabs(table(steps, LO) - r[3]) > 1e-12;
    for (int i = 0; i < NG; i++) bad += fabs(g[i] - r[i]) > 1e-12;""",
}


def _main(check: str, lo: int) -> str:
    return MAIN.replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS)).replace(
        "CHECK", check.replace("LO", str(lo)))


@pytest.fixture(scope="module")
def plans():
    _, got = plan_text(KERNEL, get_engine("analysis"))
    return got


def _clauses(plan) -> dict[str, str]:
    return {a["name"]: a["clause"] for a in plan.arrays}


def test_a_single_pass_that_only_adds_a_transfer_stays_on_the_host(plans):
    p = plans["dot"]
    assert len(p.loops) == 2, p.loops  # the stencil's two loops
    dot_row = KERNEL[:KERNEL.index("s += a[i] * u[i]")].count("\n")  # the dot's `for` line
    assert [h["line"] for h in p.host_loops if "one pass over its data" in h["why"]] == \
        [dot_row], p.host_loops
    assert "a" not in _clauses(p), p.arrays  # nothing else reads it on the device


def test_a_single_pass_feeding_device_loops_stays_on_the_device(plans):
    p = plans["fed"]
    assert len(p.loops) == 3, (p.loops, p.host_loops)
    assert _clauses(p)["u"] == "copyout", p.arrays  # written whole before any read


def test_a_function_of_single_passes_only_keeps_them(plans):
    assert len(plans["passes"].loops) == 2, plans["passes"].host_loops


def test_whole_writes_with_known_starts(plans):
    engine = get_engine("analysis")
    for lo, u_clause, g_clause in ((0, "create", "copyout"), (1, "copyin", "copy")):
        src = KERNEL.replace("int i = lo;", f"int i = {lo};")
        _, got = plan_text(src, engine)
        assert _clauses(got["alloc"])["u"] == u_clause, (lo, got["alloc"].arrays)
        assert _clauses(got["table"])["g"] == g_clause, (lo, got["table"].arrays)


@pytest.mark.parametrize("lo", [0, 1])
def test_the_programs_verify_in_the_emulator_with_the_bytes_the_plans_move(tmp_path, lo):
    kernel = KERNEL.replace("int i = lo;", f"int i = {lo};")
    programs = {name: (kernel, _main(check, lo)) for name, check in CHECKS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
    n, inner = N * D, (N - 2) * D  # a whole array; the stencil's interior
    # dot: u in and out, w's interior in and out (written under the time loop), a never moved
    assert moved["dot"] == 2 * n + 2 * inner, moved
    # fed: u written whole on the device: out only
    assert moved["fed"] == n + 2 * inner, moved
    # passes: a in, u and w out
    assert moved["passes"] == 3 * n, moved
    # alloc: u and w freed after and the sum reduced on the device (its 8 bytes each way):
    # u created (lo 0: the first loop writes all of it) or copied in (lo 1)
    assert moved["alloc"] == (0 if lo == 0 else n) + 2 * D, moved
    # table: g copied out (lo 0: the first loop writes all of it) or in and out (lo 1)
    assert moved["table"] == (1 if lo == 0 else 2) * NG * D, moved


def test_loops_whose_host_run_cannot_save_a_transfer_are_not_replanned(monkeypatch):
    """Forty single passes over arrays the heavy loop also uses: leaving any one of them on
    the host takes no transfer away, so the region is not planned again for each (planning
    stays linear in the loops); the plan offloads them all."""
    import accellium.dataset.offload.plan as plan_mod

    calls = []
    real = plan_mod._choose

    def counting(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(plan_mod, "_choose", counting)
    body = "".join(f"    for (int i = 0; i < n; i++)\n        r[{k} * n + i] = u[i] * {k + 1}.0;\n"
                   for k in range(40))
    src = ("void many(int n, int steps, double *u, double *w, double *r)\n{\n" + body +
           STENCIL + "\n}\n")
    _, got = plan_text(src, get_engine("analysis"))
    assert len(got["many"].loops) == 42, got["many"].host_loops
    assert len(calls) <= 3, len(calls)  # the region itself, not once per loop
