"""A ``loop`` nested in loops that already use a partitioning level keeps only the levels
inside theirs (``gang`` > ``worker`` > ``vector``): OpenACC 3.3, 2.9.2-2.9.4 — the region of a
``gang`` loop may not contain another ``gang`` loop, a ``worker`` loop no ``gang``/``worker``
loop, a ``vector`` loop no loop with a level — and gcc rejects the rest ("inner loop uses same
OpenACC parallelism as containing loop").  The safety guard applies it to every engine's
answer, and ``auto``'s candidates pass it before they are ranked.  Proven on a whole program:
the guarded answer, written above the inner loop of a program whose outer loop is already
annotated, builds with gcc -fopenacc and verifies; the answer as the engine gave it does not
build.  Twins keep their levels: a ``vector`` loop under a ``gang`` loop, any level in a
compute region without annotated loops, and a combined construct."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _fixed_engine import FixedAnswer

from accellium.dataset.analysis import enclosing_level
from accellium.dataset.pragma import parse
from accellium.server.engines.base import LoopQuery
from accellium.server.engines.rank.candidates import context, finish
from accellium.server.engines.style import features
from accellium.server.safety import inner_levels
from accellium.server.suggest import suggest

INNER = "for (int j = 0; j < n; j++) s += b[i * n + j];"

PROGRAM = """#include <stdio.h>
#include <math.h>

void row_sums(int n, const double *b, double *a)
{
    OUTER_PRAGMA
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        INNER_PRAGMA
        INNER
        a[i] = s;
    }
}

