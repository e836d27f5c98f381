"""The dependence test refuses what it cannot prove apart: conditional subscripts (each
alternative), different coefficients of the index (GCD test, constant bounds), symbolic
distances (the loop's own range), subscripts that are not affine (any value), products of
indices; each with the safe twin that stays parallel."""

from __future__ import annotations

import pytest

from accellium.dataset.analysis import analyze, scope_of
from accellium.dataset.analysis.affine import Reach, overlap, signature
from accellium.dataset.analysis.alternatives import MAX_ALTERNATIVES, expand, values
from accellium.dataset.analysis.meet import coefficients_meet, offset_meets
from accellium.dataset.loops import parse_tree
from accellium.dataset.pragma import parse
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import asserts_parallel
from accellium.server.suggest import suggest

ONE = frozenset()


def expr(code: str):
    tree = parse_tree(f"int x = {code};".encode(), "c")
    decl = tree.root_node.named_children[0]
    return tree, decl.child_by_field_name("declarator").child_by_field_name("value")


def sig(*codes: str):
    from accellium.dataset.analysis.affine import affine
    keep = []
    subs = []
    for c in codes:
        tree, node = expr(c)
        keep.append(tree)
        subs.append(affine(node, {}))
    return signature(subs)


def own(lo: str, hi: str):
    return sig(lo)[0], sig(hi)[0]


RACY = {  # (code, the access the note names)
    "reversal": ("for (int i = 0; i < n; i++) a[i] = a[n - 1 - i];", "a[n - 1 - i]"),
    "symbolic distance": ("for (int i = 0; i < m; i++) a[i] = a[i + n];", "a[i + n]"),
    "conditional local": ("for (int i = 0; i < n; i++) { int k = i > 0 ? i - 1 : i; "
                          "a[i] = a[k] + 1.0; }", "a[k]"),
    "conditional subscript": ("for (int i = 0; i < n; i++) a[i] = a[i > 0 ? i - 1 : 0];",
                              "a[i > 0 ? i - 1 : 0]"),
    "coefficients": ("for (int i = 0; i < n; i++) a[2 * i] = a[i] + 1.0;", "a[i]"),
    "sweep": ("for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) { "
              "int c = i * cols + j; int up = i > 0 ? c - cols : c; "
              "a[c] = 0.5 * a[c] + 0.25 * a[up]; }", "a[up]"),
    "modulo": ("for (int x = 0; x < n; x++) t[x % 10] = t[x % 10] + a[x];", "t[x % 10]"),
    "division": ("for (int x = 0; x < n; x++) t[x / 10] += a[x];", "t[x / 10]"),
    "square": ("for (int i = 0; i < n; i++) a[i * i] = a[i];", "a[i * i]"),
    "index product": ("for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) "
                      "a[i * j] = b[i] + b[j];", "a[i * j]"),
    "unknown macro": ("for (int i = 0; i < n; i++) u[IDX(i, j, n)] = 0;", "u[IDX(i, j, n)]"),
    "index-free read": ("for (int j = k; j < n; j++) A[k][j] = A[k][j] / A[k][k];",
                        "A[k][k]"),
    "constant bounds meet": ("for (int i = 0; i < 10; i++) a[2 * i] = a[i + 10];", "a[i + 10]"),
    "several values": ("for (int i = 0; i < n; i++) { m = 3; a[m] = a[i]; m = 4; a[m] = 0; }",
                       "a[m]"),
}

SAFE = {
    "offset past the range": "for (int i = 0; i < n; i++) a[i] = a[i + n];",
    "offset past an inclusive range": "for (int i = 0; i <= n; i++) a[i] = a[i + n + 1];",
    "same coefficient apart": "for (int i = 0; i < n; i++) x[2 * i] = x[2 * i + 1];",
    "gcd apart": "for (int i = 0; i < n; i++) x[4 * i] = x[2 * i + 1];",
    "other array reversed": "for (int i = 0; i < n; i++) a[i] = b[n - 1 - i];",
    "stencil into another array": (
        "for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) { "
        "int c = i * cols + j; int up = i > 0 ? c - cols : c; "
        "tout[c] = 0.5 * tin[c] + 0.25 * tin[up]; }"),
    "sweep row": ("for (int j = 0; j < cols; j++) { int c = i * cols + j; "
                  "int up = i > 0 ? c - cols : c; a[c] = 0.5 * a[c] + 0.25 * a[up]; }"),
    "index-free read outside the range": (
        "for (int j = k + 1; j < n; j++) A[k][j] = A[k][j] / A[k][k];"),
    "constant bounds apart": "for (int i = 0; i < 10; i++) a[i] = a[2 * i + 20];",
    "pinned by another dimension": ("for (int i = 0; i < n; i++) "
                                    "r[x % 4][i] = r[x % 4][i] * f[i];"),
    "atomic update": ("for (int x = 0; x < n; x++) {\n#pragma acc atomic update\n"
                      "t[x / 10] += a[x];\n}"),
}


