"""Device memory from ``acc_malloc`` (OpenACC 3.3, 3.2.24) is named only by ``deviceptr``
(2.7.4): whole programs, built with real gcc and run in the data-environment emulator.

The emulator models ``acc_malloc``/``acc_free`` as device-only memory (no host copy; a host
dereference faults) and reports a data clause or ``update`` naming it, or host code reading
it, as the failure ``device-memory``.  The authors' version (``deviceptr``) verifies; the same
program with ``copy(d[0:n])`` fails.  With the pragmas stripped, the per-loop answer and the
offload plan name the pointer in ``deviceptr`` and in no data clause — where the loops use
the pointer ``acc_malloc`` gave (``local``), and where they are in functions every call of
which passes it (``param``) — and verify.  Before, both mapped it with ``copy``/``copyin``
(a fault on a GPU), and the emulator ran libgomp's host ``acc_malloc`` (host memory): the
authors' column failed as a host pointer not mapped."""

from __future__ import annotations

import pytest
from _offload_util import plan_text, write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 5000

ALLOC = """#ifdef _OPENACC
    d = (double *) acc_malloc(n * sizeof(double));
#else
    d = (double *) malloc(n * sizeof(double));
#endif
"""
FREE = """#ifdef _OPENACC
    acc_free(d);
#else
    free(d);
#endif
"""
HEAD = """#include <stdlib.h>
#ifdef _OPENACC
#include <openacc.h>
#endif
"""

# the loops in the function that allocates the device memory
LOCAL = HEAD + """
double run(int n, double *out)
{
    double *d;
    double s = 0.0;
""" + ALLOC + """#pragma acc parallel loop deviceptr(d)
    for (int i = 0; i < n; i++)
        d[i] = 0.5 * (i % 11);
#pragma acc parallel loop deviceptr(d) copyout(out[1:n-2])
    for (int i = 1; i < n - 1; i++)
        out[i] = d[i - 1] + d[i] + d[i + 1];
#pragma acc parallel loop deviceptr(d) reduction(+:s)
    for (int i = 0; i < n; i++)
        s += d[i];
""" + FREE + """    return s;
}
"""

# the loops in functions that receive the device memory from their one caller
PARAM = HEAD + """
static void fill(int n, double *d)
{
#pragma acc parallel loop deviceptr(d)
    for (int i = 0; i < n; i++)
        d[i] = 0.5 * (i % 11);
}

static void smooth(int n, const double *d, double *out)
{
#pragma acc parallel loop deviceptr(d) copyout(out[1:n-2])
    for (int i = 1; i < n - 1; i++)
        out[i] = d[i - 1] + d[i] + d[i + 1];
}

static double total(int n, const double *d)
{
    double s = 0.0;
#pragma acc parallel loop deviceptr(d) reduction(+:s)
    for (int i = 0; i < n; i++)
        s += d[i];
    return s;
}

double run(int n, double *out)
{
    double *d, s;
""" + ALLOC + """    fill(n, d);
    smooth(n, d, out);
    s = total(n, d);
""" + FREE + """    return s;
}
"""

# the authors' mistake: the device memory in a data clause (a GPU would copy host memory at
# the device address), and host code reading it
COPIED = LOCAL.replace("deviceptr(d)", "copy(d[0:n])")
HOST_READ = LOCAL.replace("    return s;", "    s += d[0];\n    return s;", 1) \
    .replace(FREE + "    s += d[0];", "    s += d[0];\n" + FREE)

MAIN = """#include <math.h>
#include <stdio.h>
double run(int n, double *out);
int main(void)
{
    enum { N = NSIZE };
    static double out[N];
    double s, want = 0.0;
    int bad = 0;
    for (int i = 0; i < N; i++) out[i] = -1.0;
    s = run(N, out);
    for (int i = 0; i < N; i++) want += 0.5 * (i % 11);
    for (int i = 1; i < N - 1; i++)
        bad += fabs(out[i] - 0.5 * ((i - 1) % 11 + i % 11 + (i + 1) % 11)) > 1e-12;
    bad += out[0] != -1.0 || out[N - 1] != -1.0;
    puts(!bad && fabs(s - want) < 1e-9 ? "OK" : "BAD");
    return 0;
}
""".replace("NSIZE", str(N))


def _strip(src: str) -> str:
    return "\n".join(ln for ln in src.split("\n") if not ln.strip().startswith("#pragma acc"))


@pytest.mark.parametrize("src", [LOCAL, PARAM], ids=["local", "param"])
def test_per_loop_answers_and_plan_name_the_pointer_in_deviceptr_only(src, engine):
    from accellium.server.annotate import annotate_source

    bare = _strip(src)
    answers = [a.pragma for a in annotate_source(bare.encode(), engine, path="k.c", lang="c")
               if a.pragma]
    assert len(answers) == 3, answers
    for a in answers:
        assert "deviceptr(d)" in a and "d[" not in a, a
    text, plans = plan_text(bare, engine)
    acc = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#pragma acc")]
    assert sum("deviceptr(d)" in ln for ln in acc) == 3, acc
    assert not any("d[" in ln for ln in acc), acc


