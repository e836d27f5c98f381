"""Pragmas gcc rejects (found by probing the per-loop answers): a loop whose bound is of a
floating type (``double nsteps = T / dt; for (int s = 0; s < nsteps; s++)``, ``i < 0.5 *
n``), a reduction into a ``std::complex<double>``, and a section of a ``void *`` indexed
through a cast (``((double *)dst)[i] = ...``).

* The canonical loop's bound has a type compatible with its integer variable (OpenMP 4.5,
  2.6): gcc says "invalid controlling predicate" to ``parallel loop`` on such a header, and the
  answer also wrote ``copyout(t[0:nsteps])``.  Now the header is not of the form: no pragma.
* OpenACC's reduction operators take variables of arithmetic types (OpenACC 3.3, 2.5.15): g++
  says "user defined reduction not found" to ``reduction(+:s)`` on a ``std::complex``.  Now
  the accumulator is carried.
* ``void`` is an incomplete type (C11 6.2.5p19): ``copyout(dst[0:n])`` of a ``void *`` is
  "invalid use of void expression".  Now no section (a note says to index a typed pointer),
  and the plan keeps the loop on the host.

Each answer compiles with gcc's own OpenACC compiler (``-fopenacc``), and the per-loop
answers and plans of the whole programs verify (the dynamic evaluation's emulator).
"""

from __future__ import annotations

import subprocess

from _offload_util import plan_text, run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = """void sample(double T, double dt, double *t)
{
    double nsteps = T / dt;
    for (int s = 0; s < nsteps; s++)
        t[s] = s * dt;
}

void halves(int n, double *restrict a)
{
    for (int i = 0; i < 0.5 * n; i++)
        a[i] = 2.0 * i;
}

void fill(int n, void *dst, const double *restrict x)
{
    for (int i = 0; i < n; i++)
        ((double *)dst)[i] = 2.0 * x[i];
}
"""
MAIN = """#include <stdio.h>
void sample(double T, double dt, double *t);
void halves(int n, double *restrict a);
void fill(int n, void *dst, const double *restrict x);
int main(void)
{
    enum { N = 400 };
    static double t[N], a[N], x[N], d[N];
    for (int i = 0; i < N; i++) x[i] = i;
    sample(10.0, 0.25, t);
    halves(N, a);
    fill(N, d, x);
    for (int i = 0; i < 40; i++)
        if (t[i] != i * 0.25) { puts("BAD"); return 1; }
    for (int i = 0; i < N / 2; i++)
        if (a[i] != 2.0 * i) { puts("BAD"); return 1; }
    for (int i = 0; i < N; i++)
        if (d[i] != 2.0 * i) { puts("BAD"); return 1; }
    puts("OK");
    return 0;
}
"""
COMPLEX = """#include <complex>

std::complex<double> csum(int n, const std::complex<double> *a)
{
    std::complex<double> s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
"""
COMPLEX_MAIN = """#include <complex>
#include <cstdio>
std::complex<double> csum(int n, const std::complex<double> *a);
int main()
{
    const int N = 300;
    static std::complex<double> a[N];
    for (int i = 0; i < N; i++) a[i] = std::complex<double>(i % 3, 1.0);
    std::complex<double> s = csum(N, a);
    if (s.real() != 300.0 || s.imag() != 300.0) { std::puts("BAD"); return 1; }
    std::puts("OK");
    return 0;
}
"""


def _compiles(tmp_path, text: str, name: str) -> subprocess.CompletedProcess:
    src = tmp_path / name
    src.write_text(text)
    cc = "g++" if name.endswith(".cpp") else "gcc"
    return subprocess.run([cc, "-fopenacc", "-foffload=disable", "-c", str(src), "-o",
                           str(tmp_path / "k.o")], capture_output=True, text=True, check=False)


def test_no_answer_gcc_rejects(tmp_path):
    engine = get_engine("analysis")
    got = annotate_source(KERNEL.encode(), engine)
    assert [s.pragma for s in got] == [None, None, None], [s.pragma for s in got]
    assert any("floating type" in str(n) for n in got[0].notes), got[0].notes
    assert any("`dst` is a `void *`" in str(n) for n in got[2].notes), got[2].notes
    cx = annotate_source(COMPLEX.encode(), engine, path="k.cpp")[0]
    assert cx.pragma is None and any("class type" in str(n) for n in cx.notes), cx
    for text, name in ((KERNEL, "k.c"), (COMPLEX, "k.cpp")):
        planned, _ = plan_text(text, engine, path=name)
        done = _compiles(tmp_path, planned, name)
        assert done.returncode == 0, (planned, done.stderr)


def test_the_programs_verify(tmp_path):
    run_programs(tmp_path, {
        "forms": ({"k.c": KERNEL, "main.c": MAIN}, ["k.c"]),
        "complex": ({"k.cpp": COMPLEX, "main.cpp": COMPLEX_MAIN}, ["k.cpp"]),
    }, variants=("engine", "offload"))