@pytest.mark.parametrize("name", sorted(RACY))
def test_a_possible_carried_dependence_refuses_parallel(name):
    code, named = RACY[name]
    f = analyze(code)
    assert not f.safe, name
    said = " ".join(d.message for d in f.carried)
    assert f"`{named}`" in said, (name, said)
    for engine in ("analysis", "auto"):
        s = suggest(LoopQuery(code), engine)
        assert s.pragma is None or not asserts_parallel(parse(s.pragma)), (name, engine)


@pytest.mark.parametrize("name", sorted(SAFE))
def test_the_safe_twin_stays_parallel(name):
    f = analyze(SAFE[name])
    assert f.safe, (name, [d.message for d in f.carried])


def test_overlap_cases():
    i = "i"
    # different coefficients: the GCD test
    assert overlap(sig("4*i"), sig("2*i + 1"), i, ONE).reach is Reach.NEVER
    got = overlap(sig("2*i"), sig("i"), i, ONE)
    assert got.reach is Reach.MAYBE and got.carried
    assert overlap(sig("i"), sig("n - 1 - i"), i, ONE).carried
    # constant bounds searched: 2*i1 == i2 + 10 has i1 = 5, i2 = 0 in 0..9
    assert overlap(sig("2*i"), sig("i + 10"), i, ONE, own=own("0", "10")).carried
    assert not overlap(sig("i"), sig("2*i + 20"), i, ONE, own=own("0", "10")).carried
    # a symbolic distance against the loop's own range
    assert overlap(sig("i"), sig("i + n"), i, ONE, own=own("0", "n")).reach is Reach.NEVER
    assert overlap(sig("i"), sig("i - n"), i, ONE, own=own("0", "n")).reach is Reach.NEVER
    assert overlap(sig("i"), sig("i + n"), i, ONE, own=own("0", "m")).carried
    assert overlap(sig("i"), sig("i + n"), i, ONE, own=own("0", "n + 1")).carried
    assert overlap(sig("i"), sig("i + n"), i, ONE).carried  # no range known
    assert overlap(sig("3*i"), sig("3*i + 3*n"), i, ONE, own=own("1", "n + 1")).reach \
        is Reach.NEVER
    # a subscript that is not affine takes any value; another dimension may still pin
    assert overlap((None,), (None,), i, ONE).reach is Reach.MAYBE
    assert not overlap(sig("i", "0") [:1] + (None,), sig("i", "0")[:1] + (None,), i,
                       ONE).carried
    # products of indices
    assert overlap(sig("i*i"), sig("i"), i, ONE).reach is Reach.MAYBE
    # a linearised layout without bounds: rows i and i + 1 meet when n == 1 (tests of the
    # row proofs: tests/test_analysis_macros.py)
    assert overlap(sig("n*i"), sig("n*i - 1"), i, ONE).carried


def test_meet_helpers():
    assert not coefficients_meet(4, 2, {(): 1}, None)
    assert coefficients_meet(2, 1, {(): 0}, None)
    assert not coefficients_meet(1, 0, {("k",): 1}, own("k + 1", "n"))  # A[k][j], A[k][k]
    assert coefficients_meet(1, 0, {("k",): 1}, own("k", "n"))
    assert not offset_meets({("n",): 1}, 1, own("0", "n"))
    assert offset_meets({("n",): 1}, 2, own("0", "n"))  # 2*(i1 - i2) = n can hold


def test_alternatives_of_conditionals_and_their_cap():
    tree, node = expr("i > 0 ? i - 1 : i")
    got = values(node, {})
    assert got is not None and sorted(sorted(a.items()) for a in got) == \
        [[((), -1), (("i",), 1)], [(("i",), 1)]]
    # through a local: c = i*cols + j, up = c - cols or c
    tree2, node2 = expr("up + 1")
    c = ({("cols", "i"): 1, ("j",): 1},)
    up = values(expr("i > 0 ? c - cols : c")[1], {"c": c})
    assert up is not None and len(up) == 2
    assert len(values(node2, {"up": up}) or ()) == 2
    # 4 independent conditionals: 16 values, over the cap: unknown
    many = " + ".join(f"(c{k} ? {k} : {10 * k})" for k in range(1, 5))
    assert values(expr(many)[1], {}) is None
    assert MAX_ALTERNATIVES < 16
    # combinations over the dimensions are capped too
    two = ({(): 0}, {(): 1})
    assert len(expand([two, two])) == 4
    assert expand([two, two, two, two]) == [[None, None, None, None]]


