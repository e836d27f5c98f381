"""A file-scope ``static`` scalar a loop uses as per-iteration scratch is private when the
function assigns it again before anything may read the value the loop leaves
(:mod:`accellium.dataset.analysis.overwritten`): a ``static`` is visible to its file only, and
with no ``&`` on it no pointer reaches it.

``rows``: a sparse row product whose row sum lives in a ``static`` (``sum = 0; for k: sum +=
...; w[j] = sum;``); after the row loop the function computes with arrays only, then sets
``sum = 0.0``.  Its row loop is a parallel loop with ``private(sum)``.  ``steps``: the same
inside a time-step loop whose body starts with the row loop, ``sum`` set after the steps —
the path back to the row loop overwrites it (each row assigns it first).  Twins, each keeping
the loop off the device (the host must see the last row's sum): ``peek`` (the function reads
``sum`` before setting it), ``ends`` (the function ends first: the next call may read it),
``calls`` (a call of a function of another file comes first), ``leaked`` (the file takes its
address elsewhere), ``summed`` (the time step reads ``sum`` before the row loop),
``escapes`` (a ``break`` leaves the steps before the reset: the function ends with the last
row's sum).  The same
for a local (``block``: the row sum ``acc`` is set to 0 inside the block that holds the steps,
before the sum after them, and returned after the block; twin ``carry``: that sum starts from
the last row's value).

Whole programs, built with real gcc and run in the data-environment emulator with the
per-loop suggestions and the offload plan applied: the twins' drivers check the value of
``sum`` the host sees, so a loop wrongly offloaded fails them.  Each program's kernel file is
the file's declarations, its one function and the accessors (the functions it does not call
are left out, so that each plan is made once)."""

from __future__ import annotations

import pytest
from _offload_util import run_verified

from accellium.dataset.analysis import analyze, scope_of

ROWS = """
    for (int j = 0; j < n; j++) {
        sum = 0.0;
        for (int k = start[j]; k < start[j + 1]; k++)
            sum = sum + a[k] * x[col[k]];
        w[j] = sum;
    }"""

KERNEL = """#include <math.h>
#define N 300
int start[N + 1], col[4 * N];
double a[4 * N], x[N], w[N], y[N];
static double sum;
static double total;
double other(double v);

void rows(int n)
{""" + ROWS + """
    for (int j = 0; j < n; j++)
        y[j] = sqrt(fabs(w[j])) + 1.0;
    sum = 0.0;
}

void steps(int n, int nsteps)
{
    for (int t = 0; t < nsteps; t++) {""" + ROWS + """
        for (int j = 0; j < n; j++)
            x[j] = 0.5 * w[j] + 0.25;
    }
    sum = 0.0;
}

double peek(int n)
{""" + ROWS + """
    double last = sum;
    sum = 0.0;
    return last;
}

void ends(int n)
{""" + ROWS + """
}

double calls(int n)
{""" + ROWS + """
    double v = other(w[0]);
    sum = 0.0;
    return v;
}

void summed(int n, int nsteps)
{
    for (int t = 0; t < nsteps; t++) {
        total = total + sum;""" + ROWS + """
        for (int j = 0; j < n; j++)
            x[j] = 0.5 * w[j] + 0.25;
    }
    sum = 0.0;
}

void escapes(int n, int nsteps)
{
    for (int t = 0; t < nsteps; t++) {""" + ROWS + """
        if (t == 1)
            break;
        sum = 0.0;
    }
}

double last_sum(void) { return sum; }
double last_total(void) { return total; }

double block(int n, int nsteps)
{
    double acc;
    {
        for (int t = 0; t < nsteps; t++) {""" + ROWS.replace("sum", "acc") + """
            for (int j = 0; j < n; j++)
                x[j] = 0.5 * w[j] + 0.25;
        }
        acc = 0.0;
        for (int j = 0; j < n; j++)
            acc = acc + w[j];
    }
    return acc;
}

double carry(int n, int nsteps)
{
    double acc;
    {
        for (int t = 0; t < nsteps; t++) {""" + ROWS.replace("sum", "acc") + """
            for (int j = 0; j < n; j++)
                x[j] = 0.5 * w[j] + 0.25;
        }
        for (int j = 0; j < n; j++)
            acc = acc + w[j];
    }
    return acc;
}
"""

