"""Per-loop sections of boundary accesses under a truth test or an index-plus-constant guard
(issue #15's single-file probe, the per-loop engine).

``if (i) bad += v[i - 1] > v[i];`` reads ``v[i - 1]`` only where ``i`` is not 0 (a scalar
condition holds when it compares unequal to 0, C11 6.8.4.1p2), and ``(i + 1 < n) ? v[i + 1] :
v[i]`` reads ``v[i + 1]`` only where ``i < n - 1``.  The sections used to ignore both guards:
``copyin(v[-1:n+1])`` and ``copyin(v[0:n+1])``, one element outside the heap block each (the
emulator's bounds check fails them: a GPU runtime would copy memory the program does not own).
Now the guards narrow the index (:mod:`accellium.dataset.offload.guards`), and a union of
spans whose starts cannot be ordered but are all at least 0 starts at 0 (element 0 lies
between the pointer and an element the program reaches: the same array object, C11 6.5.6p8).

Twin: the same loops without the guards, reading only in-bounds elements — sections as before.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_verified

KERNEL = """int sorted_pairs(int n, const int *v)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        GUARD_ONE
    }
    return bad;
}
void forward(int n, const int *v, int *w)
{
    for (int i = 0; i < n; i++)
        GUARD_TWO
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
int sorted_pairs(int n, const int *v);
void forward(int n, const int *v, int *w);
int main(void)
{
    int n = 5000;
    int *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
    for (int i = 0; i < n; i++) v[i] = 3 * i;
    int bad = sorted_pairs(n, v) != EXPECT;
    forward(n, v, w);
    for (int i = 0; i < n; i++) bad += w[i] != WANT;
    puts(bad ? "BAD" : "OK");
    free(v); free(w);
    return 0;
}
"""
GUARDED = {"GUARD_ONE": "if (i) bad += v[i - 1] > v[i];",
           "GUARD_TWO": "w[i] = (i + 1 < n) ? v[i + 1] : v[i];",
           "EXPECT": "0", "WANT": "3 * (i + 1 < n ? i + 1 : i)"}
PLAIN = {"GUARD_ONE": "bad += v[i] < 0;",
         "GUARD_TWO": "w[i] = v[i];",
         "EXPECT": "0", "WANT": "3 * i"}


def _program(words: dict[str, str]) -> tuple[str, str]:
    kernel, main = KERNEL, MAIN
    for k, v in words.items():
        kernel, main = kernel.replace(k, v), main.replace(k, v)
    return kernel, main


def _pragmas(row: dict) -> list[str]:
    return [p["pragma"] for p in row["engine"]["pragmas"]]


def test_guarded_boundary_reads_stay_inside_the_array(tmp_path):
    rows = run_verified(tmp_path, {"guarded": _program(GUARDED)}, variants=("engine",))
    got = _pragmas(rows["guarded"])
    assert any("copyin(v[0:n])" in p and "reduction(+:bad)" in p for p in got), got
    assert any("copyin(v[0:n])" in p and "copyout(w[0:n])" in p for p in got), got
    assert not any("v[-1" in p or "n+1" in p for p in got), got


def test_twin_unguarded_in_bounds_reads(tmp_path):
    rows = run_verified(tmp_path, {"plain": _program(PLAIN)}, variants=("engine",))
    got = _pragmas(rows["plain"])
    assert any("copyin(v[0:n])" in p and "copyout(w[0:n])" in p for p in got), got
