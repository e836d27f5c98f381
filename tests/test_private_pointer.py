"""A scratch array is private only when it is the function's own true array and nothing reads
it after the loop.  A private copy of a pointer is an uninitialised pointer (OpenACC 3.3,
2.5.13), so ``private(tmp)`` on a ``double *tmp`` sends every iteration writing through a
pointer to nowhere on a GPU; and private copies are discarded at the loop's end, so an array
whose values the caller (a parameter's memory) or the code after the loop reads is no scratch.
With the file, such a loop carries the dependence: it stays off the device and its inner loops
take the pragmas.  In a ``serial`` construct (one gang) nothing needs privatising: an engine's
``private(tmp)`` there is dropped and the array mapped.

Whole programs, built with gcc and run in the data-environment emulator (separate device
memory; its ``serial`` and combined constructs privatise as OpenACC does), with the controls
that show each hazard is real.  Twin: a scratch array the function declares with its size, not
read after the loop, keeps ``private(tmp)``."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import run_as_written, write_suite

from accellium.dataset.analysis import scope_of
from accellium.dataset.lines import LineIndex
from accellium.dataset.loops import loops_in_tree, parse_tree
from accellium.dataset.pragma import parse
from accellium.server.annotate import annotate_source, apply_edits
from accellium.server.engines import LoopQuery, get_engine
from accellium.server.safety import asserts_parallel, guard

# each row is summed from a scratch row every iteration fills first; the scratch row is the
# function's own (allocated and freed here: nothing reads it after the loop)
ROWS = """
#include <stdlib.h>
void rows(int n, int m, const double *restrict a, double *restrict out)
{
    double *tmp = malloc(m * sizeof *tmp);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++)
            tmp[j] = a[i * m + j] * 2.0;
        double s = 0.0;
        for (int j = 0; j < m; j++)
            s += tmp[j];
        out[i] = s;
    }
    free(tmp);
}
"""
# the same with the scratch row a parameter (the caller's memory) or read after the loop
ROWS_PARAM = ROWS.replace("double *restrict out)", "double *restrict out, double *tmp)").replace(
    "    double *tmp = malloc(m * sizeof *tmp);\n", "").replace("    free(tmp);\n", "")
ROWS_ARRAY = """
#define M 16
void rows(int n, int m, const double *restrict a, double *restrict out)
{
    double tmp[M];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < M; j++)
            tmp[j] = a[i * M + j] * 2.0;
        double s = 0.0;
        for (int j = 0; j < M; j++)
            s += tmp[j];
        out[i] = s;
    }
}
"""
# the function's own true array, read after the loop
ROWS_READ_AFTER = ROWS_ARRAY.replace("        out[i] = s;\n    }\n", "        out[i] = s;\n    }\n"
                                     "    out[0] += tmp[0] - tmp[0];\n")
ROWS_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void rows(int n, int m, const double *restrict a, double *restrict out);
int main(void)
{
    int n = 40, m = 16, bad = 0;
    double *a = malloc(n * m * sizeof *a), *o = malloc(n * sizeof *o);
    for (int e = 0; e < n * m; e++) a[e] = e % 5;
    rows(n, m, a, o);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < m; j++) s += 2.0 * a[i * m + j];
        bad += fabs(s - o[i]) > 1e-12;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the caller of ROWS_PARAM reads the scratch row afterwards: the last row's values
ROWS_PARAM_MAIN = ROWS_MAIN.replace(
    "double *restrict out);", "double *restrict out, double *tmp);").replace(
    "rows(n, m, a, o);", "double *t = malloc(m * sizeof *t);\n    rows(n, m, a, o, t);").replace(
    "    puts(", "    for (int j = 0; j < m; j++) bad += t[j] != 2.0 * a[(n - 1) * m + j];\n    puts(")


# a time loop (sequential: each step reads the last) with a scratch row per step
STEPS = """
void smooth(int n, int steps, double *restrict u, double *restrict tmp)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 1; i < n - 1; i++)
            tmp[i] = 0.25 * (u[i - 1] + 2.0 * u[i] + u[i + 1]);
        for (int i = 1; i < n - 1; i++)
            u[i] = tmp[i];
    }
}
"""
STEPS_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void smooth(int n, int steps, double *restrict u, double *restrict tmp);
int main(void)
{
    int n = 64, steps = 5, bad = 0;
    double *u = malloc(n * sizeof *u), *t = malloc(n * sizeof *t);
    double *r = malloc(n * sizeof *r), *q = malloc(n * sizeof *q);
    for (int i = 0; i < n; i++) { u[i] = r[i] = i % 7; t[i] = q[i] = 0.0; }
    smooth(n, steps, u, t);
    for (int s = 0; s < steps; s++) {
        for (int i = 1; i < n - 1; i++) q[i] = 0.25 * (r[i - 1] + 2.0 * r[i] + r[i + 1]);
        for (int i = 1; i < n - 1; i++) r[i] = q[i];
    }
    for (int i = 0; i < n; i++) bad += fabs(u[i] - r[i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _outer_query(kernel: str) -> tuple[LoopQuery, int]:
    """The query of the function's outer loop as the pipeline builds it (the file as scope),
    and the loop's 0-based line."""
    src = kernel.encode()
    lp = loops_in_tree(parse_tree(src, "c"), src, LineIndex(src))[0]
    return LoopQuery(code=lp.text, lang="c", enclosing=tuple(lp.enclosing),
                     scope=scope_of(src, lp.start_byte, "c"), first_line=lp.line), lp.line - 1


