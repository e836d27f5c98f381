"""Issue 14: an array reached through a pointer's member (``v->x[i]``) gets the deep copy
``copyin(v[0:1], v->x[0:n])`` — the object, then the member's section — where the style is
unknown.  Before, such a loop got no data clause at all: the pointer ``v`` is firstprivate in a
compute construct and holds a host address (a discrete GPU faults there).

Whole programs, built with gcc -fopenacc and run in the data-environment emulator (separate
device memory), with the controls that show each hazard is real there: the answer without the
deep copy (the engine's answer before), and the member's section without its object.  A true
array member (``double x[100]`` inside the struct) is part of the object: read, the same form
is right; written, the section of the object's ``copyin`` never comes back (the control), so
the object itself is copied back (``copy(v[0:1])``).  A written member's kind comes from the
struct's definition in the file; a loop seen alone gets no clause for it.  And the CLI writes
the forms (``accellium suggest --apply``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _offload_util import gcc_compile, run_as_written, write_suite

from accellium.dataset.analysis import analyze, scope_of
from accellium.dataset.lines import LineIndex
from accellium.dataset.loops import loops_in_tree, parse_tree
from accellium.server.engines import LoopQuery
from accellium.server.safety import guard

KERNEL = """\
struct vec { int n; double *x; };
struct arr { int n; double x[100]; };

void fill(struct vec *v, double a)
{
    for (int i = 0; i < v->n; i++)
        v->x[i] = a * i;
}

double dot(const struct vec *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += v->x[i] * v->x[i];
    return s;
}

void addto(struct vec *v, const struct vec *w)
{
    for (int i = 0; i < v->n; i++)
        v->x[i] += w->x[i];
}

double sumarr(struct arr *v)
{
    double s = 0.0;
    for (int i = 0; i < 100; i++)
        s += v->x[i];
    return s;
}

