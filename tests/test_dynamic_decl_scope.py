"""The translator's free names of a compute region: a declared name is in scope just after its
declarator (C11 6.2.1p7), so the later declarators of the same declaration, and the
declarator's own initializer, see it.  ``int c = i % 7, d = c + 1;`` in a loop body: the walk
took every initializer before any declared name, so ``c`` in ``d``'s initializer counted as a
name from outside the loop, the region was given an outer ``c`` to map, and the program did
not compile ("'c' undeclared") with any pragmas, the authors' own included.

Twin: ``int d = k + 1, k = 2;`` reads the function's ``k`` (the inner one is declared only
after): it stays a name from outside and must still reach the region.

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void scale(int n, int k, const double *a, double *b)
{
    #pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])
    for (int i = 0; i < n; i++) {
        DECL
        b[i] = a[i] * USE;
    }
}
"""
MAIN = """#include <stdio.h>
void scale(int n, int k, const double *a, double *b);
int main(void)
{
    double a[1000], b[1000];
    int k = 5, bad = 0;
    for (int i = 0; i < 1000; i++)
        a[i] = i;
    scale(1000, k, a, b);
    for (int i = 0; i < 1000; i++)
        bad += b[i] != a[i] * (EXPECT);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
PROGRAMS = {
    # the second declarator's initializer reads the first
    "chain": ("int c = i % 7, d = c + 1;", "d", "i % 7 + 1"),
    # a declarator's own initializer sees it
    "own_sizeof": ("int x = (int)sizeof x, d = x + k;", "d", "(int)sizeof(int) + k"),
    # twin: the first declarator reads the parameter k, shadowed only after it
    "outer_first": ("int d = k + 1, k = 2;", "(d + k)", "k + 1 + 2"),
}


def test_later_declarators_see_the_earlier_ones(tmp_path):
    manifest = write_suite(tmp_path, {
        k: (KERNEL.replace("DECL", d).replace("USE", u), MAIN.replace("EXPECT", e))
        for k, (d, u, e) in PROGRAMS.items()})
    res = evaluate_dynamic(manifest, None, threads=2, runs=1, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    bad = {k: v["reason"] for k, v in got.items() if v["status"] != "verified"}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())
