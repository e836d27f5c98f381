"""Arrays declared through a function-like macro, from a header found with ``-I`` (issue #15).

Benchmark code often spells its array parameters through a macro of a shared header,
included as ``#include <arr.h>`` and found through the build's ``-I`` folder:
``double ARR_2D(a, NR, NC)`` with ``#define ARR_2D(v, d1, d2) v[d1][d2]``.  The parser, which
does not expand macros, reads the call as a function declarator; the preprocessor replaces it
first (C11 6.10.3), so ``a`` is a parameter ``double a[NR][NC]`` — rows of ``NC``.  And gcc
looks for ``<...>`` headers in its ``-I`` folders too (never in the including file's folder).

* The planner and the per-loop engine read the expansion: the loops go to the device with
  sections over the rows, and the program verifies in the emulator, with the header read
  through the ``-I`` folder of the program's compile command (the dynamic evaluation reads
  headers as ``accellium suggest -I`` does).
* Twin: the macro is not known where the declaration is (``<arr.h>`` without ``-I``): the
  loops stay on the host with a note naming the array — never a traceback, never an edit.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _offload_util import acc_lines

from accellium.dataset.includes import read_includes
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

ARR_H = """#ifndef ARR_H
#define ARR_H
#define ARR_2D(v, d1, d2) v[d1][d2]
#define ARR_1D(v, d1) v[d1]
#endif
"""
KERNEL = """#include <arr.h>
#define NR 64
#define NC 48

void smooth(int n, int m, double ARR_2D(a, NR, NC), double ARR_2D(b, NR, NC),
            double ARR_1D(s, NR))
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 0; j < m; j++)
            b[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
    for (int i = 1; i < n - 1; i++) {
        double t = 0.0;
        for (int j = 0; j < m; j++)
            t += b[i][j];
        s[i] = t;
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
void smooth(int n, int m, double a[64][48], double b[64][48], double s[64]);
static double a[64][48], b[64][48], s[64], rb[64][48], rs[64];
int main(void) {
  int n = 64, m = 40, bad = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < 48; j++) a[i][j] = (i * 7 + j * 3) % 11, b[i][j] = rb[i][j] = -1.0;
  for (int i = 0; i < n; i++) s[i] = rs[i] = -2.0;
  smooth(n, m, a, b, s);
  for (int i = 1; i < n - 1; i++) {
    rs[i] = 0.0;
    for (int j = 0; j < m; j++) {
      rb[i][j] = 0.5 * (a[i - 1][j] + a[i + 1][j]);
      rs[i] += rb[i][j];
    }
  }
  for (int i = 0; i < n; i++) {
    bad += fabs(s[i] - rs[i]) > 1e-12;
    for (int j = 0; j < 48; j++) bad += fabs(b[i][j] - rb[i][j]) > 1e-12;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


@pytest.fixture(scope="module")
def engine():
    return get_engine("analysis")


def _program(tmp: Path) -> Path:
    d = tmp / "programs" / "macro_rows"
    d.mkdir(parents=True)
    (d / "kernel.c").write_text(KERNEL)
    (d / "main.c").write_text(MAIN)
    (d / "arr.h").write_text(ARR_H)
    (tmp / "manifest.json").write_text(json.dumps([{
        "name": "macro_rows", "sources": ["kernel.c", "main.c"], "annotate": ["kernel.c"],
        "compile": "gcc -O1 -fopenacc -I. kernel.c main.c -o {out} -lm",
        "compile_serial": "gcc -O1 -I. kernel.c main.c -o {out} -lm", "run": [],
        "timeout_s": 20, "verify": {"kind": "stdout_regex", "pattern": "^OK$"}}]))
    return d


def test_macro_declared_rows_are_offloaded_and_verify(tmp_path, engine):
    d = _program(tmp_path)
    inc = read_includes(KERNEL.encode(), d / "kernel.c", "c", [d])
    plans = offload_source(KERNEL.encode(), engine, path="kernel.c", includes=inc)
    (plan,) = plans
    assert [x["line"] for x in plan.loops] == [8, 11], plan.host_loops
    sections = {a["name"]: a["section"] for a in plan.arrays}
    assert sections == {"a": "a[0:n][0:NC]", "b": "b[1:n-2][0:NC]", "s": "s[1:n-2]"}, sections
    acc = acc_lines(apply_plans(KERNEL.encode(), plans).decode())
    # `b` is copied in too: its rows are NC long and the loop writes only m of each
    assert acc == ["#pragma acc data copyin(a[0:n][0:NC]) copy(b[1:n-2][0:NC]) "
                   "copyout(s[1:n-2])",
                   "#pragma acc parallel loop collapse(2) present(b[1:n-2][0:NC], a[0:n][0:NC])",
                   "#pragma acc parallel loop present(b[1:n-2][0:NC], s[1:n-2])"], acc
    res = evaluate_dynamic(tmp_path / "manifest.json", "analysis", runs=3,
                           with_mutations=False, offload=True)
    (row,) = res["programs"]
    assert row["offload"]["status"] == "verified", row["offload"]["reason"]
    assert row["offload_loops"] == 2, row["offload"]["plans"]
    assert row["engine"]["status"] == "verified", row["engine"]["reason"]
    # the per-loop suggestions offload the nests too (their sections from the same shapes)
    assert sum(p["parallel"] for p in row["engine"]["pragmas"]) == 2, row["engine"]["pragmas"]
    # each array once: a whole, the 62 interior rows of b in and out, s out
    assert row["offload"]["bytes_h2d"] == (64 + 62) * 48 * 8, row["offload"]
    assert row["offload"]["bytes_d2h"] == 62 * 48 * 8 + 62 * 8, row["offload"]


def test_unknown_macro_declarator_keeps_the_loops_on_the_host(tmp_path, engine):
    d = _program(tmp_path)
    # <arr.h> without -I: a system header, not read (no note); its macros are unknown
    inc = read_includes(KERNEL.encode(), d / "kernel.c", "c")
    assert not inc.notes
    plans = offload_source(KERNEL.encode(), engine, path="kernel.c", includes=inc)
    (plan,) = plans
    assert not plan.loops and not plan.edits
    whys = " ".join(h["why"] for h in plan.host_loops)
    assert "cannot tell the type of `b`" in whys, plan.host_loops
