"""A single pass over memory the function's own host code fills stays on the host, whatever
calls it; a pull in a host loop of the region is followed by a push of the host's writes
(issue #15).

``refine`` fills a buffer it allocates with a `while` loop (host code), then one `for` loop
compares it with the caller's arrays element by element: O(1) work per element (a single
pass, docs/offload.md, "Single passes").  Offloaded, every call copied the buffer in and the caller's
arrays in and out -- no region of a caller can spare that: the memory is new at each call
(C11 7.22.3) and the host wrote it in that call (OpenACC 3.3, 2.6: the copies differ until a
transfer).  The old rule kept a function's single passes when no other work of it stayed on
the device ("what earns the transfers is outside the function"); the planner now leaves
them on the host when their data must cross on every run of the region: memory the
function owns (allocated in it, or a true array declared in its body) that the region copies
in or out, or updates, for the function's own host code.
Twin: the same pass over the caller's arrays only keeps the device.

``drive`` writes an array on the device, then in a time loop passes it to a host function
that writes one element, with no device code reading it after: the ``update self`` before
the call runs again on the next step, after the host's write, and brought the device's old
copy over it.  The write is now pushed (``update device``) after the call.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

OWN = """#include <stdlib.h>

int refine(int n, int x, const float *c, float *rc, int *ra)
{
    float *xc = malloc(n * sizeof *xc);
    int k = 0;
    while (k < n) {
        xc[k] = (c[k] - c[x]) * (c[k] - c[x]);
        k++;
    }
    for (int i = 0; i < n; i++)
        if (xc[i] < rc[i]) {
            rc[i] = xc[i];
            ra[i] = x;
        }
    int first = ra[0];
    free(xc);
    return first;
}
"""
TWIN = """int refine(int n, int x, const float *xc, float *rc, int *ra)
{
    for (int i = 0; i < n; i++)
        if (xc[i] < rc[i]) {
            rc[i] = xc[i];
            ra[i] = x;
        }
    return ra[0];
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
int refine(int n, int x, const float *c, float *rc, int *ra);
int main(void) {
  int n = 2000, bad = 0;
  float *c = malloc(n * sizeof *c), *rc = malloc(n * sizeof *rc), *ref = malloc(n * sizeof *ref);
  float *xc = malloc(n * sizeof *xc);
  int *ra = malloc(n * sizeof *ra), *rra = malloc(n * sizeof *rra);
  long sum = 0;
  for (int i = 0; i < n; i++) {
    c[i] = (float)((i * 37) % 101) / 7.0f;
    rc[i] = ref[i] = 1e30f;
    ra[i] = rra[i] = -1;
  }
  for (int s = 0; s < 40; s++) {
    int x = (s * 53) % n;
    for (int i = 0; i < n; i++) xc[i] = (c[i] - c[x]) * (c[i] - c[x]);
    sum += refine(n, x, ARG, rc, ra);
    for (int i = 0; i < n; i++)
      if (xc[i] < ref[i]) ref[i] = xc[i], rra[i] = x;
  }
  for (int i = 0; i < n; i++) bad += rc[i] != ref[i] || ra[i] != rra[i];
  (void)sum;
  puts(bad ? "BAD" : "OK");
  return 0;
}
"""
DRIVE = """#include <stdlib.h>

static int touch(int n, int k, int *t, const float *w)
{
    int r = 0, i = 0;
    while (i < n) {
        r += t[i] + (int)w[i];
        i++;
    }
    t[k] = k + 1;
    return r;
}

long drive(int n, int steps, const float *w, double *total)
{
    int *t = malloc(n * sizeof *t);
    float *v = malloc(n * sizeof *v);
    for (int i = 0; i < n; i++) {
        t[i] = 0;
        v[i] = w[i] * 2.0f;
    }
    long acc = 0;
    double s = 0.0;
    for (int p = 0; p < steps; p++) {
        for (int j = 0; j < 3; j++)
            acc += touch(n, p * 3 + j, t, w);
        s = 0.0;
        for (int i = 0; i < n; i++)
            s += v[i];
    }
    *total = s;
    free(t);
    free(v);
    return acc;
}
"""
DRIVE_MAIN = """#include <stdio.h>
#include <stdlib.h>
long drive(int n, int steps, const float *w, double *total);
int main(void) {
  int n = 3000;
  float *w = malloc(n * sizeof *w);
  int *t = calloc(n, sizeof *t);
  for (int i = 0; i < n; i++) w[i] = (float)(i % 5);
  double total = 0.0, s = 0.0;
  long acc = drive(n, 4, w, &total), want = 0;
  for (int p = 0; p < 4; p++)
    for (int j = 0; j < 3; j++) {
      int k = p * 3 + j;
      for (int i = 0; i < n; i++) want += t[i] + (int)w[i];
      t[k] = k + 1;
    }
  for (int i = 0; i < n; i++) s += w[i] * 2.0f;
  puts(acc == want && total == s ? "OK" : "BAD");
  return 0;
}
"""


def test_a_single_pass_over_the_functions_own_memory_stays_on_the_host(tmp_path, engine):
    text, plans = plan_text(OWN, engine)
    assert plans["refine"].loops == [], plans["refine"].notes
    assert plans["refine"].notes[0].startswith("`refine` stays on the host"), \
        plans["refine"].notes
    assert not acc_lines(text), text
    twin, tplans = plan_text(TWIN, engine)
    assert [x["line"] for x in tplans["refine"].loops] == [3], tplans["refine"].notes
    res = evaluate_dynamic(write_suite(tmp_path, {
        "own": (OWN, MAIN.replace("ARG", "c")),
        "twin": (TWIN, MAIN.replace("ARG", "xc"))}),
        "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert moved["own"] == 0, moved  # before: 40 calls x (xc in, rc and ra in and out)
    assert moved["twin"] > 0, moved


def test_a_pull_in_a_host_loop_does_not_overwrite_the_hosts_writes(tmp_path, engine):
    text, plans = plan_text(DRIVE, engine)
    assert [x["line"] for x in plans["drive"].loops] == [18, 28], plans["drive"].notes
    acc = acc_lines(text)
    assert "#pragma acc update self(t[0:n])" in acc, acc
    assert "#pragma acc update device(t[0:n])" in acc, acc
    res = evaluate_dynamic(write_suite(tmp_path, {"drive": (DRIVE, DRIVE_MAIN)}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    verified_offload_bytes(res)
