"""A caller's region holds a call whose callee's loops reach an array a header declares
(issue #15, docs/offload.md item 5).

The program's arrays are declared once, in a header both files include (``extern double
g[NN], h[NN];``), and defined in the driver.  The kernel's ``relax`` offloads a loop over
them; ``run``'s time loop calls it and offloads a loop of its own over the same arrays.
``#include`` is replaced by the header's text (C11 6.10.2p3), so the header's declarations
stand above ``run`` and the scope of ``g`` and ``h`` covers it (6.2.1p4, p7): a clause of
``run`` names the very arrays ``relax`` reaches, and its region holds the call — the arrays
move once for the whole time loop.  Before, only a declaration in the file's own text counted
as above the caller ("declared below the caller: a clause there cannot name it"): the call
stayed out of the region, and each time step moved both arrays in and out, twice.

Twin: ``g`` and ``h`` defined in the kernel itself (as before: one region, the same bytes).

Whole programs, built with real gcc (``-I.``) and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_written, write_header_placements

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 3000, 6
HEADER = f"""#define NN {N}
extern double g[NN];
extern double h[NN];
"""
KERNEL = """#include "glob.h"
OWN
void relax(void)
{
    for (int i = 1; i < NN - 1; i++)
        h[i] = 0.5 * (g[i - 1] + g[i + 1]);
}

void run(int steps)
{
    for (int s = 0; s < steps; s++) {
        relax();
        for (int i = 0; i < NN; i++)
            g[i] = 0.25 * h[i] + 0.5 * g[i] + s;
    }
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include "glob.h"
void run(int steps);
DEF
static double rg[NN], rh[NN];
int main(void) {{
  int bad = 0;
  for (int i = 0; i < NN; i++) {{ g[i] = rg[i] = (double)(i % 13); h[i] = rh[i] = -1.0; }}
  for (int s = 0; s < {STEPS}; s++) {{
    for (int i = 1; i < NN - 1; i++) rh[i] = 0.5 * (rg[i - 1] + rg[i + 1]);
    for (int i = 0; i < NN; i++) rg[i] = 0.25 * rh[i] + 0.5 * rg[i] + s;
  }}
  run({STEPS});
  for (int i = 0; i < NN; i++) bad += fabs(g[i] - rg[i]) > 1e-9 || fabs(h[i] - rh[i]) > 1e-9;
  puts(bad ? "BAD" : "OK");
  return 0;
}}
"""
#: name -> (the kernel's own definition of the arrays, the driver's)
PROGRAMS = {"header": ("", "double g[NN], h[NN];"), "own": ("double g[NN], h[NN];", "")}


def test_a_region_holds_a_call_whose_loops_reach_a_header_array(tmp_path):
    manifest = write_header_placements(tmp_path, KERNEL, MAIN, HEADER, PROGRAMS)
    engine = get_engine("analysis")
    for name in PROGRAMS:
        folder = tmp_path / "programs" / name
        text, plans = plan_written(folder, engine, [(folder / "main.c").read_bytes()])
        assert [c["functions"] for c in plans["run"].calls] == [["relax"]], \
            (name, plans["run"].notes)
        assert sum(a.startswith("#pragma acc data") for a in acc_lines(text)) >= 1, text
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, row in rows.items():
        assert row["status"] == "verified", (name, row["reason"])
    # g and h in and out once for the whole time loop
    for name, row in rows.items():
        assert row["bytes_h2d"] == 8 * N * 2, (name, row)
        assert row["bytes_d2h"] == 8 * N * 2, (name, row)
