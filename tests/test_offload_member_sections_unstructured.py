"""A plan whose region maps a member through a pointer (``g->u[0:g->n]``) uses ``enter data``
/ ``exit data`` (``dataset/offload/region._unstructured``).

gcc 12 — the compiler the tools check pragmas with — crashes on such a section in a
structured ``data`` construct ("internal compiler error: Segmentation fault"), whatever the
clause; the same clauses on ``enter data``/``exit data`` (the same data movement, OpenACC 3.3,
2.6.6) build.  Before, the plan wrote ``#pragma acc data copyin(g[0:1], g->u[0:g->n])`` and
the program did not build with ``-fopenacc``.  A member of a structure variable
(``db.lat[0:n]``) builds in a structured region and keeps it.

Proven with real gcc and the data-environment emulator: the planned program builds and
verifies.
"""

from __future__ import annotations

from _offload_util import gcc_compile, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """struct grid { int n; double *u; };

double total(const struct grid *g)
{
    double s = 0.0;
    for (int i = 0; i < g->n; i++)
        s += g->u[i];
    return s;
}

void scale(struct grid *g, double f)
{
    for (int i = 0; i < g->n; i++)
        g->u[i] *= f;
    for (int i = 0; i < g->n; i++)
        g->u[i] += 1.0;
}
"""
MAIN = """#include <stdio.h>
struct grid { int n; double *u; };
double total(const struct grid *g);
void scale(struct grid *g, double f);
int main(void)
{
    static double u[100];
    struct grid g = {100, u};
    for (int i = 0; i < 100; i++) u[i] = i;
    scale(&g, 2.0);
    double s = total(&g);
    puts(s == 2.0 * 4950 + 100 ? "OK" : "BAD");
    return 0;
}
"""


def test_the_plan_maps_members_with_enter_and_exit_data(tmp_path):
    text, _ = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    assert "#pragma acc enter data copyin(g->u[0:g->n])" in text, text
    assert not any(ln.strip().startswith("#pragma acc data") for ln in text.splitlines()), text
    built = gcc_compile(tmp_path, text)
    assert built.returncode == 0, built.stderr[-800:]


def test_the_plan_verifies(tmp_path):
    run_verified(tmp_path, {"members": (KERNEL, MAIN)}, variants=("offload",))
