"""``POST /v1/offload`` with the header macros (``defines``, the model and 422 rules of
``context.scope.defines``) and the program's other files (``program``: ``{path, code}`` as
text, the CLI's ``--program``), against a real uvicorn on 127.0.0.1.  The answers are applied
and the whole programs built with gcc -fopenacc and run in the data-environment emulator: they
verify, and the caller's region moves the data once.  Bad entries are 422s naming the entry."""

from __future__ import annotations

import json

import pytest
from _offload_util import acc_lines, run_as_written
from _server_util import analysis_client

N, M, STEPS = 300, 20, 6

# the kernel's index macro lives in its header: the planner needs its definition
IDX_H = "#define IDX(i, j) ((i) * m + (j))\n"
DEFINE = IDX_H.strip()
SCALE = """#include "idx.h"
void scale(int n, int m, double *a, const double *b)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[IDX(i, j)] = 2.0 * b[IDX(i, j)];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[IDX(i, j)] += b[IDX(i, j)];
}
"""
SCALE_MAIN = f"""#include <stdio.h>
#include <stdlib.h>
void scale(int n, int m, double *a, const double *b);
int main(void)
{{
    int n = {N}, m = {M};
    double *a = malloc(n * m * sizeof *a), *b = malloc(n * m * sizeof *b);
    for (int i = 0; i < n * m; i++)
        b[i] = i % 13;
    scale(n, m, a, b);
    int bad = 0;
    for (int i = 0; i < n * m; i++)
        bad += a[i] != 3.0 * (i % 13);
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""

# a function another file calls from a host loop: the caller holds the data
RELAX = """void relax(int n, const double *src, double *u)
{
    for (int i = 0; i < n; i++)
        u[i] = 0.5 * (u[i] + src[i]);
}
"""
RELAX_MAIN = f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "relax.h"
int main(void)
{{
    int n = {N * M};
    double *src = malloc(n * sizeof *src), *u = malloc(n * sizeof *u);
    double *rs = malloc(n * sizeof *rs), *ru = malloc(n * sizeof *ru);
    for (int i = 0; i < n; i++) {{
        src[i] = rs[i] = (i % 7) * 1.0;
        u[i] = ru[i] = 0.0;
    }}
    for (int t = 0; t < {STEPS}; t++)
        relax(n, src, u);
    for (int t = 0; t < {STEPS}; t++)
        for (int i = 0; i < n; i++)
            ru[i] = 0.5 * (ru[i] + rs[i]);
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += fabs(u[i] - ru[i]) > 1e-12;
    puts(bad ? "BAD" : "OK");
    return 0;
}}
"""
RELAX_H = "void relax(int n, const double *src, double *u);\n"
PROGRAM = [{"path": "src/main.c", "code": RELAX_MAIN}, {"path": "src/relax.h", "code": RELAX_H}]


@pytest.fixture(scope="module")
def srv():
    with analysis_client(timeout=120) as c:
        yield c


