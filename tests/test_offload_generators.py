"""A loop that only generates data stays on the host when no device code of its region reads
what it writes (issue #15, :mod:`accellium.dataset.offload.generate`): it does O(1) work per
element, and offloaded alone it would copy every element back to the host, where the kernel
function's own clauses copy it in again.

``split``: an initialisation function fills ``a`` and ``b`` from the indices (and ``sin``), a
kernel function steps ``a`` with ``b``, a third function scales ``a`` into ``c`` (it reads an
array: still offloaded).  The authors' pragmas in the file are the previous rule's plan — the
initialisation offloaded with ``copyout`` — so the emulator's bytes of both are measured side
by side.  ``fused``: the same generator and its consumer in one function: both on the device,
the generated arrays never copied in.  ``others``: loops that look like generators but are not
(a lookup table, an element read after a store that may not have happened, a compound
assignment, a sum over ``k`` per element) stay offloaded.  ``(REAL) (i % 7)`` with ``#define REAL double`` is a cast (the
parser alone reads a call of ``REAL``).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, STEPS = 200, 3

SPLIT = """#include <math.h>
#define REAL double
void init(int n, double *a, double *b)
{
    #pragma acc parallel loop copyout(a[0:n], b[0:n])
    for (int i = 0; i < n; i++) {
        a[i] = (REAL) (i % 7) / n;
        b[i] = sin(0.01 * i) + 2.0;
    }
}

void step(int n, int steps, double *a, const double *b)
{
    #pragma acc data copy(a[0:n]) copyin(b[0:n])
    for (int t = 0; t < steps; t++) {
        #pragma acc parallel loop present(a[0:n], b[0:n])
        for (int i = 0; i < n; i++)
            a[i] = 0.5 * a[i] + b[i];
    }
}

void twice(int n, const double *a, double *c)
{
    #pragma acc parallel loop copyin(a[0:n]) copyout(c[0:n])
    for (int i = 0; i < n; i++)
        c[i] = a[i] * 2.0;
}
"""
SPLIT_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void init(int n, double *a, double *b);
void step(int n, int steps, double *a, const double *b);
void twice(int n, const double *a, double *c);
int main(void)
{
    int n = NSIZE, bad = 0;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    init(n, a, b);
    step(n, NSTEPS, a, b);
    twice(n, a, c);
    for (int i = 0; i < n; i++) {
        double r = (double)(i % 7) / n, s = sin(0.01 * i) + 2.0;
        for (int t = 0; t < NSTEPS; t++)
            r = 0.5 * r + s;
        bad += fabs(a[i] - r) > 1e-12 || fabs(b[i] - s) > 1e-12 || fabs(c[i] - 2.0 * r) > 1e-12;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
FUSED = """#include <math.h>
void run(int n, int steps, double *a, double *b)
{
    for (int i = 0; i < n; i++) {
        a[i] = (double)(i % 7) / n;
        b[i] = sin(0.01 * i) + 2.0;
    }
    for (int t = 0; t < steps; t++)
        for (int i = 0; i < n; i++)
            a[i] = 0.5 * a[i] + b[i];
}
"""
FUSED_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void run(int n, int steps, double *a, double *b);
int main(void)
{
    int n = NSIZE, bad = 0;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (int i = 0; i < n; i++) a[i] = b[i] = -1.0;
    run(n, NSTEPS, a, b);
    for (int i = 0; i < n; i++) {
        double r = (double)(i % 7) / n, s = sin(0.01 * i) + 2.0;
        for (int t = 0; t < NSTEPS; t++)
            r = 0.5 * r + s;
        bad += fabs(a[i] - r) > 1e-12 || fabs(b[i] - s) > 1e-12;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# Loops that read an array, or do more than O(1) work per element: not generators.
OTHERS = """#include <math.h>
void lookup(int n, const double *tab, double *a)
{
    for (int i = 0; i < n; i++)
        a[i] = tab[i % 4] * i;
}

void reread(int n, double *a)
{
    for (int i = 0; i < n; i++) {
        if (i % 2)
            a[i] = i * 0.5;
        a[i] = a[i] + 1.0;
    }
}

void bump(int n, double *a)
{
    for (int i = 0; i < n; i++)
        a[i] += i;
}

