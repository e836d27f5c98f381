"""The loop finder on hostile input (issue #12: D1, D2, D6, D7) and the insertability rule."""

from __future__ import annotations

import sys

import pytest

from accellium.dataset.labels import is_loop_label
from accellium.dataset.lines import LineIndex, line_starts
from accellium.dataset.loops import (
    find_loops,
    insertion_problem,
    loops_in_tree,
    parse_below,
    parse_tree,
)


def _nest(n: int, labelled: bool = False) -> bytes:
    head = "#pragma acc loop\n" if labelled else ""
    return ("void f(int n, float *a) {\n" + (head + "for (int i = 0; i < n; i++) {\n") * n
            + "a[0] += 1;\n" + "}\n" * n + "}\n").encode()


def _visits(src: bytes) -> dict[str, int]:
    stats: dict[str, int] = {}
    loops = loops_in_tree(parse_tree(src, "c"), src, stats=stats)
    assert stats["loops"] == len(loops)
    return stats


def test_deep_nests_visit_a_linear_number_of_nodes():
    """D1: 300 nested loops took 60 s (cubic: each loop walked its ancestors with node.parent,
    which tree-sitter answers from the root).  The walk now visits each node on the paths to
    the loops once: 2 frames per level (the for and its block), whatever the depth."""
    for n in (10, 100, 1000):
        stats = _visits(_nest(n))
        assert stats["loops"] == n
        assert stats["nodes"] <= 2 * n + 3


def test_five_thousand_deep_labelled_nest_without_recursion():
    src = _nest(5000, labelled=True)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # nothing may recurse with the depth of the input
    try:
        loops = find_loops(src, "c")
    finally:
        sys.setrecursionlimit(limit)
    assert len(loops) == 5000
    inner = loops[-1]
    assert inner.depth == 4999 and loops[0].loop_depth == 5000
    assert loops[0].perfect_depth == 5000 and inner.perfect_depth == 1
    assert inner.parent_index == 4998 and inner.pragma.text == "#pragma acc loop"
    assert inner.enclosing == ["#pragma acc loop"] * 4999
    assert inner.text.startswith("for (int i = 0; i < n; i++) {\na[0] += 1;")


def test_deeply_parenthesised_loop_header_has_its_index_variable():
    """D2: RecursionError in _first_identifier on 1,000 nested parentheses."""
    for depth in (1000, 5000):
        src = "for(" + "(" * depth + "i" + ")" * depth + "=0;i<n;i++) a[i]=0;"
        (lp,) = find_loops(src, "c")
        assert lp.index_var == "i"


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_every_line_break_kind_gives_the_same_lines_and_labels(eol):
    """D6: with CR-only line ends the whole file was one line for the finder."""
    text = ("#include <stdio.h>\nvoid f(int n, float *a) {\n#pragma acc data copy(a[0:n])\n"
            "  for (int i = 0; i < n; i++)\n    a[i] = 0;\n#pragma acc kernels \\\n"
            "    present(a)\n  for (int j = 0; j < n; j++)\n    a[j] += 1;\n}\n")
    loops = find_loops(text.replace("\n", eol).encode(), "c")
    assert [(lp.line, lp.end_line_1, lp.start_col) for lp in loops] == [(4, 5, 2), (8, 9, 2)]
    assert loops[1].pragma.text == "#pragma acc kernels present(a)"
    assert (loops[1].pragma.start_line, loops[1].pragma.end_line) == (5, 6)
    assert [lp.indent for lp in loops] == ["  ", "  "]


def test_mixed_line_ends_follow_the_lsp_line_model():
    src = b"a\nb\r\nc\rd\n\re"
    assert line_starts(src) == [0, 2, 5, 7, 9, 10]
    idx = LineIndex(src)
    assert [idx.line_bytes(r) for r in range(len(idx))] == [b"a", b"b", b"c", b"d", b"", b"e"]
    assert [idx.eol(r) for r in range(len(idx))] == [b"\n", b"\r\n", b"\r", b"\n", b"\r", b""]


def test_utf16_columns_on_a_long_non_ascii_line():
    line = ("/* é😀 */ for (int i=0;i<n;i++) a[i]=0; " * 2000).encode()
    loops = find_loops(line, "c")
    assert len(loops) == 2000
    idx = LineIndex(line)
    for lp in loops[:50] + loops[-50:]:
        prefix = line[:lp.start_col].decode()
        units = len(prefix.encode("utf-16-le")) // 2
        assert lp.start_col_utf16 == units
        assert idx.byte_col(0, units) == lp.start_col


@pytest.mark.parametrize("directive", [
    "data copy(a[0:n])", "enter data copyin(a[0:n])", "exit data copyout(a[0:n])",
    "update host(a[0:n])", "wait", "host_data use_device(a)", "declare create(a)",
])
def test_a_region_or_standalone_directive_is_not_the_loops_label(directive):
    """D7: `#pragma acc data ...` right above a loop was taken for the loop's own pragma."""
    src = f"void f(int n, float *a) {{\n#pragma acc {directive}\nfor (int i=0;i<n;i++) a[i]=0;\n}}\n"
    (lp,) = find_loops(src, "c")
    assert lp.pragma is None
    region = directive.split()[0] in {"data", "host_data"}
    assert lp.enclosing == ([f"#pragma acc {directive}"] if region else [])


