"""The emulator catches a host pointer held inside a struct variable that a compute region
dereferences (``s.x[i]`` with ``struct vec s; s.x = malloc(...)``).

A struct variable a compute construct uses is copied to the device (implicitly, OpenACC 3.3
2.6.2, or by a clause) byte for byte, host pointer members included: dereferencing ``s.x`` on
a GPU reads a host address and faults.  The member is right on the device only when a section
of it is mapped while ``s`` is present, which attaches the section to ``s``'s device copy
(2.6.8, 2.7.2).  Before, the emulator let the region read host memory through the copied
pointer, so the unannotated loop verified.  Whole programs, built with gcc -fopenacc and run in
the data-environment emulator: the hazards fail with the ``data`` status (exit 98), each form
gcc 12 accepts that attaches the member verifies, and valid programs that only copy pointers
they do not dereference, or whose member is a true array, still verify."""

from __future__ import annotations

import pytest
from _offload_util import gcc_compile, run_as_written, write_suite

from accellium.dataset.loops import parse_tree
from accellium.evaluation.dynamic.cscan import deref_members

KERNEL = """\
struct vec { int n; double *x; double *unused; };
struct arr { int n; double x[64]; };

double dot(struct vec s, int n)
{
    double t = 0.0;
DOT
    for (int i = 0; i < n; i++)
        t += s.x[i] * s.x[i];
POSTDOT
    return t;
}

void scale(struct vec s, int n, double a)
{
SCALE
    for (int i = 0; i < n; i++)
        s.x[i] = a * s.x[i];
POSTSCALE
}

double pdot(const struct vec *v, int n)
{
    double t = 0.0;
PDOT
    for (int i = 0; i < n; i++)
        t += v->x[i];
    return t;
}

double count(struct vec s)
{
    double t = 0.0;
    #pragma acc parallel loop reduction(+:t)
    for (int i = 0; i < s.n; i++)
        t += 1.0;
    return t;
}

double sumarr(struct arr s)
{
    double t = 0.0;
    #pragma acc parallel loop reduction(+:t)
    for (int i = 0; i < 64; i++)
        t += s.x[i];
    return t;
}
"""
MAIN = """\
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
struct vec { int n; double *x; double *unused; };
struct arr { int n; double x[64]; };
double dot(struct vec s, int n);
void scale(struct vec s, int n, double a);
double pdot(const struct vec *v, int n);
double count(struct vec s);
double sumarr(struct arr s);
int main(void)
{
    int n = 50, bad = 0;
    struct vec s;
    struct arr a;
    s.n = n; s.x = malloc(n * sizeof(double)); s.unused = malloc(sizeof(double));
    for (int i = 0; i < n; i++) s.x[i] = i;
    for (int i = 0; i < 64; i++) a.x[i] = i;
    bad += fabs(dot(s, n) - 49.0 * 50 * 99 / 6) > 1e-6;
    bad += pdot(&s, n) != 1225.0;
    scale(s, n, 2.0);
    for (int i = 0; i < n; i++) bad += s.x[i] != 2.0 * i;
    bad += count(s) != n;
    bad += sumarr(a) != 2016.0;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
PARALLEL_DOT = "    #pragma acc parallel loop reduction(+:t)"
PARALLEL_SCALE = "    #pragma acc parallel loop"
# the deep copy through a pointer (tests/test_deep_copy.py): the object, then its member
DEEP = "    #pragma acc parallel loop reduction(+:t) copyin(v[0:1], v->x[0:n])"

# Forms that attach the member to the struct's device copy: the struct is present when the
# member's section is mapped.
ATTACHED = {
    "enclosing data": {
        "DOT": "    #pragma acc data copyin(s)\n" + PARALLEL_DOT + " copyin(s.x[0:n])",
        "SCALE": "    #pragma acc data copyin(s)\n    {\n" + PARALLEL_SCALE + " copy(s.x[0:n])",
        "POSTSCALE": "    }"},
    "one data construct": {
        "DOT": "    #pragma acc data copyin(s) copyin(s.x[0:n])\n" + PARALLEL_DOT,
        "SCALE": "    #pragma acc data copyin(s) copy(s.x[0:n])\n" + PARALLEL_SCALE},
    "enter data": {
        "DOT": "    #pragma acc enter data copyin(s)\n    #pragma acc enter data copyin(s.x[0:n])\n"
               + PARALLEL_DOT,
        "POSTDOT": "    #pragma acc exit data delete(s.x[0:n])\n    #pragma acc exit data delete(s)",
        "SCALE": "    #pragma acc enter data copyin(s)\n    #pragma acc enter data copyin(s.x[0:n])\n"
                 + PARALLEL_SCALE,
        "POSTSCALE": "    #pragma acc exit data copyout(s.x[0:n])\n"
                     "    #pragma acc exit data delete(s)"},
}
# The struct copied with the host pointer inside: no clause (implicit copy), the member's
# section alone (mapped, but ``s`` is not present to attach it to), the struct alone.
HOST_POINTER = {
    "no clause": {"DOT": PARALLEL_DOT, "SCALE": PARALLEL_SCALE},
    "member section alone": {"DOT": PARALLEL_DOT + " copyin(s.x[0:n])",
                             "SCALE": PARALLEL_SCALE + " copy(s.x[0:n])"},
    "struct alone": {"DOT": PARALLEL_DOT + " copyin(s)", "SCALE": PARALLEL_SCALE + " copyin(s)"},
}


def _kernel(form: dict[str, str]) -> str:
    lines = []
    for ln in KERNEL.splitlines():
        key = ln.strip()
        if key in ("DOT", "POSTDOT", "SCALE", "POSTSCALE", "PDOT"):
            if form.get(key, DEEP if key == "PDOT" else ""):
                lines.append(form.get(key, DEEP))
            continue
        lines.append(ln)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(ATTACHED))
def test_an_attached_member_verifies_and_gcc_compiles_it(name, tmp_path):
    kernel = _kernel(ATTACHED[name])
    r = gcc_compile(tmp_path, kernel)
    assert r.returncode == 0, r.stderr
    run_as_written(tmp_path / "run", {"p": {"kernel.c": kernel, "main.c": MAIN}})


@pytest.mark.parametrize("name", sorted(HOST_POINTER))
def test_a_host_pointer_inside_the_struct_is_a_data_failure(name, tmp_path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    manifest = write_suite(tmp_path, {"p": (_kernel(HOST_POINTER[name]), MAIN)})
    r = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)["programs"][0]["original"]
    assert r["status"] == "data", r
    assert "'s.x' is a pointer member of a struct copied to the device" in r["reason"], r


def test_the_object_without_its_member_section_is_a_data_failure(tmp_path):
    """Through a pointer the same: ``copyin(v[0:1])`` copies the object with the host pointer
    ``v->x`` inside; the deep copy (every program above) attaches the member."""
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    form = {**ATTACHED["enclosing data"],
            "PDOT": "    #pragma acc parallel loop reduction(+:t) copyin(v[0:1])"}
    manifest = write_suite(tmp_path, {"p": (_kernel(form), MAIN)})
    r = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)["programs"][0]["original"]
    assert r["status"] == "data", r
    assert "'v->x' is a pointer member of a struct copied to the device" in r["reason"], r


def test_gcc_rejects_the_struct_beside_its_member_on_a_compute_construct(tmp_path):
    """Why the attached forms above put the struct on an enclosing or standalone directive."""
    r = gcc_compile(tmp_path, _kernel({"SCALE": PARALLEL_SCALE + " copyin(s) copy(s.x[0:n])"}))
    assert r.returncode != 0 and "appears more than once in data clauses" in r.stderr, r.stderr


@pytest.mark.parametrize("code, expected", [
    ("t += s.x[i] * (s.x)[i];", {"s": ["s.x"]}),
    ("t += *s.x + s.a.y[i] + s.p->z;", {"s": ["s.x", "s.a.y", "s.p"]}),
    # values, not dereferences; other variables; members reached through pointers or elements
    ("t += s.n + (double)(s.x == 0);", {}),
    ("t += u.x[i];", {}),
    ("t += a[i].x[0] + q->r->x[i] + f().x[i];", {}),
    # through a pointer variable's ``->`` first
    ("t += p->x[i] + *p->a.y;", {"p": ["p->x", "p->a.y"]}),
    # a variable the region assigns: its value at entry is not the one used
    ("{ p = q[i]; t += p->x[i]; s++; t += s.x[0]; }", {}),
])
def test_the_members_a_region_dereferences(code, expected):
    src = f"void f(void) {{ {code} }}".encode()
    assert deref_members(parse_tree(src, "c").root_node, {"s", "p"}) == expected


# -- other constructs and directives: kernels, serial, enter data, a NULL member ---------------

F_MAIN = """#include <stdio.h>
#include <stdlib.h>
struct vec { int n; double *x; };
double f(struct vec *p, struct vec s, int n);
int main(void) {
  int n = 40; struct vec s; s.n = n; s.x = malloc(n * sizeof(double));
  for (int i = 0; i < n; i++) s.x[i] = i;
  double t = f(&s, s, n);
  int bad = t != 2.0 * 780.0;
  for (int i = 0; i < n; i++) bad += s.x[i] != 2.0 * i;
  puts(bad ? "BAD" : "OK"); return 0; }
