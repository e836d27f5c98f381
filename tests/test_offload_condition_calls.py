"""A call of an offloaded function in the condition of an ``if``, ``while``, ``do`` or ``for``
is a unit of the caller's data region, as a call statement is (docs/offload.md, item 10).

A full expression runs on the host where its statement stands (C11 6.8p4), a loop's
controlling expression each time the loop tests it: a call in it finds present what a region
around the statement maps, exactly as a call statement does.  An iterative solver tests
convergence with ``if (sqrt(dot(n, r, r)) < tol) break;`` or ``while (dot(n, r, r) > tol)``;
before, such a call was "not a statement of its own", no region could hold it, and every
small function of the iteration mapped its arrays on each call.  Now one region holds the
iteration (the ``while`` condition repeated with its body) and the arrays move once.

Twins that stay excluded: the host reads the array in the same condition (``+ 0.0 * r[0]``:
an ``update`` around the statement cannot serve a read inside it); and a call the statement
may skip (the right operand of ``&&``) never writes its array for sure, so the region copies
that array in (before, the expression statement ``e = k > 0 && load(n, v, t) > 0;`` got
``copyout``: with ``k == 0`` the next calls read an uninitialised device copy).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import json

import pytest
from _offload_util import acc_lines, line_after, plan_text

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 20000

SMALL = """#include <math.h>

