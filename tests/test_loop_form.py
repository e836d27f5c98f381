"""A loop directive only on a loop in canonical form (``dataset/analysis/loop_form.py``).

gcc rejects ``parallel loop`` (any loop directive, ``seq`` too) on a ``for`` whose header is
not ``init; var relop bound; var step`` — ``for (; i < n; i++)`` continuing an earlier loop's
index, ``k != n``, a comma increment — so a file annotated with one no longer compiles.  The
header reader agrees with real gcc on a table of headers (where it is stricter, it is only
stricter); the guard gives such a loop no pragma and shortens a ``collapse`` that would cover
one; and a whole program with such loops, annotated by ``suggest --apply`` and by ``suggest
--offload --apply``, builds with ``gcc -fopenacc`` and verifies, while its canonical twins keep
their parallel pragmas.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from _cli_util import run_host_fallback, run_suggest

from accellium.dataset.analysis.loop_form import form_problem
from accellium.dataset.analysis.tree import first_loop
from accellium.dataset.loops import parse_tree
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import guard

GCC = shutil.which("gcc")

# (header, canonical?) for C and C++ alike
HEADERS = [
    ("for (int i = 0; i < n; i++)", True),
    ("for (i = 0; i < n; i++)", True),
    ("for (i = n; i >= 0; --i)", True),
    ("for (i = 0; n > i; ++i)", True),
    ("for (long k = 0; k <= n; k += 2)", True),
    ("for (i = 0; i < n; i -= -1)", True),
    ("for (i = 0; i < n; i = i + 2)", True),
    ("for (i = 0; i < n; i = 1 + i)", True),
    ("for (i = 0; i < n; i = i - 1)", True),
    ("for (i = 0; i < n; (i++))", True),
    ("for (i = 0; i < n; i += f())", True),
    ("for (double *p = a; p < a + n; p++)", True),
    ("for (size_t s = 0; s < n; s++)", True),
    ("for (; i < n; i++)", False),
    ("for (i = 0; ; i++)", False),
    ("for (i = 0; i < n;)", False),
    ("for (i = 0; i < n; i *= 2)", False),
    ("for (i = 0; i != n; i++)", False),
    ("for (i = 0, j = 0; i < n; i++)", False),
    ("for (int i = 0, k = 0; i < n; i++)", False),
    ("for (int i; i < n; i++)", False),
    ("for (i = 0; i < n && j; i++)", False),
    ("for (i = 0; i < n; i++, j++)", False),
    ("for (i = 0; i < n; i = 2 - i)", False),
    ("for (i = 0; i < n; i = i * 1)", False),
    ("for (int i = 0; i + 1 < n; i++)", False),
    ("for (i += 0; i < n; i++)", False),
    ("for (double d = 0; d < n; d++)", False),
    ("for (const int c = 0; c < n; c++)", False),
    ("for (static int s = 0; s < n; s++)", False),
    ("for (a[0] = 0; a[0] < n; a[0]++)", False),
]
CPP_HEADERS = [
    ("for (auto it = v.begin(); it < v.end(); ++it)", True),
    ("for (auto k = 0; k < n; k++)", True),
    ("for (std::size_t s = 0; s < n; s++)", True),
    ("for (decltype(n) k = 0; k < n; k++)", True),
    ("for (double &x : v)", False),
    ("for (int k{0}; k < n; k++)", False),
    ("for (bool b = false; b < true; b++)", False),
]
# where gcc takes more than the reader (C++ only): the reader is stricter, never looser
CPP_ONLY_GCC = [("for (i = 0; (i < n); i++)", True), ("for ((i = 0); i < n; i++)", True)]


def _gcc_accepts(lang: str, header: str) -> bool:
    assert GCC, "gcc is required for these tests"
    pre = "#include <stddef.h>\n" if lang == "c" else "#include <cstddef>\n#include <vector>\n"
    vec = ", std::vector<double> &v" if lang == "cpp" else ""
    src = (f"{pre}int f(void);\nvoid g(int n, double *a, int j{vec}) {{\n int i;\n"
           f" #pragma acc parallel loop\n {header} {{ a[0] = 1; }}\n}}\n")
    cc = [GCC, "-x", "c"] if lang == "c" else ["g++", "-x", "c++", "-std=c++17"]
    r = subprocess.run([*cc, "-fopenacc", "-fsyntax-only", "-w", "-"], input=src.encode(),
                       capture_output=True, timeout=60)
    return r.returncode == 0


def _problem(lang: str, header: str) -> str | None:
    tree = parse_tree((header + " { a[0] = 1; }\n").encode(), lang)
    loop = first_loop(tree.root_node)
    assert loop is not None
    return form_problem(loop)


@pytest.mark.parametrize(("lang", "header", "canonical"),
                         [("c", h, ok) for h, ok in HEADERS]
                         + [("cpp", h, ok) for h, ok in HEADERS + CPP_HEADERS])
def test_reader_agrees_with_gcc(lang, header, canonical):
    assert _gcc_accepts(lang, header) is canonical
    problem = _problem(lang, header)
    assert (problem is None) is canonical, problem
    if problem is not None:
        assert problem.startswith("it") and "\n" not in problem


@pytest.mark.parametrize(("header", "_"), CPP_ONLY_GCC)
def test_reader_is_stricter_never_looser(header, _):
    assert _gcc_accepts("cpp", header)
    assert _problem("cpp", header) is not None


def test_guard_drops_a_loop_directive_on_a_non_canonical_loop():
    q = LoopQuery("for (; i < n; i++)\n    a[i] = 2.0 * b[i];\n")
    for pragma in ("#pragma acc parallel loop", "#pragma acc serial loop",
                   "#pragma acc kernels loop", "#pragma acc loop seq"):
        text, notes = guard(q, pragma)
        assert text is None
        assert any("canonical form" in n and "no init expression" in n for n in notes)
    # a construct that is not a loop directive takes any for statement (gcc accepts it)
    text, _ = guard(q, "#pragma acc kernels copyin(b[0:n])")
    assert text is not None and text.startswith("#pragma acc kernels")


def test_guard_shortens_collapse_over_a_non_canonical_loop():
    nest = ("for (int i = 0; i < n; i++)\n  for (int j = 0; j < m; j++)\n"
            "    for (int k = 0; k != p; k++)\n      a[(i * m + j) * p + k] = 0.0;\n")
    text, notes = guard(LoopQuery(nest, enclosing=("#pragma acc data copy(a[0:n*m*p])",)),
                        "#pragma acc parallel loop collapse(3)")
    assert text == "#pragma acc parallel loop collapse(2)"
    assert any("collapse(3)" in n for n in notes)
    twin = nest.replace("k != p", "k < p")
    text, _ = guard(LoopQuery(twin, enclosing=("#pragma acc data copy(a[0:n*m*p])",)),
                    "#pragma acc parallel loop collapse(3)")
    assert text == "#pragma acc parallel loop collapse(3)"
    text, _ = guard(LoopQuery(nest.replace("j < m", "j != m"),
                              enclosing=("#pragma acc data copy(a[0:n*m*p])",)),
                    "#pragma acc parallel loop collapse(3)")
    assert text == "#pragma acc parallel loop"


# A program whose loops continue an index (`for (; i < n; i++)`), stop at `!=`, or step with a
# comma; each has a canonical twin that must keep its parallel pragma.
PROGRAM = """\
#include <stdio.h>
#define N 64
#define M 16

