"""The races the dependence test refuses, on whole programs (real gcc, real threads): the
authors' ``parallel loop`` on each racy loop is wrong; the engines' pragmas, applied to the
pragma-stripped programs, verify, never assert parallelism on the racy loop, and keep the
safe twin beside it parallel."""

from __future__ import annotations

import pytest

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from tests.test_dynamic import _suite

PAR = "#pragma acc parallel loop"

KERNELS = {
    # name: (racy function, safe twin, main body computing the check)
    "reversal": (
        "void rev(int n, double *a)\n{\n" + PAR + " copy(a[0:n])\n"
        "    for (int i = 0; i < n; i++)\n        a[i] = a[n - 1 - i];\n}\n",
        "void mirror(int n, const double *b, double *a)\n{\n" + PAR +
        " copyin(b[0:n]) copyout(a[0:n])\n"
        "    for (int i = 0; i < n; i++)\n        a[i] = b[n - 1 - i];\n}\n",
        "rev(n, a); mirror(n, b, c);\n"
        "  for (int i = 0; i < n; i++) { if (a[i] != (i < n / 2 ? n - 1 - i : i)) bad++;\n"
        "    if (c[i] != n - 1 - i) bad++; }\n"),
    "distance": (
        "void half(int n, int m, double *a)\n{\n" + PAR + " copy(a[0:m+n])\n"
        "    for (int i = 0; i < m; i++)\n        a[i] = a[i + n];\n}\n",
        "void shift(int n, double *b)\n{\n" + PAR + " copy(b[0:2*n])\n"
        "    for (int i = 0; i < n; i++)\n        b[i] = b[i + n];\n}\n",
        "half(1000, n - 1000, a); shift(n / 2, b);\n"
        "  for (int i = 0; i < n - 1000; i++) if (a[i] != i + 1000) bad++;\n"
        "  for (int i = 0; i < n / 2; i++) if (b[i] != i + n / 2) bad++;\n"),
    "conditional": (
        "void cond(int n, double *a)\n{\n" + PAR + " copy(a[0:n])\n"
        "    for (int i = 0; i < n; i++) {\n        int k = i > 0 ? i - 1 : i;\n"
        "        a[i] = a[k] + 1.0;\n    }\n}\n",
        "void cond2(int n, const double *b, double *a)\n{\n" + PAR +
        " copyin(b[0:n]) copyout(a[0:n])\n"
        "    for (int i = 0; i < n; i++) {\n        int k = i > 0 ? i - 1 : i;\n"
        "        a[i] = b[k] + 1.0;\n    }\n}\n",
        "cond(n, a); cond2(n, b, c);\n"
        "  for (int i = 0; i < n; i++) { if (a[i] != i + 1) bad++;\n"
        "    if (c[i] != (i > 0 ? i - 1 : 0) + 1) bad++; }\n"),
    "coefficients": (
        "void twice(int n, double *a)\n{\n" + PAR + " copy(a[0:2*n])\n"
        "    for (int i = 0; i < n; i++)\n        a[2 * i] = a[i] + 1.0;\n}\n",
        "void pairs(int n, double *b)\n{\n" + PAR + " copy(b[0:2*n])\n"
        "    for (int i = 0; i < n; i++)\n        b[2 * i] = b[2 * i + 1];\n}\n",
        "twice(n / 2, a); pairs(n / 2, b);\n"
        "  { double *e = malloc(sizeof(double) * n);\n"
        "    for (int i = 0; i < n; i++) e[i] = i;\n"
        "    for (int i = 0; i < n / 2; i++) e[2 * i] = e[i] + 1.0;\n"
        "    for (int i = 0; i < n; i++) if (a[i] != e[i]) bad++;\n    free(e); }\n"
        "  for (int i = 0; i < n / 2; i++) if (b[2 * i] != 2 * i + 1) bad++;\n"),
    "sweep": (
        "void sweep(int rows, int cols, double *a)\n{\n" + PAR + " collapse(2) copy(a[0:rows*cols])\n"
        "    for (int i = 0; i < rows; i++)\n        for (int j = 0; j < cols; j++) {\n"
        "            int c = i * cols + j;\n            int up = i > 0 ? c - cols : c;\n"
        "            a[c] = 0.5 * a[c] + 0.25 * a[up];\n        }\n}\n",
        "",
        "sweep(n / 500, 500, a);\n"
        "  { double *e = malloc(sizeof(double) * n);\n"
        "    for (int i = 0; i < n; i++) e[i] = i;\n"
        "    for (int i = 0; i < n / 500; i++) for (int j = 0; j < 500; j++) {\n"
        "      int c = i * 500 + j, up = i > 0 ? c - 500 : c;\n"
        "      e[c] = 0.5 * e[c] + 0.25 * e[up]; }\n"
        "    for (int i = 0; i < n; i++) if (a[i] != e[i]) bad++;\n    free(e); }\n"),
}

