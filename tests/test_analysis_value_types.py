"""What a variable's type and value say about a loop (``dataset/analysis/value_types.py``,
``entry_values.py``; found by probing the per-loop answers with self-checking programs):

* **A complex accumulator** (``double complex z; z += ...``): the grammar has no ``_Complex``
  and read ``double complex z`` as a declarator ``complex``, so ``z`` was no declared name,
  the guard dropped ``reduction(+:z)`` as naming an undeclared variable and kept ``parallel
  loop copy(z)``: a race.  Now the specifier is read as the real type (the reduction stays,
  OpenACC 3.3, 2.5.15 reduces complex values with ``+`` and ``*``), and a guard that drops a
  reduction's variable drops the construct (``DECL(s)``, a name a macro declares).
* **A flag that need not start as 0 or 1** (``int found = 5; ... if (..) found = 1;``,
  a parameter ``ok``): ``reduction(||:found)`` leaves 1 where the loop leaves 5.  Now a flag
  is a reduction only where the statements before the loop show it holds 0 or 1 (or its type
  is ``_Bool``).
* **An integer sum of floating values** (``int s; s += a[i]``, ``a`` of ``double``): each
  step truncates (C11 6.3.1.4), so the order matters; it was ``reduction(+:s)``.
* **A subscript through a narrow integer** (``b[(unsigned char)i]``, ``unsigned char c = i;
  b[c]``, ``short s = i * 200``): the conversion wraps (C11 6.3.1.3), iterations 256 apart
  write one element; it was ``parallel loop independent ... copyout(b[0:n])``.  And a sign
  test in a conditional subscript (``a[s < 0 ? 0 : 1]``) mapped only ``a[1:1]``: the planner's
  bounds took ``s`` as non-negative against the test itself.
* **A variable length array the loop privatises** (``double w[m];`` before the loop) and
  **``long double``**: gcc's nvptx offload compiler rejects both ("target cannot support
  alloca", "80-bit-precision floating-point numbers unsupported"); no pragma.

Whole programs (gcc, the data-environment emulator): the per-loop answers verify.
"""

from __future__ import annotations

from _offload_util import gpu_build, run_built, run_verified

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

KERNEL = r"""#include <complex.h>
#include <stdbool.h>
#define DECL(v) double v = 0
double complex csum(int n, const double *restrict a)
{
    double complex z = 0.0;
    for (int i = 0; i < n; i++)
        z += a[i] + a[i] * I;
    return z;
}
double macro_sum(int n, const double *restrict a)
{
    DECL(s);
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
int flag_from_five(int n, const double *restrict a)
{
    int found = 5;
    for (int i = 0; i < n; i++)
        if (a[i] < -1e9) found = 1;
    return found;
}
int flag_param(int n, int ok, const double *restrict a)
{
    for (int i = 0; i < n; i++)
        if (a[i] < -1e9) ok = 0;
    return ok;
}
int flag_from_zero(int n, const double *restrict a)
{
    int found = 0;
    for (int i = 0; i < n; i++)
        if (a[i] < 0.0) found = 1;
    return found;
}
bool flag_bool(int n, bool seen, const double *restrict a)
{
    for (int i = 0; i < n; i++)
        if (a[i] < 0.0) seen = true;
    return seen;
}
int truncated_sum(int n, const double *restrict a)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
int integer_sum(int n, const double *restrict a, const int *restrict k)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += k[i] + (a[i] > 0.0);
    return s;
}
void through_uchar(int n, double *restrict b, const double *restrict a)
{
    for (int i = 0; i < n; i++)
        b[(unsigned char)i] = a[i];
}
void through_narrow_local(int n, double *restrict b, const double *restrict a)
{
    for (int i = 0; i < n; i++) {
        unsigned char c = i;
        b[c] = a[i];
    }
}
void sign_tested(int n, int s, double *restrict b, const double *restrict a)
{
    for (int i = 0; i < n; i++)
        b[i] = a[s < 0 ? 0 : 1];
}
void private_vla(int n, int m, double *restrict b, const double *restrict a)
{
    double w[m];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++) w[j] = a[i] + j;
        double t = 0.0;
        for (int j = 0; j < m; j++) t += w[j];
        b[i] = t;
    }
}
long double extended_sum(int n, const double *restrict a)
{
    long double s = 0.0L;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}
"""

