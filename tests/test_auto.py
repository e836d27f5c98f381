from accellium.dataset.prompt import Example
from accellium.server.engines import get_engine
from accellium.server.engines.base import LoopQuery
from accellium.server.suggest import suggest

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


def test_workspace_examples_inside_regions_are_not_orphaned_loops():
    loop = "for (int i = 0; i < n; i++) q[i] = 2 * p[i];"
    q = "for (int i = 0; i < n; i++) y[i] = 3 * x[i];"
    eng = get_engine("auto", train=TRAIN)
    inside = tuple(Example("#pragma acc loop independent", loop, ("#pragma acc kernels",))
                   for _ in range(3))
    a = eng.suggest(LoopQuery(q, examples=inside))
    assert a.pragma and not a.pragma.startswith("#pragma acc loop")
    unknown = tuple(Example("#pragma acc loop independent", loop) for _ in range(3))
    assert eng.suggest(LoopQuery(q, examples=unknown)).pragma.startswith(
        "#pragma acc loop independent")
    top = tuple(Example("#pragma acc loop independent", loop, ()) for _ in range(3))
    assert eng.suggest(LoopQuery(q, examples=top)).pragma.startswith(
        "#pragma acc loop independent")
    # in a region, the example from the very same data region wins over a closer look-alike
    enc = ("#pragma acc data copy(y[0:n], x[0:n])", "#pragma acc parallel")
    mixed = (Example("#pragma acc loop gang vector", q.replace("3", "4"), ("#pragma acc kernels",)),
             Example("#pragma acc loop worker", loop, enc))
    assert eng.suggest(LoopQuery(q, enclosing=enc, examples=mixed)).pragma == \
        "#pragma acc loop worker"


def test_same_file_example_settles_a_tie():
    loop = "for (int i = 0; i < n; i++) q[i] = 2 * p[i];"
    q = "for (int i = 0; i < n; i++) y[i] = 3 * x[i];"
    eng = get_engine("auto", train=TRAIN)
    for first in ("kernels", "parallel loop"):
        other = "parallel loop" if first == "kernels" else "kernels"
        exs = (Example(f"#pragma acc {other}", loop, (), False),
               Example(f"#pragma acc {first}", loop, (), True))
        assert eng.suggest(LoopQuery(q, examples=exs)).pragma.startswith(f"#pragma acc {first}")


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


def _top(pragma, score, enclosing=()):
    from accellium.server.engines.retrieval import Neighbour

    return Neighbour(pragma, "for (;;) ;", "c", tuple(enclosing), score, False)


def test_directive_of_agreeing_similar_top_level_loops():
    from accellium.server.engines.auto import AGREE_MIN, AutoEngine

    hi = AGREE_MIN + 0.1
    pick = AutoEngine._neighbour_directive
    assert pick([_top("#pragma acc kernels", hi), _top("#pragma acc kernels copy(a)", hi)]) \
        == "kernels"
    # disagreement, too few, too far, or in a region: the style model decides
    assert pick([_top("#pragma acc kernels", hi), _top("#pragma acc parallel loop", hi)]) is None
    assert pick([_top("#pragma acc kernels", hi)]) is None
    assert pick([_top("#pragma acc kernels", hi), _top("#pragma acc kernels", AGREE_MIN - 0.1)]) \
        is None
    assert pick([_top("#pragma acc kernels", hi), _top("#pragma acc loop", hi, ["#pragma acc "
                                                                               "parallel"]),
                 _top("#pragma acc kernels", hi)]) == "kernels"
    assert pick([_top("#pragma acc data copy(a)", hi)] * 2) is None  # not a loop directive


