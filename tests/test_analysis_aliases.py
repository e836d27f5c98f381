"""Pointers that alias arrays (issue #14, never unsafe): ``row[j]`` with ``double *row = A +
i*m`` is the access ``A[i*m + j]`` (C11 6.5.2.1, 6.5.6), so the dependence test, the data
modes and the sections read it as one of ``A``; a pointer whose target the loop does not
show makes a loop that writes through it unproven; one to the iteration's own storage stays
private.  Unit facts of :func:`analyze`, then whole programs: each kernel is run as the
engine used to answer it (the control: wrong data or a race in the data-environment
emulator), and as the engines answer it now (it verifies; the racy loops get no parallel
claim, the row-pointer loops keep theirs with the array's section)."""

from __future__ import annotations

import pytest

from accellium.dataset.analysis import analyze
from accellium.dataset.analysis.scope import scope_of
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from tests.test_dynamic import _suite

AMP = ("for (int i = 0; i < n; i++) { double *row = &A[i*m]; "
       "for (int j = 0; j < m; j++) row[j] = 0; }")
PLUS = ("for (int i = 0; i < n; i++) { double *row = A + i*m; "
        "for (int j = 0; j < m; j++) row[j] = i; }")
SHARED = ("for (int i = 0; i < n; i++) { double *row = w; "
          "for (int j = 0; j < m; j++) row[j] = a[i*m+j]; out[i] = row[0]; }")
ASSIGNED = ("for (int i = 0; i < n; i++) { double *row; row = w; "
            "for (int j = 0; j < m; j++) row[j] = a[i*m+j]; out[i] = row[0]; }")


def _deps(f) -> list[str]:
    return [d.var for d in f.carried]


@pytest.mark.parametrize("code", [AMP, PLUS])
def test_a_row_pointer_writes_its_array(code):
    f = analyze(code)
    assert f.safe, f.notes
    assert f.arrays == {"A": "out"}  # written through `row`: it must come back


def test_row_pointer_spellings_are_the_array():
    for value in ("&A[i*m]", "A + i*m", "i*m + A", "(double *)A + i*m", "&(A[i*m])"):
        f = analyze(f"for (int i = 0; i < n; i++) {{ double *r = {value}; "
                    "for (int j = 0; j < m; j++) r[j] = 1; }")
        assert f.safe and f.arrays == {"A": "out"}, (value, f.arrays, f.notes)
    # *p, *(p + k), p->x reach the element the pointer points to
    f = analyze("for (int i = 0; i < n; i++) { double *p = A + 2*i; *p = 1; *(p + 1) = 2; }")
    assert f.safe and f.arrays == {"A": "out"}
    f = analyze("for (int i = 0; i < n; i++) { T *p = c + i; p->x = 1; }")
    assert f.safe and f.arrays == {"c": "inout"}  # a member: part of the element
    f = analyze("for (int i = 0; i < n; i++) { double *r = T[i]; "
                "for (int j = 0; j < m; j++) r[j] = 2 * r[j]; }")
    assert f.safe and f.arrays == {"T": "inout"}


def test_a_pointer_into_an_array_passed_to_a_call_maps_the_array():
    f = analyze("for (int i = 0; i < n; i++) { double *row = A + i*m; init_row(row, m); }")
    assert f.arrays.get("A") == "inout", f.arrays  # the callee may read and write it


def test_accesses_through_a_pointer_meet_in_the_dependence_test():
    # p[1] of iteration i is p[0] of iteration i + 1
    f = analyze("for (int i = 0; i < n; i++) { double *p = A + i; p[1] = p[0]; }")
    assert not f.safe and _deps(f) == ["A"]
    # a chain: q = p + 1 stays in the row of p
    f = analyze("for (int i = 0; i < n; i++) { double *p = A + i*m; double *q = p + 1; "
                "for (int j = 0; j < m - 1; j++) q[j] = p[j] + 1; }")
    assert f.safe and f.arrays == {"A": "inout"}, f.notes


@pytest.mark.parametrize("code", [SHARED, ASSIGNED])
def test_a_pointer_to_one_array_for_every_iteration_is_its_scratch(code):
    # every iteration writes w[0..m-1] through `row` before reading it: without the file
    # `w` may be an array, which `private(w)` gives each iteration (the direct `w[j]` rule)
    f = analyze(code)
    assert f.private_arrays == ["w"], f.notes
    assert set(f.arrays) == {"a", "out"}


