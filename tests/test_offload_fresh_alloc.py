"""Memory from an allocator wrapper of the program, only freed after the region (issue #15,
docs/offload.md item 6, :mod:`accellium.dataset.offload.fresh`).

``main`` allocates its arrays through ``xalloc``, a function of another file of the program
that returns what ``posix_memalign`` stored in a local pointer of an inner ``static`` wrapper
(the pointer is stored nowhere else): the memory is reachable only through ``main``'s
pointers, so when ``main`` only frees them after its region, nothing reads the device's
values there and the region copies nothing out (``copyin`` instead of ``copy``).
``fresh``: that program (``a`` in once, the sum in and out: ``S + 16`` bytes, ``S`` one
array's bytes; ``4*S + 16`` before the rule, ``2*S + 16`` before ``b``, which nothing writes
between its allocation and the region, was no longer copied in: :mod:`.unwritten`); ``malloc``: the same with ``malloc``
itself (item 6 before this rule: the same bytes); ``xfree``: freed through a function of the
program that only frees its parameter, and ``free_macro``: through a statement macro (the
same).  Twins that must keep copying out: ``global`` (the wrapper also stores the pointer in
a global), ``pool`` (the wrapper returns a pointer into a static pool: not new
memory), ``header`` without its header (the wrapper's body is in a header the planner is not
given: unknown), ``read_after`` (``main`` reads ``a[0]`` after the region), ``call_after``
(``main`` passes ``a`` to a function after the region), ``reader_free`` (the freeing function
also reads the memory).  Whole programs, built with real gcc and run in the data-environment
emulator, their bytes counted.

``header`` with its header read (the dynamic evaluation, the editor and the CLI find it with
``-I``): ``#include`` puts the header's text in the file (C11 6.10.2p3), so its ``static
inline`` wrapper is a definition of the file's own and its memory is fresh — also when the file
holds other ``#pragma`` lines (the planner's trees read them blanked; before, the headers'
declarations and definitions were dropped for such a file): the bytes of ``fresh``."""

from __future__ import annotations

import re

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.fresh import fresh_functions
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 4096
S = N * 8

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
INCLUDE
#define N NSIZE
void *xalloc(unsigned long n, int size);
void *xpool(unsigned long n, int size);
void xfree(void *p);
double seed(int i);
double reference(int n, int steps);
int check(const double *a, int n);

int main(void)
{
    int n = N, steps = 6, bad = 0;
    double *a = ALLOC;
    double *b = ALLOC;
    double s = 0.0;
    for (int i = 0; i < n; i++)
        a[i] = seed(i);
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            b[i] = 0.5 * a[i] + 1.0;
        for (int i = 0; i < n; i++)
            a[i] = 0.25 * (a[i] + b[i]);
    }
    for (int i = 0; i < n; i++)
        s += a[i] + b[i];
    AFTER
    double r = reference(n, steps);
    bad += !(fabs(s - r) <= 1e-9 * fabs(r));  /* NaN is bad */
    puts(bad ? "BAD" : "OK");
    FREE(a);
    FREE(b);
    return 0;
}
"""
ALLOC = """#include <stdio.h>
#include <stdlib.h>
GLOBAL
static void *xmalloc(size_t num)
{
    void *p = NULL;
    int ret = posix_memalign(&p, 32, num);
    if (!p || ret) {
        fprintf(stderr, "no memory\\n");
        exit(1);
    }
    return p;
}

void *xalloc(unsigned long n, int size)
{
    size_t val = n;
    val *= size;
    void *ret = xmalloc(val);
    KEEP
    return ret;
}

void xfree(void *p) { READ free(p); }

double seed(int i) { return (double)(i % 7) / 7.0; }

int check(const double *a, int n) { return n > 0 && a[0] < 0.0; }

