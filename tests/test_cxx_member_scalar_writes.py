"""A C++ member function's loop that assigns a scalar data member (``total += v[k]``, ``gain =
0.5``: ``this->total``, ``this->gain``, [class.mfct.non-static]p2) or reads one, and C's
``s->total``.

Before, ``this`` was no pointer the guard's data rules saw: an engine's ``kernels`` answer (the
compiler decides, so the race on the member does not stop it) got ``copyin(this[0:1])`` beside
the arrays it reaches through ``this`` — the member's new value stayed in the device copy —
or no clause for the object at all (``gain = 0.5`` over a parameter array, and a loop reading
a scalar member): ``this`` held a host address on the device.  Now ``this`` is a pointer the
loop dereferences (``pipeline._deref_heads``), a loop that assigns a member through a pointer
no data directive maps gets no compute construct, with a note saying how to map the object
(``LoopFacts.member_writes``, ``safety_data._unmapped_chains``), and a loop that only reads
scalar members that hold one value gets ``copyin(this[0:1])`` as C's ``copyin(s[0:1])``
(``member_reads.member_read`` reads ``this->n``).

Proven on a whole program (g++, the data-environment emulator): every guarded answer
verifies; before, the ``kernels`` answers lost the members' values or read through a host
address.
"""

from __future__ import annotations

from _fixed_engine import FixedAnswer
from _offload_util import failing_as_written, write_programs

from accellium.server.annotate import annotate_source, apply_edits

HEADER = """struct Acc {
    double *v;
    int n, scale;
    double total, gain;
    void integrate();
    void flag(const double *w);
    void stretch(double *a);
    void bump();
};
"""
KERNEL = """#include "acc.hpp"
void Acc::integrate()
{
    for (int k = 0; k < n; ++k) // L total
        total += v[k];
}
void Acc::flag(const double *w)
{
    for (int i = 0; i < n; ++i) // L gain
        if (w[i] < 0.0) gain = 0.5;
}
void Acc::stretch(double *a)
{
    for (int i = 0; i < n; ++i) // L scale
        a[i] = a[i] * scale;
}
void Acc::bump()
{
    for (int i = 0; i < n; ++i) // L arrays
        v[i] = v[i] + scale;
}
"""
MAIN = """#include <cstdio>
#include "acc.hpp"
int main() {
  const int n = 5000; static double v[n], w[n], a[n]; long bad = 0;
  for (int i = 0; i < n; i++) { v[i] = i % 3; w[i] = i == 4000 ? -1.0 : 1.0; a[i] = i % 7; }
  Acc s{v, n, 3, 0.0, 1.0};
  s.integrate(); double e = 0; for (int i = 0; i < n; i++) e += i % 3;
  bad += s.total != e;
  s.flag(w); bad += s.gain != 0.5;
  s.stretch(a); for (int i = 0; i < n; i++) bad += a[i] != 3.0 * (i % 7);
  s.bump(); for (int i = 0; i < n; i++) bad += v[i] != i % 3 + 3.0;
  if (bad) std::printf("BAD %ld\\n", bad); else std::puts("OK");
  return 0;
}
"""


def _guarded(answer: str) -> tuple[str, dict[str, tuple[str | None, str]]]:
    import tempfile
    from pathlib import Path

    from accellium.dataset.includes import read_includes

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "acc.hpp").write_text(HEADER)
        path = Path(d) / "kernel.cpp"
        path.write_text(KERNEL)
        inc = read_includes(KERNEL.encode(), path, "cpp", [])
        got = annotate_source(KERNEL.encode(), FixedAnswer(answer), path=str(path), lang="cpp",
                              includes=inc)
    lines = {ln.split("// L ")[1]: k + 1 for k, ln in enumerate(KERNEL.splitlines())
             if "// L " in ln}
    by_line = {s.line: (s.pragma, " ".join(str(n) for n in s.notes)) for s in got}
    text, _ = apply_edits(KERNEL.encode(), got)
    return text.decode(), {k: by_line[v] for k, v in lines.items()}


def test_a_member_the_loop_assigns_keeps_the_loop_on_the_host():
    for answer in ("#pragma acc kernels", "#pragma acc kernels loop", "#pragma acc serial loop"):
        _, got = _guarded(answer)
        for loop in ("total", "gain"):
            pragma, notes = got[loop]
            assert pragma is None, (answer, loop, pragma)
            assert "the loop assigns members of what `this` points to" in notes, notes
            assert "copy(this[0:1])" in notes, notes


def test_a_member_the_loop_only_reads_maps_the_object():
    _, got = _guarded("#pragma acc parallel loop")
    assert got["scale"][0] == "#pragma acc parallel loop copyin(this[0:1]) copy(a[0:n])"
    assert got["arrays"][0] == \
        "#pragma acc parallel loop copyin(this[0:1]) copy(this->v[0:this->n])"


def test_every_guarded_answer_verifies(tmp_path):
    programs = {}
    for k, answer in enumerate(("#pragma acc kernels", "#pragma acc parallel loop",
                                "#pragma acc serial loop")):
        text, _ = _guarded(answer)
        programs[f"a{k}"] = ({"kernel.cpp": text, "main.cpp": MAIN, "acc.hpp": HEADER},
                             ["kernel.cpp"])
    manifest = write_programs(tmp_path, programs)
    # the header is found beside the sources (`#include "acc.hpp"` looks there first)
    assert not failing_as_written(manifest)


def test_c_names_what_to_map_for_a_member_written_through_a_parameter():
    kernel = """struct S { double total; };
void acc(struct S *s, const double *a, int n)
{
    for (int i = 0; i < n; i++)
        s->total += a[i];
}
"""
    got = annotate_source(kernel.encode(), FixedAnswer("#pragma acc kernels"), path="k.c")
    assert got[0].pragma is None
    assert any("`#pragma acc data copy(s[0:1])`" in str(n) for n in got[0].notes), got[0].notes
