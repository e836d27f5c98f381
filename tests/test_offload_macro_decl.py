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

from pathlib import Path

from _offload_util import MACRO_ROWS_KERNEL, MACRO_ROWS_MAIN_BODY, acc_lines, write_suite

from accellium.dataset.includes import read_includes
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import apply_plans, offload_source

ARR_H = """#ifndef ARR_H
#define ARR_H
#define ARR_2D(v, d1, d2) v[d1][d2]
#define ARR_1D(v, d1) v[d1]
#endif
"""
KERNEL = MACRO_ROWS_KERNEL
MAIN = """#include <math.h>
#include <stdio.h>
void smooth(int n, int m, double a[64][48], double b[64][48], double s[64]);
static double a[64][48], b[64][48], s[64], rb[64][48], rs[64];
""" + MACRO_ROWS_MAIN_BODY


def _program(tmp: Path) -> Path:
    write_suite(tmp, {"macro_rows": (KERNEL, MAIN)}, headers={"macro_rows": {"arr.h": ARR_H}})
    return tmp / "programs" / "macro_rows"


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