def test_authors_deviceptr_verifies_and_a_data_clause_on_device_memory_fails(tmp_path):
    main = MAIN
    manifest = write_suite(tmp_path, {"local": (LOCAL, main), "param": (PARAM, main),
                                      "copied": (COPIED, main), "host_read": (HOST_READ, main)})
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for name in ("local", "param"):
        r = rows[name]
        for col in ("original", "engine", "offload"):
            assert r[col]["status"] == "verified", (name, col, r[col]["reason"])
        # only `out` moves (its interior back) and the sum's 8 bytes; never the device memory
        for col in ("engine", "offload"):
            moved = (r[col]["bytes_h2d"] or 0) + (r[col]["bytes_d2h"] or 0)
            assert moved <= (N - 2) * 8 + 16, (name, col, moved)
    assert rows["copied"]["original"]["status"] == "device-memory", rows["copied"]["original"]
    assert "d[0:n]" in rows["copied"]["original"]["reason"]
    assert rows["host_read"]["original"]["status"] == "device-memory", \
        rows["host_read"]["original"]
    # the engine's answer for the stripped copy-mapped program is the deviceptr one
    assert rows["copied"]["engine"]["status"] == "verified", rows["copied"]["engine"]
    assert res["metrics"].get("failed_device-memory") is not None


ORIGINS = """#include <openacc.h>
static void scale(int n, double *p) { for (int i = 0; i < n; i++) p[i] *= 2.0; }
static void only_device(int n, double *p) { for (int i = 0; i < n; i++) p[i] = 0.0; }
void open_scale(int n, double *p) { for (int i = 0; i < n; i++) p[i] = 1.0; }
double *g;
void init(int n) { g = (double *) acc_malloc(n * sizeof(double)); }
void both(int n, double *h)
{
    double *d = (double *) acc_malloc(n * sizeof(double));
    double *e = d + 1, *q, *w;
    cudaMalloc((void **) &q, 8);
#ifndef _OPENACC
    w = h;
#else
    w = (double *) omp_target_alloc(8, 0);
#endif
    scale(n, d);
    scale(n, h);
    only_device(n, e);
    open_scale(n, d);
}
"""


def test_which_pointers_hold_a_device_address():
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.device_memory import device_origins

    o = device_origins(parse_tree(ORIGINS.encode(), "c").root_node)
    assert o.api
    # acc_malloc, an offset of it, cudaMalloc's store, the OpenACC build's group only, a global
    assert o.device["both"] == {"d", "e", "q", "w", "g"}, o.device["both"]
    assert o.device["only_device"] == {"p", "g"}
    # one call passes device memory, another host memory; a function others may call
    assert o.mixed["scale"] == {"p"} and o.mixed["open_scale"] == {"p"}
    assert "h" not in o.device["both"] | o.mixed["both"]
    none = device_origins(parse_tree(b"void f(double *p) { p[0] = 1; }", "c").root_node)
    assert not none.api and not none.device


def test_a_pointer_holding_device_memory_on_some_paths_gets_no_construct(engine):
    from accellium.server.annotate import annotate_source

    got = {a.line: a for a in annotate_source(ORIGINS.encode(), engine, path="k.c", lang="c")}
    scale = got[2]  # called with acc_malloc's memory and with the caller's host array
    assert scale.pragma is None, scale.pragma
    assert any("some paths" in n for n in scale.notes), scale.notes
    only = got[3]  # every call passes device memory
    assert only.pragma is not None and "deviceptr(p)" in only.pragma, only.pragma


def test_a_plan_says_when_a_host_loop_dereferences_device_memory(engine):
    """The running sum carries a dependence (no compute construct), so the loop stays on the
    host, where it reads and writes acc_malloc's memory: the plan says a GPU build faults
    there, naming the pointer; the loop it offloads gets no such note."""
    src = LOCAL.replace("""#pragma acc parallel loop deviceptr(d) reduction(+:s)
    for (int i = 0; i < n; i++)
        s += d[i];
""", """    for (int i = 1; i < n; i++)
        d[i] += d[i - 1];
""")
    _, plans = plan_text(_strip(src), engine)
    notes = plans["run"].to_json()["notes"]
    row = [ln for ln in _strip(src).split("\n")].index("    for (int i = 1; i < n; i++)") + 1
    hits = [n for n in notes if "dereferences device memory" in n]
    assert len(hits) == 1 and hits[0].startswith(f"line {row} ") and "`d`" in hits[0], notes
