"""Offload plans across calls (issue #15): a caller's data region around the statements that
call functions of the same file whose plans offload loops.  Whole programs, built with real gcc
and run in the data-environment emulator (separate device memory, a present table, bytes
counted): the callees keep their own copy-family clauses ("present or ..." since OpenACC 2.5),
so a callee called outside the region stays correct, and inside it moves nothing; an argument
whose section does not translate gets a note and no mapping; host code between the calls gets
``update`` lines."""

from __future__ import annotations

import subprocess
from pathlib import Path

from _offload_util import acc_lines as _acc
from _offload_util import line_after as _after
from _offload_util import plan_text, verified_offload_bytes, write_suite

from accellium.dataset.offload import plan_source
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import engine_advisor

N = 20000
ITERS = 10

CALLEES = """
static void scale(int n, double s, double *x)
{
    for (int i = 0; i < n; i++)
        x[i] *= s;
}

static void add(int n, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] += x[i];
}
"""

# a caller loop over two callees, and a function that calls one of them with no loop around
TWO = CALLEES + """
void run(int n, int iters, double *x, double *y)
{
    for (int k = 0; k < iters; k++) {
        scale(n, 0.5, x);
        add(n, x, y);
    }
}

void once(int n, double *x)
{
    scale(n, 2.0, x);
}
"""
TWO_MAIN = """#include <stdio.h>
#include <stdlib.h>
void run(int n, int iters, double *x, double *y);
void once(int n, double *x);
int main(void) {
  int n = NSIZE, it = ITERS; double *x = malloc(n * 8), *y = malloc(n * 8), *rx = malloc(n * 8), *ry = malloc(n * 8);
  for (int i = 0; i < n; i++) { x[i] = rx[i] = i % 13; y[i] = ry[i] = 1; }
  run(n, it, x, y); once(n, x);
  for (int k = 0; k < it; k++) for (int i = 0; i < n; i++) { rx[i] *= 0.5; ry[i] += rx[i]; }
  for (int i = 0; i < n; i++) rx[i] *= 2.0;
  int bad = 0;
  for (int i = 0; i < n; i++) bad += x[i] != rx[i] || y[i] != ry[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# the host reads an element between the calls: `update self` of that element only
WATCH = CALLEES + """
double watch(int n, int iters, double *x, double *y)
{
    double e = 0.0;
    for (int k = 0; k < iters; k++) {
        scale(n, 0.5, x);
        e += x[0];
        add(n, x, y);
    }
    return e;
}
"""
WATCH_MAIN = """#include <stdio.h>
#include <stdlib.h>
double watch(int n, int iters, double *x, double *y);
int main(void) {
  int n = NSIZE, it = ITERS; double *x = malloc(n * 8), *y = malloc(n * 8), *rx = malloc(n * 8), *ry = malloc(n * 8);
  for (int i = 0; i < n; i++) { x[i] = rx[i] = 1 + i % 7; y[i] = ry[i] = 0; }
  double e = watch(n, it, x, y), re = 0;
  for (int k = 0; k < it; k++) { for (int i = 0; i < n; i++) rx[i] *= 0.5; re += rx[0];
    for (int i = 0; i < n; i++) ry[i] += rx[i]; }
  int bad = e != re;
  for (int i = 0; i < n; i++) bad += x[i] != rx[i] || y[i] != ry[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# arguments whose section does not translate into the caller's names: no mapping, a note
ODD = CALLEES + """
void shifted(int n, int iters, double *x)
{
    for (int k = 0; k < iters; k++)
        scale(n - 1, 0.5, x + 1);
}

void halved(int n, int iters, double *x)
{
    for (int k = 0; k < iters; k++)
        scale(n / 2, 0.5, x);
}
"""
ODD_MAIN = """#include <stdio.h>
#include <stdlib.h>
void shifted(int n, int iters, double *x);
void halved(int n, int iters, double *x);
int main(void) {
  int n = NSIZE, it = 3; double *x = malloc(n * 8), *r = malloc(n * 8);
  for (int i = 0; i < n; i++) x[i] = r[i] = 8;
  shifted(n, it, x); halved(n, it, x);
  for (int k = 0; k < it; k++) for (int i = 1; i < n; i++) r[i] *= 0.5;
  for (int k = 0; k < it; k++) for (int i = 0; i < n / 2; i++) r[i] *= 0.5;
  int bad = 0;
  for (int i = 0; i < n; i++) bad += x[i] != r[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

PROGRAMS = {"two_callees": (TWO, TWO_MAIN), "host_read": (WATCH, WATCH_MAIN),
            "untranslated": (ODD, ODD_MAIN)}


_plan = plan_text


def test_caller_region_around_a_loop_over_two_callees(engine):
    text, plans = _plan(TWO, engine)
    assert _after(text, "#pragma acc data copy(x[0:n], y[0:n])") == \
        "for (int k = 0; k < iters; k++) {"
    # the callees keep clauses of the copy family (present or ...), never `present`
    assert "#pragma acc parallel loop copy(x[0:n])" in _acc(text)
    assert "#pragma acc parallel loop copyin(x[0:n]) copy(y[0:n])" in _acc(text)
    assert not any("present" in a for a in _acc(text))
    assert plans["run"].calls == [{"line": 17, "functions": ["scale"]},
                                  {"line": 18, "functions": ["add"]}]
    assert plans["run"].regions[0]["calls"] == 2 and plans["run"].regions[0]["repeated"]
    # a lone call that no loop repeats: no region (it would save nothing)
    assert "once" not in plans and "acc data" not in text.split("void once")[1]


def test_the_callees_plans_come_with_the_caller(engine):
    """Asked for the caller alone, the plan brings the callees' (the region relies on their
    pragmas; without them the region would copy stale device data back)."""
    _, plans = _plan(TWO, engine, function="run")
    assert list(plans) == ["run", "scale", "add"]
    text, plans = _plan(TWO, engine, function="once")
    assert list(plans) == ["once"] and not plans["once"].edits


def test_host_read_between_calls_gets_update_self(engine):
    text, plans = _plan(WATCH, engine)
    assert _after(text, "#pragma acc update self(x[0:1])") == "e += x[0];"
    assert _after(text, "#pragma acc data copy(x[0:n], y[0:n])").startswith("for (int k")
    assert not any("update device" in a for a in _acc(text))


def test_untranslated_sections_are_notes_not_guesses(engine):
    text, plans = _plan(ODD, engine)
    # an offset argument translates (x + 1 reaches x[1..n-1], C11 6.5.6p8;
    # tests/test_offload_offset_args.py); a halved bound does not
    assert [a for a in _acc(text) if a.startswith("#pragma acc data")] == \
        ["#pragma acc data copy(x[1:n-1])"]
    halved = " ".join(plans["halved"].notes)
    assert "does not translate into the caller's variables" in halved, halved
    assert plans["shifted"].edits and not plans["halved"].edits


def test_recursion_and_calls_through_pointers_are_notes(engine):
    src = """
void rec(int n, double *x, int d)
{
    for (int i = 0; i < n; i++)
        x[i] += 1.0;
    if (d > 0)
        rec(n, x, d - 1);
}

void drive(int n, double *x, void (*f)(int, double *))
{
    for (int k = 0; k < 3; k++) {
        rec(n, x, 2);
        f(n, x);
    }
}
"""
    text, plans = _plan(src, engine, function="drive")
    notes = " ".join(plans["drive"].notes)
    assert "`rec` (line 13) is recursive" in notes, notes
    assert "line 14 goes through a pointer" in notes, notes
    assert "acc data" not in text


def test_a_callee_that_touches_the_array_on_the_host_is_not_hoisted(engine):
    """A callee whose host code reads the parameter would read a stale copy inside the
    caller's region: its calls stay out of it."""
    src = CALLEES + """
static double peek(int n, double *x)
{
    for (int i = 0; i < n; i++)
        x[i] += 1.0;
    return x[n - 1];
}

double poke(int n, int iters, double *x, double *y)
{
    double s = 0.0;
    for (int k = 0; k < iters; k++) {
        s += peek(n, x);
        add(n, x, y);
    }
    return s;
}
"""
    text, plans = _plan(src, engine, function="poke")
    notes = " ".join(plans["poke"].notes)
    assert "`peek` uses its parameter `x` on the host" in notes, notes
    # nor may a region hold the call: peek's own loop would find x present and its host
    # read would see a stale copy
    assert "the call to `peek` at line 25 stays on the host" in notes, notes
    assert plans["poke"].calls == [] and "acc data" not in text.split("double poke")[1]


def test_programs_verify_in_the_emulator_and_move_each_array_once(tmp_path):
    """gcc -fopenacc, separate device memory: every plan verifies; the caller's region moves
    x and y once each way, and the callees' copy clauses inside it move nothing (the emulator
    implements "present or copy"); `once` calls scale with no region: it copies x itself."""
    sized = {k: (kernel, main.replace("NSIZE", str(N)).replace("ITERS", str(ITERS)))
             for k, (kernel, main) in PROGRAMS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, sized), "analysis", runs=1, with_mutations=False,
                           offload=True)
    moved = verified_offload_bytes(res)
    rows = {r["name"]: r for r in res["programs"]}
    per_loop = {k: (v["per_loop_clauses"]["bytes_h2d"] or 0) +
                (v["per_loop_clauses"]["bytes_d2h"] or 0) for k, v in rows.items()}
    vec = N * 8
    assert moved["two_callees"] == 4 * vec + 2 * vec  # run: x, y in and out; once: x
    assert per_loop["two_callees"] == ITERS * 5 * vec + 2 * vec
    assert moved["host_read"] == 4 * vec + ITERS * 8  # and one element per iteration
    # `halved` hoists nothing; `shifted`'s region moves x[1:n-1] once each way
    assert moved["untranslated"] < per_loop["untranslated"]
    assert res["metrics"]["offload_failed_present-abort"] == 0.0


def test_plan_source_with_callees_needs_an_advisor_only(engine):
    plans = plan_source(TWO.encode(), engine_advisor(engine, "c"), function="run")
    assert [p.function for p in plans] == ["run", "scale", "add"]


def test_cli_offload_function_shows_the_callers_region(tmp_path):
    import os
    import sys

    f = tmp_path / "k.c"
    f.write_text(TWO)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    got = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(f), "--offload",
                          "run", "--engine", "analysis"], capture_output=True, text=True,
                         env=env, timeout=300)
    assert got.returncode == 0, got.stderr
    assert "function `run`: 0 loop(s) offloaded, 2 call(s) in its data region" in got.stdout
    assert "+ 16: #pragma acc data copy(x[0:n], y[0:n])" in got.stdout
    assert "function `scale`" in got.stdout and "function `add`" in got.stdout
