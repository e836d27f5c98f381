"""A whole program in the shape benchmark codes share (issue #15, docs/offload.md items 10,
11 and 13): ``main`` has no loop of its own; it declares its arrays through a statement macro
(an allocator wrapper of another file), calls an initialisation function whose loops only
generate data (it also sets a scalar through a pointer, ``*alpha = ...``), then a kernel
function once, then checks the result on the host.  Only a region of ``main`` holding both
calls lets the arrays be made on the device and move once, out; that is what an OpenACC
programmer porting the whole program writes.  The facts the plan rests on:

* ``&alpha`` of an arithmetic local is memory no data region maps (regions map arrays and
  the objects of member arrays), so the initialisation's host code writing ``*alpha`` sees
  the one host copy; the kernel receives ``alpha`` by value (``scalar_address``);
* the kernel's bounds are spelled through a macro whose expansion names its parameters
  (``#define B_NI LOOP_BOUND(NI, ni)``): in a caller the same name would mean the caller's
  ``ni``, so the summary carries the expansion (``_scoped``); sizes padded by a constant
  macro (``NI + PAD`` with ``#define PAD 0``) are compared with the constant's value;
* the kernel writes ``T[i][j] = 0`` and then accumulates into the same element: it writes the
  whole object before reading any (``reads_own_write`` through the inner loop), so ``main``
  need not copy ``T`` in;
* a function with external linkage named once in the program (all its files known) is as
  good as a ``static`` one named once in its file (C11 6.2.2p2);
* the generators stay on the device only when the region moves less than without them
  (the planner's transfer estimate, :func:`accellium.dataset.offload.region.transfer_cost`).

``whole``: all of the above, ``init`` static; ``extern``: ``init`` with external linkage, the
program's other file not naming it (the same plan); ``second``: the other file names ``init``
too (a function never run, still a second caller): ``init`` stays on the host; ``twice``:
``main`` calls ``init`` twice: it stays on the host; ``peek``: the host sums ``A`` between
the two calls: the region pulls ``A`` before the sum (``update self``); ``tie``:
``init`` generates ``A``, a stencil writes the interior rows of ``D`` from it and the check
reads both after, so the region would copy ``A`` out and ``D`` in and out — no less than the
stencil's own clauses (``A`` in, ``D``'s rows in and out): ``init`` stays on the host with a
note.  ``main`` has no loop: the check is a function that prints what differs.  Whole programs built with gcc and run in the
data-environment emulator, their bytes counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import acc_lines, plan_written, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

NI, NK = 40, 24
SQ, RECT, ROW = NI * NI * 8, NI * NK * 8, NK * 8  # the bytes of T and D, of A and B, of x

HEADER = """#define DATA_TYPE double
#define NI 40
#define NK 24
#define PAD 0
#define LOOP_BOUND(x, y) y
#define B_NI LOOP_BOUND(NI, ni)
#define B_NK LOOP_BOUND(NK, nk)
#define ARRAY_2D_DECL(var, type, dim1, dim2, ddim1, ddim2) \\
    type (*var)[dim1 + PAD][dim2 + PAD]; \\
    var = (type(*)[dim1 + PAD][dim2 + PAD]) xalloc((dim1 + PAD) * (dim2 + PAD), sizeof(type));
#define ARRAY_1D_DECL(var, type, dim1, ddim1) \
    type (*var)[dim1 + PAD]; var = (type(*)[dim1 + PAD]) xalloc(dim1 + PAD, sizeof(type));
