"""Macros in subscripts (analysis.macros) and linearised rows (analysis.rows): what the analysis
reads after the preprocessor, and which rows of ``a[i*n + e]`` the loop bounds prove."""

from __future__ import annotations

import pytest

from accellium.dataset.analysis import analyze, scope_of
from accellium.dataset.analysis.macros import MacroTable, expand
from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.loops import parse_tree
from accellium.dataset.pragma import parse
from accellium.server.engines.analysis import AnalysisEngine
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import asserts_parallel

DEFS = """#define IDX(i, j, k) (((i) * n + (j)) * n + (k))
#define N 1024
#define NN (n * n)
#define U(i, j) u[(i) * n + (j)]
#define REC(x) REC(x + 1)
#define STR(x) #x
#define V(fmt, ...) f(fmt, __VA_ARGS__)
#ifdef BIG
#define W(a) (a)
#else
#define W(a) (a + 1)
#endif
#ifdef HAVE_X
#define X(a) (2 * (a))
#endif
int here;
#undef NN
#define LATE(i) (i)
"""


def _visible() -> dict:
    src = DEFS.encode()
    return MacroTable(parse_tree(src, "c").root_node).visible(src.index(b"int here"))


def test_the_macros_visible_where_the_code_is():
    vis = _visible()
    # N is a number (a constant name, kept); W has two definitions under #if (which one holds
    # is unknown); LATE is defined after; NN is #undef'd after `here` (still visible there)
    assert sorted(vis) == ["IDX", "NN", "REC", "STR", "U", "V", "X"]
    src = DEFS.encode()
    later = MacroTable(parse_tree(src, "c").root_node).visible(len(src))
    assert "NN" not in later and "LATE" in later


@pytest.mark.parametrize("code, want", [
    # parameters replaced by the arguments, parentheses and all
    ("IDX(i - 1, j, k)", "( ( ( i - 1 ) * n + ( j ) ) * n + ( k ) )"),
    # nested macros; an object-like one in an argument; the number macro N stays a name
    ("U(IDX(a, b, c), N + NN)", "u [ ( ( ( ( a ) * n + ( b ) ) * n + ( c ) ) ) * n + ( N + ( n * n ) ) ]"),
    # a macro's own name is not replaced again in its expansion (C11 6.10.3.4)
    ("REC(3)", "REC ( 3 + 1 )"),
    ("V(a, b, c)", "f ( a , b , c )"),
    ("IDX(1, (x, y), z)", "( ( ( 1 ) * n + ( ( x , y ) ) ) * n + ( z ) )"),
])
def test_expansion_is_the_preprocessors(code, want):
    assert expand(code, _visible()) == want


@pytest.mark.parametrize("code", [
    "IDX(1, 2)",  # another arity: not this macro (a compile error in C)
    "STR(a)",  # `#` in the body: not followed
    "W(a)",  # ambiguous: not visible
    "i + j",  # nothing to expand
])
def test_expansion_given_up(code):
    assert expand(code, _visible()) is None


HEAT = """#define IDX(i, j, k) (((i) * n + (j)) * n + (k))
void stencil(int n, double alpha, const double *restrict u, double *restrict v)
{
    for (int i = 1; i < n - 1; i++)
        for (int j = 1; j < n - 1; j++)
            for (int k = 1; k < n - 1; k++)
                v[IDX(i, j, k)] = u[IDX(i, j, k)]
                    + alpha * (u[IDX(i - 1, j, k)] + u[IDX(i + 1, j, k)] - 2.0 * u[IDX(i, j, k)]);
}
"""


def _facts(src: str, marker: str, scoped: bool = True, after: str = ""):
    at = src.index(marker, src.index(after))
    scope = scope_of(src, len(src[:at].encode())) if scoped else None
    return analyze(src[at:], scope=scope)


def test_macro_subscripts_are_read_expanded_with_the_file():
    f = _facts(HEAT, "for (int i")
    assert sorted(f.arrays) == ["u", "v"] and f.safe and f.collapse == 3
    assert "u[IDX(i, j, k)]" not in " ".join(f.notes)
    # sections from the expanded subscripts (the planner's extents): names of the source
    assert f.sections["v"] == "v[n*n+n+1:n*n*n-2*n*n-2*n-2]", f.sections
    assert f.sections["u"] == "u[n+1:n*n*n-2*n-2]", f.sections
    # the inner loop: `i` is a name of the source, not an array
    inner = _facts(HEAT, "for (int j")
    assert "i" not in inner.arrays and sorted(inner.arrays) == ["u", "v"]


def test_without_the_definition_an_index_is_never_an_array():
    """The loop alone (no file): ``IDX(i, j, k)`` keeps today's reading as an element of its
    first argument for the dependence test, but a loop index is never an array to move."""
    f = _facts(HEAT, "for (int i", scoped=False)
    assert "i" not in f.arrays


