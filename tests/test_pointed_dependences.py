"""A pointer the function may point into an array the loop also reaches by name is one memory
under two names (``dataset/analysis/pipeline._pointed_dependences``, the stores of
``dataset/analysis/aliases.pointings``).

Before, only a pointer given one value before the loop, from names that keep theirs, was read
as the array it points into (``double *p = a + 1;``: its accesses tested element by element);
any other was taken for a memory of its own, like a parameter.  So ``b = a;`` (a parameter
pointed at another), ``double *p = n > 5 ? a : c;``, ``if (n > 5) p = a; else p = c;`` and
``double *p = a; p++;`` followed by ``p[i + 1] = a[i]`` got ``parallel loop`` — a race
whenever the pointer points into ``a`` (here: always).  Now a pointer that is one of the
arrays themselves (no offset) is tested as each of them (``out = same ? in : buf;`` with
``out[i] = 2 * in[i]`` stays parallel, its two names mapped alike: both ``copy``), and one
moved by an offset not known is a possible dependence; the note names the pointer, the array
and the store.  Two pointers exchanged in a host loop around the loop (``t = a; a = b; b =
t;``) hold different memory at every iteration of it: their copies are not such stores, and
the loop keeps its ``parallel loop``; so do two pointers chosen among the arrays (``in = odd ?
a : b; out = odd ? b : a;``: taken apart, as two parameters are — the parity ping-pong) and a
pointer with one value whose elements are proved apart (``p = a + n``).

Proven on a whole program (real gcc, real threads): the authors' ``parallel loop`` on each
such loop fails, the engines' answers verify and leave those loops sequential.
"""

from __future__ import annotations

import pytest

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine
from tests.test_dynamic import _engine_verified

# (function, its source); the loops of interest are marked `// L`
KERNEL = """void copied(int n, double *a, double *b)
{
    b = a;
#pragma acc parallel loop copyin(a[0:n]) copy(b[0:n])
    for (int i = 0; i < n - 1; i++) // L copied
        b[i + 1] = a[i] + 1.0;
}

void chosen(int n, double *a, double *c)
{
    double *p = n > 5 ? a : c;
#pragma acc parallel loop copyin(a[0:n]) copy(p[0:n])
    for (int i = 0; i < n - 1; i++) // L chosen
        p[i + 1] = a[i] + 1.0;
}

void branches(int n, double *a, double *c)
{
    double *p;
    if (n > 5)
        p = a;
    else
        p = c;
#pragma acc parallel loop copyin(a[0:n]) copy(p[0:n])
    for (int i = 0; i < n - 1; i++) // L branches
        p[i + 1] = a[i] + 1.0;
}

void moved(int n, double *a)
{
    double *p = a;
    p++;
#pragma acc parallel loop copyin(a[0:n]) copy(p[0:n-1])
    for (int i = 0; i < n - 1; i++) // L moved
        p[i] = a[i] + 1.0;
}

void swapped(int n, int steps, double *a, double *b)
{
    for (int t = 0; t < steps; t++) {
#pragma acc parallel loop copyin(a[0:n]) copy(b[0:n])
        for (int i = 1; i < n - 1; i++) // L swapped
            b[i] = 0.5 * (a[i - 1] + a[i + 1]);
        double *x = a;
        a = b;
        b = x;
    }
}

void inplace(int n, double *in, double *buf, int same)
{
    double *out = same ? in : buf;
#pragma acc parallel loop copyin(in[0:n]) copyout(out[0:n])
    for (int i = 0; i < n; i++) // L inplace
        out[i] = 2.0 * in[i] + 1.0;
}

void parity(int n, int steps, double *a, double *b)
{
    for (int t = 0; t < steps; t++) {
        double *in = (t % 2 == 0) ? a : b;
        double *out = (t % 2 == 0) ? b : a;
#pragma acc parallel loop copyin(in[0:n]) copy(out[0:n])
        for (int i = 1; i < n - 1; i++) // L parity
            out[i] = 0.5 * (in[i - 1] + in[i + 1]);
    }
}

void apart(int n, double *a)
{
    double *p = a + n;
#pragma acc parallel loop copy(a[0:2*n])
    for (int i = 0; i < n; i++) // L apart
        p[i] = a[i] + 1.0;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
void copied(int n, double *a, double *b);
void chosen(int n, double *a, double *c);
void branches(int n, double *a, double *c);
void moved(int n, double *a);
void swapped(int n, int steps, double *a, double *b);
void apart(int n, double *a);
void inplace(int n, double *in, double *buf, int same);
void parity(int n, int steps, double *a, double *b);
static void fill(int n, double *a) { for (int i = 0; i < n; i++) a[i] = i % 5; }
static long serial_shift(int n, const double *a) {
  /* what p[i + 1] = a[i] + 1 leaves in a when p == a: a running sum from a[0] */
  long bad = 0; double e = a[0];
  for (int i = 1; i < n; i++) { e += 1.0; bad += a[i] != e; }
  return bad;
}
int main(void) {
  int n = 20000; long bad = 0;
  double *a = malloc(2 * n * 8), *b = malloc(n * 8), *c = malloc(n * 8);
  fill(n, a); fill(n, b); copied(n, a, b); bad += serial_shift(n, a);
  fill(n, a); fill(n, c); chosen(n, a, c); bad += serial_shift(n, a);
  fill(n, a); fill(n, c); branches(n, a, c); bad += serial_shift(n, a);
  fill(n, a); moved(n, a); bad += serial_shift(n, a);
  fill(n, a); fill(n, b); swapped(n, 4, a, b);
  { double *r = malloc(n * 8), *s = malloc(n * 8); fill(n, r); fill(n, s);
    for (int t = 0; t < 4; t++) {
      for (int i = 1; i < n - 1; i++) s[i] = 0.5 * (r[i - 1] + r[i + 1]);
      double *x = r; r = s; s = x; }
    for (int i = 0; i < n; i++) bad += a[i] != r[i] || b[i] != s[i]; }
  fill(n, a); fill(n, b); parity(n, 4, a, b);
  { double *r = malloc(n * 8), *q = malloc(n * 8); fill(n, r); fill(n, q);
    for (int t = 0; t < 4; t++) {
      double *in = t % 2 == 0 ? r : q, *out = t % 2 == 0 ? q : r;
      for (int i = 1; i < n - 1; i++) out[i] = 0.5 * (in[i - 1] + in[i + 1]); }
    for (int i = 0; i < n; i++) bad += a[i] != r[i] || b[i] != q[i]; }
  fill(n, a); inplace(n, a, c, 1);
  for (int i = 0; i < n; i++) bad += a[i] != 2.0 * (i % 5) + 1.0;
  fill(2 * n, a); apart(n, a);
  for (int i = 0; i < n; i++) bad += a[n + i] != a[i] + 1.0;
  printf(bad == 0 ? "OK\\n" : "BAD %ld\\n", bad);
  return 0;
}
"""

