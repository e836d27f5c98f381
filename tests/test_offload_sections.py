"""Sections from loop bounds (dataset/offload: poly, bounds, extent): the elements a subscript
reaches while its loops run, and what has no extent."""

from __future__ import annotations

import pytest

from accellium.dataset.analysis.tree import iter_nodes, text
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload import poly
from accellium.dataset.offload.extent import Extents, union
from accellium.dataset.offload.uses import array_uses


def _spans(body: str, array: str = "a") -> list[str | None]:
    """The sections of every use of ``array`` in a function body, relative to the body."""
    src = ("void f(int n, int m, int w, int *idx, double *a, double *b) {\n" + body +
           "\n}\n").encode()
    tree = parse_tree(src, "c")
    fn = next(n for n in iter_nodes(tree.root_node) if n.type == "compound_statement")
    stmts = [c for c in fn.named_children if c.type != "comment"]
    ex = Extents(stmts)
    out = []
    for u in array_uses(fn):
        if u.name != array or not u.subs:
            continue
        s = ex.span(u.subs[0], u.node)
        out.append(None if s is None or ex.free(s) else s.section())
    return out


@pytest.mark.parametrize("body, want", [
    ("for (int i = 0; i < n; i++) a[i] = 0;", ["0:n"]),
    ("for (int i = 1; i <= n; i++) a[i - 1] = 0;", ["0:n"]),
    ("for (int i = n - 1; i >= 0; i--) a[i] = 0;", ["0:n"]),
    ("for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) a[i * m + j] = 0;", ["0:m*n"]),
    # Jacobi: (i-1)*n + j over the interior
    ("for (int i = 1; i < n - 1; i++) for (int j = 1; j < n - 1; j++) a[(i - 1) * n + j] = 0;",
     ["1:n*n-2*n-2"]),
    # triangular: j <= i, eliminated before i
    ("for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) a[i * n + j] = 0;", ["0:n*n"]),
    ("for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) a[i * n + j] = 0;",
     ["1:n*n-1"]),
    # a local assigned once, a step of 2, a remainder
    ("for (int i = 0; i < n; i++) { int k = 2 * i + 1; a[k] = 0; }", ["1:2*n-1"]),
    ("for (int i = 0; i < n; i += 2) a[i] = 0;", ["0:n"]),
    ("for (int t = 0; t < m; t++) a[t % n] = 0;", ["0:n"]),
    # bounds of min/max locals and conditionals (a window clamped to the array)
    ("for (int i = 0; i < n; i++) { int lo = i - w < 0 ? 0 : i - w, "
     "hi = i + w >= n ? n - 1 : i + w; for (int j = lo; j <= hi; j++) a[j] = 0; }", ["0:n"]),
    # no extent: data, a division, a bound read from memory, an index assigned twice
    ("for (int i = 0; i < n; i++) a[idx[i]] = 0;", [None]),
    ("for (int i = 0; i < n; i++) a[i / 2] = 0;", [None]),
    ("for (int i = 0; i < idx[n]; i++) a[i] = 0;", [None]),
    ("for (int i = 0; i < n; i++) { int k = i; k += m; a[k] = 0; }", [None]),
])
def test_sections(body, want):
    assert _spans(body) == want


def test_region_relative_and_invariant_names():
    # `m` changes inside: the span uses a name the region assigns → not a section
    assert _spans("for (int i = 0; i < n; i++) { a[i + m] = 0; m++; }") == [None]
    # a host time loop around: its index is eliminated too
    assert _spans("for (int t = 0; t < m; t++) for (int i = 0; i < n; i++) a[t * n + i] = 0;") \
        == ["0:m*n"]


def test_poly_render_compare_and_union():
    n, m = poly.var("n"), poly.var("m")
    p = poly.add(poly.mul(n, m) or {}, poly.sub(poly.const(1), n))
    assert poly.render(p) == "m*n-n+1"
    assert poly.compare(poly.sub(n, poly.const(1)), n) == -1
    assert poly.compare(n, m) is None
    assert poly.compare(poly.const(1), poly.sub(n, poly.const(1)), {"n": 3}) == -1
    from accellium.dataset.offload.extent import Span
    got = union([Span(poly.const(0), poly.sub(n, poly.const(1))),
                 Span(poly.const(1), n)])
    assert got is not None and got.section() == "0:n+1"
    assert union([Span(poly.const(0), n), Span(poly.const(0), m)]) is None


