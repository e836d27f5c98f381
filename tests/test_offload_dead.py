"""Pointer parameters whose memory nobody reads after the function (issue #15): a ``static``
function is called only from its file, and when at every call the argument is the caller's own
scratch memory (a local ``malloc`` freed or never named again), the function's region needs no
``copyout`` of it (``create``); a loop that replaces such an array at the top of each iteration
of a host loop, before anything reads it, needs no ``copyin`` either.  Whole programs, built with
real gcc and run in the data-environment emulator, prove the rule where it applies and that the
plan keeps the copies where it must not apply: the caller reads the array after the call, the
function is not ``static``, its address is taken, the array is read after a host loop that may
not run."""

from __future__ import annotations

import pytest
from _offload_util import verified_offload_bytes, write_suite

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.live import dead_parameters
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import apply_plans, offload_source

N = 3000

BLUR = """
STORAGE void blur(int n, const double *in, double *tmp, double *out)
{
    for (int i = 0; i < n; i++)
        tmp[i] = 0.5 * in[i];
    for (int i = 0; i < n; i++)
        out[i] = tmp[i] + tmp[n - 1 - i];
}
"""

# the caller's scratch array, freed after the one call
SCRATCH = BLUR.replace("STORAGE", "static") + """
double run(int n, const double *in, double *out)
{
    double *tmp = malloc(n * sizeof *tmp);
    blur(n, in, tmp, out);
    free(tmp);
    return out[0];
}
"""
# through a second static function: its parameter is dead because its caller's array is
CHAIN = BLUR.replace("STORAGE", "static") + """
static void twice(int n, const double *in, double *tmp, double *out)
{
    blur(n, in, tmp, out);
}

double run(int n, const double *in, double *out)
{
    double *tmp = malloc(n * sizeof *tmp);
    twice(n, in, tmp, out);
    free(tmp);
    return out[0];
}
"""
# must not apply: the caller reads the scratch array after the call
READ_AFTER = BLUR.replace("STORAGE", "static") + """
double run(int n, const double *in, double *out)
{
    double *tmp = malloc(n * sizeof *tmp);
    blur(n, in, tmp, out);
    double s = tmp[n - 1];
    free(tmp);
    return s + out[0];
}
"""
# must not apply: another translation unit may call a function with external linkage
EXTERN = BLUR.replace("STORAGE ", "") + """
double run(int n, const double *in, double *out)
{
    double *tmp = malloc(n * sizeof *tmp);
    blur(n, in, tmp, out);
    free(tmp);
    return out[0];
}
"""
# must not apply: the address is taken (a call through the pointer is not a call site we see)
POINTER = BLUR.replace("STORAGE", "static") + """
void (*blur_fn)(int, const double *, double *, double *) = blur;

double run(int n, const double *in, double *out)
{
    double *tmp = malloc(n * sizeof *tmp);
    blur(n, in, tmp, out);
    free(tmp);
    return out[0];
}
"""
SCRATCH_MAIN = """#include <stdio.h>
#include <stdlib.h>
double run(int n, const double *in, double *out);
int main(void) {
  int n = NSIZE; double *in = malloc(n * 8), *out = malloc(n * 8);
  for (int i = 0; i < n; i++) in[i] = (i * 13) % 17;
  double r = run(n, in, out); int bad = 0;
  for (int i = 0; i < n; i++) bad += out[i] != 0.5 * in[i] + 0.5 * in[n - 1 - i];
  bad += RESULT;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# a work array replaced at the top of each time step: no copy in, no copy out
WORK = """
static void iterate(int n, int steps, double *a, double *work)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            work[i] = a[i] * 0.5 + 1.0;
        for (int i = 0; i < n; i++)
            a[i] = work[i] + work[n - 1 - i];
    }
}

void run(int n, int steps, double *a, double *w0)
{
    double *work = malloc(n * sizeof *work);
    iterate(n, steps, a, work);
    free(work);
    (void)w0;
}
"""
# must not apply: the work array is read after the time loop (with no step, its first value)
WORK_AFTER = """
static void iterate(int n, int steps, double *a, double *work)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            work[i] = a[i] * 0.5 + 1.0;
        for (int i = 0; i < n; i++)
            a[i] = work[i] + work[n - 1 - i];
    }
    for (int i = 0; i < n; i++)
        a[i] += work[i];
}