def test_a_pointer_into_the_iterations_storage_stays_private():
    f = analyze("for (int i = 0; i < n; i++) { double buf[8]; double *p = buf; "
                "for (int j = 0; j < 8; j++) p[j] = a[i*8+j]; out[i] = p[0] + p[7]; }")
    assert f.safe and f.arrays == {"a": "in", "out": "out"}
    f = analyze("for (int i = 0; i < n; i++) { T node; T *q = &node; q->v = a[i]; "
                "out[i] = q->v; }")
    assert f.safe and f.arrays == {"a": "in", "out": "out"}


def test_a_pointer_to_one_variable_for_every_iteration_is_a_race():
    f = analyze("for (int i = 0; i < n; i++) { double *q = &x; *q = a[i]; }")
    assert not f.safe and _deps(f) == ["x"] and f.arrays["x"] == "out"


@pytest.mark.parametrize("body, why", [
    ("double *p = get(i); p[0] = 1;", "is given `get(i)`"),
    ("double *p = c ? A : B; p[i] = 1;", "is given `c ? A : B`"),
    ("double *p = A + i*m; for (int j = 0; j < m; j++) *p++ = 0;", "is moved"),
    ("double *p; if (i > 2) p = A + i; else p = B; p[0] = 1;", "assigned more than once"),
    ("double *p; if (i > 2) { p = A + i; } p[0] = 1;", "is assigned in a branch"),
    ("double **pp = &R[i]; (*pp)[0] = 1;", "pointer to a pointer"),
])
def test_a_pointer_the_loop_cannot_follow_makes_it_unproven(body, why):
    f = analyze(f"for (int i = 0; i < n; i++) {{ {body} }}")
    assert not f.safe
    note = next(n for n in f.notes if n.variable in ("p", "pp"))
    assert why in note and "(line 1)" in note and note.line == 1, note
    # never `copyin` alone for what may be written through it
    assert all(f.arrays[a] == "inout" for a in ("A", "B", "R") if a in f.arrays), f.arrays


def test_a_pointer_of_unknown_target_that_is_only_read_is_no_race():
    f = analyze("for (int i = 0; i < n; i++) { const double *p = get(i); s += p[0]; }")
    assert f.safe and f.reductions == [("+", "s")]


def test_a_pointer_assigned_in_the_loop_but_declared_before_it():
    f = analyze("for (i = 0; i < n; i++) { p = A + i*m; for (j = 0; j < m; j++) p[j] = 1; }")
    assert f.safe and f.arrays == {"A": "out"} and "p" in f.private
    f = analyze("for (i = 0; i < n; i++) { for (j = 0; j < m; j++) p[j] = 1; p = A + i*m; }")
    assert not f.safe  # the first iteration writes where p pointed before the loop


def test_a_dereference_is_an_element_of_the_pointer():
    # C11 6.5.2.1: `*(p + k)` is `p[k]`, `*p` is `p[0]`, whatever declares p
    f = analyze("for (j = 0; j < m; j++) *(dst + j) = src[j] + 1.0;")
    assert f.safe and f.arrays == {"src": "in", "dst": "out"}
    assert f.sections == {"src": "src[0:m]", "dst": "dst[0:m]"}
    f = analyze("for (i = 0; i < n; i++) *s += a[i];")  # one element, every iteration
    assert not f.safe and _deps(f) == ["s"] and f.arrays["s"] == "inout"


def test_the_bundled_row_pointer_program_keeps_its_parallel_loops():
    """The suite's `row_views` (rows of a flat grid through `&A[i*m]`, `A + i*m` and
    `*(dst + j)`): the scaling and copy-back loops over rows are answered parallel with the
    whole grid mapped (before, the grid was left unmapped: a data error)."""
    import re
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "evaluation/programs/programs/row_views"
    src = re.sub(r"(?m)^[ \t]*#pragma acc.*$", "", (path / "kernel.c").read_text())
    for marker in ("double *row = &A[i * m];", "double *dst = A + i * m;"):
        at = src.index(marker)
        loop = src.rindex("for (", 0, at)
        f = analyze(src[loop:], scope=scope_of(src, len(src[:loop].encode())),
                    first_line=src[:loop].count("\n") + 1)
        assert f.safe, (marker, f.notes)
        assert f.sections.get("A") == "A[0:m*n]", (marker, f.sections)