double reference(int n, int steps)
{
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), s = 0.0;
    for (int i = 0; i < n; i++)
        a[i] = seed(i);
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < n; i++)
            b[i] = 0.5 * a[i] + 1.0;
        for (int i = 0; i < n; i++)
            a[i] = 0.25 * (a[i] + b[i]);
    }
    for (int i = 0; i < n; i++)
        s += a[i] + b[i];
    free(a);
    free(b);
    return s;
}
"""
POOL = """
static double pool[2 * NSIZE];
static unsigned long used;
void *xpool(unsigned long n, int size)
{
    void *p = pool + used;
    used += n;
    return p;
}
"""
HEADER = """#include <stdlib.h>
static inline void *hxalloc(unsigned long n, int size) { return malloc(n * size); }
"""


def _main(alloc: str = "xalloc(N, sizeof(double))", free: str = "free", after: str = "",
          include: str = "") -> str:
    return (MAIN.replace("ALLOC", alloc).replace("FREE", free).replace("AFTER", after)
            .replace("INCLUDE", include).replace("NSIZE", str(N)))


def _alloc(global_: str = "", keep: str = "", read: str = "", pool: str = "") -> str:
    return (ALLOC.replace("GLOBAL", global_ + pool).replace("KEEP", keep).replace("READ", read)
            .replace("NSIZE", str(N)))


PROGRAMS = {
    "fresh": (_main(), _alloc()),
    "malloc": (_main(alloc="malloc(N * sizeof(double))"), _alloc()),
    "xfree": (_main(free="xfree"), _alloc()),
    # freed through a statement macro (the preprocessor makes it ``free((void *)a);``)
    "free_macro": (_main(free="FREE_ARRAY",
                         include="#define FREE_ARRAY(x) free((void *)x);"), _alloc()),
    # the wrapper also keeps the pointer in a global: anyone may read the memory later
    "global": (_main(), _alloc(global_="void *last_block;", keep="last_block = ret;")),
    # a pointer into a static pool (not new memory; never freed)
    "pool": (_main(alloc="xpool(N, sizeof(double))", free="(void)"), _alloc(pool=POOL)),
    # the wrapper's body is in a header: known when the planner reads the header (-I)
    "header": (_main(alloc="hxalloc(N, sizeof(double))",
                     include='#include "hx.h"\n#pragma GCC diagnostic warning "-Wall"'),
               _alloc()),
    "read_after": (_main(after="bad += a[0] < 0.0;"), _alloc()),
    "call_after": (_main(after="bad += check(a, n);"), _alloc()),
    # the freeing function reads the memory before freeing it
    "reader_free": (_main(free="xfree"),
                    _alloc(read="if (((double *)p)[0] < -1.0) puts(\"odd\");")),
}
HEADERS = {"header": {"hx.h": HEADER}}

# Memory allocated in the region whose bytes are zero (``calloc``, or a wrapper of it) is
# copied in after its allocation: the loop adds to those zeros (``enter data create`` would
# leave the device's bytes undefined; the emulator poisons them).
SWEEP = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N NSIZE
void *xzalloc(unsigned long n, int size);
double seed(int i);

double sweep(int n, int steps, double *restrict a)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        a[i] = 0.5 * a[i];
    double *t = ZALLOC(n, sizeof *t);
    for (int k = 0; k < steps; k++)
        for (int i = 0; i < n; i++)
            t[i] += a[i];
    for (int i = 0; i < n; i++)
        s += t[i];
    free(t);
    return s;
}

int main(void)
{
    int n = N;
    double *a = malloc(N * sizeof *a), r = 0.0;
    for (int i = 0; i < n; i++)
        a[i] = seed(i);
    for (int i = 0; i < n; i++)
        r += 3 * 0.5 * seed(i);
    double s = sweep(n, 3, a);
    puts(fabs(s - r) <= 1e-9 * fabs(r) ? "OK" : "BAD");  /* NaN is BAD */
    free(a);
    return 0;
}
"""
ZALLOC = """#include <stdlib.h>
void *xzalloc(unsigned long n, int size) { return calloc(n, size); }
double seed(int i) { return (double)(i % 7) / 7.0; }
"""
for _z in ("calloc", "xzalloc"):
    PROGRAMS[f"zeroed_{_z}"] = (SWEEP.replace("ZALLOC", _z).replace("NSIZE", str(N)), ZALLOC)


# A kernel function whose scratch parameter main passes as ``*T`` (``ARG(T)``), ``T`` from the
# wrapper and only freed after the call: the parameter is dead after every call (item 8), so
# the kernel never copies it out (``create``: its loop writes the section whole first).
SCRATCH = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define N NSIZE
ARGDEF
void *xalloc(unsigned long n, int size);
double seed(int i);

void smooth(int n, double a[N], double t[N])
{
    for (int i = 1; i < n - 1; i++)
        t[i] = 0.5 * (a[i - 1] + a[i + 1]);
    for (int i = 1; i < n - 1; i++)
        a[i] = 0.5 * (a[i] + t[i]);
}

int main(void)
{
    int n = N, bad = 0;
    double (*A)[N] = xalloc(N, sizeof(double));
    double (*T)[N] = xalloc(N, sizeof(double));
    for (int i = 0; i < n; i++)
        (*A)[i] = seed(i);
    smooth(n, ARG(A), ARG(T));
    for (int i = 1; i < n - 1; i++) {
        double r = 0.5 * (seed(i) + 0.5 * (seed(i - 1) + seed(i + 1)));
        bad += !(fabs((*A)[i] - r) <= 1e-12);
    }
    puts(bad ? "BAD" : "OK");
    free(A);
    LATER
    free(T);
    return 0;
}
"""


def _scratch(argdef: str, later: str = "") -> str:
    return (SCRATCH.replace("ARGDEF", argdef).replace("LATER", later)
            .replace("NSIZE", str(N)))


PROGRAMS.update({
    "star_arg": (_scratch("#define ARG(x) *x"), _alloc()),
    "macro_arg": (_scratch("#define ARG(x) (*x)"), _alloc()),
    # main reads the scratch after the call: the kernel copies it out
    "star_read": (_scratch("#define ARG(x) *x", "bad += (*T)[1] < -1.0;"), _alloc()),
})


def _region(name: str, engine) -> dict[str, str]:
    """The clause of each array on ``main``'s data region (its name -> ``copy``, ...)."""
    main, alloc = PROGRAMS[name]
    text, _ = plan_text(main, engine, program=[alloc.encode()])
    data = next(ln for ln in acc_lines(text) if ln.startswith("#pragma acc data"))
    out = {}
    for clause, args in re.findall(r"(\w+)\(([^()]*(?:\([^()]*\)[^()]*)*)\)", data[16:]):
        for arg in args.split(", "):
            out[arg.split("[")[0]] = clause
    return out


