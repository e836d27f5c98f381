"""A callee's section bounded by a file-scope scalar joins its caller's region, which names the
same global in its clause (issue #15, :mod:`accellium.dataset.offload.global_scalars`).

``smooth(u, w)`` loops to the global ``n`` (set once by ``setup``), so its sections are
``u[0:n]``-like; ``run`` calls it on every step.  Before, a section naming a global did not
translate into a caller's names and every call moved both arrays both ways.  Now ``run``'s
region names ``n`` as it is — in ``run`` it denotes the same object (C11 6.2.1p4), and
nothing that runs between the region's start and the calls stores to it — and the arrays move
once.

Twins: ``grown`` (``run`` calls ``setup(n + 100)`` between steps: a region whose clause was
evaluated with the old ``n`` would hold too little, and the callee's "present or copy" clause
would find its section partly present — the call to ``setup`` is a barrier, no region), and
``hidden`` (``run`` counts its steps in a local ``n``: that ``n`` is not the callee's — a
clause naming it would map a few elements and the callee's section would be partly present —
the calls join no region).  Without the two checks both twins stop on a partly present
section.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

N, STEPS = 400, 6

KERNEL = """#include <stdlib.h>
int n;

void setup(int size)
{
    n = size;
}

static void smooth(double *u, double *w)
{
    for (int i = 1; i < n - 1; i++)
        w[i] = (u[i - 1] + u[i] + u[i + 1]) / 3.0;
    for (int i = 1; i < n - 1; i++)
        u[i] = w[i];
}

void run(double *u, double *w, int steps)
{
LOCAL    for (int t = 0; t < BOUND; t++) {
        smooth(u, w);
BETWEEN    }
}
"""
MAIN = f"""#include <stdio.h>
#include <stdlib.h>
extern int n;
void setup(int size);
void run(double *u, double *w, int steps);
int main(void)
{{
    int cap = {N} + {STEPS} * 100, bad = 0;
    double *u = malloc(cap * sizeof *u), *w = malloc(cap * sizeof *w);
    double *ru = malloc(cap * sizeof *ru), *rw = malloc(cap * sizeof *rw);
    for (int i = 0; i < cap; i++) u[i] = ru[i] = (i * 7) % 11, w[i] = rw[i] = 0.0;
    setup({N});
    int m = {N};
    run(u, w, {STEPS});
    for (int t = 0; t < {STEPS}; t++) {{
        for (int i = 1; i < m - 1; i++) rw[i] = (ru[i - 1] + ru[i] + ru[i + 1]) / 3.0;
        for (int i = 1; i < m - 1; i++) ru[i] = rw[i];
        m += GROW;
    }}
    for (int i = 0; i < cap; i++) bad += u[i] != ru[i] || w[i] != rw[i];
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
#: run's local declarations, its loop's bound, what runs after each step, the driver's growth
#: per step
CASES = {"fixed": ("", "steps", "", "0"),
         "grown": ("", "steps", "        setup(n + 100);\n", "100"),
         "hidden": ("    int n = steps;\n", "n", "", "0")}


def _program(case: str) -> tuple[str, str]:
    local, bound, between, grow = CASES[case]
    return (KERNEL.replace("LOCAL", local).replace("BOUND", bound)
            .replace("BETWEEN", between), MAIN.replace("GROW", grow))


def test_a_global_bound_joins_the_callers_region_unless_it_changes_or_is_hidden(tmp_path):
    engine = get_engine("analysis")
    planned = {case: plan_text(_program(case)[0], engine) for case in CASES}
    run_lines = {case: [a for a in acc_lines(text.split("void run(")[1])
                        if a.startswith("#pragma acc data")]
                 for case, (text, _) in planned.items()}
    assert len(run_lines["fixed"]) == 1 and "n" in run_lines["fixed"][0], run_lines
    assert "u[" in run_lines["fixed"][0] and "w[" in run_lines["fixed"][0], run_lines
    assert run_lines["grown"] == [] and run_lines["hidden"] == [], run_lines
    assert any("may store to `n`" in note for note in planned["grown"][1]["run"].notes)
    assert any("the caller's own `n` hides" in note
               for note in planned["hidden"][1]["run"].notes)
    rows = run_verified(tmp_path, {case: _program(case) for case in CASES},
                        variants=("engine", "offload"))
    moved = {case: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"]
             for case, r in rows.items()}
    # one region: each array in and out once; the twins: every step moves them again
    assert moved["fixed"] <= 4 * 8 * N, moved
    assert moved["hidden"] >= STEPS * 2 * 8 * (N - 2), moved


def test_what_stores_to_a_global_is_read_through_macro_expansions():
    """A call of a function-like macro is what its expansion does (C11 6.10.3): an index macro
    stores nothing, one that assigns, increments or calls a function defined elsewhere may
    store to any global; a function of the file stores what its callees store."""
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.global_scalars import ANY, file_stores

    src = b"""int n, m;
#define IDX(i, j) ((i) * n + (j))
#define BUMP(x) ((x)++)
#define LOG(x) report(x)
void report(int);
static void set(int k) { m = k; }
double read_only(double *a) { return a[IDX(1, 2)]; }
void bumps(void) { BUMP(n); }
void logs(void) { LOG(n); }
void sets(void) { set(3); }
void scans(void) { int k; sscanf("1", "%d", &k); }
void escapes(void) { int *p = &n; *p = 1; }
"""
    stores, escaped = file_stores(parse_tree(src, "c").root_node)
    assert stores["read_only"] == set()
    assert ANY in stores["bumps"] and ANY in stores["logs"]
    assert stores["sets"] == {"m"}
    assert stores["scans"] == {"k"}  # through a C library call: a store, not an escape
    assert escaped == {"n"}
