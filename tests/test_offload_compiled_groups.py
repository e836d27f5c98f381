"""The function the compiler reads: conditional groups inside a function (issue #15).

C11 6.10.1: of an ``#if``/``#ifdef`` ... ``#else`` ... ``#endif`` chain the preprocessor keeps
one group, decided by the macros defined there (the command line's ``-D``/``-U``, the file's
definitions read before), and drops the others before the code is parsed.  So a time loop
whose header and closing brace each sit in an ``#ifdef STEPPED`` group is, built with
``-DSTEPPED``, an ordinary loop around the two sweeps (the syntax tree of the text, with both
groups, is in error: the function was not planned at all), and a check in a dropped
``#if CHECKS > 1`` group that calls a function of the other file is not compiled (before, its
call kept the region off).  The plan is made on that text: one region around the time loop.

Twins that must not change:

* the command line not known whole (``STEPPED`` may be defined by the build without our
  knowing): the groups are undecided and the function is left as before, no loop offloaded;
* the same kernel built without ``-DSTEPPED`` (the two sweeps run once, no time loop): the
  plan is the one of that text, and verifies too.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.dataset.analysis.conditions import command_line
from accellium.dataset.includes import read_includes
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

KERNEL = """#include <stdlib.h>
#ifndef CHECKS
#define CHECKS 0
#endif
#define NSTEPS 6
void report(const double *v, int n);

void relax(int n, double *restrict a, double *restrict b)
{
#ifdef STEPPED
    for (int t = 0; t < NSTEPS; t++) {
#endif
        for (int i = 1; i < n - 1; i++)
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
#if CHECKS > 1
        report(b, n);
#endif
        for (int i = 1; i < n - 1; i++)
            a[i] = b[i];
#ifdef STEPPED
    }
#endif
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void relax(int n, double *restrict a, double *restrict b);
void report(const double *v, int n) { printf("%f\\n", v[n / 2]); }
int main(void) {
  int n = 200, bad = 0, steps = STEPS;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  double *r = malloc(n * sizeof *r), *s = malloc(n * sizeof *s);
  for (int i = 0; i < n; i++) { a[i] = r[i] = (i * 7) % 13; b[i] = s[i] = 0.0; }
  relax(n, a, b);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) s[i] = 0.5 * (r[i - 1] + r[i + 1]);
    for (int i = 1; i < n - 1; i++) r[i] = s[i];
  }
  for (int i = 0; i < n; i++) bad += fabs(a[i] - r[i]) > 1e-12 || fabs(b[i] - s[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def _plan(tmp_path, engine, words):
    d = tmp_path / "plan"
    d.mkdir(exist_ok=True)
    (d / "kernel.c").write_text(KERNEL)
    pre = command_line(words, complete=True)[0] if words is not None else None
    inc = read_includes(KERNEL.encode(), d / "kernel.c", "c", [d], predefined=pre)
    return offload_source(KERNEL.encode(), get_engine("analysis"), path="kernel.c",
                          includes=inc)


def test_groups_the_command_line_decides_are_planned_as_compiled(tmp_path, engine):
    plans = _plan(tmp_path, engine, ["gcc", "-DSTEPPED"])
    (plan,) = [p for p in plans if p.function == "relax"]
    assert [x["line"] for x in plan.loops] == [13, 18], plan.to_json()
    assert [(g["start_line"], g["end_line"]) for g in plan.regions] == [(11, 21)], plan.regions
    assert any("drops them: line 16;" in n for n in plan.notes), plan.notes
    out = apply_plans(KERNEL.encode(), plans).decode()
    # the region's braces go around the time loop, inside the groups of its header and brace
    lines = out.splitlines()
    assert lines[9] == "#ifdef STEPPED" and "#pragma acc data" in lines[10], out
    # twin: nothing known of STEPPED (the build may define it): left as before
    assert not any(p.loops for p in _plan(tmp_path, engine, None)), "undecided groups planned"


def test_both_builds_verify_and_the_region_holds_the_time_loop(tmp_path, engine):
    manifest = write_suite(tmp_path, {"stepped": (KERNEL, MAIN), "once": (KERNEL, MAIN)},
                           flags={"stepped": "-DSTEPPED -DSTEPS=6", "once": "-DSTEPS=1"})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name in ("stepped", "once"):
        row = rows[name]
        assert row["offload"]["status"] == "verified", (name, row["offload"]["reason"])
        assert row["offload_loops"] == 2, (name, row["offload"]["plans"])
        # a and b in and out once, whatever the number of steps (one region around them)
        assert row["offload"]["bytes_h2d"] <= 2 * 200 * 8, (name, row["offload"])
        assert row["offload"]["bytes_d2h"] <= 2 * 200 * 8, (name, row["offload"])


KEPT = """void scale(int n, double *restrict a, const double *restrict b)
{
    for (int i = 0; i < n; i++)
        a[i] = 2.0 * b[i];
#ifdef TWICE
    for (int i = 0; i < n; i++)
        a[i] = a[i] + b[i];
#endif
}
"""


def test_a_kept_group_stays_whole_in_the_region(tmp_path, engine):
    """A kept group of statements is one block of the function for the planner: the region
    holds it whole (its braces outside the group's directives), so the edited file still
    builds without the macro; the loop inside gets its pragma inside the group."""
    import subprocess

    pre = command_line(["gcc", "-DTWICE"], complete=True)[0]
    (tmp_path / "k.c").write_text(KEPT)
    inc = read_includes(KEPT.encode(), tmp_path / "k.c", "c", [tmp_path], predefined=pre)
    plans = offload_source(KEPT.encode(), engine, path="k.c", includes=inc)
    assert [x["line"] for x in plans[0].loops] == [3, 6], plans[0].to_json()
    out = apply_plans(KEPT.encode(), plans).decode()
    lines = out.splitlines()
    assert lines.index("#endif") < max(k for k, t in enumerate(lines) if t.strip() == "}") - 1, out
    (tmp_path / "out.c").write_text(out)
    for flags in (["-DTWICE"], []):
        r = subprocess.run(["gcc", "-fsyntax-only", "-fopenacc", *flags, "out.c"],
                           cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, (flags, r.stderr, out)