def test_agreeing_neighbours_set_the_directive_model_fills_it():
    from tests.test_retrieval import rec

    loops = ["for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];",
             "for (int i = 0; i < n; i++) y[i] = a * x[i] + b * y[i];"]
    train = [rec(k, "#pragma acc kernels", lp) for k, lp in enumerate(loops)]
    train += [rec(10 + k, "#pragma acc parallel loop", f"for (int k = 0; k < m; k++) {{ double t = "
                  f"sqrt(w[k]) * {k}; if (t > 0) z[k] = t; }}", ) for k in range(6)]
    eng = get_engine("auto", train=train)
    a = eng.suggest(LoopQuery("for (int j = 0; j < n; j++) v[j] = s * u[j] + v[j];"))
    assert a.pragma.startswith("#pragma acc kernels")
    assert any("most similar known loops" in n for n in a.notes)


def test_instantiate_drops_clauses_the_directive_forbids():
    from accellium.server.engines.analysis import analyze
    from accellium.server.engines.style import instantiate

    facts = analyze("for (int i = 0; i < n; i++) s += a[i];")
    assert instantiate(("kernels", "reduction(*)"), facts).render() == "#pragma acc kernels"
    assert "reduction(+:s)" in instantiate(("parallel loop",), facts).render()


def test_orphaned_loop_only_from_near_identical_known_loops():
    from accellium.server.engines.auto import NEAR, AutoEngine
    from accellium.server.engines.retrieval import Neighbour

    def nb(pragma, score):
        return Neighbour(pragma, "for(i=0;i<n;i++) x[i]=0;", "c", (), score, False)

    similar = [nb("#pragma acc loop seq", 0.9), nb("#pragma acc loop", 0.85)]
    assert AutoEngine._neighbour_directive(similar) is None  # no offload from look-alikes
    near = [nb("#pragma acc loop seq", NEAR + 0.1), nb("#pragma acc loop", NEAR)]
    assert AutoEngine._neighbour_directive(near) == "loop"
    agree = [nb("#pragma acc kernels", 0.9), nb("#pragma acc kernels present(x)", 0.85)]
    assert AutoEngine._neighbour_directive(agree) == "kernels"
    # three orphaned loops that all agree, similar but not near-identical
    three = [nb("#pragma acc loop independent", 1.15), nb("#pragma acc loop independent", 1.1),
             nb("#pragma acc loop independent", 1.05)]
    assert AutoEngine._neighbour_directive(three) == "loop"
    assert AutoEngine._neighbour_directive(three[:2]) is None
    assert AutoEngine._neighbour_directive(
        three[:2] + [nb("#pragma acc loop independent", 0.95)]) is None
    # look-alike loops of unrelated routines disagree on the form: no orphan
    mixed = [nb("#pragma acc loop seq", 1.11), nb("#pragma acc loop vector", 1.11),
             nb("#pragma acc loop worker", 1.11)]
    assert AutoEngine._neighbour_directive(mixed) is None


def test_engine_state_cache_survives_damage(tmp_path, monkeypatch):
    from accellium.server.engines import auto

    monkeypatch.setenv("ACCELLIUM_CACHE", str(tmp_path))
    loop = "for (int i = 0; i < n; i++) y[i] = 2 * x[i];"
    first = auto.AutoEngine(TRAIN).suggest(LoopQuery(loop)).pragma
    (state,) = tmp_path.glob("auto-state-*.pickle")
    state.write_bytes(b"\x80\x05\x95 not a pickle")  # a damaged file (e.g. a crash mid-write)
    assert auto.AutoEngine(TRAIN).suggest(LoopQuery(loop)).pragma == first  # rebuilt
    assert auto._load_state(list(TRAIN)) is not None  # and written again, readable
    assert len(list(tmp_path.glob("auto-state-*.pickle"))) == 1