def test_the_wrappers_of_the_program_are_known():
    got = fresh_functions(parse_tree(PROGRAMS["fresh"][0].encode(), "c").root_node,
                          [parse_tree(PROGRAMS["fresh"][1].encode(), "c").root_node])
    # the static inner wrapper is its own file's: the caller's file reaches xalloc only
    assert got.alloc == {"xalloc"} and got.free == {"xfree": 0}, got
    assert not fresh_functions(parse_tree(PROGRAMS["global"][0].encode(), "c").root_node,
                               [parse_tree(PROGRAMS["global"][1].encode(), "c").root_node]
                               ).alloc
    assert "xfree" not in fresh_functions(
        parse_tree(PROGRAMS["reader_free"][0].encode(), "c").root_node,
        [parse_tree(PROGRAMS["reader_free"][1].encode(), "c").root_node]).free


# b is written in the time loop, which may not run (its count is a variable), before the sum
# reads it; but nothing wrote it between its allocation and the region: what it holds there is
# indeterminate (C11 7.22.3.4p2), never copied in


@pytest.mark.parametrize("name", ["fresh", "malloc", "xfree", "free_macro"])
def test_memory_only_freed_after_the_region_is_not_copied_out(name, engine):
    assert _region(name, engine) == {"a": "copyin", "b": "create"}


@pytest.mark.parametrize("name,b", [("global", "copy"), ("pool", "copy"), ("header", "copy"),
                                    ("reader_free", "copyout")])
def test_memory_others_may_reach_is_copied_out(name, b, engine):
    # b's memory is from a wrapper of the program only when it is new (reader_free): then
    # nothing wrote it before the region
    assert _region(name, engine) == {"a": "copy", "b": b}


@pytest.mark.parametrize("name", ["read_after", "call_after"])
def test_a_read_after_the_region_copies_that_array_out(name, engine):
    assert _region(name, engine) == {"a": "copy", "b": "create"}


@pytest.mark.parametrize("name", ["zeroed_calloc", "zeroed_xzalloc"])
def test_zeroed_memory_allocated_in_the_region_is_copied_in(name, engine):
    main, alloc = PROGRAMS[name]
    text, _ = plan_text(main, engine, program=[alloc.encode()])
    assert "#pragma acc enter data copyin(t[0:n])" in acc_lines(text), text


@pytest.mark.parametrize("name,clause", [("star_arg", "create"), ("macro_arg", "create"),
                                         ("star_read", "copyout")])
def test_a_scratch_passed_as_star_a_is_dead_after_the_call(name, clause, engine):
    main, alloc = PROGRAMS[name]
    _, plans = plan_text(main, engine, program=[alloc.encode()])
    got = {a["name"]: a["clause"] for a in plans["smooth"].arrays}
    assert got == {"a": "copy", "t": clause}, plans["smooth"].arrays


def test_the_programs_verify_and_fresh_memory_moves_less(tmp_path):
    res = evaluate_dynamic(write_suite(tmp_path, PROGRAMS, headers=HEADERS), "analysis",
                           runs=1, with_mutations=False, offload=True)
    got = verified_offload_bytes(res)
    # a in once, the sum in and out (8 bytes each way)
    assert got["fresh"] == S + 16, got
    assert got["malloc"] == got["xfree"] == got["free_macro"] == got["fresh"], got
    assert got["header"] == got["fresh"], got  # the header's wrapper is the file's own
    # a and b in and out (b out only, when it is new memory)
    for name in ("global", "pool"):
        assert got[name] == 4 * S + 16, (name, got)
    assert got["reader_free"] == 3 * S + 16, got
    # a in and out
    assert got["read_after"] == 2 * S + 16 and got["call_after"] == 2 * S + 16, got
    # a in and out; t (its section 1..n-2, written whole) made on the device, copied out only
    # when main reads it after the call
    assert got["star_arg"] == got["macro_arg"] == 2 * S, got
    assert got["star_read"] == 2 * S + (N - 2) * 8, got
    # a in (main only frees it after the call: item 8), t's zeros in, the sum in and out
    assert got["zeroed_calloc"] == got["zeroed_xzalloc"] == 2 * S + 16, got
