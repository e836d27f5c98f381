"""A function the plan would compile for the device (``#pragma acc routine seq``) that names a
variable of file scope: OpenACC lets a routine name one only when a ``declare`` directive puts
it on the device (OpenACC 3.3, 2.15.1), and gcc refuses the file otherwise ("'coef' requires a
'declare' directive for use in a 'routine' function") — for a ``static const`` table too.

Before, the plan put ``routine seq`` above ``w`` and ``parallel loop`` on the loop calling it:
the program no longer built with ``-fopenacc`` (the data-environment emulator, which runs
called functions on host memory, did not see it).  Now the loop stays on the host with a
note that says which declaration needs the ``declare`` (``dataset/offload/routines.
file_variables``); a file that declares it keeps the routine, and a helper that names only
its parameters is offloaded as before.

Proven with real gcc: the planned program builds for the GPU (nvptx offloading) and runs.
"""

from __future__ import annotations

import pytest
from _offload_util import gpu_build, plan_text, run_built

from accellium.server.engines import get_engine

KERNEL = """static const double scale = 0.5;
static double coef[16];
static double w(int k) { return scale * coef[k & 15]; }
void init_coef(void)
{
    for (int k = 0; k < 16; k++)
        coef[k] = 1.0 / (k + 1);
}
void apply(int n, double *restrict a, const double *restrict b)
{
    for (int i = 0; i < n; i++)
        a[i] = w(i) * b[i];
}
"""
MAIN = """#include <stdio.h>
#include <math.h>
void init_coef(void);
void apply(int n, double *restrict a, const double *restrict b);
int main(void)
{
    enum { N = 2000 };
    static double a[N], b[N];
    for (int i = 0; i < N; i++) b[i] = i;
    init_coef();
    apply(N, a, b);
    for (int i = 0; i < N; i++)
        if (fabs(a[i] - 0.5 * b[i] / ((i & 15) + 1)) > 1e-12) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_the_loop_stays_on_the_host_with_the_reason():
    text, plans = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    assert "routine" not in text and "parallel loop" not in text, text
    notes = " ".join(plans["apply"].notes)
    assert "`scale`" in notes and "declare copyin(scale)" in notes, notes


def test_a_declared_variable_and_a_helper_of_its_parameters_keep_the_routine():
    declared = KERNEL.replace("static double w(int k)",
                              "#pragma acc declare copyin(scale, coef)\nstatic double w(int k)")
    text, _ = plan_text(declared, get_engine("analysis"), program=[MAIN.encode()])
    assert "#pragma acc routine seq" in text and "parallel loop" in text, text
    own = KERNEL.replace("return scale * coef[k & 15];", "return 0.5 / ((k & 15) + 1);")
    text, _ = plan_text(own, get_engine("analysis"), program=[MAIN.encode()])
    assert "#pragma acc routine seq" in text and "parallel loop" in text, text


@pytest.mark.parametrize("helper", ["coef", "own"])
def test_the_planned_program_builds_for_the_gpu_and_runs(tmp_path, helper):
    kernel = KERNEL if helper == "coef" else \
        KERNEL.replace("return scale * coef[k & 15];", "return 0.5 / ((k & 15) + 1);")
    text, _ = plan_text(kernel, get_engine("analysis"), program=[MAIN.encode()])
    built = gpu_build(tmp_path, {"kernel.c": text, "main.c": MAIN})
    assert built.returncode == 0, built.stderr
    ran = run_built(tmp_path)
    assert ran.returncode == 0 and ran.stdout.strip() == "OK", (ran.stdout, ran.stderr)