static double s[N], t[N * M], r[N], q[N];

void fill(int n, int m)
{
    int i;
    for (i = 0; i < n / 2; i++)
        s[i] = 2.0 * i;
    for (; i < n; i++)  /* non-canonical: no init */
        s[i] = i + 1.0;
    for (int k = 0; k != n; k++)  /* non-canonical: != */
        r[k] = 0.5 * s[k];
    for (int k = 0; k < n; k++)  /* twin */
        q[k] = 0.5 * s[k];
    for (int a = 0; a < n; a++)
        for (int b = 0; b < m; b++, t[0] += 0.0)  /* non-canonical: comma increment */
            t[a * m + b] = a + b;
    for (int a = 0; a < n; a++)  /* twin */
        for (int b = 0; b < m; b++)
            t[a * m + b] += 1.0;
}

int main(void)
{
    fill(N, M);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        bad += s[i] != (i < N / 2 ? 2.0 * i : i + 1.0);
        bad += r[i] != 0.5 * s[i] || q[i] != r[i];
        for (int j = 0; j < M; j++)
            bad += t[i * M + j] != i + j + 1.0;
    }
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _pragma_above(text: str, marker: str) -> str | None:
    lines = text.splitlines()
    k = next(n for n, ln in enumerate(lines) if marker in ln)
    above = lines[k - 1].strip()
    return above if above.startswith("#pragma acc") else None


@pytest.mark.parametrize("mode", [[], ["--offload"]], ids=["apply", "offload"])
def test_program_with_non_canonical_loops_builds_and_verifies(mode, tmp_path):
    assert GCC, "gcc is required for these tests"
    src = tmp_path / "p.c"
    src.write_text(PROGRAM)
    r = run_suggest(src, "--apply", "--engine", "auto", *mode)
    assert r.returncode == 0, r.stderr
    out = src.read_text()
    assert out.count("#pragma acc") > 0
    for marker in ("no init */", "!= */", "comma increment */"):
        assert _pragma_above(out, marker) is None, out
    twins = [ln for ln in out.splitlines() if "/* twin */" in ln]
    assert len(twins) == 2
    for twin in twins:
        above = _pragma_above(out, twin)
        assert above is not None and "loop" in above, out
    run = run_host_fallback(GCC, [src], tmp_path, out, timeout=120)
    assert run.stdout.strip() == "OK", out


RANGE_FOR = """#include <vector>
double f(std::vector<double> &v)
{
    double s = 0;
    for (double x : v)
        s += x;
    for (auto &x : v)
        x = 2.0 * x;
    return s;
}
"""


def test_a_range_for_is_refused_for_its_form_not_for_its_variable():
    """The variable a range-based ``for`` declares is a new object each iteration (C++
    [stmt.ranged]p1), which no code after the loop reads: the only reason the loop takes no
    pragma is its form.  Before, the analysis took it for a variable of the enclosing scope
    "read after the loop" and refused the loop for that dependence."""
    from accellium.server.annotate import annotate_source
    from accellium.server.engines import get_engine

    got = annotate_source(RANGE_FOR.encode(), get_engine("analysis"), path="f.cpp")
    assert [s.line for s in got] == [5, 7]
    for s in got:
        assert s.pragma is None
        assert any("range-based `for`" in n for n in s.notes), s.notes
        assert not any("read after the loop" in n for n in s.notes), s.notes
