"""Code in a conditional group the build's macros drop is no code of the build (C11 6.10.1p6):
the per-loop answers read the text the compiler reads, as the offload plan does.

``scale``'s loop traces each element under ``#ifdef TRACE_SCALE``.  The build defines no
``TRACE_SCALE``: with its macros complete (``--defines-complete``; the dynamic evaluation,
whose compile command is the whole build), the group is dropped and the loop is independent —
before, the ``printf`` there made it "iterations must run in order" and the loop got no
pragma (a public NPB EP port's main loop got none, and its inner loops moved a 268 MB array on
every iteration: the per-loop column timed out).  The answer says which lines it left out.
Without ``--defines-complete`` the macro may come from the command line: the group is
undecided and kept (no pragma, as before); with ``-D TRACE_SCALE`` it is compiled (no pragma).
Whole program, built with real gcc and run in the emulator: the per-loop column verifies with
the pragma."""

from __future__ import annotations

import json

from _cli_util import run_suggest
from _offload_util import run_verified

KERNEL = """#include <stdio.h>

void scale(int n, const double *b, double *a)
{
    for (int i = 0; i < n; i++) {
        a[i] = 2.0 * b[i] + 1.0;
#ifdef TRACE_SCALE
        printf("a[%d] = %f\\n", i, a[i]);
#endif
    }
}
"""
MAIN = """#include <stdio.h>
void scale(int n, const double *b, double *a);
int main(void)
{
    static double a[4000], b[4000];
    int bad = 0;
    for (int i = 0; i < 4000; i++) b[i] = i % 7;
    scale(4000, b, a);
    for (int i = 0; i < 4000; i++) bad += a[i] != 2.0 * (i % 7) + 1.0;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
WANT = "#pragma acc parallel loop copyin(b[0:n]) copyout(a[0:n])"


def _answer(tmp_path, *flags: str) -> dict:
    src = tmp_path / "kernel.c"
    src.write_text(KERNEL)
    done = run_suggest(src, "--json", *flags)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    return row


def test_a_dropped_group_makes_no_loop_sequential(tmp_path):
    row = _answer(tmp_path, "--defines-complete")
    assert row["pragma"] == WANT, row
    assert any("left out, as the compiler drops them: line 8;" in n for n in row["notes"]), \
        row["notes"]
    # the macro may come from the command line: undecided, the group is kept
    assert _answer(tmp_path)["pragma"] is None
    # the build defines it: the trace is compiled, the iterations print in order
    traced = _answer(tmp_path, "-D", "TRACE_SCALE", "--defines-complete")
    assert traced["pragma"] is None and any("printf" in n for n in traced["notes"]), traced


def test_the_per_loop_column_verifies_with_the_pragma(tmp_path):
    rows = run_verified(tmp_path, {"trace": (KERNEL, MAIN)}, variants=("serial", "engine"))
    got = [p["pragma"] for p in rows["trace"]["engine"]["pragmas"]]
    assert got == [WANT], got
