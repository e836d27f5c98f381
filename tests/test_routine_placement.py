"""Where ``#pragma acc routine seq`` goes (found by probing the writers; each placement below
was rejected by gcc before):

* above an attribute line that belongs to the definition (``__attribute__((noinline))`` on its
  own line): between the two, gcc says "expected identifier or '(' before '#pragma'";
* above a namespace's declaration of the function, not above its later out-of-line definition
  (``double q::cube(...)``): the directive must come before the first use (OpenACC 3.3,
  2.15.1; gcc "must be applied before use");
* nowhere when the first declaration also declares another name (``double sq(double),
  cube(double);``: "not immediately followed by a single function declaration") or a function
  body declares the function before its file-scope declaration: no line can give it a
  device version there, so the loop gets no compute construct (the guard's note says why).

Each written file is compiled with real gcc/g++ -fopenacc."""

from __future__ import annotations

import subprocess

import pytest
from test_suggest_apply import run

CASES = {
    "attribute": ("k.c", """__attribute__((noinline))
static double sq(double v) { return v * v; }
void f(double *a, int n) {
    for (int i = 0; i < n; i++) a[i] = sq(a[i]);
}
""", True),
    "namespace": ("k.cpp", """namespace q {
double cube(double v);
}
void f(double *a, int n) {
    for (int i = 0; i < n; i++) a[i] = q::cube(a[i]);
}
double q::cube(double v) { return v * v * v; }
""", True),
    "two_declarators": ("k.c", """double sq(double), cube(double);
void f(double *a, int n) {
    for (int i = 0; i < n; i++) a[i] = sq(a[i]) + cube(a[i]);
}
double sq(double v) { return v * v; }
double cube(double v) { return v * v * v; }
""", False),
    "block_scope": ("k.c", """void f(double *a, int n) {
    double sq(double);
    for (int i = 0; i < n; i++) a[i] = sq(a[i]);
}
double sq(double v) { return v * v; }
""", False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_written_file_builds(tmp_path, case):
    name, text, offloaded = CASES[case]
    f = tmp_path / name
    f.write_text(text)
    r = run("suggest", str(f), "--engine", "analysis", "--apply")
    assert r.returncode == 0, r.stderr
    out = f.read_text()
    assert ("#pragma acc routine seq" in out) == offloaded, out
    assert ("#pragma acc parallel loop" in out) == offloaded, out
    cc = "g++" if name.endswith(".cpp") else "gcc"
    built = subprocess.run([cc, "-fopenacc", "-c", "-o", "/dev/null", str(f)],
                           capture_output=True, text=True, timeout=60)
    assert built.returncode == 0, built.stderr + out