LEAK = "\nstatic double *where = &sum;\ndouble leaked(void) { return *where; }\n"

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N 300
extern int start[N + 1], col[4 * N];
extern double a[4 * N], x[N], w[N], y[N];
void rows(int n);
void steps(int n, int nsteps);
double peek(int n);
void ends(int n);
double calls(int n);
void summed(int n, int nsteps);
double block(int n, int nsteps);
double carry(int n, int nsteps);
void escapes(int n, int nsteps);
double last_sum(void);
double last_total(void);
double other(double v) { return last_sum() + v; }

static double rx[N], rw[N];

static double row(int j, const double *v)
{
    double s = 0.0;
    for (int k = start[j]; k < start[j + 1]; k++) s = s + a[k] * v[col[k]];
    return s;
}

int main(void)
{
    int bad = 0;
    start[0] = 0;
    for (int j = 0; j < N; j++) start[j + 1] = start[j] + 1 + j % 4;
    for (int k = 0; k < start[N]; k++) { col[k] = (k * 7) % N; a[k] = (k % 5) - 2.0; }
    for (int j = 0; j < N; j++) x[j] = rx[j] = (j % 9) * 0.25;
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CHECKS = {
    "rows": """rows(N);
    for (int j = 0; j < N; j++)
        bad += fabs(w[j] - row(j, x)) > 1e-12 || fabs(y[j] - (sqrt(fabs(w[j])) + 1.0)) > 1e-12;
    bad += last_sum() != 0.0;""",
    "steps": """steps(N, 3);
    for (int t = 0; t < 3; t++) {
        for (int j = 0; j < N; j++) rw[j] = row(j, rx);
        for (int j = 0; j < N; j++) rx[j] = 0.5 * rw[j] + 0.25;
    }
    for (int j = 0; j < N; j++) bad += fabs(x[j] - rx[j]) > 1e-12;""",
    "peek": """double got = peek(N);
    bad += fabs(got - row(N - 1, x)) > 1e-12;""",
    "ends": """ends(N);
    bad += fabs(last_sum() - row(N - 1, x)) > 1e-12;""",
    "calls": """double got = calls(N);
    bad += fabs(got - (row(N - 1, x) + row(0, x))) > 1e-12;""",
    "summed": """double ref = 0.0, prev = 0.0;
    summed(N, 3);
    for (int t = 0; t < 3; t++) {
        ref += prev;
        for (int j = 0; j < N; j++) rw[j] = row(j, rx);
        prev = rw[N - 1];
        for (int j = 0; j < N; j++) rx[j] = 0.5 * rw[j] + 0.25;
    }
    bad += fabs(last_total() - ref) > 1e-9;""",
    "escapes": """escapes(N, 3);
    bad += fabs(last_sum() - row(N - 1, x)) > 1e-12;""",
    "block": """double got = block(N, 2), ref = 0.0;
    for (int t = 0; t < 2; t++) {
        for (int j = 0; j < N; j++) rw[j] = row(j, rx);
        for (int j = 0; j < N; j++) rx[j] = 0.5 * rw[j] + 0.25;
    }
    for (int j = 0; j < N; j++) ref += rw[j];
    bad += fabs(got - ref) > 1e-9;""",
    "carry": """double got = carry(N, 2), ref = 0.0;
    for (int t = 0; t < 2; t++) {
        for (int j = 0; j < N; j++) rw[j] = row(j, rx);
        for (int j = 0; j < N; j++) rx[j] = 0.5 * rw[j] + 0.25;
    }
    ref = rw[N - 1];
    for (int j = 0; j < N; j++) ref += rw[j];
    bad += fabs(got - ref) > 1e-9;""",
}

FUNCTIONS = ("rows", "steps", "peek", "ends", "calls", "summed", "escapes", "block",
             "carry")


def _var(function: str) -> str:
    return "acc" if function in ("block", "carry") else "sum"


def _kernel_of(function: str) -> str:
    """KERNEL without the other functions of FUNCTIONS: what the program that calls only
    ``function`` runs (the file's declarations, ``function`` and the accessors), so each
    program's suggestions and plan are made for its own function alone."""
    others = tuple(f" {f}(" for f in FUNCTIONS if f != function)
    return "\n\n".join(b for b in KERNEL.split("\n\n")
                       if not any(b.split("\n", 1)[0].find(o) > 0 for o in others))


def _row_loop_line(function: str, src: str = KERNEL) -> int:
    at = src.index(f" {function}(")
    head = f"for (int j = 0; j < n; j++) {{\n        {_var(function)} = 0.0;"
    return src[:src.index(head, at)].count("\n") + 1


def _row_loop_facts(src: str, function: str):
    """The analysis, with the file, of the row loop (the first loop over ``j`` whose body
    assigns the row sum) of ``function``."""
    v = _var(function)
    at = src.index(f" {function}(")
    loop = src.index(f"for (int j = 0; j < n; j++) {{\n        {v} = 0.0;", at)
    end = src.index(f"w[j] = {v};\n    }}", loop) + len(f"w[j] = {v};\n    }}")
    return analyze(src[loop:end], "c", (), scope_of(src, len(src[:loop].encode())))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_row_sum_is_private_only_when_overwritten_before_any_read(function):
    facts = _row_loop_facts(KERNEL, function)
    dead = function in ("rows", "steps", "block")
    v = _var(function)
    assert (v in facts.private) is dead, (function, facts.private, facts.carried)
    assert (v in facts.live_out) is not dead, (function, facts.live_out)
    assert any(d.var == v for d in facts.carried) is not dead, facts.carried


def test_an_address_taken_anywhere_in_the_file_keeps_it_live():
    src = KERNEL + LEAK
    for function in ("rows", "steps"):
        facts = _row_loop_facts(src, function)
        assert "sum" not in facts.private and "sum" in facts.live_out, (function, facts.private)


def test_a_volatile_one_stays_live():
    """A ``volatile`` object may be read or changed in ways the code does not show (C11
    6.7.3p7): the rule is not applied to it, whatever the function does after the loop."""
    src = KERNEL.replace("static double sum;", "static volatile double sum;")
    for function in ("rows", "steps"):
        facts = _row_loop_facts(src, function)
        assert "sum" not in facts.private and "sum" in facts.live_out, (function, facts.private)


def test_a_macro_naming_it_reads_it():
    """A macro whose body names the object reads it where it is used: ``rows`` using
    ``HALF_SUM`` between the loop and the reset keeps the row sum live (the reset alone does
    not)."""
    src = KERNEL.replace("#define N 300\n", "#define N 300\n#define HALF_SUM (0.5 * sum)\n")
    at = src.index(" rows(")
    reset = src.index("    sum = 0.0;\n}", at)
    used = src[:reset] + "    y[0] += HALF_SUM;\n" + src[reset:]
    assert "sum" in _row_loop_facts(src, "rows").private
    facts = _row_loop_facts(used, "rows")
    assert "sum" not in facts.private and "sum" in facts.live_out, facts.private


def test_cpp_files_keep_it_live():
    """In C++ a reference binds to a variable without ``&``: the rule is not applied."""
    src = KERNEL
    at = src.index(" rows(")
    loop = src.index("for (int j = 0; j < n; j++) {\n        sum = 0.0;", at)
    end = src.index("w[j] = sum;\n    }", loop) + len("w[j] = sum;\n    }")
    facts = analyze(src[loop:end], "cpp", (), scope_of(src, len(src[:loop].encode()), "cpp"))
    assert "sum" in facts.live_out, facts.private


def test_the_programs_verify_with_suggestions_and_plans_applied(tmp_path):
    kernels = {name: _kernel_of(name) for name in CHECKS}
    programs = {name: (kernels[name], MAIN.replace("CHECK", check))
                for name, check in CHECKS.items()}
    by = run_verified(tmp_path, programs)
    assert set(by) == set(CHECKS), by.keys()
    # the row loops of `rows` and `steps` run on the device as parallel loops: one launch per
    # call (per step), not one per row
    for name, launches in (("rows", 1), ("steps", 3)):
        line = _row_loop_line(name, kernels[name])
        pragma = {q["line"]: q["pragma"] for q in by[name]["engine"]["pragmas"]}.get(line, "")
        assert pragma.startswith("#pragma acc parallel loop") and "private(sum)" in pragma, \
            (name, by[name]["engine"]["pragmas"])
        # the emulator's launch sites (lines of the annotated file): the row loop and the
        # loop after it, each launched once per call or step
        counts = [s["count"] for s in by[name]["engine"]["sites"]]
        assert counts == [launches, launches], (name, by[name]["engine"]["sites"])
    # the local overwritten after the block that holds the steps: the same
    line = _row_loop_line("block", kernels["block"])
    pragma = {q["line"]: q["pragma"] for q in by["block"]["engine"]["pragmas"]}.get(line, "")
    assert pragma.startswith("#pragma acc parallel loop") and "private(acc)" in pragma, pragma
