"""Sizes the plan learns: an allocator wrapper's count, a size set after a loop, a local set
from an earlier local of its block, a direction from the loops' facts (issue #15).

* A function whose body is ``return malloc(count * sizeof (float));`` alone returns an object
  of ``count`` elements, ``count`` read from its parameter, and a call assigns its argument to
  that parameter (C11 6.5.2.2p4): ``v = alloc_f(n * m)`` is an object of ``n * m`` elements,
  as ``malloc(n * m * sizeof *v)`` written in place would be.  A gather through a neighbour
  table (``v[k]`` with ``k`` read from memory, ``k >= 0`` tested) then maps ``v``'s whole
  object and joins the region (before: "would start at `k`", on the host, with updates every
  step).  Twins: a wrapper that does more than return the call (a counter), or whose
  ``sizeof`` names another type than the one it returns a pointer to — its count is unknown,
  the gather stays on the host.
* A data construct evaluates its sections where it starts (OpenACC 3.3, 2.6.5, 2.7.1).  When
  a statement changes the size the later loops' sections use (``n = len / 2 + 1``, not a
  polynomial, in a block that also holds a stencil), a region over that statement and the
  later loops would evaluate ``b[0:n]`` with the old ``n``: those loops stayed on the host
  and only the stencil offloaded.  A region that starts after the statement keeps the later
  loops; the stencil stays on the host (one region offloading more loops wins).  Twin: the
  size set before the block: nothing in the region changes it, one region holds all three
  loops.

* A statement ``k = i1 + 2*n*i2;`` reads ``i1`` at the value the block's earlier ``i1 = 2 *
  j1;`` stored (C11 6.8p4: each full expression is evaluated before the next statement), so
  ``k`` is bounded through ``i1``'s own value: the coarsening ``s[j1 + n*j2] = r[k] + ...``
  maps ``r[0:4*n*n]`` (before, any name of ``k``'s value that the block assigned left ``k``
  unknown: "uses `k`, which changes inside the region").  Twin: ``i1`` a running index
  (``i1 += 2;`` after the statement): ``k`` is then unknown, as before.

* The direction of a subscript in an index is the sign of the index's coefficient, read with
  the facts the plan has: in an anti-diagonal sweep ``k = (m - d - 2)*m + d + m - i - 2`` the
  coefficient of ``d`` is ``1 - m``, negative where ``m >= 4`` — which the outer loop ``for (i
  = m - 4; i >= 0; i--)`` running gives — so ``g[k]`` is largest at ``d = 0`` and the loop
  maps ``g[2*m-3:m*m-3*m+2]`` (before, only coefficients whose sign the names' being
  non-negative tells were read: "the extent ... is unknown").  Twin: the outer loop bounded
  by another parameter, ``m`` unbounded — unknown, as before.

Whole programs, built with real gcc and run in the data-environment emulator (the
drivers of the relaxation and the coarsening allocate with a size that is no polynomial,
``len + len / 4``: no object extent reaches the callee, its sections come from its loops)."""

from __future__ import annotations

from dataclasses import dataclass

from _offload_util import acc_lines, plan_text, run_verified

N, M, STEPS, LEN = 64, 8, 4, 3000

GATHER = """#include <stdlib.h>

COUNTER
float *alloc_f(int count) { BODY }

void gather(int n, int m, const int *nb, float *out, int steps)
{
    float *v = alloc_f(n * m), *w = alloc_f(n * m);
    for (int i = 0; i < n * m; i++) v[i] = i % 5;
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) {
                int k = nb[i * m + j];
                w[i * m + j] = k >= 0 ? v[k] : 0.0f;
            }
        for (int i = 0; i < n * m; i++) v[i] = 0.5f * (v[i] + w[i]);
    }
    for (int i = 0; i < n * m; i++) out[i] = v[i];
    free(v);
    free(w);
}
"""
PLAIN = "return (float *)malloc(count * sizeof(float));"
COUNTED = "calls++; return (float *)malloc(count * sizeof(float));"
GATHER_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void gather(int n, int m, const int *nb, float *out, int steps);
int main(void) {
  int n = NN, m = MM, steps = SS, bad = 0;
  int *nb = malloc(n * m * sizeof *nb);
  float *out = malloc(n * m * sizeof *out), *v = malloc(n * m * sizeof *v),
        *w = malloc(n * m * sizeof *w);
  for (int k = 0; k < n * m; k++) nb[k] = k % 3 == 0 ? -1 : (k * 17) % (n * m);
  for (int k = 0; k < n * m; k++) v[k] = k % 5;
  for (int s = 0; s < steps; s++) {
    for (int k = 0; k < n * m; k++) w[k] = nb[k] >= 0 ? v[nb[k]] : 0.0f;
    for (int k = 0; k < n * m; k++) v[k] = 0.5f * (v[k] + w[k]);
  }
  gather(n, m, nb, out, steps);
  for (int k = 0; k < n * m; k++) bad += fabsf(out[k] - v[k]) > 1e-5f;
  puts(bad ? "BAD" : "OK");
  return 0;
}
""".replace("NN", str(N)).replace("MM", str(M)).replace("SS", str(STEPS))

RELAX = """void relax(float *a, float *b, const float *c, int len, int steps)
{
    int n;
    BEFORE
    {
        SET
        for (int i = 0; i < n; i++) a[i] = 0.5f * (c[i] + c[i + 1]);
    }
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++) b[i] = 0.5f * a[i];
        for (int i = 0; i < n; i++) a[i] += b[i];
    }
}
"""
SET = "n = len / 2 + 1;"
RELAX_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void relax(float *a, float *b, const float *c, int len, int steps);
int main(void) {
  int len = LEN, steps = SS, n = len / 2 + 1, bad = 0, cap = len + len / 4;
  float *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b), *c = malloc(cap * sizeof *c);
  float *ra = malloc(cap * sizeof *ra);
  for (int i = 0; i < len; i++) { c[i] = (i % 7) * 0.5f; a[i] = ra[i] = 1.0f; b[i] = 0.0f; }
  for (int i = 0; i < n; i++) ra[i] = 0.5f * (c[i] + c[i + 1]);
  for (int s = 0; s < steps; s++)
    for (int i = 0; i < n; i++) ra[i] += 0.5f * ra[i];
  relax(a, b, c, len, steps);
  for (int i = 0; i < len; i++) bad += fabsf(a[i] - ra[i]) > 1e-4f * (1.0f + fabsf(ra[i]));
  puts(bad ? "BAD" : "OK");
  return 0;
}
""".replace("LEN", str(LEN)).replace("SS", str(STEPS))


