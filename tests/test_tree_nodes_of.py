"""`tree.nodes_of`: the nodes of some types found by a query of the file's grammar are those a
walk finds, in the walk's order (an enclosing node first), for C and C++ files."""

from __future__ import annotations

import pytest

from accellium.dataset.analysis.tree import iter_nodes, nodes_of
from accellium.dataset.loops import parse_tree

C_SOURCE = b"""
#include <stdio.h>
struct outer { struct inner { double x; } in; int n; };
typedef union { float f; int i; } pun;
#ifdef USE_GRID
static double grid[64];
#else
static double grid[32];
#endif
static int twice(int v) { return 2 * v; }
void step(int n, double *a, const double *b) {
    int k = twice(n);
    for (int i = 0; i < n; i++) {
        a[i] = b[i] * k + grid[i % 32];
    }
}
"""

CPP_SOURCE = b"""
#include <vector>
class Box {
public:
    double w;
    double area(double h) const { return w * h; }
    struct Corner { int x, y; } c;
};
template <typename T> T add(T a, T b) { return a + b; }
void run(std::vector<double> &v) {
    struct Local { int f() { return 1; } } l;
    for (auto &x : v) x = add(x, 1.0) + l.f();
}
"""

TYPES = [("identifier",), ("function_definition",),
         ("struct_specifier", "union_specifier", "class_specifier"),
         ("declaration", "function_definition", "preproc_ifdef", "preproc_else")]


def _walk(root, types, where=None):
    return [n for n in iter_nodes(root) if n.type in types and (where is None or where(n))]


@pytest.mark.parametrize("source,lang", [(C_SOURCE, "c"), (CPP_SOURCE, "cpp"),
                                         (C_SOURCE, "cpp")])
@pytest.mark.parametrize("types", TYPES)
def test_query_finds_what_the_walk_finds_in_its_order(source, lang, types):
    root = parse_tree(source, lang).root_node
    want = _walk(root, types)
    got = nodes_of(root, types)
    assert want, "each type list names nodes the file has"
    assert [n.id for n in got] == [n.id for n in want]
    assert all(a == b for a, b in zip(got, want, strict=True))


def test_nested_nodes_come_enclosing_first():
    root = parse_tree(C_SOURCE, "c").root_node
    records = nodes_of(root, ("struct_specifier",))
    names = [n.child_by_field_name("name").text for n in records]
    assert names[:2] == [b"outer", b"inner"]


def test_where_filters_before_the_order_is_taken():
    root = parse_tree(C_SOURCE, "c").root_node
    got = nodes_of(root, ("identifier",), lambda n: n.text in (b"twice", b"grid"))
    assert [n.text for n in got] == [b"grid", b"grid", b"twice", b"twice", b"grid"]
    assert [n.id for n in got] == [n.id for n in _walk(
        root, ("identifier",), lambda n: n.text in (b"twice", b"grid"))]


def test_a_node_below_the_root_is_walked():
    root = parse_tree(C_SOURCE, "c").root_node
    fn = nodes_of(root, ("function_definition",))[-1]
    body = fn.child_by_field_name("body")
    got = nodes_of(body, ("identifier",))
    assert [n.text for n in got][:3] == [b"k", b"twice", b"n"]
    assert [n.id for n in got] == [n.id for n in _walk(body, ("identifier",))]


def test_a_type_the_grammar_lacks_finds_nothing():
    root = parse_tree(C_SOURCE, "c").root_node
    assert nodes_of(root, ("class_specifier",)) == []
    assert nodes_of(root, ("class_specifier", "union_specifier")) == _walk(
        root, ("union_specifier",))
