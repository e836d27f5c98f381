"""A caller's region around calls of another file's function names its sections as the
caller's translation unit sees them (issue #15, docs/offload.md item 10).

``kernel.c`` defines ``#define N 512`` and ``smooth(a)`` looping to ``N``; ``main.c`` calls it
in a loop of steps (``run``, on a parameter: the section is the callee's, ``a[0:N]``).  The
callers' planner copied the callee's section text into ``main.c``'s clause, ``copy(a[0:N])``,
and ``main.c`` — which does not define ``N`` — did not compile: a macro name is replaced only
after its definition in the same translation unit (C11 6.10.3), and a clause's section is an
expression of the construct's own scope (OpenACC 3.3, 2.7.1).  Now the caller writes the
macro's value, ``copy(a[0:512])``, and the program verifies.

Twins: ``main.c`` defines ``N`` the same way (the clause keeps ``a[0:N]``); ``main.c``
defines ``N`` as 256 for its own use (the clause must not mean the caller's ``N``: it writes
512, and the callee's "present or copy" clause finds all of ``a`` present); the callee's
``N`` is ``(512 + 0 * sizeof(int))``, whose value the planner does not compute (``sizeof``:
the implementation's size), and ``main.c`` has no ``N``
(the call joins no region; the callee's own clauses move the data).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, run_verified

from accellium.evaluation.dynamic.offload import annotate_with_plan
from accellium.server.engines import get_engine

KERNEL = """#define N NVALUE
void smooth(double *a)
{
    for (int i = 0; i < N; i++)
        a[i] = a[i] * 0.5 + 1.0;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
MACRO
void smooth(double *a);
void run(double *a, int steps)
{
    for (int t = 0; t < steps; t++)
        smooth(a);
}
int main(void)
{
    double *a = malloc(512 * sizeof *a), *r = malloc(512 * sizeof *r);
    int steps = STEPS, bad = 0;
    for (int i = 0; i < 512; i++) a[i] = r[i] = i % 7;
    run(a, steps);
    for (int t = 0; t < steps; t++)
        for (int i = 0; i < 512; i++) r[i] = r[i] * 0.5 + 1.0;
    for (int i = 0; i < 512; i++) bad += a[i] != r[i];
    puts(bad ? "BAD" : "OK");
    free(a); free(r);
    return 0;
}
"""
#: the caller's own ``N`` (none, the callee's, another), its use, the callee's body of ``N``
CASES = {"missing": ("", "10", "512"),
         "same": ("#define N 512", "N / 50", "512"),
         "different": ("#define N 256", "N / 25", "512"),
         "not_constant": ("", "10", "(512 + 0 * sizeof(int))")}


def _program(case: str) -> tuple[str, str]:
    macro, steps, value = CASES[case]
    return (KERNEL.replace("NVALUE", value),
            MAIN.replace("MACRO", macro).replace("STEPS", steps))


def _caller_data_lines(case: str) -> list[str]:
    kernel, main = _program(case)
    out, _, errors = annotate_with_plan({"kernel.c": kernel.encode()}, get_engine("analysis"),
                                        program={"kernel.c": kernel.encode(),
                                                 "main.c": main.encode()})
    assert not errors, errors
    return [a for a in acc_lines(out.get("main.c", main.encode()).decode())
            if a.startswith("#pragma acc data")]


def test_a_callers_clause_spells_the_callees_macro_as_its_own_file_sees_it(tmp_path):
    assert _caller_data_lines("missing") == ["#pragma acc data copy(a[0:512])"]
    assert _caller_data_lines("same") == ["#pragma acc data copy(a[0:N])"]
    assert _caller_data_lines("different") == ["#pragma acc data copy(a[0:512])"]
    assert _caller_data_lines("not_constant") == []
    rows = run_verified(tmp_path, {case: _program(case) for case in CASES})
    for case in ("missing", "same", "different"):
        regions = [p for p in rows[case]["offload"]["plans"]
                   if p["file"] == "main.c" and p["function"] == "run"]
        assert regions and regions[0]["regions"], (case, rows[case]["offload"]["plans"])
