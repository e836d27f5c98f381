"""evaluation.depcheck: the independent dependence check behind ``unsafe_parallel``."""

import itertools
import random

import pytest

from accellium.evaluation.depcheck import DEFINITE, asserts_parallel, unsafe_kinds

PAR = "#pragma acc parallel loop"

UNSAFE = [
    ("for (int i = 1; i < n; i++) x[i] = x[i-1] + a[i];", "carried"),
    ("for (i = 0; i < n; i++) { for (j = 0; j < m; j++) w[j] -= a[i][j]; }", "same_element"),
    ("for (i = 0; i < n; i++) h[idx[i]]++;", "indirect_write"),
    # issue 17: an indirect update through a local index (a histogram)
    ("for (k = 0; k < n; k++) { j = arow[k] - first + 2; rowstr[j] = rowstr[j] + 1; }",
     "indirect_write"),
    ("for (i = 1; i < n; i++) { s = s * a[i] + b[i]; c[i] = s; }", "recurrence"),
    ("for (i = 0; i < n; i++) s += a[i];", "reduction_missing"),
    ("for (i = 0; i < n; i++) if (a[i] > m) m = a[i];", "reduction_missing"),
    ("for (i = 0; i < n; i++) { if (a[i] < 0) return; b[i] = a[i]; }", "exit"),
    ("for (i = 0; i < n; i++) { if (a[i] < 0) break; b[i] = a[i]; }", "exit"),
    ('for (j = 0; j < n; j++) printf("%f\\n", v[j]);', "call_effects"),
    # issue 17: a live-out flag, a time loop over calls
    ("for (k = 0; k < n; k++) if (iv[k] == i) { v[k] = val; set = 1; }", "live_out"),
    ("for (i = 0; i < ns; i++) { step(t, t->grid, t->tmp); step(t, t->tmp, t->grid); }",
     "call_unknown"),
]
SAFE = [
    "for (i = 0; i < n; i++) y[i] = a * x[i] + y[i];",
    "for (i = 0; i < n; i++) { t = a[i]; b[i] = t * t; }",
    "for (i = 0; i < n; i++) { double t = a[i]; b[i] = sqrt(t); }",
    "for (i = 0; i < n; i++) { for (j = 1; j < m; j++) a[i][j] = a[i][j-1]; }",
    "for (i = 0; i < n; i++) { for (j = 0; j < m; j++) c[i*m+j] = a[i*m+j] + 1; }",
    "for (i = 0; i < n; i++) { for (int k = 0; k < 4; k++) { if (k == 2) break; b[i] += k; } }",
]


@pytest.mark.parametrize(("code", "kind"), UNSAFE)
def test_each_kind_is_seen(code, kind):
    assert kind in unsafe_kinds(code, PAR)


@pytest.mark.parametrize("code", SAFE)
def test_safe_loops_pass(code):
    assert not unsafe_kinds(code, PAR)


def test_only_parallel_claims_count():
    dep = UNSAFE[0][0]
    assert unsafe_kinds(dep, "#pragma acc kernels") == {}  # the compiler decides
    assert unsafe_kinds(dep, "#pragma acc loop seq", ["#pragma acc parallel"]) == {}
    assert unsafe_kinds(dep, "#pragma acc loop", ["#pragma acc kernels"]) == {}  # auto
    assert "carried" in unsafe_kinds(dep, "#pragma acc loop independent", ["#pragma acc kernels"])
    assert unsafe_kinds(dep, None) == {}
    red = "for (i = 0; i < n; i++) s += a[i];"
    assert unsafe_kinds(red, "#pragma acc parallel loop reduction(+:s)") == {}


def test_collapse_makes_inner_loops_parallel():
    nest = "for (i = 0; i < n; i++) { for (j = 1; j < m; j++) a[i][j] = a[i][j-1]; }"
    assert not unsafe_kinds(nest, PAR)
    assert "carried" in unsafe_kinds(nest, PAR + " collapse(2)")
    assert asserts_parallel(PAR + " collapse(2)") == (True, 2)
    assert asserts_parallel("#pragma acc serial loop") == (False, 0)


def test_definite_kinds_exclude_the_possible_ones():
    assert "call_unknown" not in DEFINITE and "live_out" not in DEFINITE


