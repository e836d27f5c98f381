"""The index of a ``loop seq`` nested in a ``loop vector`` is each lane's own, also when an
enclosing gang loop names it in ``private`` (OpenACC 3.3 2.6.1: the loop variable of a loop
with a loop directive is private to each thread that runs the loop).  The emulator gave the
lanes of a gang the gang's private copy, so they shared the inner index and the authors'
correct program (a lavaMD-like box kernel) failed its check.  (Races on shared scalars are
still caught: ``test_dynamic.py``'s missing-reduction and shared-scratch programs.)"""

from __future__ import annotations

import subprocess

from test_dynamic import _suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void boxes(int nb, int np, const double *x, double *f)
{
    int i, j, k, other;
    #pragma acc parallel loop gang private(i, j, k, other) copyin(x[0:nb*np]) copy(f[0:nb*np])
    for (int b = 0; b < nb; b++) {
        #pragma acc loop seq
        for (k = 0; k < 2; k++) {
            other = (b + k) % nb;
            #pragma acc loop vector
            for (i = 0; i < np; i++) {
                #pragma acc loop seq
                for (j = 0; j < np; j++)
                    f[b * np + i] += x[b * np + i] * x[other * np + j];
            }
        }
    }
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
void boxes(int nb, int np, const double *x, double *f);
int main(void)
{
    enum { NB = 16, NP = 100 };
    static double x[NB * NP], f[NB * NP];
    int bad = 0;
    for (int p = 0; p < NB * NP; p++) { x[p] = (p % 7) * 0.5; f[p] = 1.0; }
    boxes(NB, NP, x, f);
    for (int b = 0; b < NB; b++)
        for (int i = 0; i < NP; i++) {
            double s = 1.0;
            for (int k = 0; k < 2; k++)
                for (int j = 0; j < NP; j++) s += x[b * NP + i] * x[((b + k) % NB) * NP + j];
            bad += fabs(f[b * NP + i] - s) > 1e-9;
        }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_seq_loop_index_named_private_by_the_gang_loop_is_each_lanes_own(tmp_path):
    # gcc agrees the program is right (host fallback)
    exe = tmp_path / "a.out"
    (tmp_path / "k.c").write_text(KERNEL)
    (tmp_path / "main.c").write_text(MAIN)
    subprocess.run(["gcc", "-O1", "-fopenacc", "-foffload=disable", str(tmp_path / "k.c"), str(tmp_path / "main.c"),
                    "-o", str(exe), "-lm"], check=True, capture_output=True, timeout=120)
    assert subprocess.run([str(exe)], capture_output=True, text=True,
                          timeout=60).stdout.strip() == "OK"
    man = _suite(tmp_path / "suite", {"boxes": {"k.c": KERNEL, "main.c": MAIN}})
    r = evaluate_dynamic(man, None, threads=2, runs=2, with_mutations=False)
    row = r["programs"][0]
    assert row["original"]["status"] == "verified", row["original"]