#define ARRAY(x) *x
#define ARR_1D(v, d1, dd1) v[d1 + PAD]
#define ARR_2D(v, d1, d2, dd1, dd2) v[d1 + PAD][d2 + PAD]
void *xalloc(unsigned long n, int size);
"""

KERNEL = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <arr.h>

STORAGE void init(int ni, int nk, DATA_TYPE *alpha, DATA_TYPE ARR_2D(A, NI, NK, ni, nk),
                  DATA_TYPE ARR_2D(B, NK, NI, nk, ni), DATA_TYPE ARR_1D(x, NK, nk))
{
    *alpha = 1.5;
    for (int k = 0; k < nk; k++)
        x[k] = 1.0 + k % 3;
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++)
            A[i][j] = (DATA_TYPE)(i * j % 7) / ni;
    for (int i = 0; i < nk; i++)
        for (int j = 0; j < ni; j++)
            B[i][j] = (DATA_TYPE)(i + j % 5) / nk;
}

static void kernel(int ni, int nk, DATA_TYPE alpha, DATA_TYPE ARR_2D(T, NI, NI, ni, ni),
                   DATA_TYPE ARR_2D(A, NI, NK, ni, nk), DATA_TYPE ARR_2D(B, NK, NI, nk, ni),
                   DATA_TYPE ARR_1D(x, NK, nk), DATA_TYPE ARR_2D(D, NI, NI, ni, ni))
{
    for (int i = 0; i < B_NI; i++)
        for (int j = 0; j < B_NI; j++) {
            T[i][j] = 0;
            for (int k = 0; k < B_NK; k++)
                T[i][j] += alpha * A[i][k] * B[k][j] * x[k];
        }
    for (int i = 0; i < B_NI; i++)
        for (int j = 0; j < B_NI; j++)
            D[i][j] = T[i][j] + 2.0 * T[j][i];
}

static int check(int ni, int nk, DATA_TYPE ARR_2D(D, NI, NI, ni, ni))
{
    int bad = 0;
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < ni; j++) {
            double t = 0.0, u = 0.0;
            for (int k = 0; k < nk; k++) {
                double xk = 1.0 + k % 3;
                if (xk > 3.0)
                    printf("x[%d] = %g\\n", k, xk);  /* keeps the check on the host */
                t += 1.5 * ((double)(i * k % 7) / ni) * ((double)(k + j % 5) / nk) * xk;
                u += 1.5 * ((double)(j * k % 7) / ni) * ((double)(k + i % 5) / nk) * xk;
            }
            if (fabs(D[i][j] - (t + 2.0 * u)) > 1e-9 * (1.0 + fabs(t + 2.0 * u))) {
                printf("D[%d][%d] = %g\\n", i, j, D[i][j]);
                bad++;
            }
        }
    return bad;
}

int main(void)
{
    int ni = NI, nk = NK, bad = 0;
    DATA_TYPE alpha;
    ARRAY_2D_DECL(T, DATA_TYPE, NI, NI, ni, ni);
    ARRAY_2D_DECL(A, DATA_TYPE, NI, NK, ni, nk);
    ARRAY_2D_DECL(B, DATA_TYPE, NK, NI, nk, ni);
    ARRAY_2D_DECL(D, DATA_TYPE, NI, NI, ni, ni);
    ARRAY_1D_DECL(x, DATA_TYPE, NK, nk);
    INIT
    kernel(ni, nk, alpha, ARRAY(T), ARRAY(A), ARRAY(B), ARRAY(x), ARRAY(D));
    bad += check(ni, nk, ARRAY(D));
    puts(bad ? "BAD" : "OK");
    free(T);
    free(A);
    free(B);
    free(D);
    free(x);
    return 0;
}
"""
ALLOC = """#include <stdlib.h>
void *xalloc(unsigned long n, int size) { return calloc(n, size); }
"""
SECOND = ALLOC + """#include <arr.h>
void init(int ni, int nk, DATA_TYPE *alpha, DATA_TYPE ARR_2D(A, NI, NK, ni, nk),
          DATA_TYPE ARR_2D(B, NK, NI, nk, ni), DATA_TYPE ARR_1D(x, NK, nk));
void never_called(DATA_TYPE *x) { init(NI, NK, x, 0, 0, 0); }
"""
ONCE = "init(ni, nk, &alpha, ARRAY(A), ARRAY(B), ARRAY(x));"
# the host reads the generated A between the two calls (a checksum of it)
PEEK = ONCE + """
    double s = 0.0;
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++) {
            s += (*A)[i][j];
            if (s < -1.0)
                printf("s = %g\\n", s);  /* keeps the sum on the host */
        }
    bad += s < 0.0;"""
# init generates A, a stencil writes the interior rows of D from it, the check reads both
TIE = """#include <stdio.h>
#include <stdlib.h>
#include <arr.h>

static void init(int ni, int nk, DATA_TYPE ARR_2D(A, NI, NK, ni, nk))
{
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++)
            A[i][j] = (DATA_TYPE)(i * j % 7) / ni;
}

static void smooth(int ni, int nk, DATA_TYPE ARR_2D(A, NI, NK, ni, nk),
                   DATA_TYPE ARR_2D(D, NI, NK, ni, nk))
{
    for (int i = 1; i < ni - 1; i++)
        for (int j = 0; j < nk; j++)
            D[i][j] = A[i - 1][j] + A[i + 1][j];
}

static int check(int ni, int nk, DATA_TYPE ARR_2D(A, NI, NK, ni, nk),
                 DATA_TYPE ARR_2D(D, NI, NK, ni, nk))
{
    int bad = 0;
    for (int i = 0; i < ni; i++)
        for (int j = 0; j < nk; j++) {
            double a = (double)(i * j % 7) / ni;
            double d = i == 0 || i == ni - 1 ? 0.0 :
                (double)((i - 1) * j % 7) / ni + (double)((i + 1) * j % 7) / ni;
            if (A[i][j] != a || D[i][j] != d) {
                printf("%d %d\\n", i, j);
                bad++;
            }
        }
    return bad;
}

int main(void)
{
    int ni = NI, nk = NK;
    ARRAY_2D_DECL(A, DATA_TYPE, NI, NK, ni, nk);
    ARRAY_2D_DECL(D, DATA_TYPE, NI, NK, ni, nk);
    init(ni, nk, ARRAY(A));
    smooth(ni, nk, ARRAY(A), ARRAY(D));
    puts(check(ni, nk, ARRAY(A), ARRAY(D)) ? "BAD" : "OK");
    free(A);
    free(D);
    return 0;
}
"""


