from dataclasses import replace

from accellium.dataset.pragma import parse
from accellium.dataset.prompt import Example
from accellium.server.engines import get_engine
from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest
from tests.test_retrieval import TRAIN


class _Rendered:
    """The engine with its answers as text (it returns parsed pragmas; these tests read
    text), everything else as it is."""

    def __init__(self, eng):
        self._eng = eng

    def __getattr__(self, name):
        return getattr(self._eng, name)

    def suggest(self, query):
        a = self._eng.suggest(query)
        return replace(a, pragma=None if a.pragma is None else str(a.pragma),
                       alternatives=[str(p) for p in a.alternatives])


def _auto(**kw):
    return _Rendered(get_engine("auto", **kw))


def test_reduction_from_analysis_style_from_neighbour():
    eng = _auto(train=TRAIN)
    a = eng.suggest(LoopQuery("for (int k = 0; k < len; k++) { if (u[k] > best) best = u[k]; }"))
    assert a.pragma.startswith("#pragma acc parallel loop reduction(max:best)")
    assert "present" not in a.pragma  # nothing says `u` is on the device already
    assert any("max reduction" in n for n in a.notes)
    assert a.confidence is not None and 0.0 <= a.confidence <= 1.0
    assert a.pragma not in a.alternatives


def test_carried_dependence_never_parallel():
    eng = _auto(train=TRAIN)
    rec = "for (int i = 1; i < n; i++) x[i] = x[i-1] + a[i];"
    top = eng.suggest(LoopQuery(rec))
    assert top.pragma is None or str(top.pragma).split()[2] == "kernels"  # compiler keeps it serial
    assert any("x[i - 1]" in n or "x[i-1]" in n for n in top.notes)
    a = eng.suggest(LoopQuery(rec, enclosing=("#pragma acc parallel",)))
    assert str(a.pragma) == "#pragma acc loop seq"
    assert any("carried" in n for n in a.notes)


def test_in_region_loop_and_pipeline():
    eng = _auto(train=TRAIN)
    s = suggest(LoopQuery("for (int i = 0; i < n; i++) y[i] = 2 * x[i];",
                          enclosing=("#pragma acc parallel present(x, y)",)), eng)
    assert s.directive == "loop" and s.notes


def test_without_training_data():
    eng = _auto()
    a = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) s += a[i];"))
    assert a.pragma.startswith("#pragma acc parallel loop") and "reduction(+:s)" in a.pragma
    assert eng.suggest(LoopQuery("int x = 1;")).pragma is None


def test_instantiate_drops_clauses_the_directive_forbids():
    from accellium.dataset.analysis import analyze
    from accellium.server.engines.style import instantiate

    facts = analyze("for (int i = 0; i < n; i++) s += a[i];")
    assert instantiate(("kernels", "reduction(*)"), facts).render() == "#pragma acc kernels"
    assert "reduction(+:s)" in instantiate(("parallel loop",), facts).render()


def test_auto_never_crashes_on_odd_workspace_examples():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    eng = _auto(train=TRAIN)
    pragmas = st.one_of(st.text(max_size=60), st.sampled_from([
        "#pragma acc parallel loop present(a[:n], b[0:m*2])", "#pragma acc loop seq",
        "#pragma acc kernels copyin(x[ : ], y[0:])", "#pragma acc data create(q[n])",
        "#pragma acc parallel loop present(s->f[0:n], t.u[:k])"]))
    examples = st.lists(st.builds(
        Example, pragma=pragmas,
        loop=st.sampled_from(["for (int i = 0; i < n; i++) a[i] = b[i];", "for (;;)", "",
                              "for (k = 0; k < m; k++) { t[0] = x[k]; y[k] = t[0]; }"]),
        enclosing=st.one_of(st.none(), st.lists(st.text(max_size=30), max_size=2).map(tuple)),
        same_file=st.one_of(st.none(), st.booleans())), max_size=4)

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(exs=examples, code=st.sampled_from([
        "for (int i = 0; i < n; i++) c[i] = a[i] + b[i];",
        "for (int i = 1; i < n; i++) x[i] = x[i-1];",
        "for (i = 0; i < n; i++) { for (j = 0; j < i; j++) y[i] -= A[i][j] * y[j]; }"]),
        enc=st.lists(st.sampled_from(["#pragma acc data copy(c[0:n])", "#pragma acc kernels",
                                      "#pragma acc parallel", "#pragma acc ((("]), max_size=2))
    def run(exs, code, enc):
        a = eng.suggest(LoopQuery(code, enclosing=tuple(enc), examples=tuple(exs)))
        assert a.pragma is None or parse(str(a.pragma)).directive

    run()




SAXPY = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"


