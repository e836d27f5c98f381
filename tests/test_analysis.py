from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accellium.dataset.analysis import analyze
from accellium.server.engines.analysis import AnalysisEngine, pragma_from_facts
from accellium.server.engines.base import LoopQuery


def carried_vars(code, enclosing=()):
    return {d.var for d in analyze(code, "c", enclosing).carried}


def test_independent_saxpy():
    f = analyze("for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];")
    assert f.parsed and f.safe and f.index_vars == ["i"]
    assert f.arrays == {"y": "inout", "x": "in"}
    assert f.sections["x"] == "x[0:n]"


def test_recurrence_is_carried():
    f = analyze("for (int i = 1; i < n; i++) x[i] = x[i-1] + a[i];")
    assert [d.var for d in f.carried] == ["x"]
    assert "x[i-1]" in f.carried[0].message and f.carried[0].line == 1


def test_gauss_seidel_carried_jacobi_not():
    gs = ("for (int i = 1; i < n-1; i++)\n  for (int j = 1; j < m-1; j++)\n"
          "    a[i][j] = 0.25*(a[i-1][j] + a[i+1][j] + a[i][j-1] + a[i][j+1]);")
    assert carried_vars(gs) == {"a"}
    assert analyze(gs).carried[0].line == 3
    jac = gs.replace("a[i][j] =", "anew[i][j] =")
    f = analyze(jac)
    assert f.safe and f.collapse == 2


def test_prefix_sum_scalar_carried():
    f = analyze("for (int i = 0; i < n; i++) { s += a[i]; b[i] = s; }")
    assert [(d.var, d.kind) for d in f.carried] == [("s", "scalar")]
    assert not f.reductions


def test_reductions_all_spellings():
    cases = {
        "s += a[i];": ("+", "s"), "s = s + a[i];": ("+", "s"), "s = a[i] + s;": ("+", "s"),
        "s -= a[i];": ("+", "s"), "p *= a[i];": ("*", "p"),
        "if (a[i] > m) m = a[i];": ("max", "m"), "if (a[i] < m) m = a[i];": ("min", "m"),
        "m = fmax(m, a[i]);": ("max", "m"), "m = fmin(a[i], m);": ("min", "m"),
        "m = (a[i] > m) ? a[i] : m;": ("max", "m"), "ok = ok && a[i];": ("&&", "ok"),
        "ok = ok || a[i];": ("||", "ok"), "b &= a[i];": ("&", "b"), "b |= a[i];": ("|", "b"),
        "b ^= a[i];": ("^", "b"), "cnt++;": ("+", "cnt"),
    }
    for body, red in cases.items():
        f = analyze(f"for (int i = 0; i < n; i++) {{ {body} }}")
        assert f.reductions == [red], body
        assert f.safe, body


def test_private_scalar():
    f = analyze("for (int i = 0; i < n; i++) { t = a[i] * 2; b[i] = t + 1; }")
    assert f.private == ["t"] and f.safe
    p, _ = pragma_from_facts(f)
    assert "private(t)" in p.render()


def test_early_exit_and_call_notes():
    f = analyze("for (int i = 0; i < n; i++) { if (a[i] == key) break; b[i] = foo(a[i]); }")
    assert f.early_exits and not f.safe
    assert f.calls == ["foo"]
    assert any("foo" in n for n in f.notes)
    f2 = analyze("for (int i = 0; i < n; i++) for (j = 0; j < m; j++) if (a[j]) break;")
    assert not f2.early_exits  # the break leaves the inner loop only


def test_indirect_write_needs_atomic():
    f = analyze("for (int i = 0; i < n; i++) h[idx[i]]++;")
    assert f.indirect_writes == ["h"]
    assert any("atomic" in n for n in f.notes)


