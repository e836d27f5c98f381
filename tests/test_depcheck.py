"""evaluation.depcheck: the independent dependence check behind ``unsafe_parallel``."""

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
    import accellium.evaluation.depcheck as d
    import accellium.evaluation.depscan as s

    for mod in (d, s):
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
