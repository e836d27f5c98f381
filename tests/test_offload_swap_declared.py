"""Offload plans over pointer swaps whose pointers are declared inside the region (issue #15,
the single-file application shape: ``float *tin = t_a, *tout = t_b;`` between the loops that
set the buffers up and the time loop that swaps them, in the same data region).

The facts: a declaration's initialiser runs when the declaration is reached (C11 6.8p3), so a
declaration among the region's own statements gives the new pointer the allocation of the
pointer it copies, and the loops reach that allocation through the new pointer; the present
table maps host addresses (OpenACC 3.3, 2.6.2), so the region names the buffers the pointers
start from (``t_a``, ``t_b``) and every kernel finds whichever one ``tin`` holds.  A buffer
allocated in the function before the region is one of them like any other (its section is the
loops' one, as the group's).  Where a buffer's own name is used by the host inside the region
(the twin), the region is still refused: the flow follows the group, not that name.  Whole
programs built with gcc and run in the data-environment emulator (separate device memory)."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 3000
STEPS = 7  # odd: the result is in the second buffer

STENCIL = """        for (int i = 0; i < n; i++)
            tout[i] = 0.25 * tin[i > 0 ? i - 1 : i] + 0.5 * tin[i]
                      + 0.25 * tin[i < n - 1 ? i + 1 : i];
        double *tmp = tin;
        tin = tout;
        tout = tmp;
