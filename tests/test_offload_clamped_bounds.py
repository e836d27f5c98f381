"""Names of unknown sign in sections, where a loop's range is clamped (C11 6.8.5.3: the body of
a ``for`` runs only while its condition holds, so the index lies between every lower and every
upper bound it has).

- ``blocks``: ``i`` runs from ``b*B`` to ``end - 1``, ``end`` the smaller of ``(b + 1)*B`` and
  ``n``: both ``B*nb - 1`` and ``n - 1`` bound ``i``, and no fact orders them (``nb`` is
  ``n`` rounded up to blocks, a division).  A section to ``B*nb`` runs past the end of ``in``
  when ``n`` is not a multiple of ``B`` (the emulator's ``bounds`` failure, a GPU copying memory
  the program does not own): the per-loop section is refused, not taken from the bound whose
  names have facts.
- Twin ``window``: ``j`` from ``max(0, i - w)``, ``w`` a parameter of either sign: the sizes'
  choice ``0`` names no unknown name, and stays (``in[0:n]``).
- ``diagonals``: the anti-diagonal nest of a table fill: ``i`` from ``lo >= 1`` to ``hi <= n``
  and from ``lo >= d - m`` to ``hi <= d - 1``: ``n >= 1`` and ``m >= 1`` wherever the cells run,
  so the table's section over the whole diagonal loop is known (the plan maps it once, not at
  each diagonal).
- The facts of a function are read once per function, not once per loop.

Whole programs run in the data-environment emulator with the per-loop suggestions and the plan.
"""

from __future__ import annotations

from _offload_util import run_verified

from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload import loop_counts
from accellium.dataset.offload.extent import Extents
from accellium.dataset.offload.loopdata import loop_data
from accellium.dataset.offload.uses import array_uses

N = 10  # not a multiple of B: B*nb = 12 > 10

KERNEL = """#define B 4
void blocks(int n, const double *restrict in, double *restrict out)
{
    int nb = (n + B - 1) / B;
    for (int b = 0; b < nb; b++) {
        int end = (b + 1) * B < n ? (b + 1) * B : n;
        double s = 0.0;
        for (int i = b * B; i < end; i++)
            s += in[i];
        out[b] = s;
    }
}

void window(int n, int w, const double *restrict in, double *restrict out)
{
    for (int i = 0; i < n; i++) {
        int lo = i - w < 0 ? 0 : i - w, hi = i + w >= n ? n - 1 : i + w;
        double s = 0.0;
        for (int j = lo; j <= hi; j++)
            s += in[j];
        out[i] = s;
    }
}

void diagonals(int n, int m, int *restrict T)
{
    for (int d = 2; d <= n + m; d++) {
        int lo = d - m > 1 ? d - m : 1, hi = d - 1 < n ? d - 1 : n;
        for (int i = lo; i <= hi; i++) {
            int j = d - i;
            T[i * (m + 1) + j] = T[(i - 1) * (m + 1) + j] + T[i * (m + 1) + j - 1] + 1;
        }
    }
}
"""

MAIN = """#include <stdio.h>
#include <stdlib.h>
void blocks(int n, const double *restrict in, double *restrict out);
void window(int n, int w, const double *restrict in, double *restrict out);
void diagonals(int n, int m, int *restrict T);
int main(void)
{
    int n = NN, m = 7, bad = 0;
    double *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    int *T = calloc((n + 1) * (m + 1), sizeof *T);
    for (int i = 0; i < n; i++) in[i] = i % 5 + 1;
    blocks(n, in, out);
    for (int b = 0; b < (n + 3) / 4; b++) {
        double s = 0.0;
        for (int i = 4 * b; i < n && i < 4 * b + 4; i++) s += in[i];
        bad += out[b] != s;
    }
    window(n, 2, in, out);
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = i - 2; j <= i + 2; j++) s += j >= 0 && j < n ? in[j] : 0.0;
        bad += out[i] != s;
    }
    diagonals(n, m, T);
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++)
            bad += T[i * (m + 1) + j] != T[(i - 1) * (m + 1) + j] + T[i * (m + 1) + j - 1] + 1;
    puts(bad ? "BAD" : "OK");
    return 0;
}
""".replace("NN", str(N))


#: the cells written, the cell above, the cell to the left (of the (n + 1) x (m + 1) table)
SECTIONS = ["m+2:m*n+n-1", "1:m*n+n-1", "m+1:m*n+n-1"]


def _functions() -> dict[str, tuple]:
    root = parse_tree(KERNEL.encode(), "c").root_node
    return {n.child_by_field_name("declarator").child_by_field_name("declarator").text.decode():
            (n, root) for n in root.named_children if n.type == "function_definition"}


def _first_loop(fn):
    return next(n for n in iter_nodes(fn) if n.type == "for_statement")


def test_a_bound_no_fact_orders_gives_no_section_the_clamped_window_keeps_its_own():
    fns = _functions()
    fn, root = fns["blocks"]
    got, _ = loop_data(_first_loop(fn), fn, root)
    assert "in" not in got, got  # not in[0:B*nb]: past the end of `in` when B does not divide n
    fn, root = fns["window"]
    got, _ = loop_data(_first_loop(fn), fn, root)
    assert got.get("in") == "in[0:n]", got


def test_a_clamped_range_bounds_its_sizes_and_the_table_has_a_section():
    fn, _ = _functions()["diagonals"]
    ex = Extents([_first_loop(fn)])
    assert ex.mins.get("n") == 1 and ex.mins.get("m") == 1, dict(ex.mins)
    spans = [ex.span(u.subs[0], u.node) for u in array_uses(fn) if u.name == "T"]
    got = [s.section() if s is not None else None for s in spans]
    assert got == SECTIONS, got


def test_the_facts_of_a_function_are_read_once_for_all_its_loops(monkeypatch):
    src = "void f(int n, float *a) {\n" + "  for (int i = 0; i < n; i++) a[i] = 0;\n" * 60 + "}\n"
    root = parse_tree(src.encode(), "c").root_node
    fn = root.named_children[0]
    read = []
    real = loop_counts._counts_of
    monkeypatch.setattr(loop_counts, "_counts_of", lambda f: read.append(f) or real(f))
    for loop in (n for n in iter_nodes(fn) if n.type == "for_statement"):
        assert loop_data(loop, fn, root)[0] == {"a": "a[0:n]"}
    assert read == [fn]


def test_the_programs_verify_per_loop_and_planned(tmp_path):
    run_verified(tmp_path, {"clamped": (KERNEL, MAIN)})
