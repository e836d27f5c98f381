"""The data half of the safety guard (``server/safety_data.py``) and the analysis facts it
reads, proven on whole programs: the engine-style pragma fails in the CPU emulation of a
GPU's separate memory (or races), the guarded pragma builds, runs in threads and verifies."""

from __future__ import annotations

import json
from pathlib import Path

from accellium.dataset.analysis import analyze, scope_of
from accellium.dataset.loops import find_loops
from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.server.engines.base import LoopQuery
from accellium.server.safety import guard

MAIN = """#include <stdio.h>
#include <math.h>
void run(int n, float *a, float *b);
int main(void) {
  static float a[5000], b[5000], r[5000];
  for (int i = 0; i < 5000; i++) { a[i] = (i % 7) - 3; b[i] = r[i] = -1; }
  run(5000, a, b);
  ref(5000, a, r);
  for (int i = 0; i < 5000; i++) if (!(fabsf(b[i] - r[i]) <= 1e-4f)) { printf("BAD %d\\n", i); return 0; }
  printf("OK\\n");
  return 0;
}
"""

# (kernel body of run() with PRAGMA where the pragma goes, the serial reference)
CASES = {
    # `in` named without a section: the pointer alone is mapped
    "bare_pointer": (
        "void run(int n, float *a, float *b) {\n  int k = 4;\nPRAGMA\n"
        "  for (int i = 0; i < n - k; i++) {\n    float s = 0;\n"
        "    for (int t = 0; t < k; t++) s += a[i + t];\n    b[i] = s;\n  }\n}\n",
        "#pragma acc parallel loop copyin(a) copyout(b[0:n-4])",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n - 4; i++) { float s = 0;"
        " for (int t = 0; t < 4; t++) s += a[i + t]; r[i] = s; } }\n"),
    # a conditional write in copyout: the unwritten elements come back uninitialised
    "partial_copyout": (
        "void run(int n, float *a, float *b) {\nPRAGMA\n"
        "  for (int i = 0; i < n; i++)\n    if (a[i] > 0) b[i] = 2 * a[i];\n}\n",
        "#pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) if (a[i] > 0)"
        " r[i] = 2 * a[i]; }\n"),
    # the output in `private`: every copy is thrown away
    "private_output": (
        "void run(int n, float *a, float *b) {\nPRAGMA\n"
        "  for (int i = 0; i < n; i++)\n    b[i] = a[i] + 1;\n}\n",
        "#pragma acc parallel loop private(b) copyin(a[0:n]) copyout(b[0:n])",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) r[i] = a[i] + 1; }\n"),
    # a `parallel loop` over workers only: every gang runs it, the reduction counts it twice
    "worker_only": (
        "void run(int n, float *a, float *b) {\n  float s = 0;\nPRAGMA\n"
        "  for (int i = 0; i < n; i++)\n    s += a[i];\n  b[0] = s;\n}\n",
        "#pragma acc parallel loop worker reduction(+:s) copyin(a[0:n])",
        "void ref(int n, float *a, float *r) { float s = 0; for (int i = 0; i < n; i++)"
        " s += a[i]; r[0] = s; }\n"),
    # a scalar declared before the loop, assigned before it is read in every iteration:
    # shared by the lanes of a gang unless `private`
    "scratch_scalar": (
        "void run(int n, float *a, float *b) {\n  float t;\nPRAGMA\n"
        "  for (int i = 0; i < n; i++) {\n    t = a[i] * 2;\n    b[i] = t + t * t;\n  }\n}\n",
        "#pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) { float t = a[i] * 2;"
        " r[i] = t + t * t; } }\n"),
    # `parallel loop seq`: every gang runs the whole recurrence on the same device copy
    "seq_in_every_gang": (
        "void run(int n, float *a, float *b) {\n  for (int i = 0; i < n; i++) b[i] = a[i];\n"
        "PRAGMA\n  for (int i = 1; i < n; i++)\n    b[i] += b[i - 1];\n}\n",
        "#pragma acc parallel loop seq copy(b[0:n])",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) r[i] = a[i];"
        " for (int i = 1; i < n; i++) r[i] += r[i - 1]; }\n"),
    # a running sum the host stores after a sequential device loop: firstprivate, never back
    "live_out_scalar": (
        "void run(int n, float *a, float *b) {\n  float s = 0;\nPRAGMA\n"
        "  for (int i = 0; i < n; i++) {\n    s += a[i];\n    b[i] = s;\n  }\n  b[0] = s;\n}\n",
        "#pragma acc serial loop copyin(a[0:n]) copyout(b[0:n])",
        "void ref(int n, float *a, float *r) { float s = 0; for (int i = 0; i < n; i++)"
        " { s += a[i]; r[i] = s; } r[0] = s; }\n"),
    # `present` in a file where nothing puts the arrays on the device: a GPU aborts
    "unjustified_present": (
        "void run(int n, float *a, float *b) {\nPRAGMA\n"
        "  for (int i = 0; i < n; i++)\n    b[i] = a[i] + 1;\n}\n",
        "#pragma acc parallel loop present(a[0:n], b[0:n])",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) r[i] = a[i] + 1; }\n"),
    # `deviceptr` on host pointers: the kernel dereferences host addresses
    "host_deviceptr": (
        "void run(int n, float *a, float *b) {\nPRAGMA\n"
        "  for (int i = 0; i < n; i++)\n    b[i] = a[i] * 3;\n}\n",
        "#pragma acc parallel loop deviceptr(a, b)",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) r[i] = a[i] * 3; }\n"),
    # a clause naming a variable declared inside the loop: not declared at the pragma
    "loop_local_in_clause": (
        "void run(int n, float *a, float *b) {\nPRAGMA\n"
        "  for (int i = 0; i < n; i++) {\n    float t = a[i] * 2;\n    b[i] = t - 1;\n  }\n}\n",
        "#pragma acc parallel loop private(t) copyin(a[0:n]) copyout(b[0:n])",
        "void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) r[i] = a[i] * 2 - 1; }"
        "\n"),
}

