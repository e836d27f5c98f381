"""A loop whose subscript is data read at run time (``v[j + VB*n]`` with ``j = nb[i]``: an
indirection) has no section the loop bounds, but the whole object the pointer points to holds
every element it can validly reach (C11 6.5.6p8: an access outside the object is undefined),
so the plan maps the object when its element count is known at every call
(:mod:`accellium.dataset.offload.objects`).  Two facts of C make that count known for the
usual allocation of several variables of ``n`` elements in one array,
``malloc(sizeof(double) * n * NV)``:

* ``*`` groups left to right (C11 6.5.5): the size is ``(sizeof(double) * n) * NV``, the
  product of ``n * NV`` elements and the element size in another grouping
  (:func:`accellium.dataset.offload.shapes.alloc_sites`);
* an object-like macro whose expansion is an integer constant expression is that number
  where the array is allocated (C11 6.10.3, 6.10.3.4): ``NV`` with ``#define NV (VB + 1)``
  is 2, and the count ``2 * n`` is spelled in the names the call passes.

Whole programs (the macros in a header, as ``-I.`` finds it) run in the data-environment
emulator with the offload plan: ``run``'s time loop holds a direct loop, the gather through
``nb`` and a direct update; the plan keeps the three loops in one region around the time
loop and moves each array once.  Twin: ``NV`` expands to a variable's value (an object whose
extent the callee cannot know): the gather stays on the host with its note, the region is
split and the arrays move at every step, and the program still verifies."""

from __future__ import annotations

from _offload_util import run_verified

N, STEPS = 400, 12
HEADERS = {"known": "#define VA 0\n#define VB 1\n#define NV (VB + 1)\n",
           "unknown": "#define VA 0\n#define VB 1\nextern int nv_one;\n#define NV (VB + nv_one)\n"}

KERNEL = """#include <stdlib.h>
#include "vars.h"

int nv_one = 1;

static void run(int n, int steps, const int *restrict nb, double *restrict v,
                double *restrict g, double *restrict f)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            g[i] = v[i + VA * n] + v[i + VB * n];
        for (int i = 0; i < n; i++) {
            int j = nb[i];
            double s = 0.0;
            if (j >= 0)
                s = g[j] - v[j + VB * n];
            f[i] = s;
        }
        for (int i = 0; i < n; i++) {
            v[i + VA * n] += 0.125 * f[i];
            v[i + VB * n] -= 0.0625 * f[i];
        }
    }
}

void simulate(int n, int steps, double *out)
{
    int *nb = malloc(sizeof(int) * n);
    double *v = malloc(sizeof(double) * n * NV);
    double *g = malloc(sizeof(double) * n);
    double *f = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        nb[i] = i % 5 == 0 ? -1 : (i * 7 + 3) % n;
        v[i + VA * n] = (i % 9) * 0.5;
        v[i + VB * n] = (i % 4) * 0.25;
    }
    run(n, steps, nb, v, g, f);
    for (int k = 0; k < 2 * n; k++)
        out[k] = v[k];
    free(nb);
    free(v);
    free(g);
    free(f);
}
"""

MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void simulate(int n, int steps, double *out);
int main(void)
{{
    int n = {N}, steps = {STEPS}, bad = 0;
    double *out = malloc(sizeof(double) * 2 * n), *v = malloc(sizeof(double) * 2 * n);
    double *g = malloc(sizeof(double) * n), *f = malloc(sizeof(double) * n);
    simulate(n, steps, out);
    for (int i = 0; i < n; i++) {{
        v[i] = (i % 9) * 0.5;
        v[i + n] = (i % 4) * 0.25;
    }}
    for (int t = 0; t < steps; t++) {{
        for (int i = 0; i < n; i++) g[i] = v[i] + v[i + n];
        for (int i = 0; i < n; i++) {{
            int j = i % 5 == 0 ? -1 : (i * 7 + 3) % n;
            f[i] = j >= 0 ? g[j] - v[j + n] : 0.0;
        }}
        for (int i = 0; i < n; i++) {{
            v[i] += 0.125 * f[i];
            v[i + n] -= 0.0625 * f[i];
        }}
    }}
    for (int k = 0; k < 2 * n; k++) bad += fabs(out[k] - v[k]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def _plan(row: dict, function: str) -> dict:
    return next(p for p in row["offload"]["plans"] if p["function"] == function)


def test_an_indirect_subscript_maps_the_object_of_known_extent_once(tmp_path):
    programs = {name: (KERNEL, MAIN) for name in HEADERS}
    by = run_verified(tmp_path, programs, variants=("offload",),
                      headers={n: {"vars.h": h} for n, h in HEADERS.items()})
    run = _plan(by["known"], "run")
    assert len(run["loops"]) == 3 and len(run["regions"]) == 1, run
    assert run["regions"][0]["loops"] == 3, run
    sections = {a["name"]: a["section"] for a in run["arrays"]}
    assert sections["v"] == "v[0:2*n]", sections
    known = by["known"]["offload"]
    moved = known["bytes_h2d"] + known["bytes_d2h"]
    # twin: the object's count names a variable the callee does not see: the gather stays
    # on the host with its note, and the arrays cross at every step
    twin = _plan(by["unknown"], "run")
    assert len(twin["loops"]) == 2, twin
    # (its section is refused: `j` is data, it changes inside the region and may be
    # negative, as `nb` holds -1 where the gather is guarded)
    assert any("stays on the host: the section of `v`" in n for n in twin["notes"]), \
        twin["notes"]
    unknown = by["unknown"]["offload"]
    assert unknown["bytes_h2d"] + unknown["bytes_d2h"] > 4 * moved, (moved, unknown)
