"""A hoisted call whose callee offloads its own loop and reads elements of an array on the host
(issue #15, docs/offload.md item 34, :func:`accellium.dataset.offload.calls.host_reads`).

A parameter is an object of the callee initialised with the argument's value (C11 6.5.2.2p4),
and ``row[e]`` is ``*(row + e)`` (6.5.2.1p2): when the callee's host code only reads elements
whose indices are in its parameters' names (never assigned), the caller can name each of them
— its own array at the index with the arguments put in — and bring just those to the host
before the call (``update self``, OpenACC 3.3, 2.14.4) instead of giving up the region that
keeps its arrays on the device across the calls.  Sound only when nothing in the call changes
them: the callee's host code writes none of the array and its device code does not write it.

Before, such a callee was "used on the host", its call not hoisted, and a barrier for the
caller's region: the caller's loop ran its calls each with their own copies (``elem``,
``index``).  The callee's host code also wrote a file-scope array (the progress trace) that
its device code never reaches: that too was a barrier whenever the caller's region mapped the
global (``global``: the caller's loop reads it on the device) — now the call is a host use of
the global at the call (``update device`` after it), as a host statement writing it is.

The twins keep their old plans: the callee's host code writes the element (``host_write``),
reads one whose index the caller cannot name (a file-scope counter: ``unnamed``), reads
after its own device code wrote the array (``device_write``), the caller passes an offset
pointer (``offset``), or the host read is in a callee of the called function, whose own
plan pulls nothing before it since it sees no device write of its own (``nested``: the
caller's region would have written the row before the call).  In ``other_file`` the callee's
host code also calls a function of another file, which may reach any global; the final loop,
bounded by the counter the calls store to, stays on the host, so no region maps ``hist`` and
the call joins one as in ``elem``.

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

import re

import pytest
from _offload_util import acc_lines, plan_text, run_verified

N, STEPS = 600, 8

KERNEL = """static double hist[64];
static int nh;
static int pos;
EXTERN_DECL

static void step(int n, const double *restrict a, double *restrict b)
{
    for (int i = 0; i < n; i++)
        b[i] = 0.5 * a[i] + 1.0;
}

static void probe(int n, int k, PROBE_ROW *row)
{
    PROBE_BODY
}

OUTER
int run(int n, int steps, double *restrict a, double *restrict b, double *restrict out)
{
    nh = 0;
    for (int s = 0; s < steps; s++) {
        int k = s % 5;
        pos = s % 3;
        step(n, a, b);
        CALL;
        for (int i = 0; i < n; i++)
            a[i] = b[i] - 0.25 * a[i] + USE;
    }
    for (int q = 0; q < nh; q++)
        out[q] = hist[q];
    return nh;
}
"""

#: the minimum over the row, its first element read on the host
MIN_FROM = """double m = row[FIRST];
    for (int i = 0; i < n; i++)
        if (row[i] < m)
            m = row[i];
    hist[nh++] = m + k;"""

MAIN = """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int run(int n, int steps, double *restrict a, double *restrict b, double *restrict out);
EXTERN_DEF
REFERENCE
int main(void) {
  int n = NN, steps = SS, bad = 0;
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *out = calloc(64, 8);
  double *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb), *rout = calloc(64, 8);
  for (int i = 0; i < n; i++) { a[i] = ra[i] = (i * 7) % 13; b[i] = rb[i] = 0.0; }
  int got = run(n, steps, a, b, out), want = ref_run(n, steps, ra, rb, rout);
  bad += got != want;
  for (int q = 0; q < 64; q++) bad += fabs(out[q] - rout[q]) > 1e-9;
  for (int i = 0; i < n; i++) bad += fabs(a[i] - ra[i]) > 1e-9 || fabs(b[i] - rb[i]) > 1e-9;
  puts(bad ? "BAD" : "OK");
  return 0;
}
""".replace("NN", str(N)).replace("SS", str(STEPS))

OTHER = "double seen;\nvoid note(double m) { seen += m; }"

#: a function of the file whose plan offloads a loop over the row and hoists the call of
#: ``probe``: its own plan sees no device write before the call and pulls nothing
OUTER = """static double top;

