"""An array the host already holds current at the region's end needs no copy back (issue #15):
per step a device loop labels every point, the host reads all the labels (``update self`` of
the whole section) to bin them (by an update whose order matters, which no atomic update makes
parallel: tests/test_offload_atomic.py), and no device code writes the labels after that — so when
the region ends the host copy holds the device's last writes, and copying the labels back
would move the same values again.  The caller reads them after the call: they are live, and
still not copied out.  (The counts stay on the host: the loop zeroing them only generates data
that no device code reads, tests/test_offload_generators.py.)

Twins where the rule must not apply: a device loop relabels the points after the host read
(the device's last write is not on the host: ``lab`` copied out), or the host reads them only
every other step (the update inside the ``if`` may not run after the last write: copied out).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import re

import pytest
from _offload_util import region_line, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, K, STEPS = 96, 5, 4

BODY = """    int s = 0;
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            lab[i] = (x[i] + y[i] + s) % k;
        for (int c = 0; c < k; c++)
            count[c] = 0;
COUNT
        s = count[0] % 7 + t;
AFTER    }
"""
COUNT = """        for (int i = 0; i < n; i++)
            count[lab[i]] = 2 * count[lab[i]] + 1;
"""
EVERY_OTHER = """        if (t % 2 == 0) {
            for (int i = 0; i < n; i++)
                count[lab[i]] = 2 * count[lab[i]] + 1;
        }
"""
RELABEL = """        for (int i = 0; i < n; i++)
            lab[i] = k - 1 - lab[i];
"""
KERNEL = """
void bins(int n, int k, int steps, const int *restrict x,
          const int *restrict y, int *restrict lab, int *restrict count)
{
BODY}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void bins(int n, int k, int steps, const int *restrict x, const int *restrict y,
          int *restrict lab, int *restrict count);
int main(void)
{
    int n = NSIZE, k = KSIZE, steps = NSTEPS, bad = 0;
    int *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *lab = malloc(n * sizeof *lab), *rl = malloc(n * sizeof *rl);
    int *count = malloc(k * sizeof *count), *rc = malloc(k * sizeof *rc);
    for (int i = 0; i < n; i++) { x[i] = (i * 7) % 11; y[i] = i % 3; lab[i] = rl[i] = -1; }
    for (int c = 0; c < k; c++) count[c] = rc[c] = -1;
    bins(n, k, steps, x, y, lab, count);
    {
REF    }
    for (int i = 0; i < n; i++) bad += lab[i] != rl[i];
    for (int c = 0; c < k; c++) bad += count[c] != rc[c];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _variant(count: str = COUNT, after: str = "") -> tuple[str, str]:
    body = BODY.replace("COUNT\n", count).replace("AFTER", after)
    ref = body.replace("lab", "rl").replace("count", "rc")
    main = MAIN.replace("REF", ref).replace("NSIZE", str(N)).replace("KSIZE", str(K))
    return KERNEL.replace("BODY", body), main.replace("NSTEPS", str(STEPS))


VARIANTS = {"current": _variant(), "relabel": _variant(after=RELABEL),
            "every_other": _variant(count=EVERY_OTHER)}


def _clauses(name: str, engine) -> dict[str, str]:
    """Array -> its clause in the region the plan writes."""
    line = region_line(*VARIANTS[name], engine)
    return {a: c for c, items in re.findall(r"(\w+)\(([^()]*(?:\([^()]*\))?[^()]*)\)", line)
            for a in re.findall(r"(\w+)\[", items)}


def test_arrays_the_host_pulled_after_the_last_device_write_are_not_copied_back(engine):
    got = _clauses("current", engine)
    assert got["lab"] == "create", got
    assert got["x"] == got["y"] == "copyin", got
    # the loop zeroing the counts only generates data that no device code reads (the host
    # counts): it stays on the host, and the counts never go to the device
    # (tests/test_offload_generators.py)
    assert "count" not in got, got


@pytest.mark.parametrize("name,array", [("relabel", "lab"), ("every_other", "lab")])
def test_a_device_write_after_the_pull_or_a_pull_that_may_not_run_copies_back(name, array,
                                                                              engine):
    got = _clauses(name, engine)
    assert got[array] in ("copy", "copyout"), got


def test_the_programs_verify_in_the_emulator(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, VARIANTS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # x and y in once; per step the labels pulled; nothing copied out (the counts stay on the
    # host with the loop zeroing them)
    assert moved["current"] == 2 * N * 4 + STEPS * N * 4, moved
    # the twins also copy the labels back (and in: no loop replaces them before every read
    # while the region copies them back)
    assert moved["relabel"] > moved["current"] + N * 4, moved
    assert moved["every_other"] > N * 4 + 2 * N * 4, moved
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
