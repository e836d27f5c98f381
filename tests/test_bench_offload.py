"""``accellium bench offload`` through the real console script: one row per size with what the
plan of the generated driver offloaded (never a pass/fail on time); bad sizes are a one-line
error with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

EXE = [sys.executable, "-m", "accellium", "bench", "offload"]


def test_rows_per_size_with_the_plan_made():
    r = subprocess.run([*EXE, "--loops", "4", "10", "--json"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [row["loops"] for row in rows] == [6, 12]  # and the stencil's two loops
    for row, passes in zip(rows, (4, 10), strict=True):
        # the single passes share their arrays with the stencil: all of them offloaded; the
        # stencil (a[i] from a[i - 1]) and its time loop stay on the host
        assert (row["offloaded"], row["host"]) == (passes, 2), row
        assert row["seconds"] > 0 and row["bytes"] > 0


def test_rows_per_program_size_with_the_callers_planned():
    """``--callers N``: the kernel file of a generated program and its N callers' files, each
    of which repeats the kernel's call in a time loop and gets a data region around it."""
    r = subprocess.run([*EXE, "--callers", "1", "5", "--json"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(row["files"], row["callers"]) for row in rows] == [(2, 1), (6, 5)], rows
    assert all(row["seconds"] > 0 for row in rows)


def test_bad_sizes_are_a_one_line_error():
    for args in (["--loops", "1"], ["--callers", "0"], ["--repeat", "0"], ["--engine", "nope"]):
        r = subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("accellium bench offload: ")
