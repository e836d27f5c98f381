"""A call of a function-like macro whose body is one array element is that element (C11
6.10.3: a call stands for its body, the parameters replaced by the arguments; C11 6.5.1p5:
parentheses do not change an lvalue): ``U(i, j)`` with ``#define U(i, j) u[(j) * n + (i)]``,
``E2D(x, n, i, j)`` with the array a parameter, ``P2D(...)`` whose body is parenthesized.
The offload side (:func:`accellium.dataset.offload.uses.array_uses`, the extents behind the
per-loop sections and the plan) read such a call as a call: the loop's arrays had no extent
("the extent is unknown here": no pragma, nothing offloaded), and a host statement reading
``W(3)`` between two offloaded loops was not seen — no ``update self`` before it, a stale read.

Whole programs built with gcc and run in the data-environment emulator, with the per-loop
suggestions and with the offload plan applied: the macro loops get parallel pragmas with
sections and are offloaded; ``carried`` (``W(i) = W(i - 1) + 1``) stays without a parallel
loop; ``host_read`` verifies (it read a stale element before).  A macro whose body reads
data itself (``u[idx[i]]``) or calls a function is not an element only: read as before."""

from __future__ import annotations

import pytest
from _offload_util import marked_lines, plan_text, run_verified

from accellium.dataset.analysis.macro_element import macro_element, touches_memory
from accellium.dataset.analysis.macros import parse_define
from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.uses import array_uses
from accellium.server.engines import get_engine