def test_dense_writes():
    src = (b"void f(int n, int m, double *a) {\n"
           b"  for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) a[i * m + j] = 0;\n"
           b"  for (int i = 0; i < n; i++) for (int j = 1; j < m - 1; j++) a[i * m + j] = 0;\n"
           b"  for (int i = 0; i < n; i += 2) a[i] = 0;\n}\n")
    tree = parse_tree(src, "c")
    body = next(n for n in iter_nodes(tree.root_node) if n.type == "compound_statement")
    stmts = [c for c in body.named_children]
    ex = Extents(stmts)
    dense = [ex.dense(u.subs[0], u.node) for u in array_uses(body) if u.name == "a"]
    assert dense == [True, False, False]
    assert text(stmts[0]).startswith("for")


# An access under a condition on a loop index happens only where the condition holds
# (dataset/offload/guards.py): the index range is narrowed before the min/max is taken.
@pytest.mark.parametrize("body, want", [
    # hotspot: the neighbour's index chosen by ?: in a local
    ("for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) { int c = i * m + j; "
     "int up = i > 0 ? c - m : c, down = i < n - 1 ? c + m : c; b[c] = a[up] + a[down]; }",
     ["0:m*n-m", "m:m*n-m"]),
    # srad: the access itself inside a ?: branch, in an if, after &&
    ("for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) { int k = i * m + j; "
     "b[k] = (i > 0 ? a[k - m] : 0) + (i < n - 1 ? a[k + m] : 0); }", ["0:m*n-m", "m:m*n-m"]),
    ("for (int i = 0; i < n; i++) if (i >= 1) a[i - 1] = 0;", ["0:n-1"]),
    ("for (int i = 0; i < n; i++) if (0 < i) a[i - 1] = 0; else a[i] = 0;", ["0:n-1", "0:1"]),
    ("for (int i = 0; i < n; i++) b[i] = i != 0 && a[i - 1] > 0;", ["0:n-1"]),
    ("for (int i = 0; i < n; i++) b[i] = i == n - 1 || a[i + 1] > 0;", ["1:n-1"]),
    ("for (int i = 0; i < n; i++) if (!(i <= 0)) a[i - 1] = 0;", ["0:n-1"]),
    ("for (int i = 0; i < n; i++) b[i] = i != n - 1 ? a[i + 1] : 0;", ["1:n-1"]),
    # a subscript with the ?: inside it (i - 1 for i >= 1, 0 for i == 0)
    ("for (int i = 0; i < n; i++) b[i] = a[i > 0 ? i - 1 : i];", ["0:n-1"]),
    # a guard on another name narrows nothing: the whole range (a superset)
    ("for (int i = 0; i < n; i++) if (w > 0) a[i + 1] = 0;", ["1:n"]),
    # i != e away from a boundary narrows nothing
    ("for (int i = 0; i < n; i++) if (i != w) a[i] = 0;", ["0:n"]),
])
def test_guarded_sections(body, want):
    assert _spans(body) == want


def test_a_section_that_can_start_before_the_pointer_is_not_guessed():
    """A start that may be negative is only the program's own claim when an unconditional
    access reaches it (``a[i - off]`` at ``i = 0``: the loop itself reads ``a[-off]``, so the
    section is exactly what it touches).  Where a condition on a variable may rule the access
    out at that index (``w > 0 ? a[i - 1]``, a guess about ``w``), no section and a note,
    never one clamped to 0; a test of data (``a[i] == b[i] ? a[i - 1]``) selects no indices
    and keeps the section of the unconditional accesses' kind."""
    from accellium.dataset.offload.loopdata import loop_data

    src = (b"void f(int n, int off, double *a, double *b) {\n"
           b"  for (int i = 0; i < n; i++) b[i] = a[i - off];\n}\n"
           b"void g(int n, double *a, double *b) {\n"
           b"  for (int i = 0; i < n; i++) b[i] = i > 0 ? a[i - 1] : 0.0;\n}\n"
           b"void h(int n, int w, double *a, double *b) {\n"
           b"  for (int i = 0; i < n; i++) b[i] = w > 0 ? a[i - w] : 0.0;\n}\n"
           b"void k(int n, double *a, double *b) {\n"
           b"  for (int i = 1; i < n; i++) b[i] = a[i] == b[i] ? a[i - 1] : 0.0;\n}\n")
    root = parse_tree(src, "c").root_node
    fns = [n for n in iter_nodes(root) if n.type == "function_definition"]
    loops = [next(n for n in iter_nodes(f) if n.type == "for_statement") for f in fns]
    got = [loop_data(lp, fn, root)[0] for lp, fn in zip(loops, fns, strict=True)]
    assert got[0]["a"] == "a[-off:n]" and got[0]["b"] == "b[0:n]"
    assert got[1]["a"] == "a[0:n-1]"
    assert "a" not in got[2] and got[2]["b"] == "b[0:n]"
    assert got[3]["a"] == "a[0:n]"
