"""A C++ stream extraction stores into its right operand (issue #15, C++).

``file >> a[i];`` is a call of the stream's overloaded ``operator>>`` — a built-in shift's
value, discarded, changes nothing (C++ [expr.shift], [stmt.expr]) — which stores the value it
reads in ``a[i]`` through a reference ([istream.formatted]).  The planner read it as a shift of
two numbers, a read of ``a[i]``: a function that allocates an array, fills it from a file and
then offloads loops over it created the array on the device at its allocation and never
updated it after the host filled it, so its loops computed on uninitialised device memory
(Rodinia's CFD, once its calls were planned).  Now such an operand is written by the host
code, and the device copy is updated after it.

A whole program, built with g++ and run in the data-environment emulator (separate device
memory: a missing update fails)."""

from __future__ import annotations

import json

from _offload_util import write_programs

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, STEPS = 3000, 8

PROG = f"""#include <cstdio>
#include <fstream>
int main()
{{
    int n = 0;
    double *a, *b;
    {{
        std::ifstream file("input.txt");
        file >> n;
        a = new double[n];
        b = new double[n];
        for (int i = 0; i < n; i++)
            file >> a[i];
        for (int i = 0; i < n; i++)
            b[i] = 2.0 * a[i];
    }}
    for (int s = 0; s < {STEPS}; s++) {{
        for (int i = 0; i < n; i++)
            b[i] = 0.5 * a[i] + 1.0;
        for (int i = 0; i < n; i++)
            a[i] = b[i] - 0.25 * a[i];
    }}
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += a[i];
    std::printf("%.6f\\n", sum);
    delete[] a;
    delete[] b;
    return 0;
}}
"""


def test_an_array_filled_by_stream_extraction_is_updated_on_the_device(tmp_path):
    data = f"{N}\n" + "".join(f"{(7 * i) % 13 * 0.5}\n" for i in range(N))
    manifest = write_programs(tmp_path, {"stream_read": (
        {"prog.cpp": PROG, "input.txt": data}, ["prog.cpp"])})
    entries = json.loads(manifest.read_text())
    a = [(7 * i) % 13 * 0.5 for i in range(N)]
    b = [2.0 * x for x in a]
    for _ in range(STEPS):
        b = [0.5 * x + 1.0 for x in a]
        a = [y - 0.25 * x for x, y in zip(a, b, strict=True)]
    entries[0]["verify"] = {"kind": "checksum", "extract": r"(-?\d+\.\d+)", "reference": [sum(a)],
                            "rtol": 1e-6, "atol": 1e-6}
    manifest.write_text(json.dumps(entries))
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    (row,) = res["programs"]
    assert row["offload_loops"], row["offload"]["plans"]
    for variant in ("offload", "per_loop_clauses"):
        assert row[variant]["status"] == "verified", (variant, row[variant]["reason"])
