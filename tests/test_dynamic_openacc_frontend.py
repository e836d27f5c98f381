"""The dynamic evaluation shows the sources a tool wrote to gcc's own OpenACC compiler
(``evaluation/dynamic/build.openacc_rejected``) before the emulation runs them.

The emulation translates the pragmas into calls of its runtime and never hands them to gcc,
so a program gcc refuses to build with ``-fopenacc`` could verify there: a routine that names
a variable of file scope no ``declare`` directive puts on the device ("'coef' requires a
'declare' directive for use in a 'routine' function", OpenACC 3.3, 2.15.1) ran on host memory
and verified.  Now such a variant fails to compile, with gcc's reason; the same file with the
``declare`` line, and the authors' own sources (nothing replaced), build and run as before.
"""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.build import openacc_rejected
from accellium.evaluation.dynamic.manifest import load_manifest
from accellium.evaluation.dynamic.variants import RunConfig, run_variant

KERNEL = """static double coef[16];
void init_coef(void)
{
    for (int k = 0; k < 16; k++)
        coef[k] = 1.0 / (k + 1);
}
#pragma acc routine seq
static double w(int k) { return coef[k & 15]; }
void apply(int n, double *restrict a, const double *restrict b)
{
#pragma acc parallel loop copyin(b[0:n]) copyout(a[0:n])
    for (int i = 0; i < n; i++)
        a[i] = w(i) * b[i];
}
"""
DECLARED = KERNEL.replace("#pragma acc routine seq",
                          "#pragma acc declare create(coef)\n#pragma acc routine seq").replace(
    "        coef[k] = 1.0 / (k + 1);\n}", "        coef[k] = 1.0 / (k + 1);\n"
    "#pragma acc update device(coef)\n}")
MAIN = """#include <stdio.h>
#include <math.h>
void init_coef(void);
void apply(int n, double *restrict a, const double *restrict b);
int main(void)
{
    enum { N = 500 };
    static double a[N], b[N];
    for (int i = 0; i < N; i++) b[i] = i;
    init_coef();
    apply(N, a, b);
    for (int i = 0; i < N; i++)
        if (fabs(a[i] - b[i] / ((i & 15) + 1)) > 1e-12) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_a_variant_gcc_rejects_does_not_compile(tmp_path):
    folder, progs = load_manifest(write_suite(tmp_path / "suite", {"routine": (DECLARED, MAIN)}))
    prog = progs[0]
    src = folder / "programs" / "routine"
    cfg = RunConfig(threads=2, runs=1)
    bad = run_variant("engine", prog, src, tmp_path / "w1", {"kernel.c": KERNEL.encode()}, cfg)
    assert bad.status == "compile", (bad.status, bad.reason)
    assert "gcc -fopenacc rejects it" in bad.reason and "declare" in bad.reason, bad.reason
    good = run_variant("engine", prog, src, tmp_path / "w2", {"kernel.c": DECLARED.encode()},
                       cfg)
    assert good.status == "verified", (good.status, good.reason)
    own = run_variant("original", prog, src, tmp_path / "w3", {}, cfg)
    assert own.status == "verified", (own.status, own.reason)


def test_the_check_names_gcc_s_reason(tmp_path):
    folder, progs = load_manifest(write_suite(tmp_path / "suite", {"routine": (DECLARED, MAIN)}))
    src = folder / "programs" / "routine"
    log = openacc_rejected(progs[0], src, tmp_path / "acc", {"kernel.c": KERNEL.encode()})
    assert log is not None and "requires a 'declare' directive" in log.replace("‘", "'").replace(
        "’", "'"), log
    assert openacc_rejected(progs[0], src, tmp_path / "acc", {"kernel.c": DECLARED.encode()}) \
        is None
    assert not (tmp_path / "acc").exists()
