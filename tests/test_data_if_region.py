"""A data region with an ``if`` clause shows no array present (found by probing code that
already carries OpenACC).

``#pragma acc data copyin(a[0:n]) copyout(b[0:n]) if(use_gpu)`` maps nothing when
``use_gpu`` is false (OpenACC 3.3, 2.6.5): the analysis engine answered the loop inside it
with ``parallel loop present(a[0:n], b[0:n])`` (a present check that aborts on a GPU) and
``auto`` with ``parallel loop independent`` and no data clause (host addresses on the device)
— both took the region for a mapping of its arrays.  Now the region's arrays count as mapped
only where it has no ``if`` clause (``dataset/analysis/context.py`` ``_named_arrays``): the
loop gets copy clauses, right either way (in an active region they find the arrays present
and copy nothing, 2.7.1).

Whole program: both engines' answers applied to the file as it stands (the region kept),
built with gcc -fopenacc and run in the data-environment emulator with the condition false
and true.
"""

from __future__ import annotations

from _offload_util import run_as_written

from accellium.server.annotate import annotate_source, apply_edits
from accellium.server.engines import get_engine

KERNEL = """void work(int n, int use_gpu, const double *a, double *b)
{
    #pragma acc data copyin(a[0:n]) copyout(b[0:n]) if(use_gpu)
    {
        for (int i = 0; i < n; i++)
            b[i] = a[i] + 1.0;
    }
}
"""
MAIN = """#include <stdio.h>
void work(int n, int use_gpu, const double *a, double *b);
int main(void)
{
    enum { N = 1000 };
    static double a[N], b[N];
    int bad = 0;
    for (int i = 0; i < N; i++) a[i] = i;
    for (int use_gpu = 0; use_gpu < 2; use_gpu++) {
        for (int i = 0; i < N; i++) b[i] = -1.0;
        work(N, use_gpu, a, b);
        for (int i = 0; i < N; i++) bad += b[i] != i + 1.0;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_conditional_region_maps_nothing_for_the_loop(tmp_path):
    src = KERNEL.encode()
    for engine in ("analysis", "auto"):
        new, applied = apply_edits(src, annotate_source(src, get_engine(engine), path="k.c",
                                                        lang="c"))
        assert len(applied) == 1, (engine, applied)
        pragma = applied[0].pragma or ""
        assert "present" not in pragma and "copyin(a[0:n])" in pragma.replace(" ", "") and \
            "copyout(b[0:n])" in pragma.replace(" ", ""), (engine, pragma)
        run_as_written(tmp_path / engine, {"p": {"kernel.c": new.decode(), "main.c": MAIN}})
