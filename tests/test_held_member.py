"""Issue 14: a loop that dereferences a pointer member of a struct variable (``s.x[i]`` with
``struct vec s``) gets no compute construct on its own when the file shows the member is a
pointer and nothing maps the struct: the answer before, a bare ``#pragma acc parallel loop``,
copies ``s`` to the device with the host address inside and faults on a GPU, and no clause of
one compute construct attaches the member (gcc rejects ``s`` beside ``s.x``).  The note gives
the data construct that goes directly above the compute construct, and that compute construct.

Whole programs, built with gcc -fopenacc and run in the data-environment emulator: the two
lines the note gives verify (a parameter passed by value, a global), the bare answer fails
(the control).  A loop seen alone keeps its pragma with the note; a true array member, a
struct an enclosing data region holds, or one a data directive of the file names, is left
alone; and the CLI says so."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from _offload_util import gcc_compile, run_as_written, write_suite

from accellium.dataset.analysis import HeldMember, analyze, scope_of
from accellium.dataset.lines import LineIndex
from accellium.dataset.loops import loops_in_tree, parse_tree
from accellium.server.engines import LoopQuery
from accellium.server.safety import guard

KERNEL = """\
struct vec { int n; double *x; };
struct arr { int n; double x[64]; };
struct vec g;

double dot(struct vec s, int n)
{
    double t = 0.0;
DOT
    for (int i = 0; i < n; i++)
        t += s.x[i] * s.x[i];
    return t;
}

void scale(struct vec s, int n, double a)
{
SCALE
    for (int i = 0; i < n; i++)
        s.x[i] = a * s.x[i];
}

void gscale(int n)
{
GSCALE
    for (int i = 0; i < n; i++)
        g.x[i] = 2.0 * g.x[i];
}

double sumarr(struct arr s)
{
    double t = 0.0;
SUMARR
    for (int i = 0; i < 64; i++)
        t += s.x[i];
    return t;
}
"""
MAIN = """\
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
struct vec { int n; double *x; };
struct arr { int n; double x[64]; };
extern struct vec g;
double dot(struct vec s, int n);
void scale(struct vec s, int n, double a);
void gscale(int n);
double sumarr(struct arr s);
int main(void)
{
    int n = 50, bad = 0;
    struct vec s;
    struct arr a;
    s.n = n; s.x = malloc(n * sizeof(double));
    g.n = n; g.x = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) { s.x[i] = i; g.x[i] = i; }
    for (int i = 0; i < 64; i++) a.x[i] = i;
    bad += fabs(dot(s, n) - 49.0 * 50 * 99 / 6) > 1e-6;
    scale(s, n, 2.0);
    gscale(n);
    for (int i = 0; i < n; i++) bad += s.x[i] != 2.0 * i || g.x[i] != 2.0 * i;
    bad += sumarr(a) != 2016.0;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
MARKS = {"dot": "DOT", "scale": "SCALE", "gscale": "GSCALE", "sumarr": "SUMARR"}
# what the engines answer on these loops (the answer before: no data clause)
BARE = {"dot": "#pragma acc parallel loop reduction(+:t)", "scale": "#pragma acc parallel loop",
        "gscale": "#pragma acc parallel loop", "sumarr": "#pragma acc parallel loop reduction(+:t)"}
# the two lines the note gives: the data construct, directly above the compute construct
EXPECTED = {
    "dot": ("#pragma acc data copyin(s, s.x[0:n])", "#pragma acc parallel loop reduction(+:t)"),
    "scale": ("#pragma acc data copyin(s) copy(s.x[0:n])", "#pragma acc parallel loop"),
    "gscale": ("#pragma acc data copyin(g) copy(g.x[0:n])", "#pragma acc parallel loop"),
}
_FIX = re.compile(r"put `(#pragma acc data [^`]*)` directly above `(#pragma acc [^`]*)`")


def _kernel(lines: dict[str, str], source: str = KERNEL) -> str:
    out = []
    for ln in source.splitlines():
        fn = next((f for f, m in MARKS.items() if ln.strip() == m), None)
        if fn is None:
            out.append(ln)
        elif lines.get(fn):
            out.append(lines[fn])
    return "\n".join(out) + "\n"


def _query(fn: str, scoped: bool, source: str | None = None) -> LoopQuery:
    src = (source or _kernel({})).encode()
    lp = [lp for lp in loops_in_tree(parse_tree(src, "c"), src, LineIndex(src))][
        list(MARKS).index(fn)]
    return LoopQuery(code=lp.text, lang="c", enclosing=tuple(lp.enclosing),
                     scope=scope_of(src, lp.start_byte, "c") if scoped else None,
                     first_line=lp.line)