def test_a_macro_standing_for_an_element_is_that_element():
    src = """#define U(i, j) u[(i) * n + (j)]
void f(int n, double *u) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            U(i, j + 1) = U(i, j) + 1.0;
}
void g(int n, double *u) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n - 1; j++)
            U(i, j + 1) = U(i, j) + 1.0;
}
"""
    spill = _facts(src, "    for (int i")
    assert sorted(spill.arrays) == ["u"] and spill.arrays["u"] == "inout"
    assert [d.var for d in spill.carried] == ["u"]  # the last j writes row i + 1
    rows = _facts(src, "    for (int i", after="void g")
    assert rows.safe, rows.carried  # j + 1 < n: every access stays in row i


@pytest.mark.parametrize("defs, carried", [
    # defined after the loop, #undef'd before it: the call is read as written — not affine,
    # so nothing proves two iterations apart (a possible dependence, the loop stays serial)
    ("", "possible carried"),
    ("#define AT(i, j) ((i) * n + (j))\n#undef AT\n", "possible carried"),
    # visible: read expanded, the write reaches the next row (a dependence found)
    ("#define AT(i, j) ((i) * n + (j))\n", "other iterations of `i` write"),
])
def test_only_a_visible_definition_is_expanded(defs, carried):
    src = defs + """void f(int n, double *a) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            a[AT(i, j + 1)] += a[AT(i, j)];
}
#define AT(i, j) ((i) * n + (j))
"""
    f = _facts(src, "    for (int i")
    assert f.carried and carried in f.carried[0].message, f.carried


ADI_ROW = """void f(int n, double a, double b, double c, double *u, double *v, double *cp, double *dp) {
    for (int i = 0; i < n; i++) {
        cp[i * n] = c / b;
        dp[i * n] = u[i * n] / b;
        for (int j = 1; j < n; j++) {
            double m = b - a * cp[i * n + j - 1];
            cp[i * n + j] = c / m;
            dp[i * n + j] = (u[i * n + j] - a * dp[i * n + j - 1]) / m;
        }
        v[i * n + n - 1] = dp[i * n + n - 1];
        for (int j = n - 2; j >= 0; j--)
            v[i * n + j] = dp[i * n + j] - cp[i * n + j] * v[i * n + j + 1];
    }
}
"""


def _loop(body: str, sig: str = "int n, int m, double *a") -> str:
    return f"void f({sig}) {{\n{body}\n}}\n"


@pytest.mark.parametrize("code, carried", [
    # rows of n: j - 1 with j in [1, n) and n - 1 stay in row i (the Thomas sweep)
    (ADI_ROW, False),
    ("for (int i = 0; i < n; i++) for (int j = 1; j < n; j++)"
     " a[i * n + j] = a[i * n + j - 1] + 1;", False),
    # a descending inner loop: j + 1 in [1, n - 1]
    ("for (int i = 0; i < n; i++) for (int j = n - 2; j >= 0; j--)"
     " a[i * n + j] += a[i * n + j + 1];", False),
    # a triangular inner loop: j < i < n
    ("for (int i = 0; i < n; i++) for (int j = 0; j < i; j++)"
     " a[i * n + j + 1] += a[i * n + j];", False),
    # j + 1 reaches n: the next row's first element, which the next iteration reads
    ("for (int i = 0; i < n; i++) for (int j = 0; j < n; j++)"
     " a[i * n + j + 1] += a[i * n + j];", True),
    # the row above: carried (distance 1)
    ("for (int i = 1; i < n; i++) for (int j = 0; j < n; j++)"
     " a[i * n + j] = a[(i - 1) * n + j];", True),
    # the index assigned in the body: no range, not decided here (as before)
    ("for (int i = 0; i < n; i++) for (int j = 1; j < n; j++) {"
     " a[i * n + j] = a[i * n + j - 1]; j += 0; }", False),
])
def test_rows_of_linearised_subscripts(code, carried):
    src = code if code.startswith("void") else _loop(code)
    f = _facts(src, "for (int i")
    assert bool([d for d in f.carried if d.var == "a" or d.var in ("cp", "dp", "v")]) \
        is carried, f.carried


