"""A C++ allocator template ``T *alloc(int n) { return new T[n]; }`` is an allocation of ``n``
elements (issue #15, C++; found by Rodinia's CFD).

``return new T[n];`` alone returns an array object of ``n`` elements of the type the function
returns a pointer to, which no other name reaches ([expr.new]); ``alloc<double>(m)`` calls that
template with ``n = m`` ([temp.arg.explicit]).  So it is, for its caller, ``malloc``'s
allocation of ``m`` elements, and ``dealloc``'s ``delete[] p`` its free
(:mod:`accellium.dataset.offload.fresh`).  The planner knew only ``malloc``/``calloc``
wrappers and did not read function templates as the program's functions, neither in the
allocator wrappers nor in the points-to analysis (where the call's value was memory of unknown
origin: in CFD, aliased with the file name its driver passed to ``std::ifstream``, which left
its time loop without a region).  With every call of a kernel known, the object its pointer
parameter points to is now the caller's allocation (docs/offload.md, the objects rule), so a
kernel that reads through an index array (a mesh's neighbours, no bound from the loops) is
offloaded over the whole object, and the time loop calling it maps the arrays once.

A whole program, built with g++ and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.fresh import fresh_functions
from accellium.dataset.offload.points_to import ESC, points_to

N, STEPS = 4000, 10

PROG = f"""#include <cstdio>
#include <fstream>
template <typename T>
T *alloc(int n)
{{
    return new T[n];
}}

template <typename T>
void dealloc(T *p)
{{
    delete[] p;
}}

void gather(int n, const int *nb, const double *in, double *out)
{{
    for (int i = 0; i < n; i++) {{
        int j = nb[i];
        out[i] = j >= 0 ? 0.5 * (in[i] + in[j]) : in[i];
    }}
}}

int main(int argc, char **argv)
{{
    const char *name = argc > 1 ? argv[1] : "none";
    std::ifstream probe(name);
    int n = {N};
    int *nb = alloc<int>(n);
    double *a = alloc<double>(n);
    double *b = alloc<double>(n);
    double *r = new double[n];
    for (int i = 0; i < n; i++) {{
        nb[i] = i % 7 == 0 ? -1 : (i * 37) % n;
        a[i] = r[i] = i % 11;
    }}
    for (int s = 0; s < {STEPS}; s++) {{
        gather(n, nb, a, b);
        gather(n, nb, b, a);
    }}
    for (int s = 0; s < 2 * {STEPS}; s++) {{
        double *t = new double[n];
        for (int i = 0; i < n; i++) {{
            int j = nb[i];
            t[i] = j >= 0 ? 0.5 * (r[i] + r[j]) : r[i];
        }}
        for (int i = 0; i < n; i++)
            r[i] = t[i];
        delete[] t;
    }}
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad |= a[i] != r[i];
    std::puts(bad ? "BAD" : "OK");
    dealloc<int>(nb);
    dealloc<double>(a);
    dealloc<double>(b);
    delete[] r;
    return 0;
}}
"""


def test_a_template_allocator_gives_the_kernels_object_and_one_region(tmp_path):
    row = run_programs(tmp_path, {"template_alloc": ({"prog.cpp": PROG}, ["prog.cpp"])})[
        "template_alloc"]
    plans = {p["function"]: p for p in row["offload"]["plans"]}
    assert plans["gather"]["loops"], plans["gather"]["notes"]
    moved = row["offload"]["bytes_h2d"] + row["offload"]["bytes_d2h"]
    per_call = 2 * STEPS * (4 + 8 + 8) * N  # each call: nb and in copied in, out copied out
    assert moved < per_call / 4, (moved, plans["main"]["notes"])


def test_a_template_allocators_value_is_fresh_memory_to_the_points_to_analysis():
    """``alloc<double>(n)`` is a call of the template ``alloc`` (not of an unseen function,
    whose value could be any memory unseen code was given): its value is one allocation."""
    root = parse_tree(PROG.encode(), "cpp").root_node
    fresh = fresh_functions(root, [])
    assert {"alloc"} <= fresh.alloc and "dealloc" in fresh.free, fresh
    pt = points_to([[root]], True, fresh.alloc)
    for name in ("nb", "a", "b"):
        got = pt.of(0, "main", name)
        assert len(got) == 1 and ESC not in got, (name, got)
    assert pt.of(0, "main", "a") != pt.of(0, "main", "b")
