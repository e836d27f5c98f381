"""The offload plan maps a structure of file scope and its pointer members (issue #15).

``G.u[i]`` with ``struct grid G;`` at file scope: the members' kinds come from the file's
declarations of ``G`` (every one of them, as for a parameter), so the plan maps the object and
its members' sections, ``copyin(G) copy(G.u[0:G.n])``, the loops inside with ``present`` — the
per-loop answer cannot (one compute construct cannot attach a member beside its object: gcc
rejects ``G`` with ``G.u[...]``).  Before, every such loop stayed on the host ("`G.v` is a
member of a structure, not a pointer member declared so in the file").  Where a call between
the loops may change ``G`` (``G.n``, a pointer member) the loops stay on the host, as before.

Whole programs, built with gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

S = "struct grid { int n; double *u; double *v; };\n"
MAIN = S + """#include <stdio.h>
#include <stdlib.h>
extern struct grid G;
void smooth(int steps);
double ref(int steps, int k);
int main(void)
{
    G.n = 64;
    G.u = malloc(64 * sizeof(double));
    G.v = calloc(64, sizeof(double));
    for (int i = 0; i < 64; i++)
        G.u[i] = (i % 5) * 1.0;
    smooth(4);
    int bad = 0;
    for (int i = 0; i < 64; i++)
        bad |= G.u[i] != ref(4, i);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
STENCIL = "G.v[i] = (G.u[i - 1] + G.u[i] + G.u[i + 1]) / 3.0;"


def _ref(step: str) -> str:
    """The host reference: ``step`` over ``a`` (the grid) and ``b`` (the scratch)."""
    return f"""
double ref(int steps, int k)
{{
    double a[64], b[64];
    for (int i = 0; i < 64; i++)
        a[i] = (i % 5) * 1.0, b[i] = 0;
    for (int t = 0; t < steps; t++) {{
        {step}
    }}
    return a[k];
}}
"""


def _smooth(between: str, prelude: str = "") -> str:
    return S + f"""struct grid G;
{prelude}
void smooth(int steps)
{{
    for (int t = 0; t < steps; t++) {{
        for (int i = 1; i < G.n - 1; i++)
            {STENCIL}
        {between}
        for (int i = 1; i < G.n - 1; i++)
            G.u[i] = G.v[i];
    }}
}}
"""


REF_STEP = "for (int i = 1; i < 63; i++) b[i] = (a[i-1] + a[i] + a[i+1]) / 3.0;"
COPY_BACK = "for (int i = 1; i < 63; i++) a[i] = b[i];"
PROGRAMS = {
    "time_loop": (_smooth("") + _ref(REF_STEP + COPY_BACK), MAIN),
    "host_between": (_smooth("G.v[1] = G.v[2] + 1.0;")
                     + _ref(REF_STEP + "b[1] = b[2] + 1.0;" + COPY_BACK), MAIN),
    # a function of another file may change `G` (its `n`, its pointers): no region holds it
    "unseen_call": (_smooth("tweak();", "void tweak(void);")
                    + _ref(REF_STEP + "b[5] += 1.0;" + COPY_BACK),
                    MAIN + "void tweak(void) { G.v[5] += 1.0; }\n"),
}


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> dict[str, dict]:
    return run_verified(tmp_path_factory.mktemp("gs"), PROGRAMS,
                        variants=("engine", "per_loop_clauses", "offload"))


def test_the_plan_maps_the_global_object_then_its_members():
    text, plans = plan_text(PROGRAMS["time_loop"][0], get_engine("analysis"), function="smooth")
    assert acc_lines(text) == [
        "#pragma acc data copyin(G) copy(G.v[1:G.n-2], G.u[0:G.n])",
        "#pragma acc parallel loop present(G.v[1:G.n-2], G.u[0:G.n])",
        "#pragma acc parallel loop present(G.v[1:G.n-2], G.u[0:G.n])"]
    text, _ = plan_text(PROGRAMS["host_between"][0], get_engine("analysis"), function="smooth")
    assert "#pragma acc update device(G.v[1:1])" in acc_lines(text)


def test_a_call_that_may_change_the_object_keeps_the_loops_on_the_host():
    _, plans = plan_text(PROGRAMS["unseen_call"][0], get_engine("analysis"), function="smooth")
    assert not plans["smooth"].loops
    assert any("uses `G.n`, which changes inside the region" in h["why"]
               for h in plans["smooth"].host_loops), plans["smooth"].host_loops


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_programs_verify(rows, name):
    moved = {v: rows[name][v]["bytes_h2d"] + rows[name][v]["bytes_d2h"]
             for v in ("offload", "per_loop_clauses")}
    if name == "unseen_call":
        assert moved["offload"] == 0, moved
    else:  # the grid once, not at every loop of every step
        assert 0 < moved["offload"] < moved["per_loop_clauses"] / 10, moved
