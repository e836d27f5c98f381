"""C++'s ``new T[n]`` and ``delete[] p`` are the allocation and the free of an array, as
``malloc`` and ``free`` are in C (issue #15, :func:`accellium.dataset.offload.shapes.new_array`).

``new T[n]`` creates an array object of ``n`` elements that no other name reaches
([expr.new]); for a scalar ``T`` its elements are indeterminate unless ``()`` or ``{}``
value-initialises them to zero ([dcl.init]); ``delete[] p`` ends it ([expr.delete]).  The
planner knew only ``malloc``/``calloc``/``free``: the C++ function below, which allocates two
arrays, runs a time loop over them and frees them, copied both to the device and back
(``enter data copyin(b) create(a)``, ``exit data copyout(a, b)``: the sections from the loop
bounds, the arrays' values live before and after as far as it could tell).  Now its plan is the
C function's with ``malloc``/``free``, byte for byte: ``create`` and ``delete``, nothing moved
but the reduction's scalar.  ``new double[n]()`` is zero where ``calloc``'s memory is, and a
loop that adds to it before writing it gets its zeros copied in, as for ``calloc``.

Whole programs, built with real g++ (and gcc for the C twin) and run in the data-environment
emulator, which translates C++ as it does C."""

from __future__ import annotations

from _offload_util import acc_lines, clauses_of, plan_text, run_programs

from accellium.server.engines import get_engine

N = 100_000

CXX = """#include <cstdio>
static double work(int n, int steps)
{
    double *a = ALLOC_A;
    double *b = new double[n];
    for (int i = 0; i < n; i++)
        a[i] INIT 0.001 * i;
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            b[i] = 0.5 * a[i] + 1.0;
        for (int i = 0; i < n; i++)
            a[i] = b[i] - 0.25;
    }
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += a[i];
    delete[] a;
    delete[] b;
    return sum;
}
int main()
{
    double got = work(NSIZE, 10), want = 0.0;
    for (int i = 0; i < NSIZE; i++) {
        double a = 0.001 * i, b = 0.0;
        for (int s = 0; s < 10; s++) {
            b = 0.5 * a + 1.0;
            a = b - 0.25;
        }
        want += a;
    }
    std::puts(got > want - 1e-6 * want && got < want + 1e-6 * want ? "OK" : "BAD");
    return 0;
}
""".replace("NSIZE", str(N))

#: the same program in C: malloc and free
C = (CXX.replace("#include <cstdio>", "#include <stdio.h>\n#include <stdlib.h>")
     .replace("ALLOC_A", "malloc(n * sizeof(double))")
     .replace("new double[n]", "malloc(n * sizeof(double))")
     .replace("delete[] a;", "free(a);").replace("delete[] b;", "free(b);")
     .replace("std::puts", "puts").replace("INIT", "="))

PROGRAMS = {
    # name -> (file, source)
    "cxx_new": ("prog.cpp", CXX.replace("ALLOC_A", "new double[n]").replace("INIT", "=")),
    "c_malloc": ("prog.c", C),
    # zeroed by `()`: the first loop adds to the zeros
    "cxx_new_zero": ("prog.cpp", CXX.replace("ALLOC_A", "new double[n]()")
                     .replace("INIT", "+=")),
}


def _plan(name: str) -> str:
    file, src = PROGRAMS[name]
    return plan_text(src, get_engine("analysis"), path=file)[0]


def _line(name: str, directive: str) -> dict[str, str]:
    return clauses_of(next(a for a in acc_lines(_plan(name))
                           if a.startswith(f"#pragma acc {directive}")))


def test_new_and_delete_are_the_arrays_allocation_and_free():
    assert _line("cxx_new", "enter data") == {"a": "create", "b": "create"}
    assert _line("cxx_new", "exit data") == {"a": "delete", "b": "delete"}
    # the C++ plan is the C plan: only the allocation's spelling differs
    assert acc_lines(_plan("cxx_new")) == acc_lines(_plan("c_malloc"))


def test_value_initialised_new_is_zero_and_its_zeros_are_copied_in():
    assert _line("cxx_new_zero", "enter data") == {"a": "copyin", "b": "create"}


def _section_from(src: str) -> dict[str, str]:
    """Where the plan of ``src``'s ``work`` took each array's section from."""
    _, plans = plan_text(src, get_engine("analysis"), path="p.cpp")
    return {a["name"]: a["from"] for a in plans["work"].arrays}


def test_placement_new_or_an_initialiser_list_is_no_fresh_array():
    assert _section_from(PROGRAMS["cxx_new"][1]) == {"a": "allocation", "b": "allocation"}
    # memory the program already had (a placement), or elements an initialiser gives: not an
    # allocation's fresh array (the section comes from the loops, as before)
    for alloc in ("new (buf) double[n]", "new double[n]{1.0, 2.0}"):
        src = PROGRAMS["cxx_new"][1].replace(
            "double *a = new double[n];", f"static char buf[8 * {N}];\n    double *a = {alloc};")
        assert _section_from(src) == {"a": "loop bounds", "b": "allocation"}, alloc
    nothrow = PROGRAMS["cxx_new"][1].replace("new double[n];", "new (std::nothrow) double[n];")
    assert _section_from(nothrow) == {"a": "allocation", "b": "allocation"}


def test_the_programs_verify_and_the_cxx_plan_moves_what_the_c_plan_moves(tmp_path):
    rows = run_programs(tmp_path, {name: ({file: src}, [file])
                                   for name, (file, src) in PROGRAMS.items()},
                        ("engine", "offload"))
    moved = {name: (r["offload"]["bytes_h2d"], r["offload"]["bytes_d2h"])
             for name, r in rows.items()}
    assert moved["cxx_new"] == moved["c_malloc"], moved
    assert sum(moved["cxx_new"]) < 64, moved  # the reduction's scalar, not the arrays
    # the zeros are copied in once; nothing comes back but the sum
    assert N * 8 <= moved["cxx_new_zero"][0] < N * 8 + 64, moved
    assert moved["cxx_new_zero"][1] < 64, moved
