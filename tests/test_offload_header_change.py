"""A file planned again after a header it includes changed gets the new header's plan.

The planner derives facts from a file's tree once and keeps them with the parsed file (which
arrays are global, whether a function of another file may reach them, C11 6.2.2p2), but
those facts depend on the declarations of the headers too (6.10.2p3).  A language server or
backend that plans an unchanged buffer after the user edited its header used to reuse the
old header's facts: with ``static double u[64];`` (internal linkage) a call of another file's
function cannot reach ``u`` and the region holds the call; after the header is changed to
``extern double u[64];`` the call may read and write ``u`` — and, a function of another file
planned alone, may offload loops of its own (``dataset/offload/unseen_calls.py``), so no
region holds ``u`` across it — the stale plan kept the region without even an ``update``, and
the callee read stale values."""

from __future__ import annotations

from pathlib import Path

from accellium.dataset.includes import read_includes
from accellium.server.engines import get_engine
from accellium.server.offload import apply_plans, offload_source

KERNEL = """#include "glob.h"
void other(void);
void step(int n)
{
    for (int i = 0; i < n; i++)
        u[i] = 2.0 * i;
    other();
    for (int i = 0; i < n; i++)
        u[i] += 1.0;
}
"""


def _plan(folder: Path, header: str) -> str:
    (folder / "glob.h").write_text(header)
    f = folder / "kernel.c"
    f.write_text(KERNEL)
    src = f.read_bytes()
    includes = read_includes(src, f, "c", [folder])
    plans = offload_source(src, get_engine("analysis"), path="kernel.c", includes=includes)
    return apply_plans(src, plans).decode()


def test_a_changed_header_is_not_planned_with_the_old_headers_facts(tmp_path):
    internal = _plan(tmp_path, "static double u[64];\n")
    assert "update" not in internal, internal  # no other file can reach u
    external = _plan(tmp_path, "extern double u[64];\n")
    lines = [ln.strip() for ln in external.splitlines()]
    assert not any(ln.startswith("#pragma acc data") for ln in lines), external
    at = lines.index("other();")
    assert lines[at + 1] == "#pragma acc parallel loop copy(u)", external