def test_shares_no_code_with_the_guard():
    import accellium.evaluation.depaffine as a
    import accellium.evaluation.depcheck as d
    import accellium.evaluation.depscan as s

    for mod in (a, d, s):
        imports = [ln for ln in open(mod.__file__).read().splitlines()
                   if ln.startswith(("import ", "from "))]
        assert not any("server" in ln or "tree_sitter" in ln or "analysis" in ln
                       for ln in imports), imports


RACES = {  # a subscript that differs from the written one and uses the index or a local of it
    "reversal": "for (int i = 0; i < n; i++) a[i] = a[n - 1 - i];",
    "symbolic distance": "for (int i = 0; i < m; i++) a[i] = a[i + n];",
    "conditional local": ("for (int i = 0; i < n; i++) { int k = i > 0 ? i - 1 : i; "
                          "a[i] = a[k] + 1.0; }"),
    "coefficients": "for (int i = 0; i < n; i++) a[2 * i] = a[i] + 1.0;",
    "sweep": ("for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) { "
              "int c = i * cols + j; int up = i > 0 ? c - cols : c; "
              "a[c] = 0.5 * a[c] + 0.25 * a[up]; }"),
}


@pytest.mark.parametrize("name", sorted(RACES))
def test_races_through_other_subscripts_are_carried(name):
    got = unsafe_kinds(RACES[name], "#pragma acc parallel loop")
    assert "carried" in got, (name, got)
    # into another array: no race
    other = RACES[name].replace("a[i] =", "b[i] =").replace("a[2 * i] =", "b[2 * i] =") \
        .replace("a[c] = 0.5 * a[c]", "b[c] = 0.5 * a[c]")
    assert "carried" not in unsafe_kinds(other, "#pragma acc parallel loop"), (name, other)


