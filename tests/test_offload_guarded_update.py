"""Updates for an element the host statement reaches only under a condition.

An ``update`` directive must name only elements that are present for every value the indices
take where the directive runs (OpenACC 3.3, 2.14.4: an update of data not present is an
error).  The plan puts a host statement's updates right above and below it, where they run
whenever the statement runs — also when a condition inside the statement (``?:``, ``&&``,
``||``, an unbraced ``if``) rules the access out (C11 6.5.13-15, 6.8.4.1).  In a column
sweep over rows of a known length, ``a[j][j] = sqrt(a[j][j] + (j > 0 ? a[j][j-1]*... : 0))``
reads ``a[j][j-1]`` only for ``j > 0``; its one-element update ``a[j:1][j-1:1]`` named
``a[0][-1]`` at ``j = 0``, outside the mapped rows, and the program aborted.  The plan now
names the whole row, which the region maps whole and which holds the element: ``update
self`` of elements the host code does not touch copies the device's values over host
values nothing reads before the next pull.

For ``update device`` the same widening is correct only because the section is brought from
the device first: the device wrote the row's other elements in earlier steps, and pushing the
host's stale copy of them would overwrite those values.  The twin with the host write
``if (j > 0) a[j][j-1] = ...;`` pulls the row, writes, pushes it — and the same plan with the
pull taken out reads stale data (checked below in the emulator).

A guarded row (``j > 0 ? a[j-1][j] : 0``) or a true array's guarded element
(``j > 0 ? v[j-1] : 1``) lies outside the array at ``j = 0``, where the update still runs; no
smaller section provably holds it, so the update names the region's whole section.  (Not
``if_present`` of the one element: ``v[-1]`` is memory the program does not own, which the
emulator rejects and a GPU runtime would copy if another mapped object lay there.)

Twin: the unguarded access (the sweep from ``j = 1``) is the program's own claim that the
element exists (C11 6.5.6p8) and keeps its one-element updates, bytes unchanged.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#include <math.h>
#define M 32

void sweep(int n, double a[][M])
{
    for (int j = FIRST; j < n; j++) {
        HOST
        for (int i = j + 1; i < n; i++)
            a[i][j] = (a[i][j] + (j > 0 ? a[i][j - 1] : 0.0)) / a[j][j];
    }
}
"""
READ = "a[j][j] = sqrt(a[j][j] + (j > 0 ? a[j][j - 1] * a[j][j - 1] : 0.0));"
WRITE = "if (j > 0) a[j][j - 1] = 1.0 / (j + 1);"
PLAIN = "a[j][j] = sqrt(a[j][j] + a[j][j - 1] * a[j][j - 1]);"
# the guarded element in the row above: at j = 0 that row lies outside the array, so the update
# names the region's whole section (always present).  Its device loop updates whole rows, so
# each step's work (rows times M) weighs as much as the section its updates move (n rows of M):
# with the one-column loop above the loop stays on the host (docs/offload.md 18.)
ABOVE = "a[j][j] = a[j][j] + (j > 0 ? a[j - 1][j] : 0.0);"
ABOVE_LOOP = """for (int i = j + 1; i < n; i++)
            for (int k = 0; k < M; k++)
                a[i][k] = 0.5 * a[i][k] + 0.25 * a[j][k] / a[j][j];"""
