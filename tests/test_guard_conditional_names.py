"""A clause may not name a variable declared only in a preprocessor group the loop is not in.

C11 6.10.1: the preprocessor keeps one group of an ``#if`` chain.  A verification copy declared
under ``#if CHECK >= 1`` and used by a loop inside an ``#if CHECK >= 1`` group of its body
exists only in the builds that keep the group: a data clause naming it does not compile in the
others (gcc: "undeclared"), and leaving it out would fault in those that keep it (the loop
dereferences the host pointer).  No one pragma fits both builds: the safety guard gives such a
loop none (:func:`server.safety_data.in_every_build`), for every engine's answer, with the file
known and the build's macros not (``accellium suggest`` without ``--defines-complete``).  With
the build known (the evaluation's compile command), each build's answer reads the text that
build compiles and verifies in it.

Twins that keep their pragma: a loop of the same function over unconditional variables, and a
loop inside a group with the same condition as the declaration's (``#if CHECK >= 1`` around
both: every build that compiles the loop declares the variable).

Whole programs, built with real gcc -fopenacc with and without ``-DCHECK=1`` and run in the
data-environment emulator."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """#include <stdlib.h>
#ifndef CHECK
#define CHECK 0
#endif
float fill(int n, float *b)
{
    int i;
    float s = 0.0f;
#if CHECK >= 1
    float *ref = (float *)malloc(sizeof(float) * n);
#endif
    float *c = (float *)malloc(sizeof(float) * n);
    for (i = 0; i < n; i++) {
        b[i] = 0.5f * i;
#if CHECK >= 1
        ref[i] = 0.5f * i;
#endif
    }
    for (i = 0; i < n; i++) {
        c[i] = b[i] + 1.0f;
    }
#if CHECK >= 1
    for (i = 0; i < n; i++) {
        ref[i] = c[i] - ref[i];
    }
    for (i = 0; i < n; i++) s += ref[i];
    free(ref);
#else
    s = n;
#endif
    free(c);
    return s;
}
"""
MAIN = """#include <stdio.h>
float fill(int n, float *b);
int main(void)
{
    float b[64];
    int bad = 0;
    float s = fill(64, b);
    for (int i = 0; i < 64; i++) bad += b[i] != 0.5f * i;
    puts(bad || s != 64.0f ? "BAD" : "OK");
    return 0;
}
"""


def _rows(tmp, kernel: str, engine: str | None):
    manifest = write_suite(tmp, {"plain": (kernel, MAIN), "checked": (kernel, MAIN)},
                           flags={"checked": "-DCHECK=1"})
    res = evaluate_dynamic(manifest, engine, runs=1, with_mutations=False)
    return {r["name"]: r for r in res["programs"]}


def test_no_pragma_names_a_variable_of_a_group_the_loop_is_not_in(tmp_path):
    import json

    from _cli_util import run_suggest

    lines = KERNEL.splitlines()
    first = lines.index("        b[i] = 0.5f * i;")  # 1-based line of its loop
    second = lines.index("        c[i] = b[i] + 1.0f;")
    same = lines.index("        ref[i] = c[i] - ref[i];")
    # the build not known (its -D may define CHECK): the groups are undecided, and no one
    # pragma fits both builds
    src = tmp_path / "k.c"
    src.write_text(KERNEL)
    done = run_suggest(src, "--json")
    got = {r["line"]: r["pragma"] for r in json.loads(done.stdout)}
    assert got[first] is None, got
    # twins: unconditional names, and a group with the declaration's own condition
    assert got[second].startswith("#pragma acc parallel loop"), got
    assert "ref[0:n]" in got[same], got
    # each build known (the evaluation's compile command is the whole build): the answer
    # reads the text that build compiles (tests/test_per_loop_dropped_groups.py), and fits it
    rows = _rows(tmp_path / "suite", KERNEL, "analysis")
    for name, row in rows.items():
        assert row["serial"]["status"] == "verified", (name, row["serial"])
        assert row["engine"]["status"] == "verified", (name, row["engine"]["reason"])
    plain = {r["line"]: r["pragma"] for r in rows["plain"]["engine"]["pragmas"]}
    checked = {r["line"]: r["pragma"] for r in rows["checked"]["engine"]["pragmas"]}
    assert plain[first] == "#pragma acc parallel loop copyout(b[0:n])", plain
    assert "ref[0:n]" in checked[first] and same not in plain and "ref[0:n]" in checked[same]


def test_the_clause_the_guard_leaves_out_breaks_the_build_that_skips_the_group(tmp_path):
    named = KERNEL.replace("    for (i = 0; i < n; i++) {\n        b[i] = 0.5f * i;",
                           "    #pragma acc parallel loop copyout(b[0:n]) copyout(ref[0:n])\n"
                           "    for (i = 0; i < n; i++) {\n        b[i] = 0.5f * i;")
    assert named != KERNEL
    rows = _rows(tmp_path, named, None)
    assert rows["checked"]["original"]["status"] == "verified", rows["checked"]["original"]
    plain = rows["plain"]["original"]
    assert plain["status"] == "compile" and "ref" in plain["reason"] \
        and "undeclared" in plain["reason"], plain
