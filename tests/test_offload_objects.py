"""Extents from the objects every call passes, and copies nothing needs (issue #15).

* A pointer parameter that at every call (all calls known) points to the start of an object of
  N elements — a caller's local array, its one ``malloc``, or such a parameter of its own —
  reaches only ``p[0:N]`` (C11 6.5.6p8), whatever its subscripts (``x[col[k]]``): the loop
  the per-loop engine must refuse (it cannot copy what it cannot bound) goes to the device,
  the engine asked again with the arrays mapped.  Twin: a second call passes an object of
  another size (or an offset pointer): no extent, the loop stays on the host with a note.
* An element ``w[k]`` of a local array of pointers, each only ever assigned a fresh
  allocation and never named after the call, is dead after it like a local ``malloc``.
  Twin: the caller reads ``w`` after the call.
* A loop inside host loops that writes every element of an array nothing in the region reads
  needs no copy in.  Twin: the array is read in the region.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, verified_offload_bytes, write_suite

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload import poly
from accellium.dataset.offload.live import dead_parameters
from accellium.dataset.offload.objects import object_extents
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.offload import apply_plans, offload_source

N, K = 3000, 4

# y = A x with A in CSR form: val/col reached through rowptr, x through col (data)
SPMV = """
static void spmv(int n, const int *rowptr, const int *col, const double *val,
                 const double *x, double *y)
{
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
            s += val[k] * x[col[k]];
        y[i] = s;
    }
}

void run(int n, double *x, double *y)
{
    int *rowptr = malloc((n + 1) * sizeof *rowptr), *col = malloc(KK * n * sizeof *col);
    double *val = malloc(KK * n * sizeof *val);
    for (int i = 0; i <= n; i++)
        rowptr[i] = KK * i;
    for (int e = 0; e < KK * n; e++) {
        col[e] = (e * 7 + 3) % n;
        val[e] = 1.0 / (1 + e % 5);
    }
    spmv(n, rowptr, col, val, x, y);
    OTHER
    free(rowptr); free(col); free(val);
}
""".replace("KK", str(K))
# the twin: another call passes a shorter object (no one extent for `x`)
OTHER = "spmv(n / 2, rowptr, col, val, y, x);"
SPMV_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void run(int n, double *x, double *y);
int main(void) {
  int n = NSIZE, bad = 0;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *r = malloc(n * 8);
  for (int i = 0; i < n; i++) x[i] = (i * 13) % 17;
  run(n, x, y);
  for (int i = 0; i < n; i++) {
    r[i] = 0.0;
    for (int e = KK * i; e < KK * (i + 1); e++) r[i] += 1.0 / (1 + e % 5) * x[(e * 7 + 3) % n];
  }
  for (int i = 0; i < LAST; i++) bad += fabs(y[i] - r[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
""".replace("KK", str(K))

