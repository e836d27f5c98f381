"""The ``differential`` verification of the dynamic evaluation (DESIGN §8 extension): a program
that only prints its results is checked against its own serial build's output, so a real
program needs no hand-written reference.  Whole programs built with real gcc and run in the
emulation; a planted race is caught through the serial reference, output that changes from
run to run is refused as a reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from accellium.evaluation.dynamic.manifest import (
    NUMBER,
    ManifestError,
    Verify,
    check_output,
    load_manifest,
    serial_reference,
)

DIFF = {"kind": "differential", "rtol": 1e-9, "atol": 1e-12}

# The authors' pragmas are right; the results are only printed (no self-check).
SMOOTH = """#include <stdio.h>
#define N 4000
static double a[N], b[N];
int main(void) {
  double s = 0.0;
  for (int i = 0; i < N; i++) a[i] = (i % 13) * 0.25;
  #pragma acc parallel loop copyin(a[0:N]) copy(b[0:N])
  for (int i = 1; i < N - 1; i++) b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
  #pragma acc parallel loop reduction(+:s) copyin(b[0:N])
  for (int i = 1; i < N - 1; i++) s += b[i];
  for (int i = 1; i < N - 1; i += 500) printf("%.6f\\n", b[i]);
  printf("sum %.6f\\n", s);
  return 0;
}
"""

# The same results, but the first line is a clock reading, different on every run.
NOISY = SMOOTH.replace("  double s = 0.0;\n", "  double s = 0.0;\n  struct timespec t;\n"
                       "  clock_gettime(CLOCK_MONOTONIC, &t);\n"
                       "  printf(\"%ld\\n\", (long)t.tv_nsec);\n").replace(
    "#include <stdio.h>", "#include <stdio.h>\n#include <time.h>")


def _suite(tmp: Path, programs: dict[str, str], verify: dict | None = None) -> Path:
    entries = []
    for name, text in programs.items():
        d = tmp / "programs" / name
        d.mkdir(parents=True)
        (d / "k.c").write_text(text)
        entries.append({"name": name, "sources": ["k.c"], "annotate": ["k.c"],
                        "compile": "gcc -O1 -fopenacc k.c -o {out} -lm",
                        "compile_serial": "gcc -O1 k.c -o {out} -lm", "run": [],
                        "timeout_s": 10, "verify": verify or DIFF})
    (tmp / "manifest.json").write_text(json.dumps(entries))
    return tmp / "manifest.json"


def test_serial_reference_made_from_reproducible_output():
    v = Verify(**DIFF)
    got, why = serial_reference(v, [(0, "x 1.5\ny -2e3\n"), (0, "x 1.5\ny -2e3\n")])
    assert why == "" and got.kind == "checksum"
    assert got.reference == [1.5, -2000.0] and got.extract == NUMBER
    assert check_output(got, 0, "x 1.5\ny -2000.0\n") == (True, "")
    assert not check_output(got, 0, "x 1.5\ny -1999.0\n")[0]
    # failed, silent and unreproducible serial runs give no reference, and say why
    for outputs, reason in (([(3, "1")], "status 3"), ([(0, "none here")], "no number"),
                            ([(0, "t 1\n"), (0, "t 2\n")], "changes from run to run")):
        same, why = serial_reference(v, outputs)
        assert same is v and reason in why
    # a verification still differential verifies nothing
    assert check_output(v, 0, "1 2 3") == (False, "no reference: the serial build gave none "
                                                  "to compare with")
    # other kinds pass through
    regex = Verify(kind="stdout_regex", pattern="OK")
    assert serial_reference(regex, [(0, "OK")]) == (regex, "")


def test_differential_manifest_errors_are_one_line(tmp_path):
    for verify, msg in (({"kind": "differential", "reference": [1.0]}, "drop 'reference'"),
                        ({"kind": "differential", "extract": "(["}, "not a regular expression"),
                        ({"kind": "differential", "rtol": -1}, "must be >= 0")):
        root = tmp_path / msg.replace(" ", "_").replace("'", "")
        _suite(root, {"p": SMOOTH}, verify)
        with pytest.raises(ManifestError, match=msg) as e:
            load_manifest(root)
        assert "\n" not in str(e.value)


def test_differential_suite_verifies_catches_races_and_refuses_noisy_output(tmp_path):
    """The authors' pragmas verify against the serial output, every planted race (the
    reduction or a loop's data clause removed) is caught, the engine's pragmas verify; a
    program whose output changes from run to run is not verified against itself."""
    manifest = _suite(tmp_path / "suite", {"smooth": SMOOTH, "noisy": NOISY})
    r = evaluate_dynamic(manifest, "analysis", threads=4, runs=3, work_dir=tmp_path / "work")
    rows = {row["name"]: row for row in r["programs"]}
    smooth = rows["smooth"]
    assert smooth["serial"]["verified"] and smooth["serial"]["runs"] == 2
    assert smooth["original"]["verified"], smooth["original"]
    assert smooth["engine"]["verified"], smooth["engine"]
    assert smooth["pragmas_inserted"] >= 2
    muts = smooth["mutations"]
    assert any(m["kind"] == "reduction_removed" for m in muts)
    assert muts and all(m["caught"] for m in muts), muts
    noisy = rows["noisy"]
    assert noisy["serial"]["status"] == "serial"
    assert "changes from run to run" in noisy["serial"]["reason"]
    for variant in ("original", "engine"):  # nothing to compare with: not run, not a race
        assert noisy[variant]["status"] == "serial", noisy[variant]
        assert "no reference" in noisy[variant]["reason"]
    assert noisy["mutations"] == []