int main(void)
{
    enum { N = 96 };
    static double b[N * N], a[N];
    int bad = 0;
    for (int k = 0; k < N * N; k++) b[k] = (k * 7 % 13) / 4.0;
    row_sums(N, b, a);
    for (int i = 0; i < N; i++) {
        double r = 0.0;
        for (int j = 0; j < N; j++) r += b[i * N + j];
        bad += fabs(a[i] - r) > 1e-9;
    }
    printf(bad ? "FAIL %d\\n" : "OK\\n", bad);
    return bad != 0;
}
"""



def _guarded(answer: str, enclosing: tuple[str, ...]) -> str | None:
    q = LoopQuery(code=INNER, lang="c", enclosing=enclosing)
    return suggest(q, FixedAnswer(answer), fallback=None).pragma


def _build_and_run(tmp: Path, outer: str, inner: str) -> subprocess.CompletedProcess:
    src = tmp / "rows.c"
    src.write_text(PROGRAM.replace("OUTER_PRAGMA", outer).replace("INNER_PRAGMA", inner)
                   .replace("INNER", INNER))
    exe = tmp / "rows"
    built = subprocess.run(["gcc", "-fopenacc", "-foffload=disable", "-O1", str(src), "-o",
                            str(exe), "-lm"], capture_output=True, text=True, timeout=120)
    if built.returncode != 0:
        return built
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("outer, answer, expected", [
    # every level used outside: none is left
    ("#pragma acc parallel loop gang worker vector copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc loop gang worker vector reduction(+:s)", "#pragma acc loop reduction(+:s)"),
    # `gang` outside: `worker`/`vector` are left
    ("#pragma acc parallel loop gang copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc loop gang vector reduction(+:s)", "#pragma acc loop vector reduction(+:s)"),
    # `vector` outside (in `kernels`, with sizes): no level is left
    ("#pragma acc kernels loop independent gang vector(32) copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc loop independent gang vector(64) reduction(+:s)",
     "#pragma acc loop independent reduction(+:s)"),
])
def test_the_guarded_answer_builds_and_verifies_where_the_engines_does_not(
        tmp_path, outer, answer, expected):
    enclosing = (outer,)
    got = _guarded(answer, enclosing)
    assert got == expected
    run = _build_and_run(tmp_path, outer, got)
    assert run.returncode == 0 and run.stdout.strip() == "OK", run.stdout + run.stderr
    # the answer as the engine gave it: gcc rejects the nesting
    raw = _build_and_run(tmp_path, outer, answer)
    assert raw.returncode != 0
    assert "same OpenACC parallelism as containing loop" in raw.stderr, raw.stderr


@pytest.mark.parametrize("outer, answer", [
    # twin: a `vector` loop under a `gang` loop is valid as written
    ("#pragma acc parallel loop gang copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc loop vector reduction(+:s)"),
    # twin: the outer loop names no level, so nothing is known to be used
    ("#pragma acc parallel loop copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc loop vector reduction(+:s)"),
])
def test_levels_inside_the_enclosing_ones_are_kept(tmp_path, outer, answer):
    got = _guarded(answer, (outer,))
    assert got == answer
    run = _build_and_run(tmp_path, outer, got)
    assert run.returncode == 0 and run.stdout.strip() == "OK", run.stdout + run.stderr


def test_the_guard_says_what_it_left_out_and_why():
    q = LoopQuery(code=INNER, lang="c",
                  enclosing=("#pragma acc parallel loop gang worker",))
    s = suggest(q, FixedAnswer("#pragma acc loop gang worker vector reduction(+:s)"), fallback=None)
    assert s.pragma == "#pragma acc loop vector reduction(+:s)"
    said = [str(n) for n in s.notes if "left out" in str(n)]
    assert said and "`gang`, `worker`" in said[0] and "`worker`" in said[0]


@pytest.mark.parametrize("enclosing, level", [
    ((), -1),
    (("#pragma acc data copy(a[0:n])", "#pragma acc parallel"), -1),
    (("#pragma acc parallel loop",), -1),
    (("#pragma acc parallel loop gang",), 0),
    (("#pragma acc kernels", "#pragma acc loop gang(4) worker"), 1),
    (("#pragma acc parallel loop gang", "#pragma acc loop vector"), 2),
    # a `parallel` construct's size clauses are not a loop's levels
    (("#pragma acc parallel num_gangs(8) vector_length(32)",), -1),
])
def test_enclosing_level(enclosing, level):
    assert enclosing_level(enclosing) == level


def test_what_the_rule_leaves_alone():
    gang = ("#pragma acc parallel loop gang",)
    # a compute region without annotated loops: every level is free
    p, note = inner_levels(parse("#pragma acc loop gang vector"), ("#pragma acc parallel",))
    assert p.render() == "#pragma acc loop gang vector" and note is None
    # a combined construct is not a nested `loop` (its nesting is another rule's)
    p, note = inner_levels(parse("#pragma acc parallel loop gang"), gang)
    assert p.render() == "#pragma acc parallel loop gang" and note is None
    # nested gang dimensions (OpenACC 3.x `gang(dim:)`) are the programmer's
    p, note = inner_levels(parse("#pragma acc loop gang(dim:1)"), ("#pragma acc parallel loop gang(dim:2)",))
    assert p.render() == "#pragma acc loop gang(dim:1)" and note is None


def test_auto_candidates_pass_the_rule_before_they_are_ranked():
    enclosing = ("#pragma acc parallel loop gang worker vector copyin(b[0:n*n])",)
    q = LoopQuery(INNER, "c", enclosing, ())
    qf = q.facts()
    ctx = context(q, qf, features(enclosing, qf), [])
    out = finish(parse("#pragma acc loop gang worker vector reduction(+:s)"), ctx)
    assert out is not None
    p = parse(out.render())
    assert not any(p.has(k) for k in ("gang", "worker", "vector")), out.render()
    assert p.directive == "loop" and p.has("reduction")


# The other side: an answer for the outer loop of a nest whose inner loop already has a `loop`
# directive keeps only the levels outside the inner one's (`contained_levels`): retrieval
# copies `parallel loop gang vector` onto a loop whose inner loop says `loop vector`, and gcc
# rejects the pair ("inner loop uses same OpenACC parallelism as containing loop").
OUTER = """for (int i = 0; i < n; i++) {
        double s = 0.0;
        INNER_PRAGMA
        INNER
        a[i] = s;
    }"""


@pytest.mark.parametrize("inner, answer, expected", [
    ("#pragma acc loop vector reduction(+:s)",
     "#pragma acc parallel loop gang vector copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc parallel loop gang copyin(b[0:n*n]) copyout(a[0:n])"),
    ("#pragma acc loop worker reduction(+:s)",
     "#pragma acc kernels loop gang worker vector copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc kernels loop gang copyin(b[0:n*n]) copyout(a[0:n])"),
    ("#pragma acc loop gang reduction(+:s)",
     "#pragma acc parallel loop gang copyin(b[0:n*n]) copyout(a[0:n])",
     "#pragma acc parallel loop copyin(b[0:n*n]) copyout(a[0:n])"),
])
def test_an_outer_answer_keeps_the_levels_outside_its_inner_loops(tmp_path, inner, answer,
                                                                   expected):
    code = OUTER.replace("INNER_PRAGMA", inner).replace("INNER", INNER)
    got = suggest(LoopQuery(code=code, lang="c"), FixedAnswer(answer), fallback=None)
    assert got.pragma == expected, (got.pragma, got.notes)
    assert any("a loop inside it already uses" in str(n) for n in got.notes), got.notes
    run = _build_and_run(tmp_path, got.pragma, inner)
    assert run.returncode == 0 and run.stdout.strip() == "OK", run.stdout + run.stderr
    raw = _build_and_run(tmp_path, answer, inner)
    assert raw.returncode != 0 and "OpenACC parallelism" in raw.stderr, raw.stderr


def test_a_sequential_loop_over_a_gang_loop_in_a_parallel_block_stays_sequential():
    """`loop seq` over an inner `loop gang` is the usual form: no `gang` added to it
    (`safety._shared_among_gangs`), and none of the inner levels either."""
    code = OUTER.replace("INNER_PRAGMA", "#pragma acc loop gang reduction(+:s)") \
        .replace("INNER", INNER)
    for answer in ("#pragma acc loop seq", "#pragma acc loop"):
        got = suggest(LoopQuery(code=code, lang="c", enclosing=("#pragma acc parallel",)),
                      FixedAnswer(answer), fallback=None)
        assert got.pragma == answer, (got.pragma, got.notes)


OUTER_LOOP = """for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < n; j++) s += b[i * n + j];
        a[i] = s;
    }"""


def test_a_gang_dimension_at_the_top_of_a_nest_is_plain_gang(tmp_path):
    """``gang(dim:d)`` (OpenACC 3.3, 2.9.2) numbers the gang levels of a nest whose loops each
    name theirs; on the outer loop of a nest that names none it adds nothing to ``gang``, and
    gcc does not implement it ("'dim' undeclared").  The guarded answer builds and verifies;
    the engine's does not build.  Inside the programmer's own nest of dimensions it stays
    (:func:`test_what_the_rule_leaves_alone`)."""
    answer = "#pragma acc parallel loop gang(dim:2) copyin(b[0:n*n]) copyout(a[0:n])"
    s = suggest(LoopQuery(code=OUTER_LOOP, lang="c"), FixedAnswer(answer), fallback=None)
    assert s.pragma is not None and "dim" not in s.pragma, s.pragma
    assert s.pragma.startswith("#pragma acc parallel loop gang "), s.pragma
    assert any("`gang(dim:2)`" in str(n) and "gcc" in str(n) for n in s.notes), s.notes
    run = _build_and_run(tmp_path, s.pragma, "")
    assert run.returncode == 0 and run.stdout.strip() == "OK", run.stdout + run.stderr
    raw = _build_and_run(tmp_path, answer, "")
    assert raw.returncode != 0 and "dim" in raw.stderr, raw.stderr
