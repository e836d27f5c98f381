"""An element both branches of an ``if`` ... ``else`` replace is written whenever the statement
runs (C11 6.8.4.1p2: exactly one branch runs), so a loop writing a grid's boundary in one
branch and its interior in the other writes the whole grid, and the region need not copy it
in (:mod:`accellium.dataset.offload.branches`, :func:`~accellium.dataset.offload.cover.plain_nest`).

``coarsen`` is a multigrid restriction: the coarse grid's boundary is set to 0 and its interior
to a weighted sum of the fine grid; it also clears the fine grid's error ``ef`` for the next
cycle (that loop bounds ``nf``, the fine grid's row length: a fact the sections of ``rf``
need, :mod:`accellium.dataset.offload.loop_counts`).  Before, the write inside the ``if`` did not count, and
the plan copied ``fc`` in as well as out (``copy``); now ``copyout``.

Twin (``partial``): the interior write is itself under an ``if`` without ``else`` (skipped where
the fine value is small), so elements keep the values the caller put there: the plan keeps
``copy`` — and the same plan with ``copyout`` instead prints BAD in the emulator (the
unwritten elements come back with the device's undefined bytes).  Unit cases: the other
refusals (a branch declaring or assigning a name of the subscript, another element, a loop
or a jump in the statement).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, write_suite

from accellium.server.engines import get_engine

NC = 33
NF = 2 * NC - 1

KERNEL = """void coarsen(int nf, int nc, const double *rf, double *fc, double *ef)
{
    for (int r = 0; r < nf; r++)
        for (int c = 0; c < nf; c++)
            ef[r * nf + c] = 0.0;
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {
            if (i == 0 || j == 0 || i == nc - 1 || j == nc - 1) {
                fc[i * nc + j] = 0.0;
            } else {
                int fi = 2 * i, fj = 2 * j;
                GUARD
                fc[i * nc + j] = 0.5 * rf[fi * nf + fj]
                    + 0.125 * (rf[(fi - 1) * nf + fj] + rf[(fi + 1) * nf + fj]
                               + rf[fi * nf + fj - 1] + rf[fi * nf + fj + 1]);
            }
        }
}
"""
MAIN = f"""#include <stdio.h>
#include <stdlib.h>
void coarsen(int nf, int nc, const double *rf, double *fc, double *ef);
int main(void)
{{
    int nf = {NF}, nc = {NC}, bad = 0;
    double *rf = malloc(nf * nf * sizeof *rf), *fc = malloc(nc * nc * sizeof *fc);
    double *ref = malloc(nc * nc * sizeof *ref), *ef = malloc(nf * nf * sizeof *ef);
    for (int k = 0; k < nf * nf; k++) rf[k] = ((k * 7) % 13) * 0.1;
    for (int k = 0; k < nc * nc; k++) fc[k] = ref[k] = -1.0;
    coarsen(nf, nc, rf, fc, ef);
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < nc; j++) {{
            int fi = 2 * i, fj = 2 * j;
            if (i == 0 || j == 0 || i == nc - 1 || j == nc - 1)
                ref[i * nc + j] = 0.0;
            else if (GUARD_REF)
                ref[i * nc + j] = 0.5 * rf[fi * nf + fj]
                    + 0.125 * (rf[(fi - 1) * nf + fj] + rf[(fi + 1) * nf + fj]
                               + rf[fi * nf + fj - 1] + rf[fi * nf + fj + 1]);
        }}
    for (int k = 0; k < nc * nc; k++) bad += fc[k] != ref[k];
    for (int k = 0; k < nf * nf; k++) bad += ef[k] != 0.0;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
GUARDS = {"rule": ("", "1"), "partial": ("if (rf[fi * nf + fj] > 0.5)", "rf[fi * nf + fj] > 0.5")}


def _program(case: str) -> tuple[str, str]:
    guard, ref = GUARDS[case]
    return KERNEL.replace("GUARD", guard), MAIN.replace("GUARD_REF", ref)


def _loop_pragma(case: str) -> str:
    text = plan_text(_program(case)[0], get_engine("analysis"))[0]
    return next(a for a in acc_lines(text) if "loop" in a and "fc[" in a)


def test_a_grid_written_by_both_branches_is_not_copied_in_unless_a_branch_may_skip_it():
    assert "copyout(fc[0:nc*nc])" in _loop_pragma("rule")
    assert "copy(fc[0:nc*nc])" in _loop_pragma("partial")


def test_the_plans_verify_the_rule_saves_one_copy_in_and_the_twin_needs_its_copy(tmp_path):
    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    engine = get_engine("analysis")
    programs = {case: _program(case) for case in GUARDS}
    # the twin's plan with the rule's clause forced on it: the skipped elements come back
    # from the device undefined
    forced = plan_text(programs["partial"][0], engine)[0]
    assert "copy(fc[0:nc*nc])" in forced
    programs["forced"] = (forced.replace("copy(fc[0:nc*nc])", "copyout(fc[0:nc*nc])"),
                          programs["partial"][1])
    res = evaluate_dynamic(write_suite(tmp_path, programs), "analysis", runs=1,
                           with_mutations=False, offload=True)
    rows = {r["name"]: r for r in res["programs"]}
    for case in GUARDS:
        assert rows[case]["offload"]["status"] == "verified", (case, rows[case]["offload"])
    # the forced program as written (its "original" column: no pragma stripped)
    assert rows["forced"]["original"]["status"] != "verified", rows["forced"]["original"]
    h2d = {case: rows[case]["offload"]["bytes_h2d"] for case in GUARDS}
    assert h2d["partial"] - h2d["rule"] == 8 * NC * NC, h2d


def _replaces(body: str) -> bool:
    """Does the plain write ``a[i]`` (the first one) count as replacing its element whenever
    the ``for`` loop around ``body`` runs?"""
    from accellium.dataset.analysis.tree import iter_nodes, text
    from accellium.dataset.loops import parse_tree
    from accellium.dataset.offload.cover import plain_nest

    src = "void f(int n, double *a, double *b, int k) {\n for (int i = 0; i < n; i++) {\n" + \
        body + "\n }\n}\n"
    root = parse_tree(src.encode(), "c").root_node
    loop = next(n for n in iter_nodes(root) if n.type == "for_statement")
    write = next(n for n in iter_nodes(root) if n.type == "subscript_expression"
                 and text(n) == "a[i]" and n.parent is not None
                 and n.parent.type == "assignment_expression")
    return plain_nest(write, loop)


def test_the_refusals_of_the_rule():
    assert _replaces("if (b[i] > 0) a[i] = 1; else a[i] = 2;")
    assert _replaces("if (b[i] > 0) { a[i] = 1; } else if (i > 2) a[i] = 2; else { a[i] = 3; }")
    assert _replaces("if (i) b[i] = a[i] = 1; else { double t = b[i]; a[i] = t; }")
    assert not _replaces("if (b[i] > 0) a[i] = 1;")  # no else: it may not run
    assert not _replaces("if (b[i] > 0) a[i] = 1; else a[i + 1] = 2;")  # another element
    assert not _replaces("if (b[i] > 0) a[i] = 1; else { int i = k; a[i] = 2; }")  # hidden
    assert not _replaces("if (b[i] > 0) a[i] = 1; else { a[i] = 2; i++; }")  # assigned
    assert not _replaces("if (b[i] > 0) a[i] = 1; else for (int j = 0; j < k; j++) a[i] = 2;")
    assert not _replaces("if (b[i] > 0) { a[i] = 1; } else { if (k) break; a[i] = 2; }")
    assert not _replaces("if (b[i] > 0) a[i] = 1; else if (k) a[i] = 2;")
    assert not _replaces("if (b[i] > 0) a[i] += 1; else a[i] = 2;")