void sums(int n, double *a)
{
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < n; k++)
            s += sin(0.001 * i * k);
        a[i] = s;
    }
}
"""
OTHERS_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void lookup(int n, const double *tab, double *a);
void reread(int n, double *a);
void bump(int n, double *a);
void sums(int n, double *a);
int main(void)
{
    int n = NSIZE, bad = 0;
    double tab[4] = {1.0, 2.0, 3.0, 4.0};
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    lookup(n, tab, a);
    for (int i = 0; i < n; i++)
        b[i] = i * 0.5;
    reread(n, b);
    bump(n, b);
    sums(n, c);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < n; k++)
            s += sin(0.001 * i * k);
        bad += fabs(a[i] - tab[i % 4] * i) > 1e-12 || fabs(b[i] - (i * 0.5 + 1.0 + i)) > 1e-12
               || fabs(c[i] - s) > 1e-9;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _program(kernel: str, main: str) -> tuple[str, str]:
    return kernel, main.replace("NSIZE", str(N)).replace("NSTEPS", str(STEPS))


PROGRAMS = {"split": _program(SPLIT, SPLIT_MAIN), "fused": _program(FUSED, FUSED_MAIN),
            "others": _program(OTHERS, OTHERS_MAIN)}


def _stripped(src: str) -> str:
    return "".join(ln for ln in src.splitlines(keepends=True)
                   if not ln.strip().startswith("#pragma acc"))


def test_an_initialisation_function_stays_on_the_host_with_its_note(engine):
    text, plans = plan_text(_stripped(SPLIT), engine)
    init = plans["init"]
    assert not init.loops and not init.edits, init
    assert init.notes[0].startswith("`init` stays on the host: its loops only generate data")
    assert "only generates `a`, `b`" in init.host_loops[0]["why"], init.host_loops
    assert "copy each element back to the host" in init.host_loops[0]["why"]
    # the kernel and the function that reads an array are offloaded as before
    assert plans["step"].loops and plans["twice"].loops
    assert "#pragma acc" not in text[:text.index("void step")], text


def test_a_generator_with_its_consumer_in_one_function_stays_on_the_device(engine):
    text, plans = plan_text(FUSED, engine)
    run = plans["run"]
    # the generator (line 4) and the step loop inside the (sequential) time loop
    assert [lp["line"] for lp in run.loops] == [4, 9], run
    assert all("generates" not in h["why"] for h in run.host_loops), run.host_loops
    clauses = {a["name"]: a["clause"] for a in run.arrays}
    # written whole by the generator before anything reads them: never copied in
    assert clauses == {"a": "copyout", "b": "copyout"}, clauses
    data = next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data"))
    assert "copyin" not in data and "copy(" not in data, data


@pytest.mark.parametrize("function", ["lookup", "reread", "bump", "sums"])
def test_loops_that_read_arrays_or_do_more_per_element_are_offloaded(function, engine):
    _, plans = plan_text(OTHERS, engine, function=function)
    assert plans[function].loops, plans[function]


def test_the_programs_verify_and_the_host_initialisation_moves_less(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, PROGRAMS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    rows = {r["name"]: r for r in res["programs"]}
    orig = rows["split"]["original"]
    assert orig["status"] == "verified", orig["reason"]
    authors = orig["bytes_h2d"] + orig["bytes_d2h"]
    # the previous rule's plan (the file's pragmas): init copies a and b out (2n), step
    # copies a in and out and b in (3n), twice a in and c out (2n); now init moves nothing,
    # and main's region over the calls of step and twice moves a in and out, b in and c
    # out: `twice` writes all of c's allocation before anything reads it (never copied in)
    assert authors == 7 * N * 8, authors
    assert moved["split"] == 4 * N * 8 < authors, moved
    # fused: a and b copied out once, nothing copied in
    assert moved["fused"] == 2 * N * 8, moved
    assert rows["others"]["offload_loops"] == 4, rows["others"]
    assert res["metrics"]["offload_failed_present-abort"] == 0.0


def test_the_cli_shows_why_the_function_stays_on_the_host(tmp_path):
    f = tmp_path / "k.c"
    f.write_text(_stripped(SPLIT))
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "ACCELLIUM_TRAIN": ""}
    r = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(f), "--offload",
                        "init", "--engine", "analysis"], cwd=root, capture_output=True,
                       text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    assert re.search(r"function `init`: nothing to write", r.stdout), r.stdout
    assert "`init` stays on the host: its loops only generate data" in r.stdout, r.stdout
    r = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(f), "--offload",
                        "init", "--engine", "analysis", "--json"], cwd=root,
                       capture_output=True, text=True, env=env, timeout=180)
    plan = json.loads(r.stdout)[0]
    assert plan["host_loops"][0]["line"] == 5 and plan["edits"] == [], plan
