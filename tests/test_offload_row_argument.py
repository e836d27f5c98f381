"""A row of a 2-D array passed to a function (``pick(n, d, best[t])``) is a pointer to the
row's first element (C11 6.3.2.1p3): the callee may write the row.  Host code between two
offloaded loops that passes rows so was read as reading one element, so a row the callee wrote
on the host got no ``update device`` and the next offloaded loop read the device's stale copy.
Proven on a whole program in the data-environment emulator (gcc -fopenacc)."""

from __future__ import annotations

from pathlib import Path

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines.analysis import AnalysisEngine

KERNEL = """#include <stdio.h>
#define K 4
static void pick(int n, const double *d, double *row)
{
    for (int k = 0; k < K; k++) {
        row[k] = d[(k * 7) % n] + 1.0;
        if (row[k] < -1e300) printf("odd\\n");
    }
}

void run(int n, const double *x, double *d, double best[][K], double *out)
{
    for (int i = 0; i < n; i++) {
        d[i] = 2.0 * x[i];
        best[i][0] = 0.0;
    }
    for (int t = 0; t < n; t++)
        pick(n, d, best[t]);
    for (int t = 0; t < n; t++)
        out[t] = best[t][0] + best[t][1] + best[t][2] + best[t][3] + d[t];
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
#define K 4
void run(int n, const double *x, double *d, double best[][K], double *out);
int main(void)
{
    int n = 3000, bad = 0;
    double *x = malloc(n * sizeof *x), *d = malloc(n * sizeof *d), *out = malloc(n * sizeof *out);
    double (*best)[K] = malloc(n * sizeof *best);
    for (int i = 0; i < n; i++) x[i] = i % 13;
    for (int t = 0; t < n; t++) for (int k = 0; k < K; k++) best[t][k] = -1.0;
    run(n, x, d, best, out);
    for (int t = 0; t < n; t++) {
        double s = 2.0 * x[t];
        for (int k = 0; k < K; k++) s += 2.0 * x[(k * 7) % n] + 1.0;
        bad += out[t] != s;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_row_written_by_a_host_call_is_pushed_before_the_device_reads_it(tmp_path: Path):
    text, _ = plan_text(KERNEL, AnalysisEngine())
    lines = acc_lines(text)
    assert "#pragma acc update device(best[0:n][0:K])" in lines, lines
    run_verified(tmp_path, {"rows": (KERNEL, MAIN)}, variants=("offload",))


def test_an_element_passed_by_value_is_a_read():
    # the twin: the host code passes an element's value; nothing to push for `best`
    kernel = KERNEL.replace("        pick(n, d, best[t]);\n",
                            "        d[t] = d[t] + (best[t][0] < -1e300 ? printf(\"odd\\n\") : 0);\n")
    text, _ = plan_text(kernel, AnalysisEngine())
    assert not any(a.startswith("#pragma acc update device(best") for a in acc_lines(text)), \
        acc_lines(text)
