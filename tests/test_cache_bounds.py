"""The work and the memory of the analysis and the planner do not grow with what came before.

* A language server parses each version of a buffer anew.  A cache that holds a tree-sitter
  node holds its whole tree (a 10,000-line file's is about 11 MB), so every cache of facts
  derived from nodes is kept per recent tree (:func:`accellium.dataset.analysis.tree.
  kept_with_tree`) and the analysis cache keeps the queries of the last few sources only: after
  sixty versions of a file, each asked for a code action on one of its loops, no more than a
  bounded number of the trees parsed are still referenced by anything.  (A tree is referenced
  by each live node of it, so a tree nothing holds is one no cache holds a node of.)
* Planning every function of a file parses the file once, not once per function (each parse
  and walk of the whole file per function made the plan of a file the square of its length).

The trees are counted on the real pipeline: the tree-sitter parser every parse goes through
(``accellium.dataset.loops.Parser``) is wrapped, nothing is replaced.
"""

from __future__ import annotations

import sys

import pytest

from accellium.dataset import loops
from accellium.server.annotate import annotate_source
from accellium.server.engines import get_engine
from accellium.server.offload import offload_source

KERNEL = """
void scale_{k}(int n, double *a, const double *b)
{{
    for (int i = 0; i < n; i++)
        a[i] = {k}.5 * b[i];
}}
"""


def _file(functions: int) -> str:
    return "#include <math.h>\n" + "".join(KERNEL.format(k=k) for k in range(functions))


@pytest.fixture
def trees(monkeypatch):
    """Every tree parsed while the test runs, in order."""
    seen: list = []
    real = loops.Parser

    class Recording:
        def __init__(self, *a, **kw):
            self._parser = real(*a, **kw)

        def parse(self, *a, **kw):
            tree = self._parser.parse(*a, **kw)
            seen.append(tree)
            return tree

    monkeypatch.setattr(loops, "Parser", Recording)
    return seen


def _held(trees: list) -> int:
    """The trees something other than the list (and the call) refers to."""
    return sum(1 for k in range(len(trees)) if sys.getrefcount(trees[k]) > 2)


def test_old_versions_of_a_buffer_are_not_kept(trees):
    engine = get_engine("analysis")
    src = _file(12)
    line = src.splitlines().index("    for (int i = 0; i < n; i++)", 60) + 1
    for version in range(60):
        text = src.replace("#include <math.h>", f"#include <math.h>\n/* edit {version} */")
        got = annotate_source(text.encode(), engine, path="buffer.c", lang="c", line=line + 1)
        assert got and got[0].pragma is not None and "parallel loop" in got[0].pragma, got
    versions = 60
    held = _held(trees)
    # each version parses its file at least twice (the loops' index, the analysis's view):
    # 120 trees or more; the recent ones stay (the caches' bounds), the rest are released
    assert len(trees) >= 2 * versions, len(trees)
    assert held <= 32, (held, len(trees))


def test_the_functions_of_a_file_are_planned_on_one_parse(trees):
    src = _file(40)
    size = len(src.encode())
    plans = offload_source(src.encode(), get_engine("analysis"), path="k.c", lang="c",
                           fallback=None)
    assert len(plans) == 40 and all(p.loops for p in plans), [p.notes for p in plans]
    whole = [t for t in trees if t.root_node.end_byte >= size - 8]
    assert len(whole) <= 3, len(whole)
