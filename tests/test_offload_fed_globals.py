"""A function that generates file-scope arrays from indices joins its caller's region when
device code there reads them: the arrays are created on the device, never copied in.

``init()`` fills the file's arrays ``a`` and ``p`` whole from their indices and ``run()`` then
calls ``step()`` twice, which reads both on the device.  Planned alone, ``init``'s loop stays on
the host (:mod:`accellium.dataset.offload.generate`: on its own it would only copy what it
computes back), and its caller was offered its device plan only when the call *passes* the
arrays it writes: a call that reaches file-scope arrays by name, ``init()``, was never taken,
because the check read the structured region's clauses only and a region of a function
holding calls of other functions maps file-scope arrays with ``enter data``/``exit data``.  An
``enter data create`` puts the array on the device without copying it in as the ``create``
clause does (OpenACC 3.3, 2.7.5, 2.14.6): ``init``'s loop runs on the device and the arrays it
writes whole are created there.

Twin ``partial``: ``init`` fills only rows ``1..N-1``; the arrays are not written whole, so they
are copied in as before and ``init`` stays on the host.  Whole programs, built with real gcc
and run in the emulator."""

from __future__ import annotations

from _offload_util import run_verified

N = 64
KERNEL = f"""#define N {N}
static float a[N][N], p[N][N];

static void init(void)
{{
    for (int i = FIRST; i < N; i++)
        for (int j = 0; j < N; j++) {{
            a[i][j] = 1.0f / (i + j + 1);
            p[i][j] = (float)(i * j) / (N * N);
        }}
}}

static float step(int iters)
{{
    float g = 0.0f;
    for (int n = 0; n < iters; n++) {{
        g = 0.0f;
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                g += a[i][j] * (p[i + 1][j] + p[i - 1][j] + p[i][j + 1] + p[i][j - 1]);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                p[i][j] = 0.5f * p[i][j] + 0.25f * a[i][j];
    }}
    return g;
}}

float run(float *corner)
{{
    init();
    float g = step(3);
    g += step(2);
    *corner = p[N - 1][N - 1];
    return g;
}}
"""
MAIN = """#include <math.h>
#include <stdio.h>
float run(float *corner);
int main(void)
{
    float corner;
    float g = run(&corner);
    puts(fabs(g - G) <= 1e-4 * G && fabs(corner - C) <= 1e-6 ? "OK" : "BAD");
    return 0;
}
"""


def test_a_generator_of_file_arrays_feeds_its_callers_region(tmp_path):
    whole = (KERNEL.replace("FIRST", "0"),
             MAIN.replace("G", "24.49193").replace("C", "3.409504e-02"))
    partial = (KERNEL.replace("FIRST", "1"),
               MAIN.replace("G", "24.08324").replace("C", "3.409504e-02"))
    rows = run_verified(tmp_path, {"whole": whole, "partial": partial},
                        variants=("serial", "offload"))
    plans = {p["function"]: p for p in rows["whole"]["offload"]["plans"]}
    assert plans["init"]["loops"], plans["init"]["notes"]
    sums = 4 * (3 + 2)  # the reduction's float of each sweep (firstprivate in, result out)
    assert rows["whole"]["offload"]["bytes_h2d"] == sums, rows["whole"]["offload"]
    kept = {p["function"]: p for p in rows["partial"]["offload"]["plans"]}
    assert not kept["init"]["loops"], kept["init"]["notes"]
    assert rows["partial"]["offload"]["bytes_h2d"] == 2 * N * N * 4 + sums, \
        rows["partial"]["offload"]
