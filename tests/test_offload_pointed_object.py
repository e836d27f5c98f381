"""A caller's arrays declared as pointers to array types, ``T (*A)[N][M]``, allocated by a
wrapper the planner does not know and passed as ``*A`` (issue #15, docs/offload.md item 10 of
the planned file's own callers, :func:`accellium.dataset.offload.callsites.pointed_object`):
``*A`` designates one object of type ``T[N][M]`` (C11 6.5.3.2p4) and the callee's parameter
``T a[N][M]`` points to its first row, from which pointer arithmetic reaches only that object
(C11 6.5.6p8), so the caller's region maps ``A[0:1][0:N][0:M]`` — gcc accepts the section on a
pointer to an array, and the callee's ``present``/"present or copy" clauses find it (the same
host addresses).  The initialisation function, whose loops only generate data (item 11), then
stays on the device: its one call is in that region beside the kernel that reads what it
writes (:func:`accellium.dataset.offload.plan._plan_fed`).

``split``: ``main`` initialises, runs the kernel, prints a checksum; ``peek``: the same with the
host reading (and writing) an element of the generated array between the two calls (then an
``update`` keeps it right); ``cols``: init writes columns ``0..m-1`` of rows of ``M``, whole
rows because ``main`` passes ``m == M`` (its summary carries the column bounds, which ``main``
checks at the call: init stays on the device); ``narrow``: the same with ``m = M - 4`` (not the
whole object: on the device the region would copy the arrays in, so init stays on the host
and only the kernel's call joins the region); ``rows``: the control, the arrays passed as ``A[0]`` (not ``*A``):
no region in ``main``, the initialisation on the host, as before.  Whole programs, built with
real gcc and run in the data-environment emulator, their bytes counted."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N, M = 40, 24

KERNEL = """#include <stdio.h>
#include <stdlib.h>
#define N NROWS
#define M NCOLS
void *xalloc(unsigned long n, int size);

static void init(int n, int m, double A[N][M], double D[N][M])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < M; j++) {
            A[i][j] = (double)(i * j % 7) / n;
            D[i][j] = (double)(i + j) / m;
        }
}

static void kernel(int n, int m, double A[N][M], double D[N][M])
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            D[i][j] = 0.5 * D[i][j] + A[i][j];
}

int main(void)
{
    int n = N, m = M, bad = 0;
    double (*A)[N][M] = xalloc(N * M, sizeof(double));
    double (*D)[N][M] = xalloc(N * M, sizeof(double));
    init(n, m, ARG(A), ARG(D));
    PEEK
    kernel(n, m, ARG(A), ARG(D));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double a = (double)(i * j % 7) / n + (i == 1 && j == 2 ? EXTRA : 0.0);
            bad += (*D)[i][j] != 0.5 * ((double)(i + j) / m) + a;
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
PEEK = "if ((*A)[1][2] >= 0.0) (*A)[1][2] += 1.0;"


def _program(arg: str, peek: str) -> str:
    extra = "1.0" if peek else "0.0"
    return (KERNEL.replace("ARG(A)", arg.format("A")).replace("ARG(D)", arg.format("D"))
            .replace("PEEK", peek).replace("EXTRA", extra)
            .replace("NROWS", str(N)).replace("NCOLS", str(M)))


PROGRAMS = {"split": (_program("*{}", ""), ALLOC), "peek": (_program("*{}", PEEK), ALLOC),
            "rows": (_program("{}[0]", ""), ALLOC),
            # init writes columns 0..m-1: whole rows only when m == M, which init cannot
            # tell and its caller can
            "cols": (_program("*{}", "").replace("j < M; j++) {", "j < m; j++) {"), ALLOC),
            "narrow": (_program("*{}", "").replace("j < M; j++) {", "j < m; j++) {")
                       .replace("m = M,", "m = M - 4,"), ALLOC)}


def _plans(name: str, engine):
    kernel, alloc = PROGRAMS[name]
    return plan_text(kernel, engine, program=[alloc.encode()])


def test_the_caller_maps_the_object_and_the_initialisation_stays_on_the_device(engine):
    text, plans = _plans("split", engine)
    assert [c["functions"] for c in plans["main"].calls] == [["init"], ["kernel"]], plans["main"]
    data = next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data")
                and "A[0:1]" in ln)
    # written whole by init on the device before the kernel reads it: created, never copied in
    # (nor out: main only frees it after the region, and xalloc returns fresh memory)
    assert data == "#pragma acc data create(A[0:1][0:N][0:M], D[0:1][0:N][0:M])", data
    assert "copyin(A" not in data and "copy(A" not in data, data
    assert plans["init"].loops, plans["init"]
    assert plans["init"].notes[0].startswith("its loops that only generate data stay on the "
                                             "device"), plans["init"].notes