# Facts of C/OpenACC the check uses to stay quiet, each next to the dependence it must still see
# (a safe loop, then the same loop with a real carried dependence or race).
PAIRS = {
    "member of an element indexed by the loop": (
        "for (i = 0; i < m; ++i) A[j].data[i] = B[j].data[i] + 1.0;",
        "for (i = 0; i < m; ++i) A[j].data[0] = A[j].data[0] + B[j].data[i];", "same_element"),
    "member path carried": (
        "for (t = 0; t < m; t++) { f[d].c[t] = g[d].c[t]; f[d].r[t] = 2 * g[d].r[t]; }",
        "for (t = 1; t < m; t++) f[d].c[t] = f[d].c[t - 1] + g[d].c[t];", "carried"),
    "pointer to the iteration's own element": (
        "for (i = 0; i < n; i++) { c = &(m->cell[i]); for (k = 0; k < v; k++) "
        "c->u[k] = 0.5 * c->u[k]; }",
        "for (i = 0; i < n; i++) { c = &(m->cell[0]); for (k = 0; k < v; k++) "
        "c->u[k] += a[i]; }", "same_element"),
    "pointer to the iteration's own element, then to a shared one": (
        "for (i = 0; i < n; i++) { c = &(m->cell[i]); for (k = 0; k < v; k++) "
        "c->u[k] = 0.5 * c->u[k]; }",
        "for (i = 0; i < n; i++) { c = &(m->cell[i]); c->w[0] = 1; c = &(m->cell[0]); "
        "for (k = 0; k < v; k++) c->u[k] += a[i]; }", "same_element"),
    "declared in the body, comma list of a named type": (
        "for (int i = 0; i < n; ++i) { vel_t sx, sy; sx = a[i]; sy = b[i]; a[i] = sy; "
        "b[i] = sx; }",
        "for (int i = 0; i < n; ++i) { vel_t sx; sx = a[i]; a[i] = sy; sy = sx; }", "recurrence"),
    "declared in the body after an attribute macro": (
        "for (int i = 0; i < n; ++i) { UNUSED real e, de; e = r[i]; de /= 3; g[i] = de + e; }",
        "for (int i = 0; i < n; ++i) { UNUSED real e; e = r[i]; de /= 3; g[i] = de + e; }",
        "recurrence"),
    "constexpr table in the body": (
        "for (int i = 0; i < n; ++i) { constexpr int q[] = {0, 1, 2}; b[i] = a[q[i % 3]]; }",
        "for (int i = 0; i < n; ++i) { q[0] = a[i]; b[i] = q[0]; }", "same_element"),
    "assigned and read under one condition": (
        "for (i = 0; i < n; i++) { if (m[i] > 0) { t = a[i]; b[i] = t * t; } else b[i] = 0; }",
        "for (i = 0; i < n; i++) { if (m[i] > 0) t = a[i]; b[i] = t * t; }", "recurrence"),
    "index range below the row (triangular solve)": (
        "for (j = k + 1; j < n; j++) A[k][j] = A[k][j] / A[k][k];",
        "for (j = k; j < n; j++) A[k][j] = A[k][j] / A[k][k];", "carried"),
    "index range above the invariant (symmetric fill)": (
        "for (j2 = j1 + 1; j2 < m; j2++) { s[j1][j2] = d[j1] * d[j2]; s[j2][j1] = s[j1][j2]; }",
        "for (j2 = j1 + 1; j2 < m; j2++) { s[j1][j2] = d[j1] * d[j2]; s[j2][j1] = s[j2 - 1][j1]; }",
        "carried"),
    # with its diagonal: s[j2][j1] and s[j1][j2] meet only where both j2 are j1 (one
    # iteration); shifted by one they meet between iterations j1 and j1 + 1
    "dimensions that fix each side's index (symmetric fill with its diagonal)": (
        "for (j2 = j1; j2 < m; j2++) { s[j1][j2] = d[j1] * d[j2]; s[j2][j1] = s[j1][j2]; }",
        "for (j2 = j1; j2 < m; j2++) { s[j1][j2] = d[j1] * d[j2]; s[j2][j1 + 1] = s[j1][j2]; }",
        "carried"),
    "invariant subscripts a constant apart": (
        "for (i = j; i < m; i++) p[j][i] = p[j - 1][i - 1] + q[j][i];",
        "for (i = 1; i < m; i++) p[j][i] = p[j][i - 1] + q[j][i];", "carried"),
    "shift at least the trip count": (
        "for (int x = 0; x < n; ++x) d[2 * n + x] += d[x] + d[n + x];",
        "for (int x = 0; x < n; ++x) d[n - 1 + x] += d[x];", "carried"),
    "rows of a linearised array": (
        "for (x = 0; x < 10; ++x) { for (y = 1; y < n; ++y) c[x * n + y] = c[x * n + y - 1]"
        " + a[x * n + y]; }",
        "for (x = 0; x < 10; ++x) { for (y = 1; y <= n; ++y) c[x * n + y] = c[x * n + y - 1]"
        " + a[x * n + y]; }", "carried"),
    "blocks of a linearised array": (
        "for (j = 0; j < nj; j++) { for (i = 0; i < ni; i++) t[k*nj*ni + j*ni + i] = "
        "u[k*nj*ni + j*ni + i]; s += t[k*nj*ni + j*ni]; }",
        "for (j = 0; j < nj; j++) { for (i = 0; i <= ni; i++) t[k*nj*ni + j*ni + i] = "
        "u[k*nj*ni + j*ni + i]; s += t[k*nj*ni + j*ni]; }", "carried"),
    "even and odd elements": (
        "for (int i = 0; i < n; i++) b[2 * i] = b[2 * i + 1];",
        "for (int i = 0; i < n; i++) b[2 * i] = b[2 * i + 2];", "carried"),
    "a second half read, the first written": (
        "for (int i = 0; i < n; i++) b[i] = b[i + n];",
        "for (int i = 0; i < m; i++) b[i] = b[i + n];", "carried"),
    "updates in atomic constructs": (
        "for (x = 0; x < n; x++) {\n#pragma acc atomic update\n h[(int)(a[x] / 10)]++;\n"
        "#pragma acc atomic\n  s += a[x];\n  b[x] = a[x];\n}",
        "for (x = 0; x < n; x++) {\n#pragma acc atomic update\n h[(int)(a[x] / 10)]++;\n"
        "  s += a[x];\n  g[(int)(a[x])] += 1;\n}", "indirect_write"),
    "one row per iteration": (
        "for (b = 0; b < n; b++) { for (j = 0; j < m; j++) h[b][j] = h[b][j + 1]; }",
        "for (b = 0; b < n; b++) { for (j = 0; j < m; j++) h[b][j] = h[b + 1][j]; }",
        "carried"),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_fact_keeps_quiet_and_the_dependence_is_still_seen(name):
    safe, racy, kind = PAIRS[name]
    pragma = PAR + (" reduction(+:s)" if " s += " in safe and "atomic" not in safe else "")
    assert not unsafe_kinds(safe, pragma), (name, unsafe_kinds(safe, pragma))
    assert kind in unsafe_kinds(racy, pragma), (name, unsafe_kinds(racy, pragma))


def test_an_array_the_pragma_makes_private_is_each_iterations_own():
    loop = ("for (int x = 0; x < 10; ++x) { for (int y = 0; y < n; ++y) c[y] = a[x*n + y]; "
            "for (int y = 0; y < n; ++y) d[x*n + y] = 2 * c[y]; }")
    assert "same_element" in unsafe_kinds(loop, PAR)
    assert not unsafe_kinds(loop, PAR + " private(c)")
    assert not unsafe_kinds(loop, "#pragma acc loop gang firstprivate(c)", ["#pragma acc parallel"])
    # private does not excuse a scalar read before it is set (it would read garbage)
    rec = "for (i = 1; i < n; i++) { s = s * a[i] + b[i]; c[i] = s; }"
    assert "recurrence" in unsafe_kinds(rec, PAR + " private(s)")


def test_collapse_undoes_the_one_row_argument():
    safe = PAIRS["one row per iteration"][0]
    assert "carried" in unsafe_kinds(safe, PAR + " collapse(2)")
    rows = PAIRS["rows of a linearised array"][0]
    assert "carried" in unsafe_kinds(rows, PAR + " collapse(2)")


def test_reasons_show_the_access_as_written():
    got = unsafe_kinds("for (i = 0; i < n; i++) for (j = 0; j < m; j++) s[j][k].x[p[i]] = 1;",
                       PAR)
    assert got["indirect_write"] == ["`s[j][k].x[p[i]]` is written through an index read from "
                                     "data"]


# Property: where the check passes a loop with two subscripts of the forms above, no two
# iterations touch one element by brute force over small sizes (the arithmetic facts are
# sound).  Subscripts with the same text on both sides are left out: the check has always
# taken an identical subscript that uses the index as the iteration's own element.
def _aliases(lo, hi, s, rows, p1, p2, env) -> bool:
    """Whether an element written by one iteration is read by another (``rows``: the number of
    parallel rows ``x``, the ``y`` loop inside; None: the ``y`` loop is the parallel one)."""
    def at(p, x, y):
        return x * s + p[0] * y + p[1] * env["n"] + p[2]
    xs = range(rows) if rows is not None else [0]
    written: dict[int, set] = {}
    for x in xs:
        for y in range(lo, hi):
            written.setdefault(at(p1, x, y), set()).add((x, y) if rows is None else x)
    return any(written.get(at(p2, x, y), set()) - {(x, y) if rows is None else x}
               for x in xs for y in range(lo, hi))


def test_what_the_check_passes_has_no_two_iterations_on_one_element():
    rng = random.Random(0)
    passed = 0
    for _ in range(3000):
        lo = rng.choice(["0", "1", "2", "k", "k + 1", "n"])
        hi = rng.choice(["n", "n - 1", "n + 1", "m", "2 * n", "3"])
        stride = rng.choice([None, "n", "2", "n + 1", "m * n", "3"])
        p1, p2 = ((rng.choice([0, 1, 1, 2, -1]), rng.choice([0, 0, 1, 2, -1]),
                   rng.choice([0, 1, -1, 2, -2])) for _ in range(2))
        r1, r2 = (f"{p[0]} * y + {p[1]} * n + {p[2]}" for p in (p1, p2))
        if r1 == r2 or (stride is None and p1[0] == 0):
            continue
        if stride is None:  # one loop over y
            code = f"for (y = {lo}; y < {hi}; y++) c[{r1}] = c[{r2}] + 1.0;"
        else:  # rows of x, y inside
            code = (f"for (x = 0; x < m; x++) {{ for (y = {lo}; y < {hi}; y++) "
                    f"c[x * {stride} + {r1}] = c[x * {stride} + {r2}] + 1.0; }}")
        if unsafe_kinds(code, PAR):
            continue
        passed += 1
        for n, m, k in itertools.product(range(6), range(6), range(-2, 6)):
            env = {"n": n, "m": m, "k": k}
            s = eval(stride, {}, env) if stride else 0
            assert not _aliases(eval(lo, {}, env), eval(hi, {}, env), s,
                                m if stride else None, p1, p2, env), (code, env)
    assert passed > 100  # the facts are exercised, not only the refusals
