"""The offload plan of a C++ member function (issue #15): its loops reach the object through
``this`` (C++ [class.mfct.non-static]p2: a data member named bare is ``this->m``; ``this`` is a
pointer prvalue, [expr.prim.this]), so the plan maps the object and the member arrays as it maps
a pointer parameter and its members: ``#pragma acc enter data copyin(this[0:1])`` then the members,
the loops inside with ``present(...)``.

Before, every loop of a member function stayed on the host ("cannot tell the type of `b`"),
though the per-loop answers handled them (tests/test_cxx_member_functions.py).  Whole programs,
built with g++ and run in the data-environment emulator, which binds ``this`` as the pointer it
is (tests/test_dynamic_cxx_this.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from _offload_util import acc_lines, plan_text, run_programs
from test_cxx_member_functions import N, _prog

from accellium.dataset.analysis.classes import SELF
from accellium.server.engines import get_engine

PROGRAMS = {
    # two loops of one member function defined in its class: one region, the object first
    "two_loops": _prog("""    void step() {
        for (int i = 1; i < n - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        for (int i = 1; i < n - 1; i++)
            a[i] = b[i] + 1;
    }""", "", "g.step();", f"for (int i = 1; i < {N - 1}; i++) bad |= g.a[i] != i + 1;"),
    # defined outside its class, `this->` written: the region holds the time loop
    "time_loop": _prog("    void steps(int k);", """void Grid::steps(int k)
{
    for (int t = 0; t < k; t++) {
        for (int i = 1; i < this->n - 1; i++)
            this->b[i] = this->a[i] + 1;
        for (int i = 1; i < this->n - 1; i++)
            this->a[i] = this->b[i];
    }
}""", "g.steps(3);", f"for (int i = 1; i < {N - 1}; i++) bad |= g.a[i] != i + 3;"),
    # a parameter shadows the member `a` (a plain array); `b` is the member
    "shadowed": _prog("""    void fill(double *a, int m) {
        for (int i = 0; i < m; i++)
            a[i] = b[i] + 1;
    }""", "", f"double x[{N}]; g.fill(x, {N});", f"for (int i = 0; i < {N}; i++) bad |= x[i] != 1;"),
    # a member function calling another: the callee's own region; the caller's loops, whose
    # sections read `n` a call of unknown effects may change, stay on the host
    "calls_member": _prog("""    void step() {
        for (int i = 1; i < n - 1; i++)
            b[i] = a[i] + 1;
        for (int i = 1; i < n - 1; i++)
            a[i] = b[i];
    }
    void run(int k) {
        for (int i = 0; i < n; i++)
            a[i] = a[i] * 2;
        for (int t = 0; t < k; t++)
            step();
        for (int i = 0; i < n; i++)
            b[i] = a[i] - 1;
    }""", "", "g.run(3);",
        f"for (int i = 1; i < {N - 1}; i++) bad |= g.a[i] != 2 * i + 3 || g.b[i] != 2 * i + 2;"),
}

#: program -> member function -> the line that maps its members (``enter data``: gcc 12 crashes
#: on a member section through a pointer in a structured ``data`` construct,
#: ``dataset/offload/region._unstructured``), after ``enter data copyin(this[0:1])``
REGIONS = {
    "two_loops": {"step": "#pragma acc enter data copyin(this->a[0:this->n]) "
                          "create(this->b[1:this->n-2])"},
    "time_loop": {"Grid::steps": "#pragma acc enter data "
                                 "copyin(this->b[1:this->n-2], this->a[1:this->n-2])"},
    "shadowed": {"fill": "#pragma acc enter data copyin(this->b[0:m]) create(a[0:m])"},
    "calls_member": {"step": "#pragma acc enter data copyin(this->a[1:this->n-2]) "
                             "create(this->b[1:this->n-2])"},
}


@pytest.fixture(scope="module")
def plans():
    engine = get_engine("analysis")
    return {name: plan_text(src, engine, path="prog.cpp") for name, src in PROGRAMS.items()}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_plan_maps_the_object_then_its_members(plans, name):
    text, by_function = plans[name]
    assert SELF not in text
    for function, region in REGIONS[name].items():
        plan = by_function[function]
        assert plan.loops, (function, plan.host_loops, plan.notes)
        first = min(lp["line"] for lp in plan.loops)
        lines = [ln.strip() for ln in text.splitlines()]
        assert region in lines, (function, acc_lines(text))
        assert lines[lines.index(region) - 1] == "#pragma acc enter data copyin(this[0:1])"
        assert all("present(" in lp["pragma"] for lp in plan.loops), plan.loops
        assert first > plan.line and SELF not in json.dumps(plan.to_json())


def test_a_caller_member_keeps_loops_whose_sections_a_call_may_change(plans):
    run = plans["calls_member"][1]["run"]
    assert not run.loops
    assert any("this->n" in h["why"] for h in run.host_loops), run.host_loops


def test_the_plans_verify_and_move_less_than_the_per_loop_answers(tmp_path):
    rows = run_programs(tmp_path, {k: ({"prog.cpp": v}, ["prog.cpp"])
                                   for k, v in PROGRAMS.items()})
    for name, row in rows.items():
        moved = {v: row[v]["bytes_h2d"] + row[v]["bytes_d2h"]
                 for v in ("offload", "per_loop_clauses")}
        assert 0 < moved["offload"] <= moved["per_loop_clauses"], (name, moved)
    for name in ("two_loops", "time_loop"):  # the arrays once, not at each loop
        moved = {v: rows[name][v]["bytes_h2d"] + rows[name][v]["bytes_d2h"]
                 for v in ("offload", "per_loop_clauses")}
        assert moved["offload"] < moved["per_loop_clauses"], (name, moved)


def test_the_cli_applies_the_plan(tmp_path):
    src = tmp_path / "prog.cpp"
    src.write_text(PROGRAMS["two_loops"])
    got = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(src), "--engine",
                          "analysis", "--offload", "step", "--apply"],
                         capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    lines = [ln.strip() for ln in src.read_text().splitlines()]
    assert REGIONS["two_loops"]["step"] in lines
    built = subprocess.run(["g++", "-fopenacc", "-fsyntax-only", str(src)],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
