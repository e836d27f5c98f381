"""A call of a function another file of the program defines reaches only what that definition
names (issue #15, docs/offload.md item 5).

The kernel's arrays have external linkage (``double g[NN], h[NN];``); its time loop calls
``tick(0)`` and ``tick(1)``, a timer of the driver's file that keeps its own ``static``
arrays and reads the C library's ``clock()``.  Every file of the program is known: the one
definition of ``tick`` (C11 6.9p5) names no object of external linkage, no file-scope
pointer and no array whose address its file lets escape, and calls only the C library — an
identifier with internal linkage denotes its object only within its translation unit
(6.2.2p3), so ``tick`` cannot read or write ``g`` or ``h`` and is no host use of them.
Before, any call of a function of another file was taken to read and write every array of
external linkage (:mod:`accellium.dataset.offload.global_uses`): the region pulled both
arrays to the host before each call and pushed them back after it.

Twin ``poke``: the driver's ``tick`` also adds to ``g[3]``, an array of external linkage of
its file (``g`` is the kernel's, 6.2.2p2): still a host use of ``g`` at each call — the region
stays inside the time step, between the calls (the emulator verifies the result).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_written, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N, STEPS = 4000, 5
KERNEL = """#define NN 4000
double g[NN], h[NN];
void tick(int k);

void run(int steps)
{
    for (int s = 0; s < steps; s++) {
        tick(0);
        for (int i = 1; i < NN - 1; i++)
            h[i] = 0.5 * (g[i - 1] + g[i + 1]);
        for (int i = 0; i < NN; i++)
            g[i] = 0.25 * h[i] + 0.5 * g[i] + s;
        tick(1);
    }
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#include <time.h>
#define NN 4000
extern double g[NN], h[NN];
void run(int steps);
static double start[2], spent[2];
void tick(int k)
{{
    double now = (double)clock();
    if (k == 0)
        start[0] = now;
    else
        spent[0] += now - start[0];
    POKE
}}
static double rg[NN], rh[NN];
int main(void) {{
  int bad = 0;
  for (int i = 0; i < NN; i++) {{ g[i] = rg[i] = (double)(i % 13); h[i] = rh[i] = -1.0; }}
  for (int s = 0; s < {STEPS}; s++) {{
    RPOKE
    for (int i = 1; i < NN - 1; i++) rh[i] = 0.5 * (rg[i - 1] + rg[i + 1]);
    for (int i = 0; i < NN; i++) rg[i] = 0.25 * rh[i] + 0.5 * rg[i] + s;
    RPOKE
  }}
  run({STEPS});
  for (int i = 0; i < NN; i++) bad += fabs(g[i] - rg[i]) > 1e-9 || fabs(h[i] - rh[i]) > 1e-9;
  puts(bad ? "BAD" : "OK");
  return spent[1] < 0.0;
}}
"""
#: name -> (what ``tick`` does to ``g`` besides its clock, the driver's reference of it)
PROGRAMS = {"clock": ("", ""), "poke": ("g[3] += 1.0;", "rg[3] += 1.0;")}


def test_a_call_of_another_files_function_reaches_only_what_it_names(tmp_path):
    manifest = write_suite(tmp_path, {
        name: (KERNEL, MAIN.replace("RPOKE", ref).replace("POKE", poke))
        for name, (poke, ref) in PROGRAMS.items()})
    engine = get_engine("analysis")
    for name in PROGRAMS:
        folder = tmp_path / "programs" / name
        text, _ = plan_written(folder, engine, [(folder / "main.c").read_bytes()])
        assert not any(a.startswith("#pragma acc update") for a in acc_lines(text)), text
        lines = [ln.strip() for ln in text.splitlines()]
        at = lines.index("#pragma acc data copy(h, g)")
        # around the time loop; the twin's between the calls, in each step
        assert lines[at + 1] == ("for (int s = 0; s < steps; s++) {" if name == "clock" else
                                 "{"), (name, text)
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r["offload"] for r in res["programs"]}
    for name, row in rows.items():
        assert row["status"] == "verified", (name, row["reason"])
    # g and h in and out once for the whole time loop
    assert rows["clock"]["bytes_h2d"] == 8 * N * 2, rows["clock"]
    assert rows["clock"]["bytes_d2h"] == 8 * N * 2, rows["clock"]
    # the twin: in and out at each step
    assert rows["poke"]["bytes_h2d"] == 8 * N * 2 * STEPS, rows["poke"]
    assert rows["poke"]["bytes_d2h"] == 8 * N * 2 * STEPS, rows["poke"]
