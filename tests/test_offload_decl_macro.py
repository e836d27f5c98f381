"""A caller declaring its arrays through a statement-level macro call (issue #15, docs/offload.md
item 13): ``ARRAY_2D_DECL(A, DATA_TYPE, NI, NK, ni, nk);`` with ``#define
ARRAY_2D_DECL(var, type, d1, d2, dd1, dd2) type (*var)[d1][d2]; var = (type(*)[d1][d2])
xalloc(...);`` is, once the preprocessor has replaced it (C11 6.10.3), the declaration
``DATA_TYPE (*A)[NI][NK];`` and an assignment to ``A``; the arrays are passed as ``ARRAY(A)``
(``#define ARRAY(x) *x``) to an initialisation function and a kernel function whose
parameters are spelled ``DATA_TYPE ARR_2D(A, NI, NK, ni, nk)``.  The initialisation writes
columns ``0..nk-1`` of rows of ``NK``: whole rows only because ``main`` passes ``nk == NK``,
which the callee's summary (its column bounds) lets ``main`` check.

``decl``: the shape above — ``main``'s region maps ``A[0:1][0:NI][0:NK]``, the initialisation
stays on the device, nothing is copied in; ``narrow``: ``main`` passes ``nk = NK - 4`` (not
whole rows: the initialisation stays on the host, the region copies the arrays in);
``notdecl``: the macro's expansion is not declarations and assignments (an ``if`` in it): the
names stay unknown to ``main``, as before the rule, with the note.  Whole programs with the
macros in the program's own header (found through ``-I``), built with gcc and run in the
data-environment emulator, their bytes counted."""

from __future__ import annotations

from pathlib import Path

from _offload_util import acc_lines, plan_written, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

NI, NK = 40, 24
ONE = NI * NK * 8  # one array's bytes

HEADER = """#define DATA_TYPE double
#define NI 40
#define NK 24
#define ARRAY_2D_DECL(var, type, dim1, dim2, ddim1, ddim2) \\
    type (*var)[dim1][dim2]; var = (type(*)[dim1][dim2]) xalloc((dim1) * (dim2), sizeof(type));
#define ARRAY(x) *x
#define ARR_2D(v, d1, d2, dd1, dd2) v[d1][d2]
void *xalloc(unsigned long n, int size);
"""
NOT_A_DECLARATION = HEADER.replace(
    "var = (type(*)", "if (1) var = (type(*)")

KERNEL = """#include <stdio.h>
#include <stdlib.h>
#include <arr.h>

static void init(int ni, int nk, DATA_TYPE ARR_2D(A, NI, NK, ni, nk),
                 DATA_TYPE ARR_2D(D, NI, NK, ni, nk))
{
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++) {
            A[i][j] = (DATA_TYPE)(i * j % 7) / ni;
            D[i][j] = (DATA_TYPE)(i + j) / nk;
        }
}

static void kernel(int ni, int nk, DATA_TYPE ARR_2D(A, NI, NK, ni, nk),
                   DATA_TYPE ARR_2D(D, NI, NK, ni, nk))
{
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++)
            D[i][j] = 0.5 * D[i][j] + A[i][j];
}

int main(void)
{
    int ni = NI, nk = COLS, bad = 0;
    ARRAY_2D_DECL(A, DATA_TYPE, NI, NK, ni, nk);
    ARRAY_2D_DECL(D, DATA_TYPE, NI, NK, ni, nk);
    init(ni, nk, ARRAY(A), ARRAY(D));
    kernel(ni, nk, ARRAY(A), ARRAY(D));
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++) {
            double a = (double)(i * j % 7) / ni;
            bad += (*D)[i][j] != 0.5 * ((double)(i + j) / nk) + a;
        }
    puts(bad ? "BAD" : "OK");
    free(A);
    free(D);
    return 0;
}
"""
ALLOC = """#include <stdlib.h>
void *xalloc(unsigned long n, int size) { return calloc(n, size); }
"""
PROGRAMS = {"decl": (KERNEL.replace("COLS", "NK"), HEADER),
            "narrow": (KERNEL.replace("COLS", "NK - 4"), HEADER),
            "notdecl": (KERNEL.replace("COLS", "NK"), NOT_A_DECLARATION)}


