"""A call reaches the external arrays a header declares (issue #15, docs/offload.md item 5).

The program's work arrays are declared once, in a header every file includes (``extern
double h[NN];``), and defined in the driver; the kernel's time loop calls ``poke(9)``, a
function of the driver that writes ``h[9]``.  ``#include`` is replaced by the header's text
(C11 6.10.2p3), so ``h`` is a file-scope array of the kernel's translation unit with external
linkage, which a function of another file may reach by name (6.2.2p2): the call is a host
use of ``h`` — ``update self(h)`` before it, ``update device(h)`` after it.  Before, the
analysis of the calls (:mod:`accellium.dataset.offload.global_uses`) listed only the arrays
the file declares itself: the region held ``h`` across the call with no update, the next
offloaded loop read the device copy without the driver's write and the copy back overwrote
it (the emulator: output that does not verify).

Twin: ``h`` declared in the kernel itself (as before, the same updates).

Whole programs, built with real gcc (``-I.``) and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_written, write_header_placements

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 3000, 5
HEADER = f"""#define NN {N}
extern double h[NN];
"""
KERNEL = """#include "glob.h"
OWN
static double g[NN];
double poke(int k);

double run(int n, int steps, double *out)
{
    double acc = 0.0;
    for (int i = 0; i < n; i++) {
        g[i] = (double)(i % 11);
        h[i] = 0.5;
    }
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            g[i] = 0.5 * g[i] + h[i];
        poke(9);
        for (int i = 0; i < n; i++)
            out[i] = g[i] + h[i] + s;
        for (int i = 0; i < n; i++)
            h[i] = 0.25 * out[i];
    }
    return acc;
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "glob.h"
double run(int n, int steps, double *out);
DEF
double poke(int k) {{ h[k] += 2.0; return 0.0; }}
int main(void) {{
  int n = NN, steps = {STEPS}, bad = 0;
  double *out = malloc(n * sizeof *out), *g = malloc(n * sizeof *g);
  double *hh = malloc(n * sizeof *hh), *ref = malloc(n * sizeof *ref);
  for (int i = 0; i < n; i++) {{ g[i] = (double)(i % 11); hh[i] = 0.5; }}
  for (int s = 0; s < steps; s++) {{
    for (int i = 0; i < n; i++) g[i] = 0.5 * g[i] + hh[i];
    hh[9] += 2.0;
    for (int i = 0; i < n; i++) ref[i] = g[i] + hh[i] + s;
    for (int i = 0; i < n; i++) hh[i] = 0.25 * ref[i];
  }}
  run(n, steps, out);
  for (int i = 0; i < n; i++) bad += fabs(out[i] - ref[i]) > 1e-12;
  puts(bad ? "BAD" : "OK");
  return 0;
}}
"""
#: name -> (the kernel's own definition of ``h``, the driver's)
PROGRAMS = {"header": ("", "double h[NN];"), "own": ("double h[NN];", "")}


def test_a_call_reaches_the_external_arrays_a_header_declares(tmp_path):
    manifest = write_header_placements(tmp_path, KERNEL, MAIN, HEADER, PROGRAMS)
    engine = get_engine("analysis")
    for name in PROGRAMS:
        folder = tmp_path / "programs" / name
        text, _ = plan_written(folder, engine, [(folder / "main.c").read_bytes()])
        assert any(a.startswith("#pragma acc data") for a in acc_lines(text)), text
        lines = text.splitlines()
        at = next(k for k, ln in enumerate(lines) if ln.strip() == "poke(9);")
        assert lines[at - 1].strip() == "#pragma acc update self(h)", (name, lines[at - 3:at + 3])
        assert lines[at + 1].strip() == "#pragma acc update device(h)", (name, lines[at - 3:at + 3])
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, row in rows.items():
        assert row["status"] == "verified", (name, row["reason"])
    # g, h, out in and out once; h pulled and pushed around each call
    for name, row in rows.items():
        assert row["bytes_h2d"] == 8 * N * (3 + STEPS), (name, row)
        assert row["bytes_d2h"] == 8 * N * (3 + STEPS), (name, row)
