"""A host call inside a data region that reaches a global array the region holds, without
passing it, is a use of that array at the call (issue #15, docs/offload.md item 5,
:mod:`accellium.dataset.offload.global_uses`).

A function names a file-scope array directly (C11 6.2.1p4: the same object in every function
of the file), so ``bump();`` reads and writes the caller's ``g`` although its arguments do not
name it.  Before, the planner read such a call as touching nothing: the region over the time
loop kept ``g`` on the device across ``bump()``, the next offloaded loop read the device copy
without the helper's write, and the region's copy back overwrote it — the emulator failed the
plan.  Now the call gets ``update self(g)`` before it and, when the callee writes, ``update
device(g)`` after it; a callee that only reads gets only the pull.  A function of another
file (``poke``, defined in the driver) may reach a global with external linkage (C11 6.2.2p2),
so its call is read as reading and writing every such global.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

N, STEPS = 3000, 5

KERNEL = """static double g[NN];
STORAGE double h[NN];
double poke(int k);

static void bump(int k)
{
    g[k] += 1.0;
}

static double probe(int k)
{
    return g[k] + g[k + 1];
}

double run(int n, int steps, double *out)
{
    double acc = 0.0;
    for (int i = 0; i < n; i++) {
        g[i] = (double)(i % 11);
        h[i] = 0.5;
    }
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            g[i] = 0.5 * g[i] + h[i];
        CALL;
        for (int i = 0; i < n; i++)
            out[i] = g[i] + h[i] + s;
        for (int i = 0; i < n; i++)
            h[i] = 0.25 * out[i];
    }
    return acc;
}
""".replace("NN", str(N))

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
double run(int n, int steps, double *out);
EXTERN
int main(void) {
  int n = NN, steps = SS, bad = 0;
  double *out = malloc(n * sizeof *out), *g = malloc(n * sizeof *g), *h = malloc(n * sizeof *h);
  double *ref = malloc(n * sizeof *ref), acc = 0.0;
  for (int i = 0; i < n; i++) { g[i] = (double)(i % 11); h[i] = 0.5; }
  for (int s = 0; s < steps; s++) {
    for (int i = 0; i < n; i++) g[i] = 0.5 * g[i] + h[i];
    REF;
    for (int i = 0; i < n; i++) ref[i] = g[i] + h[i] + s;
    for (int i = 0; i < n; i++) h[i] = 0.25 * ref[i];
  }
  double got = run(n, steps, out);
  for (int i = 0; i < n; i++) bad += fabs(out[i] - ref[i]) > 1e-12;
  bad += fabs(got - acc) > 1e-12;
  puts(bad ? "BAD" : "OK");
  return 0;
}
""".replace("NN", str(N)).replace("SS", str(STEPS))

POKE = """extern double h[];
double poke(int k) { h[k] += 2.0; return 0.0; }"""

#: name -> (the call in the time loop, the same in the reference, the storage of ``h``,
#: the driver's extra definitions)
PROGRAMS = {
    "writes": ("bump(7)", "g[7] += 1.0", "static", ""),
    "reads": ("acc += probe(s)", "acc += g[s] + g[s + 1]", "static", ""),
    "other_file": ("poke(9)", "h[9] += 2.0", "", POKE),
}


def _files(name: str) -> tuple[str, str]:
    call, ref, storage, extra = PROGRAMS[name]
    return (KERNEL.replace("CALL", call).replace("STORAGE", storage),
            MAIN.replace("REF", ref).replace("EXTERN", extra))


def test_updates_around_a_helper_that_writes_a_global(engine):
    kernel, main = _files("writes")
    text, plans = plan_text(kernel, engine, program=[main.encode()])
    acc = acc_lines(text)
    lines = text.splitlines()
    at = next(k for k, ln in enumerate(lines) if ln.strip() == "bump(7);")
    assert lines[at - 1].strip() == "#pragma acc update self(g)", lines[at - 3:at + 3]
    assert lines[at + 1].strip() == "#pragma acc update device(g)", lines[at - 3:at + 3]
    assert any(a.startswith("#pragma acc data") for a in acc), acc


def test_a_helper_that_only_reads_gets_only_the_pull(engine):
    kernel, main = _files("reads")
    text, _ = plan_text(kernel, engine, program=[main.encode()])
    lines = text.splitlines()
    at = next(k for k, ln in enumerate(lines) if "probe(s)" in ln)
    assert lines[at - 1].strip() == "#pragma acc update self(g)", lines[at - 3:at + 3]
    assert "update device(g)" not in text, text


def test_a_function_of_another_file_may_reach_an_external_global(engine):
    kernel, main = _files("other_file")
    text, _ = plan_text(kernel, engine, program=[main.encode()])
    lines = text.splitlines()
    at = next(k for k, ln in enumerate(lines) if ln.strip() == "poke(9);")
    around = {ln.strip() for ln in lines[at - 2:at + 3]}
    assert {"#pragma acc update self(h)", "#pragma acc update device(h)"} <= around, around


def test_the_plans_verify(tmp_path):
    """In the emulator every plan verifies (before, the first and third read stale device
    data after the helper's host write and copied it back over the host's)."""
    rows = run_verified(tmp_path, {n: _files(n) for n in PROGRAMS})
    for name, r in rows.items():
        assert r["offload"]["bytes_h2d"] > 0, name


def test_runtime_routines_and_library_calls_reach_no_global():
    """``omp_get_wtime()`` and ``acc_get_num_devices(...)`` reach memory only through their
    arguments, ``sqrt`` none: no use of a global at them; an unknown function may reach the
    external global ``h`` but not the ``static`` ``g`` whose address the file never hands
    out; a file function reaches what it names."""
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.global_uses import call_touches

    src = b"""static double g[8];
double h[8];
double timer(void);
static void set(int k) { g[k] = 1.0; }
void f(void) {
    double t = omp_get_wtime() + acc_get_num_devices(0) + sqrt(2.0);
    t += timer();
    set(3);
    h[0] = t;
}
"""
    root = parse_tree(src, "c").root_node
    uses, walls = call_touches(root, root)
    got = sorted(v for v in uses.values())
    assert got == [[("g", True)], [("h", True)]], got
    assert walls == []
