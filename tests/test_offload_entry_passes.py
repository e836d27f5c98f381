"""Single passes in ``main`` when no code of the program calls ``main`` (issue #15,
docs/offload.md item 15).

A function made of single passes only keeps them offloaded: a caller's region may hold their
data, and what earns their transfers is then outside the function.  ``main`` is called by the
host environment at program startup (C11 5.1.2.2.1); when the planner knows every file of the
program and none names ``main`` but its definition (no call, no pointer to it), no region
encloses ``main``'s body and nothing outside it can earn its transfers.  Its single passes are
then tried one by one like any other, and stay on the host when the function's transfers drop.

Program: ``smooth`` runs a stencil over two file-scope arrays in a time loop with a host
check each step (its own region: it cannot be hoisted); ``main`` then copies one array into
memory it allocates (a single pass), sorts the copy with ``qsort`` (host code) and takes the
maximum of the other array (a single pass).  Before, ``main`` offloaded both passes: the two
arrays copied in, the copy pulled for ``qsort`` and one array pushed back: 131,112 bytes, 65,544
more than the stencil's own; now ``main`` offloads nothing and the program moves 65,568.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_written, verified_offload_bytes, write_suite

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.plan import _uncalled
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """#include <stdlib.h>
#define N 4096
float input[N], output[N];
void verify(const float *ref, const float *out, float top, int n);

static void smooth(int steps)
{
    for (int t = 0; t < steps; t++) {
        for (int i = 1; i < N - 1; i++)
            output[i] = (input[i - 1] + input[i] + input[i + 1]) / 3.0f;
        for (int i = 1; i < N - 1; i++)
            input[i] = output[i];
        if (output[N / 2] < 0.0f)
            break;
    }
}

static int cmpf(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    for (int i = 0; i < N; i++)
        input[i] = output[i] = (float)((i * 37) % 101);
    smooth(8);
    float *ref = malloc(N * sizeof *ref);
    for (int i = 0; i < N; i++)
        ref[i] = input[i];
    qsort(ref, N, sizeof *ref, cmpf);
    float top = 0.0f;
    for (int i = 0; i < N; i++)
        top = output[i] > top ? output[i] : top;
    verify(ref, output, top, N);
    free(ref);
    return 0;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
static int cmp(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}
void verify(const float *ref, const float *out, float top, int n)
{
    float *in = malloc(n * sizeof *in), *o = malloc(n * sizeof *o), best = 0.0f;
    int bad = 0;
    for (int i = 0; i < n; i++) in[i] = o[i] = (float)((i * 37) % 101);
    for (int t = 0; t < 8; t++) {
        for (int i = 1; i < n - 1; i++) o[i] = (in[i - 1] + in[i] + in[i + 1]) / 3.0f;
        for (int i = 1; i < n - 1; i++) in[i] = o[i];
    }
    qsort(in, n, sizeof *in, cmp);
    for (int i = 0; i < n; i++) {
        bad += fabsf(ref[i] - in[i]) > 1e-4f || fabsf(out[i] - o[i]) > 1e-4f;
        best = o[i] > best ? o[i] : best;
    }
    bad += fabsf(top - best) > 1e-4f;
    free(in); free(o);
    puts(bad ? "BAD" : "OK");
}
"""


def test_single_passes_of_an_uncalled_main_stay_on_the_host(tmp_path):
    manifest = write_suite(tmp_path, {"entry": (KERNEL, MAIN)})
    folder = tmp_path / "programs" / "entry"
    text, plans = plan_written(folder, get_engine("analysis"), [MAIN.encode()])
    assert plans["main"].loops == [], plans["main"].notes
    assert any("one pass over its data" in n for n in plans["main"].notes), plans["main"].notes
    acc = acc_lines(text)
    assert not any("ref" in a for a in acc), acc
    assert "#pragma acc update self(output[N / 2:1])" in acc, acc
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    # the stencil's region only: both arrays in and out, one element pulled per step
    assert moved["entry"] == 4 * 4096 * 4 + 8 * 4, moved


def test_main_named_elsewhere_or_an_unknown_program_keeps_the_rule_off():
    def root(src: str):
        return parse_tree(src.encode(), "c").root_node

    main = root("int main(void) { return 0; }")
    assert _uncalled(main, [root("int f(void) { return 1; }")]) == {"main"}
    assert _uncalled(main, None) == frozenset()  # other files unknown: one may call it
    assert _uncalled(main, [root("int main(void); int f(void) { return main(); }")]) == \
        frozenset()
    assert _uncalled(root("int main(void) { int (*p)(void) = main; return p == 0; }"),
                     []) == frozenset()