def test_atomic_update_is_seen_at_any_file_line():
    """An indirect update under ``atomic`` is no race, also when the loop sits deep in a file
    (the analysis pads it to its file line: the atomic line moves with it)."""
    code = "for (int i = 0; i < n; i++) {\n#pragma acc atomic update\n  h[idx[i]]++;\n}"
    for first in (1, 5000):
        f = analyze(code, first_line=first)
        assert f.indirect_writes == ["h"]
        assert not any("needs `#pragma acc atomic`" in n for n in f.notes)
        assert f.safe, first
    bare = analyze(code.replace("#pragma acc atomic update\n", ""), first_line=5000)
    assert not bare.safe


def test_array_written_by_every_iteration():
    code = "for (k = 0; k <= i; k++) { for (j = 0; j < N; j++) w[j] -= H[k] * Q[N*k+j]; }"
    assert carried_vars(code) == {"w"}


def test_local_substitution_finds_dependence():
    code = ("for (k = 0; k < n; k++) { k1 = k + 1; fac = 1.0/l[k]; l[k1] = l[k1] - fac; }")
    assert "l" in carried_vars(code)


def test_collapse_rectangular_only():
    rect = "for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) c[i][j] = 0;"
    tri = "for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) c[i][j] = 0;"
    imperfect = "for (int i = 0; i < n; i++) { x[i] = 0; for (int j = 0; j < m; j++) c[i][j] = 0; }"
    assert analyze(rect).collapse == 2
    assert analyze(tri).collapse == 1
    assert analyze(imperfect).collapse == 1


def test_present_and_directive_from_context():
    code = "for (int i = 0; i < n; i++) y[i] = x[i];"
    f = analyze(code, "c", ["#pragma acc data copyin(x[0:n])"])
    assert f.present == {"x": "x[0:n]"} and not f.in_region
    p, _ = pragma_from_facts(f)
    assert p.render() == "#pragma acc parallel loop present(x[0:n]) copyout(y[0:n])"
    f = analyze(code, "c", ["#pragma acc parallel present(x, y)"])
    p, _ = pragma_from_facts(f)
    assert p.render() == "#pragma acc loop"


def test_carried_gives_seq_or_nothing():
    code = "for (int i = 1; i < n; i++) x[i] = x[i-1] + 1;"
    eng = AnalysisEngine()
    a = eng.suggest(LoopQuery(code))
    assert a.pragma is None and any("carried" in n for n in a.notes)
    a = eng.suggest(LoopQuery(code, enclosing=("#pragma acc parallel",)))
    assert str(a.pragma) == "#pragma acc loop seq"


def test_never_raises():
    for code in ["", "x = 1;", "for (", "for (;;) {}", "\x00", "for (i=0;i<n;i++) a[b[c[i]]] = *p;"]:
        analyze(code)
        analyze(code, "cpp", ["garbage", "#pragma acc ((("])


def test_nest_depth_and_inner_bounds_from_one_walk():
    from accellium.dataset.analysis import analyze

    f = analyze("for (int i = 0; i < n; i++) { for (int j = 0; j < m; j++) "
                "{ for (int k = 0; k < 4; k++) a[i] += b[j] * c[k]; } x[i] = y[i]; }")
    assert f.loop_depth == 3 and f.perfect_depth == 1
    assert f.sections["c"] == "c[0:4]" and f.sections["b"] == "b[0:m]"


def test_dependence_shared_subscripts_decided_per_array():
    from accellium.dataset.analysis import analyze

    # Same subscripts on two arrays: one carries (read before written at i-1), one does not.
    f = analyze("for (int i = 1; i < n; i++) { u[i] = u[i-1] + 1; v[i] = w[i-1] + 1; }")
    assert [d.var for d in f.carried] == ["u"]


