"""What a pointer may point to (:mod:`accellium.dataset.offload.points_to`), read from the
program's assignments, calls and returns (C11 6.5.16.1p2, 6.5.2.2p4, 6.8.6.4p3), and what a
call reaches through pointers its callee is not given.  The planner's use of it is proven on
whole programs in tests/test_offload_pointer_alias.py."""

from __future__ import annotations

from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.points_to import aliased_calls, points_to

KERNEL = b"""extern double *watch;
static double *mine;
double sum(const double *x, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s;
}
void peek(void) { watch[0] += 1.0; }
double look(void) { return mine[0]; }
void keep(double *p) { mine = p; }
void step(double *a, double *b, int n)
{
    peek();
    look();
    sum(b, n);
}
"""
MAIN = b"""#include <stdlib.h>
double *watch;
void keep(double *p);
void step(double *a, double *b, int n);
static double *grow(int n) { return malloc(n * sizeof(double)); }
int main(void)
{
    double *a = grow(8), *b = grow(8), *c = malloc(8 * sizeof *c);
    double *rows[2] = {a, c};
    watch = rows[0];
    keep(c);
    step(a, b, 8);
    return 0;
}
"""


def _roots(*sources: bytes):
    return [[parse_tree(s, "c").root_node] for s in sources]


def _hits(pt, root, fn: str) -> dict[str, list[tuple[str, bool]]]:
    f = next(n for n in iter_nodes(root) if n.type == "function_definition"
             and fn.encode() in n.child_by_field_name("declarator").text)
    return {call.child_by_field_name("function").text.decode(): got
            for call, got in aliased_calls(pt, f)}


def test_a_pointer_points_where_the_program_sets_it():
    units = _roots(KERNEL, MAIN)
    pt = points_to(units, known=True, wrappers=("grow",))
    a, b = pt.of(0, "step", "a"), pt.of(0, "step", "b")
    # an allocator wrapper's calls each return memory of their own
    assert a and b and not a & b
    # ``watch = rows[0]`` reads a pointer stored in memory: ``rows`` holds ``a``
    assert a <= pt.of(1, "", "watch") | pt.pts[(-1, "", "watch")]
    hits = _hits(pt, units[0][0], "step")
    # ``peek`` writes through ``watch``; ``look`` reads ``mine`` = ``c``; ``sum`` reads ``b``
    # through its parameter (the call's own argument, left to the caller's uses)
    assert hits["peek"] == [("a", True)], hits
    assert "look" not in hits and "sum" not in hits, hits


def test_unseen_callers_pass_memory_of_their_own():
    # the file alone: ``step``'s parameters come from callers not seen, which the planner
    # takes to pass memory no name of the file designates; ``watch`` is another unseen object
    units = _roots(KERNEL)
    pt = points_to(units, known=False)
    assert not pt.of(0, "step", "a") & pt.pts[(-1, "", "watch")]
    assert _hits(pt, units[0][0], "step") == {}
    # ... unless the file's own code stores one into the other
    linked = KERNEL.replace(b"    peek();", b"    watch = a;\n    peek();")
    units = _roots(linked)
    pt = points_to(units, known=False)
    # (``watch`` itself too: ``step`` names it now; the planner reads that one by name)
    assert _hits(pt, units[0][0], "step")["peek"] == [("a", True), ("watch", True)]