def test_sections_cover_every_alternative():
    """A conditional subscript has no plain affine form: no section is computed from it
    without the file; with the file the section covers both rows where the row index is a
    count (it bounds a loop: at least 1), and none where its sign is unknown: at ``i == 0``,
    the case the condition guards, the union would start at ``-cols``, before the array."""
    f = analyze(RACY["conditional local"][0])
    assert "a" not in f.sections
    src = ("void step(int i, int cols, const double *tin, double *tout) {\n"
           "  for (int j = 0; j < cols; j++) { int c = i * cols + j;\n"
           "    int up = i > 0 ? c - cols : c; tout[c] = 0.5 * tin[c] + 0.25 * tin[up]; }\n}\n")
    at = src.index("for")
    f = analyze(src[at:src.index("\n}\n") + 1], "c", (), scope_of(src, at), 2)
    assert f.safe
    assert "tin" not in f.sections, f.sections
    counted = src.replace("{\n  for", "{\n  for (int r = 0; r < i; r++) tout[r] = 0.0;\n  for")
    at = counted.index("for (int j")
    f = analyze(counted[at:counted.index("\n}\n") + 1], "c", (), scope_of(counted, at), 3)
    assert f.sections.get("tin") == "tin[cols*i-cols:2*cols]", f.sections


def test_file_macros_are_expanded_for_the_test():
    src = ("#define IDX(i, j, n) ((i)*(n) + (j))\n#define SQ(x) ((x)*(x))\n"
           "void z(int n, int j, double *u) {\n"
           "  for (int i = 0; i < n; i++) u[IDX(j, i, n)] = 0;\n"
           "  for (int i = 1; i < n; i++) u[IDX(j, i, n)] = u[IDX(j, i - 1, n)];\n"
           "  for (int i = 0; i < n; i++) u[SQ(i)] = u[i];\n}\n")
    got = []
    for k in range(3):
        at = [p for p in range(len(src)) if src.startswith("for", p)][k]
        line = src.count("\n", 0, at) + 1
        code = src[at:src.index("\n", at)]
        got.append(analyze(code, "c", (), scope_of(src, at), line))
    assert got[0].safe, [d.message for d in got[0].carried]
    assert not got[1].safe and "read before" in got[1].carried[0].message
    assert not got[2].safe
    # without the file the macro is unknown: refused
    assert not analyze("for (int i = 0; i < n; i++) u[IDX(j, i, n)] = 0;").safe


def test_the_loop_under_its_own_declaration_keeps_no_range():
    # the bound changes in the body: no range, the distance stays possible
    f = analyze("for (int i = 0; i < n; i++) { a[i] = a[i + n]; n--; }")
    assert not f.safe
    # a step down: the range is not [lo, hi)
    f = analyze("for (int i = 0; i < n; i--) a[i] = a[i + n];")
    assert not f.safe


@pytest.mark.parametrize("loop, safe", [
    # a column of a row-major layout: the rows differ by a multiple of n, j stays below n
    ("for (int j = 0; j < n; j++) a[i*n + j] = a[(i + 1)*n + j];", True),
    ("for (int j = 0; j < n; j++) a[j] = a[(n - 1)*n + j];", True),
    ("for (int j = 0; j < n; j++) { dp[j] = 1.0; u[k*n + j] = dp[(n - 1)*n + j]; }", True),
    # j reaches n: j = n writes what j = 0 reads one row down
    ("for (int j = 0; j <= n; j++) a[i*n + j] = a[(i + 1)*n + j];", False),
    # the trip count is not the stride
    ("for (int j = 0; j < m; j++) a[i*n + j] = a[(i + 1)*n + j];", False),
    # a coefficient 2: 2*(j1 - j2) = n meets for an even n
    ("for (int j = 0; j < n; j++) a[2*j] = a[n + 2*j];", False),
])
def test_a_column_of_a_row_major_layout(loop, safe):
    """``c*(j1 - j2) = P*Q`` with ``|c| = 1`` and ``|j1 - j2| < trip <= P`` forces
    ``j1 == j2`` (meet.stride_apart); anything else stays a possible dependence."""
    f = analyze(loop)
    assert f.safe is safe, [d.message for d in f.carried]


def test_a_variable_named_like_a_library_function_is_a_scalar_of_the_loop():
    """`min`, `max`, `exp` ... are functions only where they are called: a loop that assigns
    one uses a variable of that name (a function is not an lvalue in C)."""
    f = analyze("for (int i = 0; i < n; i++) { min = fmin(a[i] * b[i], min); }")
    assert f.reductions == [("min", "min")]
    f = analyze("for (int i = 0; i < n; i++) max = max + a[i];")
    assert f.reductions == [("+", "max")]
    f = analyze("for (int i = 0; i < n; i++) max = a[i];")  # a last value: not parallel
    assert not f.safe and f.carried[0].var == "max"
    f = analyze("for (int i = 0; i < n; i++) { exp = a[i]; y[i] = exp * 2; }")
    assert f.safe and f.private == ["exp"]
    # called, never assigned: still a function, not a scalar the loop reads
    f = analyze("for (int i = 0; i < n; i++) y[i] = min(a[i], b[i]) + sqrt(c[i]);")
    assert f.safe and "min" not in f.scalars_read and "sqrt" not in f.scalars_read