MAIN = r"""#include <complex.h>
#include <stdbool.h>
#include <stdio.h>
#include <math.h>
double complex csum(int n, const double *restrict a);
double macro_sum(int n, const double *restrict a);
int flag_from_five(int n, const double *restrict a);
int flag_param(int n, int ok, const double *restrict a);
int flag_from_zero(int n, const double *restrict a);
bool flag_bool(int n, bool seen, const double *restrict a);
int truncated_sum(int n, const double *restrict a);
int integer_sum(int n, const double *restrict a, const int *restrict k);
void through_uchar(int n, double *restrict b, const double *restrict a);
void through_narrow_local(int n, double *restrict b, const double *restrict a);
void sign_tested(int n, int s, double *restrict b, const double *restrict a);
void private_vla(int n, int m, double *restrict b, const double *restrict a);
long double extended_sum(int n, const double *restrict a);
#define BAD(what) do { puts("BAD " what); return 1; } while (0)
int main(void)
{
    enum { N = 300 };
    static double a[N], h[N], b[N], c[N];
    static int k[N];
    for (int i = 0; i < N; i++) {
        a[i] = (i % 3) - 0.5;  /* -0.5 0.5 1.5: truncation depends on the order */
        h[i] = i % 7;
        k[i] = i % 5;
    }
    double complex z = csum(N, h);
    double want = 0.0;
    for (int i = 0; i < N; i++) want += h[i];
    if (creal(z) != want || cimag(z) != want) BAD("complex");
    if (macro_sum(N, h) != want) BAD("macro");
    if (flag_from_five(N, a) != 5) BAD("five");
    if (flag_param(N, 3, a) != 3) BAD("param");
    if (flag_from_zero(N, a) != 1 || flag_from_zero(N, h) != 0) BAD("zero");
    if (!flag_bool(N, false, a) || flag_bool(N, false, h)) BAD("bool");
    int t = 0, s = 0;
    for (int i = 0; i < N; i++) { t += a[i]; s += k[i] + (a[i] > 0.0); }
    if (truncated_sum(N, a) != t) BAD("truncated");
    if (integer_sum(N, a, k) != s) BAD("integer");
    for (int i = 0; i < N; i++) b[i] = c[i] = -1.0;
    through_uchar(N, b, h);
    through_narrow_local(N, c, h);
    for (int i = 0; i < N; i++) {
        double w = i < 256 ? h[i + 256 < N ? i + 256 : i] : -1.0;
        if (b[i] != w || c[i] != w) BAD("narrow");
    }
    sign_tested(N, -4, b, h);
    for (int i = 0; i < N; i++) if (b[i] != h[0]) BAD("sign");
    private_vla(N, 4, b, h);
    for (int i = 0; i < N; i++) if (b[i] != 4.0 * h[i] + 6.0) BAD("vla");
    if (extended_sum(N, h) != want) BAD("extended");
    puts("OK");
    return 0;
}
"""


def _answers() -> dict[str, str | None]:
    got = annotate_source(KERNEL.encode(), get_engine("analysis"), path="k.c", lang="c")
    lines = KERNEL.splitlines()
    out: dict[str, str | None] = {}
    for a in got:
        fn = next(ln for ln in reversed(lines[:a.line]) if ln and not ln[0].isspace()
                  and "(" in ln)
        out.setdefault(fn.split("(")[0].split()[-1], a.pragma)
    return out


def test_the_answers():
    got = _answers()
    assert got["csum"] is not None and "reduction(+:z)" in got["csum"], got
    for fn in ("macro_sum", "flag_from_five", "flag_param", "truncated_sum", "through_uchar",
               "through_narrow_local", "private_vla", "extended_sum"):
        assert got[fn] is None or "parallel" not in got[fn], (fn, got[fn])
    assert got["flag_from_zero"] is not None and "reduction(||:found)" in got["flag_from_zero"]
    assert got["flag_bool"] is not None and "reduction(||:seen)" in got["flag_bool"]
    assert got["integer_sum"] is not None and "reduction(+:s)" in got["integer_sum"]
    assert got["sign_tested"] is not None and "a[0:2]" in got["sign_tested"], got


def test_the_program_verifies(tmp_path):
    run_verified(tmp_path, {"value_types": (KERNEL, MAIN)}, variants=("engine",))


def test_the_answers_build_for_the_gpu_and_run(tmp_path):
    """gcc with nvptx offloading builds the annotated program (a private VLA or a ``long
    double`` in device code stops it), and it runs."""
    from accellium.server.annotate import apply_edits

    src = KERNEL.encode()
    got = annotate_source(src, get_engine("analysis"), path="k.c", lang="c")
    text = apply_edits(src, got)[0].decode()
    built = gpu_build(tmp_path, {"kernel.c": text, "main.c": MAIN})
    assert built.returncode == 0, built.stderr[-3000:]
    ran = run_built(tmp_path)
    assert ran.stdout.strip() == "OK", (ran.stdout, ran.stderr[-2000:])
