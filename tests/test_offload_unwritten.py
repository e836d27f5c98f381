"""Memory nothing wrote since its allocation needs no copy in (:mod:`accellium.dataset.offload.
unwritten`).

``main`` (the driver file) allocates two grids, fills the first, and holds both in one data
region around the other file's kernels: ``edges`` copies the first grid into the second, then a time loop calls ``smooth`` and swaps the pointers (ping-pong buffers).  Either
buffer may hold the result after the loop, so both are copied back; but the second one's
contents when the region starts are what ``malloc`` left, indeterminate values (C11
7.22.3.4p2) no program can rely on, so the region need not copy them in: ``copyout`` for it
instead of ``copy``, as the program's authors would write (``create`` plus the copy back).

Twin: the driver writes the second grid's two ends on the host between the allocation and the
region (and calls no ``edges``): the region must copy it in.  Letting the rule skip that write
(the buffer not looked for between the allocation and the region) gives ``copyout`` there too,
and the program reads the device's uninitialised ends: it prints BAD in the emulator.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, run_verified

from accellium.server.engines import get_engine

N = 2000

KERNEL = """void fill(int lo, int hi, const double *restrict a, double *restrict b)
{
    for (int i = lo; i < hi; i++)
        b[i] = a[i];
}

void blend(int n, const double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++)
        b[i] = 0.5 * (a[i] + b[i]);
}

void smooth(int n, const double *restrict a, double *restrict b)
{
    for (int i = 1; i < n - 1; i++)
        b[i] = 0.5 * (a[i - 1] + a[i + 1]);
}
"""
MAIN = f"""#include <stdio.h>
#include <stdlib.h>
void fill(int lo, int hi, const double *restrict a, double *restrict b);
void blend(int n, const double *restrict a, double *restrict b);
void smooth(int n, const double *restrict a, double *restrict b);
int main(void)
{{
    int n = {N}, steps = 20, bad = 0;
    double *a = malloc(n * sizeof *a);
    double *b = malloc(n * sizeof *b);
    double *r = malloc(n * sizeof *r), *s = malloc(n * sizeof *s);
    for (int i = 0; i < n; i++)
        a[i] = r[i] = 1 + (i * 7) % 13;
    SETUP
    for (int t = 0; t < steps; t++) {{
        smooth(n, a, b);
        double *tmp = a;
        a = b;
        b = tmp;
    }}
    for (int i = 0; i < n; i++)
        s[i] = REF;
    for (int t = 0; t < steps; t++) {{
        for (int i = 1; i < n - 1; i++)
            s[i] = 0.5 * (r[i - 1] + r[i + 1]);
        double *w = r;
        r = s;
        s = w;
    }}
    for (int i = 0; i < n; i++)
        bad += a[i] != r[i];
    puts(bad ? "BAD" : "OK");
    free(a);
    free(b);
    free(r);
    free(s);
    return 0;
}}
"""
SETUPS = {"fresh": ("fill(0, n, a, b);", "r[i]"),
          "host": ("for (int i = 0; i < n; i++)\n        b[i] = 1.0;\n    blend(n, a, b);",
                   "0.5 * (r[i] + 1.0)")}


def _program(case: str) -> tuple[str, str]:
    setup, ref = SETUPS[case]
    return KERNEL, MAIN.replace("SETUP", setup).replace("REF", ref)


def _region(case: str) -> str:
    return _region_of(*_program(case))


def _region_of(kernel: str, main: str) -> str:
    """The data region the driver gets around its calls of the kernels."""
    from accellium.server.offload import apply_plans, caller_plans, offload_source

    plans = offload_source(kernel.encode(), get_engine("analysis"), path="kernel.c",
                           program=[main.encode()])
    got = caller_plans(kernel.encode(), plans, "c", {"main.c": main.encode()})
    text = apply_plans(main.encode(), got["main.c"]).decode()
    return next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))


def test_a_buffer_nothing_wrote_since_its_allocation_is_not_copied_in(tmp_path):
    assert _region("fresh") == "#pragma acc data copy(a[0:n]) copyout(b[0:n])"
    assert _region("host") == "#pragma acc data copy(a[0:n], b[0:n])"
    rows = run_verified(tmp_path, {case: _program(case) for case in SETUPS},
                        variants=("offload",))
    moved = {case: r["offload"]["bytes_h2d"] for case, r in rows.items()}
    # the fresh buffer stays behind: one grid in instead of two
    assert moved["fresh"] == N * 8 and moved["host"] == 2 * N * 8, moved


@pytest.mark.parametrize("old, new, clause", [
    # sizeof does not evaluate its operand (C11 6.5.3.4p2): nothing read or written
    ("    fill(0, n, a, b);", "    size_t z = sizeof *b;\n    fill(0, n, a, b);", "copyout"),
    # zeroed bytes are values (calloc, C11 7.22.3.2p2)
    ("double *b = malloc(n * sizeof *b);", "double *b = calloc(n, sizeof *b);", "copy"),
    # the pointer is passed on before the region: the callee may write the memory
    ("    fill(0, n, a, b);", "    keep(b);\n    fill(0, n, a, b);", "copy"),
    # a jump back over the allocation could enter the region again
    ("    puts(bad", "    if (bad < 0)\n        goto again;\n    puts(bad", "copy"),
])
def test_what_keeps_the_copy_in(old, new, clause):
    kernel, main = _program("fresh")
    assert old in main
    head = "void keep(double *);\nint main(void)\n{\n" + ("again:;\n" if "goto" in new else "")
    main = main.replace(old, new).replace("int main(void)\n{\n", head)
    want = "copy(a[0:n], b[0:n])" if clause == "copy" else f"copy(a[0:n]) {clause}(b[0:n])"
    assert _region_of(kernel, main) == f"#pragma acc data {want}"
