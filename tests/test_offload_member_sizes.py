"""Sizes kept in a structure's members bound the objects a kernel reaches (issue #15).

Applications keep their dimensions in a struct (Rodinia lavaMD's ``dim_str``): the driver
stores ``d.n`` and ``d.bytes = d.n * sizeof(cell)``, allocates ``malloc(d.bytes)`` and passes
``d`` by value; the kernel reaches its arrays of structures at offsets read from data
(``p[first + i]``), which no loop bound can size.  The object every call passes does: ``d`` is
a struct variable of the driver whose address is taken only after the call (no pointer
reaches it before, so only its own name stores to it: C11 6.5p7, 6.2.4), ``d.bytes`` is
stored once, in the outermost block, before the allocation, so ``malloc`` gave ``d.n``
cells (C11 7.22.3.4); the kernel's parameter is a copy of ``d`` (C11 6.5.2.2p4) it never
stores to, so ``d.n`` there is that count: ``p[0:d.n]`` holds every element the kernel can
touch (C11 6.5.6p8).  An array of structures without pointer members is plain bytes
(C11 6.2.6.1), mapped whole like an array of doubles.

Twins, each leaving the loop on the host: the kernel stores to ``d.n`` (its value at the
region is no longer the count); the driver takes ``&d`` before the call (a callee may change
``d.n`` through it); the allocation's ``sizeof`` is not the pointer's element type (the count
would be of other elements).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.objects import object_extents
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """typedef struct { double v, x; } cell;
typedef struct { long n; long bytes; long nb; int per; } dims;

void forces(dims d, const long *start, const cell *p, cell *f)
{
    long first, other;
    STORE
    for (long b = 0; b < d.nb; b++) {
        first = start[b];
        for (int k = 0; k < 3; k++) {
            other = start[(b + k) % d.nb];
            for (int i = 0; i < d.per; i++) {
                double s = 0.0;
                for (int j = 0; j < d.per; j++)
                    s += p[other + j].v * p[first + i].x;
                f[first + i].v += s;
            }
        }
    }
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
typedef struct { double v, x; } cell;
typedef struct { long n; long bytes; long nb; int per; } dims;
void forces(dims d, const long *start, const cell *p, cell *f);
static void setup(dims *d) { d->per = 8; }
static int check(const dims *d, const long *start, const cell *p, const cell *f)
{
    int bad = 0;
    for (long b = 0; b < d->nb; b++)
        for (int i = 0; i < d->per; i++) {
            long m = start[b] + i;
            double s = 1.0;
            for (int k = 0; k < 3; k++) {
                double t = 0.0;
                for (int j = 0; j < d->per; j++)
                    t += p[start[(b + k) % d->nb] + j].v * p[m].x;
                s += t;
            }
            bad += f[m].v != s;
        }
    return bad;
}
int main(void)
{
    dims d;
    d.nb = 60;
    d.per = 8;
    EARLY
    d.n = d.nb * d.per;
    d.bytes = d.n * sizeof(ELEM);
    long *start = malloc(d.nb * sizeof *start);
    cell *p = (cell *)malloc(d.bytes);
    cell *f = (cell *)malloc(d.bytes);
    for (long b = 0; b < d.nb; b++)
        start[b] = ((b * 7) % d.nb) * d.per;
    for (long k = 0; k < d.n; k++) {
        p[k].v = (k % 5) * 0.5;
        p[k].x = (k % 3) * 0.25;
        f[k].v = 1.0;
        f[k].x = 0.0;
    }
    forces(d, start, p, f);
    puts(check(&d, start, p, f) ? "BAD" : "OK");
    free(start); free(p); free(f);
    return 0;
}
"""
NB, PER, CELL = 60, 8, 16


def _kernel(store: str = "") -> str:
    return KERNEL.replace("STORE", store)


def _main(early: str = "", elem: str = "cell") -> str:
    return MAIN.replace("EARLY", early).replace("ELEM", elem)


def _extents(kernel: str, main: str) -> dict[str, str]:
    from accellium.dataset.offload import poly
    k = parse_tree(kernel.encode(), "c").root_node
    m = parse_tree(main.encode(), "c").root_node
    return {p: poly.render(c) for p, c in object_extents(k, [m]).get("forces", {}).items()}


def test_a_size_kept_in_a_member_bounds_the_object_every_call_passes(engine):
    assert _extents(_kernel(), _main()) == {"start": "d.nb", "p": "d.n", "f": "d.n"}
    _, alone = plan_text(_kernel(), engine)
    assert not alone["forces"].loops, alone["forces"].loops  # `p[other + j]`: no section
    text, plans = plan_text(_kernel(), engine, program=[_main().encode()])
    assert [x["line"] for x in plans["forces"].loops] == [12], plans["forces"].notes
    acc = acc_lines(text)
    assert acc[0] == "#pragma acc data copyin(p[0:d.n]) copy(f[0:d.n])", acc


@pytest.mark.parametrize("kernel, main", [
    (_kernel("d.n = d.n / 2;"), _main()),         # the kernel changes its copy's member
    (_kernel(), _main(early="setup(&d);")),       # a pointer to `d` before the call
    (_kernel(), _main(elem="double")),            # bytes of another element type
])
def test_no_count_when_the_member_may_change_or_counts_other_elements(engine, kernel, main):
    ext = _extents(kernel, main)
    assert "p" not in ext and "f" not in ext, ext
    _, plans = plan_text(kernel, engine, program=[main.encode()])
    assert not plans["forces"].loops, plans["forces"].loops


def test_the_program_verifies_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: the plan maps the objects once, ``p`` in and
    ``f`` in and out (``start`` is read by the host code only)."""
    res = evaluate_dynamic(write_suite(tmp_path, {"members": (_kernel(), _main())}),
                           "analysis", runs=1, with_mutations=False, offload=True)
    verified_offload_bytes(res)
    sites = {x["line"]: x for x in res["programs"][0]["offload"]["sites"]}
    n = NB * PER
    assert (sites[8]["h2d"], sites[8]["d2h"], sites[8]["count"]) == \
        (2 * n * CELL, n * CELL, 1), sites
    # each launch copies only the struct `d` its loop reads `d.per` from (an aggregate is
    # `copy` by default, OpenACC 3.3 2.6.2): no array moves at a launch
    assert sites[13]["count"] == NB * 3 and sites[13]["h2d"] <= NB * 3 * 32, sites