def test_declaration_behind_unknown_macro_or_type_word_is_local():
    # tree-sitter reads `MAYBE_UNUSED real g` / `float complex z` as an ERROR after the type
    acc = ("for (int i = 0; i < n; i++) { MAYBE_UNUSED real g = 0., h = 0.;\n"
           "  for (int k = 0; k < m; k++) { g += a[k]; h += 1; }\n  out[i] = g + h; }")
    f = analyze(acc, "cpp")
    assert f.safe and {"g", "h"} <= set(f.locals)
    mandel = ("for (int x = 0; x < n; x++) { float complex z = 0; int it = 0;\n"
              "  while (cabs(z) < 2.0 && it < 9) { z = z * z + c; it++; }\n  img[x] = it; }")
    f = analyze(mandel)
    assert f.safe and "z" in f.locals


def test_scratch_array_written_first_is_private():
    code = ("for (int x = 0; x < 5; ++x) {\n"
            "  for (int y = 0; y < 5; ++y) temp[y] = 0;\n"
            "  for (int y = 0; y < 5 * n; ++y) temp[y%5] = fmax(a[x*5*n + y], temp[y%5]);\n"
            "  for (int y = 0; y < 5; ++y) mx[x*5 + y] = temp[y];\n}")
    f = analyze(code)
    assert f.safe and f.private_arrays == ["temp"] and "temp" in f.private
    assert "temp" not in f.arrays  # a private copy needs no data clause
    assert any("private(temp)" in n for n in f.notes)
    p, _ = pragma_from_facts(f)
    assert "private(temp)" in p.render()


def test_scratch_array_not_private_when_read_first_conditional_or_indexed_by_loop():
    read_first = "for (int i = 0; i < n; i++) { s = t[0]; for (j = 0; j < m; j++) t[j] = a[i]; }"
    cond = "for (int i = 0; i < n; i++) { if (a[i] > 0) t[0] = a[i]; b[i] = t[0]; }"
    varying = "for (int i = 0; i < n; i++) { k = i / 2; t[k] = a[i]; b[i] = t[k]; }"
    for code in (read_first, cond):
        f = analyze(code)
        assert not f.private_arrays and "t" in carried_vars(code), code
    assert not analyze(varying).private_arrays


def test_pointer_arguments_of_unknown_calls():
    # `&u[6]` hands the callee a pointer into `u`, the same one in every iteration: an unknown
    # function may write there (#17); `&s` may be read and written (accumulate) — both carried
    f = analyze("for (int i = 0; i < n; i++) { aux = mul(&u[6], idx[i]); out[i] = aux; }")
    assert [(d.kind, d.var) for d in f.carried] == [("call", "mul")]
    assert "`&u[6]`" in f.carried[0].message and f.carried[0].line == 1
    f = analyze("for (int i = 0; i < n; i++) { get(&s, a[i]); b[i] = s; }")
    assert [(d.kind, d.var) for d in f.carried] == [("scalar", "s")]
    # a pointer into this iteration's data is per iteration; a value argument is not a write
    assert analyze("for (int i = 0; i < n; i++) init(&a[i]);").safe
    assert analyze("for (int i = 0; i < n; i++) init_row(a + i*n, n);").safe
    f = analyze("for (int i = 0; i < n; i++) b[i] = foo(a[i]);")
    assert f.safe and any("`foo` (line 1)" in n and "acc routine" in n for n in f.notes)


def test_visible_definitions_decide_pointer_arguments():
    from accellium.dataset.analysis import scope_of

    src = ("double mul(const double *u, int k) { return u[k]; }\n"
           "void get(double *s, double v) { *s = 2 * v; }\n"
           "void f(int n, double *u, int *idx, double *out, double *a, double *b) {\n"
           "  double aux, s;\n"
           "  for (int i = 0; i < n; i++) { aux = mul(&u[6], idx[i]); out[i] = aux; }\n"
           "  for (int i = 0; i < n; i++) { get(&s, a[i]); b[i] = s; }\n}\n")
    loops = [src.index("for (int i"), src.rindex("for (int i")]
    f = analyze(src[loops[0]:src.index("\n", loops[0])], "c", (), scope_of(src, loops[0]))
    assert f.safe and f.private == ["aux"] and f.scoped
    f = analyze(src[loops[1]:src.index("\n", loops[1])], "c", (), scope_of(src, loops[1]))
    assert f.safe and f.private == ["s"]  # `get` only writes *s: an out parameter


