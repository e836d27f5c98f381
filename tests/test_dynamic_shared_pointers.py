"""A callee that writes through a pointer it loads from a global writes the caller's memory.

An lvalue through a pointer designates the object the pointer points to, wherever the
pointer's value came from (C11 6.5.3.2p4, 6.5.2.1p2, 6.5.2.3p4): ``double *u = lev[l].u;
u[i] = v;`` in a function writes the memory the global ``lev`` reaches, in every call.  A
loop calling such a function (``for (t...) { relax(0, ..); relax(1, ..); }``) is carried: the
summary of the callee records the write (:attr:`FunctionSummary.shared`), the loop's
dependence names the callee and the line.  A callee that writes only its own local array
through a local pointer writes nothing the caller sees: the loop calling it stays parallel.

A function that holds a compute construct of its own cannot become an ``acc routine`` (its
body would run inside the caller's compute construct, where none may start: OpenACC 3.3, 2.5,
2.15.1; gcc rejects it): a loop calling it stays on the host, in the offload plan and in the
per-loop guard.

Proven on whole programs run in the data-environment emulator (the per-loop and the offload
columns, analysis engine); before the fix the time loop was answered ``parallel loop`` and the
plan put ``routine seq`` on ``relax`` beside its own compute construct (exit -11)."""

from __future__ import annotations

from pathlib import Path

from _fixed_engine import FixedAnswer
from _offload_util import gcc_compile, run_verified

from accellium.dataset.analysis.scope import clear_file_index, file_index
from accellium.dataset.analysis.summaries import summary
from accellium.dataset.analysis.walker import Use
from accellium.server.annotate import annotate_source

# per-level grids in a file-scope array of structs; each kernel loads its pointer from it
LEVELS = """#include <stdlib.h>
struct level { int n; double *u; };
static struct level lev[2];

void setup(int n)
{
    for (int l = 0; l < 2; l++) {
        lev[l].n = n >> l;
        lev[l].u = calloc(lev[l].n, sizeof(double));
        double *u = lev[l].u;
        int m = lev[l].n;
        #pragma acc enter data copyin(u[0:m])
    }
}

static void relax(int l, double w)
{
    int n = lev[l].n;
    double *u = lev[l].u;
    #pragma acc parallel loop present(u[0:n])
    for (int i = 0; i < n; i++)
        u[i] = w * u[i] + (i % 3);
}

void run(int steps)
{
    for (int t = 0; t < steps; t++) { /* time */
        relax(0, 0.5);
        relax(1, 0.25);
    }
}

double result(int l, int i)
{
    double *u = lev[l].u;
    #pragma acc update self(u[i:1])
    return u[i];
}
"""
LEVELS_MAIN = """#include <math.h>
#include <stdio.h>
void setup(int n);
void run(int steps);
double result(int l, int i);
int main(void)
{
    int n = 4000, steps = 20, bad = 0;
    setup(n);
    run(steps);
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < (n >> l); i++) {
            double u = 0.0, w = l ? 0.25 : 0.5;
            for (int t = 0; t < steps; t++) u = w * u + (i % 3);
            bad += fabs(result(l, i) - u) > 1e-12;
        }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the twin: the callee writes only its own array, through a local pointer
SCRATCH = """static double blend(double x, int i, double w)
{
    double t[2];
    double *p = t;
    p[0] = w * x;
    p[1] = i % 3;
    return p[0] + p[1];
}

