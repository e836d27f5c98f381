"""``*(p + k)`` is ``p[k]`` (C11 6.5.2.1) for an offset of any number of terms: the walk
reads ``*(a + n*i + j)`` and ``*(a + i + 1)`` as elements of ``a``
(:func:`accellium.dataset.analysis.walker._sum_terms`).  Before, an offset of more than one
term was lost: ``*(a + i) = *(a + i + 1) * s`` looked like a write-only loop (no dependence:
a racing parallel pragma), and in ``*(a + n*i + n)`` the last name added, ``n``, was taken for
the array.

Whole programs built with real gcc and run in the data-environment emulator with the
per-loop suggestions applied: ``shift`` (the next element read: sequential) and ``stride``
(a block read from the element ``n`` further: sequential) get no parallel pragma, and all
three — with ``rows``, a row-major copy through offsets, independent — verify (``rows`` gets no
pragma in a file that maps nothing: its extent through offsets is not derived)."""

from __future__ import annotations

import pytest
from _offload_util import write_suite

from accellium.dataset.analysis import analyze
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic


@pytest.mark.parametrize(("code", "arrays", "carried"), [
    ("for (i = 0; i < n; i++) *(a + i) = *(a + i + 1) * s;", {"a": "inout"}, True),
    ("for (i = 0; i < n; i++) *(a + n*i) = *(a + n*i + n);", {"a": "inout"}, True),
    ("for (i = 1; i < n; i++) *(a + i) = *(a + i - 1) + 1;", {"a": "inout"}, True),
    ("for (i = 0; i < n; i++) *(b + i) = *(a + i) * 2;", {"a": "in", "b": "out"}, False),
    ("for (i = 0; i < n; i++) for (j = 0; j < m; j++) s += *(a + n*i + j);", {"a": "in"}, False),
])
def test_offsets_of_several_terms_are_elements(code, arrays, carried):
    f = analyze(code)
    assert f.arrays == arrays, f.arrays
    assert any(d.var == "a" for d in f.carried) is carried, f.carried


KERNEL = """
void shift(int n, double *a, double s)
{
    for (int i = 0; i < n - 1; i++)
        *(a + i) = *(a + i + 1) * s;
}

void stride(int n, int m, double *a)
{
    for (int i = 0; i < m - 1; i++)
        *(a + n*i) = *(a + n*i + n) + 1.0;
}

void rows(int n, int m, const double *a, double *b)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            *(b + n*i + j) = 2.0 * *(a + n*i + j);
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void shift(int n, double *a, double s);
void stride(int n, int m, double *a);
void rows(int n, int m, const double *a, double *b);
int main(void)
{
    int n = 64, m = 48, bad = 0;
    double *a = malloc(n * m * sizeof *a), *b = malloc(n * m * sizeof *b);
    double *r = malloc(n * m * sizeof *r);
    for (int k = 0; k < n * m; k++) a[k] = r[k] = k % 17;
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CHECKS = {
    "shift": """shift(n * m, a, 0.5);
    for (int k = 0; k < n * m - 1; k++) r[k] = r[k + 1] * 0.5;
    for (int k = 0; k < n * m; k++) bad += a[k] != r[k];""",
    "stride": """stride(n, m, a);
    for (int i = 0; i < m - 1; i++) r[n * i] = r[n * i + n] + 1.0;
    for (int k = 0; k < n * m; k++) bad += a[k] != r[k];""",
    "rows": """rows(n, m, a, b);
    for (int k = 0; k < n * m; k++) bad += b[k] != 2.0 * a[k];""",
}


def test_the_programs_verify_with_the_suggestions_applied(tmp_path):
    programs = {name: (KERNEL, MAIN.replace("CHECK", check)) for name, check in CHECKS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=2,
                           with_mutations=False)
    by = {p["name"]: p for p in res["programs"]}
    for name in CHECKS:
        assert by[name]["engine"]["status"] == "verified", (name, by[name]["engine"]["reason"])
    pragmas = {q["line"]: q["pragma"] for q in by["rows"]["engine"]["pragmas"]}
    for name in ("shift", "stride"):
        at = KERNEL.index(f" {name}(")
        line = KERNEL[:KERNEL.index("for (int i", at)].count("\n") + 1
        assert "parallel" not in pragmas.get(line, ""), (name, pragmas)
