"""The offload planner (issue #15) on whole programs: each kind of plan — a structured region,
updates for host code between loops, enter/exit data for a function-local allocation, an
array of unknown extent, routine seq for a called function — is applied to a pragma-stripped
program, built with real gcc, run in the data-environment emulator (separate device memory, a
present table, bytes counted) and verified by the program itself; and the edits keep the
file's bytes, line endings and are idempotent."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.dataset.offload import plan_source
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import apply_plans, offload_source

N = 20000

STRUCTURED = """
void twice(int n, const double *x, double *y, double *z)
{
    #pragma acc parallel loop copyin(x[0:n]) copyout(y[0:n])
    for (int i = 0; i < n; i++)
        y[i] = 2.0 * x[i];
    #pragma acc parallel loop copyin(x[0:n], y[0:n]) copyout(z[0:n])
    for (int i = 0; i < n; i++)
        z[i] = y[i] + x[i];
}
"""
STRUCTURED_MAIN = """#include <stdio.h>
#include <stdlib.h>
void twice(int n, const double *x, double *y, double *z);
int main(void) {
  int n = NSIZE; double *x = malloc(n * 8), *y = malloc(n * 8), *z = malloc(n * 8);
  for (int i = 0; i < n; i++) { x[i] = i % 17; y[i] = z[i] = -1; }
  twice(n, x, y, z); int bad = 0;
  for (int i = 0; i < n; i++) bad += y[i] != 2.0 * x[i] || z[i] != 3.0 * x[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NSIZE", str(N))

UPDATES = """
double steps(int n, int nt, double *u, double *w)
{
    double edge = 0.0;
    for (int t = 0; t < nt; t++) {
        for (int i = 1; i < n; i++)
            w[i] = 0.5 * (u[i] + u[i - 1]);
        for (int i = 1; i < n; i++)
            u[i] = w[i];
        edge += u[n - 1];
        u[0] = 0.25 * t;
    }
    return edge;
}
"""
UPDATES_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double steps(int n, int nt, double *u, double *w);
int main(void) {
  int n = NSIZE, nt = 12; double *u = malloc(n * 8), *w = malloc(n * 8), *ru = malloc(n * 8), *rw = malloc(n * 8);
  for (int i = 0; i < n; i++) { u[i] = ru[i] = sin(i * 0.01); w[i] = rw[i] = 0; }
  double e = steps(n, nt, u, w), re = 0;
  for (int t = 0; t < nt; t++) {
    for (int i = 1; i < n; i++) rw[i] = 0.5 * (ru[i] + ru[i - 1]);
    for (int i = 1; i < n; i++) ru[i] = rw[i];
    re += ru[n - 1]; ru[0] = 0.25 * t;
  }
  int bad = fabs(e - re) > 1e-12;
  for (int i = 0; i < n; i++) bad += fabs(u[i] - ru[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NSIZE", str(N))

LOCAL = """#include <stdlib.h>
void blur(int n, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = x[i] + 1.0;
    double *t = malloc(n * sizeof *t);
    for (int i = 0; i < n; i++)
        t[i] = y[i] * y[i];
    for (int i = 1; i < n - 1; i++)
        y[i] = t[i - 1] + t[i + 1];
    free(t);
    for (int i = 0; i < n; i++)
        y[i] *= 0.5;
}
"""
LOCAL_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void blur(int n, const double *x, double *y);
int main(void) {
  int n = NSIZE; double *x = malloc(n * 8), *y = malloc(n * 8), *r = malloc(n * 8), *t = malloc(n * 8);
  for (int i = 0; i < n; i++) { x[i] = cos(i * 0.3); y[i] = -5; }
  blur(n, x, y);
  for (int i = 0; i < n; i++) r[i] = x[i] + 1.0;
  for (int i = 0; i < n; i++) t[i] = r[i] * r[i];
  for (int i = 1; i < n - 1; i++) r[i] = t[i - 1] + t[i + 1];
  for (int i = 0; i < n; i++) r[i] *= 0.5;
  int bad = 0; for (int i = 0; i < n; i++) bad += fabs(y[i] - r[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NSIZE", str(N))

UNKNOWN = """
void lookup(int n, const int *idx, const double *tab, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = 2.0 * x[i];
    for (int i = 0; i < n; i++)
        y[i] += tab[idx[i]];
    for (int i = 0; i < n; i++)
        y[i] = y[i] - x[i];
}
"""
UNKNOWN_MAIN = """#include <stdio.h>
#include <stdlib.h>
void lookup(int n, const int *idx, const double *tab, const double *x, double *y);
int main(void) {
  int n = NSIZE, m = 97; int *idx = malloc(n * sizeof *idx);
  double *tab = malloc(m * 8), *x = malloc(n * 8), *y = malloc(n * 8);
  for (int k = 0; k < m; k++) tab[k] = k * 0.5;
  for (int i = 0; i < n; i++) { idx[i] = (i * 31) % m; x[i] = i % 5; y[i] = -1; }
  lookup(n, idx, tab, x, y); int bad = 0;
  for (int i = 0; i < n; i++) bad += y[i] != 2.0 * x[i] + tab[idx[i]] - x[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NSIZE", str(N))

ROUTINE = """
static double sq(double v)
{
    return v * v;
}

void squares(int n, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = sq(x[i]) + 1.0;
}
"""
ROUTINE_MAIN = """#include <stdio.h>
#include <stdlib.h>
void squares(int n, const double *x, double *y);
int main(void) {
  int n = NSIZE; double *x = malloc(n * 8), *y = malloc(n * 8);
  for (int i = 0; i < n; i++) { x[i] = i % 9; y[i] = -1; }
  squares(n, x, y); int bad = 0;
  for (int i = 0; i < n; i++) bad += y[i] != x[i] * x[i] + 1.0;
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("NSIZE", str(N))

PROGRAMS = {"structured": (STRUCTURED, STRUCTURED_MAIN), "updates": (UPDATES, UPDATES_MAIN),
            "local_alloc": (LOCAL, LOCAL_MAIN), "unknown_extent": (UNKNOWN, UNKNOWN_MAIN),
            "routine": (ROUTINE, ROUTINE_MAIN)}


def _plan_text(src: str, engine) -> tuple[str, list]:
    plans = offload_source(src.encode(), engine, path="k.c")
    return apply_plans(src.encode(), plans).decode(), plans


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#pragma acc")]


def test_structured_region_one_data_construct_present_inside(engine):
    src = STRUCTURED.replace("    #pragma acc parallel loop copyin(x[0:n]) copyout(y[0:n])\n", "")
    src = src.replace("    #pragma acc parallel loop copyin(x[0:n], y[0:n]) copyout(z[0:n])\n", "")
    text, plans = _plan_text(src, engine)
    acc = _lines(text)
    assert acc[0] == "#pragma acc data copyin(x[0:n]) copyout(y[0:n], z[0:n])"
    assert acc[1:] == ["#pragma acc parallel loop present(y[0:n], x[0:n])",
                       "#pragma acc parallel loop present(y[0:n], x[0:n], z[0:n])"]
    lines = text.splitlines()
    k = lines.index("    " + acc[0])
    assert lines[k + 1] == "    {" and lines[-2] == "    }"  # the two loops, one block
    assert plans[0].arrays[0]["from"] == "loop bounds"


def test_updates_only_where_host_code_touches_device_data(engine):
    text, plans = _plan_text(UPDATES, engine)
    acc = _lines(text)
    assert acc[0].startswith("#pragma acc data ")  # hoisted above the time loop
    assert "#pragma acc update self(u[n-1:1])" in acc  # the host reads one element
    assert "#pragma acc update device(u[0:1])" in acc  # and writes one
    assert not any("update" in a and "w[" in a for a in acc)  # w: never on the host
    assert text.index("acc data") < text.index("for (int t")


def test_enter_exit_data_for_a_local_allocation(engine):
    text, plans = _plan_text(LOCAL, engine)
    lines = text.splitlines()
    enter = next(i for i, ln in enumerate(lines) if "enter data" in ln)
    exit_ = next(i for i, ln in enumerate(lines) if "exit data" in ln)
    assert "malloc" in lines[enter - 1] and "create(t[0:n])" in lines[enter]
    assert "free(t)" in lines[exit_ + 1] and "delete(t[0:n])" in lines[exit_]
    assert plans[0].arrays and any(a["from"] == "allocation" for a in plans[0].arrays)


def test_unknown_extent_is_a_note_not_a_guess(engine):
    text, plans = _plan_text(UNKNOWN, engine)
    assert "tab[" not in "".join(_lines(text))  # no guessed section for the table
    # the loop stays on the host, and the reason names the array and its unknown extent
    assert [h["line"] for h in plans[0].host_loops] == [6]
    why = plans[0].host_loops[0]["why"]
    # (the planner's own note: the engine, asked with `tab` mapped, would offload the loop)
    assert "`tab[idx[i]]`" in why and "is unknown" in why, why
    assert "#pragma acc update self(y[0:n])" in _lines(text)
    assert "#pragma acc update device(y[0:n])" in _lines(text)


def test_routine_seq_above_a_called_function(engine):
    text, plans = _plan_text(ROUTINE, engine)
    lines = text.splitlines()
    k = lines.index("static double sq(double v)")
    assert lines[k - 1] == "#pragma acc routine seq" and plans[0].routines == ["sq"]


def test_apply_is_byte_exact_idempotent_and_keeps_crlf(engine):
    src = UPDATES.replace("\n", "\r\n").encode()
    plans = offload_source(src, engine, path="k.c")
    new = apply_plans(src, plans)
    assert b"\r\n" in new and b"\n" not in new.replace(b"\r\n", b"")
    assert new.replace(b"\r\n", b"\n").decode().count("#pragma acc") == len(_lines(new.decode()))
    again = offload_source(new, engine, path="k.c")
    assert apply_plans(new, again) == new  # already offloaded: nothing to add
    assert "already has" in again[0].notes[0]
    replaced = offload_source(new, engine, path="k.c", replace=True)
    assert apply_plans(new, replaced) == new  # re-planned: the same lines again
    assert any(e.delete for e in replaced[0].edits)


def test_plan_source_needs_an_advisor_only(engine):
    """The planner works from any per-loop answer (here: nothing is parallel)."""
    from accellium.dataset.offload import LoopAdvice

    plans = plan_source(UPDATES.encode(), lambda src, lp: LoopAdvice(None, False))
    assert not plans[0].edits and "no loop to offload" in plans[0].notes[0]


def test_every_kind_of_plan_verifies_in_the_emulator(tmp_path):
    """Built with gcc, run with separate device memory (a present table, stale data caught),
    verified by each program: the plan verifies where the per-loop pragmas may not, and moves
    each array once."""
    res = evaluate_dynamic(write_suite(tmp_path, PROGRAMS, timeout_s=10), "analysis", runs=2, with_mutations=False,
                           offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        assert r["offload"]["status"] == "verified", (name, r["offload"]["reason"])
        assert r["offload_loops"] >= 1, name
    m = res["metrics"]
    assert m["verified"] == 1.0 and m["offload_failed_present-abort"] == 0.0
    b = {k: (v["offload"]["bytes_h2d"] or 0) + (v["offload"]["bytes_d2h"] or 0)
         for k, v in rows.items()}
    # structured: x in once, y and z out once (the authors' per-loop pragmas move x twice
    # and y out and in again)
    assert b["structured"] == 3 * N * 8
    orig = rows["structured"]["original"]
    assert (orig["bytes_h2d"] + orig["bytes_d2h"]) == 5 * N * 8
    # updates: u and w moved once each way plus one element per step each way, not n
    assert b["updates"] < 4 * N * 8 + 12 * 16 + 64
    assert rows["unknown_extent"]["offload_loops"] == 2
    assert m["bytes_vs_original"] is not None and m["bytes_vs_original"] <= 1.0


def test_mutated_sources_never_raise_and_stay_idempotent(engine):
    """Seeded random damage (deleted spans, stray braces, returns, allocations, pragmas):
    the planner answers every time, and a second run on its output adds nothing."""
    import random

    rnd = random.Random(15)
    bits = [b"{", b"}", b"(", b")", b";", b"[i]", b"for(;;)", b"\r\n", b"return;",
            b"#pragma acc data\n", b"x = malloc(n*sizeof *x);", b"free(u);", b"a[k++] = 1;"]
    base = (UPDATES + LOCAL + UNKNOWN + ROUTINE).encode()
    for _ in range(60):
        s = bytearray(base)
        for _ in range(rnd.randint(1, 8)):
            i = rnd.randrange(len(s))
            if rnd.random() < 0.5:
                del s[i:i + rnd.randint(1, 20)]
            else:
                s[i:i] = rnd.choice(bits)
        src = bytes(s)
        new = apply_plans(src, offload_source(src, engine, path="k.c"))
        assert apply_plans(new, offload_source(new, engine, path="k.c")) == new


def test_a_plan_that_offloads_nothing_says_so(engine):
    """The engine would offload the loop, but the array's elements cannot be bounded (a
    subscript read from memory, no extent known): the loop stays on the host, and the plan
    says in a note, besides the loop's own reason, that it offloads nothing."""
    src = """void gather(int n, const int *idx, const double *x, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = x[idx[i]];
}
"""
    (plan,) = offload_source(src.encode(), engine, path="gather.c")
    assert not plan.loops and not plan.edits, plan.to_json()
    assert any(n.startswith("no loop offloaded: the 1 loop(s)") for n in plan.notes), plan.notes
    assert any(n.startswith("line 3 stays on the host") for n in plan.notes), plan.notes
