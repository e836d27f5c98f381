"""Dynamic evaluation: the OpenACC emulation (translator + runtime) on whole programs built
with real gcc and run in real threads, the manifest, the mutations and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from accellium.evaluation.dynamic.accpragmas import strip_acc_keep_lines
from accellium.evaluation.dynamic.evaluate import coverage, evaluate_dynamic
from accellium.evaluation.dynamic.manifest import ManifestError, Verify, check_output, load_manifest
from accellium.evaluation.dynamic.mutate import mutations

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "evaluation" / "programs"


def _suite(tmp: Path, programs: dict[str, dict[str, str]], wrong: dict[str, str] | None = None
           ) -> Path:
    """A one-off suite in the DESIGN §8 format: {name: {file: text}}, built with g++ when a
    file is C++."""
    entries = []
    for name, files in programs.items():
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        for f, text in files.items():
            (d / f).write_text(text)
        cs = " ".join(f for f in files if f.endswith((".c", ".cpp")))
        cc = "g++" if any(f.endswith(".cpp") for f in files) else "gcc"
        entries.append({
            "name": name, "sources": list(files), "annotate": [f for f in files
                                                               if f.startswith("k")],
            "compile": f"{cc} -O1 -fopenacc {cs} -o {{out}} -lm",
            "compile_serial": f"{cc} -O1 {cs} -o {{out}} -lm", "run": [], "timeout_s": 10,
            "verify": {"kind": "stdout_regex", "pattern": "^OK$"},
            "original_pragmas_ok": name not in (wrong or {}),
            "original_pragma_issue": (wrong or {}).get(name)})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def _engine_verified(tmp: Path, name: str, files: dict[str, str], wrong: str, engine: str,
                     original: str | tuple[str, ...], runs: int = 3) -> dict:
    """The one-program suite ``name`` (its files; the authors' pragmas wrong: why) evaluated
    with ``engine`` in 4 threads: asserts the serial build verifies, the authors' column
    ends as ``original`` (or one of them: a race may also show as stale data) and the
    engine's answers verify; the program's row."""
    man = _suite(tmp, {name: files}, wrong={name: wrong})
    r = evaluate_dynamic(man, engine, threads=4, runs=runs, with_mutations=False)
    row = r["programs"][0]
    assert row["serial"]["status"] == "verified", row["serial"]
    allowed = (original,) if isinstance(original, str) else original
    assert row["original"]["status"] in allowed, row["original"]
    assert row["engine"]["status"] == "verified", row["engine"]
    return row


MAIN_SUM = """#include <math.h>
#include <stdio.h>
double total(int n, const double *x);
int main(void) {
  static double x[400000]; double r = 0;
  for (int i = 0; i < 400000; i++) { x[i] = i % 7; r += x[i]; }
  double s = total(400000, x);
  printf(fabs(s - r) < 1e-6 ? "OK\\n" : "BAD %f %f\\n", s, r);
  return 0;
}
"""


def test_strip_keeps_line_numbers_and_continuations():
    src = b"int a;\n#pragma acc parallel loop \\\n   copyin(x[0:n])\nfor(;;);\n  #pragma acc update self(a)\nint b;\n"
    out = strip_acc_keep_lines(src)
    assert out == b"int a;\n\n\nfor(;;);\n\nint b;\n"


def test_check_output_kinds():
    assert check_output(Verify(kind="stdout_regex", pattern="^OK$"), 0, "OK") == (True, "")
    assert not check_output(Verify(kind="stdout_regex", pattern="OK"), 1, "OK")[0]
    v = Verify(kind="checksum", extract=r"sum=(\S+)", reference=[10.0, 2.0], rtol=1e-6)
    assert check_output(v, 0, "sum=10.0000001 sum=2")[0]
    assert not check_output(v, 0, "sum=10.1 sum=2")[0]
    assert not check_output(v, 0, "sum=nan sum=2")[0]
    assert not check_output(v, 0, "sum=10")[0]


def test_bad_manifests_give_one_line_errors(tmp_path):
    with pytest.raises(ManifestError, match="no such manifest"):
        load_manifest(tmp_path / "nope.json")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError, match="not valid JSON"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps([{"name": "p", "sources": ["k.c"],
                                                          "annotate": ["k.c"]}]))
    with pytest.raises(ManifestError, match="program p"):
        load_manifest(tmp_path)


def test_the_suite_manifest_is_valid_and_large_enough():
    root, progs = load_manifest(SUITE)
    ok = [p for p in progs if p.original_pragmas_ok]
    wrong = [p for p in progs if not p.original_pragmas_ok]
    assert len(ok) >= 30 and len(wrong) >= 8
    assert all(p.original_pragma_issue for p in wrong)


def test_mutations_of_an_original():
    src = (SUITE / "programs" / "dot_reduction" / "kernel.c").read_bytes()
    muts = mutations({"kernel.c": src})
    kinds = {m.kind for m in muts}
    assert "reduction_removed" in kinds
    m = next(m for m in muts if m.kind == "reduction_removed")
    assert b"reduction" not in m.data.splitlines()[m.line - 1]
    assert m.data.count(b"\n") == src.count(b"\n")  # line numbers kept


def test_coverage_counts_enclosed_loops():
    author = [(10, 20), (12, 18), (30, 35)]
    assert coverage(author, [(10, 20)]) == (2, 1)
    assert coverage(author, []) == (0, 0)


def test_firstprivate_race_reduction_and_present_in_real_threads(tmp_path):
    """Missing reduction: caught (host value unchanged + lanes race); with the reduction:
    verified; present on unmapped data: aborts like a GPU."""
    progs = {
        "good": {"k.c": "double total(int n, const double *x) { double s = 0;\n"
                        "#pragma acc parallel loop reduction(+:s) copyin(x[0:n])\n"
                        "for (int i = 0; i < n; i++) s += x[i];\nreturn s; }\n",
                 "main.c": MAIN_SUM},
        "nored": {"k.c": "double total(int n, const double *x) { double s = 0;\n"
                         "#pragma acc parallel loop copyin(x[0:n])\n"
                         "for (int i = 0; i < n; i++) s += x[i];\nreturn s; }\n",
                  "main.c": MAIN_SUM},
        "present": {"k.c": "double total(int n, const double *x) { double s = 0;\n"
                           "#pragma acc parallel loop reduction(+:s) present(x[0:n])\n"
                           "for (int i = 0; i < n; i++) s += x[i];\nreturn s; }\n",
                    "main.c": MAIN_SUM},
    }
    man = _suite(tmp_path, progs, wrong={"nored": "no reduction", "present": "unmapped"})
    r = evaluate_dynamic(man, None, threads=4, runs=3, with_mutations=True)
    rows = {p["name"]: p for p in r["programs"]}
    assert rows["good"]["original"]["status"] == "verified"
    assert rows["nored"]["original"]["status"] == "race"
    assert rows["present"]["original"]["status"] == "present-abort"
    assert rows["good"]["mutations"] and all(m["caught"] for m in rows["good"]["mutations"])
    assert r["metrics"]["calibration_verified"] == 1.0
    assert r["metrics"]["calibration_caught"] == 1.0


FEATURES_K = r"""
#include "k.h"
#define SQ(a) ((a) * (a))
typedef double real;
enum { SCALE = 3 };
static real g[1024];
#pragma acc declare create(g)

#pragma acc routine seq
static real twice(real v) { return 2 * v; }

void run(int n, real *a, real *b, int *h, real *out)
{
    int i, k;
    real s = 0;
    #pragma acc data copy(a[0:n]) create(b[0:n]) copyout(h[0:8]) \
                     copyout(out[0:2])
    {
        #pragma acc kernels
        {
            #pragma acc loop independent
            for (i = 0; i < n; i++) b[i] = SQ(a[i]) + SCALE;
            for (k = 0; k < 8; k++) h[k] = 0;
            #pragma acc loop independent
            for (i = 0; i < n; i++) {
                #pragma acc atomic update
                h[(int)a[i] % 8] += 1;
            }
        }
        #pragma acc parallel num_gangs(2)
        {
            #pragma acc loop gang vector
            for (i = 0; i < n; i++) a[i] = twice(b[i]);
            #pragma acc loop gang vector reduction(+:s)
            for (i = 0; i < n; i++) s += b[i];
        }
        #pragma acc serial
        { out[0] = s; out[1] = half(a[1]); }
        #pragma acc parallel loop present(g)
        for (i = 0; i < 1024; i++) g[i] = i;
        #pragma acc update self(g[0:1024])
    }
    out[1] += g[1023];
}
"""
FEATURES_H = "#pragma acc routine seq\nstatic inline double half(double v) { return v / 2; }\n"
FEATURES_MAIN = r"""
#include <stdio.h>
#include <math.h>
void run(int n, double *a, double *b, int *h, double *out);
int main(void) {
  enum { N = 5000 };
  static double a[N], b[N], out[2]; static int h[8];
  double ra[N], s = 0; int rh[8] = {0};
  for (int i = 0; i < N; i++) a[i] = i % 11;
  for (int i = 0; i < N; i++) { double bi = a[i] * a[i] + 3; rh[(int)a[i] % 8]++; ra[i] = 2 * bi; s += bi; }
  run(N, a, b, h, out);
  int bad = fabs(out[0] - s) > 1e-6 || fabs(out[1] - (ra[1] / 2 + 1023)) > 1e-9;
  for (int i = 0; i < N; i++) bad += a[i] != ra[i];
  for (int k = 0; k < 8; k++) bad += h[k] != rh[k];
  printf(bad ? "BAD %d\n" : "OK\n", bad);
  return 0;
}
"""


def test_translator_features_real_code(tmp_path):
    """Typedefs, macros, enums, continuations, a header, a kernels region with several loops
    and an atomic, a parallel region with several gang loops and a reduction, routines,
    serial, declare create on a global with update self, all in one data region."""
    man = _suite(tmp_path, {"feat": {"k.c": FEATURES_K, "k.h": FEATURES_H,
                                     "main.c": FEATURES_MAIN}})
    r = evaluate_dynamic(man, None, threads=4, runs=3, with_mutations=False)
    row = r["programs"][0]
    assert row["serial"]["verified"], row["serial"]
    assert row["original"]["status"] == "verified", row["original"]
    assert row["original"]["bytes_h2d"] > 0 and row["original"]["bytes_d2h"] > 0


def test_ci_three_suite_programs_catch_planted_races(tmp_path):
    """CI gate: on three suite programs the originals verify in CPU parallel mode, the
    engine's annotation runs, and every planted race (reduction / private removed) is
    caught; a wrong original is caught."""
    out = tmp_path / "report"
    cmd = [sys.executable, "-m", "accellium", "eval", "--dynamic", str(SUITE), "--engine",
           "analysis", "--programs", "dot_reduction,scratch_scalar,wrong_vector_sum",
           "--threads", "4", "--runs", "3", "--json", "--report", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    r = json.loads(p.stdout)
    m = r["metrics"]
    assert m["programs"] == 3
    for k, v in m.items():
        if k != "programs" and v is not None:
            assert 0.0 <= v <= 1.0, (k, v)
    assert m["calibration_verified"] == 1.0 and m["calibration_caught"] == 1.0
    races = [x for row in r["programs"] for x in row["mutations"]
             if x["kind"] in ("reduction_removed", "private_removed")]
    assert len(races) >= 2
    assert all(x["caught"] for x in races), races
    assert (out / "report.md").is_file() and (out / "dynamic.png").is_file()


def test_cli_errors_are_one_line(tmp_path):
    p = subprocess.run([sys.executable, "-m", "accellium", "eval", "--dynamic",
                        str(tmp_path / "missing.json")], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "no such manifest" in p.stderr
    p = subprocess.run([sys.executable, "-m", "accellium", "eval", "--dynamic", str(SUITE),
                        "--threads", "0"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 2


def test_gpu_mode_builds_for_nvptx_and_reports_no_gpu_cleanly():
    """GPU mode up to the point of running: the offload compiler builds the originals and the
    engine's variant; with no GPU the result says so (CI installs gcc-12-offload-nvptx)."""
    from accellium.evaluation.dynamic.gpu import evaluate_gpu

    r = evaluate_gpu(SUITE, "analysis", only=["saxpy", "csr_spmv"], runs=1)
    assert r["offload_compiler"] is True, r["reason"]
    assert r["metrics"]["built_original"] == 1.0
    for row in r["programs"]:
        assert row["serial"]["verified"]
        if r["gpu"]:
            assert row["original"]["verified"], row["original"]
        else:
            assert row["original"]["status"] == "built"
            assert r["reason"].startswith("no GPU")


def test_call_to_a_function_that_is_not_a_routine_fails_to_build(tmp_path):
    """A GPU build does not link a compute region calling a program function without
    ``#pragma acc routine``; the emulation refuses it too, and accepts it with the routine."""
    body = ("double total(int n, const double *x) { double s = 0;\n"
            "#pragma acc parallel loop reduction(+:s) copyin(x[0:n])\n"
            "for (int i = 0; i < n; i++) s += sq(x[i]);\nreturn s; }\n")
    main = MAIN_SUM.replace("r += x[i];", "r += x[i] * x[i];")
    progs = {"plain": {"k.c": "static double sq(double v) { return v * v; }\n" + body,
                       "main.c": main},
             "routine": {"k.c": "#pragma acc routine seq\n/* squares */\n"
                                "static double sq(double v) { return v * v; }\n" + body,
                         "main.c": main}}
    r = evaluate_dynamic(_suite(tmp_path, progs), None, runs=1, with_mutations=False)
    rows = {p["name"]: p for p in r["programs"]}
    assert rows["plain"]["original"]["status"] == "compile"
    assert "not an acc routine" in rows["plain"]["original"]["reason"]
    assert rows["routine"]["original"]["status"] == "verified", rows["routine"]["original"]


def test_no_independent_mutation_under_a_vector_loop():
    """``seq`` -> ``independent`` is planted only where a level is left to partition the loop:
    under a ``gang vector`` loop the mutant still runs sequentially per lane (OpenACC 3.3 2.9.3;
    the emulation verifies it, so it would count as a missed catch); under a ``gang`` loop the
    mutant is a real carried-dependence race."""
    body = """void f(int n, double *a)
{
    #pragma acc parallel loop %s copy(a[0:n*n])
    for (int i = 0; i < n; i++) {
        #pragma acc loop seq
        for (int j = 1; j < n; j++)
            a[i * n + j] += a[i * n + j - 1];
    }
}
"""
    under_vector = mutations({"k.c": (body % "gang vector").encode()})
    assert "independent_on_carried" not in {m.kind for m in under_vector}
    under_gang = mutations({"k.c": (body % "gang").encode()})
    m = next(m for m in under_gang if m.kind == "independent_on_carried")
    assert m.line == 5 and m.after == "#pragma acc loop independent"


NEST_K = """double total(int n, const double *x)
{
    double t = 0;
    #pragma acc parallel loop %s reduction(+:t) copyin(x[0:n*n])
    for (int i = 0; i < n; i++) {
        double s = 0;
        #pragma acc loop
        for (int j = 0; j < n; j++)
            s += x[i * n + j];
        t += s;
    }
    return t;
}
"""
NEST_MAIN = """#include <stdio.h>
double total(int n, const double *x);
int main(void) {
  static double x[300 * 300]; double r = 0;
  for (int i = 0; i < 300 * 300; i++) { x[i] = i % 5; r += x[i]; }
  double s = total(300, x);
  printf(s == r ? "OK\\n" : "BAD %f %f\\n", s, r);
  return 0;
}
"""


def test_a_loop_nested_in_a_vector_loop_runs_sequentially(tmp_path):
    """A level-less ``loop`` inside a ``gang vector`` loop has no level left (OpenACC 3.3
    2.9.3): gcc assigns it ``seq`` (its -fopt-info says so), so its scalar sum is no race and
    the program is right; the same inner loop under a ``gang`` loop is vector-partitioned and
    its missing reduction is caught."""
    k = tmp_path / "k.c"
    k.write_text(NEST_K % "gang vector")
    gcc = subprocess.run(["gcc", "-O2", "-fopenacc", "-foffload=disable",
                          "-fopt-info-optimized-omp", "-c", str(k), "-o", str(tmp_path / "k.o")],
                         capture_output=True, text=True, timeout=120)
    assert gcc.returncode == 0, gcc.stderr
    assert "k.c:7:17: optimized: assigned OpenACC seq loop parallelism" in gcc.stderr
    progs = {"under_vector": {"k.c": NEST_K % "gang vector", "main.c": NEST_MAIN},
             "under_gang": {"k.c": NEST_K % "gang", "main.c": NEST_MAIN}}
    man = _suite(tmp_path / "suite", progs, wrong={"under_gang": "inner sum without reduction"})
    r = evaluate_dynamic(man, None, threads=4, runs=3, with_mutations=False)
    rows = {p["name"]: p for p in r["programs"]}
    assert rows["under_vector"]["original"]["status"] == "verified", rows["under_vector"]
    assert rows["under_gang"]["original"]["status"] == "race", rows["under_gang"]
