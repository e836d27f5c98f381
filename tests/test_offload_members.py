"""Arrays reached through one member of a structure (issue #15): the planner maps the object
first, then the member's section, on the region's ``data`` construct (``copyin(s)
copy(s.x[0:n])`` for a struct variable, ``copyin(v[0:1]) copy(v->x[0:n])`` through a
pointer), the loops inside name only the sections in ``present``, and host code between two
loops that touches the member gets ``update`` lines of the member's section.  Controls: the
loops annotated without the object (no data clause, or the member's section alone) fail in the
emulator, which keeps a host pointer inside the device copy of the structure (exit 98).

Whole programs, built with gcc -fopenacc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 300
STRUCT = "struct vec { int n; double *x; double *y; };\n"

VAR = STRUCT + """
void smooth(struct vec s, int n, double a)
{
    for (int i = 0; i < n; i++)
        s.x[i] = a * s.x[i] + s.y[i];
HOST
    for (int i = 0; i < n; i++)
        s.y[i] = s.x[i] * 2.0 + s.y[i];
}
"""
PTR = STRUCT + """
void pscale(struct vec *v, int n, double a)
{
    for (int i = 0; i < n; i++)
        v->x[i] = a * v->x[i] + v->n;
    for (int i = 0; i < n; i++)
        v->y[i] = v->x[i] + v->y[i];
}
"""
HOST = "    s.x[0] = s.x[0] + s.y[1];\n"
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
""" + STRUCT + """void CALLEE;
int main(void)
{
    int n = NSIZE, bad = 0;
    double a = 0.5;
    struct vec s = { 3, malloc(n * sizeof(double)), malloc(n * sizeof(double)) };
    double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
    for (int i = 0; i < n; i++) {
        s.x[i] = rx[i] = (i % 7) * 0.25;
        s.y[i] = ry[i] = 1.0 + (i % 3);
    }
    CALL;
    for (int i = 0; i < n; i++)
        rx[i] = a * rx[i] + FIRST;
REF
    for (int i = 0; i < n; i++)
        ry[i] = SECOND;
    for (int i = 0; i < n; i++)
        bad += fabs(s.x[i] - rx[i]) > 1e-12 || fabs(s.y[i] - ry[i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _main(callee: str, call: str, first: str, ref: str,
          second: str = "rx[i] * 2.0 + ry[i]") -> str:
    return (MAIN.replace("CALLEE", callee).replace("CALL", call).replace("FIRST", first)
            .replace("REF", ref).replace("SECOND", second).replace("NSIZE", str(N)))


def _var(host: str) -> tuple[str, str]:
    ref = "    rx[0] = rx[0] + ry[1];" if host else ""
    return (VAR.replace("HOST\n", host),
            _main("smooth(struct vec s, int n, double a)", "smooth(s, n, a)", "ry[i]", ref))


PROGRAMS = {
    "member_var": _var(""),
    "member_host": _var(HOST),
    "member_ptr": (PTR, _main("pscale(struct vec *v, int n, double a)", "pscale(&s, n, a)",
                              "s.n", "", "rx[i] + ry[i]")),
}


def _acc(name: str, engine) -> list[str]:
    text, _ = plan_text(PROGRAMS[name][0], engine, program=[PROGRAMS[name][1].encode()])
    return acc_lines(text)


def test_a_struct_variable_is_mapped_before_its_member_sections(engine):
    lines = _acc("member_var", engine)
    assert lines[0] == "#pragma acc data copyin(s) copy(s.x[0:n], s.y[0:n])", lines
    loops = [ln for ln in lines if "parallel" in ln]
    assert len(loops) == 2 and all(ln.endswith(")") and "present(s.x[0:n]" in ln
                                   for ln in loops), loops


def test_a_struct_pointer_is_mapped_as_one_object_before_its_member_sections(engine):
    lines = _acc("member_ptr", engine)
    # enter/exit data: gcc 12 crashes on `v->x[0:n]` in a structured `data` construct
    assert lines[:2] == ["#pragma acc enter data copyin(v[0:1])",
                         "#pragma acc enter data copyin(v->x[0:n], v->y[0:n])"], lines
    assert lines[-2:] == ["#pragma acc exit data copyout(v->x[0:n], v->y[0:n])",
                          "#pragma acc exit data delete(v[0:1])"], lines
    assert sum("parallel" in ln for ln in lines) == 2, lines


def test_host_code_between_the_loops_updates_the_member_section(engine):
    lines = _acc("member_host", engine)
    assert lines[0] == "#pragma acc data copyin(s) copy(s.x[0:n], s.y[0:n])", lines
    # the host reads and writes s.x[0]; it reads s.y[1], which no loop before has written
    assert [ln for ln in lines if "update" in ln] == [
        "#pragma acc update self(s.x[0:1])", "#pragma acc update device(s.x[0:1])"], lines


def test_the_planned_programs_verify_in_the_emulator(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, PROGRAMS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    arrays = 2 * N * 8  # each member array in and out once
    assert all(v >= 2 * arrays for v in moved.values()), moved


@pytest.mark.parametrize("pragma", [
    "#pragma acc parallel loop",  # the structure copied with its host pointers
    "#pragma acc parallel loop copy(s.x[0:n], s.y[0:n])",  # the members without the object
])
def test_the_loops_without_the_object_fail_in_the_emulator(tmp_path, pragma):
    kernel = PROGRAMS["member_var"][0].replace("    for (int i", f"    {pragma}\n    for (int i")
    res = evaluate_dynamic(write_suite(tmp_path, {"control": (kernel, PROGRAMS["member_var"][1])}),
                           None, runs=1, with_mutations=False)
    row = res["programs"][0]["original"]
    assert row["status"] != "verified", row


@pytest.mark.parametrize("name,obj", [("member_var", "copyin(s) "),
                                      ("member_host", "copyin(s) "),
                                      ("member_ptr", "#pragma acc enter data copyin(v[0:1])")])
def test_the_plan_without_its_object_clause_fails_in_the_emulator(tmp_path, name, obj, engine):
    text, _ = plan_text(PROGRAMS[name][0], engine, program=[PROGRAMS[name][1].encode()])
    assert obj in text
    res = evaluate_dynamic(write_suite(tmp_path, {name: (text, PROGRAMS[name][1])}), None,
                           runs=1, with_mutations=False)
    assert res["programs"][0]["original"]["status"] == "verified", res["programs"][0]
    res = evaluate_dynamic(write_suite(tmp_path / "without", {
        name: (text.replace(obj, ""), PROGRAMS[name][1])}), None, runs=1, with_mutations=False)
    row = res["programs"][0]["original"]
    assert row["status"] != "verified", row


CALLER = PTR.replace("void pscale", "static void pscale") + """
void run(struct vec *v, int n, int steps, double *w)
{
    for (int t = 0; t < steps; t++) {
        pscale(v, n, 0.5);
        for (int i = 0; i < n; i++)
            w[i] = w[i] + 1.0;
    }
}
"""


def test_a_caller_does_not_hoist_over_a_function_that_maps_a_member_array(engine):
    _, plans = plan_text(CALLER, engine)
    assert "#pragma acc enter data copyin(v->x[0:n], v->y[0:n])" in \
        [e.lines[0].strip() for e in plans["pscale"].edits]
    assert any("its loops use the member array `v->x` (mapped with its object by `pscale`"
               in n for n in plans["run"].notes), plans["run"].notes


READ = STRUCT + """
void twice(struct vec s, int n, double *out)
{
    for (int i = 0; i < n; i++)
        out[i] = s.x[i] * 2.0;
    for (int i = 0; i < n; i++)
        out[i] = out[i] + s.x[i];
}
"""
READ_MAIN = """#include <stdio.h>
#include <stdlib.h>
""" + STRUCT + """void twice(struct vec s, int n, double *out);
int main(void)
{
    int n = NSIZE, bad = 0;
    struct vec s = { 0, malloc(n * sizeof(double)), 0 };
    double *o = malloc(n * sizeof *o);
    for (int i = 0; i < n; i++)
        s.x[i] = i;
    twice(s, n, o);
    for (int i = 0; i < n; i++)
        bad += o[i] != 3.0 * i;
    puts(bad ? "BAD" : "OK");
    return 0;
}
""".replace("NSIZE", str(N))


def test_a_member_only_read_is_copied_in_after_its_object_in_one_clause(tmp_path, engine):
    text, _ = plan_text(READ, engine, program=[READ_MAIN.encode()])
    assert acc_lines(text)[0] == "#pragma acc data copyin(s, s.x[0:n]) copyout(out[0:n])"
    res = evaluate_dynamic(write_suite(tmp_path, {"member_read": (READ, READ_MAIN)}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert moved["member_read"] >= 2 * N * 8, moved  # s.x in, out back
