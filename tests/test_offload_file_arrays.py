"""A function whose offloaded loops use a file-scope array joins a caller's data region
(issue #15, docs/offload.md item 10, :func:`accellium.dataset.offload.calls.file_array`).

A file-scope identifier denotes the same object in every function of its file where no inner
declaration hides it (C11 6.2.1p4), and a compute construct's "present or copy" clauses find
it present when a caller's region maps it by that name (OpenACC 3.3, 2.7.1).  So a driver
that calls ``assign_cells(n); forces(n); move(n, dt);`` in a time loop, the three working on
``static double px[NP], fx[NP]; static int cell_of[NP];``, gets one region around the time
loop that maps the arrays whole; the host statement between the calls gets its updates.
Before, each callee "mapped the global itself": every call copied the arrays in and out.

Twins that keep the refusal (the same plan and bytes as before): a callee that also reads
the global on the host (``double x0 = px[0];`` above its loop: its host code would see a
stale copy inside the caller's region); a caller whose own local ``cell_of`` hides the
global (its ``cell_of`` is another object).  Whole programs, built with real gcc and run in the
data-environment emulator, their bytes counted."""

from __future__ import annotations

import pytest
from _offload_util import acc_lines, plan_text, run_verified, verified_offload_bytes

NP, STEPS = 512, 6

KERNEL = """#include <math.h>
#define NP 512
#define NC 16

static double px[NP], fx[NP];
static int cell_of[NP];

static void assign_cells(int n)
{
    for (int i = 0; i < n; i++) {
        int c = (int)(px[i] * NC);
        if (c >= NC) c = NC - 1;
        cell_of[i] = c;
    }
}

static void forces(int n)
{
    HOST_READ
    for (int i = 0; i < n; i++) {
        double f = 0.0;
        for (int j = 0; j < n; j++) {
            int d = cell_of[i] - cell_of[j];
            if (d >= -1 && d <= 1 && j != i) f += px[j] - X0;
        }
        fx[i] = f;
    }
}

static void move(int n, double dt)
{
    for (int i = 0; i < n; i++) {
        double x = px[i] + dt * fx[i];
        px[i] = x - floor(x);
    }
}

void init(int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        px[i] = (seed >> 8) / 16777216.0;
    }
}

void simulate(int n, int steps, double dt, double *out)
{
    LOCAL
    for (int s = 0; s < STEPS_NAME; s++) {
        assign_cells(n);
        forces(n);
        move(n, dt);
        px[s % n] = 0.5 * px[s % n];
    }
    for (int i = 0; i < n; i++)
        out[i] = px[i];
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
#define NP {NP}
#define NC 16
void init(int n, unsigned seed);
void simulate(int n, int steps, double dt, double *out);
static double rx[NP], rf[NP], out[NP];
static int rc[NP];
int main(void)
{{
    int n = NP, steps = {STEPS};
    double dt = 1e-3;
    init(n, 7u);
    simulate(n, steps, dt, out);
    unsigned seed = 7u;
    for (int i = 0; i < n; i++) {{
        seed = seed * 1664525u + 1013904223u;
        rx[i] = (seed >> 8) / 16777216.0;
    }}
    for (int s = 0; s < steps; s++) {{
        for (int i = 0; i < n; i++) {{
            int c = (int)(rx[i] * NC);
            rc[i] = c >= NC ? NC - 1 : c;
        }}
        double x0 = rx[0];
        for (int i = 0; i < n; i++) {{
            double f = 0.0;
            for (int j = 0; j < n; j++) {{
                int d = rc[i] - rc[j];
                if (d >= -1 && d <= 1 && j != i) f += rx[j] - (HOST ? x0 : rx[i]);
            }}
            rf[i] = f;
        }}
        for (int i = 0; i < n; i++) {{
            double x = rx[i] + dt * rf[i];
            rx[i] = x - floor(x);
        }}
        rx[s % n] = 0.5 * rx[s % n];
    }}
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += fabs(out[i] - rx[i]) > 1e-9;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def _program(form: str) -> tuple[str, str]:
    host = form == "host_read"
    kernel = KERNEL.replace("HOST_READ", "double x0 = px[0];" if host else "") \
        .replace("X0", "x0" if host else "px[i]") \
        .replace("LOCAL", "int cell_of = steps;" if form == "hidden" else "") \
        .replace("STEPS_NAME", "cell_of" if form == "hidden" else "steps")
    return kernel, MAIN.replace("HOST", "1" if host else "0")


def test_the_calls_join_one_region_that_maps_the_globals(engine):
    kernel, main = _program("plain")
    text, plans = plan_text(kernel, engine, program=[main.encode()])
    sim = plans["simulate"]
    assert [c["functions"] for c in sim.calls] == [["assign_cells"], ["forces"], ["move"]], \
        sim.notes
    assert len(sim.regions) == 1 and sim.regions[0]["calls"] == 3, sim.regions
    assert sim.regions[0]["repeated"], sim.regions
    assert {a["name"] for a in sim.arrays} >= {"px", "fx", "cell_of"}, sim.arrays
    assert not any("mapped by" in n for n in sim.notes), sim.notes
    data = [a for a in acc_lines(text) if a.startswith("#pragma acc data")]
    assert any("px" in a and "cell_of" in a for a in data), text


@pytest.mark.parametrize("form,note", [
    ("host_read", "its loops use the global `px` (mapped by `forces` itself)"),
    ("hidden", "which the caller's own `cell_of` hides"),
])
def test_the_twins_keep_the_calls_out(engine, form, note):
    kernel, main = _program(form)
    _, plans = plan_text(kernel, engine, program=[main.encode()])
    sim = plans["simulate"]
    called = {f for c in sim.calls for f in c["functions"]}
    assert "forces" not in called, sim.calls
    assert any(note in n for n in sim.notes), sim.notes


def test_the_programs_verify_and_the_region_moves_far_less(tmp_path, engine):
    """In the emulator every plan verifies; the driver's region moves the arrays once (and an
    element per step): under a fifth of what each call mapping its own arrays moves, under half
    of what the driver with the hidden name moves (only `move` joins a region there)."""
    rows = run_verified(tmp_path, {f: _program(f) for f in ("plain", "host_read", "hidden")},
                        variants=("offload",))
    moved = verified_offload_bytes({"programs": list(rows.values())})
    assert 5 * moved["plain"] < moved["host_read"], moved
    assert 2 * moved["plain"] < moved["hidden"], moved


BELOW = """static void scale(int n);
static void shift(int n);

void drive(int n, int steps)
{
    for (int s = 0; s < steps; s++) {
        scale(n);
        shift(n);
    }
}

static double g[1024];

static void scale(int n)
{
    for (int i = 0; i < n; i++)
        g[i] = 0.5 * g[i];
}

static void shift(int n)
{
    for (int i = 0; i < n; i++)
        g[i] = g[i] + 1.0;
}
"""


def test_an_array_declared_below_the_caller_keeps_the_calls_out(engine):
    """A clause of ``drive`` cannot name ``g``, declared below it (C11 6.2.1p7: its scope
    begins after its declarator): no region, the calls keep their own clauses."""
    text, plans = plan_text(BELOW, engine)
    drive = plans["drive"]
    assert not drive.calls, drive.calls
    assert any("declared below the caller" in n for n in drive.notes), drive.notes
    head = text[:text.index("static double g[1024];")]
    assert "#pragma acc" not in head, text
