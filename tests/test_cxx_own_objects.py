"""A loop's own objects passed to C++ reference parameters, and C++'s functional casts
(issue #15 on C++ code, the per-loop analysis).

- A block's automatic object is created anew at each entry to the block (C11 6.2.4p6, C++
  [basic.stc.auto]): ``vec3 velocity;`` declared in a loop's body is each iteration's own
  object, so a callee that writes it through a reference parameter (``vec3 &velocity``, the
  C++ spelling of C's ``&velocity``) writes no memory the iterations share.  The analysis took
  such an argument for shared memory ("may write through `velocity`: the same memory in every
  iteration") and answered ``serial loop``; the same object declared outside the loop still is.
- ``double(0.5)`` is the cast ``(double)(0.5)`` in functional notation [expr.type.conv], not a
  call of a function ``double`` that would need ``#pragma acc routine``.

Whole programs, built with g++ and run in the data-environment emulator: the offload plan
offloads the loop (with ``routine seq`` for its callees) and verifies."""

from __future__ import annotations

from _offload_util import run_programs

from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine

PROG = """#include <cstdio>
#include <cmath>
struct vec3 { double x, y, z; };

static inline void velocity_of(double density, const vec3 &momentum, vec3 &velocity)
{
    velocity.x = momentum.x / density;
    velocity.y = momentum.y / density;
    velocity.z = momentum.z / density;
}

static inline double speed_sqd(const vec3 &v)
{
    return v.x * v.x + v.y * v.y + v.z * v.z;
}

void step_factors(int n, const double *vars, double *out)
{
    OUTSIDE
    for (int i = 0; i < n; i++) {
        double density = vars[4 * i];
        vec3 momentum;
        momentum.x = vars[4 * i + 1];
        momentum.y = vars[4 * i + 2];
        momentum.z = vars[4 * i + 3];
        INSIDE
        velocity_of(density, momentum, velocity);
        out[i] = double(0.5) / (std::sqrt(speed_sqd(velocity)) + double(1));
    }
}

int main()
{
    const int n = 20000;
    double *vars = new double[4 * n], *out = new double[n];
    for (int i = 0; i < 4 * n; i++)
        vars[i] = 1.0 + (i % 11) * 0.25;
    step_factors(n, vars, out);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double d = vars[4 * i], x = vars[4 * i + 1] / d, y = vars[4 * i + 2] / d,
               z = vars[4 * i + 3] / d;
        double want = 0.5 / (std::sqrt(x * x + y * y + z * z) + 1.0);
        bad |= std::fabs(out[i] - want) > 1e-12;
    }
    std::puts(bad ? "BAD" : "OK");
    delete[] vars;
    delete[] out;
    return 0;
}
"""

OWN = PROG.replace("OUTSIDE", "").replace("INSIDE", "vec3 velocity;")
SHARED = PROG.replace("OUTSIDE", "vec3 velocity;").replace("INSIDE", "")


def _kernel(src: str):
    """The per-loop answer for ``step_factors``'s loop."""
    line = next(k for k, t in enumerate(src.splitlines(), 1) if "i < n; i++) {" in t)
    got = annotate_source(src.encode(), get_engine("analysis"), path="prog.cpp", line=line)
    return next(r for r in got if r.line == line)


def test_an_object_the_body_declares_is_the_iterations_own():
    own = _kernel(OWN)
    assert own.pragma is not None and own.pragma.startswith("#pragma acc parallel loop"), \
        (own.pragma, own.notes)
    assert not any("may write through" in n for n in own.notes), own.notes
    # the same object declared once for the whole loop: every iteration writes it
    shared = _kernel(SHARED)
    assert any("may write through `velocity`" in n for n in shared.notes), shared.notes


def test_a_functional_cast_is_no_call():
    own = _kernel(OWN)
    assert not any("`double`" in n for n in own.notes), own.notes


def test_the_plan_offloads_the_loop_and_verifies(tmp_path):
    rows = run_programs(tmp_path, {"own": ({"prog.cpp": OWN}, ["prog.cpp"]),
                                   "shared": ({"prog.cpp": SHARED}, ["prog.cpp"])})
    kernel = next(p for p in rows["own"]["offload"]["plans"] if p["function"] == "step_factors")
    assert kernel["loops"], kernel["notes"]


#: an object of the body whose structure holds a pointer: what a callee writes through that
#: member is the memory it points to, the same in every iteration (a race if run in parallel)
VIEW = """#include <cstdio>
struct view { double *p; int k; };

static inline void bump(view &v, double x)
{
    v.p[v.k] += x;
}

void accumulate(int n, const double *a, double *total)
{
    for (int i = 0; i < n; i++) {
        view v;
        v.p = total;
        v.k = 0;
        bump(v, a[i]);
    }
}

int main()
{
    const int n = 1000;
    double *a = new double[n], total = 0.0;
    for (int i = 0; i < n; i++)
        a[i] = 0.5;
    accumulate(n, a, &total);
    std::puts(total == 500.0 ? "OK" : "BAD");
    delete[] a;
    return 0;
}
"""


def test_an_object_holding_a_pointer_is_not_the_iterations_own(tmp_path):
    line = next(k for k, t in enumerate(VIEW.splitlines(), 1) if "i < n; i++) {" in t)
    got = annotate_source(VIEW.encode(), get_engine("analysis"), path="prog.cpp", line=line)
    answer = next(r for r in got if r.line == line)
    assert answer.pragma is None or "seq" in answer.pragma or "serial" in answer.pragma, \
        (answer.pragma, answer.notes)
    assert any("may write through `v`" in n for n in answer.notes), answer.notes
    run_programs(tmp_path, {"view": ({"prog.cpp": VIEW}, ["prog.cpp"])}, ("engine", "offload"))
