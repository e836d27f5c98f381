"""Calls through a pointer to function are calls of the functions stored in it (C11 6.3.2.1p4,
6.5.2.2p1; dataset/offload/callgraph.py): a local pointer variable given only functions of the
program, and otherwise only called, makes each call through it a call of each of them.

The facts first (:class:`CallGraph`), then whole programs built with real gcc and run in the
data-environment emulator: kernels that receive ``acc_malloc``'s memory (OpenACC 3.3, 3.2.24)
only through a pointer to function.  Before, a function named other than as a callee had
callers unknown, its pointer parameters were taken for host memory, and the per-loop answers
and the plan mapped the device memory with ``copy``/``copyin`` (the emulator's
``device-memory`` failure, a fault on a GPU).  Now they name it in ``deviceptr`` and verify —
in one file, and with the kernels in a header the program's file calls (the plan of the header
sees the program's units, where the header's functions are called)."""

from __future__ import annotations

import json

from _offload_util import plan_text, write_suite
from test_dynamic_device_memory import HEAD, MAIN, PARAM, N

from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.callgraph import CallGraph
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNELS = PARAM[len(HEAD):PARAM.index("double run(")]

# the kernels of tests/test_dynamic_device_memory.py's PARAM called through two pointers:
# one initialised with a designator, one assigned `&f` (and first a null pointer)
POINTER = PARAM.replace("""    double *d, s;
""", """    double *d, s;
    void (*init)(int, double *) = fill;
    void (*pass)(int, const double *, double *) = 0;
    pass = &smooth;
""").replace("    fill(n, d);\n    smooth(n, d, out);", "    init(n, d);\n    (*pass)(n, d, out);")

FACTS = """
static void a(int n, double *p) { p[0] = n; }
static void b(int n, double *p) { p[1] = n; }
static void c(int n, double *p) { p[2] = n; }
static void d(int n, double *p) { p[3] = n; }
static void e(int n, double *p) { p[4] = n; }
static void f(int n, double *p) { p[5] = n; }
static void g(int n, double *p) { p[6] = n; }
void take(void (**pp)(int, double *));
void (*global)(int, double *) = g;
void run(int k, double *x, void (*given)(int, double *))
{
    void (*one)(int, double *) = a;   /* closed: a, b */
    void (*two)(int, double *) = c;   /* its address taken */
    void (*three)(int, double *) = d; /* its value copied into four */
    void (*four)(int, double *);
    void (*five)(int, double *) = e;  /* also given a parameter's value */
    if (k) one = b;
    one(k, x);
    take(&two);
    two(k, x);
    four = three;
    four(k, x);
    five = given;
    (*five)(k, x);
    f(k, x);
    global(k, x);
}
"""


def test_calls_through_a_local_pointer_given_only_functions_are_their_calls():
    g = CallGraph(parse_tree(FACTS.encode(), "c").root_node, [])
    for name in ("a", "b"):
        assert len(g.calls[name]) == 1 and g.every_call_seen(name), name
        assert g.calls[name][0][1].text == b"one(k, x)"
    # a pointer whose address is taken, whose value is copied, that a parameter's value is
    # stored in, or of file scope: the calls of what it holds are not all known
    for name in ("c", "d", "e", "g"):
        assert name in g.escapes and not g.every_call_seen(name), name
    assert g.every_call_seen("f") and not g.escapes & {"a", "b", "f"}


def test_per_loop_answers_and_plan_name_the_pointer_in_deviceptr(engine):
    from accellium.server.annotate import annotate_source

    bare = "\n".join(ln for ln in POINTER.split("\n") if not ln.strip().startswith("#pragma acc"))
    answers = [a.pragma for a in annotate_source(bare.encode(), engine, path="k.c", lang="c")
               if a.pragma]
    assert len(answers) == 3 and all("deviceptr(d)" in a and "d[" not in a
                                     for a in answers), answers
    text, _ = plan_text(bare, engine)
    acc = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#pragma acc")]
    assert sum("deviceptr(d)" in ln for ln in acc) == 3 and not any("d[" in ln for ln in acc), acc


# the same kernels in a header the driver includes, annotated too; the driver allocates the
# device memory and calls them through a pointer
HEADER_MAIN = HEAD + '#include "kern.h"\n' + POINTER[POINTER.index("double run("):] + \
    MAIN.replace("double run(int n, double *out);\n", "")


def test_plans_verify_with_the_kernels_called_through_a_pointer(tmp_path):
    manifest = write_suite(tmp_path, {"pointer": (POINTER, MAIN)})
    entries = json.loads(manifest.read_text())
    d = tmp_path / "programs" / "in_header"
    d.mkdir(parents=True)
    (d / "kern.h").write_text(KERNELS.replace("static ", ""))
    (d / "main.c").write_text(HEADER_MAIN)
    entries.append({**entries[0], "name": "in_header", "sources": ["main.c", "kern.h"],
                    "annotate": ["main.c", "kern.h"],
                    "compile": "gcc -O1 -fopenacc main.c -o {out} -lm",
                    "compile_serial": "gcc -O1 main.c -o {out} -lm"})
    manifest.write_text(json.dumps(entries))
    res = evaluate_dynamic(manifest, "analysis", runs=1, with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    cols = {"pointer": ("original", "engine", "offload"), "in_header": ("original", "offload")}
    for name, names in cols.items():
        for col in names:
            r = rows[name][col]
            assert r["status"] == "verified", (name, col, r["reason"])
    # only `out`'s interior comes back and a sum's bytes both ways (two sums where the
    # driver's file is annotated too); the device memory never moves
    for name, col, sums in (("pointer", "engine", 1), ("pointer", "offload", 1),
                            ("in_header", "offload", 2)):
        r = rows[name][col]
        moved = (r["bytes_h2d"] or 0) + (r["bytes_d2h"] or 0)
        assert moved <= (N - 2) * 8 + 16 * sums, (name, col, moved)