def test_loop_labels_are_loop_and_compute_constructs():
    for d in ("loop", "parallel loop", "kernels loop", "serial loop", "parallel", "kernels",
              "serial"):
        assert is_loop_label(d)
        src = f"void f(){{\n#pragma acc data copy(a)\n#pragma acc {d}\nfor(;;);\n}}\n"
        (lp,) = find_loops(src, "c")
        assert lp.pragma.text == f"#pragma acc {d}"
        assert lp.enclosing == ["#pragma acc data copy(a)"]
    for d in ("data", "enter data", "update", "wait", "atomic", "routine", "cache", None):
        assert not is_loop_label(d)


PROBLEMS = {
    "if (n > 0) for (int i = 0; i < n; i++) a[i] = 0;": "code precedes",
    "int k = 0; for (int i = 0; i < n; i++) a[i] = k;": "code precedes",
    "{ for (int i = 0; i < n; i++) a[i] = 0; }": "code precedes",
    "if (n) a[0] = 1; else for (int i = 0; i < n; i++) a[i] = 0;": "code precedes",
    "L: for (int i = 0; i < n; i++) a[i] = 0;": "code precedes",
    "int k = 0; \\\nfor (int i = 0; i < n; i++) a[i] = k;": "backslash",
    "#pragma omp parallel for\nfor (int i = 0; i < n; i++) a[i] = 0;": "#pragma omp parallel for",
    "#pragma GCC ivdep\n\n// note\nfor (int i = 0; i < n; i++) a[i] = 0;": "#pragma GCC ivdep",
    "#ifdef _OPENMP\n#pragma omp simd\n#endif\nfor (int i = 0; i < n; i++) a[i] = 0;": "omp simd",
    '_Pragma("omp parallel for")\nfor (int i = 0; i < n; i++) a[i] = 0;': "_Pragma",
}
FINE = [
    "if (n > 0)\n  for (int i = 0; i < n; i++) a[i] = 0;",
    "if (n) a[0] = 1;\nelse\n  for (int i = 0; i < n; i++) a[i] = 0;",
    "L:\n  for (int i = 0; i < n; i++) a[i] = 0;\n  goto L;",
    "switch (n) { case 1:\n  for (int i = 0; i < n; i++) a[i] = 0;\n}",
    "do\n  for (int i = 0; i < n; i++) a[i] = 0;\nwhile (0);",
    "#pragma acc update device(a[0:n])\nfor (int i = 0; i < n; i++) a[i] = 0;",
    "#pragma acc data copy(a[0:n])\nfor (int i = 0; i < n; i++) a[i] = 0;",
    "#pragma acc kernels\nfor (int i = 0; i < n; i++) a[i] = 0;",
]


@pytest.mark.parametrize("body", list(PROBLEMS))
def test_loops_that_do_not_start_their_statement_are_not_insertable(body):
    src = f"void h(int n, double *a) {{\n{body}\n}}\n".encode()
    lines = LineIndex(src)
    (lp,) = find_loops(src, "c")
    problem = insertion_problem(lines, lp)
    assert problem is not None and PROBLEMS[body] in problem


@pytest.mark.parametrize("body", FINE)
def test_loops_on_their_own_line_are_insertable(body):
    src = f"void h(int n, double *a) {{\n{body}\n}}\n".encode()
    lines = LineIndex(src)
    (lp,) = find_loops(src, "c")
    assert insertion_problem(lines, lp) is None


def _shape(node) -> list:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append((n.type, n.start_point, n.end_point, n.start_byte, n.end_byte, n.has_error))
        stack.extend(reversed(n.children))
    return out


@pytest.mark.parametrize("src", [
    b"for (int i = 0; i < n; i++) a[i] = b[i];",
    b"for (i = 0; i < n; i++) {\n#pragma acc atomic update\n  h[idx[i]]++;\n}\n",
    b"for (i = 0; i < n; i++)\r\n  s += a[i]; /* sum */\r\n",
    b"for (i = 0; i < n; i++) \\\n  x[i] = 1;\rfor (;;) {",  # a lone CR, an unclosed loop
    b"\xc3\xa9 for (i = 0; i < n; i++) a[i] = '\xe2\x82\xac';",
    b"",
])
def test_a_fragment_parsed_below_is_the_padded_fragment(src):
    """The analysis parses a loop at its file line: the tree of ``parse_below`` (the padding
    skipped, not lexed) is node for node the tree of the padded text."""
    for rows in (0, 1, 7, 40_000):
        below = parse_below(src, "c", rows).root_node
        padded = parse_tree(b"\n" * rows + src, "c").root_node
        got, want = _shape(below), _shape(padded)
        # the root spans the text it was given; every node inside it is the same
        assert got[1:] == want[1:], rows
        assert below.text == padded.text