MAIN = """#include <stdio.h>
#include <stdlib.h>
void rev(int n, double *a); void mirror(int n, const double *b, double *a);
void half(int n, int m, double *a); void shift(int n, double *b);
void cond(int n, double *a); void cond2(int n, const double *b, double *a);
void twice(int n, double *a); void pairs(int n, double *b);
void sweep(int rows, int cols, double *a);
int main(void) {
  int n = 200000; long bad = 0;
  double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n),
         *c = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) { a[i] = i; b[i] = i; c[i] = 0; }
  %s
  printf(bad == 0 ? "OK\\n" : "BAD %%ld\\n", bad);
  free(a); free(b); free(c);
  return 0;
}
"""


def _racy_line(src: str) -> int:
    """The line of the racy function's first ``for``."""
    return src[:src.index("for (")].count("\n") + 1


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_the_engines_leave_the_racy_loops_sequential_and_verify(tmp_path, engine):
    progs = {name: {"k.c": racy + twin, "main.c": MAIN % body}
             for name, (racy, twin, body) in KERNELS.items()}
    wrong = {name: "a parallel loop with a carried dependence" for name in KERNELS}
    man = _suite(tmp_path, progs, wrong=wrong)
    r = evaluate_dynamic(man, engine, threads=4, runs=1, with_mutations=False)
    rows = {p["name"]: p for p in r["programs"]}
    for name, (racy, twin, _) in KERNELS.items():
        row = rows[name]
        assert row["serial"]["status"] == "verified", (name, row["serial"])
        eng = row["engine"]
        assert eng["status"] == "verified", (name, eng)
        line = _racy_line(racy)
        on_racy = [p for p in eng["pragmas"] if p["line"] == line]
        assert not any(p["parallel"] for p in on_racy), (name, on_racy)
        if twin:  # the safe twin keeps its parallel loop
            twin_line = racy.count("\n") + _racy_line(twin)
            assert any(p["parallel"] and p["line"] == twin_line for p in eng["pragmas"]), \
                (name, eng["pragmas"])
    # the sweep's inner loop over j alone would need `a[cols*i-cols:...]`, which starts
    # before the array at i = 0 (an enclosing index is one value of its range, from 0): it
    # gets no pragma rather than a section outside the allocation (tests/test_dynamic_bounds.py)
    sweep = rows["sweep"]["engine"]["pragmas"]
    assert not any("cols*i-cols" in (p["pragma"] or "") for p in sweep), sweep


# A scalar named like a library function (`min`, `max`, `exp`) is a variable when the loop
# assigns it: before, the analysis skipped every such name and called these loops independent
# with no reduction — a racy `parallel loop` on a GPU.
LIB_NAMED = (
    "#include <math.h>\n"
    "double smallest(int n, const double *a)\n{\n  double min = a[0];\n" + PAR +
    " copyin(a[0:n])\n  for (int i = 0; i < n; i++)\n    min = fmin(a[i], min);\n"
    "  return min;\n}\n"
    "double total(int n, const double *a)\n{\n  double max = 0;\n" + PAR +
    " copyin(a[0:n])\n  for (int i = 0; i < n; i++)\n    max = max + a[i];\n"
    "  return max;\n}\n")
LIB_MAIN = """#include <stdio.h>
#include <stdlib.h>
double smallest(int n, const double *a); double total(int n, const double *a);
int main(void) {
  int n = 200000; double *a = malloc(sizeof(double) * n), r = 0;
  for (int i = 0; i < n; i++) { a[i] = (i * 7919) % 1000 + 1; r += a[i]; }
  a[n / 2] = 0.5;  r += 0.5 - ((n / 2 * 7919) % 1000 + 1);
  double lo = smallest(n, a), s = total(n, a);
  printf(lo == 0.5 && s == r ? "OK\\n" : "BAD %f %f %f\\n", lo, s, r);
  free(a);
  return 0;
}
"""


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_a_scalar_named_like_a_library_function_is_reduced(tmp_path, engine):
    man = _suite(tmp_path, {"libnamed": {"k.c": LIB_NAMED, "main.c": LIB_MAIN}},
                 wrong={"libnamed": "parallel loops without their reductions"})
    r = evaluate_dynamic(man, engine, threads=4, runs=1, with_mutations=False)
    row = r["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]
    eng = row["engine"]
    assert eng["status"] == "verified", eng
    loops = [p["pragma"] or "" for p in eng["pragmas"]]
    assert any("reduction(min:min)" in p for p in loops), loops
    assert any("reduction(+:max)" in p for p in loops), loops