COARSEN = """void coarsen(int n, const float *r, float *s)
{
    int i1, i2, k;
    for (int j2 = 0; j2 < n; j2++) {
        i2 = 2 * j2;
        RESET
        for (int j1 = 0; j1 < n; j1++) {
            SET
            k = i1 + 2 * n * i2;
            s[j1 + n * j2] = 0.25f * (r[k] + r[k + 1] + r[k + 2 * n] + r[k + 2 * n + 1]);
            STEP
        }
    }
}
"""
COARSEN_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void coarsen(int n, const float *r, float *s);
int main(void) {
  int n = NN, bad = 0, cap = 4 * n * n + n / 4;
  float *r = malloc(cap * sizeof *r), *s = malloc(cap * sizeof *s);
  for (int k = 0; k < 4 * n * n; k++) r[k] = (k * 3 % 11) * 0.5f;
  coarsen(n, r, s);
  for (int j2 = 0; j2 < n; j2++)
    for (int j1 = 0; j1 < n; j1++) {
      int k = 2 * j1 + 4 * n * j2;
      float want = 0.25f * (r[k] + r[k + 1] + r[k + 2 * n] + r[k + 2 * n + 1]);
      bad += fabsf(s[j1 + n * j2] - want) > 1e-6f;
    }
  puts(bad ? "BAD" : "OK");
  return 0;
}
""".replace("NN", str(N))


def _coarsen(running: bool = False) -> str:
    return COARSEN.replace("RESET", "i1 = 0;" if running else "") \
        .replace("SET", "" if running else "i1 = 2 * j1;") \
        .replace("STEP", "i1 += 2;" if running else "")


SWEEP = """void sweep(int m, int n, int p, int *g, const int *s)
{
    int k, a, b, c;
    for (int i = LIMIT - 4; i >= 0; i--)
        for (int d = 0; d <= i; d++) {
            k = (m - d - 2) * m + d + m - i - 2;
            a = g[k - 1 - m] + s[k];
            b = g[k - 1] - p;
            c = g[k - m] - p;
            g[k] = a > b ? (a > c ? a : c) : (b > c ? b : c);
        }
}
"""
SWEEP_MAIN = """#include <stdio.h>
#include <stdlib.h>
void sweep(int m, int n, int p, int *g, const int *s);
int main(void) {
  int m = MM, p = 2, bad = 0, cap = m * m + m / 4;
  int *g = malloc(cap * sizeof *g), *s = malloc(cap * sizeof *s), *r = malloc(cap * sizeof *r);
  for (int k = 0; k < m * m; k++) { g[k] = r[k] = (k * 7) % 5 - 2; s[k] = (k * 3) % 7 - 3; }
  for (int i = m - 4; i >= 0; i--)
    for (int d = 0; d <= i; d++) {
      int k = (m - d - 2) * m + d + m - i - 2;
      int a = r[k - 1 - m] + s[k], b = r[k - 1] - p, c = r[k - m] - p;
      r[k] = a > b ? (a > c ? a : c) : (b > c ? b : c);
    }
  sweep(m, m, p, g, s);
  for (int k = 0; k < m * m; k++) bad += g[k] != r[k];
  puts(bad ? "BAD" : "OK");
  return 0;
}
""".replace("MM", str(N // 2))


def _sweep(other: bool = False) -> str:
    return SWEEP.replace("LIMIT", "n" if other else "m")


def _gather(body: str = PLAIN) -> str:
    return GATHER.replace("COUNTER", "int calls;" if body == COUNTED else "") \
        .replace("BODY", body)


def _relax(early: bool = False) -> str:
    return RELAX.replace("BEFORE", SET if early else "").replace("SET", "" if early else SET)


@dataclass
class _Planned:
    """The plan of one function of a source: the source with it applied, the lines of the
    loops it offloads, each array's section and why each other loop stays on the host."""

    text: str
    loops: list[int]
    sections: dict[str, str]
    whys: dict[int, str]