ALIASED = ("copied", "chosen", "branches", "moved")


def _rows() -> dict[str, int]:
    lines = KERNEL.splitlines()
    return {ln.split("// L ")[1]: k + 1 for k, ln in enumerate(lines) if "// L " in ln}


def _suggestion(name: str):
    """The analysis engine's suggestion for the marked loop, in its file (pragmas removed)."""
    stripped = "\n".join(ln for ln in KERNEL.splitlines() if not ln.startswith("#pragma"))
    row = next(k for k, ln in enumerate(stripped.splitlines()) if f"// L {name}" in ln)
    got = annotate_source(stripped.encode(), get_engine("analysis"), path="k.c", lang="c",
                          line=row + 1)
    return got[-1]


@pytest.mark.parametrize("name", [*ALIASED, "swapped", "apart", "inplace", "parity"])
def test_the_note_names_the_pointer_the_array_and_the_store(name):
    s = _suggestion(name)
    notes = " ".join(s.notes)
    if name == "moved":  # an offset not known: any overlap
        assert s.pragma is None, s.pragma
        assert "`p` may point into `a` (line " in notes, notes
        assert "which the loop also reaches as `a`" in notes, notes
    elif name in ALIASED:  # the pointer is `a` itself or another array: tested as `a`
        assert s.pragma is None, (name, s.pragma)
        view = "b" if name == "copied" else "p"
        assert f"`{view}` may be `a` (line " in notes, notes
        assert "read before" in notes and "carried dependence" in notes, notes
    else:
        assert s.pragma is not None and "parallel loop" in s.pragma, (name, s.pragma, notes)
        assert "may point into" not in notes and "may be `" not in notes, notes
    if name == "inplace":  # one array for both, maybe: mapped alike, both copied back
        assert "copy(in[0:n], out[0:n])" in s.pragma, s.pragma


@pytest.mark.parametrize("engine", ["analysis", "auto"])
def test_the_aliased_loops_stay_sequential_and_verify(tmp_path, engine):
    eng = _engine_verified(tmp_path, "pointed", {"k.c": KERNEL, "main.c": MAIN},
                           "parallel loops writing through a pointer into what they read",
                           engine, "race")["engine"]
    rows = _rows()
    parallel = {p["line"] for p in eng["pragmas"] if p["parallel"]}
    for name in ALIASED:
        assert rows[name] not in parallel, (name, eng["pragmas"])
    for name in ("swapped", "apart", "inplace", "parity"):
        assert rows[name] in parallel, (name, eng["pragmas"])
