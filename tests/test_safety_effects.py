"""The guard on #17's patterns (calls, indirect updates, live-out scalars, exits), #12 D3
(malformed code still gives a pragma that parses) and D8 (no `async` without its `wait`).
Each planted kind gets no unsafe pragma and a note naming the variable or call and the line;
the safe look-alikes keep their parallel pragma."""

from __future__ import annotations

import re

import pytest

from accellium.dataset.analysis import analyze, scope_of
from accellium.dataset.pragma import parse, parse_valid
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import asserts_parallel, guard
from accellium.server.suggest import suggest

PAR = "#pragma acc parallel loop"

PLANTED = {  # bare loops: what the note must name
    "printf": ("for (int j = 0; j < n; j++) printf(\"%f\\n\", v[j]);", "printf"),
    "write_float": ("for (int j = 0; j < n; j++) write_float(fp, v[j]);", "write_float"),
    "fwrite": ("for (int i = 0; i < n; i++) fwrite(&a[i], sizeof(double), 1, fp);", "fwrite"),
    "rand": ("for (int i = 0; i < n; i++) a[i] = rand();", "rand"),
    "malloc": ("for (int i = 0; i < n; i++) { p = malloc(8); q[i] = p; }", "malloc"),
    "memset": ("for (int i = 0; i < n; i++) { memset(buf, 0, 64); b[i] = f(buf); }", "memset"),
    "accumulate": ("for (int i = 0; i < n; i++) accumulate(&s, a[i]);", "s"),
    "time loop": ("for (int i = 0; i < nsteps; i++) {\n  step(task, task->grid, task->tmp);\n"
                  "  step(task, task->tmp, task->grid);\n}", "step"),
    "same pointer": ("for (int i = 0; i < n; i++) fill(a, i);", "fill"),
    "histogram": ("for (k = 0; k < nz; k++) {\n  j = arow[k] - first + 2;\n"
                  "  rowstr[j] = rowstr[j] + 1;\n}", "rowstr"),
    "index array": ("for (int i = 0; i < n; i++) h[idx[i]]++;", "h"),
    "max pattern": ("for (int i = 0; i < n; i++) { k = bin[i]; if (v[i] > m[k]) m[k] = v[i]; }",
                    "m"),
    "scatter": ("for (int i = 0; i < n; i++) out[perm[i]] = a[i];", "out"),
    "last value": ("for (k = 0; k < n; k++) if (a[k] == key) pos = k;", "pos"),
    "return": ("for (int i = 0; i < n - 1; i++) { if (a[i] > a[i+1]) return 0; b[i] = 1; }",
               "return"),
    "break": ("for (int i = 0; i < n; i++) { if (a[i] < 0) break; b[i] = a[i]; }", "break"),
    "goto": ("for (int i = 0; i < n; i++) { if (a[i] < 0) goto fail; b[i] = a[i]; }", "goto"),
    "exit": ("for (int i = 0; i < n; i++) { if (a[i] < 0) exit(1); b[i] = a[i]; }", "exit"),
    "longjmp": ("for (int i = 0; i < n; i++) { if (a[i] < 0) longjmp(env, 1); b[i] = 1; }",
                "longjmp"),
}

