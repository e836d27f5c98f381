"""A loop covers an allocation whose count is spelled with another name of the same number
(issue #15, :func:`accellium.dataset.offload.cover.covering`, ``known``).

``main`` declares ``int n = N;``, allocates its output with ``malloc(N * sizeof *y)`` and
calls a kernel that writes ``y[0:n]`` whole; then it reads ``y`` on the host.  The region in
``main`` copies ``y`` back.  Nothing wrote ``y`` before the region, so it needs no copy in —
but only if the kernel's write reaches every element the copy back brings (no uninitialised
device byte may come back over the host's: :mod:`.unwritten`).  The cover test compared the
loops' span ``[0, n - 1]`` with the allocation's ``[0, N - 1]`` and found them different,
though ``n`` is ``N`` wherever the region runs (declared with that value before it, never
assigned: :mod:`.known`), so ``y`` was copied in for nothing.  Now the two compare once the
locals of known value are spelled out: ``enter data create`` (``exit data copyout``).  Twin:
``n`` assigned again before the call (``n = N - 1``): the kernel then leaves the last element
unwritten, and ``y`` is copied in.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, clauses_of, plan_text, run_verified

from accellium.server.engines import get_engine

N = 4096
S = N * 4

KERNEL = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N NSIZE
float seed(int i);

static void scale(int n, const float *x, float *y)
{
    for (int i = 0; i < n; i++)
        y[i] = 2.0f * x[i];
}

static float total(int n, const float *y)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += y[i];
    return s;
}

int main(void)
{
    int n = N, bad = 0;
    float *x = malloc(N * sizeof *x);
    float *y = malloc(N * sizeof *y);
    for (int i = 0; i < N; i++)
        x[i] = seed(i);
    AGAIN
    scale(n, x, y);
    float s = total(n, y);
    for (int i = 0; i < n; i++)
        bad += !(fabsf(y[i] - 2.0f * seed(i)) <= 1e-6f);
    bad += !(s > 0.0f);
    puts(bad ? "BAD" : "OK");
    free(x);
    free(y);
    return 0;
}
"""
DRIVER = "float seed(int i) { return (float)(i % 7) / 7.0f; }\n"
PROGRAMS = {
    "known_size": (KERNEL.replace("AGAIN", "").replace("NSIZE", str(N)), DRIVER),
    "size_changed": (KERNEL.replace("AGAIN", "n = N - 1;").replace("NSIZE", str(N)),
                     DRIVER),
}


def _y_clause(name: str) -> str:
    text, _ = plan_text(PROGRAMS[name][0], get_engine("analysis"),
                        program=[PROGRAMS[name][1].encode()])
    # main holds x and y from the kernel's call to the sum's (enter/exit data: it frees them)
    line = next(a for a in acc_lines(text) if a.startswith("#pragma acc enter data"))
    assert "#pragma acc exit data copyout(y[0:N]) delete(x[0:N])" in acc_lines(text), text
    return clauses_of(line)["y"]


def test_a_size_spelled_through_a_local_of_known_value_covers_the_allocation():
    assert _y_clause("known_size") == "create"
    assert _y_clause("size_changed") == "copyin"


def test_the_programs_verify_and_the_covered_output_moves_once(tmp_path):
    rows = run_verified(tmp_path, PROGRAMS, variants=("offload",))
    got = {k: (r["offload"]["bytes_h2d"] or 0) + (r["offload"]["bytes_d2h"] or 0)
           for k, r in rows.items()}
    # x in, y out (and the sum's 4 bytes each way); the twin also copies y in
    assert got["known_size"] + S == got["size_changed"], got