def _scoped(src: str, marker: str):
    at = src.index(marker)
    loop = src.index("for (", at)
    return analyze(src[loop:], scope=scope_of(src, len(src[:loop].encode())),
                   first_line=src[:loop].count("\n") + 1)


def test_with_the_file_a_pointer_defined_before_the_loop_meets_its_array():
    src = ("void f(int n, int m, double *A)\n{\n    double *next = A + m;\n"
           "    /* here */\n    for (int j = 0; j < n; j++)\n        next[j] = A[j] + 1.0;\n}\n")
    f = _scoped(src, "/* here */")
    assert not f.safe and _deps(f) == ["A"], f.notes
    src = ("void g(int n, double *A)\n{\n    double *hi = A + n;\n"
           "    /* here */\n    for (int j = 0; j < n; j++)\n        hi[j] = A[j] + 1.0;\n}\n")
    assert _scoped(src, "/* here */").safe  # A[n + j] and A[j]: apart for j < n
    src = ("void h(int n, int m, double *A)\n{\n    double *next;\n    next = A + m;\n"
           "    /* here */\n    for (int j = 0; j < n; j++)\n        next[j] = A[j] + 1.0;\n}\n")
    assert not _scoped(src, "/* here */").safe  # assigned once before the loop: the same
    src = ("void k(int n, int m, double *A)\n{\n    double *next = A + m;\n    m = 2 * m;\n"
           "    /* here */\n    for (int j = 0; j < n; j++)\n        next[j] = A[j + m];\n}\n")
    # m changed after next took it: the offset is not one the loop can use, but next still
    # points into A (A[m0 + j] written, A[j + 2 m0] read: the same element where j - j' = m0
    # < n), so the two names are one memory at an unknown offset — a possible dependence
    # (before the forty-fifth session, next was taken for a memory of its own: `safe`)
    f = _scoped(src, "/* here */")
    assert not f.safe and set(f.arrays) == {"A", "next"}, f.notes
    assert any("`next` may point into `A` (line 3)" in n for n in f.notes), f.notes
    assert ("next", "A", 3) in f.pointed, f.pointed


def test_with_the_file_a_scratch_pointer_is_no_private_array():
    src = ("void f(int n, int m, const double *a, double *w, double *out)\n{\n"
           "    /* here */\n    for (int i = 0; i < n; i++) {\n        double *row = w;\n"
           "        for (int j = 0; j < m; j++)\n            row[j] = a[i * m + j];\n"
           "        out[i] = row[0];\n    }\n}\n")
    f = _scoped(src, "/* here */")
    assert not f.safe and f.private_arrays == [] and _deps(f) == ["w"], f.notes
    assert "not an array of this function" in next(n for n in f.notes if n.variable == "w")


# -- whole programs ---------------------------------------------------------------------------