KERNEL = """#define U(i, j) u[(j) * n + (i)]
#define V(i, j) v[(j) * n + (i)]
#define E2D(a, ld, i, j) a[(j) * (ld) + (i)]
#define P2D(a, ld, i, j) (a[(j) * (ld) + (i)])
#define W(i) w[(i)]

void named(int n, int m, double *u, const double *v)
{
    for (int j = 0; j < m; j++) /* named */
        for (int i = 0; i < n; i++)
            U(i, j) = 2.0 * V(i, j) + 1.0;
}

void param(int n, int m, double *x, const double *y)
{
    for (int j = 0; j < m; j++) /* param */
        for (int i = 0; i < n; i++)
            E2D(x, n, i, j) = 0.5 * E2D(y, n, i, j);
}

void paren(int n, int m, double *x, const double *y)
{
    for (int j = 0; j < m; j++) /* paren */
        for (int i = 0; i < n; i++)
            P2D(x, n, i, j) = P2D(y, n, i, j) - 1.0;
    for (int j = 0; j < m; j++) /* paren again */
        for (int i = 0; i < n; i++)
            P2D(x, n, i, j) += 3.0;
}

void carried(int n, double *w)
{
    for (int i = 1; i < n; i++) /* carried */
        W(i) = W(i - 1) + 1.0;
}

void host_read(int n, double *w, const double *v, double *s)
{
    for (int i = 0; i < n; i++) /* first */
        w[i] = 2.0 * v[i];
    s[0] = W(3);
    for (int i = 0; i < n; i++) /* second */
        w[i] = w[i] + s[0];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void named(int n, int m, double *u, const double *v);
void param(int n, int m, double *x, const double *y);
void paren(int n, int m, double *x, const double *y);
void carried(int n, double *w);
void host_read(int n, double *w, const double *v, double *s);
int main(void)
{
    int n = 40, m = 30, bad = 0;
    double *a = malloc(n * m * sizeof *a), *b = malloc(n * m * sizeof *b), s[1] = {0.0};
    for (int k = 0; k < n * m; k++) { a[k] = -1.0; b[k] = k % 13; }
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

CHECKS = {
    "named": """named(n, m, a, b);
    for (int k = 0; k < n * m; k++) bad += fabs(a[k] - (2.0 * b[k] + 1.0)) > 1e-12;""",
    "param": """param(n, m, a, b);
    for (int k = 0; k < n * m; k++) bad += fabs(a[k] - 0.5 * b[k]) > 1e-12;""",
    "paren": """paren(n, m, a, b);
    for (int k = 0; k < n * m; k++) bad += fabs(a[k] - (b[k] + 2.0)) > 1e-12;""",
    "carried": """for (int k = 0; k < n; k++) a[k] = k % 5;
    carried(n, a);
    for (int k = 0; k < n; k++) bad += fabs(a[k] - k) > 1e-12;""",
    "host_read": """host_read(n, a, b, s);
    for (int k = 0; k < n; k++) bad += fabs(a[k] - (2.0 * b[k] + 2.0 * b[3])) > 1e-12;""",
}


def _uses(src: str, fn: str) -> list[tuple[str, str, bool, bool, bool]]:
    root = parse_tree(src.encode(), "c").root_node
    body = next(n for n in iter_nodes(root) if n.type == "function_definition"
                and f" {fn}(" in n.text.decode())
    return [(u.name, " ".join(u.node.text.decode().split()), u.read, u.write, u.whole)
            for u in array_uses(body) if u.subs or u.name in ("u", "v", "w", "x", "y", "idx")]


def test_an_element_macro_call_is_a_use_of_its_element():
    assert _uses(KERNEL, "named") == [("u", "U(i, j)", False, True, False),
                                      ("v", "V(i, j)", True, False, False)]
    # the argument naming the array is the element's array, not a whole use of it
    assert _uses(KERNEL, "param") == [("x", "E2D(x, n, i, j)", False, True, False),
                                      ("y", "E2D(y, n, i, j)", True, False, False)]
    assert ("x", "P2D(x, n, i, j)", True, True, False) in _uses(KERNEL, "paren")
    assert ("w", "W(3)", True, False, False) in _uses(KERNEL, "host_read")


@pytest.mark.parametrize(("define", "call"), [
    ("#define U(i) u[idx[i]]", "U(i)"),  # the body reads data itself
    ("#define U(i) u[f(i)]", "U(i)"),  # the body calls a function
    ("#define U(i) (u[i] + 1.0)", "U(i)"),  # a value, not an element
    ("#define U(i) ((float)u[i])", "U(i)"),  # a cast: a value
    ("#define U(a, i) a[(i) + a[0]]", "U(u, i)"),  # the array in its own subscript
    ("#define U(p, i) p[i]", "U(u + 1, i)"),  # an expression for the array
    ("#define U(...) u[__VA_ARGS__]", "U(i)"),  # variadic
])
def test_a_body_that_is_not_one_element_alone_is_not_one(define, call):
    src = f"{define}\nvoid f(int n, double *u, const int *idx)\n{{\n    {call};\n}}\n"
    root = parse_tree(src.encode(), "c").root_node
    node = next(n for n in iter_nodes(root) if n.type == "call_expression")
    assert macro_element(node) is None


def test_an_argument_read_in_a_subscript_is_read_where_written():
    src = ("#define U(i, j) u[(j) * n + (i)]\n"
           "void f(int n, double *u, const int *idx)\n{\n    U(idx[0], 1) = 0.0;\n}\n")
    got = _uses(src, "f")
    assert ("idx", "idx[0]", True, False, False) in got, got
    assert any(name == "u" and not whole for name, _, _, _, whole in got), got


def test_the_programs_verify_with_the_suggestions_and_the_plan(tmp_path):
    programs = {name: (KERNEL, MAIN.replace("CHECK", check)) for name, check in CHECKS.items()}
    by = run_verified(tmp_path, programs)
    marks = marked_lines(KERNEL)
    for name, markers, sections in (
            ("named", ("named",), ("v[0:m*n]", "u[0:m*n]")),
            ("param", ("param",), ("y[0:m*n]", "x[0:m*n]")),
            ("paren", ("paren", "paren again"), ("x[0:m*n]",))):
        pragmas = {q["line"]: q["pragma"] for q in by[name]["engine"]["pragmas"]}
        offloaded = {ln for p in by[name]["offload"]["plans"] for ln in p["loops"]}
        for marker in markers:
            got = pragmas.get(marks[marker], "")
            assert got.startswith("#pragma acc parallel loop"), (name, marker, pragmas)
            assert all(s in got for s in sections), (name, marker, got)
            assert marks[marker] in offloaded, (name, marker, by[name]["offload"]["plans"])
    pragmas = {q["line"]: q["pragma"] for q in by["carried"]["engine"]["pragmas"]}
    got = pragmas.get(marks["carried"], "")
    assert "parallel" not in got and "independent" not in got, pragmas
    offloaded = {ln for p in by["host_read"]["offload"]["plans"] for ln in p["loops"]}
    assert {marks["first"], marks["second"]} <= offloaded, by["host_read"]["offload"]["plans"]


GENERATORS = """#define U(i, j) u[(j) * n + (i)]
void spelled(int n, int m, double *u)
{
    for (int j = 0; j < m; j++)
        for (int i = 0; i < n; i++)
            u[(j) * n + (i)] = i + 2.0 * j;
}

