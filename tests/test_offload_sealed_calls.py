"""A call of another file's function that cannot store to a `static` scalar of this file is
no barrier for the arrays whose sections name that scalar (issue #15,
:func:`accellium.dataset.offload.global_scalars.changes`, ``sealed``).

``main`` calls ``smooth`` twice, with a call of ``tick()`` (defined in the driver) between;
``smooth``'s sections name the file's ``static int lo, hi;``.  Before, any call of a function
defined elsewhere "may store to `hi`", so each call got a region of its own and the arrays
moved twice.  But an identifier with internal linkage names its object only in its own
translation unit (C11 6.2.2p3), and ``hi``'s address never escapes: another file's function
can change it only by calling a function of this file that does.  When the program's other
files are all known and ``tick`` reaches nothing outside them and the C library
(:func:`.global_uses.program_touches`, not ``unknown``), the call cannot store to ``hi``: one
region holds both calls.  Twin: ``tick`` calls this file's ``set_hi(N)`` (``hi`` grows between
the calls) — a barrier as before; a region over both calls would have mapped the first
call's, shorter, section.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.engines import get_engine

N = 400

KERNEL = """#include <math.h>
#include <stdio.h>
#define N NSIZE
double tick(void);
void reference(double *out);
static double u[N], v[N];
static int lo, hi;

static void smooth(double u[], double v[])
{
    for (int it = 0; it < 3; it++) {
        for (int i = lo + 1; i < hi - 1; i++)
            v[i] = 0.25 * (u[i - 1] + 2.0 * u[i] + u[i + 1]);
        for (int i = lo + 1; i < hi - 1; i++)
            u[i] = v[i];
    }
}

void set_hi(int n)
{
    hi = n;
}

int main(void)
{
    int bad = 0;
    static double ref[N];
    lo = 0;
    hi = HI0;
    for (int i = 0; i < N; i++)
        u[i] = v[i] = (double)(i % 17) / 17.0;
    smooth(u, v);
    double t = tick();
    smooth(u, v);
    reference(ref);
    for (int i = 0; i < N; i++)
        bad += !(fabs(u[i] - ref[i]) <= 1e-12);
    puts(bad || t != 1.0 ? "BAD" : "OK");
    return 0;
}
"""
# the same two smoothings, serial, in the driver (not annotated)
DRIVER = """#define N NSIZE
void set_hi(int n);

double tick(void)
{
    CALLBACK
    return 1.0;
}

void reference(double *out)
{
    static double u[N], v[N];
    int his[2] = {HI0, N};
    for (int i = 0; i < N; i++)
        u[i] = v[i] = (double)(i % 17) / 17.0;
    for (int c = 0; c < 2; c++)
        for (int it = 0; it < 3; it++) {
            for (int i = 1; i < his[c] - 1; i++)
                v[i] = 0.25 * (u[i - 1] + 2.0 * u[i] + u[i + 1]);
            for (int i = 1; i < his[c] - 1; i++)
                u[i] = v[i];
        }
    for (int i = 0; i < N; i++)
        out[i] = u[i];
}
"""


def _program(hi0: str, callback: str) -> tuple[str, str]:
    def fill(t: str) -> str:
        return t.replace("NSIZE", str(N)).replace("HI0", hi0).replace("CALLBACK", callback)
    return fill(KERNEL), fill(DRIVER)


PROGRAMS = {
    "sealed": _program("N", ""),
    "calls_back": _program("N - 10", "set_hi(N);"),
}


def _main_plan(name: str):
    kernel, driver = PROGRAMS[name]
    _, plans = plan_text(kernel, get_engine("analysis"), program=[driver.encode()])
    return plans["main"]


def test_a_sealed_call_between_two_calls_is_no_barrier():
    main = _main_plan("sealed")
    assert len(main.calls) == 2 and len(main.regions) == 1, main.notes
    assert not any("`tick`" in n and "may store to `hi`" in n for n in main.notes), main.notes


def test_a_call_that_calls_back_a_storing_function_is_a_barrier():
    main = _main_plan("calls_back")
    assert len(main.calls) < 2 or len(main.regions) > 1, main.notes
    assert any("`tick`" in n and "may store to `hi`" in n for n in main.notes), main.notes


def test_the_programs_verify_and_the_sealed_call_moves_the_arrays_once(tmp_path):
    rows = run_verified(tmp_path, PROGRAMS, variants=("offload",))
    got = {k: (r["offload"]["bytes_h2d"] or 0) + (r["offload"]["bytes_d2h"] or 0)
           for k, r in rows.items()}
    # u and v in and back once (8 * N bytes each way for each), the twin twice
    assert got["sealed"] < got["calls_back"], got