def _ok(srv, body: dict) -> dict:
    r = srv.post("/v1/offload", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _applied(code: str, plans: list[dict]) -> str:
    """The edits of ``plans`` (line edits of ``code``) applied, bottom up."""
    lines = code.splitlines()
    edits = [e for p in plans for e in p["edits"]]  # in order within a line
    for e in reversed(sorted(edits, key=lambda e: e["line"])):
        lines[e["line"] - 1:e["line"] - 1 + e["delete_lines"]] = e["lines"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def answers(srv) -> dict[str, dict]:
    return {"plain": _ok(srv, {"code": SCALE}),
            "defines": _ok(srv, {"code": SCALE, "defines": [DEFINE]}),
            "alone": _ok(srv, {"code": RELAX}),
            "program": _ok(srv, {"code": RELAX, "program": PROGRAM})}


def test_defines_let_the_plan_read_the_headers_macros(answers):
    plain, got = answers["plain"], answers["defines"]
    assert plain["code"] == SCALE and plain["files"] == []  # IDX unknown: loops stay on the host
    assert acc_lines(got["code"]) == [
        "#pragma acc data copyin(b[0:m*n]) copyout(a[0:m*n])",
        # the inner loops are independent in the file too: each nest collapsed
        # (tests/test_collapse_in_file.py)
        "#pragma acc parallel loop collapse(2) present(a[0:m*n], b[0:m*n])",
        "#pragma acc parallel loop collapse(2) present(a[0:m*n], b[0:m*n])"]
    assert _applied(SCALE, got["plans"]) == got["code"] and got["files"] == []


def test_program_files_get_their_callers_data_region(answers):
    alone, got = answers["alone"], answers["program"]
    assert got["code"] == alone["code"]  # relax keeps its own "present or copy" clauses
    assert [f["path"] for f in got["files"]] == ["src/main.c"]  # the header has no caller
    main = got["files"][0]
    assert [p["function"] for p in main["plans"]] == ["main"]
    assert acc_lines(main["code"]) == ["#pragma acc data copyin(src[0:n]) copy(u[0:n])"]
    assert _applied(RELAX_MAIN, main["plans"]) == main["code"]
    lines = main["code"].splitlines()
    at = lines.index("    #pragma acc data copyin(src[0:n]) copy(u[0:n])")
    assert lines[at + 1].strip().startswith(f"for (int t = 0; t < {STEPS}; t++)")


def test_the_applied_programs_verify_and_the_caller_moves_the_data_once(answers, tmp_path):
    main = answers["program"]["files"][0]["code"]
    moved = run_as_written(tmp_path, {
        "scale": {"kernel.c": answers["defines"]["code"], "main.c": SCALE_MAIN, "idx.h": IDX_H},
        "relax": {"kernel.c": answers["program"]["code"], "main.c": main, "relax.h": RELAX_H},
        "relax_alone": {"kernel.c": answers["alone"]["code"], "main.c": RELAX_MAIN,
                        "relax.h": RELAX_H}})
    vec = N * M * 8
    assert moved["scale"] == 2 * vec  # b in, a out, once
    assert moved["relax"] == 3 * vec  # src in, u in and out: once around the host loop
    assert moved["relax_alone"] == STEPS * 3 * vec  # every call moves them


def test_old_requests_answer_as_before(srv, answers):
    """No new field: the same plans and code, `files` empty; `program: []` says the code is
    the whole program (nothing else calls it)."""
    again = _ok(srv, {"code": RELAX})
    assert {k: again[k] for k in ("plans", "code", "files")} == \
        {k: answers["alone"][k] for k in ("plans", "code", "files")}
    whole = _ok(srv, {"code": RELAX, "program": []})
    assert whole["files"] == [] and whole["code"] == again["code"]


BIG = "int x;\n" * (768 * 1024 // 7 + 1)


@pytest.mark.parametrize("extra, reason", [
    ({"defines": [DEFINE, "int x;"]}, "defines[1] is not one #define directive"),
    ({"defines": ["#define A 1\n#define B 2"]}, "defines[0] is not one #define directive"),
    ({"defines": ["#define A " + "1" * 5000]}, "defines[0] is longer than 4096 chars"),
    ({"defines": ["#define A 1"] * 513}, "at most 512 items"),
    ({"defines": ["#define A \ud800"]}, "surrogate"),
    ({"program": [{"path": "/etc/main.c", "code": "int x;"}]}, "absolute path"),
    ({"program": [{"path": "src/../../main.c", "code": "int x;"}]}, "`..` segment"),
    ({"program": [{"path": "src\\main.c", "code": "int x;"}]}, "backslash"),
    ({"program": [{"path": "notes.txt", "code": "x"}]}, "not a C/C++ source file"),
    ({"program": [{"path": "a.c", "code": "int x;"}, {"path": "a.c", "code": "int y;"}]},
     "program[1].path 'a.c' is given twice"),
    ({"program": [{"path": "a.c", "code": "int x;"}, {"path": "b.cpp", "code": "int y;"}]},
     "program[1] (b.cpp): not in the language of code (c)"),
    ({"program": [{"path": f"f{k}.c", "code": "int x;"} for k in range(65)]},
     "at most 64 items"),
    ({"program": [{"path": "a.c", "code": BIG}]}, "at most 786432 characters"),
    ({"program": [{"path": "a.c", "code": BIG[:len(BIG) // 2]},
                  {"path": "b.c", "code": BIG[:len(BIG) // 2]}]}, "larger than 786432 bytes"),
    ({"program": [{"path": "a.c", "code": "int x;", "lang": "c"}]}, "extra"),
    ({"program": [{"path": "a.c"}]}, "missing"),
    ({"program": {"path": "a.c", "code": "int x;"}}, "list"),
])
def test_bad_entries_are_422_with_their_index(srv, extra, reason):
    body = {"code": RELAX, **extra}
    raw = json.dumps(body).encode()  # a lone surrogate as its JSON escape
    r = srv.post("/v1/offload", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, (r.status_code, r.text[:300])
    detail = json.dumps(r.json()["detail"])
    assert reason in detail, detail[:600]
    if isinstance(r.json()["detail"], list):  # pydantic's: the entry's place in the body
        locs = [e["loc"] for e in r.json()["detail"]]
        assert all(loc[:2] == ["body", next(iter(extra))] for loc in locs), locs


def test_an_empty_program_is_a_program_of_one_file(srv):
    """`program: []` says the code is the whole program (docs/server.md): a function with
    external linkage is then called only where the code calls it, so the buffer `main`
    allocates whole is the object `relax`'s parameter points to (C11 6.5.6p8) and the nest
    whose corner branch reads `in[cols]` (sign unknown) joins the region.  With `program`
    absent (not known) that nest stays on the host, as before."""
    from test_offload_one_file_program import KERNEL, MAIN

    code = KERNEL + MAIN.replace("ARG", "calloc(rows * cols, sizeof(double))")
    known = _ok(srv, {"code": code, "function": "relax", "program": []})
    unknown = _ok(srv, {"code": code, "function": "relax"})
    assert len(known["plans"][0]["loops"]) == 2, known["plans"][0]["notes"]
    assert len(unknown["plans"][0]["loops"]) == 1, unknown["plans"][0]["notes"]


def test_files_planned_in_turn_compose(srv, tmp_path):
    """The driver planned first with the kernel's file as written (host code), then the kernel
    with the planned driver: the driver's plan treats `relax`, a function of the other file
    whose loop the engine offloads, as no host code (it may be planned in turn,
    server.offload.program_offloading); the two answers applied verify (before, the driver's
    region held the globals across the call and the program read stale data:
    tests/test_offload_unseen_calls.py, the CLI's twin)."""
    from test_offload_unseen_calls import HEADER, KERNEL, MAIN

    main = _ok(srv, {"code": MAIN, "path": "main.c",
                     "program": [{"path": "kernel.c", "code": KERNEL},
                                 {"path": "glob.h", "code": HEADER}]})["code"]
    kernel = _ok(srv, {"code": KERNEL, "path": "kernel.c",
                       "program": [{"path": "main.c", "code": main},
                                   {"path": "glob.h", "code": HEADER}]})["code"]
    assert acc_lines(main) and acc_lines(kernel)
    run_as_written(tmp_path, {"in_turn": {"kernel.c": kernel, "main.c": main,
                                          "glob.h": HEADER}})


def test_a_header_one_folder_up_among_the_program_files(srv, tmp_path):
    """``kernel/scale.c`` including ``"../idx.h"``: the posted files are one program folder,
    readable as the editor's workspace is (tests/test_program_folder_headers.py); before,
    the header was "outside the include folders" and the loops stayed on the host."""
    code = SCALE.replace('"idx.h"', '"../idx.h"')
    got = _ok(srv, {"code": code, "path": "kernel/scale.c",
                    "program": [{"path": "idx.h", "code": IDX_H},
                                {"path": "main.c", "code": SCALE_MAIN}]})
    assert acc_lines(got["code"])[0] == "#pragma acc data copyin(b[0:m*n]) copyout(a[0:m*n])"
    moved = run_as_written(tmp_path, {"scale": {"kernel.c": got["code"].replace(
        '"../idx.h"', '"idx.h"'), "main.c": SCALE_MAIN, "idx.h": IDX_H}})
    assert moved["scale"] == 2 * N * M * 8
