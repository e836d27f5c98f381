"""``f<T>(x)`` is a direct call of the function template ``f`` (issue #15, C++).

A call that names a function template's arguments (``relax<double>(b, a, n)``) calls that
template's specialisation [temp.arg.explicit]: its body is the template's, the one the planner
reads.  The planner took such a call for one through a pointer (the callee unknown), so a time
loop calling a template kernel got no region: every call copied its arrays in and out.  Now the
callee is the template (:func:`accellium.dataset.offload.nodes.callee_name`), planned as a
function called with those arrays: the driver's arrays are mapped once around the time loop.

A whole program, built with g++ and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import run_programs

N, STEPS = 50_000, 10

PROG = f"""#include <cstdio>
template <typename T>
void relax(T *out, const T *in, int n)
{{
    for (int i = 1; i < n - 1; i++)
        out[i] = (in[i - 1] + in[i] + in[i + 1]) / 3;
}}

int main()
{{
    const int n = {N};
    double *a = new double[n], *b = new double[n], *ra = new double[n], *rb = new double[n];
    for (int i = 0; i < n; i++)
        a[i] = b[i] = ra[i] = rb[i] = i % 13;
    for (int s = 0; s < {STEPS}; s++) {{
        relax<double>(b, a, n);
        relax<double>(a, b, n);
    }}
    for (int s = 0; s < 2 * {STEPS}; s++) {{
        double *in = s % 2 ? rb : ra, *out = s % 2 ? ra : rb;
        for (int i = 1; i < n - 1; i++)
            out[i] = (in[i - 1] + in[i] + in[i + 1]) / 3;
    }}
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad |= a[i] != ra[i];
    std::puts(bad ? "BAD" : "OK");
    delete[] a;
    delete[] b;
    delete[] ra;
    delete[] rb;
    return 0;
}}
"""


def test_a_time_loop_calling_a_template_kernel_maps_its_arrays_once(tmp_path):
    row = run_programs(tmp_path, {"template_call": ({"prog.cpp": PROG}, ["prog.cpp"])})[
        "template_call"]
    main = next(p for p in row["offload"]["plans"] if p["function"] == "main")
    assert not any("goes through a pointer" in n for n in main["notes"]), main["notes"]
    moved = row["offload"]["bytes_h2d"] + row["offload"]["bytes_d2h"]
    per_call = 2 * STEPS * 2 * N * 8  # each call: its input in, its output out
    assert moved < per_call / 4, (moved, main["notes"])
