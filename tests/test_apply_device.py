"""``accellium suggest --apply`` writes what the device needs besides the loop's own line,
proven on whole programs (built, run in threads in the CPU emulation of a GPU, verified):

* ``#pragma acc routine seq`` above each program function an inserted compute construct
  calls (a GPU build fails to link without it), once, and no compute construct in such a
  function (it runs inside another one);
* a sequential compute construct (``kernels`` on a time loop) is not written around loops
  that take parallel pragmas of their own: the inner loops get them, the outer loop stays on
  the host."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

ROOT = Path(__file__).resolve().parent.parent

MAIN = """#include <stdio.h>
#include <math.h>
void run(int n, float *a, float *b);
void ref(int n, float *a, float *r);
int main(void) {
  static float a[4000], b[4000], r[4000], a2[4000];
  for (int i = 0; i < 4000; i++) { a[i] = a2[i] = (i % 7) - 3; b[i] = r[i] = -1; }
  run(4000, a, b);
  ref(4000, a2, r);
  for (int i = 0; i < 4000; i++) if (!(fabsf(b[i] - r[i]) <= 1e-3f * (1 + fabsf(r[i]))))
    { printf("BAD %d %g %g\\n", i, b[i], r[i]); return 0; }
  printf("OK\\n");
  return 0;
}
"""

ROUTINES = """static float sq(float x)
{
    return x * x;
}

static float horner(float x, int k)
{
    float s = 0;
    for (int t = 0; t < k; t++)
        s = s * x + 1.0f;
    return s;
}

void run(int n, float *a, float *b)
{
    for (int i = 0; i < n; i++)
        b[i] = sq(a[i]) + horner(0.5f, 6);
}
"""
ROUTINES_REF = """static float h(float x, int k) { float s = 0; for (int t = 0; t < k; t++) s = s * x + 1.0f;
 return s; }
void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) r[i] = a[i] * a[i] + h(0.5f, 6); }
"""

STEPS = """void run(int n, float *a, float *b)
{
    for (int t = 0; t < 8; t++) {
        for (int i = 0; i < n; i++)
            b[i] = 0.5f * a[i] + t;
        for (int i = 1; i < n; i++)
            a[i] = 0.5f * (b[i] + b[i - 1]);
    }
    for (int i = 0; i < n; i++)
        b[i] += a[i];
}
"""
STEPS_REF = """void ref(int n, float *a, float *b) { for (int t = 0; t < 8; t++) {
 for (int i = 0; i < n; i++) b[i] = 0.5f * a[i] + t;
 for (int i = 1; i < n; i++) a[i] = 0.5f * (b[i] + b[i - 1]); }
 for (int i = 0; i < n; i++) b[i] += a[i]; }
"""


def _apply(f: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accellium", "suggest", str(f), "--engine",
                           "const", "--apply"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def _verified(tmp: Path, programs: dict[str, tuple[str, str]]) -> dict[str, dict]:
    """Each annotated kernel as a program's original pragmas, run in the CPU emulation."""
    entries = []
    for name, (kernel, ref) in programs.items():
        d = tmp / "suite" / "programs" / name
        d.mkdir(parents=True)
        (d / "k.c").write_text(kernel)
        (d / "main.c").write_text(ref + MAIN)
        entries.append({"name": name, "sources": ["k.c", "main.c"], "annotate": ["k.c"],
                        "compile": "gcc -O1 -fopenacc k.c main.c -o {out} -lm",
                        "compile_serial": "gcc -O1 k.c main.c -o {out} -lm", "run": [],
                        "timeout_s": 20, "verify": {"kind": "stdout_regex", "pattern": "^OK$"},
                        "original_pragmas_ok": True, "original_pragma_issue": None})
    (tmp / "suite" / "manifest.json").write_text(json.dumps(entries))
    r = evaluate_dynamic(tmp / "suite" / "manifest.json", None, threads=4, runs=3,
                         with_mutations=False)
    return {p["name"]: p["original"] for p in r["programs"]}


def test_apply_adds_routines_once_and_serialises_nothing(tmp_path):
    routines, steps = tmp_path / "routines.c", tmp_path / "steps.c"
    routines.write_text(ROUTINES)
    steps.write_text(STEPS)
    for f in (routines, steps):
        r = _apply(f)
        assert r.returncode == 0, r.stderr
    got = routines.read_text()
    lines = got.splitlines()
    # one routine line above each called function, none for the function that calls them
    assert lines[lines.index("static float sq(float x)") - 1] == "#pragma acc routine seq"
    assert lines[lines.index("static float horner(float x, int k)") - 1] == \
        "#pragma acc routine seq"
    assert got.count("#pragma acc routine seq") == 2
    # horner's own loop runs inside the caller's compute construct: no construct of its own
    body = got[got.index("static float horner"):got.index("void run")]
    assert "#pragma acc parallel" not in body and "#pragma acc kernels" not in body
    assert "#pragma acc loop seq" in body
    assert "#pragma acc parallel loop" in got[got.index("void run"):]

    got_steps = steps.read_text()
    lines = got_steps.splitlines()
    t_row = next(k for k, x in enumerate(lines) if "for (int t" in x)
    assert not lines[t_row - 1].strip().startswith("#pragma acc"), got_steps
    assert got_steps.count("#pragma acc parallel loop") == 3, got_steps

    # idempotent: a second run changes nothing
    for f in (routines, steps):
        before = f.read_bytes()
        assert _apply(f).returncode == 0
        assert f.read_bytes() == before

    rows = _verified(tmp_path, {"routines": (got, ROUTINES_REF), "steps": (got_steps, STEPS_REF)})
    for name, row in rows.items():
        assert row["status"] == "verified", (name, row["reason"])
