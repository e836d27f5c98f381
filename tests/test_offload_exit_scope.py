"""An ``exit data`` at the region's end names only what is in scope there.

Memory the function allocates inside the region and does not free there is mapped by ``enter
data`` after the allocation and ``exit data`` at the region's end, after the range.  When the
pointer is declared by a statement of the range (``int *h = malloc(...)`` between two loops)
the braces of a ``data`` construct end its scope (C11 6.2.1p4) before that ``exit data``: gcc
rejected the file ("`h` undeclared").  Such a region is now ``enter``/``exit data`` at its
ends, as one that declares a name used after it; and a pointer declared in a block inside the
range (an ``if``'s body) cannot be named after the range at all: the loops using it stay on
the host with a note, the others are offloaded.

Twin: the pointer declared before the range (only assigned inside) keeps the structured
region with its braces.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

TOP = """#include <stdlib.h>
int check(int n, const int *a)
{
    int err = 0;
    int *c = (int *)malloc(n * sizeof(int));
    for (int x = 0; x < n; ++x)
        c[x] = a[x] * 2;
    int *h = (int *)malloc(n * sizeof(int));
    for (int x = 0; x < n; ++x) {
        h[x] = a[x] + 1;
        if (h[x] != c[x] + 1)
            err += 1;
    }
    free(c);
    return err;
}
"""
NESTED = """#include <stdlib.h>
int check(int n, const int *a)
{
    int err = 0;
    int *c = (int *)malloc(n * sizeof(int));
    for (int x = 0; x < n; ++x)
        c[x] = a[x] * 2;
    if (n > 4) {
        int *h = (int *)malloc(n * sizeof(int));
        for (int x = 0; x < n; ++x) {
            h[x] = a[x] + 1;
            if (h[x] != c[x] + 1)
                err += 1;
        }
    }
    free(c);
    return err;
}
"""
BEFORE = """#include <stdlib.h>
int check(int n, const int *a)
{
    int err = 0;
    int *h;
    int *c = (int *)malloc(n * sizeof(int));
    for (int x = 0; x < n; ++x)
        c[x] = a[x] * 2;
    h = (int *)malloc(n * sizeof(int));
    for (int x = 0; x < n; ++x) {
        h[x] = a[x] + 1;
        if (h[x] != c[x] + 1)
            err += 1;
    }
    free(c);
    return err;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
int check(int n, const int *a);
int main(void) {
  int n = 300, *a = malloc(sizeof(int) * n);
  int want = 0;
  for (int i = 0; i < n; i++) a[i] = i % 13, want += a[i] != 0;
  puts(check(n, a) == want ? "OK" : "BAD"); return 0;
}
"""


def test_exit_data_at_the_end_names_only_what_is_in_scope(tmp_path):
    engine = get_engine("analysis")
    top, _ = plan_text(TOP, engine)
    lines = acc_lines(top)
    assert not any(a.startswith("#pragma acc data") for a in lines), top
    assert "#pragma acc exit data delete(h[0:n], c[0:n], a[0:n])" in lines, top
    assert "{\n    #pragma acc parallel" not in top, top
    nested, plans = plan_text(NESTED, engine)
    assert all("h[" not in a for a in acc_lines(nested)), nested
    assert len([a for a in acc_lines(nested) if "parallel loop" in a]) == 1, nested
    assert any("`h` is allocated in a block inside the region" in n
               for n in plans["check"].notes), plans["check"].notes
    twin, _ = plan_text(BEFORE, engine)
    assert "#pragma acc data copyin(a[0:n]) create(c[0:n])" in acc_lines(twin), twin
    assert "#pragma acc exit data delete(h[0:n])" in acc_lines(twin), twin
    run_verified(tmp_path, {"top": (TOP, MAIN), "nested": (NESTED, MAIN),
                            "before": (BEFORE, MAIN)}, variants=("offload",))
