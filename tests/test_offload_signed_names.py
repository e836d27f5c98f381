"""A name in a subscript is a number of any sign unless a fact of C bounds it: the union of
two sections may take a name to be at least 1 (a size) only where the program says so.  With
``int k`` a parameter, ``q[i + n]`` and ``q[i + k*n]`` are ``q[i + n]`` and ``q[i]`` when the
caller passes 0, and ``a[i]`` with ``a[i + off]`` reaches ``a[off]`` before ``a[0]`` when
``off`` is negative (``a`` pointing inside a larger array, C11 6.5.6p8).  The extents took
every name for a size: ``q[n:k*n]`` (none of the elements ``q[i]`` reads when ``k`` is 0) and
``a[0:n+off]`` (none of ``a[off..-1]``), and the same ``q[n:k*n]`` for a local ``int k = 0``.

Whole programs run in the data-environment emulator with the per-loop suggestions and with
the offload plan; each reads the right elements now: no section from a name of unknown sign
(the loop stays on the host), and the plan spells the local out (``q[0:2*n]``).  Twin: a name that bounds a loop around
the one offloaded (``for (j = 0; j < m; j++)``: ``m >= 1`` wherever the inner loop runs,
C11 6.8.5.3) keeps the section ``q[n:m*n]``; so does one that bounds another loop of the
function (a parameter it never assigns: the same value in both loops, 6.5.2.2p4), and a
file-scope variable that bounds a loop of another function of the file (one object, 6.2.4p3):
the planner takes the limit of a loop to be a count, at least 1."""

from __future__ import annotations

from _offload_util import marked_lines, run_verified

N = 48

KERNEL = """void mix(int n, int k, const double *restrict q, double *restrict s)
{
    for (int i = 0; i < n; i++) /* mix */
        s[i] = q[i + n] + q[i + k * n];
}

void shift(int n, int off, const double *restrict a, double *restrict s)
{
    for (int i = 0; i < n; i++) /* shift */
        s[i] = a[i] + a[i + off];
}

void local(int n, const double *restrict q, double *restrict s)
{
    int k = 0;
    for (int i = 0; i < n; i++) /* local */
        s[i] = q[i + n] + q[i + k * n];
}

void twin(int n, int m, const double *restrict q, double *restrict s)
{
    for (int j = 1; j < m; j++)
        for (int i = 0; i < n; i++) /* twin */
            s[i] += q[i + n] + q[i + m * n];
}

void apart(int n, int m, const double *restrict q, double *restrict s, double *restrict t)
{
    for (int j = 0; j < m; j++)
        t[j] = 1.0;
    for (int i = 0; i < n; i++) /* apart */
        s[i] = q[i + n] + q[i + m * n];
}

int cols;

void fill(double *restrict t)
{
    for (int j = 0; j < cols; j++)
        t[j] = 2.0;
}

void glob(int n, const double *restrict q, double *restrict s)
{
    for (int i = 0; i < n; i++) /* glob */
        s[i] = q[i + n] + q[i + cols * n];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void mix(int n, int k, const double *restrict q, double *restrict s);
void shift(int n, int off, const double *restrict a, double *restrict s);
void local(int n, const double *restrict q, double *restrict s);
void twin(int n, int m, const double *restrict q, double *restrict s);
void apart(int n, int m, const double *restrict q, double *restrict s, double *restrict t);
void fill(double *restrict t);
void glob(int n, const double *restrict q, double *restrict s);
extern int cols;
int main(void)
{
    int n = NN, bad = 0;
    double *q = malloc(3 * n * sizeof *q), *s = malloc(n * sizeof *s);
    for (int k = 0; k < 3 * n; k++) q[k] = k % 7 + 0.5 * (k / n);
    for (int i = 0; i < n; i++) s[i] = 0.0;
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
""".replace("NN", str(N))

CHECKS = {
    "signed": """mix(n, 0, q, s);
    for (int i = 0; i < n; i++) bad += fabs(s[i] - (q[i + n] + q[i])) > 1e-12;
    shift(n, -3, q + n, s);
    for (int i = 0; i < n; i++) bad += fabs(s[i] - (q[n + i] + q[n + i - 3])) > 1e-12;
    local(n, q, s);
    for (int i = 0; i < n; i++) bad += fabs(s[i] - (q[i + n] + q[i])) > 1e-12;""",
    "twin": """twin(n, 2, q, s);
    for (int i = 0; i < n; i++) bad += fabs(s[i] - (q[i + n] + q[i + 2 * n])) > 1e-12;
    double t[2] = {0.0, 0.0};
    apart(n, 2, q, s, t);
    for (int i = 0; i < n; i++) bad += fabs(s[i] - (q[i + n] + q[i + 2 * n])) > 1e-12;
    cols = 2;
    fill(t);
    glob(n, q, s);
    for (int i = 0; i < n; i++) bad += fabs(s[i] - (q[i + n] + q[i + 2 * n])) > 1e-12;
    bad += t[0] != 2.0 || t[1] != 2.0;""",
}


def test_signed_names_bound_no_section_per_loop_or_planned(tmp_path):
    programs = {name: (KERNEL, MAIN.replace("CHECK", check)) for name, check in CHECKS.items()}
    by = run_verified(tmp_path, programs)
    marks = marked_lines(KERNEL)
    # a loop bound around the loop is at least 1 there: the section keeps the name
    pragmas = {p["line"]: p["pragma"] for p in by["twin"]["engine"]["pragmas"]}
    assert "q[n:m*n]" in pragmas.get(marks["twin"], ""), pragmas
    # so is a parameter bounding another loop of the function, or a global one of the file's:
    # a count, at least 1 (docs/offload.md, "Assumptions")
    assert "q[n:m*n]" in pragmas.get(marks["apart"], ""), pragmas
    assert "q[n:cols*n]" in pragmas.get(marks["glob"], ""), pragmas
    # a parameter of any sign: no section from it (the loop stays on the host)
    pragmas = {p["line"]: p["pragma"] for p in by["signed"]["engine"]["pragmas"]}
    for name in ("mix", "shift", "local"):
        assert "k*n]" not in pragmas.get(marks[name], "") and \
            "n+off]" not in pragmas.get(marks[name], ""), (name, pragmas)
    # the local of known value is that value in the plan: q[i] and q[i + n] are q[0:2*n]
    planned = [p for p in by["signed"]["offload"]["plans"] if marks["local"] in p["loops"]]
    assert planned and "q[0:2*n]" in str(planned), by["signed"]["offload"]["plans"]