def _fix(notes) -> tuple[str, str]:
    found = [m.groups() for n in notes if (m := _FIX.search(str(n)))]
    assert len(found) == 1, notes
    return found[0]


@pytest.mark.parametrize("fn", sorted(EXPECTED))
def test_no_compute_construct_alone_and_the_note_gives_the_data_construct(fn):
    text, notes = guard(_query(fn, scoped=True), BARE[fn])
    assert text is None, text
    assert any(str(n).startswith("no pragma: ") and "Offload this function" in str(n)
               for n in notes), notes
    assert _fix(notes) == EXPECTED[fn]


def test_the_two_lines_the_note_gives_compile_and_verify(tmp_path):
    lines = {fn: "\n".join(_fix(guard(_query(fn, scoped=True), BARE[fn])[1]))
             for fn in EXPECTED}
    kernel = _kernel(lines)
    r = gcc_compile(tmp_path, kernel)
    assert r.returncode == 0, r.stderr
    run_as_written(tmp_path / "run", {"p": {"kernel.c": kernel, "main.c": MAIN}})


@pytest.mark.parametrize("fn", sorted(EXPECTED))
def test_the_bare_answer_is_a_data_failure(fn, tmp_path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    # the other loops in their verified form: only ``fn``'s answer is the bare one
    lines = {f: "\n".join(EXPECTED[f]) for f in EXPECTED if f != fn} | {fn: BARE[fn]}
    manifest = write_suite(tmp_path, {"p": (_kernel(lines), MAIN)})
    r = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)["programs"][0]["original"]
    assert r["status"] == "data", r
    assert "is a pointer member of a struct copied to the device" in r["reason"], r


def test_a_loop_seen_alone_keeps_its_pragma_with_the_note():
    text, notes = guard(_query("scale", scoped=False), BARE["scale"])
    assert text == BARE["scale"]
    assert _fix(notes) == EXPECTED["scale"]
    assert any("if it is a pointer member of `s`" in str(n) for n in notes), notes


@pytest.mark.parametrize("fn, source", [
    # a true array member is part of the struct: its copy carries it
    ("sumarr", None),
    # an enclosing data region holds the struct (and, here, its member)
    ("scale", _kernel({"scale": "    #pragma acc data copyin(s) copy(s.x[0:n])"})),
    # a data directive of the file names the struct (the code around maps it)
    ("dot", _kernel({"dot": "    #pragma acc enter data copyin(s, s.x[0:n])"})),
])
def test_left_alone(fn, source):
    text, notes = guard(_query(fn, scoped=True, source=source), BARE[fn])
    assert text is not None and text.startswith(BARE[fn]), (text, notes)
    assert not any(_FIX.search(str(n)) for n in notes), notes


@pytest.mark.parametrize("code, held", [
    ("for (int i = 0; i < n; i++) t += s.x[i] * w.y[i];",
     [HeldMember("s.x", "s", "s.x[0:n]", False, False),
      HeldMember("w.y", "w", "w.y[0:n]", False, False)]),
    # `s.x[i - 1]` and `s.x[i]` for i in [1, n): the elements 0 to n - 1
    ("for (int i = 1; i < n; i++) s.x[i] = s.x[i - 1];",
     [HeldMember("s.x", "s", "s.x[0:n]", True, False)]),
    # through a pointer (the deep copy), two levels, an element's member, a struct the loop
    # declares or assigns, a member passed whole: not held
    ("for (int i = 0; i < n; i++) t += v->x[i];", []),
    ("for (int i = 0; i < n; i++) t += s.a.x[i];", []),
    ("for (int i = 0; i < n; i++) t += u[i].x[i];", []),
    ("for (int i = 0; i < n; i++) { struct vec s = w; t += s.x[i]; }", []),
    ("for (int i = 0; i < n; i++) { s = w; t += s.x[i]; }", []),
    ("for (int i = 0; i < n; i++) t += f(s.x) + s.x[i];", []),
])
def test_the_analysis_finds_the_held_members(code, held):
    assert analyze(code).held == held


def test_the_cli_gives_no_pragma_with_the_note(tmp_path):
    src = tmp_path / "k.c"
    src.write_text(_kernel({}))
    r = subprocess.run([sys.executable, "-m", "accellium.cli", "suggest", str(src), "--json",
                        "--engine", "analysis"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = {row["line"]: row for row in json.loads(r.stdout)}
    scale = rows[_kernel({}).splitlines().index("        s.x[i] = a * s.x[i];")]
    assert scale["pragma"] is None, scale
    assert _fix(scale["notes"]) == EXPECTED["scale"]
