"""A guard comparing a loop's index with an inner loop's index (``if (i < j - 1) ... else
...`` inside ``if (i + 1 < n)``, the nussinov recurrence): narrowing ``i`` by ``i >= j - 1``
leaves ``j`` in a candidate bound once ``j``'s loop is eliminated — no bound where the
directive stands, while the other candidates each hold alone (every candidate is a bound the
index satisfies by itself).  Before, such a candidate made the guarded span fail and the
section fell back to the loops' whole ranges: ``table[0:n+1]``, one row past a table of ``n``
rows (the suite's ``pb3_nussinov`` per-loop column failed ``bounds`` in the emulator).
(:meth:`accellium.dataset.offload.extent.Extents._over_loops`)"""

from __future__ import annotations

import pytest

from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload.loopdata import loop_sections

SRC = """#define NN 100
void f(int n, int table[NN][NN])
{
    int i, j;
    for (i = n - 1; i >= 0; i--) {
        for (j = i + 1; j < n; j++) {
            GUARDED
        }
    }
}
"""

CASES = {
    # the access under the else of the inner guard, the outer guard keeping i + 1 < n
    "else": ("if (i + 1 < n) { if (i < j - 1) table[i][j] = 1; "
             "else table[i][j] = table[i + 1][j - 1]; }", "table[0:n][0:NN]"),
    "then": ("if (i + 1 < n) { if (i < j - 1) table[i][j] = table[i + 1][j - 1]; }",
             "table[0:n][0:NN]"),
    # twin: no outer guard, the access reaches row n: the section says so
    "unguarded": ("if (i < j - 1) table[i][j] = 1; else table[i][j] = table[i + 1][j - 1];",
                  "table[0:n+1][0:NN]"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_guard_on_an_inner_index_keeps_the_outer_guard(case):
    body, want = CASES[case]
    src = SRC.replace("GUARDED", body).encode()
    root = parse_tree(src, "c").root_node
    fn = next(n for n in iter_nodes(root) if n.type == "function_definition")
    loop = next(n for n in iter_nodes(fn) if n.type == "for_statement")
    assert loop_sections(loop, fn, root) == {"table": want}
