"""A loop in a C inline definition gets no compute construct (:mod:`server.safety`), and a
build that does not link says why (:func:`accellium.evaluation.dynamic.variants.compile_reason`).

A function declared ``inline`` with external linkage, and with no file-scope declaration
saying ``extern`` or leaving ``inline`` out, has an inline definition only (C11 6.7.4p7): the
unit provides no external definition, and whether a call uses the inline body or the external
definition is unspecified.  A program that has no external definition links only while the
compiler inlines every call — which it stops doing once a compute construct in the body is
outlined (gcc -fopenacc: "undefined reference to `scale'").  The per-loop answer for the loop
in ``scale`` was ``parallel loop``: the program, split over two files, built serially and not
with the answers.  Now the loop gets no pragma with a note, the caller's loop none either
(its call writes ``y``), and the program verifies; the twin with ``static inline`` (internal
linkage: the definition is the function's) keeps the answer and moves ``y`` each call.

The instrument's compile-failure reason carries the linker's line naming the symbol, not only
the driver's "ld returned 1 exit status": the authors' build of ``missing`` calls a function
no file defines when ``_OPENACC`` is set."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.evaluation.dynamic.variants import compile_reason

N, M = 300, 4

KERNEL = """LINKAGE void scale(int n, double a, double *y)
{
    for (int i = 0; i < n; i++)
        y[i] = a * y[i] + 1.0;
}

void steps(int n, int m, double *y)
{
    for (int s = 0; s < m; s++)
        scale(n, 0.5, y);
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
void steps(int n, int m, double *y);
int main(void)
{{
    static double y[{N}], r[{N}];
    for (int i = 0; i < {N}; i++) y[i] = r[i] = i % 7;
    steps({N}, {M}, y);
    for (int s = 0; s < {M}; s++)
        for (int i = 0; i < {N}; i++) r[i] = 0.5 * r[i] + 1.0;
    int bad = 0;
    for (int i = 0; i < {N}; i++) bad += fabs(y[i] - r[i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""

MISSING = """#ifdef _OPENACC
void device_setup(void);
#endif
void scale(int n, double a, double *y)
{
#ifdef _OPENACC
    device_setup();
#endif
    #pragma acc parallel loop copy(y[0:n])
    for (int i = 0; i < n; i++)
        y[i] = a * y[i] + 1.0;
}

void steps(int n, int m, double *y)
{
    for (int s = 0; s < m; s++)
        scale(n, 0.5, y);
}
"""


def test_loop_in_inline_definition_gets_no_compute_construct(tmp_path):
    man = write_suite(tmp_path, {"inline_def": (KERNEL.replace("LINKAGE", "inline"), MAIN),
                                 "static_inline": (KERNEL.replace("LINKAGE", "static inline"),
                                                   MAIN)})
    res = evaluate_dynamic(man, "analysis", runs=1, with_mutations=False, work_dir=tmp_path / "w")
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        assert r["serial"]["status"] == "verified", name
        assert r["engine"]["status"] == "verified", (name, r["engine"]["reason"])
    assert rows["inline_def"]["engine"]["pragmas"] == []
    assert rows["inline_def"]["engine"]["bytes_h2d"] == 0
    (kept,) = rows["static_inline"]["engine"]["pragmas"]
    assert kept["line"] == 3 and kept["pragma"].startswith("#pragma acc parallel loop")
    moved = N * 8 * M
    assert rows["static_inline"]["engine"]["bytes_h2d"] == moved
    assert rows["static_inline"]["engine"]["bytes_d2h"] == moved


def test_link_failure_reason_names_the_symbol(tmp_path):
    man = write_suite(tmp_path, {"missing": (MISSING, MAIN)})
    res = evaluate_dynamic(man, None, runs=1, with_mutations=False, work_dir=tmp_path / "w")
    (row,) = res["programs"]
    assert row["serial"]["status"] == "verified"
    assert row["original"]["status"] == "compile"
    reason = row["original"]["reason"]
    assert "undefined reference to `device_setup'" in reason, reason
    assert reason.index("undefined reference") < reason.find("ld returned")


def test_compile_reason_puts_the_linker_lines_first():
    log = ("/usr/bin/ld: /tmp/cc1.o: in function `zran':\n"
           "k.c:(.text+0x9a): undefined reference to `gen'\n"
           "/usr/bin/ld: k.c:(.text+0xa0): multiple definition of `tab'; m.o: first defined\n"
           "collect2: error: ld returned 1 exit status\n")
    got = compile_reason(log).split(" | ")
    assert got[0] == "k.c:(.text+0x9a): undefined reference to `gen'"
    assert "multiple definition of `tab'" in got[1]
    assert got[2] == "collect2: error: ld returned 1 exit status"
    assert compile_reason("k.c:3:1: error: expected ';'\n") == "k.c:3:1: error: expected ';'"