PAR = "#pragma acc parallel loop"
# name: (kernel with the pragma the engines used to write on its first loop — for `moved`,
# the one a tool that ignores the pointer writes —, the check in main, what is wrong with it)
KERNELS = {
    "rows": (
        "void fill_rows(int n, int m, double *A)\n{\n" + PAR + "\n"
        "    for (int i = 0; i < n; i++) {\n        double *row = A + i * m;\n"
        "        for (int j = 0; j < m; j++)\n            row[j] = row[j] * 2.0 + i;\n    }\n"
        "    for (int i = 0; i < n; i++) {\n        double *row = &A[i * m];\n"
        "        for (int j = 0; j < m; j++)\n            row[j] += j;\n    }\n}\n",
        "fill_rows(n, m, A);\n"
        "  for (int i = 0; i < n; i++) for (int j = 0; j < m; j++)\n"
        "    if (A[i * m + j] != 2.0 * (i * m + j) + i + j) bad++;\n",
        "A written through `row` is never mapped"),
    "scratch": (
        "void scratch(int n, int m, const double *a, double *w, double *out)\n{\n"
        + PAR + " copyin(a[0:m*n]) copyout(out[0:n])\n"
        "    for (int i = 0; i < n; i++) {\n        double *row = w;\n"
        "        for (int j = 0; j < m; j++)\n            row[j] = a[i * m + j];\n"
        "        out[i] = row[0] + row[m - 1];\n    }\n}\n",
        "scratch(n, m, A, w, out);\n"
        "  for (int i = 0; i < n; i++) if (out[i] != A[i * m] + A[i * m + m - 1]) bad++;\n",
        "every iteration writes w[0..m-1] through `row`, and w is not mapped"),
    "moved": (
        "void moved(int n, int m, const double *a, double *w, double *out)\n{\n"
        + PAR + " copyin(a[0:m*n]) copyout(out[0:n])\n"
        "    for (int i = 0; i < n; i++) {\n        double *p = w;\n"
        "        for (int j = 0; j < m; j++)\n            *p++ = a[i * m + j];\n"
        "        out[i] = w[0] + w[m - 1];\n    }\n}\n",
        "moved(n, m, A, w, out);\n"
        "  for (int i = 0; i < n; i++) if (out[i] != A[i * m] + A[i * m + m - 1]) bad++;\n",
        "every iteration writes w[0..m-1] through a moving pointer; w is not mapped"),
    "outer": (
        "void shift_up(int n, int m, double *A)\n{\n    double *next = A + m;\n"
        + PAR + " copyin(A[0:n]) copyout(next[0:n])\n"
        "    for (int j = 0; j < n; j++)\n        next[j] = A[j] + 1.0;\n}\n",
        "shift_up(n * m - m, m, A);\n"
        "  for (int e = 0; e < n * m; e++) if (A[e] != e % m + e / m) bad++;\n",
        "next[j] is A[j + m]: iteration j + m reads what iteration j writes"),
    "call": (
        "static void init_row(double *r, int m, int i);\n"
        "void fill(int n, int m, double *A)\n{\n" + PAR + "\n"
        "    for (int i = 0; i < n; i++) {\n        double *row = A + i * m;\n"
        "        init_row(row, m, i);\n    }\n}\n"
        "static void init_row(double *r, int m, int i)\n{\n"
        "    for (int j = 0; j < m; j++)\n        r[j] = i * m + j;\n}\n",
        "fill(n, m, A);\n"
        "  for (int e = 0; e < n * m; e++) if (A[e] != e) bad++;\n",
        "the callee writes A through `row`, which no clause maps"),
}

MAIN = """#include <stdio.h>
#include <stdlib.h>
void fill_rows(int n, int m, double *A);
void scratch(int n, int m, const double *a, double *w, double *out);
void moved(int n, int m, const double *a, double *w, double *out);
void shift_up(int n, int m, double *A);
void fill(int n, int m, double *A);
int main(void) {
  int n = 3000, m = 7; long bad = 0;
  double *A = malloc(sizeof(double) * n * m), *w = malloc(sizeof(double) * m),
         *out = malloc(sizeof(double) * n);
  for (int e = 0; e < n * m; e++) A[e] = e;
  %s
  printf(bad == 0 ? "OK\\n" : "BAD %%ld\\n", bad);
  free(A); free(w); free(out);
  return 0;
}
"""


def _first_loop_line(kernel: str) -> int:
    return kernel[:kernel.index("for (")].count("\n") + 1


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("aliases")
    progs = {name: {"k.c": kernel, "main.c": MAIN % check}
             for name, (kernel, check, _) in KERNELS.items()}
    return _suite(tmp, progs, wrong={name: why for name, (_, _, why) in KERNELS.items()})


def test_the_old_answers_fail(suite):
    """Control: the pragma that ignores the pointer fails in the emulator on each loop
    (missing data, overlapping sections of one array)."""
    r = evaluate_dynamic(suite, None, threads=4, runs=1, with_mutations=False)
    for row in r["programs"]:
        assert row["serial"]["status"] == "verified", (row["name"], row["serial"])
        assert row["original"]["status"] != "verified", (row["name"], row["original"])


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_the_engines_answers_verify(suite, engine):
    r = evaluate_dynamic(suite, engine, threads=4, runs=1, with_mutations=False)
    rows = {p["name"]: p for p in r["programs"]}
    for name, (kernel, _, _) in KERNELS.items():
        eng = rows[name]["engine"]
        assert eng["status"] == "verified", (name, eng)
        line = _first_loop_line(kernel)  # the pragma is stripped, the lines are kept
        on_loop = [p for p in eng["pragmas"] if p["line"] == line]
        if name == "rows":  # both row-pointer loops stay parallel, A mapped whole
            par = [p for p in eng["pragmas"] if p["parallel"]]
            assert len(par) >= 2 and all("A[0:m*n]" in (p["pragma"] or "") for p in par[:2]), \
                eng["pragmas"]
        else:
            assert not any(p["parallel"] for p in on_loop), (name, eng["pragmas"])
