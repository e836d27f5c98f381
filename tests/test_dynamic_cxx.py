"""C++ sources in the dynamic evaluation's CPU mode are translated as C sources are: their
constructs run on the emulator's separate device memory, so a C++ program's data clauses,
reductions and races are checked and its transfers counted.  Before, a C++ file was built with
OpenACC's host fallback (``-foffload=disable``), where a dropped ``copyout`` or a missing
reduction changes nothing: the planted errors below passed, and a C++ program's plan and
per-loop answers were checked for their answer only.

The program uses what C++ code around a loop holds: a class whose member function offloads a
loop over a member pointer (a ``const`` member function: ``const`` locals, members reached
through ``this``, so the object is mapped first — since the class is read from its header, a
clause that leaves ``this`` unmapped fails here as on a GPU), a function template called with an explicit argument, reference
parameters, ``std::vector``'s ``data()``, qualified calls (``std::fmax`` in the regions),
``new[]``/``delete[]``.  A header with a ``.h`` suffix that a C++ source includes is C++ there
(g++ compiles its code as part of that translation unit): it is translated as C++, never as
C."""

from __future__ import annotations

from pathlib import Path

from _offload_util import write_programs

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.evaluation.dynamic.tsan import tsan_unavailable

KERNEL = """#include <cmath>
#include <vector>
#include "grid.hpp"

template <class T>
void axpy(int n, T a, const T *x, T *y)
{
    #pragma acc parallel loop copyin(x[0:n]) copy(y[0:n])
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

void Grid::smooth(double *out) const
{
    const int m = n_;
    #pragma acc parallel loop copyin(this[0:1], v_[0:m]) copyout(out[0:m])
    for (int i = 0; i < m; i++) {
        double l = i > 0 ? v_[i - 1] : v_[i];
        double r = i < m - 1 ? v_[i + 1] : v_[i];
        out[i] = std::fmax(0.25 * (l + r) + 0.5 * v_[i], 0.0);
    }
}

void norms(const std::vector<double> &x, double &sum, double &biggest)
{
    const double *p = x.data();
    int n = static_cast<int>(x.size());
    double s = 0.0, b = 0.0;
    #pragma acc parallel loop copyin(p[0:n]) reduction(+:s) reduction(max:b)
    for (int i = 0; i < n; i++) {
        s += p[i];
        b = std::fmax(b, std::fabs(p[i]));
    }
    sum = s;
    biggest = b;
}

void run(int n, std::vector<double> &y, double *out, double &sum, double &biggest)
{
    double *x = new double[n];
    for (int i = 0; i < n; i++)
        x[i] = 0.5 * (i % 17);
    axpy<double>(n, 2.0, x, y.data());
    Grid g(n, y.data());
    g.smooth(out);
    norms(y, sum, biggest);
    delete[] x;
}
"""

GRID = """#pragma once
#include <vector>
class Grid {
public:
    Grid(int n, const double *v) : n_(n), v_(v) {}
    void smooth(double *out) const;
private:
    int n_;
    const double *v_;
};
void run(int n, std::vector<double> &y, double *out, double &sum, double &biggest);
"""

MAIN = """#include <cmath>
#include <cstdio>
#include <vector>
#include "grid.hpp"
int main()
{
    const int n = 5000;
    std::vector<double> y(n), ref(n), out(n), rout(n);
    for (int i = 0; i < n; i++)
        y[i] = ref[i] = (i % 7) - 3.0;
    double sum = 0, big = 0;
    run(n, y, out.data(), sum, big);
    double rsum = 0, rbig = 0;
    for (int i = 0; i < n; i++) {
        ref[i] = 2.0 * (0.5 * (i % 17)) + ref[i];
        rsum += ref[i];
        rbig = std::fmax(rbig, std::fabs(ref[i]));
    }
    for (int i = 0; i < n; i++) {
        double l = i > 0 ? ref[i - 1] : ref[i], r = i < n - 1 ? ref[i + 1] : ref[i];
        rout[i] = std::fmax(0.25 * (l + r) + 0.5 * ref[i], 0.0);
    }
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += std::fabs(y[i] - ref[i]) > 1e-9 || std::fabs(out[i] - rout[i]) > 1e-9;
    bad += std::fabs(sum - rsum) > 1e-6 || big != rbig;
    std::printf(bad ? "BAD %d\\n" : "OK\\n", bad);
    return 0;
}
"""

#: the arrays the authors' clauses move (doubles): x and y in, y out (axpy); v in, out out
#: (smooth); p in (norms)
N = 5000
ARRAYS_IN, ARRAYS_OUT = 4 * N * 8, 2 * N * 8


def _suite(tmp: Path, kernel: str = KERNEL) -> Path:
    return write_programs(tmp, {"cxx_grid": (
        {"kernel.cpp": kernel, "grid.hpp": GRID, "main.cpp": MAIN}, ["kernel.cpp"])})


def test_a_cxx_program_runs_on_the_emulated_device_and_its_planted_errors_are_caught(tmp_path):
    res = evaluate_dynamic(_suite(tmp_path), None, runs=3, threads=2)
    prog = res["programs"][0]
    row = prog["original"]
    assert row["status"] == "verified", row["reason"]
    assert not row["warnings"], row["warnings"]
    # the clauses' arrays moved (and the two reduction scalars, copied in and out)
    assert ARRAYS_IN <= row["bytes_h2d"] < ARRAYS_IN + 64, row["bytes_h2d"]
    assert ARRAYS_OUT <= row["bytes_d2h"] < ARRAYS_OUT + 64, row["bytes_d2h"]
    kinds = {m["kind"]: m for m in prog["mutations"]}
    # a dropped copyout leaves the host's copy stale; a removed reduction races on the lanes:
    # under the host fallback both ran right
    assert kinds["copyout_dropped"]["status"] == "data", kinds["copyout_dropped"]
    assert kinds["reduction_removed"]["status"] == "race", kinds["reduction_removed"]
    assert res["metrics"]["mutations_caught"] == 1.0


