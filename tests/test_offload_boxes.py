"""An initialisation function that fills a box of file-scope grids one plane short of their
declared size, then solver calls that read only inside that box: the caller's region creates
the grids on the device instead of copying the host's bytes in (``dataset/offload/boxes.py``).

The function (two nests: zeros, then values) writes, with plain writes in counted loops that always run, every element of
``[0, imax) x [0, jmax) x [0, kmax)`` (and of the last dimension's constants 0..3 together)
and reads none; the solver reads ``p[i +- 1][j +- 1][k +- 1]`` for ``i`` in ``[1, imax - 1)``,
so every element it reads lies in that box whatever ``imax`` is (spans compared by constant
differences), and nothing in the region stores to ``imax`` between the calls; its scratch grid
is read only where the same iteration wrote it.  So every value the device reads is one a call
of the region wrote on the device (C11 6.8.5.3: a counted loop takes every value of its
range).  Whole programs built with real gcc, run in the emulator (device memory nothing wrote
holds a poison pattern), each checked against the same computation on the host (``main.c``:
the same code, its own copies of the grids).

So are they when the caller's own region fills the box with a loop nest before the calls.
With the initialisation one nest of generators (kept on the device: it is called once and the
region reads what it writes, docs/offload.md item 11) the grids are created too.  Twins, each
verified, each copying in what the rule cannot prove: the fill one plane shorter
still (the solver reads a plane it never wrote: ``p`` is copied in); a call between the fill
and the solver that stores to ``imax`` (the boxes' names change: every grid copied in); the
fill under an ``if`` (it may not run: every grid copied in)."""

from __future__ import annotations

import re

from _offload_util import run_verified

COMMON = """#include <math.h>
#include <stdio.h>
#define MIMAX 17
#define MJMAX 9
#define MKMAX 9
static float p[MIMAX][MJMAX][MKMAX];
static float a[MIMAX][MJMAX][MKMAX][4], b[MIMAX][MJMAX][MKMAX][3], c[MIMAX][MJMAX][MKMAX][3];
static float bnd[MIMAX][MJMAX][MKMAX];
static float wrk1[MIMAX][MJMAX][MKMAX], wrk2[MIMAX][MJMAX][MKMAX];
static int imax, jmax, kmax;
static float omega;

void initmt(void)
{
    int i, j, k;
ZEROS    for (i = 0; i < IEND; ++i)
        for (j = 0; j < jmax; ++j)
            for (k = 0; k < kmax; ++k) {
                a[i][j][k][0] = 1.0f; a[i][j][k][1] = 1.0f; a[i][j][k][2] = 1.0f;
                a[i][j][k][3] = 1.0f / 6.0f;
                b[i][j][k][0] = 0.0f; b[i][j][k][1] = 0.0f; b[i][j][k][2] = 0.0f;
                c[i][j][k][0] = 1.0f; c[i][j][k][1] = 1.0f; c[i][j][k][2] = 1.0f;
                p[i][j][k] = (float)(i * i) / (float)((imax - 1) * (imax - 1));
                wrk1[i][j][k] = 0.0f;
                bnd[i][j][k] = 1.0f;
            }
}

void widen(void)
{
    imax = MIMAX - 1;
}

float jacobi(int nn)
{
    int i, j, k, n;
    float gosa = 0.0f, s0, ss;
    for (n = 0; n < nn; ++n) {
        gosa = 0.0f;
        for (i = 1; i < imax - 1; ++i)
            for (j = 1; j < jmax - 1; ++j)
                for (k = 1; k < kmax - 1; ++k) {
                    s0 = a[i][j][k][0] * p[i + 1][j][k] + a[i][j][k][1] * p[i][j + 1][k]
                       + a[i][j][k][2] * p[i][j][k + 1]
                       + b[i][j][k][0] * (p[i + 1][j + 1][k] - p[i + 1][j - 1][k]
                                          - p[i - 1][j + 1][k] + p[i - 1][j - 1][k])
                       + b[i][j][k][1] * (p[i][j + 1][k + 1] - p[i][j - 1][k + 1]
                                          - p[i][j + 1][k - 1] + p[i][j - 1][k - 1])
                       + b[i][j][k][2] * (p[i + 1][j][k + 1] - p[i - 1][j][k + 1]
                                          - p[i + 1][j][k - 1] + p[i - 1][j][k - 1])
                       + c[i][j][k][0] * p[i - 1][j][k] + c[i][j][k][1] * p[i][j - 1][k]
                       + c[i][j][k][2] * p[i][j][k - 1] + wrk1[i][j][k];
                    ss = (s0 * a[i][j][k][3] - p[i][j][k]) * bnd[i][j][k];
                    gosa = gosa + ss * ss;
                    wrk2[i][j][k] = p[i][j][k] + omega * ss;
                }
        for (i = 1; i < imax - 1; ++i)
            for (j = 1; j < jmax - 1; ++j)
                for (k = 1; k < kmax - 1; ++k)
                    p[i][j][k] = wrk2[i][j][k];
    }
    return gosa;
}
"""
SETUP = """    omega = 0.8f;
    imax = IMAX0;
    jmax = MJMAX - 1;
    kmax = MKMAX - 1;
"""
MAIN_FN = """
float reference(int n1, int n2, float *first);

int main(void)
{
    float gosa1, gosa2, want, first;
SETUP    FILL;
    BETWEEN
    gosa1 = jacobi(3);
    gosa2 = jacobi(4);
    want = reference(3, 4, &first);
    puts(fabsf(gosa1 - first) <= 1e-4f * fabsf(first) &&
         fabsf(gosa2 - want) <= 1e-4f * fabsf(want) ? "OK" : "BAD");
    return 0;
}
"""
REF_FN = """
float reference(int n1, int n2, float *first)
{
SETUP    FILL;
    BETWEEN
    *first = jacobi(n1);
    return jacobi(n2);
}
"""
#: The initialisation's first nest (zeros); without it, one nest that only generates the grids:
#: alone it would stay on the host (docs/offload.md item 11), called once by a region that reads
#: them it stays on the device
ZEROS = """    for (i = 0; i < IEND; ++i)
        for (j = 0; j < jmax; ++j)
            for (k = 0; k < kmax; ++k) {
                a[i][j][k][0] = 0.0f; a[i][j][k][1] = 0.0f; a[i][j][k][2] = 0.0f;
                a[i][j][k][3] = 0.0f;
                b[i][j][k][0] = 0.0f; b[i][j][k][1] = 0.0f; b[i][j][k][2] = 0.0f;
                c[i][j][k][0] = 0.0f; c[i][j][k][1] = 0.0f; c[i][j][k][2] = 0.0f;
                p[i][j][k] = 0.0f;
                wrk1[i][j][k] = 0.0f;
                bnd[i][j][k] = 0.0f;
            }
"""