# five work grids in an array of pointers, passed element by element
GRIDS = """
static void smooth(int n, int steps, double *u, double *t)
{
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++)
            t[i] = 0.5 * u[i] + 1.0;
        for (int i = 0; i < n; i++)
            u[i] = t[i] * t[n - 1 - i] * 0.25;
    }
}

void run(int n, int steps, double *u)
{
    double *w[2];
    for (int k = 0; k < 2; k++)
        w[k] = malloc(n * sizeof *w[k]);
    smooth(n, steps, u, w[1]);
    AFTER
    for (int k = 0; k < 2; k++)
        free(w[k]);
}
"""
GRIDS_MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
void run(int n, int steps, double *u);
int main(void) {
  int n = NSIZE, bad = 0; double *u = malloc(n * 8), *r = malloc(n * 8), *t = malloc(n * 8);
  for (int i = 0; i < n; i++) u[i] = r[i] = (i * 13) % 17 * 0.1;
  run(n, 3, u);
  for (int s = 0; s < 3; s++) {
    for (int i = 0; i < n; i++) t[i] = 0.5 * r[i] + 1.0;
    for (int i = 0; i < n; i++) r[i] = t[i] * t[n - 1 - i] * 0.25;
  }
  REF
  for (int i = 0; i < n; i++) bad += fabs(u[i] - r[i]) > 1e-12;
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
# the twin reads a work grid after the call
READ_W = "u[0] += w[1][n - 1];"

# a grid written row by row inside a host loop (a recurrence keeps it there), nothing reading
# it in the region; each element reads an offset from `h` (a loop that only generates data
# would stay on the host: tests/test_offload_generators.py)
FILL = """
void fill(int n, double *g, double c, const double *h)
{
    double s = c;
    for (int i = 0; i < n; i++) {
        s = s * 0.5 + i;
        for (int j = 0; j < 8 * n; j++)
            g[i * 8 * n + j] = s + j + h[j % 2];
    }
    READ
}
"""
FILL_MAIN = """#include <stdio.h>
#include <stdlib.h>
void fill(int n, double *g, double c, const double *h);
int main(void) {
  int n = NSIZE, bad = 0; double *g = malloc(n * n * 8 * sizeof *g), s = 0.5;
  double h[2] = {0.0, 0.0};
  for (int e = 0; e < n * n * 8; e++) g[e] = -1.0;
  fill(n, g, 0.5, h);
  for (int i = 0; i < n; i++) {
    s = s * 0.5 + i;
    for (int j = 0; j < 8 * n; j++) bad += g[i * 8 * n + j] != (s + j) * EXTRA;
  }
  puts(bad ? "BAD" : "OK"); return 0;
}
"""
# the twin reads the grid in the region (a loop after the nest, which wrote all of it)
READ_G = "for (int e = 0; e < 8 * n * n; e++)\n        g[e] = 2.0 * g[e];"


def _plan(src: str, engine, main: str | None = None) -> tuple[list[str], dict]:
    src = "#include <stdlib.h>\n" + src
    plans = offload_source(src.encode(), engine, path="k.c",
                           program=[main.encode()] if main is not None else None)
    return acc_lines(apply_plans(src.encode(), plans).decode()), {p.function: p for p in plans}


def _extents(src: str) -> dict[str, dict[str, str]]:
    got = object_extents(parse_tree(src.encode(), "c").root_node)
    return {f: {p: poly.render(c) for p, c in v.items()} for f, v in got.items()}


def test_the_object_every_call_passes_bounds_indirect_subscripts(engine):
    src = SPMV.replace("OTHER", "")
    # `x` is `run`'s parameter: its object is known only with the program's other file
    assert _extents(src)["spmv"] == {"rowptr": "n+1", "col": f"{K}*n", "val": f"{K}*n"}
    _, alone = _plan(src, engine)
    assert not alone["spmv"].loops and "x[col[k]]" in alone["spmv"].host_loops[0]["why"]
    acc, plans = _plan(src, engine, SPMV_MAIN)
    assert [x["line"] for x in plans["spmv"].loops] == [6], plans["spmv"].host_loops
    assert acc[0] == f"#pragma acc parallel loop copyin(rowptr[0:n+1], val[0:{K}*n], x[0:n], " \
        f"col[0:{K}*n]) copyout(y[0:n])", acc
    froms = {a["name"]: a["from"] for a in plans["spmv"].arrays}
    assert froms["val"] == froms["x"] == "object every call passes", froms
    assert froms["y"] == "loop bounds", froms


def test_objects_of_different_sizes_give_no_extent(engine):
    src = SPMV.replace("OTHER", OTHER)
    assert "x" not in _extents(src).get("spmv", {})
    offset = SPMV.replace("OTHER", "").replace("spmv(n, rowptr, col, val, x, y);",
                                               "spmv(n, rowptr, col, val + 1, x, y);")
    assert "val" not in _extents(offset).get("spmv", {})
    _, plans = _plan(offset, engine, SPMV_MAIN)
    assert not plans["spmv"].loops
    assert "val[k]" in plans["spmv"].host_loops[0]["why"], plans["spmv"].host_loops


def test_elements_of_a_local_pointer_array_are_dead(engine):
    tree = parse_tree(("#include <stdlib.h>\n" + GRIDS.replace("AFTER", "")).encode(), "c")
    assert dead_parameters(tree.root_node) == {"smooth": {"t"}}
    acc, _ = _plan(GRIDS.replace("AFTER", ""), engine)
    assert acc[0] == "#pragma acc data copy(u[0:n]) create(t[0:n])", acc
    read = parse_tree(("#include <stdlib.h>\n" + GRIDS.replace("AFTER", READ_W)).encode(), "c")
    assert dead_parameters(read.root_node) == {}


def test_a_nest_writing_what_nothing_reads_needs_no_copy_in(engine):
    acc, _ = _plan(FILL.replace("READ", ""), engine)
    assert acc[0] == "#pragma acc data copyin(h[0:2]) copyout(g[0:8*n*n])", acc
    # the twin's loop reads the grid after the whole nest wrote it (the nest's outer loop stays
    # on the host, its inner loop writes each row on the device): still nothing to copy in
    acc, _ = _plan(FILL.replace("READ", READ_G), engine)
    assert acc[0] == "#pragma acc data copyin(h[0:2]) copyout(g[0:8*n*n])", acc


def test_the_programs_verify_in_the_emulator(tmp_path):
    """gcc -fopenacc, separate device memory: every plan verifies; the CSR loop runs on the
    device with its arrays moved once; dead work grids move nothing; the filled grid is only
    copied out."""
    size = str(N)
    fill_n = 40
    progs = {
        "csr_one": (SPMV.replace("OTHER", ""),
                    SPMV_MAIN.replace("NSIZE", size).replace("LAST", "n")),
        "csr_two": (SPMV.replace("OTHER", OTHER),
                    SPMV_MAIN.replace("NSIZE", size).replace("LAST", "0")),
        "grids": (GRIDS.replace("AFTER", ""),
                  GRIDS_MAIN.replace("NSIZE", size).replace("REF", "")),
        "grids_read": (GRIDS.replace("AFTER", READ_W),
                       GRIDS_MAIN.replace("NSIZE", size).replace("REF", "r[0] += t[n - 1];")),
        "fill": (FILL.replace("READ", ""),
                 FILL_MAIN.replace("NSIZE", str(fill_n)).replace("EXTRA", "1")),
        "fill_read": (FILL.replace("READ", READ_G),
                      FILL_MAIN.replace("NSIZE", str(fill_n)).replace("EXTRA", "2")),
    }
    progs = {k: ("#include <stdlib.h>\n" + a, b) for k, (a, b) in progs.items()}
    res = evaluate_dynamic(write_suite(tmp_path, progs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    rows = {r["name"]: r for r in res["programs"]}
    vec = N * 8
    # with one object per argument the CSR loop joins `run`'s region (its two fill loops):
    # rowptr, col, val are filled on the device, read there by `spmv` and freed after it, so
    # they are created, and only x goes in and y out; with two sizes `spmv` stays on the host,
    # and so do the fill loops: they only generate the matrix, which no device code reads
    # (offloaded, they moved it both ways: 2 * ((N + 1) * 4 + K * N * (4 + 8)) bytes)
    assert moved["csr_one"] == 2 * vec, moved
    assert moved["csr_two"] == 0, moved
    assert rows["csr_one"]["offload_loops"] == 3 and rows["csr_two"]["offload_loops"] == 0
    assert moved["grids"] == 2 * vec, moved  # u in and out; the work grid is created
    assert moved["grids_read"] == 2 * vec + 2 * vec, moved  # and the work grid copied
    grid = fill_n * fill_n * 8 * 8 + 2 * 8  # and h in
    assert moved["fill"] == grid, moved
    assert moved["fill_read"] == grid, moved  # read on the device after the whole nest
    assert res["metrics"]["offload_failed_present-abort"] == 0.0