# `a` reached through data (`a[idx[i]]`): its extent is unknown, so no compute construct can
# put it on the device; the loop is left to the host
GATHER_K = """void run(int n, float *a, float *b) {
  static int idx[5000];
  for (int i = 0; i < n; i++) idx[i] = (i * 7) % n;
PRAGMA
  for (int i = 0; i < n; i++)
    b[i] = a[idx[i]];
}
"""
GATHER_RAW = "#pragma acc parallel loop copyin(idx[0:n]) copyout(b[0:n])"
GATHER_REF = ("void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++)"
              " r[i] = a[(i * 7) % n]; }\n")

STRUCT_K = """typedef struct { float x, v; } P;
void run(int n, float *a, float *b) {
  static P p[5000];
  for (int i = 0; i < n; i++) { p[i].x = a[i]; p[i].v = 0; }
PRAGMA
  for (int s = 0; s < 20; s++)
    for (int i = 0; i < n; i++) { P *q = &p[i]; q->v += 0.5f; q->x += q->v; }
  for (int i = 0; i < n; i++) b[i] = p[i].x;
}
"""
STRUCT_REF = ("void ref(int n, float *a, float *r) { for (int i = 0; i < n; i++) { float x = a[i],"
              " v = 0; for (int s = 0; s < 20; s++) { v += 0.5f; x += v; } r[i] = x; } }\n")


def _guard_answer(kernel: str, raw: str) -> tuple[str | None, list[str]]:
    """The guard's answer for the loop after PRAGMA, with the file as its scope (as
    ``accellium suggest`` asks)."""
    src = kernel.replace("PRAGMA\n", "")
    row = kernel[:kernel.index("PRAGMA")].count("\n") + 1
    lp = next(x for x in find_loops(src.encode(), "c") if x.line == row)
    q = LoopQuery(code=lp.text, lang="c", enclosing=tuple(lp.enclosing),
                  scope=scope_of(src.encode(), lp.start_byte, "c"))
    text, notes = guard(q, raw)
    return text, [str(n) for n in notes]


