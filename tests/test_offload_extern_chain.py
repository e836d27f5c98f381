"""Regions across the program's files over arrays of external linkage (issue #15,
docs/offload.md item 10).

The program's arrays are declared once, in a header every file includes (``extern double
g[NN], h[NN];``), and defined in the driver ``main.c``; ``kernel.c``'s ``relax`` offloads a loop over
them, ``solver.c``'s ``step`` calls ``relax()`` and offloads a loop of its own over them,
and the driver ``main.c`` calls ``step(s)`` in its time loop.  An identifier with external
linkage denotes the same object in every translation unit of the program (C11 6.2.2p2), so
the clause of a caller in another file names the very arrays the callee's loops reach when
its own declaration of the name has external linkage too, and the callee's "present or copy"
clauses then find them present (OpenACC 3.3, 2.7.1).  So ``relax`` exports its summary to the
other files, ``step``'s region holds the call (the planned files planned callees' files
first), ``step`` exports its own, and the driver's region holds ``step(s)`` across the whole
time loop: ``g`` and ``h`` move once.  Before, a summary reaching an array of its file by name
was never exported ("a caller in another file does not map by that name"): each time step
moved both arrays in and out, twice.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import json

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, STEPS = 3000, 6
HEADER = f"""#define NN {N}
extern double g[NN], h[NN];
void relax(void);
void step(int s);
"""
KERNEL = """#include "glob.h"

void relax(void)
{
    for (int i = 1; i < NN - 1; i++)
        h[i] = 0.5 * (g[i - 1] + g[i + 1]);
}
"""
SOLVER = """#include "glob.h"

void step(int s)
{
    relax();
    for (int i = 0; i < NN; i++)
        g[i] = 0.25 * h[i] + 0.5 * g[i] + s;
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include "glob.h"
double g[NN], h[NN];
static double rg[NN], rh[NN];
static void reference(void)
{{
  for (int s = 0; s < {STEPS}; s++) {{
    for (int i = 1; i < NN - 1; i++) rh[i] = 0.5 * (rg[i - 1] + rg[i + 1]);
    for (int i = 0; i < NN; i++) rg[i] = 0.25 * rh[i] + 0.5 * rg[i] + s;
  }}
}}
int main(void) {{
  int bad = 0;
  for (int i = 0; i < NN; i++) {{ g[i] = rg[i] = (double)(i % 13); h[i] = rh[i] = -1.0; }}
  for (int s = 0; s < {STEPS}; s++)
    step(s);
  reference();
  for (int i = 0; i < NN; i++) bad += fabs(g[i] - rg[i]) > 1e-9 || fabs(h[i] - rh[i]) > 1e-9;
  puts(bad ? "BAD" : "OK");
  return 0;
}}
"""
PROGRAMS = ("extern",)


def _suite(tmp):
    entries = []
    for name in PROGRAMS:
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        for f, text in {"glob.h": HEADER, "kernel.c": KERNEL, "solver.c": SOLVER,
                        "main.c": MAIN}.items():
            (d / f).write_text(text)
        files = "kernel.c solver.c main.c"
        entries.append({"name": name, "sources": ["kernel.c", "solver.c", "main.c"],
                        "annotate": ["solver.c", "kernel.c"],
                        "compile": f"gcc -O1 -fopenacc -I. {files} -o {{out}} -lm",
                        "compile_serial": f"gcc -O1 -I. {files} -o {{out}} -lm",
                        "run": [], "timeout_s": 20,
                        "verify": {"kind": "stdout_regex", "pattern": "^OK$"}})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def test_regions_across_files_over_arrays_of_external_linkage(tmp_path):
    res = evaluate_dynamic(_suite(tmp_path), "analysis", runs=1, with_mutations=False,
                           offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, row in rows.items():
        assert row["status"] == "verified", (name, row["reason"])
    plans = {name: {(p["file"], p["function"]): p for p in row["plans"]}
             for name, row in rows.items()}
    plans = {(p["file"], p["function"]): p for p in rows["extern"]["plans"]}
    step, main = plans[("solver.c", "step")], plans[("main.c", "main")]
    assert [c["functions"] for c in step["calls"]] == [["relax"]], step
    assert [c["functions"] for c in main["calls"]] == [["step"]], main
    assert main["regions"][0]["repeated"], main
    # g and h in and out once for the whole time loop
    assert rows["extern"]["bytes_h2d"] == 8 * N * 2, rows["extern"]
    assert rows["extern"]["bytes_d2h"] == 8 * N * 2, rows["extern"]