def test_style_model_mixes_levels_thin_unanimous_context_still_decides():
    from accellium.server.engines.style import Features, StyleModel

    seq_child = Features(compute="parallel", parent="seq", parent_combined=False, data=False,
                         inner=1, collapsible=False, short=False, reduction=False,
                         unsafe=False, private=False)
    other = Features(compute="parallel", parent="plain", parent_combined=True, data=False,
                     inner=1, collapsible=False, short=False, reduction=False, unsafe=False,
                     private=False)

    def model(seq_sources):
        m = StyleModel()
        for repo in ("a", "b", "c"):  # many plain `loop`s elsewhere in a parallel region
            for _ in range(9):
                m.add(other, ("loop",), weight=1 / 3, source=repo)
        for repo, w in seq_sources:
            m.add(seq_child, ("loop", "seq"), weight=w, source=repo)
        return m

    # two repositories, little (damped) weight, but every loop under a `loop seq` is seq
    assert model([("d", 0.5), ("e", 0.4)]).predict(seq_child) == (("loop", "seq"), 0)
    # one repository is not enough: the broader context decides
    assert model([("d", 0.9)]).predict(seq_child)[0] == ("loop",)
    # a near tie in a specific context is settled by the broader levels
    m = model([])
    near_tie = Features(compute="kernels", parent="none", parent_combined=False, data=True,
                        inner=3, collapsible=True, short=False, reduction=False, unsafe=False,
                        private=False)
    broad = Features(compute="kernels", parent="none", parent_combined=False, data=False,
                     inner=1, collapsible=False, short=False, reduction=False, unsafe=False,
                     private=False)
    for repo, tpl in (("a", ("loop", "independent", "gang")), ("b", ("loop", "independent"))):
        m.add(near_tie, tpl, weight=1.1 if "gang" in tpl else 1.0, source=repo)
    for repo in ("c", "d", "e"):
        m.add(broad, ("loop", "independent"), weight=2.0, source=repo)
    assert m.predict(near_tie)[0] == ("loop", "independent")


def test_auto_never_crashes_on_odd_workspace_examples():
    from accellium.dataset.pragma import parse
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    eng = get_engine("auto", train=TRAIN)
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
        assert a.pragma is None or parse(a.pragma).directive

    run()


def test_same_file_example_decides_whether_the_loop_is_orphaned():
    from accellium.server.engines.auto import AutoEngine
    from accellium.server.engines.retrieval import Neighbour

    def nb(pragma, score, same_file):
        return Neighbour(pragma, "for(i=0;i<n;i++) x[i]=0;", "c", (), score, True,
                         same_file=same_file)

    other = [nb("#pragma acc parallel loop independent", 1.2, False),
             nb("#pragma acc parallel loop independent", 1.1, False)]
    assert not AutoEngine._orphaned(other + [nb("#pragma acc loop independent", 1.0, False)])
    assert AutoEngine._orphaned(other + [nb("#pragma acc loop independent", 1.0, True)])
    orphans = [nb("#pragma acc loop", 1.2, False), nb("#pragma acc loop", 1.1, False)]
    assert AutoEngine._orphaned(orphans)
    assert not AutoEngine._orphaned(orphans + [nb("#pragma acc parallel loop", 1.0, True)])


def test_same_file_example_decides_the_directive_family():
    from accellium.server.engines.auto import AutoEngine
    from accellium.server.engines.retrieval import Neighbour

    def nb(pragma, score, same_file=False):
        return Neighbour(pragma, "for(i=0;i<n;i++) x[i]=0;", "c", (), score, True,
                         same_file=same_file)

    ws = [nb("#pragma acc kernels present(a)", 1.3), nb("#pragma acc kernels", 1.25),
          nb("#pragma acc parallel loop present(b)", 1.2, True),
          nb("#pragma acc parallel loop", 0.9)]
    got = AutoEngine._by_directive_vote(ws)
    assert [n.pragma for n in got] == ["#pragma acc parallel loop present(b)",
                                       "#pragma acc parallel loop"]
    # from further away it does not outvote the nearest ones
    far = ws[:2] + [nb("#pragma acc parallel loop", 1.0), ws[2]]
    assert AutoEngine._by_directive_vote(far)[0].pragma == "#pragma acc kernels present(a)"