def _write(tmp: Path, names: list[str]) -> Path:
    return write_suite(tmp, {name: (PROGRAMS[name][0], ALLOC) for name in names},
                       headers={name: {"arr.h": PROGRAMS[name][1]} for name in names})


def _plans(tmp: Path, name: str, engine) -> tuple[str, dict]:
    _write(tmp, [name])
    return plan_written(tmp / "programs" / name, engine, [ALLOC.encode()])


def test_the_statement_macro_declares_the_pointer_and_init_stays_on_the_device(tmp_path, engine):
    text, plans = _plans(tmp_path, "decl", engine)
    assert [c["functions"] for c in plans["main"].calls] == [["init"], ["kernel"]], plans["main"]
    data = next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data"))
    # written whole by init on the device (columns 0..nk-1 with nk == NK at the call); main
    # only frees them after the region, and xalloc returns fresh memory (item 6): nothing
    # copied out either
    assert data == "#pragma acc data create(A[0:1][0:NI][0:NK], D[0:1][0:NI][0:NK])", data
    assert plans["init"].loops, plans["init"]
    assert plans["init"].notes[0].startswith("its loops that only generate data stay on the "
                                             "device"), plans["init"].notes
    # no pragma line inside the macro calls' text; the calls are no "function" notes
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.strip().startswith("ARRAY_2D_DECL(D"))
    assert lines[k - 1].strip().startswith("ARRAY_2D_DECL(A"), lines[k - 2:k + 2]
    assert lines[k + 1].strip() == "#pragma acc data create(A[0:1][0:NI][0:NK], " \
        "D[0:1][0:NI][0:NK])", lines[k:k + 2]
    assert not any("ARRAY" in n for n in plans["main"].notes), plans["main"].notes


def test_narrower_columns_at_the_call_keep_init_on_the_host(tmp_path, engine):
    text, plans = _plans(tmp_path, "narrow", engine)
    assert not plans["init"].loops, plans["init"]
    assert plans["init"].notes[0].startswith("`init` stays on the host"), plans["init"].notes
    assert [c["functions"] for c in plans["main"].calls] == [["kernel"]], plans["main"]
    data = next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data"))
    # D too only copied in: init only subscripts it (keeps no pointer), so after the region
    # only free reaches it (docs/offload.md item 6)
    assert "copyin(A[0:1][0:NI][0:NK], D[0:1][0:NI][0:NK])" in data, data


def test_an_expansion_that_is_not_a_declaration_leaves_the_names_unknown(tmp_path, engine):
    text, plans = _plans(tmp_path, "notdecl", engine)
    assert "main" not in plans or not plans["main"].calls, plans["main"]
    assert not plans["init"].loops, plans["init"]
    notes = " ".join(plans["main"].notes) if "main" in plans else ""
    assert "cannot tell the type of `D`" in notes, notes


def test_the_programs_verify_and_the_declared_object_moves_less(tmp_path):
    res = evaluate_dynamic(_write(tmp_path, list(PROGRAMS)), "analysis", runs=1,
                           with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        assert r["offload"]["status"] == "verified", (name, r["offload"]["reason"])
    got = {k: (v["offload"]["bytes_h2d"] or 0) + (v["offload"]["bytes_d2h"] or 0)
           for k, v in rows.items()}
    # A and D made on the device by init and never copied out (fresh memory of xalloc that
    # main only frees after the region, item 6); `bad`'s reduction, 8 bytes
    assert got["decl"] == 8, got
    # init on the host: the region copies A and D in (whole objects; init, a host call
    # before the region, only subscripts D: nothing reads it after the region)
    assert got["narrow"] == 2 * ONE + 8, got
    # as before the rule: main maps nothing; the kernel copies A in, D in and out
    assert got["notdecl"] == 3 * ONE, got