def _guarded(kernel: str, raw: str) -> tuple[str, list[str]]:
    text, notes = _guard_answer(kernel, raw)
    assert text is not None, notes
    return text, notes


def _suite(tmp: Path, programs: dict[str, tuple[str, str, bool]]) -> Path:
    entries = []
    for name, (kernel, ref, ok) in programs.items():
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        (d / "k.c").write_text(kernel)
        (d / "main.c").write_text(ref + MAIN.replace("#include <math.h>\n", "#include <math.h>\n"
                                                     "void ref(int n, float *a, float *r);\n"))
        entries.append({"name": name, "sources": ["k.c", "main.c"], "annotate": ["k.c"],
                        "compile": "gcc -O1 -fopenacc k.c main.c -o {out} -lm",
                        "compile_serial": "gcc -O1 k.c main.c -o {out} -lm", "run": [],
                        "timeout_s": 10, "verify": {"kind": "stdout_regex", "pattern": "^OK$"},
                        "original_pragmas_ok": ok,
                        "original_pragma_issue": None if ok else "engine-style pragma"})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def test_guard_fixes_data_clauses_and_the_programs_verify(tmp_path):
    progs: dict[str, tuple[str, str, bool]] = {}
    for name, (kernel, raw, ref) in CASES.items():
        fixed, notes = _guarded(kernel, raw)
        assert fixed != raw and notes, name
        progs[f"{name}_raw"] = (kernel.replace("PRAGMA", raw), ref, False)
        progs[f"{name}_guarded"] = (kernel.replace("PRAGMA", fixed), ref, True)
    fixed, notes = _guarded(STRUCT_K, "#pragma acc parallel loop collapse(2) copyin(p)")
    assert not fixed.startswith("#pragma acc parallel loop"), fixed  # the time loop carries
    assert "copy(p" in fixed, fixed  # written through q = &p[i]: it must come back
    progs["struct_raw"] = (STRUCT_K.replace("PRAGMA", "#pragma acc parallel loop collapse(2) "
                                            "copyin(p)"), STRUCT_REF, False)
    progs["struct_guarded"] = (STRUCT_K.replace("PRAGMA", fixed), STRUCT_REF, True)
    # a reduction on the construct itself combines the gangs' copies into the host's value
    red = CASES["worker_only"]
    progs["construct_reduction"] = (red[0].replace(
        "PRAGMA", "#pragma acc serial reduction(+:s) copyin(a[0:n])"), red[2], True)
    none, notes = _guard_answer(GATHER_K, GATHER_RAW)
    assert none is None and any("`a`" in n and "extent is unknown" in n for n in notes), notes
    progs["gather_raw"] = (GATHER_K.replace("PRAGMA", GATHER_RAW), GATHER_REF, False)
    progs["gather_guarded"] = (GATHER_K.replace("PRAGMA\n", ""), GATHER_REF, True)
    r = evaluate_dynamic(_suite(tmp_path, progs), None, threads=4, runs=3,
                         with_mutations=False)
    rows = {p["name"]: p["original"] for p in r["programs"]}
    for name, row in rows.items():
        if name.endswith("_guarded") or name == "construct_reduction":
            assert row["status"] == "verified", (name, row["reason"])
        else:
            assert row["status"] != "verified", name
    assert r["metrics"]["calibration_verified"] == 1.0
    assert r["metrics"]["calibration_caught"] == 1.0


