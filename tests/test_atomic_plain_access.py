"""An ``atomic update`` makes the updates of one element by several iterations safe, and only
them (OpenACC 3.3, 2.12): an access of the same array outside an atomic construct — a plain
read of the bins beside ``hist[b]++`` (a running count, ``seen[i] = hist[b]``), a plain write —
sees or leaves values that depend on the order of the iterations.  The analysis exempted an
atomic indirect update whatever else the loop did with the array, so a user's atomic with a
plain read of the bins was declared parallel.  Now the exemption holds only where every access
of the array in the loop is under ``atomic``, and only for a commutative update.  The control:
that running count with a parallel pragma and the atomic fails in the data-environment
emulator (built with gcc -fopenacc; reversed and scrambled iteration orders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import write_suite

from accellium.dataset.analysis import analyze
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void running(int n, int nb, const int *key, int *hist, int *seen)
{
    for (int i = 0; i < n; i++) {
        int b = key[i] % nb;
        hist[b]++;
        seen[i] = hist[b];
    }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void running(int n, int nb, const int *key, int *hist, int *seen);
int main(void)
{
    int n = 200000, nb = 32, bad = 0;
    int *key = malloc(n * sizeof *key), *seen = malloc(n * sizeof *seen);
    int *hist = calloc(nb, sizeof *hist), *ref = calloc(nb, sizeof *ref);
    unsigned s = 7;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        key[i] = (int)(s >> 8);
    }
    running(n, nb, key, hist, seen);
    for (int i = 0; i < n; i++) {
        int b = key[i] % nb;
        ref[b]++;
        bad += seen[i] != ref[b];
    }
    for (int b = 0; b < nb; b++) bad += hist[b] != ref[b];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


@pytest.mark.parametrize(("other", "safe"), [
    ("", True),
    ("        #pragma acc atomic update\n        h[k[i] + 1] += 2;\n", True),
    ("        s[i] = h[b];\n", False),  # a plain read of the bins: a running count
    ("        h[i] = 0;\n", False),  # a plain write of them
])
def test_an_atomic_update_exempts_only_an_array_every_access_of_which_is_atomic(other, safe):
    code = ("for (int i = 0; i < n; i++) {\n        int b = k[i];\n"
            "        #pragma acc atomic update\n        h[b]++;\n" + other + "    }")
    facts = analyze(code)
    assert facts.safe is safe, facts.carried
    if not safe:
        assert any(d.var == "h" and "outside the atomic update" in d.message
                   for d in facts.carried), facts.carried


def test_a_running_count_beside_an_atomic_update_fails_in_parallel(tmp_path: Path):
    # control for the new dependence: a user's atomic update and a parallel pragma on the
    # running count give counts in the iterations' order, not the program's
    at = KERNEL.index("    for")
    racy = KERNEL[:at] + "    #pragma acc parallel loop copyin(key[0:n]) " \
        "copy(hist[0:nb]) copyout(seen[0:n])\n" + KERNEL[at:]
    racy = racy.replace("        hist[b]++;\n        seen[i]",
                        "        #pragma acc atomic update\n        hist[b]++;\n        seen[i]")
    assert _status(tmp_path, racy) != "verified"


def _status(tmp_path: Path, kernel: str) -> str:
    manifest = write_suite(tmp_path, {"as_written": (kernel, MAIN)})
    res = evaluate_dynamic(manifest, None, threads=4, runs=3, with_mutations=False)
    row = res["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]  # the program itself is right
    return row["original"]["status"]
