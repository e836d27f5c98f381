"""``collapse`` of a perfect nest whose inner loop only the file shows to be independent.

The guard cuts ``collapse(k)`` to the loops of the nest without a carried dependence (a
collapsed loop runs its iterations in parallel too, OpenACC 3.3, 2.9.1).  It analysed each
inner loop as a snippet, without the file the nest is in: a subscript strided by a struct
member (``a[i * g->nx + j]``) was then not affine (``g->nx`` may change), so the inner loop
had a possible dependence and a rectangular nest lost its ``collapse``, though the loop's own
analysis, in the file, proves ``g->nx`` holds one value (:mod:`.member_reads`).  Each inner
loop is now analysed in the file, as the nest's loop is.

The twin scans each row (``a[... + j]`` reads ``a[... + j - 1]``): its inner loop carries a
dependence, and its nest keeps one parallel loop.  Whole programs, built with gcc -fopenacc
and run in the data-environment emulator with the per-loop suggestions and the plan applied;
``collapse(2)`` on the twin fails there."""

from __future__ import annotations

from pathlib import Path

import pytest
from _offload_util import marked_lines, run_verified, write_suite

from accellium.dataset.analysis import analyze
from accellium.dataset.analysis.scope import scope_of
from accellium.dataset.pragma import parse
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import check

KERNEL = """struct grid { int nx, ny; };

void add(const struct grid *g, double *a, const double *b)
{
    for (int i = 0; i < g->ny; i++) /* add */
        for (int j = 0; j < g->nx; j++)
            a[i * g->nx + j] += 2.0 * b[i * g->nx + j];
}

void scan_rows(const struct grid *g, double *a, const double *b)
{
    for (int i = 0; i < g->ny; i++) /* scan */
        for (int j = 1; j < g->nx; j++)
            a[i * g->nx + j] = a[i * g->nx + j - 1] + b[i * g->nx + j];
}
"""

MAIN = """#include <stdio.h>
#include <stdlib.h>
struct grid { int nx, ny; };
void add(const struct grid *g, double *a, const double *b);
void scan_rows(const struct grid *g, double *a, const double *b);
int main(void)
{
    struct grid g = { 300, 200 };
    int n = g.nx * g.ny, bad = 0;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *r = malloc(n * sizeof *r);
    for (int k = 0; k < n; k++) { a[k] = r[k] = k % 7; b[k] = k % 5; }
    add(&g, a, b);
    scan_rows(&g, a, b);
    for (int k = 0; k < n; k++) r[k] += 2.0 * b[k];
    for (int i = 0; i < g.ny; i++)
        for (int j = 1; j < g.nx; j++)
            r[i * g.nx + j] = r[i * g.nx + j - 1] + b[i * g.nx + j];
    for (int k = 0; k < n; k++) bad += a[k] != r[k];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

COLLAPSED = "#pragma acc parallel loop collapse(2) copy(a[0:g->nx*g->ny]) " \
    "copyin(b[0:g->nx*g->ny], g[0:1])"


def _query(marker: str) -> LoopQuery:
    line = marked_lines(KERNEL)[marker]
    start = len("".join(KERNEL.splitlines(keepends=True)[:line - 1]).encode())
    start += len(KERNEL.splitlines()[line - 1]) - len(KERNEL.splitlines()[line - 1].lstrip())
    code = KERNEL[start:KERNEL.index("\n}\n", start)]
    return LoopQuery(code, "c", scope=scope_of(KERNEL, start, "c"), first_line=line)


@pytest.mark.parametrize(("marker", "depth"), [("add", 2), ("scan", 1)])
def test_the_guard_keeps_collapse_where_the_file_proves_the_inner_loop(marker, depth):
    query = _query(marker)
    assert query.facts().safe and query.facts().collapse == 2, query.facts()
    out, notes = check(query, parse(COLLAPSED))
    assert out is not None, notes
    got = out.render()
    assert ("collapse(2)" in got) is (depth == 2), (got, notes)
    if depth == 1:  # the note names the cut
        assert any("collapse(2)" in n and "carried dependence" in n
                   for n in notes), notes


def test_the_inner_loop_alone_is_not_proved():
    # control: as a snippet the member stride is not affine, so the cut was conservative
    query = _query("add")
    inner = query.code[query.code.index("for (int j"):]
    assert not analyze(inner, "c").safe
    in_file = scope_of(KERNEL, query.scope.offset + len(query.code[:query.code.index(
        "for (int j")].encode()), "c")
    assert analyze(inner, "c", scope=in_file).safe


def test_the_suggestions_collapse_the_independent_nest_and_verify(tmp_path: Path):
    rows = run_verified(tmp_path, {"rows": (KERNEL, MAIN)})
    pragmas = {p["line"]: p["pragma"] or "" for p in rows["rows"]["engine"]["pragmas"]}
    lines = marked_lines(KERNEL)
    assert "collapse(2)" in pragmas[lines["add"]], pragmas
    assert "collapse" not in pragmas[lines["scan"]], pragmas


def test_collapse_on_the_scan_races(tmp_path: Path):
    # control: the twin's inner dependence is real: collapsing its nest fails in the emulator
    at = marked_lines(KERNEL)["scan"] - 1
    lines = KERNEL.splitlines(keepends=True)
    lines.insert(at, "    " + COLLAPSED + "\n")
    manifest = write_suite(tmp_path, {"naive": ("".join(lines), MAIN)})
    res = evaluate_dynamic(manifest, "analysis", threads=4, runs=1, with_mutations=False)
    assert res["programs"][0]["original"]["status"] != "verified", res["programs"][0]

