"""C-style code in a C++ file gets the pragmas it gets in a C file (found by planning the
bundled suite's programs as C and, renamed, as C++; and by real Rodinia C++ sources).

The C++ grammar spells two things of C code differently, and the analysis read only C's:

* a controlling expression of ``if``/``while``/``switch`` is a ``condition_clause`` around
  the expression where C has parentheses — the same test (C++ [stmt.select]; C11 6.8.4.1p2).
  The guards under which an access runs were not read: ``if (n > 0) ... src[n - 1]`` gave the
  section ``src[-1:cols+2]``, which starts before the array (a GPU copies bytes the program
  does not own, or faults), and the plan left a row sweep without its data region;
* a subscript's index is in a ``subscript_argument_list`` where C has one expression: an
  element of a true array member of an array of structures (``nodes[cur[b]].keys[t]``, a
  tree search) was not seen as the element ``nodes[cur[b]]``, so the planner refused it.

And in both languages: a function-like macro of the file (``#define wall(i, j) (data[...])``)
followed by ``(`` is replaced by its body (C11 6.10.3p10), so it is no call of a function of
another file — which had kept a file planned alone from forming any data region around it.

Each program is one translation unit that is both C and C++.  Its C build with the plan and
with the per-loop answers runs in the data-environment emulator (separate device memory:
a missing or out-of-bounds transfer fails) and verifies; its text as a ``.cpp`` file gets the
same pragmas; and the C++ file with them builds with ``g++ -fopenacc`` and verifies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _cli_util import run_host_fallback
from _offload_util import acc_lines, run_verified

from accellium.evaluation.dynamic.accpragmas import strip_acc_keep_lines

GXX = shutil.which("g++")

SWEEP = """#include <stdlib.h>
#define MIN(a, b) ((a) <= (b) ? (a) : (b))
#define wall(i, j) (data[(i) * cols + (j)])

int rows, cols;
int *data;