def _program(storage: str = "static", init: str = ONCE) -> str:
    return KERNEL.replace("STORAGE", storage).replace("INIT", init)


PROGRAMS = {"whole": (_program(), ALLOC),
            "extern": (_program(storage=""), ALLOC),
            "second": (_program(storage=""), SECOND),
            "twice": (_program(init=ONCE + "\n    " + ONCE), ALLOC),
            "peek": (_program(init=PEEK), ALLOC),
            "tie": (TIE, ALLOC)}


def _write(tmp: Path, names: list[str]) -> Path:
    return write_suite(tmp, {name: PROGRAMS[name] for name in names},
                       headers={name: {"arr.h": HEADER} for name in names})


def _plans(tmp: Path, name: str, engine) -> tuple[str, dict]:
    _write(tmp, [name])
    return plan_written(tmp / "programs" / name, engine, [PROGRAMS[name][1].encode()])


def _data(text: str) -> str:
    return next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data")
                and "[0:1]" in ln)


def _fed(plans: dict) -> bool:
    return bool(plans["init"].loops) and plans["init"].notes[0].startswith(
        "its loops that only generate data stay on the device")


@pytest.mark.parametrize("name", ["whole", "extern"])
def test_main_holds_both_calls_and_the_arrays_are_made_on_the_device(tmp_path, engine, name):
    text, plans = _plans(tmp_path, name, engine)
    assert [c["functions"] for c in plans["main"].calls] == [["init"], ["kernel"]], \
        plans["main"].notes
    assert _fed(plans), plans["init"].notes
    data = _data(text)
    # nothing copied in: init writes A and B whole, the kernel writes T whole before reading
    # it (T[i][j] = 0, then += in the k loop) and D whole
    assert "copyin(" not in data and "copy(" not in data, data
    for x, d1, d2 in (("T", "NI", "NI"), ("A", "NI", "NK"), ("B", "NK", "NI"),
                      ("D", "NI", "NI")):
        assert f"{x}[0:1][0:{d1}+PAD][0:{d2}+PAD]" in data, data
    assert "x[0:1][0:NK+PAD]" in data, data  # one subscript: *x of a T (*x)[NK]


@pytest.mark.parametrize("name", ["second", "twice"])
def test_an_initialisation_called_elsewhere_or_twice_stays_on_the_host(tmp_path, engine, name):
    text, plans = _plans(tmp_path, name, engine)
    assert not plans["init"].loops, plans["init"].notes
    assert plans["init"].notes[0].startswith("`init` stays on the host"), plans["init"].notes


def test_a_host_read_between_the_calls_is_updated_first(tmp_path, engine):
    text, plans = _plans(tmp_path, "peek", engine)
    lines = [ln.strip() for ln in text.splitlines()]
    at = lines.index("double s = 0.0;")
    assert _fed(plans), plans["init"].notes
    # made on the device: pulled before the host sums it, and then not copied out again
    loop = next(k for k in range(at, len(lines)) if lines[k].startswith("for"))
    assert lines[loop - 1] == "#pragma acc update self(A[0:1][0:NI+PAD][0:NK+PAD])", \
        lines[at:loop + 1]
    data = _data(text)
    assert "copyout(" not in data or "A[0:1]" not in data.split("copyout(")[1].split(")")[0], \
        data


def test_a_region_that_moves_no_less_keeps_the_generators_on_the_host(tmp_path, engine):
    text, plans = _plans(tmp_path, "tie", engine)
    assert not plans["init"].loops, plans["init"].notes
    assert any(n.startswith("its loops stay on the host also for its one call, in `main`")
               for n in plans["init"].notes), plans["init"].notes


def test_the_programs_verify_and_the_whole_program_region_moves_less(tmp_path):
    res = evaluate_dynamic(_write(tmp_path, list(PROGRAMS)), "analysis", runs=1,
                           with_mutations=False, offload=True)
    got = verified_offload_bytes(res)
    # made on the device; only D, which the check reads, comes back (the others are memory
    # of the program's allocator wrapper that main only frees: item 6)
    assert got["whole"] == SQ, got
    assert got["extern"] == got["whole"], got
    # init on the host: the kernel copies A, B and x in, T in (it cannot tell that its rows
    # are whole) and D in and out
    assert got["second"] == 2 * RECT + ROW + 3 * SQ, got
    assert got["twice"] == got["second"], got
    # the host's sum of A between the calls: A pulled there by the update
    assert got["peek"] == got["whole"] + RECT, got
    # the stencil's own clauses: A in, the interior rows of D in and out
    assert got["tie"] == RECT + 2 * (NI - 2) * NK * 8, got
