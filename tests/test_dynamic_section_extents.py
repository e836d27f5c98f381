"""Two sections the emulation's runtime could not take (found by probing the instrument):

* **An array of unknown size** (``extern double E[];`` in the file, defined in another): the
  translation measured every array a construct uses with ``sizeof``, which an incomplete type
  does not allow (C11 6.5.3.4p1), so the authors' ``copy(E[0:n])`` failed to build ("invalid
  application of 'sizeof' to incomplete type") while gcc builds it.  Now such an array is
  found from its address and its section is not checked against a size nobody knows.
* **A section of negative length** (``copyout(b[1:n-2])`` with ``n`` 1: the loop runs no
  iteration, the length converts to a huge ``size_t``): the runtime crashed (a segmentation
  fault, reported as stale data).  Now it fails as ``bounds`` with the section named, as a GPU
  runtime would try to map that many bytes.
* **A C++ ``double *__restrict`` parameter**: the runtime's pointer test (``std::is_pointer``
  of the type without cv-qualifiers) does not see through ``__restrict``, so the pointer was
  taken for an 8-byte array and every column failed as ``bounds``.  Now the type's class
  decides.
"""

from __future__ import annotations

from _offload_util import write_programs, write_suite

from accellium.evaluation.dynamic.manifest import load_manifest
from accellium.evaluation.dynamic.variants import RunConfig, run_variant

UNSIZED = """extern double E[];
void bump(int n)
{
    #pragma acc parallel loop copy(E[0:n])
    for (int i = 0; i < n; i++)
        E[i] = E[i] + 5.0;
}
"""
UNSIZED_MAIN = """#include <stdio.h>
double E[100];
void bump(int n);
int main(void)
{
    for (int i = 0; i < 100; i++) E[i] = i;
    bump(60);
    for (int i = 0; i < 100; i++)
        if (E[i] != i + (i < 60 ? 5.0 : 0.0)) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""
INTERIOR = """void interior(int n, double *restrict b, const double *restrict a)
{
    #pragma acc parallel loop copyin(a[0:n]) copyout(b[1:n-2])
    for (int i = 1; i < n - 1; i++)
        b[i] = 0.5 * (a[i - 1] + a[i + 1]);
}
"""
INTERIOR_MAIN = """#include <stdio.h>
void interior(int n, double *restrict b, const double *restrict a);
int main(void)
{
    double a[1] = {2.0}, b[1] = {7.0};
    interior(1, b, a);
    puts(b[0] == 7.0 ? "OK" : "BAD");
    return 0;
}
"""


def _run(tmp_path, name: str, kernel: str, main: str):
    folder, progs = load_manifest(write_suite(tmp_path / "suite", {name: (kernel, main)}))
    return run_variant("original", progs[0], folder / "programs" / name, tmp_path / "w", {},
                       RunConfig(threads=2, runs=1))


def test_an_array_of_unknown_size_is_mapped_through_its_section(tmp_path):
    got = _run(tmp_path, "unsized", UNSIZED, UNSIZED_MAIN)
    assert got.status == "verified", (got.status, got.reason)


def test_a_negative_section_length_fails_as_bounds(tmp_path):
    got = _run(tmp_path, "interior", INTERIOR, INTERIOR_MAIN)
    assert got.status == "bounds", (got.status, got.reason)
    assert "b[1:n-2]" in got.reason and "negative length" in got.reason, got.reason


RESTRICT = """void scale(int n, double *__restrict a)
{
    #pragma acc parallel loop copy(a[0:n])
    for (int i = 0; i < n; i++)
        a[i] = a[i] * 2.0;
}
"""
RESTRICT_MAIN = """#include <cstdio>
void scale(int n, double *__restrict a);
int main()
{
    static double a[300];
    for (int i = 0; i < 300; i++) a[i] = i;
    scale(300, a);
    for (int i = 0; i < 300; i++)
        if (a[i] != 2.0 * i) { std::puts("BAD"); return 1; }
    std::puts("OK");
    return 0;
}
"""


def test_a_restrict_pointer_in_cxx_is_a_pointer(tmp_path):
    folder, progs = load_manifest(write_programs(
        tmp_path / "suite", {"restrict": ({"k.cpp": RESTRICT, "main.cpp": RESTRICT_MAIN},
                                          ["k.cpp"])}))
    got = run_variant("original", progs[0], folder / "programs" / "restrict", tmp_path / "w",
                      {}, RunConfig(threads=2, runs=1))
    assert got.status == "verified", (got.status, got.reason)