static double dot(int n, const double *a, const double *b)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static void axpy(int n, double a, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

static void scale(int n, double a, double *x)
{
    for (int i = 0; i < n; i++)
        x[i] *= a;
}
"""
# an iteration that breaks out when converged, and one whose `while` tests convergence
SOLVE = SMALL + """
int halve(int n, int maxit, double tol, double *x, double *r)
{
    int it = 0;
    for (it = 0; it < maxit; it++) {
        axpy(n, 1.0, r, x);
        scale(n, 0.5, r);
        if (sqrt(dot(n, r, r)) < tol HALVE_READ)
            break;
    }
    return it;
}

int settle(int n, double tol, double *x, double *r)
{
    int it = 0;
    while (dot(n, r, r) > tol * tol SETTLE_READ) {
        axpy(n, 1.0, r, x);
        scale(n, 0.5, r);
        it++;
    }
    return it;
}
"""
SOLVE_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int halve(int n, int maxit, double tol, double *x, double *r);
int settle(int n, double tol, double *x, double *r);
int main(void) {
  int n = NSIZE, bad = 0, c = 0, d = 0;
  double *x = malloc(n * sizeof *x), *r = malloc(n * sizeof *r);
  double *y = malloc(n * sizeof *y), *s = malloc(n * sizeof *s);
  double *rx = malloc(n * sizeof *rx), *rr = malloc(n * sizeof *rr);
  double *ry = malloc(n * sizeof *ry), *rs = malloc(n * sizeof *rs);
  for (int i = 0; i < n; i++) {
    x[i] = y[i] = rx[i] = ry[i] = 0.0; r[i] = s[i] = rr[i] = rs[i] = 1.0 + i % 5;
  }
  int a = halve(n, 1000, 1e-6, x, r), b = settle(n, 1e-6, y, s);
  for (c = 0; c < 1000; c++) {
    double t = 0.0;
    for (int i = 0; i < n; i++) { rx[i] += rr[i]; rr[i] *= 0.5; t += rr[i] * rr[i]; }
    if (sqrt(t) < 1e-6) break;
  }
  for (;;) {
    double t = 0.0;
    for (int i = 0; i < n; i++) t += rs[i] * rs[i];
    if (!(t > 1e-6 * 1e-6)) break;
    for (int i = 0; i < n; i++) { ry[i] += rs[i]; rs[i] *= 0.5; }
    d++;
  }
  bad += a != c || b != d || c < 10;
  for (int i = 0; i < n; i++) bad += x[i] != rx[i] || r[i] != rr[i] || y[i] != ry[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# a callee that writes `t` whole, called only when `k > 0`: the region must copy `t` in
SKIP = """
static int load(int n, const double *v, double *t)
{
    for (int i = 0; i < n; i++)
        t[i] = 2.0 * v[i];
    return 1;
}

static void add(int n, const double *t, double *u)
{
    for (int i = 0; i < n; i++)
        u[i] += t[i];
}

double run(int n, int k, const double *v, double *t, double *u)
{
    double e = 0.0;
    CALL
    add(n, t, u);
    add(n, t, u);
    return e;
}
"""
SKIP_STATEMENT = "e = k > 0 && load(n, v, t) > 0;"
SKIP_IF = "if (k > 0 && load(n, v, t) > 0)\n        e = 1.0;"
SKIP_MAIN = """#include <stdio.h>
#include <stdlib.h>
double run(int n, int k, const double *v, double *t, double *u);
int main(void) {
  int n = NSIZE, bad = 0;
  double *v = malloc(n * sizeof *v), *t = malloc(n * sizeof *t), *u = malloc(n * sizeof *u);
  for (int i = 0; i < n; i++) { v[i] = i % 5; t[i] = 1 + i % 3; u[i] = 0.0; }
  double e = run(n, 0, v, t, u);
  for (int i = 0; i < n; i++) bad += u[i] != 2.0 * (1 + i % 3) || t[i] != 1 + i % 3;
  e += run(n, 1, v, t, u);
  for (int i = 0; i < n; i++)
    bad += u[i] != 2.0 * (1 + i % 3) + 4.0 * (i % 5) || t[i] != 2.0 * (i % 5);
  bad += e != 1.0;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def _solve(host_read: bool) -> str:
    return SOLVE.replace("HALVE_READ", "+ 0.0 * r[0]" if host_read else "") \
        .replace("SETTLE_READ", "+ 0.0 * r[n - 1]" if host_read else "") \
        .replace(" )", ")")


def _skip(call: str) -> str:
    return SKIP.replace("CALL", call)


def _plan(kernel: str, main: str, engine) -> tuple[str, dict]:
    return plan_text(kernel, engine, program=[main.encode()])


def test_a_call_in_a_loops_condition_joins_the_iterations_region(engine):
    text, plans = _plan(_solve(False), SOLVE_MAIN, engine)
    # one region around each iteration; the tested call is a unit of it
    assert line_after(text, "#pragma acc data copy(r[0:n], x[0:n])") == \
        "for (it = 0; it < maxit; it++) {", text
    tests = [k + 1 for k, ln in enumerate(_solve(False).splitlines()) if "dot(n, r, r)" in ln]
    assert {"line": tests[0], "functions": ["dot"]} in plans["halve"].calls, plans["halve"].calls
    assert plans["halve"].regions[0]["calls"] == 3 and plans["halve"].regions[0]["repeated"]
    # the while's condition: repeated with the body (settle's `r` is not read after it)
    assert line_after(text, "#pragma acc data copyin(r[0:n]) copy(x[0:n])") == \
        "while (dot(n, r, r) > tol * tol) {", text
    assert {"line": tests[1], "functions": ["dot"]} in plans["settle"].calls
    assert plans["settle"].regions[0]["calls"] == 3 and plans["settle"].regions[0]["repeated"]
    assert not any("update" in a for a in acc_lines(text))


def test_a_host_read_in_the_same_condition_keeps_the_call_out(engine):
    """The call stays on the host (a barrier: no region holds it), so only the two calls
    between the tests share a region, inside the iteration."""
    src = _solve(True)
    text, plans = _plan(src, SOLVE_MAIN, engine)
    tests = [k + 1 for k, ln in enumerate(src.splitlines()) if "dot(n, r, r)" in ln]
    for fn, line in zip(("halve", "settle"), tests, strict=True):
        notes = " ".join(plans[fn].notes)
        assert f"line {line} also uses `r` on the host" in notes, notes
        assert [c["functions"] for c in plans[fn].calls] == [["axpy"], ["scale"]]
        assert not plans[fn].regions[0]["repeated"], plans[fn].regions
    assert line_after(text, "#pragma acc data copy(r[0:n], x[0:n])") == "{"


@pytest.mark.parametrize("call", [SKIP_STATEMENT, SKIP_IF])
def test_a_call_the_statement_may_skip_writes_nothing_for_sure(engine, call):
    text, plans = _plan(_skip(call), SKIP_MAIN, engine)
    region = next(a for a in acc_lines(text) if a.startswith("#pragma acc data"))
    assert region == "#pragma acc data copyin(v[0:n]) copy(t[0:n], u[0:n])", text
    assert plans["run"].regions[0]["calls"] == 3, plans["run"].regions


def _entry(tmp_path, name: str, kernel: str, main: str, annotate: list[str]) -> dict:
    d = tmp_path / "programs" / name
    d.mkdir(parents=True)
    (d / "kernel.c").write_text(kernel)
    (d / "main.c").write_text(main.replace("NSIZE", str(N)))
    return {"name": name, "sources": ["kernel.c", "main.c"], "annotate": annotate,
            "compile": "gcc -O1 -fopenacc kernel.c main.c -o {out} -lm",
            "compile_serial": "gcc -O1 kernel.c main.c -o {out} -lm",
            "run": [], "timeout_s": 20, "verify": {"kind": "stdout_regex", "pattern": "^OK$"}}


def test_the_programs_verify_and_the_solver_moves_its_vectors_once(tmp_path, engine):
    """In the emulator: the solver's two regions move `x` and `r` once (3 + 4 vectors where
    each call of the iteration moved its own, 7 vectors per iteration, before); the twins
    verify with no region; the skipped call's region copies `t` in and verifies, and the plan
    the planner wrote before (``copyout(t[0:n])``) does not."""
    old, _ = _plan(_skip(SKIP_STATEMENT), SKIP_MAIN, engine)
    old = old.replace("copy(t[0:n], u[0:n])", "copy(u[0:n]) copyout(t[0:n])")
    assert "copyout(t[0:n])" in old
    entries = [_entry(tmp_path, "solve", _solve(False), SOLVE_MAIN, ["kernel.c"]),
               _entry(tmp_path, "host_read", _solve(True), SOLVE_MAIN, ["kernel.c"]),
               _entry(tmp_path, "skip_statement", _skip(SKIP_STATEMENT), SKIP_MAIN,
                      ["kernel.c"]),
               _entry(tmp_path, "skip_if", _skip(SKIP_IF), SKIP_MAIN, ["kernel.c"]),
               _entry(tmp_path, "skip_old", old, SKIP_MAIN, [])]
    (tmp_path / "manifest.json").write_text(json.dumps(entries))
    res = evaluate_dynamic(tmp_path / "manifest.json", "analysis", runs=1,
                           with_mutations=False, offload=True)
    got = {r["name"]: r for r in res["programs"]}
    for name in ("solve", "host_read", "skip_statement", "skip_if"):
        assert got[name]["offload"]["status"] == "verified", (name, got[name]["offload"])
    assert got["skip_old"]["original"]["status"] != "verified", got["skip_old"]["original"]
    moved = {k: got[k]["offload"]["bytes_h2d"] + got[k]["offload"]["bytes_d2h"]
             for k in ("solve", "host_read")}
    vec = N * 8
    # and each `dot`'s reduction scalar, in and out: 29 tests in halve, 30 in settle
    assert moved["solve"] == 7 * vec + 16 * (29 + 30), moved
    assert moved["host_read"] > 40 * moved["solve"], moved  # the calls map their own
