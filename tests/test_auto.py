from dataset.prompt import Example
from server.engines import get_engine
from server.engines.base import LoopQuery
from server.suggest import suggest
from tests.test_retrieval import TRAIN


def test_reduction_from_analysis_style_from_neighbour():
    eng = get_engine("auto", train=TRAIN)
    a = eng.suggest(LoopQuery("for (int k = 0; k < len; k++) { if (u[k] > best) best = u[k]; }"))
    assert a.pragma == "#pragma acc parallel loop reduction(max:best)"
    assert any("max reduction" in n for n in a.notes)


def test_carried_dependence_never_parallel():
    eng = get_engine("auto", train=TRAIN)
    rec = "for (int i = 1; i < n; i++) x[i] = x[i-1] + a[i];"
    top = eng.suggest(LoopQuery(rec))
    assert top.pragma is None or top.pragma.split()[2] == "kernels"  # compiler keeps it serial
    assert any("x[i - 1]" in n or "x[i-1]" in n for n in top.notes)
    a = eng.suggest(LoopQuery(rec, enclosing=("#pragma acc parallel",)))
    assert a.pragma == "#pragma acc loop seq"
    assert any("carried" in n for n in a.notes)


def test_workspace_style_and_present():
    eng = get_engine("auto", train=TRAIN)
    ex = (Example("#pragma acc kernels present(q, p)", "for (int i = 0; i < n; i++) q[i] = 2 * p[i];"),)
    a = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) y[i] = 3 * x[i];", examples=ex))
    assert a.pragma.startswith("#pragma acc kernels present(")
    assert "y" in a.pragma and "x" in a.pragma


def test_in_region_loop_and_pipeline():
    eng = get_engine("auto", train=TRAIN)
    s = suggest(LoopQuery("for (int i = 0; i < n; i++) y[i] = 2 * x[i];",
                          enclosing=("#pragma acc parallel present(x, y)",)), eng)
    assert s.directive == "loop" and s.notes


def test_without_training_data():
    eng = get_engine("auto")
    a = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) s += a[i];"))
    assert a.pragma.startswith("#pragma acc parallel loop") and "reduction(+:s)" in a.pragma
    assert eng.suggest(LoopQuery("int x = 1;")).pragma is None


def test_near_neighbour_chosen_by_its_enclosing_loop_level():
    from tests.test_retrieval import NEST, rec

    train = [rec(1, "#pragma acc loop vector", NEST, ["#pragma acc parallel loop gang"]),
             rec(2, "#pragma acc loop worker", NEST, ["#pragma acc kernels loop vector"])]
    eng = get_engine("auto", train=train)
    q = "for (int k = 0; k < m; k++) v[k] = 2 * u[k];"
    a = eng.suggest(LoopQuery(q, enclosing=("#pragma acc kernels loop vector(64)",)))
    assert a.pragma == "#pragma acc loop worker"
    b = eng.suggest(LoopQuery(q, enclosing=("#pragma acc parallel loop gang num_gangs(8)",)))
    assert b.pragma == "#pragma acc loop vector"
