from dataset.pragma import parse
from dataset.prompt import Example
from dataset.records import Record
from server.engines.analysis import analyze
from server.engines.base import LoopQuery
from server.engines.retrieval import RetrievalEngine, adapt, context_key


def rec(i, pragma, loop, enclosing=()):
    return Record(id=f"{i:016x}", repo="r/r", commit="c", path="a.c", line=1, pragma=pragma,
                  directive=parse(pragma).directive, loop=loop, loop_stripped=loop,
                  loop_depth=1, lang="c", enclosing=list(enclosing))


TRAIN = [
    rec(1, "#pragma acc parallel loop reduction(+:sum)",
        "for (int i = 0; i < n; i++) sum += a[i] * b[i];"),
    rec(2, "#pragma acc loop independent", "for (int j = 0; j < m; j++) y[j] = 2 * x[j];",
        ["#pragma acc parallel"]),
    rec(3, "#pragma acc parallel loop collapse(2) present(c)",
        "for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) c[i][j] = 0;"),
]


def test_context_key():
    assert context_key(()) == (False, False)
    assert context_key(("#pragma acc kernels",)) == (True, False)
    assert context_key(("#pragma acc parallel loop gang",)) == (True, True)
    assert context_key(("#pragma acc data copy(a)",)) == (False, False)


def test_reduction_renamed():
    eng = RetrievalEngine(TRAIN)
    a = eng.suggest(LoopQuery("for (int k = 0; k < len; k++) total += u[k] * v[k];"))
    assert a.pragma == "#pragma acc parallel loop reduction(+:total)"
    assert a.notes


def test_context_restricts_neighbours():
    eng = RetrievalEngine(TRAIN)
    a = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) z[i] = 3 * w[i];",
                              enclosing=("#pragma acc kernels",)))
    assert a.pragma == "#pragma acc loop independent"


def test_collapse_fitted_and_arrays_renamed():
    eng = RetrievalEngine(TRAIN)
    a = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) d[i][j] = 0;"))
    assert "collapse" not in a.pragma  # triangular nest
    assert "present(d)" in a.pragma


def test_workspace_examples_outweigh_train():
    eng = RetrievalEngine(TRAIN)
    ex = (Example("#pragma acc kernels present(q)", "for (int i = 0; i < n; i++) q[i] = 2 * p[i];"),)
    a = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) y[i] = 2 * x[i];", examples=ex))
    assert a.pragma.startswith("#pragma acc kernels")


def test_adapt_drops_missing_variables():
    p = parse("#pragma acc parallel loop copyin(a[0:n], zz) private(tmp)")
    nf = analyze("for (int i = 0; i < n; i++) { tmp = a[i]; b[i] = tmp * zz[i]; }")
    qcode = "for (int i = 0; i < n; i++) b[i] = a[i];"
    out, _ = adapt(p, nf, analyze(qcode), qcode)
    assert out.render() == "#pragma acc parallel loop copyin(a[0:n])"


def test_empty_engine():
    assert RetrievalEngine().suggest(LoopQuery("for (;;) {}")).pragma is None
