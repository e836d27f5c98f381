from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accellium.dataset.pragma import parse
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import asserts_parallel, guard

REC = "for (int i = 1; i < n; i++) x[i] = x[i-1] + a[i];"
OK = "for (int i = 0; i < n; i++) y[i] = 2 * x[i];"


def test_safe_loop_untouched():
    assert guard(LoopQuery(OK), "#pragma acc parallel loop") == ("#pragma acc parallel loop", [])


def test_parallel_loop_on_recurrence_becomes_kernels():
    text, notes = guard(LoopQuery(REC), "#pragma acc parallel loop gang copy(x) num_gangs(4)")
    # the compiler keeps it sequential; the pragma moves data itself, so `a`, which it reads
    # and nothing else puts on the device, is added with the section the loop reaches, and
    # `x`, named alone (its pointer), gets the elements `x[i - 1]` and `x[i]` reach
    assert text == "#pragma acc kernels copyin(a[1:n-1]) copy(x[0:n])"
    assert notes and "x[i-1]" in notes[0] and "would run it in parallel" in notes[0]
    assert any("`a[1:n-1]` added to `copyin`" in n for n in notes)


def test_loop_in_region_becomes_seq():
    q = LoopQuery(REC, enclosing=("#pragma acc parallel",))
    text, notes = guard(q, "#pragma acc loop gang vector private(t)")
    assert text == "#pragma acc loop seq private(t)"
    assert notes


def test_seq_auto_and_kernels_kept():
    q = LoopQuery(REC, enclosing=("#pragma acc kernels",))
    assert guard(q, "#pragma acc loop seq")[0] == "#pragma acc loop seq"
    assert guard(q, "#pragma acc loop auto")[0] == "#pragma acc loop auto"
    text, notes = guard(LoopQuery(REC), "#pragma acc kernels")
    assert text == "#pragma acc kernels" and notes
    text, notes = guard(LoopQuery(REC), "#pragma acc kernels loop independent copy(x[0:n])")
    assert text == "#pragma acc kernels copyin(a[1:n-1]) copy(x[0:n])"
    assert "carried dependence" in notes[0] and "kernels" in notes[0]


def test_asserts_parallel():
    from accellium.dataset.pragma import parse

    assert asserts_parallel(parse("#pragma acc parallel loop"))
    assert asserts_parallel(parse("#pragma acc kernels loop independent"))
    assert not asserts_parallel(parse("#pragma acc loop seq"))
    assert not asserts_parallel(parse("#pragma acc kernels"))


def test_none_pragma():
    assert guard(LoopQuery(REC), None) == (None, [])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(code=st.one_of(st.text(max_size=200), st.sampled_from([REC, OK, "for(;;)", "for (i"])),
       pragma=st.one_of(st.none(), st.text(max_size=80),
                        st.sampled_from(["#pragma acc parallel loop", "#pragma acc loop",
                                         "#pragma acc kernels ((", "#pragma acc"])),
       enclosing=st.lists(st.text(max_size=40), max_size=3),
       lang=st.sampled_from(["c", "cpp", "fortran", ""]))
def test_guard_never_crashes(code, pragma, enclosing, lang):
    text, notes = guard(LoopQuery(code, lang=lang, enclosing=tuple(enclosing)), pragma)
    assert text is None or isinstance(text, str)
    assert isinstance(notes, list)


SCRATCH = ("for (int i = 0; i < n; i++) {\n  for (int j = 0; j < m; j++) q[j] = A[j*n + i];\n"
           "  for (int j = 0; j < m; j++) Q[j*n + i] = q[j] * 2;\n}")


def test_scratch_array_gets_private_added():
    text, notes = guard(LoopQuery(SCRATCH), "#pragma acc parallel loop present(A, Q)")
    assert text == "#pragma acc parallel loop present(A, Q) private(q)"
    assert notes and "`q`" in notes[0]
    text, _ = guard(LoopQuery(SCRATCH), "#pragma acc parallel loop private(t)")
    assert text == "#pragma acc parallel loop private(t, q)"
    # named already, or no parallelism asserted: untouched
    for p in ("#pragma acc parallel loop private(q)", "#pragma acc kernels",
              "#pragma acc loop seq"):
        assert guard(LoopQuery(SCRATCH), p) == (p, [])


def test_loop_in_kernels_without_independent_is_auto():
    from accellium.dataset.pragma import parse

    # OpenACC 3.3 2.9.7: in a kernels construct a loop without independent/seq is `auto`
    assert not asserts_parallel(parse("#pragma acc loop"), "kernels")
    assert not asserts_parallel(parse("#pragma acc loop gang vector"), "kernels")
    assert not asserts_parallel(parse("#pragma acc kernels loop gang"))
    assert asserts_parallel(parse("#pragma acc loop independent"), "kernels")
    assert asserts_parallel(parse("#pragma acc loop gang"), "parallel")
    q = LoopQuery(REC, enclosing=("#pragma acc kernels copy(x)",))
    text, notes = guard(q, "#pragma acc loop gang")
    assert text == "#pragma acc loop gang" and "leaves it to the compiler" in notes[0]
    assert guard(q, "#pragma acc loop independent")[0] == "#pragma acc loop seq"


def test_triangular_solve_is_a_carried_dependence():
    from accellium.dataset.analysis import analyze

    fwd = "for (int i = 0; i < n; i++) { for (int j = 0; j < i; j++) y[i] -= A[i][j] * y[j]; }"
    f = analyze(fwd)
    assert not f.safe and "y[j]" in f.carried[0].message
    assert guard(LoopQuery(fwd), "#pragma acc parallel loop")[0] == "#pragma acc kernels"
    # one row per iteration: x[i][k] against x[i][j] stays inside the iteration
    assert analyze("for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) "
                   "a[i][j] = a[i][j] / a[i][k];").safe
    assert analyze("for (int i = 0; i < n; i++) { for (int j = 0; j < m; j++) "
                   "y[i] += A[i][j] * x[j]; }").safe


def test_guard_fails_closed_when_its_check_breaks(monkeypatch, caplog):
    """An internal failure of the guard must not let the engine's unchecked pragma through:
    the loop gets no pragma (the host runs it as written), a note says why, the error is
    logged — the whole suggestion path included."""
    import accellium.server.safety as safety
    from accellium.server.suggest import suggest

    def broken(query, p):
        raise RuntimeError("boom")

    monkeypatch.setattr(safety, "_check", broken)
    out, notes = safety.check(LoopQuery(OK), parse("#pragma acc parallel loop"))
    assert out is None
    assert any("safety check failed (RuntimeError)" in n for n in notes)
    assert "safety check failed" in caplog.text
    s = suggest(LoopQuery(OK), "context")
    assert s.pragma is None
    assert any("could not be checked" in n for n in s.notes)
