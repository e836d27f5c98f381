"""C++ sources in the dynamic evaluation's CPU mode: not translated, built with OpenACC's host
fallback (``-foffload=disable``) through a g++ wrapper, so the program's answer is checked and
the result says that its data clauses and races are not.  Before, ``g++ -fopenacc`` went past
the gcc-only wrappers to the real compiler, which on a machine with an offload compiler
installed tried to build device code (and failed in mkoffload here): a compile failure of
the pragmas, though nothing was wrong with them.

A header with a ``.h`` suffix that a C++ source includes is C++ there (g++ compiles its code as
part of that translation unit): it is not translated as C either.  Before, its pragmas were
rewritten into the emulator's C runtime calls, which the C++ build does not declare — every
column of such a program failed to compile, the authors' included."""

from __future__ import annotations

import json
from pathlib import Path

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#include <vector>
void scale(std::vector<double> &v, double a)
{
    double *p = v.data();
    int n = (int)v.size();
    #pragma acc parallel loop copy(p[0:n])
    for (int i = 0; i < n; i++)
        p[i] = a * p[i] + 1.0;
}
"""

MAIN = """#include <cstdio>
#include <vector>
void scale(std::vector<double> &v, double a);
int main()
{
    std::vector<double> v(1000);
    for (int i = 0; i < 1000; i++)
        v[i] = i;
    scale(v, 2.0);
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += v[i] != 2.0 * i + 1.0;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _suite(tmp: Path) -> Path:
    d = tmp / "programs" / "cxx_scale"
    d.mkdir(parents=True)
    (d / "kernel.cpp").write_text(KERNEL)
    (d / "main.cpp").write_text(MAIN)
    entry = {"name": "cxx_scale", "sources": ["kernel.cpp", "main.cpp"],
             "annotate": ["kernel.cpp"],
             "compile": "g++ -O1 -fopenacc kernel.cpp main.cpp -o {out}",
             "compile_serial": "g++ -O1 kernel.cpp main.cpp -o {out}",
             "run": [], "timeout_s": 20,
             "verify": {"kind": "stdout_regex", "pattern": "^OK$"}}
    (tmp / "manifest.json").write_text(json.dumps([entry]))
    return tmp / "manifest.json"


def test_a_cxx_program_builds_with_the_host_fallback_and_says_what_is_not_checked(tmp_path):
    res = evaluate_dynamic(_suite(tmp_path), None, runs=1, with_mutations=False)
    row = res["programs"][0]["original"]
    assert row["status"] == "verified", row["reason"]
    assert any("C++ is not translated" in w and "host fallback" in w for w in row["warnings"])
    # nothing emulated: no transfer is counted for it
    assert row["bytes_h2d"] == 0 and row["bytes_d2h"] == 0


def test_a_wrong_answer_still_fails(tmp_path):
    manifest = _suite(tmp_path)
    kernel = tmp_path / "programs" / "cxx_scale" / "kernel.cpp"
    kernel.write_text(KERNEL.replace("a * p[i] + 1.0", "a * p[i] + 2.0"))
    row = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)["programs"][0]
    assert row["original"]["status"] != "verified"


HEADER = """#pragma once
#include <vector>
inline void scale(std::vector<double> &v, double a)
{
    double *p = v.data();
    int n = (int)v.size();
    #pragma acc parallel loop copy(p[0:n])
    for (int i = 0; i < n; i++)
        p[i] = a * p[i] + 1.0;
}
"""


def test_a_header_of_a_cxx_program_is_cxx(tmp_path):
    d = tmp_path / "programs" / "cxx_header"
    d.mkdir(parents=True)
    (d / "scale.h").write_text(HEADER)
    (d / "main.cpp").write_text('#include "scale.h"\n' + MAIN.replace(
        "void scale(std::vector<double> &v, double a);", ""))
    entry = {"name": "cxx_header", "sources": ["main.cpp", "scale.h"], "annotate": ["scale.h"],
             "compile": "g++ -O1 -fopenacc main.cpp -o {out}",
             "compile_serial": "g++ -O1 main.cpp -o {out}",
             "run": [], "timeout_s": 20, "verify": {"kind": "stdout_regex", "pattern": "^OK$"}}
    (tmp_path / "manifest.json").write_text(json.dumps([entry]))
    row = evaluate_dynamic(tmp_path / "manifest.json", None, runs=1,
                           with_mutations=False)["programs"][0]["original"]
    assert row["status"] == "verified", row["reason"]
    assert any(w.startswith("scale.h: C++ is not translated") for w in row["warnings"]), \
        row["warnings"]