"""
F_KERNEL = """struct vec { int n; double *x; };
double f(struct vec *p, struct vec s, int n) {
  double t = 0.0;
BODY
  return t; }
"""
F_BODIES = {
    "enter data through a pointer": ("verified", """#pragma acc enter data copyin(p[0:1])
#pragma acc enter data copyin(p->x[0:n])
#pragma acc kernels loop independent
  for (int i = 0; i < n; i++) p->x[i] *= 2.0;
#pragma acc parallel loop reduction(+:t)
  for (int i = 0; i < n; i++) t += p->x[i];
#pragma acc exit data copyout(p->x[0:n])
#pragma acc exit data delete(p[0:1])"""),
    "kernels, the object without its member": ("data", """#pragma acc enter data copyin(p[0:1])
#pragma acc kernels loop independent
  for (int i = 0; i < n; i++) p->x[i] *= 2.0;
  t = 1560.0;
#pragma acc exit data delete(p[0:1])"""),
    "serial, implicit copy": ("data", """#pragma acc serial
  for (int i = 0; i < n; i++) s.x[i] *= 2.0;
  t = 1560.0;"""),
    "serial in a data region": ("verified", """#pragma acc data copyin(s) copy(s.x[0:n])
  {
#pragma acc serial
  for (int i = 0; i < n; i++) s.x[i] *= 2.0;
#pragma acc parallel loop reduction(+:t)
  for (int i = 0; i < n; i++) t += s.x[i];
  }"""),
    # a NULL member the region tests before it dereferences it: no address to fault on
    "a NULL member": ("verified", """  struct vec z = {0, 0};
#pragma acc parallel loop reduction(+:t) copyin(p[0:1]) copy(p->x[0:n])
  for (int i = 0; i < n; i++) { p->x[i] *= 2.0; t += p->x[i] + (z.x ? z.x[i] : 0.0); }"""),
}


def test_the_check_in_other_constructs(tmp_path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    names = sorted(F_BODIES)
    progs = {f"p{k}": (F_KERNEL.replace("BODY", F_BODIES[n][1]), F_MAIN)
             for k, n in enumerate(names)}
    for k, (kernel, _) in progs.items():
        r = gcc_compile(tmp_path, kernel, k)
        assert r.returncode == 0, r.stderr
    res = evaluate_dynamic(write_suite(tmp_path / "run", progs), None, runs=1,
                           with_mutations=False)
    got = {names[int(p["name"][1:])]: p["original"] for p in res["programs"]}
    for name, (want, _) in F_BODIES.items():
        assert got[name]["status"] == want, (name, got[name])
        if want == "data":
            assert "is a pointer member of a struct" in got[name]["reason"], got[name]
