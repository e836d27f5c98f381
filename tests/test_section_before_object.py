"""No data clause starts before the object a freshly allocated pointer points to (found by
Rodinia's particle filter, whose cumulative sum reads ``CDF[x - 1]`` from ``x = 0``).

Pointer arithmetic before an array's first element is undefined (C11 6.5.6p8): a local whose
every assignment is an allocation (``T *p = malloc(...)``) points to the start of its
object, so ``p[-1]`` is outside it — a fault of the program, not an element.  The per-loop
answer mapped the loop's reach as written, ``copy(cdf[-1:n+1])``: the device copy then
reads the 8 bytes before the block and, at the end of the construct, writes them back —
into the allocator's header, and the program's next ``malloc`` aborted.  The emulator stops
such a section (``bounds``); the answer now names no section for that pointer, so the loop
gets no compute construct (its sum runs on the host, as the program wrote it).  Twin: the
same loop over a parameter keeps its section — a parameter may point inside a larger array,
and the program's own unconditional access says the element before it exists (the planner's
rule too).  Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import write_suite

KERNEL = """#include <stdlib.h>

void cumulate(int n, const double *w, double *out)
{
    double *cdf = (double *)malloc(n * sizeof(double));
    int x;
    for (x = 0; x < n; x++) {  /* cumulative */
        cdf[x] = w[x] + cdf[x - 1];
        if (x == 0) cdf[0] = w[0];
    }
    for (x = 0; x < n; x++)
        out[x] = cdf[x] / cdf[n - 1];
    free(cdf);
}
"""

MAIN = """#include <stdio.h>
#include <stdlib.h>
void cumulate(int n, const double *w, double *out);
int main(void)
{
    int n = 4000, bad = 0;
    double *w = malloc(n * sizeof *w), *out = malloc(n * sizeof *out);
    for (int i = 0; i < n; i++) w[i] = 1.0;
    cumulate(n, w, out);
    double *more = malloc(64 * sizeof *more);
    for (int i = 0; i < n; i++) bad += out[i] != (i + 1.0) / n;
    free(more);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


@pytest.fixture(scope="module")
def auto():
    """The default engine (the editor's and the evaluation's): where the analysis finds a
    dependence it answers ``kernels`` — the compiler decides — which maps the loop's reach."""
    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine

    return get_engine("auto", **engine_options("auto"))


def _answers(src: str, engine) -> dict[int, str]:
    from accellium.server.annotate import annotate_source

    return {r.line: r.pragma or "" for r in annotate_source(src.encode(), engine, path="k.c")}


def _row(src: str, marker: str) -> int:
    return next(k for k, ln in enumerate(src.splitlines(), 1) if marker in ln)


def test_fresh_pointer_gets_no_section_before_its_object(auto):
    got = _answers(KERNEL, auto)[_row(KERNEL, "cumulative")]
    assert "cdf[-1" not in got and "cdf" not in got, got


def test_parameter_keeps_the_programs_own_reach(auto):
    twin = KERNEL.replace("double *cdf = (double *)malloc(n * sizeof(double));", "") \
        .replace("const double *w, double *out)", "const double *w, double *out, double *cdf)")
    got = _answers(twin, auto)[_row(twin, "cumulative")]
    assert "cdf[-1:n+1]" in got, got


def test_program_verifies_per_loop_and_planned(tmp_path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    res = evaluate_dynamic(write_suite(tmp_path, {"cumulate": (KERNEL, MAIN)}), "auto", runs=1,
                           with_mutations=False, offload=True)
    row = res["programs"][0]
    for variant in ("engine", "offload"):
        assert row[variant]["status"] == "verified", (variant, row[variant]["reason"])
