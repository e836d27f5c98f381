"""Arrays declared at file scope in a header the file includes (issue #15).

``#include "grid.h"`` is replaced by the header's text (C11 6.10.2p3), so a file-scope
declaration there (``static double coef[NG];``) declares an array of the file.  The planner
read headers for their macros only: a loop using such an array stayed on the host ("cannot
tell the type of `coef`"), and around a program whose work arrays all live in a header, the
loops between the ones it kept had to pull and push whole arrays.  Now the file-scope
declarations of the headers read outside a conditional group (those inside an include
guard too), included before the function, count for the names the file itself does not
declare: ``coef`` is a true array of ``NG`` elements, mapped whole.

Twin: the header declares ``coef`` inside another conditional group (``#ifndef WIDE``):
which declaration the build keeps is not read, the loops stay on the host with the note, as
before.

Whole programs, built with real gcc (``-I.``) and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, plan_written, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

NG, STEPS = 256, 5
HEADER = """#ifndef GRID_H
#define GRID_H
#define NG 256
DECL
#endif
"""
PLAIN = HEADER.replace("DECL", "static double coef[NG];")
GROUPED = HEADER.replace("DECL", "#ifndef WIDE\nstatic double coef[NG];\n#endif")
KERNEL = """#include "grid.h"
void scale(int steps, double *out)
{
    for (int i = 0; i < NG; i++)
        coef[i] = 0.5 + (i % 7) * 0.01;
    for (int t = 0; t < steps; t++)
        for (int i = 0; i < NG; i++)
            out[i] = out[i] * coef[i] + 1.0;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
void scale(int steps, double *out);
int main(void) {
  double out[256], ref[256];
  int bad = 0;
  for (int i = 0; i < 256; i++) out[i] = ref[i] = i % 5;
  scale(5, out);
  for (int t = 0; t < 5; t++)
    for (int i = 0; i < 256; i++) ref[i] = ref[i] * (0.5 + (i % 7) * 0.01) + 1.0;
  for (int i = 0; i < 256; i++) bad += fabs(out[i] - ref[i]) > 1e-9;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_a_header_array_is_an_array_of_the_file(tmp_path):
    manifest = write_suite(tmp_path, {"plain": (KERNEL, MAIN), "grouped": (KERNEL, MAIN)},
                           headers={"plain": {"grid.h": PLAIN},
                                    "grouped": {"grid.h": GROUPED}})
    engine = get_engine("analysis")
    text, plans = plan_written(tmp_path / "programs" / "plain", engine, [MAIN.encode()])
    scale = plans["scale"]
    assert [lp["line"] for lp in scale.loops] == [4, 7], (scale.host_loops, scale.notes)
    coef = next(a for a in scale.arrays if a["name"] == "coef")
    assert coef["section"] == "coef", coef
    # the same plan as with the declaration written in the file itself
    own, _ = plan_text(KERNEL.replace('#include "grid.h"',
                                      "#define NG 256\nstatic double coef[NG];"), engine)
    assert acc_lines(own) == acc_lines(text), (acc_lines(own), acc_lines(text))
    # twin: the declaration sits in a conditional group of the header
    ttext, tplans = plan_written(tmp_path / "programs" / "grouped", engine, [MAIN.encode()])
    assert not tplans["scale"].loops, tplans["scale"].notes
    assert any("cannot tell the type of `coef`" in h["why"]
               for h in tplans["scale"].host_loops), tplans["scale"].host_loops
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # plain: out both ways and coef out only, once (as with the declaration in the file):
    # the first loop writes every element coef declares before anything reads it
    assert moved["plain"] == 3 * 8 * NG, moved
    assert moved["grouped"] == 0, moved
