"""A macro whose body reads an array no argument names (C11 6.10.3: a macro use is its body,
the parameters replaced by the arguments; translation phase 4 expands it before the compiler
reads the loop): ``y[i] = W(i, 3)`` with ``#define W(i, j) (w[(i)] * (j))`` reads ``w``.

Before, neither the per-loop suggestion nor the offload plan mapped ``w`` (the call was read
as a call of a function not seen), so on a discrete GPU the kernel dereferenced a host
pointer; and the emulator's scan of the names a compute region uses did not expand macros,
so the program "verified".  Now: the elements such a body reads are the loop's, with the
subscripts of the expansion (``copyin(w[0:n])``); a macro whose body reaches memory the
analysis does not follow (``(w[idx[i]] * 2.0)``, ``(s->v[i])``, ``(*w)``) leaves the loop on
the host; and the emulator checks the pointers the region's macros expand to, so a pointer
no clause maps fails there.  Twin: an element macro (``U(i, j)``, already the element) keeps
its pragma."""

from __future__ import annotations

from _offload_util import marked_lines, run_as_written, run_verified, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """struct vec { double *v; };
#define W(i, j) (w[(i)] * (j))
#define WI (w[i] * 2.0)
#define A2(a, i) ((a)[(i)] + w[(i)])
#define G(i) (w[idx[(i)]] * 2.0)
#define H(i) (w[(i)] + s->v[(i)])
#define PW (*w)
#define U(i, j) u[(j) * n + (i)]

void fn_macro(int n, double *y, const double *w, const int *idx, const struct vec *s)
{
    for (int i = 0; i < n; i++) /* fn macro */
        y[i] = W(i, 3);
}

void obj_macro(int n, double *y, const double *w, const int *idx, const struct vec *s)
{
    for (int i = 0; i < n; i++) /* obj macro */
        y[i] = WI;
}

void arg_macro(int n, double *y, const double *w, const int *idx, const struct vec *s)
{
    for (int i = 0; i < n; i++) /* arg macro */
        y[i] = A2(y, i);
}

void gather_macro(int n, double *y, const double *w, const int *idx, const struct vec *s)
{
    for (int i = 0; i < n; i++) /* gather macro */
        y[i] = G(i);
}

void member_macro(int n, double *y, const double *w, const int *idx, const struct vec *s)
{
    for (int i = 0; i < n; i++) /* member macro */
        y[i] = H(i);
}

void deref_macro(int n, double *y, const double *w, const int *idx, const struct vec *s)
{
    for (int i = 0; i < n; i++) /* deref macro */
        y[i] = PW;
}

void element_macro(int n, int m, double *u, const double *w)
{
    for (int j = 0; j < m; j++) /* element macro */
        for (int i = 0; i < n; i++)
            U(i, j) = 2.0 * w[i];
}
"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
struct vec { double *v; };
void NAME(int n, double *y, const double *w, const int *idx, const struct vec *s);
void element_macro(int n, int m, double *u, const double *w);
int main(void)
{
    int n = 64, m = 8, bad = 0, *idx = malloc(n * sizeof *idx);
    double *y = malloc(n * m * sizeof *y), *w = malloc(n * sizeof *w), *v = malloc(n * sizeof *v);
    double *r = malloc(n * sizeof *r);
    struct vec s = {v};
    for (int i = 0; i < n; i++) { w[i] = i % 7; v[i] = i % 5; idx[i] = (i * 5) % n; y[i] = 1.0; }
    CHECK
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

REFS = {
    "fn_macro": "r[i] = 3.0 * w[i];",
    "obj_macro": "r[i] = 2.0 * w[i];",
    "arg_macro": "r[i] = 1.0 + w[i];",
    "gather_macro": "r[i] = 2.0 * w[idx[i]];",
    "member_macro": "r[i] = w[i] + v[i];",
    "deref_macro": "r[i] = w[0];",
}
HOISTED = ("fn_macro", "obj_macro", "arg_macro")  # covered: the read arrays are mapped
HOST = ("gather_macro", "member_macro", "deref_macro")  # not followed: no compute construct


def _main(name: str) -> str:
    if name == "element_macro":
        check = ("element_macro(n, m, y, w);\n    for (int j = 0; j < m; j++) for (int i = 0; "
                 "i < n; i++) bad += fabs(y[j * n + i] - 2.0 * w[i]) > 1e-12;")
        return MAIN.replace("void NAME(", "void unused(").replace("CHECK", check)
    check = (f"{name}(n, y, w, idx, &s);\n    for (int i = 0; i < n; i++) {{ {REFS[name]} "
             "bad += fabs(y[i] - r[i]) > 1e-12; }")
    return MAIN.replace("NAME", name).replace("CHECK", check)


def _programs(names) -> dict[str, tuple[str, str]]:
    return {name: (KERNEL, _main(name)) for name in names}


def test_arrays_a_macro_body_reads_are_mapped_or_the_loop_stays_on_the_host(tmp_path):
    by = run_verified(tmp_path, _programs((*HOISTED, *HOST, "element_macro")))
    marks = marked_lines(KERNEL)
    for name in (*HOISTED, *HOST):
        line = marks[name.replace("_", " ")]
        pragmas = {q["line"]: q["pragma"] for q in by[name]["engine"]["pragmas"]}
        offloaded = {ln for p in by[name]["offload"]["plans"] for ln in p["loops"]}
        got = pragmas.get(line, "")
        if name in HOISTED:
            assert got.startswith("#pragma acc parallel loop") and "w[0:n]" in got, (name, got)
            assert line in offloaded, (name, by[name]["offload"]["plans"])
            assert by[name]["offload"]["bytes_h2d"] >= 64 * 8, name  # w goes to the device
        else:
            assert "parallel" not in got, (name, got)
            assert line not in offloaded, (name, by[name]["offload"]["plans"])
    # the twin: an element macro is the element, as before
    pragmas = {q["line"]: q["pragma"] for q in by["element_macro"]["engine"]["pragmas"]}
    assert pragmas[marks["element macro"]] == \
        "#pragma acc parallel loop collapse(2) copyin(w[0:n]) copyout(u[0:m*n])", pragmas


def test_the_emulator_sees_a_pointer_a_macro_reads(tmp_path):
    """The pragma the engine gave before (``y`` alone) fails in the emulator: ``w`` is used in
    the region through ``W`` and no clause maps it; the pragma with ``w`` mapped verifies."""
    before = KERNEL.replace("    for (int i = 0; i < n; i++) /* fn macro */",
                            "    #pragma acc parallel loop copyout(y[0:n])\n"
                            "    for (int i = 0; i < n; i++) /* fn macro */")

    suite = write_suite(tmp_path / "a", {"fn_macro": (before, _main("fn_macro"))})
    res = evaluate_dynamic(suite, None, runs=1, with_mutations=False)
    row = res["programs"][0]["original"]
    assert row["status"] != "verified" and "'w'" in (row["reason"] or ""), row
    after = before.replace("copyout(y[0:n])", "copyin(w[0:n]) copyout(y[0:n])")
    moved = run_as_written(tmp_path / "b", {"fn_macro": {"kernel.c": after,
                                                         "main.c": _main("fn_macro")}})
    assert moved["fn_macro"] == 2 * 64 * 8


def test_a_macro_over_scalars_and_locals_binds_no_new_pointer(tmp_path):
    """Twin of the emulator's scan: a macro whose body names a scalar parameter and a local
    of the loop (``SC(x)``) compiles and verifies as written (neither is checked as a
    pointer; the local is not named outside the loop)."""
    kernel = """#define SC(x) ((x) * scale + t)
void scaled(int n, double scale, double *y)
{
    #pragma acc parallel loop copy(y[0:n])
    for (int i = 0; i < n; i++) {
        double t = 1.0;
        y[i] = SC(y[i]);
    }
}
"""
    main = """#include <math.h>
#include <stdio.h>
void scaled(int n, double scale, double *y);
int main(void) {
  double y[32]; int bad = 0;
  for (int i = 0; i < 32; i++) y[i] = i;
  scaled(32, 2.0, y);
  for (int i = 0; i < 32; i++) bad += fabs(y[i] - (2.0 * i + 1.0)) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
    assert run_as_written(tmp_path, {"scaled": {"kernel.c": kernel, "main.c": main}}) == \
        {"scaled": 2 * 32 * 8}