def _with_pragma(kernel: str, pragma: str) -> str:
    _, row = _outer_query(kernel)
    lines = kernel.splitlines(keepends=True)
    return "".join(lines[:row] + [f"    {pragma}\n"] + lines[row:])


def _assert_fails(tmp: Path, kernel: str, main: str) -> None:
    """The program with ``kernel`` as written does not verify in the emulator (the control)."""
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    manifest = write_suite(tmp, {"p": (kernel, main)})
    r = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)["programs"][0][
        "original"]
    assert r["status"] != "verified", r


def _applied(kernel: str) -> tuple[str, list, list]:
    """The analysis engine's answers for ``kernel`` applied as ``suggest --apply`` applies
    them: the new kernel, every loop's answer, the answers applied."""
    src = kernel.encode()
    sugg = annotate_source(src, get_engine("analysis"), path="k.c", lang="c")
    new, applied = apply_edits(src, sugg)
    return new.decode(), sugg, applied


def _outer(answers: list):
    return next(s for s in answers if s.depth == 0)


def _not_parallel(pragma: str | None) -> bool:
    return pragma is None or not asserts_parallel(parse(pragma))


def test_a_pointer_scratch_keeps_the_loop_off_the_device(tmp_path):
    """The engine's answers, applied as ``suggest --apply`` applies them, leave the row loop
    on the host (its inner loops offloaded) and verify; the bare ``private(tmp)`` fails in the
    emulator (each iteration's pointer points to nothing)."""
    new, sugg, _ = _applied(ROWS)
    outer = _outer(sugg)
    assert _not_parallel(outer.pragma), outer.pragma
    assert any("not an array of this function" in n for n in outer.notes), outer.notes
    run_as_written(tmp_path / "ok", {"p": {"kernel.c": new, "main.c": ROWS_MAIN}})
    bare = _with_pragma(ROWS, "#pragma acc parallel loop private(tmp) copyin(a[0:m*n]) "
                              "copyout(out[0:n])")
    _assert_fails(tmp_path / "bare", bare, ROWS_MAIN)


def test_the_guard_takes_any_engines_parallel_claim_back(tmp_path):
    q, _ = _outer_query(ROWS)
    text, _ = guard(q, "#pragma acc parallel loop gang private(tmp) "
                       "copyin(a[0:m*n]) copyout(out[0:n])")
    assert _not_parallel(text), text
    if text is not None:
        run_as_written(tmp_path, {"p": {"kernel.c": _with_pragma(ROWS, text),
                                        "main.c": ROWS_MAIN}})


def test_a_serial_construct_maps_the_scratch_pointer_instead(tmp_path):
    """``serial private(tmp)`` on the time loop: nothing to privatise in one gang; the guard
    drops it and the scratch row is mapped with its extent (the answer verifies, the bare
    private does not)."""
    q, _ = _outer_query(STEPS)
    bare = "#pragma acc serial private(tmp) copy(u[0:n])"
    text, _ = guard(q, bare)
    assert text is not None
    p = parse(text)
    assert p.directive == "serial" and p.clause("private") is None, text
    assert "tmp[1:n-2]" in text, text
    run_as_written(tmp_path / "ok", {"p": {"kernel.c": _with_pragma(STEPS, text),
                                           "main.c": STEPS_MAIN}})
    _assert_fails(tmp_path / "bare", _with_pragma(STEPS, bare), STEPS_MAIN)


def test_a_scratch_array_of_known_size_keeps_its_name(tmp_path):
    new, _, applied = _applied(ROWS_ARRAY)
    outer = _outer(applied)
    assert parse(outer.pragma or "").clause("private").args == "tmp", outer.pragma
    run_as_written(tmp_path, {"p": {"kernel.c": new, "main.c": ROWS_MAIN}})


def test_a_loop_sent_alone_is_left_as_it_was():
    """Without the file the analysis cannot tell a pointer from an array, nor what reads it
    later: the loop alone is answered as before."""
    q, _ = _outer_query(ROWS)
    text, _ = guard(LoopQuery(code=q.code), "#pragma acc parallel loop private(tmp)")
    assert text is not None and parse(text).clause("private").args == "tmp", text


@pytest.mark.parametrize("kernel, main", [(ROWS_PARAM, ROWS_PARAM_MAIN),
                                          (ROWS_READ_AFTER, ROWS_MAIN)])
def test_a_scratch_array_read_after_the_loop_is_not_private(kernel, main, tmp_path):
    """Private copies are discarded at the loop's end: a scratch row the caller may read (a
    parameter) or the function reads after the loop holds the last iteration's values only
    when the loop runs sequentially.  The engine keeps the loop off the device (its inner
    loops take the pragmas) and the program verifies; privatising it does not (the caller's
    row keeps its old values)."""
    new, sugg, _ = _applied(kernel)
    outer = _outer(sugg)
    assert _not_parallel(outer.pragma), outer.pragma
    assert any(w in n for n in outer.notes for w in ("not an array of this function",
                                                     "the code after the loop reads it")), \
        outer.notes
    run_as_written(tmp_path / "ok", {"p": {"kernel.c": new, "main.c": main}})
    if kernel is ROWS_PARAM:
        private = _with_pragma(kernel, "#pragma acc parallel loop private(tmp[0:m]) "
                                       "copyin(a[0:m*n]) copyout(out[0:n])")
        _assert_fails(tmp_path / "private", private, main)