void setarr(struct arr *v)
{
    for (int i = 0; i < 100; i++)
        v->x[i] = 2.0 * i;
}
"""
MAIN = """\
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
struct vec { int n; double *x; };
struct arr { int n; double x[100]; };
void fill(struct vec *v, double a);
double dot(const struct vec *v, int n);
void addto(struct vec *v, const struct vec *w);
double sumarr(struct arr *v);
void setarr(struct arr *v);
int main(void)
{
    int n = 50, bad = 0;
    struct vec v = {n, malloc(n * sizeof(double))}, w = {n, malloc(n * sizeof(double))};
    struct arr *a = malloc(sizeof *a);
    for (int i = 0; i < 100; i++) a->x[i] = i;
    a->n = 7;
    fill(&v, 2.0);
    for (int i = 0; i < n; i++) { bad += v.x[i] != 2.0 * i; w.x[i] = 1.0; }
    bad += fabs(dot(&v, n) - 4.0 * (49.0 * 50 * 99 / 6)) > 1e-6;
    addto(&v, &w);
    for (int i = 0; i < n; i++) bad += v.x[i] != 2.0 * i + 1.0;
    bad += sumarr(a) != 4950.0;
    setarr(a);
    for (int i = 0; i < 100; i++) bad += a->x[i] != 2.0 * i;
    bad += a->n != 7;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
FUNCTIONS = ("fill", "dot", "addto", "sumarr", "setarr")


def _loop_rows() -> dict[str, int]:
    """Function -> 0-based line of its loop."""
    lines = KERNEL.splitlines()
    out: dict[str, int] = {}
    for fn in FUNCTIONS:
        at = next(k for k, ln in enumerate(lines) if f" {fn}(" in ln)
        out[fn] = next(k for k in range(at, len(lines)) if lines[k].lstrip().startswith("for"))
    return out


def _with(pragmas: dict[str, str]) -> str:
    """KERNEL with ``pragmas`` (function -> pragma line) above the functions' loops."""
    rows = _loop_rows()
    lines = KERNEL.splitlines(keepends=True)
    for fn in sorted(pragmas, key=lambda f: -rows[f]):
        lines.insert(rows[fn], f"    {pragmas[fn]}\n")
    return "".join(lines)


def _status(tmp: Path, kernel: str) -> dict:
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    manifest = write_suite(tmp, {"p": (kernel, MAIN)})
    return evaluate_dynamic(manifest, None, runs=1, with_mutations=False)["programs"][0][
        "original"]


@pytest.fixture(scope="module")
def applied(tmp_path_factory, engine_state_ready) -> str:
    """KERNEL as ``accellium suggest --apply`` writes it (the default engine)."""
    path = tmp_path_factory.mktemp("cli") / "kernel.c"
    path.write_text(KERNEL)
    subprocess.run([sys.executable, "-m", "accellium.cli", "suggest", "--apply", str(path)],
                   check=True, capture_output=True, timeout=600)
    return path.read_text()


def _pragma_above(text: str, fn: str) -> str:
    lines = text.splitlines()
    at = next(k for k, ln in enumerate(lines) if f" {fn}(" in ln)
    k = next(k for k in range(at, len(lines)) if lines[k].lstrip().startswith("for"))
    return lines[k - 1].strip()


def test_the_cli_writes_the_deep_copy_and_the_program_verifies(applied, tmp_path):
    """Read, written through a pointer member, both: the object then the section; a true
    array member read: the same form (the section lies inside the object)."""
    fill, dot = _pragma_above(applied, "fill"), _pragma_above(applied, "dot")
    addto, sumarr = _pragma_above(applied, "addto"), _pragma_above(applied, "sumarr")
    assert "copyin(v[0:1])" in fill and "copy(v->x[0:v->n])" in fill, fill
    assert "copyin(v[0:1], v->x[0:n])" in dot, dot
    assert "v[0:1]" in addto and "w[0:1]" in addto and "w->x[0:v->n]" in addto, addto
    assert "copy(v->x[0:v->n])" in addto, addto
    assert "copyin(v[0:1], v->x[0:100])" in sumarr, sumarr
    run_as_written(tmp_path, {"p": {"kernel.c": applied, "main.c": MAIN}})


def test_a_written_true_array_member_brings_its_object_back(applied, tmp_path):
    """``setarr`` writes a member that is part of the object (the file's struct shows
    ``double x[100]``): ``copyin(v[0:1])`` then the member's section would never come back
    (the control fails in the emulator); the engine copies the object itself back (the
    program verifies, the previous test)."""
    setarr = _pragma_above(applied, "setarr")
    assert "copy(v[0:1])" in setarr and "v->x" not in setarr, setarr
    control = _with({"setarr": "#pragma acc parallel loop copyin(v[0:1]) copy(v->x[0:100])"})
    r = _status(tmp_path / "control", control)
    assert r["status"] != "verified", r
    assert "stale or uninitialised" in r["reason"], r


@pytest.mark.parametrize("fn, pragma", [
    ("fill", "#pragma acc parallel loop"),  # the engine's answer before
    ("dot", "#pragma acc parallel loop reduction(+:s)"),
    ("sumarr", "#pragma acc parallel loop reduction(+:s)"),
    ("dot", "#pragma acc parallel loop reduction(+:s) copyin(v->x[0:n])"),  # no object
])
def test_without_the_object_the_pointer_holds_a_host_address(fn, pragma, tmp_path):
    r = _status(tmp_path, _with({fn: pragma}))
    assert r["status"] != "verified", r
    assert "points to host memory" in r["reason"], r


def _query(fn: str, scoped: bool) -> LoopQuery:
    src = KERNEL.encode()
    row = _loop_rows()[fn]
    lp = next(lp for lp in loops_in_tree(parse_tree(src, "c"), src, LineIndex(src))
              if lp.line - 1 == row)
    return LoopQuery(code=lp.text, lang="c", enclosing=tuple(lp.enclosing),
                     scope=scope_of(src, lp.start_byte, "c") if scoped else None,
                     first_line=lp.line)


@pytest.mark.parametrize("fn, given, expected", [
    # the file known: the guard completes a compute construct that moves nothing
    ("fill", "#pragma acc parallel loop", "copyin(v[0:1]) copy(v->x[0:v->n])"),
    # the member named without its object, in the wrong direction
    ("fill", "#pragma acc parallel loop copyin(v->x[0:v->n])",
     "copyin(v[0:1]) copy(v->x[0:v->n])"),
    ("dot", "#pragma acc parallel loop reduction(+:s) copyin(v->x[0:n])",
     "copyin(v[0:1], v->x[0:n])"),
    # a written true array member: the object comes back
    ("setarr", "#pragma acc parallel loop", "copy(v[0:1])"),
    ("setarr", "#pragma acc parallel loop copyin(v[0:1])", "copy(v[0:1])"),
])
def test_the_guard_completes_the_deep_copy(fn, given, expected, tmp_path):
    text, _ = guard(_query(fn, scoped=True), given)
    assert text is not None and expected in text, text
    run_as_written(tmp_path, {"p": {"kernel.c": _with({fn: text}), "main.c": MAIN}})


def test_the_guard_accepts_the_deep_copy_as_written():
    given = "#pragma acc parallel loop reduction(+:s) copyin(v[0:1], v->x[0:n])"
    for scoped in (False, True):
        text, _ = guard(_query("dot", scoped), given)
        assert text is not None and "copyin(v[0:1], v->x[0:n])" in text, text


def test_gcc_compiles_the_deep_copy(tmp_path):
    r = gcc_compile(tmp_path, _with({
        "fill": "#pragma acc parallel loop copyin(v[0:1]) copy(v->x[0:v->n])",
        "addto": "#pragma acc parallel loop copyin(v[0:1], w[0:1], w->x[0:v->n]) "
                 "copy(v->x[0:v->n])"}))
    assert r.returncode == 0, r.stderr


# -- the analysis's facts -----------------------------------------------------------------------

@pytest.mark.parametrize("code, parents, sections", [
    ("for (int i = 0; i < n; i++) s += v->x[i] * w->y[i];",
     {"v->x": "v[0:1]", "w->y": "w[0:1]"}, {"v->x": "v->x[0:n]", "w->y": "w->y[0:n]"}),
    ("for (int i = 1; i < v->n; i++) c[i] = v->x[i] + v->n;",
     {"v->x": "v[0:1]"}, {"v->x": "v->x[1:v->n-1]", "c": "c[1:v->n-1]"}),
    # written, the member's kind unknown (a loop alone): nothing guessed
    ("for (int i = 0; i < n; i++) v->x[i] = 2.0 * i;", {}, {}),
    # a struct variable's member (gcc rejects `s` beside `s.x`), two levels, an element's
    # member, a pointer the loop moves, an index read from data: no section
    ("for (int i = 0; i < n; i++) t += s.x[i];", {}, {}),
    ("for (int i = 0; i < n; i++) t += v->s.x[i];", {}, {}),
    ("for (int i = 0; i < n; i++) t += u[i].x[i];", {}, {}),
    ("for (int i = 0; i < n; i++) { t += v->x[i]; v = v->next; }", {}, {}),
    ("for (int i = 0; i < n; i++) t += v->x[idx[i]];", {}, {"idx": "idx[0:n]"}),
    # an element's address taken, the member passed whole: what goes through them is written
    # behind the analysis's back (`c->u[k]` writes into `m->cell`)
    ("for (int i = 0; i < n; i++) { c = &m->cell[i]; for (int k = 0; k < 3; k++) "
     "c->u[k] = 0.5 * c->u[k]; }", {}, {}),
    ("for (int i = 0; i < n; i++) t += f(v->x) + v->x[i];", {}, {}),
])
def test_the_analysis_pairs_a_member_section_with_its_object(code, parents, sections):
    f = analyze(code)
    assert f.parents == parents
    assert f.sections == sections


def test_the_file_decides_a_written_member():
    for fn, arg in (("fill", "v->x[0:v->n]"), ("setarr", None)):
        q = _query(fn, scoped=True)
        f = analyze(q.code, "c", scope=q.scope, first_line=q.first_line)
        assert f.arrays["v->x"] == "inout"  # copy: no write is proved to cover it
        if arg is None:  # a true array member: part of the object, which comes back
            assert not f.parents and f.sections == {"v->x": "v[0:1]"}, f.sections
        else:
            assert f.parents == {"v->x": "v[0:1]"} and f.sections["v->x"] == arg
