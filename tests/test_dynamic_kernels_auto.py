"""Inside a ``kernels`` region a loop the analysis cannot prove independent gets ``loop`` (an
``auto`` loop there, OpenACC 3.3, 2.9.7), not ``loop seq``: on a whole program (real gcc, the
CPU emulation with real threads) the corrected pragmas verify, the dependent loop is left to
the compiler and the independent one beside it keeps ``independent``."""

from __future__ import annotations

from accellium.dataset.loops import find_loops
from accellium.dataset.pragma import parse
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank.candidates import context, finish
from accellium.server.engines.style import features
from accellium.server.safety import check
from tests.test_dynamic import _suite

# the authors claim both loops independent; the first is a recurrence (a race if run so)
KERNEL = """void scan(int n, const double *a, double *x, double *y)
{
#pragma acc kernels copy(x[0:n]) copyin(a[0:n]) copyout(y[0:n])
  {
#pragma acc loop independent
    for (int i = 1; i < n; i++)
      x[i] = x[i - 1] + a[i];
#pragma acc loop independent
    for (int i = 0; i < n; i++)
      y[i] = 2.0 * a[i];
  }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void scan(int n, const double *a, double *x, double *y);
int main(void) {
  int n = 400000; long bad = 0;
  double *a = malloc(sizeof(double) * n), *x = malloc(sizeof(double) * n),
         *y = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) { a[i] = 1.0; x[i] = 0.0; y[i] = 0.0; }
  scan(n, a, x, y);
  for (int i = 0; i < n; i++) { if (x[i] != i) bad++; if (y[i] != 2.0) bad++; }
  printf(bad == 0 ? "OK\\n" : "BAD %ld\\n", bad);
  free(a); free(x); free(y);
  return 0;
}
"""


def _corrected(src: str) -> tuple[str, list[str]]:
    """Each loop's pragma as ``auto``'s corrections leave it (``rank.candidates.finish``),
    checked to pass the guard unchanged, written back in place of the authors' line."""
    lines = src.split("\n")
    answers = []
    for lp in find_loops(src, "c"):
        assert lp.pragma is not None
        enclosing = tuple(lp.enclosing)
        q = LoopQuery(lp.text, "c", enclosing, ())
        qf = q.facts()
        out = finish(parse(lp.pragma.text), context(q, qf, features(enclosing, qf), []))
        assert out is not None
        guarded, _ = check(q, out)
        assert guarded is not None and guarded.render() == out.render()
        answers.append(out.render())
        row = lp.line - 2  # the pragma line directly above the loop (0-based)
        assert lines[row].startswith("#pragma acc loop"), lines[row]
        lines[row] = out.render()
    return "\n".join(lines), answers


def test_the_corrected_kernels_region_verifies(tmp_path):
    fixed, answers = _corrected(KERNEL)
    assert answers == ["#pragma acc loop", "#pragma acc loop independent"], answers
    man = _suite(tmp_path, {"kernels_auto": {"k.c": fixed, "main.c": MAIN}})
    r = evaluate_dynamic(man, None, threads=4, runs=1, with_mutations=False)
    row = r["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]
    assert row["original"]["status"] == "verified", row["original"]
