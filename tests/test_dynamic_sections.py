"""An array named in a data clause by a section that does not start at its first element
(`copyout(b[1:N-2])` on `static double b[N]`) is valid OpenACC: the array appears in a data
clause, so it gets no implicit copy (3.3, 2.6.2), and the region's references reach the present
subarray (gcc maps the section with the array's base biased by its start).  The emulation
used to look for the whole array, copy it implicitly and abort "partly present" — a false
failure of the authors' own pragmas.  Whole programs, real gcc, real threads."""

from __future__ import annotations

from accellium.evaluation.dynamic.evaluate import evaluate_dynamic
from tests.test_dynamic import _suite

MAIN = """#include <stdio.h>
void smooth(void);
extern double a[4000], b[4000];
int main(void) {
  for (int i = 0; i < 4000; i++) { a[i] = (i % 13) * 0.25; b[i] = -1.0; }
  smooth();
  int bad = b[0] != -1.0 || b[3999] != -1.0;
  for (int i = 1; i < 3999; i++)
    bad += b[i] != (a[i - 1] + a[i] + a[i + 1]) / 3.0;
  printf(bad ? "BAD %d\\n" : "OK\\n", bad);
  return 0;
}
"""
INTERIOR = """double a[4000], b[4000];
void smooth(void) {
  #pragma acc parallel loop copyin(a[0:4000]) copyout(b[1:3998])
  for (int i = 1; i < 3999; i++) b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
}
"""
# the same section under an enclosing data region, the loop naming nothing
REGION = """double a[4000], b[4000];
void smooth(void) {
  #pragma acc data copyin(a[0:4000]) copyout(b[1:3998])
  {
    #pragma acc parallel loop
    for (int i = 1; i < 3999; i++) b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
  }
}
"""
# two sections of b present: neither is the array, so the reference is partly present
TWO = """double a[4000], b[4000];
void smooth(void) {
  #pragma acc data copyin(a[0:4000]) copyout(b[1:1999]) copyout(b[2000:1999])
  {
    #pragma acc parallel loop
    for (int i = 1; i < 3999; i++) b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0;
  }
}
"""


def test_interior_sections_of_true_arrays_verify_and_two_sections_abort(tmp_path):
    progs = {name: {"k.c": src, "main.c": MAIN}
             for name, src in (("interior", INTERIOR), ("region", REGION), ("two", TWO))}
    man = _suite(tmp_path, progs, wrong={"two": "two sections of one array"})
    r = evaluate_dynamic(man, None, threads=4, runs=3, with_mutations=False)
    rows = {p["name"]: p["original"] for p in r["programs"]}
    assert rows["interior"]["status"] == "verified", rows["interior"]
    assert rows["region"]["status"] == "verified", rows["region"]
    # the bytes are the sections', not the whole arrays' twice
    assert rows["interior"]["bytes_h2d"] == 4000 * 8
    assert rows["interior"]["bytes_d2h"] == 3998 * 8
    assert rows["two"]["status"] == "present-abort"
    assert "partly present" in rows["two"]["reason"]
