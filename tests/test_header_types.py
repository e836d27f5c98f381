"""A structure or class defined in a header the file includes is the file's (``#include`` puts
the header's text in the file: C11 6.10.2p3, C++ [cpp.include]).

Before, only a ``typedef`` of a header was read: a tagged ``struct vec {...};`` or a
``class Grid {...};`` there was unknown, so
- C: a loop over ``v->x[i]`` (``struct vec *v``) got no pragma ("the extent is unknown") and
  the plan offloaded nothing, as for a pointer of unknown type;
- C++: a member function defined in the ``.cpp`` of a class declared in its header read the
  members it names bare as variables: ``copyin(a[0:n]) copy(b[1:n-2])``, which leaves ``this``
  unmapped (every such answer fails on a GPU: tests/test_cxx_member_functions.py), and the
  plan left its loops on the host.

Now the answers and the plans read the header's definition, as they read one in the file; the
emulator reads a C++ program's class from its header too (``evaluation/dynamic/build.py``).
Whole programs built with gcc/g++ and run in the data-environment emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import acc_lines, run_programs, run_verified

from accellium.dataset.includes import read_includes
from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

N = 64
VEC_H = """#ifndef VEC_H
#define VEC_H
struct vec { int n; double *x; double *y; };
struct pair { struct vec *a; int m; };
#endif
"""
AXPY = """#include "vec.h"
void axpy(struct vec *v, double a)
{
    for (int i = 0; i < v->n; i++)
        v->y[i] = a * v->x[i] + v->y[i];
    for (int i = 0; i < v->n; i++)
        v->x[i] = v->y[i] * 2;
}
"""
AXPY_MAIN = f"""#include <stdio.h>
#include <stdlib.h>
#include "vec.h"
void axpy(struct vec *v, double a);
int main(void)
{{
    struct vec v = {{{N}, malloc({N} * sizeof(double)), malloc({N} * sizeof(double))}};
    for (int i = 0; i < {N}; i++) {{ v.x[i] = i; v.y[i] = 1; }}
    axpy(&v, 2.0);
    int bad = 0;
    for (int i = 0; i < {N}; i++)
        bad |= v.y[i] != 2.0 * i + 1 || v.x[i] != 2 * v.y[i];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
GRID_H = """#pragma once
class Grid {
public:
    int n;
    double *a, *b;
    Grid(int n);
    void step();
    double sum() const;
};
"""
GRID_CPP = """#include "grid.h"
Grid::Grid(int n) : n(n), a(new double[n]), b(new double[n])
{
    for (int i = 0; i < n; i++) { a[i] = i; b[i] = 0; }
}
void Grid::step()
{
    for (int i = 1; i < n - 1; i++)
        b[i] = 0.5 * (a[i - 1] + a[i + 1]);
    for (int i = 1; i < n - 1; i++)
        a[i] = b[i];
}
double Grid::sum() const
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
"""
GRID_MAIN = f"""#include <cstdio>
#include "grid.h"
int main()
{{
    Grid g({N});
    for (int t = 0; t < 3; t++)
        g.step();
    std::puts(g.sum() == {N * (N - 1) // 2} ? "OK" : "BAD");
    return 0;
}}
"""


def _written(tmp: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        (tmp / name).write_text(body)
    return tmp


def _answers(folder: Path, name: str) -> dict[int, str | None]:
    src = (folder / name).read_bytes()
    lang = "cpp" if name.endswith(".cpp") else "c"
    inc = read_includes(src, folder / name, lang)
    got = annotate_source(src, get_engine("analysis"), path=str(folder / name), includes=inc)
    return {s.line: s.pragma for s in got}


def _plan(folder: Path, name: str) -> str:
    src = (folder / name).read_bytes()
    lang = "cpp" if name.endswith(".cpp") else "c"
    inc = read_includes(src, folder / name, lang)
    plans = offload_source(src, get_engine("analysis"), path=str(folder / name), includes=inc)
    return apply_plans(src, plans).decode()


def test_a_headers_tagged_struct_gives_the_members_kinds(tmp_path):
    folder = _written(tmp_path, {"vec.h": VEC_H, "k.c": AXPY})
    assert _answers(folder, "k.c") == {
        4: "#pragma acc parallel loop copyin(v[0:1], v->x[0:v->n]) copy(v->y[0:v->n])",
        6: "#pragma acc parallel loop copyin(v[0:1], v->y[0:v->n]) copy(v->x[0:v->n])"}
    # a member through a pointer: enter/exit data (gcc 12 crashes on it in a `data` construct)
    assert acc_lines(_plan(folder, "k.c"))[:2] == [
        "#pragma acc enter data copyin(v[0:1])",
        "#pragma acc enter data copyin(v->y[0:v->n], v->x[0:v->n])"]


def test_a_headers_class_gives_a_member_function_its_members(tmp_path):
    folder = _written(tmp_path, {"grid.h": GRID_H, "grid.cpp": GRID_CPP})
    got = _answers(folder, "grid.cpp")
    assert got[8] == ("#pragma acc parallel loop copyin(this[0:1], this->a[0:this->n]) "
                      "copy(this->b[1:this->n-2])")
    assert got[16] == ("#pragma acc parallel loop reduction(+:s) copyin(this[0:1], "
                       "this->a[0:this->n])")
    lines = acc_lines(_plan(folder, "grid.cpp"))
    assert "#pragma acc enter data copyin(this->a[0:this->n]) create(this->b[1:this->n-2])" \
        in lines


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("hdr")
    out = run_verified(tmp / "c", {"axpy": (AXPY, AXPY_MAIN)}, headers={"axpy": {"vec.h": VEC_H}},
                       variants=("engine", "per_loop_clauses", "offload"))
    out.update(run_programs(tmp / "cpp", {"grid": (
        {"grid.h": GRID_H, "grid.cpp": GRID_CPP, "main.cpp": GRID_MAIN}, ["grid.cpp"])},
        variants=("engine", "per_loop_clauses", "offload")))
    return out


@pytest.mark.parametrize("name", ["axpy", "grid"])
def test_the_programs_verify_with_their_loops_offloaded(rows, name):
    row = rows[name]
    moved = {v: row[v]["bytes_h2d"] + row[v]["bytes_d2h"]
             for v in ("engine", "per_loop_clauses", "offload")}
    assert all(m > 0 for m in moved.values()), moved  # each column offloads the loops
    assert moved["offload"] < moved["per_loop_clauses"], moved
