"""The gcc compile-validity harness on good and bad pragmas (needs gcc with -fopenacc)."""

import pytest

from accellium.evaluation.compile_check import (
    CompileJob,
    build_source,
    check,
    check_many,
    compiler_available,
)


def test_gcc_and_gxx_are_installed():
    """CI installs gcc and g++; a missing compiler fails here instead of skipping the file."""
    assert compiler_available("c"), "gcc not found on PATH"
    assert compiler_available("cpp"), "g++ not found on PATH"

LOOP = "for (i = 0; i < n; i++) {\n  s += a[i] * b[idx[i]];\n  c[i][j] = p->x[i] + q.y;\n}"


def _ok(pragma, loop=LOOP, lang="c", enclosing=(), tmp=None):
    return check(CompileJob(loop, pragma, lang, tuple(enclosing)), cache_dir=tmp)


def test_good_pragma_compiles(tmp_path):
    r = _ok("#pragma acc parallel loop reduction(+:s) copyin(a[0:n], b[0:n]) present(c)",
            tmp=tmp_path)
    assert r.ok, r.error


@pytest.mark.parametrize("bad", [
    "#pragma acc paralel loop",  # unknown directive (-Werror=unknown-pragmas)
    "#pragma acc parallel loop frobnicate(a)",  # unknown clause
    "#pragma acc parallel loop reduction(s)",  # malformed reduction
    "#pragma acc loop copyin(a[0:n])",  # clause not allowed on loop
    "#pragma acc parallel loop collapse(3)",  # not enough nested loops
])
def test_bad_pragmas_fail(bad, tmp_path):
    r = _ok(bad, tmp=tmp_path)
    assert not r.ok and r.error


def test_inference_and_context(tmp_path):
    src = build_source(LOOP, "#pragma acc loop", "c", ["#pragma acc data copy(c[0:n][0:m])",
                                                        "#pragma acc parallel"])
    assert "int * idx" in src and "int i" in src and "int n" in src
    assert "(*c)[64]" in src  # contiguous 2-D section
    assert "#pragma acc parallel\n{" in src
    assert _ok("#pragma acc loop gang vector", enclosing=["#pragma acc kernels present(a)"],
               tmp=tmp_path).ok
    # orphaned loop (its compute construct is elsewhere) still compiles
    assert _ok("#pragma acc loop vector(128)", tmp=tmp_path).ok
    # a nested compute construct does not
    assert not _ok("#pragma acc parallel loop", enclosing=["#pragma acc parallel"],
                   tmp=tmp_path).ok


def test_cpp_and_functions(tmp_path):
    loop = ("for (int i = 0; i < N; ++i) {\n  out[i] = std::max(f(in[i]), this->scale * "
            "v.at(i));\n  Real t = (Real) w[i];\n}")
    r = _ok("#pragma acc parallel loop copyout(out[0:N])", loop, "cpp", tmp=tmp_path)
    assert r.ok, r.error


def test_cache_and_many(tmp_path):
    jobs = [CompileJob(LOOP, "#pragma acc parallel loop", "c"),
            CompileJob(LOOP, None, "c"),
            CompileJob(LOOP, "#pragma acc parallel loop foo", "c")]
    first = check_many(jobs, workers=2, cache_dir=tmp_path)
    assert [r.ok for r in first] == [True, False, False]
    again = check_many(jobs, workers=2, cache_dir=tmp_path)
    assert [r.ok for r in again] == [True, False, False]
    assert again[0].cached and again[2].cached
