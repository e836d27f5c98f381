"""Pointer parameters that the program's calls point into one array
(``dataset/offload/passed_alike``, ``dataset/analysis/pipeline._passed_dependences``).

C lets two pointer parameters designate one object (only ``restrict`` promises otherwise,
C11 6.7.3.1); the calls the tools see say when they do.

* ``shift(n - 1, a + 1, a)``: two pointers at different places of one array.  A construct
  that maps ``dst[0:n]`` and ``src[0:n]`` finds the second partly present (OpenACC 3.3,
  2.7.2: a runtime error); and ``dst[i] = src[i] * 0.5`` then carries a dependence (iteration
  ``i`` writes what ``i + 1`` reads).  Before, the plan mapped both ``copy`` (and the per-loop
  answer, with the call in the same file, did the same) under ``parallel loop
  independent``: an abort on a GPU.  Now the pair has no construct and the loop stays on the
  host.
* ``rev(n, a, a)``: one pointer for both.  ``dst[i] = src[n - 1 - i]`` is then a carried
  dependence (iteration ``i`` writes what ``n - 1 - i`` reads); before, the plan's per-loop
  answer tested the two names apart (it saw the file alone) and kept ``parallel loop``: a
  race.  Now the plan hands the program's pairs to the per-loop analysis
  (``passed_alike.program_pairs``, ``LoopScope.passed``), which tests the accesses of both
  names as one array's.
* ``scale(n, a, a)`` with ``dst[i] = 2 * src[i]`` stays parallel (each iteration its own
  element), and a call passing two arrays changes nothing.

Proven on whole programs (gcc, the data-environment emulator).
"""

from __future__ import annotations

from _offload_util import plan_text, run_verified

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

SHIFT = """void shift(int n, double *dst, const double *src)
{
    for (int i = 0; i < n; i++)
        dst[i] = src[i] * 0.5;
}
"""
REV = """void rev(int n, double *dst, const double *src)
{
    for (int i = 0; i < n; i++)
        dst[i] = src[n - 1 - i] + 1.0;
}
"""
SCALE = """void scale(int n, double *dst, const double *src)
{
    for (int i = 0; i < n; i++)
        dst[i] = 2.0 * src[i];
}
"""


def _main(proto: str, call: str, reference: str) -> str:
    return f"""#include <stdio.h>
{proto}
int main(void)
{{
    enum {{ N = 1000 }};
    static double a[N], r[N], t[N];
    for (int i = 0; i < N; i++) a[i] = r[i] = 0.25 * i;
    {call}
    {reference}
    for (int i = 0; i < N; i++) if (a[i] != r[i]) {{ puts("BAD"); return 1; }}
    puts("OK");
    return 0;
}}
"""


SHIFT_MAIN = _main("void shift(int n, double *dst, const double *src);", "shift(N - 1, a + 1, a);",
                   "for (int i = 0; i < N - 1; i++) r[i + 1] = r[i] * 0.5;")
REV_MAIN = _main("void rev(int n, double *dst, const double *src);", "rev(N, a, a);",
                 "for (int i = 0; i < N; i++) r[i] = r[N - 1 - i] + 1.0;")
SCALE_MAIN = _main("void scale(int n, double *dst, const double *src);", "scale(N, a, a);",
                   "for (int i = 0; i < N; i++) { t[i] = r[i]; r[i] = 2.0 * t[i]; }")


def _answer(source: str) -> str | None:
    got = annotate_source(source.encode(), get_engine("analysis"), path="k.c", lang="c")
    return next(a.pragma for a in got if a.line == 3)


def test_pointers_at_different_places_get_no_construct():
    one = SHIFT + SHIFT_MAIN.replace("void shift(int n, double *dst, const double *src);", "")
    assert _answer(one) is None
    text, plans = plan_text(SHIFT, get_engine("analysis"), program=[SHIFT_MAIN.encode()])
    assert "#pragma acc" not in text, text
    assert any("depend on each other" in n or "different places" in n
               for n in plans["shift"].notes), plans["shift"].notes


def test_one_pointer_for_both_is_one_array_to_the_dependence_test():
    one = REV + REV_MAIN.replace("void rev(int n, double *dst, const double *src);", "")
    answer = _answer(one)
    assert answer is None or "parallel" not in answer, answer
    text, _ = plan_text(REV, get_engine("analysis"), program=[REV_MAIN.encode()])
    assert "parallel loop" not in text, text


def test_a_loop_that_stays_parallel():
    text, _ = plan_text(SCALE, get_engine("analysis"), program=[SCALE_MAIN.encode()])
    assert "parallel loop" in text and "copy(dst[0:n], src[0:n])" in text, text
    apart = SHIFT_MAIN.replace("shift(N - 1, a + 1, a);", "shift(N - 1, t, a);")
    text, _ = plan_text(SHIFT, get_engine("analysis"), program=[apart.encode()])
    assert "parallel loop" in text, text


def test_the_programs_verify(tmp_path):
    run_verified(tmp_path / "two", {"shift": (SHIFT, SHIFT_MAIN), "rev": (REV, REV_MAIN),
                                    "scale": (SCALE, SCALE_MAIN)}, variants=("offload",))
    drop = "void {0}(int n, double *dst, const double *src);"
    run_verified(tmp_path / "one", {
        "shift1": (SHIFT, SHIFT_MAIN.replace(drop.format("shift"), "")),
        "rev1": (REV, REV_MAIN.replace(drop.format("rev"), "")),
        "scale1": (SCALE, SCALE_MAIN.replace(drop.format("scale"), ""))},
        variants=("engine", "offload"), one_file={"shift1", "rev1", "scale1"})
