"""An ``update`` whose section can be empty at run time gets ``if(length > 0)`` (issue #15).

A right-looking factorisation pulls the prefix of row ``j`` (``A[N*j:j]``) before the host
works on it; on the first step the prefix has no element.  OpenACC gives an update of nothing
and an update whose ``if`` is false the same effect (no data moves, OpenACC 3.3, 2.14.4), but
gcc's libgomp aborts on the first: "GOACC_update UNHANDLED kind 0x0f" (the zero-length array
section map kind), seen running the plan on an NVIDIA GPU.  So a length the planner cannot
show positive — neither a number nor a length of the region's own section of the array (an
array's extent: an array with elements has them) — guards its update.

Since the sections of one host statement are joined where they overlap or meet
(docs/offload.md item 5), this program's prefix is pulled with the diagonal element after it,
``A[N*j:j+1]``, which is never empty: no guard.  Whole program, built with real gcc and run in
the data-environment emulator; the test also checks the guard's text on lengths that need
one and on lengths that need none."""

from __future__ import annotations

from _offload_util import acc_lines, plan_written, verified_offload_bytes, write_suite

from accellium.dataset.offload import poly
from accellium.dataset.offload.assemble import nonempty_guard
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines import get_engine

KERNEL = """#include <math.h>
#define N 96
void factor(double *A)
{
    for (int j = 0; j < N; j++) {
        for (int k = 0; k < j; k++)
            A[j * N + j] -= A[j * N + k] * A[j * N + k];
        A[j * N + j] = sqrt(A[j * N + j]);
        for (int i = j + 1; i < N; i++) {
            for (int k = 0; k < j; k++)
                A[i * N + j] -= A[i * N + k] * A[j * N + k];
            A[i * N + j] /= A[j * N + j];
        }
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N 96
void factor(double *A);
int main(void)
{
    double *A = malloc(N * N * sizeof *A), *R = malloc(N * N * sizeof *R);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            A[i * N + j] = R[i * N + j] = (i == j) ? N + 1.0 : 1.0 / (1 + i + j);
    factor(A);
    for (int j = 0; j < N; j++) {
        for (int k = 0; k < j; k++) R[j * N + j] -= R[j * N + k] * R[j * N + k];
        R[j * N + j] = sqrt(R[j * N + j]);
        for (int i = j + 1; i < N; i++) {
            for (int k = 0; k < j; k++) R[i * N + j] -= R[i * N + k] * R[j * N + k];
            R[i * N + j] /= R[j * N + j];
        }
    }
    int bad = 0;
    for (int i = 0; i < N * N; i++)
        bad += fabs(A[i] - R[i]) > 1e-9;
    puts(bad ? "BAD" : "OK");
    free(A); free(R);
    return 0;
}
"""


def test_an_update_of_a_prefix_that_starts_empty_is_guarded_and_verifies(tmp_path):
    manifest = write_suite(tmp_path, {"prefix": (KERNEL, MAIN)})
    folder = tmp_path / "programs" / "prefix"
    text, _ = plan_written(folder, get_engine("analysis"), [MAIN.encode()])
    acc = acc_lines(text)
    ups = [a for a in acc if a.startswith("#pragma acc update")]
    # the prefix and the diagonal element the host reads after it are one section
    # (flow._joined): `A[N*j:j+1]` is never empty, so no update needs the guard
    assert "#pragma acc update self(A[N*j:j+1])" in ups, acc
    assert all(" if(" not in a for a in ups), ups
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    assert verified_offload_bytes(res)["prefix"] > 0


def test_the_guard_names_only_lengths_that_can_be_zero():
    def sub(a: str, b: str, c: int = 0):
        return poly.sub(poly.sub(poly.var(a), poly.const(c)), poly.var(b))

    j, k = frozenset({"j"}), frozenset({"k"})
    assert nonempty_guard("a[N*j:j]", j) == " if(j > 0)"
    assert nonempty_guard("a[N*j:j+1]", j) == ""  # at least 1 whatever j >= 0
    # inside for (...; j < n; ...) a prefix of j elements may still be empty
    assert nonempty_guard("a[n*j:j]", j, [sub("n", "j")]) == " if(j > 0)"
    # inside for (...; k < n - 1; ...): n - k >= 2
    assert nonempty_guard("p[k:n-k]", k, [sub("n", "k", 1)]) == ""
    assert nonempty_guard("p[k:n-k]", k) == " if((n-k) > 0)"
    assert nonempty_guard("A[i:1][0:m-i]", frozenset({"i"})) == " if((m-i) > 0)"
    # lengths of sizes only, or no loop around: every loop of the region runs at least once
    assert nonempty_guard("w[1:m-1]", j) == ""
    assert nonempty_guard("a[N*j:j]") == ""
    assert nonempty_guard("t[0:3][0:3]", j) == ""
    # a subscript holding brackets is not split: no guess
    assert nonempty_guard("a[idx[j]:n-j]", j) == ""