def test_a_cxx_copyin_of_an_output_is_a_data_error(tmp_path):
    wrong = KERNEL.replace("copyin(x[0:n]) copy(y[0:n])", "copyin(x[0:n], y[0:n])")
    row = evaluate_dynamic(_suite(tmp_path, wrong), None, runs=1,
                           with_mutations=False)["programs"][0]["original"]
    assert row["status"] == "data", row


def test_a_wrong_answer_still_fails(tmp_path):
    wrong = KERNEL.replace("a * x[i] + y[i]", "a * x[i] + y[i] + 1.0")
    row = evaluate_dynamic(_suite(tmp_path, wrong), None, runs=1,
                           with_mutations=False)["programs"][0]
    assert row["original"]["status"] != "verified"


#: every gang writes the same flag through a reference: a race between gangs whose output is
#: right, outside a vector loop, which only ThreadSanitizer sees
FLAG = """#include <cstdio>
#include <vector>
static void mark(int n, int m, const std::vector<double> &av, std::vector<double> &bv,
                 int &seen)
{
    const double *a = av.data();
    double *b = bv.data();
    int *s = &seen;
    #pragma acc parallel loop gang copyin(a[0:n*m]) copyout(b[0:n*m]) copy(s[0:1])
    for (int i = 0; i < n; i++) {
        s[0] = 1;
        #pragma acc loop vector
        for (int j = 0; j < m; j++)
            b[i * m + j] = 2 * a[i * m + j];
    }
}
int main()
{
    std::vector<double> a(256 * 64), b(256 * 64);
    int seen = 0, ok = 1;
    for (int i = 0; i < 256 * 64; i++)
        a[i] = i;
    mark(256, 64, a, b, seen);
    for (int i = 0; i < 256 * 64; i++)
        ok &= b[i] == 2 * a[i];
    std::puts(ok && seen == 1 ? "OK" : "BAD");
    return 0;
}
"""


def test_thread_sanitizer_builds_cxx_and_sees_its_race(tmp_path):
    """The ``--tsan`` build takes the C++ files to clang's C++ driver (clang's C driver does
    not link the C++ library): the authors' program is clean there; a race between gangs
    that the emulation's per-lane check cannot see is found."""
    assert tsan_unavailable() is None, tsan_unavailable()
    clean = evaluate_dynamic(_suite(tmp_path / "a"), None, runs=1, with_mutations=False,
                             tsan=True)["programs"][0]["original"]
    assert clean["status"] == "verified" and clean["tsan"] == "clean", clean
    flag = write_programs(tmp_path / "b", {"flag": ({"flag.cpp": FLAG}, ["flag.cpp"])},
                          wrong={"flag"})
    row = evaluate_dynamic(flag, None, runs=1, with_mutations=False,
                           tsan=True)["programs"][0]["original"]
    assert row["status"] == "race" and row["tsan"] == "race", row
    assert "flag.cpp:11" in row["reason"], row["reason"]


HEADER = """#pragma once
#include <vector>
inline void scale(std::vector<double> &v, double a)
{
    double *p = v.data();
    int n = (int)v.size();
    #pragma acc parallel loop copy(p[0:n])
    for (int i = 0; i < n; i++)
        p[i] = a * p[i] + 1.0;
}
"""

SCALE_MAIN = """#include <cstdio>
#include <vector>
#include "scale.h"
int main()
{
    std::vector<double> v(1000);
    for (int i = 0; i < 1000; i++)
        v[i] = i;
    scale(v, 2.0);
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += v[i] != 2.0 * i + 1.0;
    std::puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_header_of_a_cxx_program_is_translated_as_cxx(tmp_path):
    # the header is the one file annotated; only main.cpp is compiled, as g++ reads it
    manifest = write_programs(tmp_path, {"cxx_header": (
        {"main.cpp": SCALE_MAIN, "scale.h": HEADER}, ["scale.h"])})
    res = evaluate_dynamic(manifest, None, runs=1)
    prog = res["programs"][0]
    assert prog["original"]["status"] == "verified", prog["original"]["reason"]
    assert prog["original"]["bytes_h2d"] == prog["original"]["bytes_d2h"] == 8000
    # copy -> copyin: the header's region runs on the device copy, the host's stays stale
    assert {m["kind"]: m["status"] for m in prog["mutations"]} == {"copyout_dropped": "data"}


def test_the_variables_a_cxx_region_uses_from_outside():
    """What the translation binds to device storage: the variables the region uses that are
    declared outside it — not a qualified name (``std::fmax``, ``Grid::scale``: a namespace's
    or a class's), not a template's name, not what a reference, a range ``for`` or a
    parameter with a default argument declares."""
    from accellium.dataset.loops import parse_tree
    from accellium.evaluation.dynamic.cscan import free_names

    src = b"""void f(int n, double *y, const double *x, double w = 2.0) {
    for (int i = 0; i < n; i++) {
        double &r = y[i];
        double t[3] = {x[i], w, Grid::scale};
        for (double &e : t)
            e = std::fmax(e, lo);
        r = t[0] + pick<double>(t[1], t[2]);
    }
}
"""
    root = parse_tree(src, "cpp").root_node
    loop = next(c for c in root.named_children[0].child_by_field_name("body").named_children
                if c.type == "for_statement")
    names, _ = free_names(loop, set())
    assert names == ["n", "y", "x", "w", "lo"], names