def test_present_only_where_the_data_environment_justifies_it():
    eng = _auto(train=TRAIN)
    bare = eng.suggest(LoopQuery(SAXPY)).pragma
    assert "present" not in bare
    assert "copyin(x[0:n])" in bare and "copy(y[0:n])" in bare  # the copy family, sectioned
    # every alternative offered is just as correct
    assert not any("present" in p for p in eng.suggest(LoopQuery(SAXPY)).alternatives)
    # an enclosing data region names the arrays: present is right
    enc = ("#pragma acc data copyin(x[0:n]) copy(y[0:n])",)
    inside = eng.suggest(LoopQuery(SAXPY, enclosing=enc))
    assert all("present" in p or "copy" not in p for p in [inside.pragma, *inside.alternatives])
    # the project writes `present` for these arrays, but in another file: not evidence
    ex = (Example("#pragma acc parallel loop present(x[0:n], y[0:n])",
                  "for (int k = 0; k < n; k++) y[k] = x[k];", (), False),)
    assert "present" not in eng.suggest(LoopQuery(SAXPY, examples=ex)).pragma
    # in the same file the project keeps them on the device (enter data elsewhere): it is
    same = (Example(ex[0].pragma, ex[0].loop, (), True),)
    cands = [p for a in [eng.suggest(LoopQuery(SAXPY, examples=same))]
             for p in [a.pragma, *a.alternatives]]
    assert any("present(x[0:n], y[0:n])" in p for p in cands)


def test_an_independent_loop_is_never_made_sequential_by_style():
    from tests.test_retrieval import rec

    nest = "for (int j = 0; j < m; j++) y[j] = 2 * x[j];"
    train = [rec(i, "#pragma acc loop seq", nest, ["#pragma acc parallel loop gang"])
             for i in range(4)]
    eng = _auto(train=train)
    a = eng.suggest(LoopQuery("for (int k = 0; k < m; k++) v[k] = 3 * u[k];",
                              enclosing=("#pragma acc parallel loop gang",)))
    assert a.pragma.startswith("#pragma acc loop") and "seq" not in a.pragma
    assert not any("seq" in p for p in a.alternatives)


def test_perfect_rectangular_nest_gets_collapse():
    eng = _auto(train=TRAIN)
    a = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) "
                              "c[i][j] = a[i][j] + b[i][j];"))
    assert "collapse(2)" in a.pragma
    tri = eng.suggest(LoopQuery("for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) "
                                "c[i][j] = 0;"))
    assert "collapse" not in tri.pragma


def test_no_async_without_its_wait():
    eng = _auto(train=TRAIN)
    ex = (Example("#pragma acc parallel loop async(1)",
                  "for (int k = 0; k < n; k++) y[k] = x[k];", (), True),)
    a = eng.suggest(LoopQuery(SAXPY, examples=ex))
    assert not any("async" in p or "wait" in p for p in [a.pragma, *a.alternatives])


def test_workspace_style_is_followed_with_the_default_engine(engine_state_ready):
    from accellium.server.defaults import engine_options

    eng = _auto(**engine_options("auto"))
    loop = "for (int i = 0; i < n; i++) q[i] = 2 * p[i];"
    exs = tuple(Example("#pragma acc kernels loop independent", loop.replace("2", str(k)),
                        (), True) for k in range(3, 7))
    a = eng.suggest(LoopQuery(SAXPY, examples=exs))
    assert str(a.pragma).startswith("#pragma acc kernels loop independent"), a.pragma
    inside = tuple(Example("#pragma acc loop gang vector", loop, ("#pragma acc kernels",), True)
                   for _ in range(3))
    b = eng.suggest(LoopQuery(SAXPY, enclosing=("#pragma acc kernels",), examples=inside))
    assert str(b.pragma) == "#pragma acc loop gang vector", b.pragma


def test_no_orphaned_loop_without_the_projects_own_orphaned_loops():
    from tests.test_retrieval import rec

    red = "for (int i = 0; i < n; i++) s += a[i];"
    train = [rec(i, "#pragma acc loop reduction(+:s)", red.replace("a[", f"a{i}[")) for i in range(4)]
    eng = _auto(train=train)
    a = eng.suggest(LoopQuery("for (int k = 0; k < m; k++) t += b[k];"))
    # another project's routine is no evidence that this function runs inside a region
    assert a.pragma.startswith("#pragma acc parallel loop"), a.pragma
    assert not any(p.startswith("#pragma acc loop") for p in a.alternatives)
    exs = tuple(Example("#pragma acc loop reduction(+:s)", red.replace("a[", f"c{i}["), (), True)
                for i in range(3))
    b = eng.suggest(LoopQuery("for (int k = 0; k < m; k++) t += b[k];", examples=exs))
    assert any(p.startswith("#pragma acc loop") for p in [b.pragma, *b.alternatives])