def _planned(src: str, function: str, engine) -> _Planned:
    text, plans = plan_text(src, engine)
    p = plans[function]
    return _Planned(text, [lp["line"] for lp in p.loops],
                    {a["name"]: a["section"] for a in p.arrays},
                    {h["line"]: h["why"] for h in p.host_loops})


def test_a_wrappers_count_is_the_objects_extent(engine):
    g = _planned(_gather(), "gather", engine)
    assert g.loops == [9, 11, 16, 18], g.whys
    assert g.sections["v"] == "v[0:m*n]" and g.sections["w"] == "w[0:m*n]", g.sections
    assert not any("update" in a for a in acc_lines(g.text)), acc_lines(g.text)
    # a wrapper that does more than return the call: its count is unknown
    g = _planned(_gather(COUNTED), "gather", engine)
    assert 11 not in g.loops, g.loops
    assert "would start at `k`" in g.whys[11], g.whys
    # a count in units of another type than the one returned: unknown
    g = _planned(_gather(PLAIN.replace("sizeof(float)", "sizeof(double)")), "gather", engine)
    assert 11 not in g.loops, g.loops


def test_the_region_starts_after_a_size_changes(engine):
    r = _planned(_relax(), "relax", engine)
    assert r.loops == [10, 11], r.whys
    assert "starts after the statement at lines 5-8, which changes `n` (line 6)" in r.whys[7], \
        r.whys
    assert acc_lines(r.text)[0] == "#pragma acc data copy(b[0:n], a[0:n])", acc_lines(r.text)
    # the size set before the block: one region holds all three
    r = _planned(_relax(early=True), "relax", engine)
    assert r.loops == [7, 10, 11], r.whys


def test_a_local_set_from_an_earlier_local_of_its_block_is_bounded(engine):
    c = _planned(_coarsen(), "coarsen", engine)
    assert c.loops == [4], c.whys
    assert c.sections == {"r": "r[0:4*n*n]", "s": "s[0:n*n]"}, c.sections
    # a running index assigned after the statement: `k` is unknown
    c = _planned(_coarsen(running=True), "coarsen", engine)
    assert not c.loops, c.loops
    assert "uses `k`" in " ".join(c.whys.values()), c.whys


def test_a_direction_read_from_the_loops_facts(engine):
    w = _planned(_sweep(), "sweep", engine)
    assert w.loops == [5], w.whys
    assert w.sections == {"g": "g[2*m-3:m*m-3*m+2]", "s": "s[3*m-2:m*m-4*m+1]"}, w.sections
    # the outer loop bounded by another parameter: nothing bounds `m`
    w = _planned(_sweep(other=True), "sweep", engine)
    assert not w.loops, w.loops
    assert "the extent of `g[k - 1 - m]`" in " ".join(w.whys.values()), w.whys


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: the plans verify; the gather's region moves its
    two arrays' objects once (no update per step); the relaxation's later loops offload."""
    progs = {"gather": (_gather(), GATHER_MAIN), "gather_counted": (_gather(COUNTED),
                                                                    GATHER_MAIN),
             "relax": (_relax(), RELAX_MAIN), "relax_early": (_relax(early=True), RELAX_MAIN),
             "coarsen": (_coarsen(), COARSEN_MAIN),
             "coarsen_running": (_coarsen(running=True), COARSEN_MAIN),
             "sweep": (_sweep(), SWEEP_MAIN), "sweep_other": (_sweep(other=True), SWEEP_MAIN)}
    rows = run_verified(tmp_path, progs)
    moved = {k: r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"] for k, r in rows.items()}
    plans = {k: {p["function"]: p["loops"] for p in r["offload"]["plans"]}
             for k, r in rows.items()}
    assert plans["gather"]["gather"] == [9, 11, 16, 18], plans
    assert 11 not in plans["gather_counted"]["gather"], plans
    grid = N * M * 4
    assert moved["gather"] <= 4 * grid, moved  # nb in, out back: no array per step
    assert moved["gather_counted"] > STEPS * grid, moved  # updates around the host's gather
    assert plans["relax"]["relax"] == [10, 11], plans
    assert plans["relax_early"]["relax"] == [7, 10, 11], plans
    assert plans["coarsen"]["coarsen"] == [4], plans
    assert plans["coarsen_running"]["coarsen"] == [], plans
    assert moved["coarsen"] == 5 * N * N * 4, moved  # r in, s out, once
    assert plans["sweep"]["sweep"] == [5], plans
    assert plans["sweep_other"]["sweep"] == [], plans
