"""What a directive's text is, for the lines above a loop and the lines a plan replaces (found
by probing the writers with odd but valid C):

* a comment before ``#`` is white space (C11 5.1.1.2 phase 3), so ``/* tuned */ #pragma acc
  kernels loop`` is a directive (6.10p2) and the loop's label;
* a block comment opened on a directive's line and closed on a later one is one space: the
  directive ends where the comment does (``#pragma acc kernels /* old,`` / ``tuned */``);
* a line ending in a backslash continues the directive even onto an empty line (phase 2);
* a directive above an ``#if`` group stands above the statement of each branch (6.10.1p6): a
  loop in the ``#else`` branch already has it.

Before, ``suggest --apply`` stacked a second pragma on each of these loops (gcc: "for
statement expected before '#pragma'", or a ``parallel`` construct inside the ``kernels``
region), and ``--offload --replace`` deleted the first line of the commented directive and
left ``tuned */`` behind as code.  Each result is built with real gcc, with and without the
``#if`` group's macro; ``--apply`` twice changes nothing the second time.
"""

from __future__ import annotations

import subprocess

import pytest
from test_suggest_apply import GCC, run

LABELLED = {
    "comment_before_hash": """void f(double *a, double *b, int n) {
    /* tuned 2024 */ #pragma acc kernels loop
    for (int i = 0; i < n; i++) a[i] = b[i];
}
""",
    "comment_runs_down": """void f(double *a, double *b, int n) {
    #pragma acc kernels /* the old kernel,
       tuned by hand */
    for (int i = 0; i < n; i++) a[i] += b[i];
}
""",
    "backslash_then_blank": """void f(double *a, double *b, int n) {
    #pragma acc parallel loop copy(a[0:n]) \\
        copyin(b[0:n]) \\

    for (int i = 0; i < n; i++) a[i] += b[i];
}
""",
    "above_an_if_group": """void f(double *a, int n) {
#pragma acc parallel loop copyout(a[0:n])
#ifdef A
    for (int i = 0; i < n; i++) a[i] = 1;
#else
    for (int i = 0; i < n; i++) a[i] = 2;
#endif
}
""",
}

#: a twin: the directive is in one branch and the loop after the group — with A undefined the
#: loop has no directive, and a suggestion above it would stack on the directive when A is
#: defined; the loop is labelled, as before
IN_A_BRANCH = """void f(double *a, int n) {
#if A
#pragma acc kernels loop
#else
#endif
    for (int i = 0; i < n; i++) a[i] = 1;
}
"""


def _builds(path, *flags: str) -> subprocess.CompletedProcess:
    assert GCC, "gcc is required for these tests"
    return subprocess.run([GCC, "-fopenacc", "-fsyntax-only", *flags, str(path)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", [*LABELLED, "in_a_branch"])
def test_a_labelled_loop_gets_no_second_pragma(tmp_path, name):
    text = LABELLED.get(name, IN_A_BRANCH)
    f = tmp_path / "k.c"
    f.write_text(text)
    for _ in range(2):
        r = run("suggest", str(f), "--apply")
        assert r.returncode == 0, r.stderr
        assert f.read_text() == text, f.read_text()
    for flags in ((), ("-DA",)):
        got = _builds(f, *flags)
        assert got.returncode == 0, got.stderr


def test_replacing_a_plan_removes_the_whole_commented_directive(tmp_path):
    f = tmp_path / "k.c"
    f.write_text("""void f(double *a, double *b, int n) {
    #pragma acc parallel loop copyin(b[0:n]) copyout(a[0:n]) /* old
    plan */
    for (int i = 0; i < n; i++) a[i] = b[i];
    for (int i = 0; i < n; i++) b[i] = a[i] * 2;
}
""")
    r = run("suggest", str(f), "--offload", "--apply", "--replace")
    assert r.returncode == 0, r.stderr
    out = f.read_text()
    assert "plan */" not in out and "/* old" not in out, out
    assert "#pragma acc data" in out, out
    got = _builds(f)
    assert got.returncode == 0, got.stderr + out


def test_stripping_a_commented_directive_keeps_no_half_of_it():
    from accellium.dataset.labels import strip_acc_pragmas

    text = ("int x;\n#pragma acc kernels /* old,\n   tuned */\nint y;\n"
            "/* c */ #pragma acc update self(a[0:n])\nint z;\n")
    assert strip_acc_pragmas(text) == "int x;\nint y;\nint z;\n"