void sweep(int *result)
{
    int *src = (int *)malloc(cols * sizeof(int));
    int *dst = (int *)malloc(cols * sizeof(int));
    int *temp;
    int t, n, best;
    for (n = 0; n < cols; n++)
        dst[n] = wall(0, n);
    for (t = 0; t < rows - 1; t++) {
        temp = src;
        src = dst;
        dst = temp;
        for (n = 0; n < cols; n++) {  /* row */
            best = src[n];
            if (n > 0)
                best = MIN(best, src[n - 1]);
            if (n < cols - 1)
                best = MIN(best, src[n + 1]);
            dst[n] = wall(t + 1, n) + best;
        }
    }
    for (n = 0; n < cols; n++)
        result[n] = dst[n];
    free(src);
    free(dst);
}
"""

SWEEP_MAIN = """#include <stdio.h>
#include <stdlib.h>
extern int rows, cols;
extern int *data;
void sweep(int *result);
int main(void)
{
    rows = 40;
    cols = 300;
    data = (int *)malloc(rows * cols * sizeof(int));
    int *res = (int *)malloc(cols * sizeof(int)), *ref = (int *)malloc(cols * sizeof(int));
    int *nxt = (int *)malloc(cols * sizeof(int));
    for (int e = 0; e < rows * cols; e++) data[e] = (e * 7919) % 10;
    for (int j = 0; j < cols; j++) res[j] = ref[j] = data[j];
    for (int t = 0; t < rows - 1; t++) {
        for (int j = 0; j < cols; j++) {
            int b = ref[j];
            if (j > 0 && ref[j - 1] < b) b = ref[j - 1];
            if (j < cols - 1 && ref[j + 1] < b) b = ref[j + 1];
            nxt[j] = data[(t + 1) * cols + j] + b;
        }
        for (int j = 0; j < cols; j++) ref[j] = nxt[j];
    }
    sweep(res);
    int bad = 0;
    for (int j = 0; j < cols; j++) bad += res[j] != ref[j];
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

# the node type and the kernel's prototype: the kernel's file and the driver's hold the same
KNODE = """#define ORDER 8
typedef struct knode {
    int keys[ORDER + 1];
    int indices[ORDER + 1];
    int is_leaf;
} knode;
"""
FIND_KEYS = """void find_keys(const knode *nodes, int nnodes, int height, int count, const int *keys,
               int *found)"""

SEARCH = KNODE + "\n" + FIND_KEYS + """
{
    int b, h, t;
    for (b = 0; b < count; b++) {  /* query */
        int cur = 0;
        for (h = 0; h < height; h++) {
            int next = cur;
            for (t = 0; t < ORDER; t++)
                if (nodes[cur].keys[t] <= keys[b] && nodes[cur].keys[t + 1] > keys[b])
                    next = nodes[cur].indices[t];
            cur = next;
        }
        found[b] = cur;
    }
}
"""

SEARCH_MAIN = "#include <stdio.h>\n#include <stdlib.h>\n" + KNODE + FIND_KEYS + """;
int main(void)
{
    int nnodes = 1 + ORDER, count = 200;
    knode *nodes = (knode *)calloc(nnodes, sizeof(knode));
    int *keys = (int *)malloc(count * sizeof(int)), *found = (int *)malloc(count * sizeof(int));
    for (int t = 0; t <= ORDER; t++) {
        nodes[0].keys[t] = 100 * t;
        nodes[0].indices[t] = t < ORDER ? 1 + t : 0;
    }
    for (int k = 1; k < nnodes; k++)
        for (int t = 0; t <= ORDER; t++) {
            nodes[k].keys[t] = t < ORDER ? 100 * (k - 1) : 100000;
            nodes[k].indices[t] = k;
        }
    for (int b = 0; b < count; b++) keys[b] = (b * 37) % (100 * ORDER);
    find_keys(nodes, nnodes, 2, count, keys, found);
    int bad = 0;
    for (int b = 0; b < count; b++) bad += found[b] != 1 + keys[b] / 100;
    puts(bad ? "BAD" : "OK");
    return 0;
}
"""

PROGRAMS = {"row_sweep": (SWEEP, SWEEP_MAIN), "key_search": (SEARCH, SEARCH_MAIN)}


def _plan(src: str, engine, path: str, per_loop: bool = False) -> str:
    """The kernel with its plans applied, its program's driver known (``--program``)."""
    from accellium.server.offload import apply_plans, offload_source

    raw = src.encode()
    main = next(m for k, m in PROGRAMS.values() if k == src)
    return apply_plans(raw, offload_source(raw, engine, path=path, per_loop=per_loop,
                                           program=[main.encode()])).decode()


def _per_loop(src: str, engine, path: str) -> list[str]:
    from accellium.server.annotate import annotate_source

    return [r.pragma or "" for r in annotate_source(src.encode(), engine, path=path)]


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    """The C builds of both programs, the plan's and the per-loop answers', in the emulator."""
    return run_verified(tmp_path_factory.mktemp("cxx_as_c"), PROGRAMS)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_cpp_file_gets_the_c_files_pragmas(engine, name):
    kernel = PROGRAMS[name][0]
    assert _plan(kernel, engine, "k.cpp") == _plan(kernel, engine, "k.c")
    assert _plan(kernel, engine, "k.cpp", per_loop=True) == \
        _plan(kernel, engine, "k.c", per_loop=True)
    assert _per_loop(kernel, engine, "k.cpp") == _per_loop(kernel, engine, "k.c")


def test_guarded_neighbours_keep_the_section_inside_the_row(engine, verified):
    answers = [p for p in _per_loop(SWEEP, engine, "k.cpp") if "src" in p]
    assert answers and all("src[0:cols]" in p for p in answers), answers
    assert verified["row_sweep"]["engine"]["status"] == "verified"


def test_a_file_macro_is_no_call_the_sweep_gets_its_region(engine, verified):
    lines = acc_lines(_plan(SWEEP, engine, "k.cpp"))
    region = [ln for ln in lines if ln.startswith("#pragma acc data")]
    assert len(region) == 1, lines
    assert "src[0:cols]" in region[0] and "dst[0:cols]" in region[0], region
    assert verified["row_sweep"]["offload"]["status"] == "verified"
    # the region moves each row buffer once: less than a copy per row step
    assert verified["row_sweep"]["offload"]["bytes_h2d"] < \
        verified["row_sweep"]["engine"]["bytes_h2d"]


def test_element_of_a_true_array_member_maps_the_structures(engine, verified):
    lines = acc_lines(_plan(SEARCH, engine, "k.cpp"))
    assert any(ln.startswith("#pragma acc parallel loop") for ln in lines), lines
    assert verified["key_search"]["offload"]["status"] == "verified"


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_cpp_program_with_the_plan_builds_and_verifies(engine, tmp_path: Path, name):
    assert GXX, "g++ is required for these tests (.ci/run installs it)"
    kernel, main = PROGRAMS[name]
    (tmp_path / "k.cpp").write_text(_plan(strip_acc_keep_lines(kernel.encode()).decode(),
                                          engine, "k.cpp"))
    (tmp_path / "main.cpp").write_text(main)
    out = run_host_fallback(GXX, [tmp_path / "k.cpp", tmp_path / "main.cpp"], tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "OK", out.stdout + out.stderr
