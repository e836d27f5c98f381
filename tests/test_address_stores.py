"""A loop that stores an address it computes into memory the host reads back (row pointers into
one block: ``row[r] = data + r * cols``) gets no compute construct: on the device ``data`` is a
device address (or, unmapped, not the host's value), so the rows that come back point where
the host cannot go (OpenACC 3.3, 2.6.8, 2.7).  A copy of stored pointers (``a[i] = b[i]``) and
a pointer the iteration declares for itself are not such stores.  Proven on whole programs in
the data-environment emulator (gcc -fopenacc): the per-loop suggestions and the plan of the
row-table program verify; a compute construct on its row loop fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import run_verified, write_suite

from accellium.dataset.analysis import analyze
from accellium.dataset.analysis.scope import scope_of
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """int **rows_of(int rows, int cols, int *data, int **row)
{
    for (int r = 0; r < rows; r++)
        row[r] = data + r * cols;
    for (int k = 0; k < rows * cols; k++)
        data[k] = k;
    return row;
}
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
int **rows_of(int rows, int cols, int *data, int **row);
int main(void)
{
    int rows = 300, cols = 64;
    int *data = malloc(rows * cols * sizeof *data);
    int **row = malloc(rows * sizeof *row);
    rows_of(rows, cols, data, row);
    int bad = 0;
    for (int r = 0; r < rows; r++)
        bad += row[r] != data + r * cols || row[r][cols - 1] != r * cols + cols - 1;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _facts(fn: str, marker: str):
    at = fn.index(marker)
    loop = fn[at:]
    return analyze(loop, scope=scope_of(fn, at))


DECLS = ("void f(int n, int m, double *data, double **rows, double **b, double *a, "
         "double *x, double **ptrs, struct s *objs)\n{\n")


@pytest.mark.parametrize(("body", "stores"), [
    ("    for (int r = 0; r < n; r++)\n        rows[r] = data + r * m;\n", ["rows[r]"]),
    ("    for (int r = 0; r < n; r++)\n        rows[r] = (r & 1) ? data : x + r;\n",
     ["rows[r]"]),
    ("    for (int i = 0; i < n; i++)\n        ptrs[i] = &x[i];\n", ["ptrs[i]"]),
    ("    for (int i = 0; i < n; i++)\n        objs[i].at = &x[i];\n", ["objs[i].at"]),
    # a copy of stored pointers: the values the host stored
    ("    for (int r = 0; r < n; r++)\n        rows[r] = b[r];\n", []),
    # the iteration's own pointer, used on the device only
    ("    for (int r = 0; r < n; r++) {\n        double *p = data + r * m;\n"
     "        a[r] = p[0] + p[1];\n    }\n", []),
    # arithmetic on numbers
    ("    for (int i = 0; i < n; i++)\n        a[i] = x[i] + m;\n", []),
])
def test_stores_of_computed_addresses(body: str, stores: list[str]):
    facts = _facts(DECLS + body + "}\n", "for")
    assert [w for w, _ in facts.address_stores] == stores


def test_a_loop_alone_knows_only_the_address_operator():
    assert [w for w, _ in analyze("for (int i = 0; i < n; i++) p[i] = &x[i];").address_stores] \
        == ["p[i]"]
    assert analyze("for (int i = 0; i < n; i++) p[i] = x + i;").address_stores == []


def test_the_row_table_program_verifies_per_loop_and_planned(tmp_path: Path):
    rows = run_verified(tmp_path, {"rows": (KERNEL, MAIN)})
    pragmas = rows["rows"]["engine"]["pragmas"]
    assert not any(p["line"] == 3 for p in pragmas), pragmas  # the row loop stays on the host
    assert any(p["line"] == 5 for p in pragmas), pragmas  # the fill loop does not


def test_a_compute_construct_on_the_row_loop_fails(tmp_path: Path):
    # the control: the row loop offloaded as the engine answered it before
    at = KERNEL.index("    for (int r = 0; r < rows; r++)\n        row[r]")
    racy = KERNEL[:at] + "    #pragma acc parallel loop copy(row[0:rows])\n" + KERNEL[at:]
    res = evaluate_dynamic(write_suite(tmp_path, {"as_written": (racy, MAIN)}), None,
                           runs=1, with_mutations=False)
    row = res["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]
    assert row["original"]["status"] != "verified", row["original"]
