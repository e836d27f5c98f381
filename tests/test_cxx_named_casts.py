"""C++'s named casts convert a value and call nothing: ``static_cast<T>(e)``,
``const_cast<T>(e)``, ``reinterpret_cast<T>(e)`` are ``e`` converted ([expr.static.cast],
[expr.const.cast], [expr.reinterpret.cast]), as a C cast ``(T)e`` is.  The grammar reads them
as calls of a template, so the analysis took ``out[static_cast<int>(i)]`` for an element chosen
by a call's result ("not proved to differ between iterations": no pragma) and noted a call of
``static_cast<int>`` needing ``#pragma acc routine seq``.  Now the operand is read through the
cast (``dataset/analysis/tree.named_cast_operand``); ``dynamic_cast``, which checks the object
at run time, stays a call.  Whole programs built with g++, run in the emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """void scale(const float *p, double *out, long n)
{
    for (long i = 0; i < n; i++)
        out[static_cast<int>(i)] = static_cast<double>(p[i]) * 2 + static_cast<int>(n);
}
"""
MAIN = """#include <cstdio>
int main()
{
    float p[64];
    double out[64];
    for (int i = 0; i < 64; i++)
        p[i] = i;
    scale(p, out, 64);
    int bad = 0;
    for (int i = 0; i < 64; i++)
        bad |= out[i] != 2.0 * i + 64;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_named_cast_is_its_operand():
    got = annotate_source(KERNEL.encode(), get_engine("analysis"), path="k.cpp")[0]
    assert got.pragma == "#pragma acc parallel loop copyin(p[0:n]) copyout(out[0:n])", got.notes
    assert not any("static_cast" in n for n in got.notes), got.notes


def test_the_program_verifies(tmp_path):
    rows = run_programs(tmp_path, {"cast": ({"prog.cpp": KERNEL + MAIN}, ["prog.cpp"])},
                        variants=("engine", "offload"))
    assert rows["cast"]["engine"]["bytes_h2d"] > 0
