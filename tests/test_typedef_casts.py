"""A cast to a typedef name whose operand is parenthesised, ``(real)(i * i)``, is a cast, not a
call of ``real``: the C grammar the analysis parses with cannot tell the two apart, and read it
as a call of a function with no device version, so the loop got no pragma (and a function of
such loops stayed on the host).  An identifier a ``typedef`` declares is a type name in its
scope (C11 6.7.8p3), ordinary identifiers share one name space (6.2.3p1), and a parenthesised
type name before an expression is a cast (6.5.4); an object-like macro whose body is a type
(``#define REAL double``) puts the type there (6.10.3).  Whole programs built with real gcc and
run in the emulator, the kernel's ``typedef`` inside ``#ifdef``/``#else`` as benchmark codes
write it, or in a header it includes (``Included.types_at``; the offload planner's own passes
too, ``server/offload.py``); the twin names a function ``real`` of its own file: a call, which
keeps its ``routine seq`` (``dataset/analysis/casts.py``)."""

from __future__ import annotations

from _offload_util import run_verified

from accellium.dataset.analysis.casts import typedef_cast, typedef_names
from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.routines import callees

KERNEL = """#ifdef DOUBLE_PRECISION
typedef double real;
#else
typedef float real;
#endif
#define REAL double

void fill(int n, const real *w, real *p, REAL *q)
{
    for (int i = 0; i < n; i++) {
        p[i] = w[i] * (real)(i * i) / (real)(n * n);
        q[i] = (REAL)(i + 1) * 0.5;
    }
}
"""
# the twin: `real` is a function of the file; `(real)(x)` calls it (C11 6.5.2.2)
CALLED = """static float real(int x)
{
    return (float)x;
}

void fill(int n, const float *w, float *p, double *q)
{
    for (int i = 0; i < n; i++) {
        p[i] = w[i] * (real)(i * i) / (real)(n * n);
        q[i] = (double)(i + 1) * 0.5;
    }
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
#define N 200
#ifdef DOUBLE_PRECISION
typedef double real;
#else
typedef float real;
#endif
void fill(int n, const real *w, real *p, double *q);
static real w[N], p[N];
static double q[N];
int main(void)
{
    int bad = 0;
    for (int i = 0; i < N; i++)
        w[i] = 2;
    fill(N, w, p, q);
    for (int i = 0; i < N; i++)
        bad += fabs(p[i] - 2 * (real)(i * i) / (real)(N * N)) > 1e-6 || q[i] != (i + 1) * 0.5;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_the_grammar_s_calls_of_type_names_are_casts():
    root = parse_tree(KERNEL.encode(), "c").root_node
    assert typedef_names(root) == {"real"}
    calls = [n for n in iter_nodes(root) if n.type == "call_expression"]
    # `(real)(i * i)`, `(real)(n * n)`, `(REAL)(i + 1)`: all casts
    assert len(calls) == 3 and all(typedef_cast(c) for c in calls)
    loop = next(n for n in iter_nodes(root) if n.type == "for_statement")
    assert callees(loop) == []  # the loop calls nothing: no `routine` needed, none missing
    twin = parse_tree(CALLED.encode(), "c").root_node
    assert not any(typedef_cast(c) for c in iter_nodes(twin) if c.type == "call_expression")
    loop = next(n for n in iter_nodes(twin) if n.type == "for_statement")
    assert callees(loop) == ["real"]


def test_a_loop_with_typedef_casts_is_offloaded_and_verifies(tmp_path):
    rows = run_verified(tmp_path, {"casts": (KERNEL, MAIN), "called": (CALLED, MAIN)},
                        variants=("serial", "engine", "offload"))
    pragmas = [p["pragma"] for p in rows["casts"]["engine"]["pragmas"]]
    assert len(pragmas) == 1 and pragmas[0].startswith("#pragma acc parallel loop"), pragmas
    plan = {p["function"]: p for p in rows["casts"]["offload"]["plans"]}["fill"]
    assert plan["loops"], plan["notes"]
    # the twin calls its own `real` (compiled for the device with `routine seq`): offloaded too
    assert [p["pragma"] for p in rows["called"]["engine"]["pragmas"]], rows["called"]["engine"]


# the typedef in a header the kernel includes (`#include` puts its text there, C11 6.10.2p3)
TYPES_H = """#ifndef TYPES_H
#define TYPES_H
typedef float real;
#endif
"""
HEADER_KERNEL = """#include "types.h"

void fill(int n, const real *w, real *p)
{
    for (int i = 0; i < n; i++)
        p[i] = w[i] * (real)(i * i) / (real)(n * n);
}
"""
HEADER_MAIN = """#include <math.h>
#include <stdio.h>
#include "types.h"
#define N 200
void fill(int n, const real *w, real *p);
static real w[N], p[N];
int main(void)
{
    int bad = 0;
    for (int i = 0; i < N; i++)
        w[i] = 2;
    fill(N, w, p);
    for (int i = 0; i < N; i++)
        bad += fabs(p[i] - 2 * (real)(i * i) / (real)(N * N)) > 1e-6;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_a_header_s_typedef_names_a_type_for_the_loop(tmp_path):
    rows = run_verified(tmp_path, {"header": (HEADER_KERNEL, HEADER_MAIN)},
                        variants=("serial", "engine"), headers={"header": {"types.h": TYPES_H}})
    pragmas = [p["pragma"] for p in rows["header"]["engine"]["pragmas"]]
    assert len(pragmas) == 1 and pragmas[0].startswith("#pragma acc parallel loop"), pragmas


# the planner's own passes (which functions may touch which globals) read the header's typedef
# too: `init`'s `(real)(...)` calls nothing, so its loop fills `a` on the device inside `run`'s
# region, and only `b` (which the time loop, running perhaps no step, may leave unwritten) is
# copied in — before, `init` was a call of an unknown `real` that may touch any global
PLANNED_KERNEL = """#include "types.h"
#define N 4096
static real a[N], b[N];

static void init(void)
{
    for (int i = 0; i < N; i++)
        a[i] = (real)(i % 7) / (real)(7);
}

void run(int steps, real *out)
{
    init();
    for (int t = 0; t < steps; t++) {
        for (int i = 0; i < N; i++)
            b[i] = a[i] * 0.5f;
        for (int i = 0; i < N; i++)
            a[i] = b[i] + 1.0f;
    }
    for (int i = 0; i < N; i++)
        out[i] = a[i];
}
"""
PLANNED_MAIN = """#include <math.h>
#include <stdio.h>
#include "types.h"
#define N 4096
void run(int steps, real *out);
static real out[N];
int main(void)
{
    int bad = 0;
    run(10, out);
    for (int i = 0; i < N; i++) {
        real x = (real)(i % 7) / (real)(7);
        for (int t = 0; t < 10; t++)
            x = x * 0.5f + 1.0f;
        bad += fabs(out[i] - x) > 1e-5;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def test_the_planner_reads_a_header_s_typedef_as_a_type(tmp_path):
    rows = run_verified(tmp_path, {"planned": (PLANNED_KERNEL, PLANNED_MAIN)},
                        variants=("serial", "offload"), headers={"planned": {"types.h": TYPES_H}})
    offload = rows["planned"]["offload"]
    plans = {p["function"]: p for p in offload["plans"]}
    assert plans["init"]["loops"], plans["init"]["notes"]
    assert offload["bytes_h2d"] == 4096 * 4, offload["bytes_h2d"]  # `b` alone
