"""The offload plan writes ``#pragma acc atomic update`` where a loop's only conflicts are
updates of elements at computed subscripts (:mod:`accellium.dataset.offload.atomics`): a
histogram (``hist[b]++``, ``sum[b] += w[i]``), the counts and sums of a clustering step
(``len[m] = len[m] + 1``, ``c[m * d + j] += x[i * d + j]`` in an inner loop).  Before, such
loops stayed on the host ("two iterations may update the same element").

The analysis decides: the loop is asked again with the lines in place, and an atomic update
exempts a conflict only where every access of that array in the loop is atomic
(tests/test_atomic_plain_access.py): the running count (``seen[i] = hist[b]``) stays on the
host.  Whole programs, built with gcc -fopenacc and run in the data-environment emulator: the
plans verify; the same plans without their atomic lines fail (reversed and scrambled
orders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import acc_lines, plan_text, run_verified, write_suite

from accellium.dataset.lines import LineIndex
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.atomics import ATOMIC_LINE, atomic_updates
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """void count(int n, int nb, const int *key, const double *w, int *hist, double *sum)
{
    for (int i = 0; i < n; i++) {
        int b = key[i] % nb;
        hist[b]++;
        sum[b] += w[i];
    }
}

void centers(int n, int k, int d, const double *x, const int *member, double *c, int *len)
{
    for (int i = 0; i < n; i++) {
        int m = member[i];
        len[m] = len[m] + 1;
        for (int j = 0; j < d; j++)
            c[m * d + j] += x[i * d + j];
    }
}

