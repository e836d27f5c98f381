"""A loop whose condition reads through a pointer (``k <= *count``) gets the pointed-to value
on the device with its compute construct.

The condition of a loop under a compute construct is evaluated in the construct, before each
iteration, as the body is (OpenACC 3.3, 2.9: the loop is the construct's block).  A pointer no
data clause names is firstprivate there (2.6.2) and holds the host address: ``*count`` read on
a GPU faults.  The analysis reads the condition's reads through a pointer (``*count``,
``len[0]``) as it reads the body's, so ``*count`` is a read of ``count[0:1]`` and the guard's
data completion maps it (``copyin(count[0:1])``), for every engine's answer.

Twins: the same loop bounded by a plain scalar ``n`` keeps its pragma without a clause for the
bound (a scalar is firstprivate: its value, not an address), and a bound read through a pointer
inside an enclosing data region that holds it is left to that region.

Whole programs, built with real gcc -fopenacc and run in the data-environment emulator
(separate device memory: a host address dereferenced in a compute region fails)."""

from __future__ import annotations

import re

import pytest
from _offload_util import run_as_written, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine
from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest

KERNEL = """void mark(int n, double v[], int iv[], int *count, int i, double val)
{
    int k;
    for (k = 1; k <= *count; k++) {
        if (iv[k] == i)
            v[k] = val;
    }
}

void scale(int n, double v[], double s)
{
    int k;
    for (k = 1; k <= n; k++) {
        v[k] = v[k] * s;
    }
}
"""
MAIN = """#include <stdio.h>
void mark(int n, double v[], int iv[], int *count, int i, double val);
void scale(int n, double v[], double s);
static int count = 24;
int main(void)
{
    double v[33];
    int iv[33], bad = 0;
    for (int k = 0; k < 33; k++) { v[k] = k; iv[k] = k % 5; }
    mark(32, v, iv, &count, 3, -1.0);
    scale(32, v, 2.0);
    for (int k = 1; k <= 32; k++) {
        double want = (k <= 24 && k % 5 == 3) ? -2.0 : 2.0 * k;
        bad += v[k] != want;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
MARK_LOOP = KERNEL[KERNEL.index("for (k = 1; k <= *count"):KERNEL.index("}\n}") + 1]


def test_a_pointer_the_condition_reads_is_mapped_and_the_program_verifies(tmp_path):
    manifest = write_suite(tmp_path, {"bound": (KERNEL, MAIN)})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False)
    row = res["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]
    got = {r["line"]: r["pragma"] for r in row["engine"]["pragmas"]}
    # the loop bounded through the pointer: what it points to is read on the device
    assert re.search(r"copyin\([^)]*\bcount\[0:1\]", got[4]), got
    # twin: a scalar bound is its value in the construct, no clause for it
    assert got[13] == "#pragma acc parallel loop copy(v[1:n])", got
    assert row["engine"]["status"] == "verified", row["engine"]["reason"]


def test_without_the_clause_the_emulator_reports_the_host_address(tmp_path):
    # the same program with the pragma the engine answered before: `count` is not mapped
    bare = KERNEL.replace("    int k;\n    for (k = 1; k <= *count",
                          "    int k;\n#pragma acc parallel loop copy(v[1:*count])"
                          " copyin(iv[1:*count])\n    for (k = 1; k <= *count")
    assert "acc parallel loop copy(v[1:*count])" in bare
    with pytest.raises(AssertionError, match="pointer 'count' used in a compute region"):
        run_as_written(tmp_path, {"bare": {"kernel.c": bare, "main.c": MAIN}})


def test_inside_a_data_region_holding_the_pointer_the_region_provides_it():
    # twin: the enclosing data region puts `count[0:1]` on the device; the loop adds nothing
    q = LoopQuery(code=MARK_LOOP, lang="c",
                  enclosing=("#pragma acc data copyin(count[0:1], iv[0:33]) copy(v[0:33])",))
    s = suggest(q, get_engine("analysis"), fallback=None)
    assert s.pragma is not None and not re.search(r"copy\w*\([^)]*count", s.pragma), s.pragma