static void outer(int n, int k, const double *row)
{
    double mx = -1e300;
    for (int i = 0; i < n; i++)
        if (row[i] > mx)
            mx = row[i];
    top = mx;
    probe(n, k, row);
}
"""

#: name -> (the probe's row type, its body, the call in the time loop, what the caller's loop
#: adds, whether the driver defines `note`)
PROGRAMS = {
    "elem": ("const double", MIN_FROM.replace("FIRST", "0"), "probe(n, k, b)", "0.0", False),
    "index": ("const double", MIN_FROM.replace("FIRST", "k"), "probe(n, k, b)", "0.0", False),
    "global": ("const double", MIN_FROM.replace("FIRST", "0"), "probe(n, k, b)",
               "0.0625 * hist[s]", False),
    "host_write": ("double", MIN_FROM.replace("FIRST", "0") + "\n    row[0] = m;",
                   "probe(n, k, b)", "0.0", False),
    "unnamed": ("const double", MIN_FROM.replace("FIRST", "pos"), "probe(n, k, b)", "0.0",
                False),
    "device_write": ("double", "for (int i = 0; i < n; i++)\n        row[i] = 0.5 * row[i];"
                     "\n    hist[nh++] = row[0] + k;", "probe(n, k, b)", "0.0", False),
    "offset": ("const double", MIN_FROM.replace("FIRST", "0"), "probe(n - 1, k, b + 1)", "0.0",
               False),
    "other_file": ("const double", MIN_FROM.replace("FIRST", "0") + "\n    note(m);",
                   "probe(n, k, b)", "0.0", True),
    "nested": ("const double", MIN_FROM.replace("FIRST", "0"), "outer(n, k, b)", "0.0", False),
}

_REF_NAMES = ("hist", "nh", "pos", "top", "step", "probe", "outer", "run")


def _files(name: str) -> tuple[str, str]:
    row, body, call, use, other = PROGRAMS[name]
    kernel = KERNEL.replace("PROBE_ROW", row).replace("PROBE_BODY", body) \
        .replace("CALL", call).replace("USE", use) \
        .replace("OUTER", OUTER if call.startswith("outer") else "")
    # the reference: the same functions, renamed, built without pragmas in the driver
    ref = re.sub(r"\b(" + "|".join(_REF_NAMES) + r")\b", r"ref_\1",
                 kernel.replace("EXTERN_DECL", ""))
    kernel = kernel.replace("EXTERN_DECL", "void note(double m);" if other else "")
    main = MAIN.replace("EXTERN_DEF", OTHER if other else "").replace("REFERENCE", ref)
    return kernel, main


def _plan(name: str, engine) -> tuple[list[str], str]:
    kernel, main = _files(name)
    text, _ = plan_text(kernel, engine, program=[main.encode()])
    return text.splitlines(), text


def _above_call(lines: list[str], call: str) -> str:
    at = next(k for k, ln in enumerate(lines) if ln.strip() == call + ";")
    return lines[at - 1].strip()


def _run_region(text: str) -> list[str]:
    """The ``#pragma acc`` lines of ``run``."""
    return acc_lines(text[text.index("int run("):])


def test_one_element_read_on_the_host_is_pulled_before_the_call(engine):
    """``probe`` reads ``row[0]`` on the host: the caller keeps its region over the time loop
    and brings ``b[0]`` to the host before each call (before: no region in ``run``)."""
    lines, text = _plan("elem", engine)
    acc = _run_region(text)
    assert any(a.startswith("#pragma acc data") for a in acc), acc
    assert _above_call(lines, "probe(n, k, b)").startswith("#pragma acc update self(b[0:1])")


def test_the_element_index_is_translated_through_the_arguments(engine):
    """``row[k]`` of ``probe(n, k, b)``: the caller's ``b[k]``, ``k`` the caller's own local
    (changed in the region: the update may name an element the region does not provably map,
    so it is ``if_present``)."""
    lines, _ = _plan("index", engine)
    above = _above_call(lines, "probe(n, k, b)")
    assert above.startswith("#pragma acc update self(b[k:1])"), above


def test_a_global_the_callee_writes_on_the_host_is_pushed_after_the_call(engine):
    """The caller's loop reads ``hist`` on the device; ``probe``'s host code writes it and its
    device code never reaches it: ``update device(hist)`` after the call (before: a barrier,
    no region)."""
    lines, text = _plan("global", engine)
    assert any(a.startswith("#pragma acc data") for a in _run_region(text)), text
    at = next(k for k, ln in enumerate(lines) if ln.strip() == "probe(n, k, b);")
    assert lines[at + 1].strip() == "#pragma acc update device(hist)", lines[at - 2:at + 3]


@pytest.mark.parametrize("name", ["host_write", "unnamed", "device_write", "offset",
                                  "nested"])
def test_twins_keep_no_region_around_the_call(name, engine):
    """The twins: the call is still not hoisted and no region holds it."""
    _, text = _plan(name, engine)
    acc = _run_region(text)
    assert not any(a.startswith("#pragma acc data") for a in acc), (name, acc)
    assert not any("update self(b[" in a for a in acc), (name, acc)


def test_a_loop_bounded_by_what_a_call_stores_leaves_the_region(engine):
    """``other_file``: ``probe`` stores to ``nh`` (``hist[nh++]``), so a region over the time
    loop and the final loop over ``out[0:nh]`` would evaluate that section with ``nh`` as it
    was before the calls (OpenACC 3.3, 2.6.5): the final loop stays on the host, with why.
    Without it the region maps nothing of ``hist``, and the call joins it as in ``elem``
    (before, the final loop's device read of ``hist`` kept every region away)."""
    lines, text = _plan("other_file", engine)
    acc = _run_region(text)
    assert [a for a in acc if a.startswith("#pragma acc data")] == \
        ["#pragma acc data copy(a[0:n], b[0:n])"], acc
    assert _above_call(lines, "probe(n, k, b)").startswith("#pragma acc update self(b[0:1])")
    kernel, main = _files("other_file")
    _, plans = plan_text(kernel, engine, program=[main.encode()])
    assert any("`out`" in note and "uses `nh`, which changes inside the region" in note
               for note in plans["run"].notes), plans["run"].notes


def test_the_plans_verify_and_the_region_saves_the_copies(tmp_path):
    """In the emulator every plan verifies; with the region the programs that read an
    element on the host move far less than the per-loop pragmas (before, about as much)."""
    rows = run_verified(tmp_path, {n: _files(n) for n in PROGRAMS})
    for name in ("elem", "index", "global"):
        r = rows[name]
        plan = r["offload"]["bytes_h2d"] + r["offload"]["bytes_d2h"]
        loops = r["engine"]["bytes_h2d"] + r["engine"]["bytes_d2h"]
        assert 3 * plan < loops, (name, plan, loops)