LOOK_ALIKES = {  # safe: the parallel pragma stays
    "pure math": "for (int i = 0; i < n; i++) b[i] = sqrt(a[i]) + fabs(c[i]) + pow(a[i], 2);",
    "element pointer": "for (int i = 0; i < n; i++) init(&a[i]);",
    "row pointer": "for (int i = 0; i < n; i++) init_row(a + i*n, n);",
    "memset row": "for (int i = 0; i < n; i++) memset(&a[i*n], 0, n * sizeof(double));",
    "temporary": "for (int i = 0; i < n; i++) { t = a[i] * 2; b[i] = t + 1; }",
    "value call": "for (int i = 0; i < n; i++) b[i] = foo(a[i]);",
    "goto inside": "for (int i = 0; i < n; i++) { if (a[i] < 0) goto next; b[i] = 1; next: ; }",
    "break in switch": "for (int i = 0; i < n; i++) { switch (c[i]) { case 1: b[i] = 1; break; "
                       "default: b[i] = 0; } }",
    "affine index": "for (int i = 0; i < n; i++) { k = 2*i + 1; b[k] = a[i]; }",
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_kind_gets_no_parallel_pragma_and_a_note(name):
    code, named = PLANTED[name]
    f = analyze(code)
    assert not f.safe, name
    text, notes = guard(LoopQuery(code), PAR)
    assert text is None or not asserts_parallel(parse(text)), (name, text)
    said = " ".join(f.notes + notes)
    assert f"`{named}" in said and re.search(r"\(line \d+\)", said), (name, said)
    for engine in ("analysis", "auto"):
        s = suggest(LoopQuery(code), engine)
        assert s.pragma is None or not asserts_parallel(parse(s.pragma)), (name, engine)


@pytest.mark.parametrize("name", sorted(LOOK_ALIKES))
def test_safe_look_alike_stays_parallel(name):
    code = LOOK_ALIKES[name]
    assert analyze(code).safe, name
    text, _ = guard(LoopQuery(code), PAR)
    assert text is not None and text.startswith(PAR), (name, text)


def test_flag_read_after_the_loop_is_an_or_reduction():
    code = "for (k = 0; k < n; k++) if (iv[k] == i) { v[k] = val; set = TRUE; }"
    f = analyze(code)
    assert f.safe and ("||", "set") in f.reductions and "set" in f.live_out
    text, notes = guard(LoopQuery(code), PAR)  # an engine that forgot it: added
    assert text == PAR + " reduction(||:set)" and "`set`" in notes[0]
    assert analyze(code.replace("TRUE", "0")).reductions == [("&&", "set")]


def test_exits_remove_every_loop_directive_even_in_a_region():
    code = PLANTED["break"][0]
    for pragma, enclosing in ((PAR, ()), ("#pragma acc kernels", ()),
                              ("#pragma acc loop seq", ("#pragma acc parallel",))):
        text, notes = guard(LoopQuery(code, enclosing=enclosing), pragma)
        assert text is None and "`break` (line 1)" in notes[-1], pragma
    # a data region may hold a loop that breaks, not one that returns (loops that call a
    # function, which may offload its work; over a loop that runs on the host and calls
    # nothing a data region has no place: server/safety_directive.py)
    calls = code.replace("b[i] = a[i];", "step(a, i);")
    assert guard(LoopQuery(calls), "#pragma acc data copy(a)")[0] == "#pragma acc data copy(a)"
    returns = PLANTED["return"][0]
    assert "b[i] = 1;" in returns
    assert guard(LoopQuery(returns.replace("b[i] = 1;", "step(a, i);")),
                 "#pragma acc data copy(a)")[0] is None
    assert guard(LoopQuery(code), "#pragma acc data copy(a)")[0] is None


def test_calls_that_keep_the_loop_on_the_host_get_no_kernels():
    code = PLANTED["printf"][0]
    assert guard(LoopQuery(code), PAR)[0] is None
    assert guard(LoopQuery(code), "#pragma acc kernels")[0] is None
    q = LoopQuery(code, enclosing=("#pragma acc parallel",))
    assert guard(q, "#pragma acc loop")[0] == "#pragma acc loop seq"
    # other dependences still get `kernels` outside a region (the compiler decides)
    assert guard(LoopQuery(PLANTED["last value"][0]), PAR)[0] == "#pragma acc kernels"


def test_atomic_in_the_code_makes_the_update_parallel():
    code = ("for (int i = 0; i < n; i++) {\n  #pragma acc atomic update\n  h[idx[i]] += 1;\n}")
    f = analyze(code)
    assert f.safe and f.indirect_writes == ["h"]
    assert any("(line 3)" in n and "atomic" in n for n in f.notes)
    assert guard(LoopQuery(code), PAR)[0] == PAR
    assert not analyze(LoopQuery(code).stripped).safe  # without it: sequential


def test_d3_malformed_code_gives_a_pragma_that_parses():
    code = "for(;i++){1++->)b[j]l r}"
    f = analyze(code)
    assert not f.arrays and any("cannot be named in a data clause" in n for n in f.notes)
    for engine in ("analysis", "auto"):
        s = suggest(LoopQuery(code), engine)
        assert s.pragma is None or parse_valid(s.pragma)


def test_d8_async_and_wait_are_stripped_with_a_note_on_the_wait():
    code = "for (int i = 0; i < n; i++)\n  y[i] = 2 * x[i];"
    text, notes = guard(LoopQuery(code), PAR + " present(x, y) async(1) wait(0)")
    assert text == PAR + " present(x, y)"
    assert "#pragma acc wait(1)" in notes[0] and "(line 2)" in notes[0]
    text, _ = guard(LoopQuery(code, enclosing=("#pragma acc parallel",)), "#pragma acc loop async")
    assert text == "#pragma acc loop"


FILE_17 = """#include <stdio.h>
typedef struct { double *grid; double *tmp; int n; } task_t;
void step(task_t *t, double *in, double *out);
void write_float(FILE *fp, float v);
void run(task_t *task, int nsteps, FILE *fp, float *v, int n)
{
    for (int i = 0; i < nsteps; i++) {          /* a time loop: each step reads the last */
        step(task, task->grid, task->tmp);
        step(task, task->tmp, task->grid);
    }
    for (int j = 0; j < n; j++)                 /* ordered output */
        write_float(fp, v[j]);
    for (int j = 0; j < n; j++)
        printf("%f\\n", v[j]);
}
"""


@pytest.mark.parametrize("engine", ["analysis", "auto", "const"])
def test_the_file_of_issue_17_gets_no_unsafe_pragma(engine):
    from accellium.server.annotate import annotate_source
    from accellium.server.engines import get_engine

    got = annotate_source(FILE_17.encode(), get_engine(engine), path="run.c")
    assert [s.line for s in got] == [7, 11, 13]
    for s, call, line in zip(got, ("step", "write_float", "printf"), (8, 12, 14), strict=True):
        assert s.pragma is None or not asserts_parallel(parse(s.pragma)), (engine, s.pragma)
        assert any(f"`{call}" in n and f"(line {line})" in n for n in s.notes), s.notes


def test_scope_decides_live_out_and_call_effects():
    src = ("void get(double *s, double v) { *s = 2 * v; }\n"
           "double f(int n, double *a, double *b) {\n"
           "  double t, u = 0, s;\n  int i, set = 0;\n"
           "  for (i = 0; i < n; i++) { t = a[i]; b[i] = t; }\n"
           "  for (i = 0; i < n; i++) { u = a[i]; b[i] = u; }\n"
           "  for (i = 0; i < n; i++) if (a[i] > 0) set = 1;\n"
           "  for (i = 0; i < n; i++) { get(&s, a[i]); b[i] = s; }\n"
           "  for (i = 0; i < n; i++) { t = b[i]; a[i] = t; }\n"
           "  return u + set;\n}\n")
    loops = [m.start() for m in re.finditer(r"for \(i", src)]
    facts = [analyze(src[o:src.index("\n", o)], "c", (), scope_of(src, o)) for o in loops]
    assert all(f.scoped for f in facts)
    assert facts[0].safe and facts[0].private == ["t"]  # t is assigned before any later read
    assert [d.kind for d in facts[1].carried] == ["live_out"]  # u is returned
    assert "(line 5)" in facts[1].carried[0].message  # `return u` as a line of the loop code
    assert facts[2].reductions == [("||", "set")]
    assert facts[3].safe and facts[3].private == ["s"]  # `get` only writes *s
    assert facts[4].safe
    # the index is read after the loop here: the loop cannot leave it to a compute construct
    src2 = "int g(int n, double *b) { int k; for (k = 0; k < n; k++) b[k] = 0; return k; }"
    o = src2.index("for")
    f = analyze(src2[o:src2.index("; return")], "c", (), scope_of(src2, o))
    assert [(d.kind, d.var) for d in f.carried] == [("live_out", "k")]
