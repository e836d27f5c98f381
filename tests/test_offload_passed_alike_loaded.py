"""A pointer the caller reads from memory and passes twice points into one array
(:func:`accellium.dataset.offload.passed_alike.pointer_base`).

Multigrid codes keep one pointer per level and call ``resid(n, u, w[k], w[k])``: the residual
is written over its input.  The planner told aliased parameters by the arguments' array
names only (``r``, ``&r[k]``, ``r + 1``); an element read such as ``w[k]`` counted as unknown,
so ``resid``'s region mapped ``copyin(v[1:n-2])`` then ``copy(r[0:n])`` — one array, and the
second clause found its memory partly present: the plan aborted the program (found on a public
multigrid benchmark: "'r[0:n1*n2*n3]' is partly present").  One call's arguments are
evaluated with nothing stored between them when none has a side effect (C11 6.5.2.2p4), so
the same lvalue read twice is the same pointer: the two parameters are passed alike, and
as every such call passes the same pointer for both, their sections (``v[1:n-2]``,
``r[0:n]``) become the one section holding both, ``copy`` for each: the region maps the
memory once (the module's rule; before the sections were widened, the loops stayed on the
host).  The per-loop answers put both in one ``copy`` of one section, as for names.

Twin ``distinct``: ``resid(n, u, w[k], w[k + 1])`` reads two different pointers; the region
stays and moves the data.  Whole programs, built with real gcc and run in the emulator."""

from __future__ import annotations

from _offload_util import run_verified

N, LEVELS = 120, 3

KERNEL = """void resid(int n, const double *u, const double *v, double *r)
{
    for (int i = 1; i < n - 1; i++)
        r[i] = v[i] - 0.5 * (u[i - 1] + u[i + 1]);
    for (int i = 0; i < n; i++)
        r[i] = 0.5 * r[i] + 1.0;
}

void levels(int n, int m, const double *u, double **w)
{
    for (int k = 0; k < m; k++)
        resid(n, u, w[k], OUT);
}
"""
MAIN = f"""#include <math.h>
#include <stdio.h>
void levels(int n, int m, const double *u, double **w);
static void host_resid(int n, const double *u, const double *v, double *r)
{{
    for (int i = 1; i < n - 1; i++)
        r[i] = v[i] - 0.5 * (u[i - 1] + u[i + 1]);
    for (int i = 0; i < n; i++)
        r[i] = 0.5 * r[i] + 1.0;
}}
int main(void)
{{
    static double u[{N}], a[{LEVELS + 1}][{N}], h[{LEVELS + 1}][{N}];
    double *w[{LEVELS + 1}], *hw[{LEVELS + 1}];
    for (int k = 0; k <= {LEVELS}; k++) {{ w[k] = a[k]; hw[k] = h[k]; }}
    for (int i = 0; i < {N}; i++) {{
        u[i] = (i * 7) % 11;
        for (int k = 0; k <= {LEVELS}; k++) a[k][i] = h[k][i] = (i + k) % 5;
    }}
    levels({N}, {LEVELS}, u, w);
    for (int k = 0; k < {LEVELS}; k++)
        host_resid({N}, u, hw[k], HOUT);
    int bad = 0;
    for (int k = 0; k <= {LEVELS}; k++)
        for (int i = 0; i < {N}; i++) bad += fabs(a[k][i] - h[k][i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""


def test_a_pointer_read_twice_is_passed_alike(tmp_path):
    same = (KERNEL.replace("OUT", "w[k]"), MAIN.replace("HOUT", "hw[k]"))
    distinct = (KERNEL.replace("OUT", "w[k + 1]"), MAIN.replace("HOUT", "hw[k + 1]"))
    rows = run_verified(tmp_path, {"same": same, "distinct": distinct},
                        variants=("serial", "engine", "per_loop_clauses", "offload"))
    plans = {p["function"]: p for p in rows["same"]["offload"]["plans"]}
    assert plans["resid"]["loops"] == [3, 5], plans["resid"]
    held = {a["name"]: (a["clause"], a["section"]) for a in plans["resid"]["arrays"]}
    assert held == {"u": ("copyin", "u[0:n]"), "v": ("copy", "v[0:n]"),
                    "r": ("copy", "r[0:n]")}, held
    # per call: u and the one shared section in, that section back once (the second clause
    # finds it present)
    assert rows["same"]["offload"]["bytes_h2d"] == LEVELS * 2 * N * 8
    assert rows["same"]["offload"]["bytes_d2h"] == LEVELS * N * 8
    # the twin's region maps u and the two levels once per call
    kept = {p["function"]: p for p in rows["distinct"]["offload"]["plans"]}
    assert len(kept["resid"]["loops"]) == 2, kept["resid"]
    assert rows["distinct"]["offload"]["bytes_h2d"] > 0
    # per loop: the first loop's v and r in one copy of one section
    first = [a for a in rows["same"]["engine"]["pragmas"] if "v[" in a["pragma"]]
    assert first and "copyin(v" not in first[0]["pragma"], first