#: the initialisation's second nest written in the caller itself (an offloaded loop of its
#: region fills the box)
INLINE = "{\n        int i, j, k;\n" + "\n".join(
    "    " + line if line else line
    for line in COMMON[COMMON.index("ZEROS") + 5:COMMON.index("}\n\nvoid widen")].replace(
        "IEND", "imax").splitlines()) + "\n    }"

VARIANTS = {
    "boxed": {},
    "short": {"IEND": "imax - 1"},
    "widened": {"IMAX0": "MIMAX - 2", "BETWEEN": "widen();"},
    "maybe": {"FILL": "if (omega > 0.5f) initmt()"},
    "one_nest": {"ZEROS": ""},
    "inline": {"FILL": INLINE},
}
GRIDS = ("a", "b", "c", "p", "wrk1", "bnd")


def _program(**over: str) -> tuple[str, str]:
    subs = {"IEND": "imax", "IMAX0": "MIMAX - 1", "BETWEEN": "", "FILL": "initmt()",
            "ZEROS": ZEROS, **over}

    def spelled(src: str) -> str:
        src = src.replace("SETUP", SETUP)
        for k in ("ZEROS", "IEND", "IMAX0", "BETWEEN", "FILL"):
            src = src.replace(k, subs[k])
        return src

    # the driver's copy: the same code on the host under other names, its own grids (static:
    # internal linkage); the kernel's functions are named in no other file
    ref = re.sub(r"\b(initmt|widen|jacobi)\b", r"ref_\1", spelled(COMMON + REF_FN))
    return spelled(COMMON + MAIN_FN), ref


def _clauses(row: dict) -> dict[str, str]:
    plan = {p["function"]: p for p in row["offload"]["plans"]}["main"]
    return {a["name"]: a.get("clause") or a.get("how") for a in plan["arrays"]}


def test_a_fill_of_a_box_creates_the_grids_the_solver_reads_inside_it(tmp_path):
    rows = run_verified(tmp_path, {name: _program(**over) for name, over in VARIANTS.items()},
                        variants=("serial", "engine", "offload"))
    boxed = _clauses(rows["boxed"])
    assert all(boxed[g] == "create" for g in (*GRIDS, "wrk2")), boxed
    # nothing of the grids copied in: the solver's scalars only
    assert rows["boxed"]["offload"]["bytes_h2d"] <= 64, rows["boxed"]["offload"]
    grid = 17 * 9 * 9 * 4
    short = _clauses(rows["short"])
    assert short["p"] == "copyin" and all(short[g] == "create" for g in GRIDS if g != "p"), short
    assert grid <= rows["short"]["offload"]["bytes_h2d"] <= grid + 64
    # the initialisation a single nest of generators: kept on the device (called once, its
    # grids read by the region), and the grids created
    one = _clauses(rows["one_nest"])
    assert all(one[g] == "create" for g in (*GRIDS, "wrk2")), one
    assert rows["one_nest"]["offload"]["bytes_h2d"] <= 64, rows["one_nest"]["offload"]
    # the fill a loop nest of the caller's own region, before the calls
    inline = _clauses(rows["inline"])
    assert all(inline[g] == "create" for g in (*GRIDS, "wrk2")), inline
    assert rows["inline"]["offload"]["bytes_h2d"] <= 64, rows["inline"]["offload"]
    for name in ("widened", "maybe"):
        got = _clauses(rows[name])
        assert all(got[g] == "copyin" for g in GRIDS), (name, got)
