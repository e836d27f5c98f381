"""A C++ array named with its namespace (``grid::A[i]``) is an array access (found by probing
the offload plans): the analysis read only identifiers and members as an access's array, so it
saw no access at all in ``grid::A[i] = grid::A[i] * 0.5 + grid::B[i] * t`` and put ``parallel
loop gang`` on the time loop around two such loops — step t reads what step t - 1 wrote, a
race in every column.  A qualified name denotes one object of namespace or class scope
([basic.lookup.qual]): now it is that array (``analysis.tree.base_name``), the time loop's
carried dependence is seen and the loops inside take the pragmas.

Whole programs (g++, the data-environment emulator)."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.engines import get_engine
from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest

KERNEL = """namespace grid {
const int N = 256;
double A[N];
double B[N];
}

void nsstep(int steps)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < grid::N; i++)
            grid::A[i] = grid::A[i] * 0.5 + grid::B[i] * t;
        for (int i = 0; i < grid::N; i++)
            grid::B[i] = grid::B[i] + grid::A[i];
    }
}
"""
MAIN = """#include <cstdio>
namespace grid { extern const int N; extern double A[]; extern double B[]; }
void nsstep(int steps);
int main()
{
    static double ra[256], rb[256];
    for (int i = 0; i < 256; i++) grid::A[i] = ra[i] = i % 7, grid::B[i] = rb[i] = i % 5;
    for (int t = 0; t < 6; t++) {
        for (int i = 0; i < 256; i++) ra[i] = ra[i] * 0.5 + rb[i] * t;
        for (int i = 0; i < 256; i++) rb[i] = rb[i] + ra[i];
    }
    nsstep(6);
    int bad = 0;
    for (int i = 0; i < 256; i++) bad += grid::A[i] != ra[i] || grid::B[i] != rb[i];
    std::puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_the_time_loop_is_not_parallel():
    time_loop = KERNEL[KERNEL.index("for (int t"):KERNEL.rindex("}\n}")] + "}"
    got = suggest(LoopQuery(code=time_loop, lang="cpp"), get_engine("analysis"), fallback=None)
    assert got.pragma is None or not got.pragma.startswith("#pragma acc parallel"), got.pragma


def test_the_program_verifies(tmp_path):
    run_programs(tmp_path, {"ns": ({"k.cpp": KERNEL, "main.cpp": MAIN}, ["k.cpp"])},
                 variants=("engine", "per_loop_clauses", "offload"))
