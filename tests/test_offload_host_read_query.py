"""A call statement that also reads an element of an array the device never writes joins the
caller's region (docs/offload.md, item 10, :func:`accellium.dataset.offload.callsites._mixed`),
and a host function that only reads an array it is passed needs no ``update device`` after
it (:mod:`accellium.dataset.offload.readargs`).

A query loop calls an offloading function per query with the query's coordinates,
``distances(n, x, y, z, qx[q], qy[q], qz[q], d)``, then picks the nearest point on the host.
Before, the statement "also uses `qx` on the host" and no region held the call: each query
mapped the points again.  The host and device copies of data differ only after one side
writes its copy (OpenACC 3.3, 2.6): ``qx`` is a true array of the function, reached only
through its elements (no other name aliases it) and written by no device code, so its host
copy is current wherever the host reads it, and the call joins a region around the loop — the
points move once.  ``nearest(n, d)`` only reads ``d[i]``: the ``update self(d)`` before it
stays, the ``update device(d)`` after it (the same bytes sent back) goes.

Twins that keep the call out: the query coordinates are pointer parameters (they may point
into ``d``, which the device writes), or a device loop of the function writes ``qx`` (the
host copy is stale after it).  A twin host function that writes ``d`` keeps the ``update
device``.  The array may be passed whole (its address given away) below the loop, where
the function runs on once: every read of ``qx[q]`` comes before any other name for it exists
(``record(qx, best)`` after the loop; twin: the same call inside the loop keeps the call out,
the next query's read follows it).  Whole programs, built with real gcc and run in the data-environment emulator, their
bytes counted."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, verified_offload_bytes, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 20000

KERNEL = """#include <math.h>
#include <stdlib.h>
#define NQ 4

static void distances(int n, const double *x, const double *y, const double *z, double px,
                      double py, double pz, double *d)
{
    for (int i = 0; i < n; i++) {
        double dx = px - x[i], dy = py - y[i], dz = pz - z[i];
        d[i] = sqrt(dx * dx + dy * dy + dz * dz);
    }
}

static int nearest(int n, NEAREST_D)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (d[i] < d[b])
            b = i;
    NEAREST_WRITE
    return b;
}

void record(const double *qx, const int *best);

void query(int n, const double *x, const double *y, const double *z, QUERY_PARAMS int *best)
{
    double *d = malloc(n * sizeof *d);
    QUERY_DECL
    QUERY_MOVE
    for (int q = 0; q < NQ; q++) {
        distances(n, x, y, z, qx[q], qy[q], qz[q], d);
        best[q] = nearest(n, d);
        RECORD_IN_LOOP
    }
    RECORD_AFTER
    free(d);
}
"""
DECL = "double qx[NQ] = {10.5, 45.25, -20.0, 70.75}, qy[NQ] = {100.0, -30.5, 5.25, 60.0}, " \
       "qz[NQ] = {1.0, -2.0, 3.0, -4.0};"
# query(..., qx, qy, qz, best) in the driver; qx moved by SHIFT in the `moved` twin
MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define NQ 4
void query(int n, const double *x, const double *y, const double *z, QUERY_PARAMS int *best);
void record(const double *qx, const int *best) { (void)qx; (void)best; }
int main(void)
{
    int n = NSIZE, best[NQ], bad = 0;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    DECL
    for (int i = 0; i < n; i++) {
        x[i] = (double)(((long)i * 7919) % 18000) / 100.0 - 90.0;
        y[i] = (double)(((long)i * 104729) % 36000) / 100.0 - 180.0;
        z[i] = (double)(i % 17) - 8.0;
    }
    query(n, x, y, z, QUERY_ARGS best);
    MAIN_MOVE
    for (int q = 0; q < NQ; q++) {
        int b = 0;
        double bd = INFINITY;
        for (int i = 0; i < n; i++) {
            double dx = qx[q] - x[i], dy = qy[q] - y[i], dz = qz[q] - z[i];
            double di = sqrt(dx * dx + dy * dy + dz * dz);
            if (di < bd) { bd = di; b = i; }
        }
        bad += b != best[q];
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
MOVE = "for (int q = 0; q < NQ; q++) qx[q] += x[q];"
VARIANTS = {
    "local": {},
    "param": {"QUERY_PARAMS": "const double *qx, const double *qy, const double *qz,",
              "QUERY_DECL": "", "QUERY_ARGS": "qx, qy, qz,"},
    "moved": {"QUERY_MOVE": MOVE, "MAIN_MOVE": MOVE},
    "writer": {"NEAREST_D": "double *d", "NEAREST_WRITE": "d[b] = -d[b];"},
    # `qx` passed whole to another file's function once the loop is done: the read of qx[q]
    # runs before any other name for it exists
    "recorded": {"RECORD_AFTER": "record(qx, best);"},
    # twin: passed whole inside the loop: the next query's read follows it
    "recorded_in_loop": {"RECORD_IN_LOOP": "record(qx, best);"},
}


def _program(variant: str) -> tuple[str, str]:
    subs = {"QUERY_PARAMS": "", "QUERY_DECL": DECL, "QUERY_ARGS": "", "QUERY_MOVE": "",
            "MAIN_MOVE": "", "NEAREST_D": "const double *d", "NEAREST_WRITE": "",
            "RECORD_IN_LOOP": "", "RECORD_AFTER": "",
            **VARIANTS[variant]}
    kernel, main = KERNEL, MAIN.replace("NSIZE", str(N)).replace("DECL", DECL)
    for key, value in subs.items():
        kernel, main = kernel.replace(key, value), main.replace(key, value)
    return kernel, main


def _plan(variant: str, engine) -> tuple[str, dict]:
    kernel, main = _program(variant)
    return plan_text(kernel, engine, program=[main.encode()])


@pytest.mark.parametrize("variant", ["local", "recorded"])
def test_a_host_read_of_a_query_array_no_device_writes_joins_the_region(engine, variant):
    text, plans = _plan(variant, engine)
    query = plans["query"]
    assert [c["functions"] for c in query.calls] == [["distances"]], query.notes
    assert query.regions[0]["calls"] == 1 and query.regions[0]["repeated"], query.regions
    assert not any("also uses" in n for n in query.notes), query.notes
    acc = acc_lines(text)
    assert "#pragma acc update self(d[0:n])" in acc, text
    # nearest only reads d: nothing to send back after it
    assert not any(a.startswith("#pragma acc update device") for a in acc), text


@pytest.mark.parametrize("variant, array", [("param", "qx"), ("moved", "qx"),
                                            ("recorded_in_loop", "qx")])
def test_a_query_array_the_device_may_write_keeps_the_call_out(engine, variant, array):
    _, plans = _plan(variant, engine)
    query = plans["query"]
    assert not query.calls, query.calls
    assert any(f"also uses `{array}` on the host" in n for n in query.notes), query.notes


def test_a_host_function_that_writes_the_array_keeps_the_update_device(engine):
    text, plans = _plan("writer", engine)
    assert plans["query"].calls, plans["query"].notes
    assert "#pragma acc update device(d[0:n])" in acc_lines(text), text


def test_the_programs_verify_and_the_points_move_once(tmp_path):
    """In the emulator every variant verifies; the region moves at most half of what the
    same loop moves with the call out of regions (the points mapped on every query)."""
    programs = {v: _program(v) for v in VARIANTS}
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    moved = verified_offload_bytes(res)
    assert 2 * moved["local"] <= moved["param"], moved
    assert moved["local"] < moved["writer"], moved
    assert moved["recorded"] == moved["local"], moved
    assert 2 * moved["recorded"] <= moved["recorded_in_loop"], moved
