"""A caller that reads an array after the call only inside a macro of its file: the macro's
body is code of the caller once the preprocessor has replaced the use (C11 6.10.3), so its
names are names the caller uses there (``dataset/offload/live._macro_names``).

``main`` checks ``a`` after ``row_recur(n, m, a)`` with ``CHECK_A(n * m)``, whose body
subscripts ``a``.  Before, the planner saw no later use of ``a`` in ``main`` and took the
parameter for memory no one reads after the call: the region mapped it ``copyin`` and the
results stayed on the device (the emulator: stale data).  A macro whose parameter is named
like the array does not count (its ``a`` is the argument).

Proven on a whole program (gcc, the data-environment emulator): the plan verifies.
"""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """void row_recur(int n, int m, double *a)
{
    for (int i = 0; i < n; i++)
        for (int j = 1; j < m; j++)
            a[(long)i * m + j] += a[(long)i * m + j - 1];
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void row_recur(int n, int m, double *a);
#define CHECK_A(len) for (int i = 0; i < (len); i++) if (a[i] != r[i]) { puts("BAD"); return 0; }
#define CHECK(len) CHECK_A(len)
int main(void)
{
    int n = 300, m = 200;
    double *a = malloc(sizeof(double) * n * m), *r = malloc(sizeof(double) * n * m);
    for (int i = 0; i < n * m; i++) a[i] = r[i] = (double)(i % 13);
    row_recur(n, m, a);
    for (int i = 0; i < n; i++) for (int j = 1; j < m; j++) r[i * m + j] += r[i * m + j - 1];
    CHECK(n * m);
    puts("OK");
    return 0;
}
"""


def test_the_region_copies_the_array_back():
    text, _ = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    assert "copy(a[0:m*n])" in text, text


def test_a_macro_parameter_of_the_same_name_is_no_use_of_it():
    shadowed = MAIN.replace("#define CHECK(len) CHECK_A(len)",
                            "#define SHOW(a) printf(\"%g\\n\", (double)(a))") \
        .replace("    CHECK(n * m);\n", "    SHOW(n);\n")
    text, _ = plan_text(KERNEL, get_engine("analysis"), program=[shadowed.encode()])
    assert "copyin(a[0:m*n])" in text, text  # nothing reads `a` after the call


def test_the_plan_verifies(tmp_path):
    run_verified(tmp_path, {"macro_read": (KERNEL, MAIN)}, variants=("offload",))
