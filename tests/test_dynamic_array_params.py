"""A parameter declared as an array is a pointer (C11 6.7.6.3p7): named bare in a data clause
(``present(u)``), the clause names the pointer, not the array it points to.  gcc maps only the
pointer, and on an NVIDIA GPU ``present(u)`` aborts ("present clause: !acc_is_present (...,
8)", seen with a suite program's pragmas); the emulator used to map the declared extent
instead, so those pragmas verified in emulation and failed on the GPU.  Now the emulator
treats the name as the pointer too, and a section (``u[0:N]``) maps the array.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#define N 64
static void scale(double u[N][N], double s)
{
    #pragma acc parallel loop collapse(2) %s
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            u[i][j] *= s;
}
void run(double u[N][N])
{
    #pragma acc data copy(u[0:N][0:N])
    {
        scale(u, 2.0);
        scale(u, 0.5);
        scale(u, 3.0);
    }
}
"""
MAIN = """#include <stdio.h>
#define N 64
void run(double u[N][N]);
int main(void)
{
    static double u[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            u[i][j] = i + j;
    run(u);
    int bad = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            bad += u[i][j] != 3.0 * (i + j);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_bare_array_parameter_in_present_is_the_pointer_and_a_section_is_the_array(tmp_path):
    manifest = write_suite(tmp_path, {"bare": (KERNEL % "present(u)", MAIN),
                                      "section": (KERNEL % "present(u[0:N])", MAIN)})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    rows = {r["name"]: r["original"] for r in res["programs"]}
    assert rows["bare"]["status"] == "present-abort", rows["bare"]
    assert "'u' is not on the device" in rows["bare"]["reason"]
    assert rows["section"]["status"] == "verified", rows["section"]
    # the array goes in and out once: the region's copy, nothing per call
    assert rows["section"]["bytes_h2d"] == rows["section"]["bytes_d2h"] == 64 * 64 * 8