void through_macro(int n, int m, double *u)
{
    for (int j = 0; j < m; j++)
        for (int i = 0; i < n; i++)
            U(i, j) = i + 2.0 * j;
}
"""


def test_a_generator_through_a_macro_is_one_as_spelled_out():
    """A loop that only stores values computed from its indices stays on the host
    (:mod:`accellium.dataset.offload.generate`): the element macro is no call there."""
    _, plans = plan_text(GENERATORS, get_engine("analysis"))
    for name in ("spelled", "through_macro"):
        assert not plans[name].loops, (name, plans[name].notes)
        assert any("only generates `u`" in n for n in plans[name].notes), plans[name].notes


# Macros whose body touches memory of its own and is not one element: the walk reads only the
# user's nodes, so their calls are calls of a function not seen (before, their arguments alone
# were read: `SET(i + 1, a[i] * 0.5)` looked like a loop that only reads `a` — a racing
# `parallel loop copyin(a[0:n-1])` whose write never came back; `F(x, i)` and `P(i)` got
# parallel pragmas with `x`/`p` unmapped, host memory on the device).  A body that is a value
# reading elements with arithmetic subscripts (`F`) is now followed: its elements are read.
OPAQUE = """#define SET(i, v) (a[i] = (v))
#define F(x, i) (x[i] + x[(i) + 1])
#define P(i) (*(p + (i)))

void set(int n, double *a)
{
    for (int i = 0; i < n - 1; i++) /* set */
        SET(i + 1, a[i] * 0.5);
}

void pairs(int n, double *w, const double *x)
{
    for (int i = 0; i < n; i++) /* pairs */
        w[i] = F(x, i);
}

void deref(int n, double *p)
{
    for (int i = 0; i < n; i++) /* deref */
        P(i) = 0.25 * i;
}
"""

OPAQUE_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void set(int n, double *a);
void pairs(int n, double *w, const double *x);
void deref(int n, double *p);
int main(void)
{
    int n = 500, bad = 0;
    double *a = malloc(n * sizeof *a), *r = malloc(n * sizeof *r), *x = malloc((n + 1) * sizeof *x);
    for (int k = 0; k <= n; k++) x[k] = k % 9;
    for (int k = 0; k < n; k++) a[k] = r[k] = 1.0 + k % 4;
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

OPAQUE_CHECKS = {
    "set": """set(n, a);
    for (int k = 0; k < n - 1; k++) r[k + 1] = r[k] * 0.5;
    for (int k = 0; k < n; k++) bad += fabs(a[k] - r[k]) > 1e-12;""",
    "pairs": """pairs(n, a, x);
    for (int k = 0; k < n; k++) bad += fabs(a[k] - (x[k] + x[k + 1])) > 1e-12;""",
    "deref": """deref(n, a);
    for (int k = 0; k < n; k++) bad += fabs(a[k] - 0.25 * k) > 1e-12;""",
}


@pytest.mark.parametrize(("define", "touches"), [
    ("#define SET(i, v) (a[i] = (v))", True),
    ("#define F(x, i) (x[i] + x[(i) + 1])", True),
    ("#define P(i) (*(p + (i)))", True),
    ("#define NX(g) ((g)->nx)", True),
    ("#define IDX(i, j) ((i) * n + (j))", False),
    ("#define MAX(a, b) ((a) > (b) ? (a) : (b))", False),
    ("#define U(i, j) u[(j) * n + (i)]", False),
    ("#define SQ(x) (sqrt(x) * (x))", False),
])
def test_a_body_touching_memory_of_its_own(define, touches):
    m = parse_define(define)
    assert m is not None
    assert touches_memory(m, {m.name: m}) is touches


def test_macros_touching_memory_get_no_parallel_pragma(tmp_path):
    programs = {name: (OPAQUE, OPAQUE_MAIN.replace("CHECK", check))
                for name, check in OPAQUE_CHECKS.items()}
    by = run_verified(tmp_path, programs)
    marks = marked_lines(OPAQUE)
    for name in ("set", "deref"):
        pragmas = {q["line"]: q["pragma"] for q in by[name]["engine"]["pragmas"]}
        assert "parallel" not in pragmas.get(marks[name], ""), (name, pragmas)
    # `F(x, i)` is a value that reads two elements of `x`
    # (:func:`~accellium.dataset.analysis.macro_element.macro_reads`): they are the loop's,
    # so `x` is mapped with the section both reach (tests/test_dynamic_macro_hidden_arrays.py)
    pragmas = {q["line"]: q["pragma"] for q in by["pairs"]["engine"]["pragmas"]}
    assert pragmas[marks["pairs"]] == \
        "#pragma acc parallel loop copyin(x[0:n+1]) copyout(w[0:n])", pragmas
