"""A function a header declares after ``#pragma acc routine seq`` has a device version: a
routine directive applies to the function the declaration after it names (OpenACC 3.3,
2.15.1), and every file that includes the header — the one defining the function too — sees
it.  Before, only the loop's own file was searched for routine directives, so a loop calling
such a function got no pragma ("no device version here").  The dynamic evaluation's own
check (a compute region calling a function that is no acc routine fails to link) missed it
too: it read file-scope declarations only outside conditional groups, and a header's
declarations sit inside its include guard.  Whole program, built with real gcc and run in the
emulator.

Twin ``plain``: the header declares the function without the directive; the loop still gets
no compute construct (its GPU build would not link)."""

from __future__ import annotations

from _offload_util import run_verified

HEADER = """#ifndef FUNC_H
#define FUNC_H
#pragma acc routine seq
int mix(int a, int b);
#endif
"""
KERNEL = """#include "func.h"
void combine(const int *a, const int *b, int *c, int n)
{
    for (int i = 0; i < n; i++)
        c[i] = mix(a[i], b[i]);
}
"""
MAIN = """#include <stdio.h>
#include "func.h"
void combine(const int *a, const int *b, int *c, int n);
int mix(int a, int b) { return 3 * a + b; }
int main(void)
{
    int a[100], b[100], c[100], bad = 0;
    for (int i = 0; i < 100; i++) { a[i] = i; b[i] = 100 - i; }
    combine(a, b, c, 100);
    for (int i = 0; i < 100; i++)
        bad += c[i] != 2 * i + 100;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_routine_declared_in_a_header_lets_the_loop_offload(tmp_path):
    plain = HEADER.replace("#pragma acc routine seq\n", "")
    by = run_verified(tmp_path, {"routine": (KERNEL, MAIN), "plain": (KERNEL, MAIN)},
                      variants=("serial", "engine"),
                      headers={"routine": {"func.h": HEADER}, "plain": {"func.h": plain}})
    line = KERNEL[:KERNEL.index("for (int i")].count("\n") + 1
    pragmas = {q["line"]: q["pragma"] for q in by["routine"]["engine"]["pragmas"]}
    assert (pragmas.get(line) or "").startswith("#pragma acc parallel loop"), pragmas
    twin = {q["line"]: q["pragma"] for q in by["plain"]["engine"]["pragmas"]}
    assert not twin.get(line), twin
