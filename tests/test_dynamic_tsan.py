"""``accellium eval --dynamic --tsan``: the second race signal (ThreadSanitizer + LLVM's
Archer) on whole programs built with real clang and run in real threads.  CI installs
clang-14, libomp-14-dev and libclang-rt-14-dev (``.ci/run``); without them the test fails
with the reason instead of skipping."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from accellium.evaluation.dynamic.tsan import tsan_unavailable

ROOT = Path(__file__).resolve().parent.parent

# Every gang writes the same flag: a write-write race between gangs whose output is right,
# at gang level (not in a vector loop), so the runtime's per-lane write check cannot see it.
FLAG_K = """void mark(int n, int m, const double *a, double *b, int *seen) {
#pragma acc parallel loop gang copyin(a[0:n*m]) copyout(b[0:n*m]) copy(seen[0:1])
  for (int i = 0; i < n; i++) {
    seen[0] = 1;
#pragma acc loop vector
    for (int j = 0; j < m; j++) b[i*m+j] = 2*a[i*m+j];
  }
}
"""
FLAG_MAIN = """#include <stdio.h>
void mark(int n, int m, const double *a, double *b, int *seen);
int main(void) {
  static double a[256*64], b[256*64]; int seen = 0, ok = 1;
  for (int i = 0; i < 256*64; i++) a[i] = i;
  mark(256, 64, a, b, &seen);
  for (int i = 0; i < 256*64; i++) if (b[i] != 2*a[i]) ok = 0;
  printf(ok && seen == 1 ? "OK\\n" : "BAD\\n");
  return 0;
}
"""
# The same kernel with the flag set once on the host: no race.
CLEAN_K = FLAG_K.replace("    seen[0] = 1;\n", "").replace(" copy(seen[0:1])", "").replace(
    "int *seen) {\n", "int *seen) {\n  seen[0] = 1;\n")


def _suite(tmp: Path) -> Path:
    entries = []
    for name, k in (("flag", FLAG_K), ("clean", CLEAN_K)):
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        (d / "k.c").write_text(k)
        (d / "main.c").write_text(FLAG_MAIN)
        entries.append({"name": name, "sources": ["k.c", "main.c"], "annotate": ["k.c"],
                        "compile": "gcc -O1 -fopenacc k.c main.c -o {out} -lm",
                        "compile_serial": "gcc -O1 k.c main.c -o {out} -lm", "run": [],
                        "timeout_s": 10, "verify": {"kind": "stdout_regex", "pattern": "^OK$"},
                        "original_pragmas_ok": name == "clean",
                        "original_pragma_issue": None if name == "clean" else "gangs race"})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def _run(man: Path, *extra: str) -> dict:
    cmd = [sys.executable, "-m", "accellium", "eval", "--dynamic", str(man), "--engine", "none",
           "--no-mutations", "--threads", "4", "--runs", "3", "--json", *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


def test_tsan_catches_a_gang_race_the_emulation_misses(tmp_path):
    assert tsan_unavailable() is None, tsan_unavailable()
    man = _suite(tmp_path)
    plain = {p["name"]: p["original"] for p in _run(man)["programs"]}
    assert plain["flag"]["status"] == "verified"  # the output is right: no other signal
    assert plain["clean"]["status"] == "verified"
    r = _run(man, "--tsan")
    rows = {p["name"]: p["original"] for p in r["programs"]}
    assert rows["flag"]["status"] == "race" and rows["flag"]["tsan"] == "race"
    assert "ThreadSanitizer" in rows["flag"]["reason"] and "k.c:4" in rows["flag"]["reason"]
    assert rows["clean"]["status"] == "verified" and rows["clean"]["tsan"] == "clean"
    assert r["metrics"]["calibration_caught"] == 1.0
    assert r["metrics"]["calibration_verified"] == 1.0


def test_tsan_with_gpu_mode_is_a_one_line_error():
    p = subprocess.run([sys.executable, "-m", "accellium", "eval", "--dynamic",
                        str(ROOT / "evaluation" / "programs"), "--mode", "gpu", "--tsan"],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == 2 and "--tsan needs --mode cpu" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
