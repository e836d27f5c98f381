"""The corrections every ``auto`` candidate passes (``rank.candidates.finish``): the
sequential constructs on a loop the analysis cannot prove independent, outside a compute
region, become the compiler-decides form of the same shape — never a form that asserts
parallelism — and are left alone where that form is refused; and the candidates ``generate``
adds inside a ``kernels`` region, where ``independent`` states what the analysis proved."""

from __future__ import annotations

import pytest

from accellium.dataset.pragma import parse
from accellium.evaluation.depcheck import unsafe_kinds
from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank.candidates import context, finish
from accellium.server.engines.style import features
from accellium.server.safety import asserts_parallel, check

# a subscript through a function-like macro the loop alone does not define: not provably apart
MACRO = ("for (int j = 1; j < n - 1; j++) {\n  for (int i = 1; i < m - 1; i++) {\n"
         "    A[OFFSET(j, i, m)] = B[OFFSET(j, i, m)];\n  }\n}\n")
# a proven recurrence
RECURRENCE = "for (int i = 1; i < n; i++) x[i] = x[i - 1] + a[i];"
# a scratch scalar and a reduction beside the unprovable subscript
WITH_CLAUSES = ("for (int j = 0; j < n; j++) {\n  double t = B[IDX(j)] * 2.0;\n"
                "  A[IDX(j)] = t;\n  s += t;\n}\n")
# I/O keeps the loop on the host: the guard refuses `kernels` there
IO = "for (int i = 0; i < n; i++) { printf(\"%d\\n\", a[i]); a[i] = a[i - 1]; }"


def _ctx(code: str, enclosing: tuple[str, ...] = ()):
    q = LoopQuery(code, "c", enclosing, ())
    qf = q.facts()
    return q, context(q, qf, features(enclosing, qf), [])


def _finish(code: str, pragma: str, enclosing: tuple[str, ...] = ()) -> str | None:
    _, ctx = _ctx(code, enclosing)
    out = finish(parse(pragma), ctx)
    return None if out is None else out.render()


@pytest.mark.parametrize("code", [MACRO, RECURRENCE])
@pytest.mark.parametrize("pragma, directive", [
    ("#pragma acc serial", "kernels"), ("#pragma acc serial loop", "kernels loop"),
    # what the guard makes `serial`/`serial loop` of (one gang: `safety_data.one_gang`)
    ("#pragma acc parallel", "kernels"), ("#pragma acc parallel loop seq", "kernels loop")])
def test_serial_becomes_the_compiler_decides_form_outside_a_region(code, pragma, directive):
    q, ctx = _ctx(code)
    assert not ctx.facts.safe
    out = _finish(code, pragma)
    assert out is not None and parse(out).directive == directive, out
    p = parse(out)
    # never a claim of parallelism: no `independent`, no level, not `parallel`
    assert not asserts_parallel(p) and "independent" not in out and "parallel" not in out
    assert not p.has("gang") and not p.has("vector") and not p.has("worker")
    # the guard lets it through unchanged, and the independent check does not flag it
    guarded, _ = check(q, p)
    assert guarded is not None and guarded.render() == out
    assert unsafe_kinds(code, out) == {}


def test_kernels_loop_keeps_the_loop_clauses_the_analysis_found():
    out = _finish(WITH_CLAUSES, "#pragma acc serial loop private(t) reduction(+:s)")
    assert out is not None and out.startswith("#pragma acc kernels loop"), out
    assert "reduction(+:s)" in out and "independent" not in out


def test_a_loop_whose_calls_keep_it_on_the_host_is_left_as_it_is():
    _, ctx = _ctx(IO)
    assert ctx.facts.device_unsafe_calls
    out = _finish(IO, "#pragma acc serial")
    assert out is None or parse(out).directive == "serial", out


def test_independent_loop_and_region_unchanged():
    # an independent loop: `serial` is style, the parallel form replaces it (issue 14)
    safe = "for (int i = 0; i < n; i++) y[i] = 2.0 * x[i];"
    assert parse(_finish(safe, "#pragma acc serial loop")).directive == "parallel loop"
    # inside a compute region the sequential form of a dependent loop is `loop seq`
    inside = _finish(RECURRENCE, "#pragma acc loop", ("#pragma acc parallel",))
    assert inside == "#pragma acc loop seq", inside


# an independent loop (the analysis proves it) and a nest with a reduction
SAXPY = "for (int i = 0; i < n; i++) y[i] = a * x[i] + y[i];"
NEST_SUM = ("for (int i = 0; i < n; i++)\n  for (int j = 0; j < m; j++) {\n"
            "    s += A[i * m + j];\n    B[i * m + j] = 2.0 * A[i * m + j];\n  }\n")


@pytest.mark.parametrize("code", [SAXPY, NEST_SUM])
@pytest.mark.parametrize("pragma", [
    "#pragma acc kernels", "#pragma acc kernels loop", "#pragma acc kernels loop gang vector",
    "#pragma acc kernels loop tile(*, *)"])