def test_array_reached_through_a_per_iteration_pointer_is_not_shared():
    # another array in every iteration: cell = &mesh->cell[i]; inout[iv + h].c0
    f = analyze("for (i = 0; i < n; i++) { cell = &(mesh->cell[i]);\n"
                "  for (k = 0; k < m; k++) cell->U[k] = 0.75 * cell->W[k] + 0.25 * cell->U[k]; }")
    assert f.safe and f.private == ["cell"]
    f = analyze("for (iv = 0; iv < h; iv++) for (ih = 0; ih < m; ih++)\n"
                "  inout[iv + h].c0[ih] = 2 * inout[iv].c0[ih] - inout[iv + h].c0[ih];")
    assert f.safe
    # a fixed pointer is one array for all iterations
    assert "s->U" in carried_vars("for (i = 0; i < n; i++) for (k = 0; k < m; k++) "
                                  "s->U[k] += a[i];")


# -- the package: typed results, iterative walks ------------------------------------------------


def test_dependences_are_typed():
    from accellium.dataset.analysis import DepKind

    f = analyze("for (int i = 1; i < n; i++) { x[i] = x[i-1] + a[i]; s += b[i]; c[i] = s; }")
    kinds = {d.var: d.kind for d in f.carried}
    assert kinds == {"x": DepKind.ARRAY, "s": DepKind.SCALAR}
    assert all(isinstance(d.line, int) and d.line == 1 for d in f.carried)


def test_overlap_is_typed_and_product_terms_are_one_term():
    from accellium.dataset.analysis.affine import Reach, affine, overlap, signature
    from accellium.dataset.loops import parse_tree

    def subs(expr):
        tree = parse_tree(f"x = {expr};".encode(), "c")
        node = tree.root_node.named_children[0].named_children[0].child_by_field_name("right")
        return affine(node, {})

    assert subs("n*i + 1") == subs("1 + i*n") == {("i", "n"): 1, (): 1}
    assert subs("2*(i - 1)") == {("i",): 2, (): -2}
    assert subs("a[i]") is None
    one = frozenset()
    got = overlap(signature([subs("i")]), signature([subs("i - 1")]), "i", one)
    assert got.reach is Reach.DISTANCE and got.distance == 1 and got.carried
    assert overlap(signature([subs("i")]), signature([subs("i")]), "i", one).carried is False
    assert overlap(signature([subs("0")]), signature([subs("0")]), "i", one).reach is Reach.EVERY
    assert overlap(signature([subs("i")]), signature([subs("j")]), "i",
                   frozenset({"j"})).reach is Reach.SWEEP
    assert overlap(signature([subs("2*i")]), signature([subs("2*i + 1")]), "i",
                   one).reach is Reach.NEVER
    # the loop index inside a product (n*i) is not decided here without bounds ...
    assert overlap(signature([subs("n*i")]), signature([subs("n*i + m")]), "i",
                   one).reach is Reach.UNKNOWN
    # ... unless a remainder provably leaves its row: n*i - 1 is the last element of row
    # i - 1, and with n == 1 it is what iteration i - 1 writes (analysis.rows)
    assert overlap(signature([subs("n*i")]), signature([subs("n*i - 1")]), "i",
                   one).reach is Reach.SWEEP


def _strip_acc(code):
    return "\n".join(line for line in code.splitlines() if "#pragma acc" not in line)