"""

# the pointers are declared between a loop over `a` and the time loop: one region holds all
DECLARED = """#include <stdlib.h>
double *relax(int n, int steps, double *a, double *b)
{
    for (int i = 0; i < n; i++)
        a[i] = 0.5 * a[i] + 1.0;
    double *tin = a, *tout = b;
    for (int t = 0; t < steps; t++) {
""" + STENCIL + """    }
    return tin;
}
"""

# twin: the host writes the second buffer by its own name inside the region
HOST_NAME = DECLARED.replace("    double *tin = a, *tout = b;\n",
                             "    double *tin = a, *tout = b;\n    b[0] = a[0];\n")

DECLARED_MAIN = """#include <stdio.h>
#include <stdlib.h>
double *relax(int n, int steps, double *a, double *b);
int main(void) {
  int n = NSIZE, steps = STEPS, bad = 0;
  double *a = malloc(n * 8), *b = malloc(n * 8), *r = malloc(n * 8), *s = malloc(n * 8);
  for (int i = 0; i < n; i++) { a[i] = r[i] = (i * 7) % 19; b[i] = s[i] = 0; }
  double *res = relax(n, steps, a, b);
  for (int i = 0; i < n; i++) r[i] = 0.5 * r[i] + 1.0;
  if (HOSTNAME) s[0] = r[0];
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++)
      s[i] = 0.25 * r[i > 0 ? i - 1 : i] + 0.5 * r[i] + 0.25 * r[i < n - 1 ? i + 1 : i];
    double *x = r; r = s; s = x;
  }
  bad += res != (steps % 2 ? b : a);
  for (int i = 0; i < n; i++) bad += res[i] != r[i];
  double *other = steps % 2 ? a : b;
  for (int i = 0; i < n; i++) bad += other[i] != s[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# the buffers are allocated by the function itself and one of them is read by a loop before
# the pointers that swap them are declared
ALLOCATED = """#include <stdlib.h>
double relax_sum(int n, int steps, const double *init, double *first)
{
    double *t_a = malloc(n * sizeof *t_a), *t_b = malloc(n * sizeof *t_b);
    for (int i = 0; i < n; i++)
        t_a[i] = init[i] * 0.5;
    for (int i = 0; i < n; i++)
        first[i] = t_a[i] + 1.0;
    double *tin = t_a, *tout = t_b;
    for (int t = 0; t < steps; t++) {
""" + STENCIL + """    }
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += tin[i] * (i % 7);
    free(t_a);
    free(t_b);
    return s;
}
"""

ALLOCATED_MAIN = """#include <stdio.h>
#include <stdlib.h>
double relax_sum(int n, int steps, const double *init, double *first);
int main(void) {
  int n = NSIZE, steps = STEPS, bad = 0;
  double *init = malloc(n * 8), *first = malloc(n * 8), *r = malloc(n * 8), *s = malloc(n * 8);
  for (int i = 0; i < n; i++) init[i] = (i * 5) % 23;
  double got = relax_sum(n, steps, init, first);
  for (int i = 0; i < n; i++) { r[i] = init[i] * 0.5; bad += first[i] != r[i] + 1.0; }
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++)
      s[i] = 0.25 * r[i > 0 ? i - 1 : i] + 0.5 * r[i] + 0.25 * r[i < n - 1 ? i + 1 : i];
    double *x = r; r = s; s = x;
  }
  double want = 0.0;
  for (int i = 0; i < n; i++) want += r[i] * (i % 7);
  bad += got != want;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""


def test_pointers_declared_in_the_region_name_their_buffers(engine):
    text, plans = plan_text(DECLARED, engine)
    acc = acc_lines(text)
    assert "#pragma acc enter data copyin(a[0:n], b[0:n])" in acc, acc
    assert any("present(" in a and "tin[0:n]" in a and "tout[0:n]" in a for a in acc), acc
    assert "#pragma acc exit data copyout(a[0:n], b[0:n])" in acc, acc
    rows = {a["name"]: a for a in plans["relax"].arrays}
    assert set(rows) == {"a", "b"} and "swap between these buffers" in rows["b"]["from"]


def test_buffers_allocated_before_the_region_are_swapped_buffers(engine):
    text, _ = plan_text(ALLOCATED, engine)
    acc = acc_lines(text)
    assert any(a.startswith("#pragma acc enter data") and "t_a[0:n]" in a and "t_b[0:n]" in a
               for a in acc), acc
    assert any(a.startswith("#pragma acc exit data copyout(") and "t_a[0:n]" in a
               and "t_b[0:n]" in a for a in acc), acc


def test_a_buffer_named_by_the_host_inside_the_region_keeps_the_region_off(engine):
    text, plans = plan_text(HOST_NAME, engine)
    notes = " ".join(plans["relax"].notes)
    assert "`b` is swapped with `a`, `b`, `tin`, `tmp`, `tout`, but no offloaded loop" in notes
    assert not any("acc enter data" in a or "acc data" in a for a in acc_lines(text))


def test_the_programs_verify_in_the_emulator(tmp_path):
    """Every plan verifies (both buffers hold what the serial program leaves there); where the
    rule applies each buffer moves once each way, the input once in."""
    def sized(main: str, hostname: int) -> str:
        return main.replace("NSIZE", str(N)).replace("STEPS", str(STEPS)) \
            .replace("HOSTNAME", str(hostname))
    programs = {"swap_declared": (DECLARED, sized(DECLARED_MAIN, 0)),
                "swap_host_name": (HOST_NAME, sized(DECLARED_MAIN, 1)),
                "swap_allocated": (ALLOCATED, sized(ALLOCATED_MAIN, 0))}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    vec = N * 8
    assert set(moved) == set(programs), moved
    assert moved["swap_declared"] == 4 * vec
    # init in, first out, t_a out (its first loop writes it whole), t_b in and out: nothing
    # wrote t_b between its allocation and the region, but it is copied back at the region's
    # end and the time loop that writes it may run no step (its count is a parameter), so
    # the device's uninitialised bytes could come back over the host's (:mod:`.unwritten`;
    # 6 * vec + 16 before that rule, 4 * vec + 16 while it let them)
    assert moved["swap_allocated"] == 5 * vec + 16, moved  # and the sum's reduction
    assert moved["swap_host_name"] == 0  # the twin: everything stays on the host
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