def test_cold_independent_loop_outside_a_region_states_the_proof(code, pragma):
    # docs/tuning.md change 19: `kernels` asks the compiler to prove again what the analysis
    # proved; with the project's style unknown the answer states it (`parallel loop`)
    q, ctx = _ctx(code)
    assert ctx.facts.safe and not ctx.feats.in_region
    out = _finish(code, pragma)
    assert out is not None and parse(out).directive == "parallel loop", out
    guarded, _ = check(q, parse(out))
    assert guarded is not None and guarded.render() == out
    assert unsafe_kinds(code, out) == {}
    if "reduction" in code or "s +=" in code:
        assert "reduction(+:s)" in out, out


def test_kernels_is_kept_where_it_already_states_or_cannot_state_the_proof():
    # `independent` states it already
    out = _finish(SAXPY, "#pragma acc kernels loop independent")
    assert out is not None and out.startswith("#pragma acc kernels loop independent"), out
    # a dependence the analysis cannot rule out: the compiler decides (change 12)
    out = _finish(MACRO, "#pragma acc kernels loop")
    assert out is not None and parse(out).directive == "kernels loop", out
    # inside a compute region the construct is not this rule's business
    out = _finish(SAXPY, "#pragma acc kernels loop", ("#pragma acc data copy(y[0:n])",
                                                      "#pragma acc kernels"))
    assert out is None or parse(out).directive != "parallel loop", out


def test_the_projects_own_kernels_examples_keep_their_form():
    from accellium.dataset.prompt import Example

    ex = (Example("#pragma acc kernels loop", "for (int i = 0; i < n; i++) z[i] = x[i];",
                  (), True),)
    q = LoopQuery(SAXPY, "c", (), ex)
    qf = q.facts()
    ctx = context(q, qf, features((), qf), [])
    out = finish(parse("#pragma acc kernels loop"), ctx)
    assert out is not None and out.directive == "kernels loop", out.render()


KERNELS = ("#pragma acc data copy(y[0:n]) copyin(x[0:n])", "#pragma acc kernels")


def _generated(code: str, enclosing: tuple[str, ...]) -> list[str]:
    from accellium.server.engines.rank.candidates import generate

    _, ctx = _ctx(code, enclosing)
    return [c.text for c in generate(ctx, lambda nb: None, None)]


def test_in_kernels_an_independent_loop_is_also_proposed_with_independent():
    # a `loop` in `kernels` without `independent` is `auto`: the compiler must prove again
    # what the analysis proved; with the project's style unknown (no examples) the form that
    # states it is a candidate beside the plain one
    got = _generated(SAXPY, KERNELS)
    assert "#pragma acc loop" in got and "#pragma acc loop independent" in got, got
    q, _ = _ctx(SAXPY, KERNELS)
    for text in got:
        guarded, _ = check(q, parse(text))
        assert guarded is not None and guarded.render() == text
        assert unsafe_kinds(SAXPY, text) == {}


@pytest.mark.parametrize("code, enclosing", [
    (RECURRENCE, KERNELS),  # a dependence: never `independent`
    (MACRO, KERNELS),  # a subscript the analysis cannot prove apart: neither
    (SAXPY, ("#pragma acc parallel",)),  # in `parallel` a plain `loop` is independent already
])
def test_no_independent_form_where_it_is_not_proved_or_not_needed(code, enclosing):
    got = _generated(code, enclosing)
    assert got and not any("independent" in t for t in got), got


def test_with_project_examples_their_form_decides():
    # the project's own examples show how it writes its loops: no form is added to theirs
    from accellium.dataset.prompt import Example
    from accellium.server.engines.rank.candidates import generate

    ex = (Example("#pragma acc loop", "for (int i = 0; i < n; i++) z[i] = x[i];", KERNELS,
                  True),)
    q = LoopQuery(SAXPY, "c", KERNELS, ex)
    qf = q.facts()
    got = [c.text for c in generate(context(q, qf, features(KERNELS, qf), []),
                                    lambda nb: None, None)]
    assert got and qf.safe and not any("independent" in t for t in got), got


def test_independent_goes_before_the_clauses_and_after_the_levels():
    from accellium.server.engines.rank.candidates import _proof_stated

    def forms(text: str) -> list[str]:
        return [p.render() for p in _proof_stated(parse(text))]

    assert forms("#pragma acc loop") == ["#pragma acc loop independent"]
    assert forms("#pragma acc loop gang vector(4) private(t)") == [
        "#pragma acc loop independent gang vector(4) private(t)",
        "#pragma acc loop gang vector(4) independent private(t)"]
    for said in ("#pragma acc loop seq", "#pragma acc loop auto", "#pragma acc loop independent",
                 "#pragma acc kernels loop"):
        assert forms(said) == []
