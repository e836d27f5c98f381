"""A loop whose own variable keeps a compute construct from running it, whatever engine answered:
``server/safety._host_bound``.

* The variable is read after the loop (``int i; for (i = 0; i < n; i++) ...; return i;``):
  the loop variable is private in a compute construct (OpenACC 3.3, 2.6.1; gcc and the
  emulator privatise it in ``kernels`` too), so the host keeps its old value.  The analysis
  said so ("not parallel as written"), yet an engine's ``kernels`` answer was kept (the
  compiler decides) and the function returned 0.
* The variable is a pointer (``for (double *p = begin; p < end; p++) *p += v;``): the memory it
  walks has no section here, and ``parallel loop independent`` with no data clause
  dereferenced host addresses on the device.

Proven on a whole program (gcc, the data-environment emulator): before, each answer failed
(the returned index, data not on the device); now the loops stay on the host and verify.
"""

from __future__ import annotations

import pytest
from _fixed_engine import FixedAnswer
from _offload_util import failing_as_written, write_suite

from accellium.server.annotate import annotate_source, apply_edits

KERNEL = """int fill_until(int n, double *b, double v)
{
    int i;
    for (i = 0; i < n; i++) /* index read after */
        b[i] = v * i;
    return i;
}
void add_ptr_iter(double *begin, double *end, double v)
{
    for (double *p = begin; p < end; p++) /* pointer */
        *p += v;
}
int count_rows(int n, int m, double *b)
{
    int i, j;
    for (i = 0; i < n; i++) /* nest */
        for (j = 0; j < m; j++)
            b[i * m + j] = i + j;
    return i + j;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
int fill_until(int n, double *b, double v);
void add_ptr_iter(double *begin, double *end, double v);
int count_rows(int n, int m, double *b);
int main(void) {
  int n = 4000, m = 30; long bad = 0;
  double *b = malloc(sizeof(double) * n * m);
  bad += fill_until(n, b, 2.0) != n;
  for (int i = 0; i < n; i++) bad += b[i] != 2.0 * i;
  add_ptr_iter(b, b + n, 1.0);
  for (int i = 0; i < n; i++) bad += b[i] != 2.0 * i + 1.0;
  bad += count_rows(n, m, b) != n + m;
  for (int i = 0; i < n * m; i++) bad += b[i] != i / m + i % m;
  if (bad) printf("BAD %ld\\n", bad); else puts("OK");
  return 0;
}
"""
ANSWERS = ["#pragma acc kernels", "#pragma acc kernels loop", "#pragma acc parallel loop",
           "#pragma acc parallel loop independent", "#pragma acc serial loop"]


def _loop(marker: str) -> int:
    return next(k + 1 for k, ln in enumerate(KERNEL.splitlines()) if f"/* {marker} */" in ln)


@pytest.mark.parametrize("answer", ANSWERS)
def test_no_compute_construct_and_the_note(answer):
    got = {s.line: s for s in annotate_source(KERNEL.encode(), FixedAnswer(answer),
                                               path="kernel.c")}
    for marker, said in (("index read after", "`i`, the loop's variable, is read after"),
                         ("nest", "`i`, the loop's variable, is read after"),
                         ("pointer", "the loop's variable `p` is a pointer")):
        s = got[_loop(marker)]
        assert s.pragma is None, (answer, marker, s.pragma)
        assert any(said in str(n) for n in s.notes), (answer, marker, s.notes)


def test_every_guarded_answer_verifies(tmp_path):
    programs = {}
    for k, answer in enumerate(ANSWERS):
        got = annotate_source(KERNEL.encode(), FixedAnswer(answer), path="kernel.c")
        programs[f"a{k}"] = (apply_edits(KERNEL.encode(), got)[0].decode(), MAIN)
    failed = failing_as_written(write_suite(tmp_path, programs))
    assert not failed, {ANSWERS[int(k[1:])]: v for k, v in failed.items()}
