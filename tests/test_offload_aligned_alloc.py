"""Memory from ``posix_memalign`` is the function's own, as ``malloc``'s (issue #15,
:func:`accellium.dataset.offload.shapes.alloc_sites`).

``posix_memalign(&p, 64, n * sizeof(double)); u = (double *) p;`` allocates ``n`` doubles that
only ``u`` names when ``p`` is read nowhere else (it is reused for the next allocation): the
planner treats ``u`` as it treats ``u = malloc(n * sizeof *u)`` — freed after the region and
never read, nothing is copied back.  Before, ``u`` was a local pointer to memory of unknown
origin, which code after the region may read: copied out.  Twin: the function reads the last
allocation through ``p`` after the region — then ``p`` is another name for that memory, and
both arrays keep their copy out, as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, STEPS = 300, 4

KERNEL = """#include <stdlib.h>
double run(int n, int steps)
{
    void *p;
    double *u, *w, s = 0.0;
    posix_memalign(&p, 64, n * sizeof(double));
    u = (double *)p;
    posix_memalign(&p, 64, n * sizeof(double));
    w = (double *)p;
    for (int i = 0; i < n; i++) {
        u[i] = (i % 7) * 0.5;
        w[i] = 0.0;
    }
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++)
            w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++)
            u[i] = w[i];
    }
    for (int i = 0; i < n; i++)
        s += u[i];
    TAIL
    free(u);
    free(w);
    return s;
}
"""
OWN = KERNEL.replace("TAIL", "")
READ = KERNEL.replace("TAIL", "s += ((double *)p)[1];")
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double run(int n, int steps);
int main(void)
{
    int n = NSIZE, steps = NSTEPS;
    double u[NSIZE], w[NSIZE], s = 0.0;
    for (int i = 0; i < n; i++) { u[i] = (i % 7) * 0.5; w[i] = 0.0; }
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < n - 1; i++) w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
        for (int i = 1; i < n - 1; i++) u[i] = w[i];
    }
    for (int i = 0; i < n; i++) s += u[i];
    s += READ_W;
    puts(fabs(run(n, steps) - s) < 1e-9 ? "OK" : "BAD");
    return 0;
}
""".replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS))


def _clauses(src: str, engine) -> dict[str, str]:
    _, plans = plan_text(src, engine)
    assert len(plans["run"].loops) == 4, plans["run"].host_loops
    return {a["name"]: a["clause"] for a in plans["run"].arrays}


def test_aligned_memory_freed_after_the_region_is_not_copied_out(engine):
    assert _clauses(OWN, engine) == {"u": "create", "w": "create"}


def test_memory_read_through_the_other_name_keeps_its_copy_out(engine):
    assert _clauses(READ, engine) == {"u": "copyout", "w": "copyout"}


def test_both_programs_verify_with_the_bytes_their_plans_move(tmp_path):
    manifest = write_suite(tmp_path, {"own": (OWN, MAIN.replace("READ_W", "0.0")),
                                      "read": (READ, MAIN.replace("READ_W", "w[1]"))})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # the sum's 8 bytes in and out; the twin copies u and w out besides
    assert moved == {"own": 16, "read": 16 + 2 * N * 8}, moved