void run(int n, const double *v, double *out)
{
    for (int i = 0; i < n; i++) /* blend */
        out[i] = blend(v[i], i, 0.5);
}
"""
SCRATCH_MAIN = """#include <stdio.h>
#include <stdlib.h>
void run(int n, const double *v, double *out);
int main(void)
{
    int n = 20000, bad = 0;
    double *v = malloc(n * sizeof *v), *out = malloc(n * sizeof *out);
    for (int i = 0; i < n; i++) v[i] = i % 7;
    run(n, v, out);
    for (int i = 0; i < n; i++) bad += out[i] != 0.5 * (i % 7) + i % 3;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# a parallel loop calling a function that offloads its own loop
ROWS = """static void scale(int n, double *row, double v)
{
    for (int j = 0; j < n; j++)
        row[j] = 0.5 * row[j] + v;
}

void rows(int m, int n, double *a)
{
    for (int i = 0; i < m; i++) /* rows */
        scale(n, &a[i * n], i);
}
"""
ROWS_MAIN = """#include <stdio.h>
#include <stdlib.h>
void rows(int m, int n, double *a);
int main(void)
{
    int m = 300, n = 400, bad = 0;
    double *a = malloc(m * n * sizeof *a);
    for (int e = 0; e < m * n; e++) a[e] = e % 5;
    rows(m, n, a);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) bad += a[i * n + j] != 0.5 * ((i * n + j) % 5) + i;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _line(src: str, marker: str) -> int:
    return next(k for k, ln in enumerate(src.splitlines(), 1) if f"/* {marker} */" in ln)


def _plans(row: dict) -> dict[str, dict]:
    return {p["function"]: p for p in row["offload"]["plans"]}


def _pragma_at(row: dict, line: int) -> dict | None:
    return next((p for p in row["engine"]["pragmas"] if p["line"] == line), None)


def test_writes_through_a_pointer_from_a_global_carry_the_calling_loop(tmp_path: Path):
    rows = run_verified(tmp_path, {"levels": (LEVELS, LEVELS_MAIN),
                                   "scratch": (SCRATCH, SCRATCH_MAIN),
                                   "rows": (ROWS, ROWS_MAIN)},
                        variants=("engine", "per_loop_clauses", "offload"))
    levels, scratch, calls = rows["levels"], rows["scratch"], rows["rows"]
    # the time loop: carried through relax's write of u[i] (u loaded from lev)
    time = _pragma_at(levels, _line(LEVELS, "time"))
    assert time is None or not time["parallel"], time
    plans = _plans(levels)
    assert plans["run"]["loops"] == [] and plans["run"]["routines"] == [], plans["run"]
    assert plans["relax"]["loops"], plans["relax"]
    # the twin: the loop calling blend stays parallel and offloaded, blend its routine
    twin = _pragma_at(scratch, _line(SCRATCH, "blend"))
    assert twin is not None and twin["parallel"], scratch["engine"]["pragmas"]
    plans = _plans(scratch)
    assert plans["run"]["loops"] == [_line(SCRATCH, "blend")], plans["run"]
    assert plans["run"]["routines"] == ["blend"], plans["run"]
    # scale offloads its own loop: the loop calling it stays on the host, scale no routine
    plans = _plans(calls)
    assert plans["scale"]["loops"], plans["scale"]
    assert plans["rows"]["loops"] == [] and plans["rows"]["routines"] == [], plans["rows"]


def test_the_plan_puts_no_routine_on_a_function_holding_a_compute_construct(monkeypatch):
    """With the callee's summary blind to its writes (as it was before), the time loop is
    answered parallel; the plan still keeps it on the host: `relax` offloads its own loop."""
    from _offload_util import plan_text

    from accellium.dataset.analysis import summaries
    from accellium.server.defaults import engine_options
    from accellium.server.engines import get_engine

    monkeypatch.setattr(summaries._Summariser, "_shared_writes", lambda *a, **k: None)
    # a text of its own: the parsed files (and their summaries) are cached by their text
    stripped = "/* blind */\n" + "".join(ln for ln in LEVELS.splitlines(keepends=True)
                                         if "#pragma acc" not in ln)
    try:
        text, plans = plan_text(stripped, get_engine("analysis", **engine_options("analysis")))
    finally:
        clear_file_index()
    assert plans["relax"].loops and plans["run"].loops == [], plans["run"]
    assert plans["run"].routines == [] and "routine seq" not in text, text
    why = [h["why"] for h in plans["run"].host_loops]
    # either fact keeps it there: `relax` offloads its own loop, and it names the file-scope
    # `lev` no `declare` puts on the device (routines.undeclared_use, checked first)
    assert any("`relax`" in w and ("compute construct of its own" in w or
                                   "requires a 'declare' directive" in w) for w in why), why


def _summaries(src: str) -> dict:
    index = file_index(src, "c")
    return {name: summary(index, name) for name in index.definitions}


def test_summary_writes_through_pointers_loaded_from_elsewhere():
    got = _summaries(LEVELS + """
struct s { int n; double *data; };
double *table[8];
double g[64];
static double *row_of(int k) { return table[k]; }
void via_member(struct s *p, int i) { double *q = p->data; q[i] = 1; }
void via_copy(struct s v, int i) { v.data[i] = 1; }
void via_table(int k, int j) { double *r = table[k]; r[j] += 2; }
void via_result(int k) { double *r = row_of(k); *r = 3; }
void via_library(int k) { double *r = g + k; memset(r, 0, 8); }
void via_offset(int k) { *(g + k) = 1; }
void local_only(int k) { double t[4]; double *p = t; p[k] = 1; struct s l; l.n = k; }
void reads_only(struct s *p) { double *q = p->data; double x = q[0]; (void)x; }
""")
    relax = got["relax"].shared
    assert [(w.function, w.line, w.target, w.origin) for w in relax] == \
        [("relax", 22, "u[i]", "the global `lev`")]
    assert got["run"].shared == relax  # through its calls
    assert got["via_member"].through[0] in (Use.WRITE, Use.RMW)
    assert got["via_copy"].through[0] == Use.WRITE
    assert [w.origin for w in got["via_table"].shared] == ["the global `table`"]
    assert [w.origin for w in got["via_result"].shared] == ["the value `row_of(...)` returns"]
    assert [w.origin for w in got["via_library"].shared] == ["the global `g`"]
    assert "g" in got["via_offset"].globals_written
    for name in ("local_only", "reads_only"):
        s = got[name]
        assert not s.shared and not s.globals_written, (name, s)
    assert got["reads_only"].through == [Use.READ]


def test_the_loop_note_names_the_callee_and_the_line():
    stripped = "".join(ln for ln in LEVELS.splitlines(keepends=True)
                       if "#pragma acc" not in ln)
    sugg = annotate_source(stripped.encode(), FixedAnswer("#pragma acc parallel loop"),
                           path="kernel.c")
    by_line = {s.line: s for s in sugg}
    time = by_line[_line(stripped, "time")]
    assert time.pragma is None or "parallel" not in time.pragma, time.pragma
    notes = " ".join(str(n) for n in time.notes)
    assert "`relax(...)`" in notes and "`u[i]` (line 20, in `relax`)" in notes, notes
    assert "the global `lev`" in notes, notes


def test_no_compute_construct_over_a_call_of_a_function_holding_one(tmp_path: Path):
    # scale with its own compute construct (an author's pragma): the loop calling it gets none
    kernel = ROWS.replace("    for (int j", "    #pragma acc parallel loop copy(row[0:n])\n"
                                            "    for (int j", 1)
    sugg = annotate_source(kernel.encode(), FixedAnswer("#pragma acc parallel loop"),
                           path="kernel.c")
    s = next(s for s in sugg if s.line == _line(kernel, "rows"))
    assert s.pragma is None, s.pragma
    assert any("`scale`" in str(n) and "compute construct of its own" in str(n)
               for n in s.notes), [str(n) for n in s.notes]
    # what the guard refuses: gcc rejects the routine holding a compute construct
    bad = kernel.replace("static void scale", "#pragma acc routine seq\nstatic void scale").replace(
        "    for (int i = 0; i < m; i++) /* rows */",
        "    #pragma acc parallel loop copyout(a[0:m*n])\n"
        "    for (int i = 0; i < m; i++) /* rows */")
    built = gcc_compile(tmp_path, bad)
    assert built.returncode != 0 and "inside of OpenACC routine" in built.stderr, built.stderr
