"""Host code between offloaded loops that reads or writes an array only inside a macro of
the file: the preprocessor puts the macro's body where the use is (C11 6.10.3), so the names
in it are the statement's (``dataset/offload/flow._macro_uses``).

``RESET_Y0()`` assigns ``y[0]`` between two loops that the plan puts in one data region, and
``SHOW_X(3)`` reads ``x[3]`` after the second loop wrote ``x`` on the device.  Before, neither
statement was a use of the array: the region moved no ``update``, so the second loop read the
device's stale ``y[0]`` (and the region's exit overwrote the host's), and ``SHOW_X`` read the
host's old ``x``.  Now each such statement is a use of the whole array, read and written:
``update self`` before it, ``update device`` after it.

Proven on a whole program (gcc, the data-environment emulator): the plan verifies.
"""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#define RESET_Y0() (y[0] = 1.0)
#define SHOW_X(k) note_value(x[k])
double seen;
static void note_value(double v) { seen += v; }
void sweep(int n, double *restrict x, double *restrict y)
{
    for (int i = 0; i < n; i++)
        y[i] = x[i] * 2.0;
    RESET_Y0();
    for (int i = 0; i < n; i++)
        x[i] = y[i] + 1.0;
    SHOW_X(3);
    for (int i = 0; i < n; i++)
        y[i] = x[i] * y[i];
}
"""
MAIN = """#include <stdio.h>
#include <math.h>
void sweep(int n, double *restrict x, double *restrict y);
extern double seen;
int main(void)
{
    enum { N = 1000 };
    static double x[N], y[N], rx[N], ry[N];
    for (int i = 0; i < N; i++) x[i] = rx[i] = 0.5 * i;
    sweep(N, x, y);
    for (int i = 0; i < N; i++) ry[i] = rx[i] * 2.0;
    ry[0] = 1.0;
    for (int i = 0; i < N; i++) rx[i] = ry[i] + 1.0;
    double want = rx[3];
    for (int i = 0; i < N; i++) ry[i] = rx[i] * ry[i];
    for (int i = 0; i < N; i++)
        if (fabs(x[i] - rx[i]) > 1e-9 || fabs(y[i] - ry[i]) > 1e-9) { puts("BAD"); return 1; }
    if (fabs(seen - want) > 1e-9) { puts("BAD SEEN"); return 1; }
    puts("OK");
    return 0;
}
"""


def test_the_macro_statements_get_updates():
    text, _ = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    lines = text.splitlines()
    reset = next(k for k, t in enumerate(lines) if "RESET_Y0();" in t)
    show = next(k for k, t in enumerate(lines) if "SHOW_X(3);" in t)
    assert "update self(y" in lines[reset - 1] and "update device(y" in lines[reset + 1], text
    assert "update self(x" in lines[show - 1], text


def test_a_macro_that_names_no_array_moves_nothing():
    quiet = KERNEL.replace("#define RESET_Y0() (y[0] = 1.0)", "#define RESET_Y0() (seen = 0.0)")
    text, _ = plan_text(quiet, get_engine("analysis"), program=[MAIN.encode()])
    assert "update self(y" not in text and "update device(y" not in text, text


def test_the_plan_verifies(tmp_path):
    run_verified(tmp_path, {"macro_host": (KERNEL, MAIN)}, variants=("offload",))
