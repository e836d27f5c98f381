"""The emulator's table of pointer bindings: a construct's own binding survives a full table.

A compute construct whose clause maps a section of a pointer variable (``copyin(f[1:n-1])``)
translates that pointer to the device for its region (OpenACC 3.3, 2.7.1; gcc: a firstprivate
pointer biased by the section's start), whatever earlier constructs mapped.  The emulator
records such a binding per pointer variable (keyed by its address) in a table of 64; a full
table drops its oldest entry.  A binding renewed in place kept its first position, so once
the table was full, a construct that renewed ``f``'s old entry and then bound a pointer ``u``
seen for the first time dropped ``f``'s fresh binding: ``f`` points before its section, so
the region aborted with "pointer 'f' used in a compute region points to host memory that is
not on the device" (exit 98).  In a multigrid program the renewed entry was another
function's pointer whose stack slot ``f`` reused, after a recursion over the levels had bound
more than 64 slots.  The table now keeps the least recently bound first.

Here ``relax`` binds ``f`` alone, a recursion binds 63 more pointer slots (each level's local,
below ``relax``'s frame), then ``relax`` maps ``f`` and ``u``: before, ``f``'s binding was at
the table's head and ``u``'s new one dropped it.

Twin: the same program whose second construct maps only ``u`` while its loop reads ``f``
still fails (``f``'s section is not mapped by any construct alive then).

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void relax(int n, double *a, double *b, int both)
{
    double *f = a, *u = b;
    if (!both) {
        #pragma acc parallel loop copy(f[1:n-1])
        for (int i = 1; i < n; i++)
            f[i] += 1.0;
    } else {
        PRAGMA
        for (int i = 1; i < n; i++)
            u[i] += f[i];
    }
}

/* one pointer variable per recursion level, each in its own stack slot, bound by a section */
void chain(int k, int n, double *a)
{
    double *p = a;
    #pragma acc parallel loop copy(p[1:n-1])
    for (int i = 1; i < n; i++)
        p[i] *= 2.0;
    if (k > 1)
        chain(k - 1, n, a);
}

/* the recursion's frames lie below what relax's frame was: no slot of chain is f's or u's */
void deep(int k, int n, double *a)
{
    volatile char pad[4096];
    pad[0] = 1;
    chain(k, n, a + pad[0] - 1);
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void relax(int n, double *a, double *b, int both);
void deep(int k, int n, double *a);
int main(void)
{
    enum { N = 100 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *c = malloc(N * sizeof *c);
    int bad = 0;
    for (int i = 0; i < N; i++) a[i] = i, b[i] = 1.0, c[i] = 0.5;
    relax(N, a, b, 0);
    deep(63, N, c);   /* with f's: the 64 bindings the table holds */
    relax(N, a, b, 1);
    for (int i = 1; i < N; i++)
        bad += b[i] != 1.0 + i + 1.0;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_constructs_own_binding_survives_a_full_table(tmp_path):
    manifest = write_suite(tmp_path, {
        "renewed": (KERNEL.replace("PRAGMA", "#pragma acc parallel loop copyin(f[1:n-1]) "
                                             "copy(u[1:n-1])"), MAIN),
        "unmapped": (KERNEL.replace("PRAGMA", "#pragma acc parallel loop copy(u[1:n-1])"), MAIN),
    })
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    assert got["renewed"]["status"] == "verified", got["renewed"]
    assert got["unmapped"]["status"] != "verified", got["unmapped"]
    assert "pointer 'f'" in (got["unmapped"]["reason"] or ""), got["unmapped"]