def test_wavefront_diagonal_loop_carries_its_cells_do_not():
    """LCS table by anti-diagonals (the suite's wavefront program): T[i*(m+1) + j] with
    j = d - i reads the cells (i-1, j) and (i, j-1) of diagonal d - 1."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "evaluation/programs/programs/wavefront/kernel.c"
    code = _strip_acc(src.read_text())
    outer = code[code.index("for (int d"):]
    f = analyze(outer)
    assert f.index_vars == ["d"] and not f.safe
    assert {d.var for d in f.carried} == {"T"}
    assert AnalysisEngine().suggest(LoopQuery(outer)).pragma is None  # no parallel loop
    inner = outer[outer.index("for (int i"):]
    assert analyze(inner).safe  # the cells of one diagonal


def test_convolution_carries_in_the_outer_loop():
    conv = "for (i = 0; i < n; i++) for (j = 0; j < m; j++) c[i+j] += a[i]*b[j];"
    assert carried_vars(conv) == {"c"}
    # constant bounds do not help: i=0,j=1 and i=1,j=0 meet at c[1]
    assert carried_vars(conv.replace("j < m", "j < 3")) == {"c"}
    # the j loop alone, i fixed: c[i+j] differs for every j
    assert analyze("for (j = 0; j < m; j++) c[i+j] += a[i]*b[j];").safe
    # j outside, i inside: j carries too
    assert carried_vars("for (j = 0; j < m; j++) for (i = 0; i < n; i++) "
                        "c[i+j] += a[i]*b[j];") == {"c"}


def test_linearised_rows_and_blocked_layouts_stay_independent():
    rows = "for (i = 1; i < n; i++) for (j = 1; j < m; j++) a[i*m+j] = a[i*m+j-1] + 1;"
    assert analyze(rows).safe
    assert analyze("for (i = 0; i < n; i++) for (j = 0; j < n; j++) "
                   "B[j*n+i] = A[i*n+j];").safe  # transpose
    padded = "for (i = 0; i < d1; i++) for (j = 0; j < d2; j++) u[j*(d1+1) + i] *= 2;"
    assert analyze(padded).safe  # a padded row: stride d1 + 1
    blocked = "for (i = 0; i < n; i++) for (k = 0; k < 3; k++) x[3*i+k] += y[3*i+k];"
    assert analyze(blocked).safe
    assert analyze(blocked.replace("k < 3", "k <= 2")).safe
    # the range of the loop around each access: y < 5 here, y < 5*n in another loop
    two = ("for (x = 0; x < 5; x++) { for (y = 0; y < 5; y++) c[x*5+y] = t[y];"
           " for (y = 0; y < 5*n; y++) b[x*5*n+y] += 1; }")
    assert analyze(two).safe


def test_blocked_layouts_that_overlap_and_linearised_dependences_are_carried():
    assert carried_vars("for (i = 0; i < n; i++) for (k = 0; k < 4; k++) "
                        "x[3*i+k] += 1;") == {"x"}  # k = 3 of i is k = 0 of i + 1
    assert carried_vars("for (i = 0; i < n; i++) for (k = 0; k < K; k++) "
                        "x[3*i+k] += 1;") == {"x"}  # bound unknown: cannot prove < 3
    assert carried_vars("for (i = 0; i < n; i++) for (k = 0; k < 2; k++) "
                        "x[2*i+k] = x[2*i+k+1];") == {"x"}
    assert carried_vars("for (i = 1; i < n; i++) for (j = 0; j < m; j++) "
                        "a[i*m+j] = a[(i-1)*m+j];") == {"a"}  # row i reads row i - 1
    assert carried_vars("for (i = 1; i < n; i++) for (j = 0; j < m; j++) "
                        "a[j*n+i] = a[j*n+i-1];") == {"a"}  # column-major, along i
    assert carried_vars("for (i = 0; i < n; i++) for (j = 0; j < n; j++) "
                        "A[i*n+j] = A[j*n+i];") == {"A"}  # transpose in place


def test_an_inner_loop_that_redeclares_the_index_is_another_variable():
    code = ("for (j = 2; j <= d; j++) { const int ib = nc*(d-j)+1;\n"
            "  for (int i = ib; i < ib + nc; i++) for (int j = 1; j < n; j++)\n"
            "    g[i*n+j] = g[(i-1)*n+j] + g[i*n+(j-1)]; }")
    assert "g" not in carried_vars(code)


DEEP = 1000


def test_deep_nests_and_expressions_are_analysed_without_recursion():
    # every walk is iterative: nothing here may raise RecursionError or give up
    nest = "".join(f"for (int i{k} = 0; i{k} < n; i{k}++) {{" for k in range(DEEP))
    f = analyze(nest + "a[i0] = a[i0 + 1];" + "}" * DEEP)
    assert f.parsed and len(f.index_vars) == DEEP and f.loop_depth == DEEP
    assert [d.var for d in f.carried] == ["a"]
    assert analyze("for(;;){" * DEEP + "x;" + "}" * DEEP).loop_depth == DEEP
    parens = "(" * DEEP + "i" + ")" * DEEP
    f = analyze(f"for ({parens} = 0; i < n; i++) a[{parens}] = b[{parens} - 1];")
    assert f.parsed  # `((i)) = 0` is not read as an index: no claim about the nest
    f = analyze(f"for (i = 0; i < n; i++) a[{parens}] = a[{parens} - 1];")
    assert [d.var for d in f.carried] == ["a"]
    body = {
        "blocks": "{" * DEEP + "t = a[i]; b[i] = t;" + "}" * DEEP,
        "ifs": "if (c) {" * DEEP + "t = a[i]; b[i] = t;" + "}" * DEEP,
        "whiles": "while (c) {" * DEEP + "t = a[i]; b[i] = t;" + "}" * DEEP,
        "sum": "b[i] = " + " + ".join(["a[i]"] * DEEP) + ";",
        "chain": "s = s" + " + a[i]" * DEEP + ";",
        "subscripts": "b[i] = " + "a[" * DEEP + "i" + "]" * DEEP + ";",
        "calls": "b[i] = " + "g(" * DEEP + "i" + ")" * DEEP + ";",
        "assignments": "x = " * DEEP + "a[i];",
        "unary": "b[" + "-" * DEEP + "i] = 0;",
        "fields": "b[i] = p" + "->q" * DEEP + ";",
        "ternaries": "b[i] = " + "c ? 1 : " * DEEP + "0;",
        "else-ifs": "if (c) t = 1; else " * DEEP + "t = 2; b[i] = t;",
    }
    for name, stmt in body.items():
        f = analyze(f"for (i = 0; i < n; i++) {{ {stmt} }}")
        assert f.parsed and f.index_vars == ["i"], name
    assert analyze("for (i = 0; i < n; i++) { " + body["chain"] + " }").reductions == [("+", "s")]
    assert analyze("for (i = 0; i < n; i++) { " + body["blocks"] + " }").private == ["t"]


_TOKENS = ["for", "(", ")", "{", "}", "[", "]", ";", "=", "+=", "++", "i", "j", "n", "a", "b",
           "0", "1", "<", "*", "&", "->", ".", "f", "printf", "return", "break", "goto", "L:",
           "if", "else", "while", "int", ",", "#pragma acc atomic\n", "\n", "exit", "set"]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(tokens=st.lists(st.sampled_from(_TOKENS), max_size=80),
       offset=st.integers(min_value=-5, max_value=400), lang=st.sampled_from(["c", "cpp"]))
def test_analysis_with_scope_never_raises(tokens, offset, lang):
    from accellium.dataset.analysis import LoopScope, scope_of

    code = " ".join(tokens)
    src = "void g(int n, double *a) { " + code + " }"
    scope = scope_of(src, offset, lang) or LoopScope(src, max(offset, 0), lang)
    f = analyze(code, lang, (), scope)
    assert isinstance(f.safe, bool)
    for text in (code, src):
        f = analyze(text, lang, ("#pragma acc parallel",), scope_of(src, src.find("for"), lang))
        assert all(isinstance(d.line, int) for d in f.carried)
