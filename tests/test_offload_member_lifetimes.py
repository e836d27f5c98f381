"""A region over member arrays that needs ``enter``/``exit data`` (it declares a name used
after it) enters the arrays' objects first and lets them go last.

A member's section attaches to its object's device copy (OpenACC 3.3, 2.7.2), so the object
must be present when the member's ``enter data`` runs: ``#pragma acc enter data
copyin(v[0:1])`` on its own line above the members' ``enter data``, and ``exit data
delete(v[0:1])`` below their ``exit data``.  Before, such a region kept its loops on the host
("a member array needs its object mapped first on the region's `data` construct") — a member
function computing a value between its loops and returning it stayed on the host whole.  The
same plans without the object lines fail in the emulator ("pointer 'this' used in a compute
region points to host memory").  Whole programs built with gcc/g++, run in the emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_programs, write_programs

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

N = 64
C_STRUCT = f"""#include <stdio.h>
#include <stdlib.h>
struct vec {{ int n; double *x; double *y; }};
double step(struct vec *v)
{{
    for (int i = 0; i < v->n; i++)
        v->y[i] = 2 * v->x[i];
    double s = v->y[3];
    for (int i = 0; i < v->n; i++)
        v->x[i] = v->y[i] + s;
    return s;
}}
int main(void)
{{
    struct vec v = {{{N}, malloc({N} * sizeof(double)), malloc({N} * sizeof(double))}};
    for (int i = 0; i < {N}; i++)
        v.x[i] = i;
    double s = step(&v);
    int bad = s != 6;
    for (int i = 0; i < {N}; i++)
        bad |= v.x[i] != 2 * i + 6;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
CXX_CLASS = f"""#include <cstdio>
class Grid {{
public:
    int n;
    double *a, *b;
    Grid(int n) : n(n), a(new double[n]), b(new double[n]) {{}}
    double step();
}};
double Grid::step()
{{
    for (int i = 0; i < n; i++)
        b[i] = 2 * a[i];
    double s = b[3];
    for (int i = 0; i < n; i++)
        a[i] = b[i] + s;
    return s;
}}
int main()
{{
    Grid g({N});
    for (int i = 0; i < {N}; i++)
        g.a[i] = i;
    double s = g.step();
    int bad = s != 6;
    for (int i = 0; i < {N}; i++)
        bad |= g.a[i] != 2 * i + 6;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
#: program -> (file, function, the object's clause argument)
CASES = {"c_struct": ("prog.c", "step", "v[0:1]"),
         "cxx_class": ("prog.cpp", "Grid::step", "this[0:1]")}
SOURCES = {"c_struct": C_STRUCT, "cxx_class": CXX_CLASS}


def _planned(name: str) -> str:
    path, function, _ = CASES[name]
    return plan_text(SOURCES[name], get_engine("analysis"), path=path, function=function)[0]


def test_the_objects_enter_first_and_leave_last():
    for name, (_, _, obj) in CASES.items():
        lines = acc_lines(_planned(name))
        enters = [k for k, ln in enumerate(lines) if ln.startswith("#pragma acc enter data")]
        exits = [k for k, ln in enumerate(lines) if ln.startswith("#pragma acc exit data")]
        assert len(enters) == 2 and len(exits) == 2, lines
        assert lines[enters[0]] == f"#pragma acc enter data copyin({obj})", lines
        assert lines[exits[1]] == f"#pragma acc exit data delete({obj})", lines
        assert any(ln.startswith("#pragma acc update self(") for ln in lines), lines


def test_the_plans_verify_and_fail_without_their_objects(tmp_path):
    rows = run_programs(tmp_path / "run", {
        name: ({CASES[name][0]: src}, [CASES[name][0]]) for name, src in SOURCES.items()},
        variants=("offload",))
    for name, row in rows.items():
        assert row["offload"]["bytes_h2d"] > 0, (name, row["offload"])
    bare = {}
    for name, (path, _, obj) in CASES.items():
        text = "\n".join(ln for ln in _planned(name).splitlines()
                         if f"copyin({obj})" not in ln and f"delete({obj})" not in ln) + "\n"
        bare[name] = ({path: text}, [path])
    res = evaluate_dynamic(write_programs(tmp_path / "bare", bare, wrong=set(bare)), None,
                           runs=1, with_mutations=False)
    for r in res["programs"]:
        assert r["original"]["status"] == "data", (r["name"], r["original"])