# one dimension: a true array's guarded element, outside the array at j = 0: the whole array
VEC_KERNEL = """#define M 32
double v[M];

void scan(int n, const double a[][M])
{
    for (int j = 0; j < n; j++) {
        v[j] = j > 0 ? 0.5 * v[j - 1] : 1.0;
        for (int i = 0; i < n; i++)
            v[i] += a[i][j];
    }
}
"""
VEC_MAIN = """#include <math.h>
#include <stdio.h>
#define M 32
extern double v[M];
void scan(int n, const double a[][M]);
static double a[M][M], r[M];
int main(void) {
  int n = 30, bad = 0;
  for (int i = 0; i < M; i++) {
    v[i] = r[i] = i;
    for (int j = 0; j < M; j++) a[i][j] = (double)((i * 7 + j * 3) % 5) / 8.0;
  }
  scan(n, a);
  for (int j = 0; j < n; j++) {
    r[j] = j > 0 ? 0.5 * r[j - 1] : 1.0;
    for (int i = 0; i < n; i++) r[i] += a[i][j];
  }
  for (int i = 0; i < M; i++) bad += fabs(v[i] - r[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#define M 32
void sweep(int n, double a[][M]);
static double a[M][M], r[M][M];
int main(void) {
  int n = 30, bad = 0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++)
      a[i][j] = r[i][j] = (i == j ? 4.0 : 0.0) + (double)((i * 7 + j * 3) % 5) / 8.0;
  sweep(n, a);
  for (int j = FIRST; j < n; j++) {
    HOSTREF
    for (int i = j + 1; i < n; i++)
      r[i][j] = (r[i][j] + (j > 0 ? r[i][j - 1] : 0.0)) / r[j][j];
  }
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) bad += fabs(a[i][j] - r[i][j]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


KERNEL_LOOP = """for (int i = j + 1; i < n; i++)
            a[i][j] = (a[i][j] + (j > 0 ? a[i][j - 1] : 0.0)) / a[j][j];"""
MAIN_LOOP = """for (int i = j + 1; i < n; i++)
      r[i][j] = (r[i][j] + (j > 0 ? r[i][j - 1] : 0.0)) / r[j][j];"""


def _program(host: str, first: int = 0, loop: str | None = None) -> tuple[str, str]:
    kernel = KERNEL.replace("HOST", host).replace("FIRST", str(first))
    main = MAIN.replace("HOSTREF", host.replace("a[", "r[")).replace("FIRST", str(first))
    if loop is not None:
        kernel = kernel.replace(KERNEL_LOOP, loop)
        main = main.replace(MAIN_LOOP, loop.replace("a[", "r["))
    return kernel, main


def test_a_guarded_element_is_updated_with_its_row(tmp_path, engine):
    kernel, main = _program(READ)
    text, plans = plan_text(kernel, engine)
    assert [x["line"] for x in plans["sweep"].loops] == [8], plans["sweep"].host_loops
    acc = acc_lines(text)
    assert "#pragma acc update self(a[j:1][0:M])" in acc, acc
    assert not any("j-1:1" in a or "j - 1:1" in a for a in acc), acc
    # the guarded write pulls its row before it and pushes it after
    wkernel, wmain = _program(WRITE)
    wtext, _ = plan_text(wkernel, engine)
    wacc = acc_lines(wtext)
    assert "#pragma acc update self(a[j:1][0:M])" in wacc, wacc
    assert "#pragma acc update device(a[j:1][0:M])" in wacc, wacc
    assert not any("j-1:1" in a or "j - 1:1" in a for a in wacc), wacc
    # twin: the unguarded access keeps its one element
    pkernel, pmain = _program(PLAIN, first=1)
    ptext, _ = plan_text(pkernel, engine)
    pacc = acc_lines(ptext)
    assert "#pragma acc update self(a[j:1][j-1:1])" in pacc, pacc
    assert not any("[0:M])" in a for a in pacc if "update" in a), pacc
    akernel, amain = _program(ABOVE, loop=ABOVE_LOOP)
    aacc = acc_lines(plan_text(akernel, engine)[0])
    assert "#pragma acc update self(a[0:n][0:M])" in aacc, aacc
    vacc = acc_lines(plan_text(VEC_KERNEL, engine)[0])
    assert "#pragma acc update self(v)" in vacc, vacc
    assert not any("if_present" in a for a in aacc + vacc), (aacc, vacc)
    res = evaluate_dynamic(write_suite(tmp_path, {
        "read": (kernel, main), "write": (wkernel, wmain), "plain": (pkernel, pmain),
        "above": (akernel, amain), "vec": (VEC_KERNEL, VEC_MAIN)}),
        "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # a in and out (rows 1..29 of 32), then per step j = 1..29 the diagonal element pulled
    # and pushed and the element left of it pulled
    assert moved["plain"] == (2 * 29 * 32 + 3 * 29) * 8, moved


def test_the_widened_push_needs_its_pull(tmp_path, engine):
    """The plan of the guarded write without the ``update self`` of the row: the push sends
    the host's stale copy of the elements the device wrote in earlier steps."""
    kernel, main = _program(WRITE)
    text, _ = plan_text(kernel, engine)
    pull = "#pragma acc update self(a[j:1][0:M])"
    assert pull in text
    broken = "\n".join(ln for ln in text.splitlines() if ln.strip() != pull) + "\n"
    res = evaluate_dynamic(write_suite(tmp_path, {"planned": (text, main),
                                                  "no_pull": (broken, main)}),
                           None, runs=1, with_mutations=False)
    rows = {r["name"]: r["original"] for r in res["programs"]}
    assert rows["planned"]["status"] == "verified", rows["planned"]["reason"]
    assert rows["no_pull"]["status"] != "verified", rows["no_pull"]
