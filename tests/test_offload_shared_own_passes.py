"""Single passes that share the function's own memory, each crossing on every run, stay on the
host together (issue #15, ``plan._host_single_passes``; docs/offload.md item 15).

``load`` reads fixed-width records: for each line it copies two five-character fields into a
scratch buffer declared in the loop's body and converts them.  Each of its four small loops
(two copies, two terminators) makes one pass over memory the function owns — ``line``, which
the host refills for each record, and ``sub``, a new object on every iteration of the host
loop (C11 6.2.4p6) — so no caller's region can hold them, and each run of a region around them,
one per record, moves about every element they touch for O(1) work on each.  The planner leaves such passes on the
host one at a time, each only when leaving it alone takes a transfer away; these four share
``sub``, so none did, and the region stayed: per record ``copyin(line)`` and ``copy(sub)``
and an update each way around the host's ``atof`` (a port of a public nearest-neighbour
benchmark's reader moved 11 MB this way, 22 times its authors' pragmas' bytes).  Now, when
every unit of a region is such a pass, they are left on the host together: 0 bytes.
Twin: the same passes over the caller's arrays keep the device (the user asked to offload
them; what earns their transfers may be a caller's region).

Whole programs, built with real gcc and run in the data-environment emulator."""

from __future__ import annotations

from _offload_util import acc_lines, plan_text, run_verified

from accellium.server.engines import get_engine

KERNEL = """#include <stdio.h>
#include <stdlib.h>

int load(FILE *fp, float *lat, float *lng, int max)
{
    int n = 0;
    char line[64];
    while (n < max && fgets(line, sizeof line, fp)) {
        char sub[6];
        for (int i = 0; i < 5; i++)
            sub[i] = line[i + 28];
        sub[5] = '\\0';
        lat[n] = (float)atof(sub);
        for (int i = 0; i < 5; i++)
            sub[i] = line[i + 33];
        sub[5] = '\\0';
        lng[n] = (float)atof(sub);
        n++;
    }
    return n;
}
"""
MAIN = """#include <math.h>
#include <stdio.h>
int load(FILE *fp, float *lat, float *lng, int max);
int main(void)
{
    enum { N = 2000 };
    static float lat[N], lng[N];
    FILE *fp = tmpfile();
    for (int r = 0; r < N; r++)
        fprintf(fp, "record %-20d %5.1f%5.1f\\n", r, (r % 900) / 10.0, (r % 1800) / 10.0);
    rewind(fp);
    int n = load(fp, lat, lng, N), bad = n != N;
    for (int r = 0; r < n; r++)
        bad += fabsf(lat[r] - (r % 900) / 10.0f) > 1e-3f ||
               fabsf(lng[r] - (r % 1800) / 10.0f) > 1e-3f;
    fclose(fp);
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""
# the same passes over the caller's buffers: line and sub are parameters
TWIN = """void fields(const char *line, char *sub, char *sub2)
{
    for (int i = 0; i < 5; i++)
        sub[i] = line[i + 28];
    sub[5] = '\\0';
    for (int i = 0; i < 5; i++)
        sub2[i] = line[i + 33];
    sub2[5] = '\\0';
}
"""
TWIN_MAIN = """#include <stdio.h>
#include <string.h>
void fields(const char *line, char *sub, char *sub2);
int main(void)
{
    char line[64], a[6], b[6];
    snprintf(line, sizeof line, "record %-20d %5.1f%5.1f", 7, 12.5, 99.0);
    fields(line, a, b);
    puts(strcmp(a, " 12.5") == 0 && strcmp(b, " 99.0") == 0 ? "OK" : "BAD");
    return 0;
}
"""


def test_passes_over_the_functions_own_buffers_stay_on_the_host_together():
    text, plans = plan_text(KERNEL, get_engine("analysis"), program=[MAIN.encode()])
    assert acc_lines(text) == [], text
    notes = plans["load"].notes
    assert notes[0].startswith("`load` stays on the host: offloading its loops would only "
                               "add transfers"), notes
    assert sum("makes one pass over its data" in n for n in notes) == 4, notes


def test_the_same_passes_over_the_callers_buffers_keep_the_device():
    text, _ = plan_text(TWIN, get_engine("analysis"), program=[TWIN_MAIN.encode()])
    assert sum(a.startswith("#pragma acc parallel loop") for a in acc_lines(text)) == 2, text


def test_the_programs_verify_and_the_reader_moves_nothing(tmp_path):
    rows = run_verified(tmp_path, {"reader": (KERNEL, MAIN), "fields": (TWIN, TWIN_MAIN)})
    reader = rows["reader"]["offload"]
    assert reader["bytes_h2d"] == reader["bytes_d2h"] == 0, reader
    assert rows["fields"]["offload"]["bytes_h2d"] > 0