def test_a_host_read_between_the_calls_is_updated(engine):
    text, plans = _plans("peek", engine)
    lines = acc_lines(text)
    assert any(ln.startswith("#pragma acc update self(A[0:1]") for ln in lines), lines
    assert any(ln.startswith("#pragma acc update device(A[0:1]") for ln in lines), lines


def test_columns_whole_at_the_call_keep_the_initialisation_on_the_device(engine):
    text, plans = _plans("cols", engine)
    assert plans["init"].loops, plans["init"]
    assert [c["functions"] for c in plans["main"].calls] == [["init"], ["kernel"]], plans["main"]
    data = next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data")
                and "A[0:1]" in ln)
    assert "copyin(A" not in data and "copy(A" not in data, data


def test_an_initialisation_not_provably_writing_the_whole_object_stays_on_the_host(engine):
    text, plans = _plans("narrow", engine)
    assert not plans["init"].loops, plans["init"]
    assert plans["init"].notes[0].startswith("`init` stays on the host"), plans["init"].notes
    assert [c["functions"] for c in plans["main"].calls] == [["kernel"]], plans["main"]
    data = next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data")
                and "A[0:1]" in ln)
    # D was passed as `*D` to init, a host call before the region that only subscripts it
    # (keeps no pointer): only free reaches D after the region, so it is not copied out
    assert data == "#pragma acc data copyin(A[0:1][0:N][0:M], D[0:1][0:N][0:M])", data


def test_an_object_of_another_element_type_is_not_mapped(engine):
    kernel = PROGRAMS["split"][0].replace("double (*A)[N][M]", "float (*A)[N][M]")
    _, plans = plan_text(kernel, engine, program=[ALLOC.encode()])
    assert all("A[0:1]" not in a["section"] for a in plans["main"].arrays), plans["main"]
    assert any("is not `*A` of a pointer to an array of rows like `A`" in n
               for n in plans["main"].notes), plans["main"].notes


def test_an_argument_that_is_not_star_a_keeps_the_caller_unchanged(engine):
    text, plans = _plans("rows", engine)
    assert not plans["main"].calls if "main" in plans else True
    assert not plans["init"].loops, plans["init"]
    notes = " ".join(plans["main"].notes) if "main" in plans else ""
    assert "is not `*A` of a pointer to an array" in notes, notes


def test_the_programs_verify_and_the_object_region_moves_less(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, PROGRAMS), "analysis", runs=1,
                           with_mutations=False, offload=True)
    got = verified_offload_bytes(res)
    one = N * M * 8
    # the control: init on the host, the kernel copies A in and D in and out, main's check
    # (a reduction into `bad`) stays on the host (nothing calls main: its single pass would
    # copy D in again, docs/offload.md item 15); with the region: nothing goes in, and nothing
    # comes back (xalloc returns fresh memory, which main only frees after the region:
    # docs/offload.md item 6)
    assert got["rows"] == 3 * one, got
    assert got["split"] == 8, got
    assert got["peek"] == got["split"] + 16, got  # the element pulled and pushed back
    # columns 0..m-1 with m == M at the call: whole, as `split`
    assert got["cols"] == got["split"], got
    # init on the host: A and D in once (shared by the kernel and the check; D not out: init,
    # a host call, only subscripts `*D`)
    assert got["narrow"] == 2 * one + 8, got
