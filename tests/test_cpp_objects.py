"""C++: a subscripted object is not an array (found by a sweep over real OpenACC sources).

``std::vector<float> h(n); ... h[i]`` calls ``h.operator[]``: ``h`` has neither pointer nor
array type, so a data clause cannot map a section of it (OpenACC 3.3, 2.7.1; g++: "'h' does
not have pointer or array type").  The analysis read ``h[i]`` as an array access and
answered ``copy(h[0:n])``, and ``suggest --apply`` wrote a file g++ rejects.  Such a name
(a local or a parameter, by value or by reference, whatever its class) now gets no section,
and the loop no compute construct that would have to map it, with a note saying to index a
pointer to its elements.  A data member of such a class that a member function names bare
(``d[i]``: ``this->d[i]``) is one too; it was mapped ``copyin(this->d[0:this->n])``, which
g++ rejects.  Twin: the same loops over ``float *p = h.data()`` keep their
pragmas.  A whole program, annotated by ``--apply`` and by ``--offload --apply``, builds with
``g++ -fopenacc`` and verifies.
"""

from __future__ import annotations

import json
import shutil

import pytest
from _cli_util import run_host_fallback, run_suggest

GXX = shutil.which("g++")

PROGRAM = """\
#include <cstdio>
#include <vector>

void through_object(int n, const float *src, double *dst)
{
    std::vector<float> h(n);
    for (int i = 0; i < n; ++i)  /* object write */
        h[i] = 2.0f * src[i];
    for (int i = 0; i < n; ++i)  /* object read */
        dst[i] = h[i] + 1.0;
}

void through_reference(int n, std::vector<double> &v, double *dst)
{
    for (int i = 0; i < n; ++i)  /* reference read */
        dst[i] += v[i];
}

void through_pointer(int n, const float *src, double *dst)
{
    std::vector<float> h(n);
    float *p = h.data();
    for (int i = 0; i < n; ++i)  /* twin write */
        p[i] = 2.0f * src[i];
    for (int i = 0; i < n; ++i)  /* twin read */
        dst[i] = p[i] + 1.0;
}

struct Field {
    int n;
    std::vector<double> d;
    double *p;
    void scale(double f);
    double total() const;
};

void Field::scale(double f)
{
    for (int i = 0; i < n; ++i)  /* member write */
        d[i] *= f;
    for (int i = 0; i < n; ++i)  /* twin member write */
        p[i] *= f;
}

double Field::total() const
{
    double s = 0;
    for (int i = 0; i < n; ++i)  /* member read */
        s += d[i];
    return s;
}

int main()
{
    const int n = 100;
    std::vector<float> src(n);
    std::vector<double> a(n), b(n), v(n);
    for (int i = 0; i < n; ++i) { src[i] = i % 7; v[i] = 0.5 * i; }
    through_object(n, src.data(), a.data());
    through_pointer(n, src.data(), b.data());
    through_reference(n, v, a.data());
    std::vector<double> pv(n, 2.0);
    Field fd;
    fd.n = n;
    fd.d.assign(n, 1.0);
    fd.p = pv.data();
    fd.scale(3.0);
    int bad = fd.total() != 3.0 * n;
    for (int i = 0; i < n; ++i) {
        bad += b[i] != 2.0 * (i % 7) + 1.0;
        bad += a[i] != b[i] + 0.5 * i;
        bad += pv[i] != 6.0;
    }
    std::puts(bad ? "BAD" : "OK");
    return 0;
}
"""


def _above(text: str, marker: str) -> str:
    lines = text.splitlines()
    k = next(n for n, ln in enumerate(lines) if marker in ln)
    return lines[k - 1].strip()


def test_object_loops_get_no_section_and_a_note(tmp_path):
    src = tmp_path / "p.cpp"
    src.write_text(PROGRAM)
    r = run_suggest(src, "--json", "--engine", "auto")
    assert r.returncode == 0, r.stderr
    by_line = {s["line"]: s for s in json.loads(r.stdout)}
    lines = PROGRAM.splitlines()
    for marker in ("object write", "object read", "reference read", "member write",
                   "member read"):
        row = next(k for k, ln in enumerate(lines, 1) if marker in ln)
        got = by_line[row]
        assert got["pragma"] is None, got
        assert any("operator[]" in n and ".data()" in n for n in got["notes"]), got["notes"]
    for marker in ("twin write", "twin read", "twin member write"):
        row = next(k for k, ln in enumerate(lines, 1) if marker in ln)
        assert by_line[row]["pragma"] and "parallel loop" in by_line[row]["pragma"]


@pytest.mark.parametrize("mode", [[], ["--offload"]], ids=["apply", "offload"])
def test_program_builds_and_verifies(mode, tmp_path):
    assert GXX, "g++ is required for these tests"
    src = tmp_path / "p.cpp"
    src.write_text(PROGRAM)
    r = run_suggest(src, "--apply", "--engine", "auto", *mode)
    assert r.returncode == 0, r.stderr
    out = src.read_text()
    for marker in ("object write", "object read", "reference read", "member write",
                   "member read"):
        assert not _above(out, marker).startswith("#pragma acc"), out
    assert "#pragma acc" in _above(out, "twin write"), out
    run = run_host_fallback(GXX, [src], tmp_path, out)
    assert run.stdout.strip() == "OK", out