void running(int n, int nb, const int *key, int *hist, int *seen)
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
void count(int n, int nb, const int *key, const double *w, int *hist, double *sum);
void centers(int n, int k, int d, const double *x, const int *member, double *c, int *len);
void running(int n, int nb, const int *key, int *hist, int *seen);
int main(void)
{
    int n = 50000, nb = 32, k = 8, d = 4, bad = 0;
    int *key = malloc(n * sizeof *key), *member = malloc(n * sizeof *member);
    double *w = malloc(n * sizeof *w), *x = malloc(n * d * sizeof *x);
    int *hist = calloc(nb, sizeof *hist), *rh = calloc(nb, sizeof *rh);
    double *sum = calloc(nb, sizeof *sum), *rs = calloc(nb, sizeof *rs);
    double *c = calloc(k * d, sizeof *c), *rc = calloc(k * d, sizeof *rc);
    int *len = calloc(k, sizeof *len), *rl = calloc(k, sizeof *rl);
    int *h2 = calloc(nb, sizeof *h2), *seen = malloc(n * sizeof *seen);
    unsigned s = 7;
    for (int i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        key[i] = (int)(s >> 8);
        member[i] = (int)((s >> 4) % k);
        w[i] = (s >> 20) % 16;
        for (int j = 0; j < d; j++) x[i * d + j] = (i + j) % 8;
    }
    count(n, nb, key, w, hist, sum);
    centers(n, k, d, x, member, c, len);
    running(n, nb, key, h2, seen);
    for (int i = 0; i < n; i++) {
        int b = key[i] % nb;
        rh[b]++; rs[b] += w[i];
        bad += seen[i] != rh[b];
        rl[member[i]]++;
        for (int j = 0; j < d; j++) rc[member[i] * d + j] += x[i * d + j];
    }
    for (int b = 0; b < nb; b++) bad += hist[b] != rh[b] || sum[b] != rs[b] || h2[b] != rh[b];
    for (int m = 0; m < k; m++) bad += len[m] != rl[m];
    for (int q = 0; q < k * d; q++) bad += c[q] != rc[q];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _candidates(body: str) -> list[str]:
    src = "void f(int n, int *h, const int *k, double *s, const double *w)\n{\n" \
        "    for (int i = 0; i < n; i++) {\n        int b = k[i];\n" + body + "    }\n}\n"
    raw = src.encode()
    root = parse_tree(raw, "c").root_node
    loop = next(n for n in _walk(root) if n.type == "for_statement")
    return [s.text.decode() for s in atomic_updates(loop, LineIndex(raw), {"i"})]


def _walk(node):
    yield node
    for c in node.children:
        yield from _walk(c)


@pytest.mark.parametrize(("body", "found"), [
    ("        h[b]++;\n", ["h[b]++;"]),
    ("        ++h[k[i]];\n", ["++h[k[i]];"]),
    ("        s[b] += w[i];\n", ["s[b] += w[i];"]),
    ("        h[b] = h[b] + 2;\n", ["h[b] = h[b] + 2;"]),
    ("        h[b] = 2 * h[b];\n", ["h[b] = 2 * h[b];"]),
    ("        if (b > 0)\n            h[b]++;\n", ["h[b]++;"]),  # an `if`'s body
    ("        h[i]++;\n", []),  # the loop's own element: no conflict an atomic removes
    ("        h[2 * i + 1] += 1;\n", []),  # one-to-one in i
    ("        h[i % 7]++;\n", ["h[i % 7]++;"]),  # many values of i fold onto one element
    ("        s[i / 10] += w[i];\n", ["s[i / 10] += w[i];"]),
    ("        h[b] = 5;\n", []),  # a store, not an update
    ("        h[b] = 1 - h[b];\n", []),  # the order of the updates matters
    ("        s[b] /= w[i];\n", []),
    ("        h[b] += h[0];\n", []),  # e reads x's array
    ("        if (b > 0) h[b]++;\n", []),  # no line between the `if` and its statement
    ("        #pragma acc atomic update\n        h[b]++;\n", []),  # one already
])
def test_the_update_forms(body, found):
    assert _candidates(body) == found


def test_the_plan_writes_the_atomic_lines_above_the_updates():
    text, plans = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    lines = [ln.strip() for ln in text.splitlines()]
    for stmt in ("hist[b]++;", "sum[b] += w[i];", "len[m] = len[m] + 1;",
                 "c[m * d + j] += x[i * d + j];"):
        assert lines[lines.index(stmt) - 1] == ATOMIC_LINE, text
    assert plans["count"].edits and plans["centers"].edits
    # the running count reads the bins: its loop stays on the host, no line written in it
    running = text[text.index("void running"):]
    assert not acc_lines(running), running
    assert any("outside the atomic update" in h["why"] or "depend" in h["why"]
               for h in plans["running"].host_loops), plans["running"].host_loops


def test_the_plans_verify(tmp_path: Path):
    rows = run_verified(tmp_path, {"bins": (KERNEL, MAIN)})
    assert rows["bins"]["offload"]["status"] == "verified"


def _verify(tmp_path: Path, kernel: str) -> str:
    manifest = write_suite(tmp_path, {"as_written": (kernel, MAIN)})
    res = evaluate_dynamic(manifest, None, threads=4, runs=3, with_mutations=False)
    return res["programs"][0]["original"]["status"]


def test_the_plan_without_its_atomic_lines_fails(tmp_path: Path):
    text, _ = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    assert _verify(tmp_path / "with", text) == "verified"
    without = "".join(ln for ln in text.splitlines(keepends=True)
                      if ln.strip() != ATOMIC_LINE)
    assert _verify(tmp_path / "without", without) != "verified"


# bins folded from the index (``x % nb``): a validation-suite pattern
FOLD = """void fold(int n, int nb, const int *a, int *totals)
{
    for (int x = 0; x < n; ++x) {
        totals[x % nb] += a[x] & 7;
    }
}
"""
FOLD_MAIN = """#include <stdio.h>
#include <stdlib.h>
void fold(int n, int nb, const int *a, int *totals);
int main(void)
{
    int n = 200000, nb = 7, bad = 0;
    int *a = malloc(n * sizeof *a), *t = calloc(nb, sizeof *t), *r = calloc(nb, sizeof *r);
    for (int x = 0; x < n; x++) a[x] = (x * 37) % 101;
    fold(n, nb, a, t);
    for (int x = 0; x < n; x++) r[x % nb] += a[x] & 7;
    for (int b = 0; b < nb; b++) bad += t[b] != r[b];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_bins_folded_from_the_index_get_the_atomic_and_verify(tmp_path: Path):
    text, _ = plan_text(FOLD, get_engine("analysis"), program=[FOLD_MAIN.encode()])
    lines = [ln.strip() for ln in text.splitlines()]
    assert lines[lines.index("totals[x % nb] += a[x] & 7;") - 1] == ATOMIC_LINE, text
    assert "#pragma acc parallel loop copyin(a[0:n]) copy(totals[0:nb])" in lines, text
    rows = run_verified(tmp_path / "plan", {"fold": (FOLD, FOLD_MAIN)})
    assert rows["fold"]["offload"]["status"] == "verified"
    without = "".join(ln for ln in text.splitlines(keepends=True) if ln.strip() != ATOMIC_LINE)
    manifest = write_suite(tmp_path / "naive", {"fold": (without, FOLD_MAIN)})
    res = evaluate_dynamic(manifest, None, threads=4, runs=3, with_mutations=False)
    assert res["programs"][0]["original"]["status"] != "verified", res["programs"][0]
