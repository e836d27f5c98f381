"""The emulator: a pointer whose section starts after it, right behind another mapped object.

``copyin(count[0:1]) copy(iv[1:24])`` with ``int iv[25], count`` side by side in the caller:
``iv`` points at ``iv[0]``, which is not mapped (the section starts at ``iv[1]``), and where
``count`` lies just before the array that address is also one past the end of ``count``'s
mapped range.  The emulator looked the pointer up by its address first, took it for a pointer
to the end of ``count`` and translated ``iv`` into ``count``'s device copy: every ``iv[k]``
wrote past it (a crash, reported as a data error).  gcc translates ``iv`` relative to its own
section (a biased base).  The pointer's own section is now looked up first when its address is
only the end of another range.

Twin: the same program without ``iv`` in a data clause still fails.

Whole programs, built with real gcc and run in the data-environment emulator, as written."""

from __future__ import annotations

from _offload_util import write_suite

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

KERNEL = """void fill(int *iv, int *count)
{
    PRAGMA
    for (int k = 1; k <= *count; k++)
        iv[k] = k;
}
"""
MAIN = """#include <stdio.h>
void fill(int *iv, int *count);
int main(void)
{
    DECLS
    for (int k = 0; k < 25; k++)
        iv[k] = 0;
    fill(iv, &count);
    int s = 0;
    for (int k = 0; k < 25; k++)
        s += iv[k];
    puts(s == 300 ? "OK" : "BAD");
    return 0;
}
"""
BIASED = "#pragma acc parallel loop copyin(count[0:1]) copy(iv[1:24])"
PROGRAMS = {
    # both orders of the two locals: one of them puts count right before iv on the stack
    "biased": (BIASED, "int iv[25], count = 24;"),
    "biased_other_order": (BIASED, "int count = 24, iv[25];"),
    "whole": ("#pragma acc parallel loop copyin(count[0:1]) copy(iv[0:25])",
              "int iv[25], count = 24;"),
    "unmapped": ("#pragma acc parallel loop copyin(count[0:1])", "int iv[25], count = 24;"),
}


def test_a_pointer_before_its_section_is_not_the_end_of_its_neighbour(tmp_path):
    manifest = write_suite(tmp_path, {
        k: (KERNEL.replace("PRAGMA", p), MAIN.replace("DECLS", d))
        for k, (p, d) in PROGRAMS.items()})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    got = {r["name"]: r["original"] for r in res["programs"]}
    for name in ("biased", "biased_other_order", "whole"):
        assert got[name]["status"] == "verified", (name, got[name]["reason"])
    assert got["unmapped"]["status"] != "verified", got["unmapped"]