def test_guard_sections_and_directions():
    fixed, _ = _guarded(CASES["bare_pointer"][0], CASES["bare_pointer"][1])
    assert "a[0:n-1]" in fixed.replace(" ", "") or "a[0:" in fixed, fixed
    fixed, notes = _guarded(CASES["partial_copyout"][0], CASES["partial_copyout"][1])
    assert "copy(b[0:n])" in fixed and "copyout" not in fixed
    fixed, notes = _guarded(CASES["private_output"][0], CASES["private_output"][1])
    assert "private" not in fixed and any("`private`" in n for n in notes)
    # a bare compute construct in a file no data directive of which maps the arrays gets
    # their clauses; seen alone (no file), or in a file whose data region maps them, it
    # leaves the data environment to the code around it
    kernel = CASES["private_output"][0]
    fixed, _ = _guarded(kernel, "#pragma acc parallel loop")
    assert fixed == "#pragma acc parallel loop copyin(a[0:n]) copyout(b[0:n])", fixed
    lp = next(x for x in find_loops(kernel.replace("PRAGMA\n", "").encode(), "c"))
    assert guard(LoopQuery(lp.text), "#pragma acc parallel loop")[0] == \
        "#pragma acc parallel loop"
    mapped = ("void caller(int n, float *a, float *b) {\n"
              "  #pragma acc data copyin(a[0:n]) copyout(b[0:n])\n  run(n, a, b);\n}\n")
    fixed, _ = _guarded(mapped + kernel, "#pragma acc parallel loop")
    assert fixed == "#pragma acc parallel loop", fixed
    # the clauses each new case adds
    assert "private(t)" in _guarded(*CASES["scratch_scalar"][:2])[0]
    assert _guarded(*CASES["seq_in_every_gang"][:2])[0] == "#pragma acc serial loop copy(b[0:n])"
    assert "copy(s)" in _guarded(*CASES["live_out_scalar"][:2])[0]
    assert _guard_answer(kernel, "#pragma acc data")[0] is None  # maps nothing
    # default(none) needs a clause for `n` too (else gcc rejects it)
    raw = "#pragma acc parallel loop default(none) copyin(a[0:n]) copyout(b[0:n])"
    assert "default" not in _guarded(kernel, raw)[0]
    assert "default(none)" in _guarded(kernel, raw + " firstprivate(n)")[0]
    # a pointer named without a section whose extent the loop does not show: only the
    # pointer would reach the device
    none, notes = _guard_answer(GATHER_K, "#pragma acc parallel loop copyin(a, idx[0:n]) "
                                          "copyout(b[0:n])")
    assert none is None and any("`a`" in n for n in notes), notes
    # collapse over more loops than the nest has is cut
    fixed, notes = _guarded(CASES["private_output"][0], "#pragma acc parallel loop collapse(2)")
    assert "collapse" not in fixed and notes


def test_member_writes_are_array_writes():
    code = ("for (int s = 0; s < m; s++)\n  for (int i = 0; i < n; i++) "
            "{ p[i].v += 1; p[i].x += p[i].v; }")
    f = analyze(code, "c")
    assert not f.safe and f.arrays["p"] == "inout"
    inner = analyze("for (int i = 0; i < n; i++) { T *q = &p[i]; q->v += 1; q->x += q->v; }")
    assert inner.safe and inner.arrays["p"] == "inout"


def test_collapse_stops_at_a_loop_with_a_carried_dependence():
    rec = ("for (int s = 0; s < m; s++) {\n  for (int t = 1; t < len; t++)\n"
           "    x[s * len + t] = a[s * len + t] * x[s * len + t - 1];\n}")
    text, notes = guard(LoopQuery(rec), "#pragma acc parallel loop collapse(2)")
    assert text == "#pragma acc parallel loop" and notes
    ok = "for (int i = 0; i < n; i++)\n  for (int j = 0; j < m; j++) c[i*m+j] = a[i*m+j];"
    assert guard(LoopQuery(ok), "#pragma acc parallel loop collapse(2)")[0] == \
        "#pragma acc parallel loop collapse(2)"