void run(int n, int steps, double *a, double *w0)
{
    double *work = malloc(n * sizeof *work);
    int i = 0;
    while (i < n) {  /* a host loop: the caller has no region of its own */
        work[i] = w0[i];
        i++;
    }
    iterate(n, steps, a, work);
    free(work);
}
"""
# the program's other file calls the extern function too, and reads its scratch array after
EXTERN_MAIN = """#include <stdio.h>
#include <stdlib.h>
double run(int n, const double *in, double *out);
void blur(int n, const double *in, double *tmp, double *out);
int main(void) {
  int n = NSIZE; double *in = malloc(n * 8), *out = malloc(n * 8), *t = malloc(n * 8);
  for (int i = 0; i < n; i++) in[i] = (i * 13) % 17;
  double r = run(n, in, out); int bad = r != out[0];
  blur(n, in, t, out);
  for (int i = 0; i < n; i++) bad += t[i] != 0.5 * in[i] || out[i] != t[i] + t[n - 1 - i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

# the region cannot hold the time loop (its condition reads `out` on the host): inside it, the
# region reads `t` before writing it, so each run must copy back what the next one copies in
IN_LOOP = """
void decay(int n, int steps, double *out)
{
    double *t = malloc(n * sizeof *t);
    for (int s = 0; s < steps && out[0] < 1e9; s++) {
        for (int i = 0; i < n; i++)
            t[i] = (s == 0 ? out[i] : t[i]) * 0.5 + 1.0;
        for (int i = 0; i < n; i++)
            out[i] = t[i];
    }
    free(t);
}
"""
IN_LOOP_MAIN = """#include <stdio.h>
#include <stdlib.h>
void decay(int n, int steps, double *out);
int main(void) {
  int n = NSIZE, bad = 0; double *out = malloc(n * 8), *r = malloc(n * 8);
  for (int i = 0; i < n; i++) out[i] = r[i] = i % 9;
  decay(n, 4, out);
  for (int s = 0; s < 4; s++) for (int i = 0; i < n; i++) r[i] = r[i] * 0.5 + 1.0;
  for (int i = 0; i < n; i++) bad += out[i] != r[i];
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

WORK_MAIN = """#include <stdio.h>
#include <stdlib.h>
void run(int n, int steps, double *a, double *w0);
static void ref(int n, int steps, double *a, double *w, int after) {
  for (int s = 0; s < steps; s++) {
    for (int i = 0; i < n; i++) w[i] = a[i] * 0.5 + 1.0;
    for (int i = 0; i < n; i++) a[i] = w[i] + w[n - 1 - i];
  }
  if (after) for (int i = 0; i < n; i++) a[i] += w[i];
}
int main(void) {
  int n = NSIZE, bad = 0;
  double *a = malloc(n * 8), *r = malloc(n * 8), *w = malloc(n * 8), *w0 = malloc(n * 8);
  for (int steps = 0; steps < 3; steps += 2) {
    for (int i = 0; i < n; i++) { a[i] = r[i] = (i * 7) % 11; w[i] = w0[i] = i % 5; }
    run(n, steps, a, w0); ref(n, steps, r, w, AFTER);
    for (int i = 0; i < n; i++) bad += a[i] != r[i];
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""

PROGRAMS = {
    "dead_scratch": (SCRATCH, SCRATCH_MAIN.replace("RESULT", "r != out[0]")),
    "dead_chain": (CHAIN, SCRATCH_MAIN.replace("RESULT", "r != out[0]")),
    "read_after": (READ_AFTER, SCRATCH_MAIN.replace("RESULT", "r != 0.5 * in[n - 1] + out[0]")),
    "extern_fn": (EXTERN, SCRATCH_MAIN.replace("RESULT", "r != out[0]")),
    "extern_read": (EXTERN, EXTERN_MAIN),
    "address_taken": (POINTER, SCRATCH_MAIN.replace("RESULT", "r != out[0]")),
    "dead_work": (WORK, WORK_MAIN.replace("AFTER", "0")),
    "work_after": (WORK_AFTER, WORK_MAIN.replace("AFTER", "1")),
    "region_in_loop": (IN_LOOP, IN_LOOP_MAIN),
}


def _acc(src: str, engine, function: str) -> list[str]:
    src = "#include <stdlib.h>\n" + src
    text = apply_plans(src.encode(), offload_source(src.encode(), engine, path="k.c")).decode()
    body = text.split(f" {function}(int n")[1].split("\n}\n")[0]
    return [ln.strip() for ln in body.splitlines() if ln.strip().startswith("#pragma acc")]


def _dead(src: str) -> dict[str, set[str]]:
    return dead_parameters(parse_tree(src.encode(), "c").root_node)


def test_scratch_of_every_caller_is_created_not_copied_out(engine):
    assert _dead(SCRATCH) == {"blur": {"tmp"}}
    assert _acc(SCRATCH, engine, "blur")[0] == \
        "#pragma acc data copyin(in[0:n]) copyout(out[0:n]) create(tmp[0:n])"


def test_dead_through_a_chain_of_static_functions(engine):
    assert _dead(CHAIN) == {"twice": {"tmp"}, "blur": {"tmp"}}
    assert "create(tmp[0:n])" in _acc(CHAIN, engine, "blur")[0]


@pytest.mark.parametrize("src", [READ_AFTER, EXTERN, POINTER], ids=["read", "extern", "pointer"])
def test_live_parameters_keep_their_copy_out(engine, src):
    assert _dead(src) == {}
    assert _acc(src, engine, "blur")[0] == \
        "#pragma acc data copyin(in[0:n]) copyout(tmp[0:n], out[0:n])"


def test_work_replaced_each_step_needs_no_copy_in(engine):
    assert _dead(WORK) == {"iterate": {"work"}}
    assert _acc(WORK, engine, "iterate")[0] == "#pragma acc data copy(a[0:n]) create(work[0:n])"


def test_work_read_after_the_host_loop_is_copied_in(engine):
    """With no step, the loop after the time loop reads what the caller put there."""
    assert _dead(WORK_AFTER) == {"iterate": {"work"}}
    acc = _acc(WORK_AFTER, engine, "iterate")
    assert acc[0] == "#pragma acc data copyin(work[0:n]) copy(a[0:n])", acc


def test_a_call_in_a_loop_or_a_static_local_stays_live():
    """The next run of a call in a loop may read what this one left; a static local outlives
    its function's call; a parameter the caller assigns is not its callers' memory."""
    in_loop = SCRATCH.replace("    blur(n, in, tmp, out);",
                              "    for (int k = 0; k < 3; k++)\n        blur(n, in, tmp, out);")
    kept = SCRATCH.replace("double *tmp = malloc", "static double *tmp; tmp = malloc")
    assigned = CHAIN.replace("    blur(n, in, tmp, out);\n}", "    tmp = out;\n    blur(n, in, tmp, out);\n}")
    assert _dead(in_loop) == {} and _dead(kept) == {}
    assert _dead(assigned) == {}


def test_a_region_run_again_copies_back_what_it_copies_in(engine):
    acc = _acc(IN_LOOP, engine, "decay")
    assert acc[0] == "#pragma acc data copy(t[0:n], out[0:n])", acc


def test_every_call_seen_in_the_programs_files():
    """Given the program's other translation units, a function with external linkage has no
    caller but those: `blur`'s only call passes `run`'s scratch (dead); when the other file
    calls it too and reads the array after, it is live."""
    main = SCRATCH_MAIN.encode()
    assert dead_parameters(parse_tree(EXTERN.encode(), "c").root_node,
                           [parse_tree(main, "c").root_node]) == {"blur": {"tmp"}}
    assert dead_parameters(parse_tree(EXTERN.encode(), "c").root_node,
                           [parse_tree(EXTERN_MAIN.encode(), "c").root_node]) == {}


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: every plan verifies (the work programs run with
    0 and 2 steps); the dead arrays move nothing, the live ones are copied out.  The
    evaluation gives the plan the program's other file (main.c): every call is seen."""
    sized = {k: ("#include <stdlib.h>\n" + kernel, main.replace("NSIZE", str(N)))
             for k, (kernel, main) in PROGRAMS.items()}
    res = evaluate_dynamic(write_suite(tmp_path, sized), "analysis", runs=1, with_mutations=False,
                           offload=True)
    moved = verified_offload_bytes(res)
    vec = N * 8
    assert moved["dead_scratch"] == moved["dead_chain"] == moved["extern_fn"] == 2 * vec
    for name in ("read_after", "address_taken"):
        assert moved[name] == 3 * vec, (name, moved[name])  # and tmp comes back
    assert moved["extern_read"] == 2 * 3 * vec  # both calls copy tmp back
    assert moved["dead_work"] == 2 * 2 * vec  # a in and out, per call
    assert moved["work_after"] == 2 * 3 * vec  # and work in
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
