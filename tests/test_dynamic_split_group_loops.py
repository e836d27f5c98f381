"""A loop of a function whose braces a conditional group splits gets the file's data clauses.

Benchmarks put a time loop's header and its closing brace in conditional groups (``#ifdef
ITERATION`` above ``for (iter = 0; ...) {``, another ``#ifdef ITERATION`` around its ``}``)
and keep a reference version of the function in a group of its own.  The syntax tree of the
raw text is then in error from the first such function to the end of the file: its loops had
no function, so no declarations and no file data environment, and the per-loop answer of the
ranked engine was the loop's pragma with no data clause at all (``parallel loop reduction(+:sum)
private(tmp)``) — a host pointer on the device (the emulator fails it, as a GPU would; found on
a public benchmark's speckle-reducing filter).  The per-loop suggestions now read such a file
as the compiler does (the groups the known macros decide,
:mod:`accellium.dataset.analysis.compiled`: same rows and offsets), so the loops get the copy
clauses their sections give, as in the twin ``plain`` whose braces no group splits.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.dataset.loops import parse_tree
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

N = 12
SPLIT = """float NAME(const float *J)
{
    int i, j;
    float sum = 0.0f, tmp;
#ifdef STEPS
    for (int it = 0; it < STEPS_N; it++) {
#endif
        for (i = r1; i <= r2; i++) {
            for (j = c1; j <= c2; j++) {
                tmp = J[i * cols + j];
                sum += tmp;
            }
        }
#ifdef STEPS
    }
#endif
    return sum;
}
"""
FLAT = SPLIT.replace("#ifdef STEPS\n", "").replace("#endif\n", "")
# an include guard's group (the emulator's view must not read STEPS_N as defined before it is)
HEAD = ("#define STEPS\n#define CHECK 1\n#ifndef STEPS_N\n#define STEPS_N 2\n#endif\n"
        "int r1, r2, c1, c2, cols;\n")


def _file(fn: str) -> str:
    """The kernel file: the function and its reference version in a group of its own."""
    return (HEAD + fn.replace("NAME", "total") + "\n#if CHECK == 1\n"
            + fn.replace("NAME", "total_ref") + "#endif\n")


MAIN = f"""#include <stdio.h>
float total(const float *J);
extern int r1, r2, c1, c2, cols;
int main(void)
{{
    static float J[{N} * {N}];
    for (int k = 0; k < {N} * {N}; k++) J[k] = k % 7;
    r1 = 2; r2 = {N} - 3; c1 = 1; c2 = {N} - 2; cols = {N};
    float want = 0.0f;
    for (int i = r1; i <= r2; i++)
        for (int j = c1; j <= c2; j++) want += J[i * cols + j];
    puts(total(J) == 2.0f * want ? "OK" : "BAD");
    return 0;
}}
"""


def test_a_loop_under_split_groups_gets_data_clauses(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCELLIUM_TRAIN", "")
    assert parse_tree(_file(SPLIT).encode(), "c").root_node.children[-1].type == "ERROR"
    man = write_suite(tmp_path, {"split": (_file(SPLIT), MAIN), "plain": (_file(FLAT), MAIN)})
    res = evaluate_dynamic(man, "auto", runs=1, with_mutations=False, work_dir=tmp_path / "w")
    rows = {r["name"]: r for r in res["programs"]}
    for name, r in rows.items():
        assert r["serial"]["status"] == "verified", name
        got = r["engine"]
        assert got["status"] == "verified", (name, got["reason"], got["pragmas"])
    answers = {r: [a["pragma"] for a in rows[r]["engine"]["pragmas"]] for r in rows}
    assert answers["split"], answers
    assert all("copyin(J[" in a for a in answers["split"]), answers