@pytest.mark.parametrize("header, want", [
    ("for (int j = 1; j < n; j++)", ("j", {(): 1}, {("n",): 1, (): -1})),
    ("for (j = 0; j <= m; ++j)", ("j", {}, {("m",): 1})),
    ("for (int j = n - 2; j >= 0; j--)", ("j", {}, {("n",): 1, (): -2})),
    ("for (int j = n; 0 < j; j -= 2)", ("j", {(): 1}, {("n",): 1})),
    ("for (int j = 0; j < n; j += 3)", ("j", {}, {("n",): 1, (): -1})),
    ("for (int j = 0; j < n; j--)", None),  # counts away from its bound
    ("for (int j = 0; j != n; j++)", None),
    ("for (int j = 0; j < n; j = j + 1)", None),  # not read
    ("for (int j = 0; j < n; j++) j += 2;", None),  # the body moves the index
])
def test_loop_ranges(header, want):
    from accellium.dataset.analysis.affine import affine
    from accellium.dataset.analysis.rows import loop_range

    body = header if header.endswith(";") else header + " a[j] = 0;"
    tree = parse_tree(f"void f(void) {{ {body} }}".encode(), "c")
    loop = next(n for n in iter_nodes(tree.root_node) if n.type == "for_statement")
    got = loop_range(loop, lambda n: affine(n, {}))
    if want is None:
        assert got is None
    else:
        var, lo, hi = want
        assert got == (var, tuple(sorted(lo.items())), tuple(sorted(hi.items())))


def test_a_bound_the_loop_assigns_proves_nothing():
    """``m`` changes in the body: ``j < m`` may not hold where the access runs, so no row is
    proven from it (the loop is read as before: the coordinates of the rows)."""
    src = _loop("for (int i = 0; i < n; i++) { m = n; for (int j = 0; j < m; j++)"
                " a[i * n + j + 1] += a[i * n + j]; }")
    assert _facts(src, "for (int i").carried == []
    from accellium.dataset.analysis.arrays import access_bounds  # the bound is left out
    from accellium.dataset.analysis.facts import LoopFacts
    from accellium.dataset.analysis.pipeline import _body, _view

    at = src.index("for (int i")
    loop = next(n for n in iter_nodes(parse_tree(src[at:].encode(), "c").root_node)
                if n.type == "for_statement")
    b = _body(loop, LoopFacts(index_vars=["i"]), None, "c")
    view = _view(b, "i")
    got = {acc.text: [r[0] for r in access_bounds(acc, view)] for acc in b.w.accesses}
    assert got == {"a[i * n + j + 1]": ["i"], "a[i * n + j]": ["i"]}, got


def test_a_bound_of_unknown_relation_stays_as_before():
    """``j < m`` in rows of ``n``: the rows cannot be proven, so the loop is read as before
    (the subscripts' row-major coordinates)."""
    src = _loop("for (int i = 0; i < n; i++) for (int j = 0; j < m; j++)"
                " a[i * n + j + 1] += a[i * n + j];")
    at = src.index("for (int i")
    assert analyze(src[at:]).carried == []  # what the loop alone said before rows


@pytest.mark.parametrize("code", [
    "for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i * n + j + 1] += a[i * n + j];",
    "for (int i = 1; i < n; i++) for (int j = 0; j < n; j++) a[i * n + j] = a[(i - 1) * n + j];",
])
def test_the_guard_keeps_carried_rows_sequential(code):
    """The analysis engine (and its guard) never answer a parallel loop for a carried row."""
    src = _loop(code)
    at = src.index("for (int i")
    scope = scope_of(src, at)
    ans = AnalysisEngine().suggest(LoopQuery(src[at:], scope=scope))
    assert ans.pragma is None or not asserts_parallel(parse(ans.pragma)), ans.pragma


def test_bounds_are_read_expanded_as_the_subscripts():
    """``j < W`` with ``#define W (2 * m)`` and rows of ``W``: the bound and the stride are the
    same expression after the preprocessor, so the rows are proven (and the spill is seen)."""
    rows = "#define W (2 * m)\n" + _loop("for (int i = 0; i < n; i++) for (int j = 1; j < W; j++)"
                                        " a[i * W + j] = a[i * W + j - 1] + 1;")
    assert _facts(rows, "for (int i").safe
    spill = rows.replace("j = 1; j < W", "j = 0; j < W").replace("a[i * W + j - 1]",
                                                                "a[i * W + j + 1]")
    assert _facts(spill, "for (int i").carried


def test_a_macro_that_calls_a_function_is_a_call():
    """``#define emit(x) printf(...)``: its body calls a function, so a call of it is read as
    a call (unknown here: no parallel loop), not as its arguments alone; a macro calling only
    pure math and other such macros is its body."""
    src = """#include <stdio.h>
#define emit(x) printf("%f\\n", (x))
#define sq(x) sqrt((x) * (x))
#define at(a, i) a[sq(i) > 0 ? (i) : 0]
void f(int n, double *a) {
    for (int i = 0; i < n; i++)
        emit(a[i]);
}
void g(int n, double *a, double *b) {
    for (int i = 0; i < n; i++)
        b[i] = sq(a[i]) + at(a, i);
}
"""
    f = _facts(src, "    for (int i")
    assert f.calls == ["emit"] and not f.safe
    g = _facts(src, "    for (int i", after="void g")
    assert g.calls == [] and g.safe and sorted(g.arrays) == ["a", "b"]
