"""The compile command's ``-D``/``-U`` over HTTP (``command_line``: ``defines``, ``undefines``,
``complete``) and the line the notes count from (``first_line``), against a real uvicorn on
127.0.0.1 (the analysis engine).

* ``/v1/offload`` with the header among ``program``'s files: the header defines ``IDX(i, j)``
  with 16 more columns under ``#ifdef PADDED``; nothing known of ``PADDED`` keeps the loops on
  the host, ``-D PADDED`` plans the padded extents, ``-U PADDED`` or a complete command line
  the plain ones (as ``accellium suggest`` with the header on disk);
* ``/v1/suggest``: a macro only the command line defines is expanded, and a header macro of
  ``context.scope.defines`` overrides it (read after it, as the preprocessor does);
* the plans applied verify on whole programs built with and without ``-DPADDED`` (gcc
  -fopenacc, the data-environment emulator);
* bad values are 422s with the reason; a request without the fields is answered as before."""

from __future__ import annotations

import httpx
import pytest
from _offload_util import PADDED_IDX_H as IDX_H
from _offload_util import PADDED_IDX_KERNEL as KERNEL
from _offload_util import PADDED_IDX_M as M
from _offload_util import PADDED_IDX_MAIN as MAIN
from _offload_util import PADDED_IDX_N as N
from _offload_util import PADDED_IDX_PADDED_NEST as PADDED
from _offload_util import PADDED_IDX_PLAIN_NEST as PLAIN
from _offload_util import acc_lines
from _server_util import running_server

from accellium.server.app import Settings

PROGRAM = [{"path": "idx.h", "code": IDX_H}]
LOOP = KERNEL[KERNEL.index("for (int i"):KERNEL.rindex("}")].rstrip() + "\n"
SCATTER = """void scatter(double *y, const double *x, const int *idx, int n)
{
    for (int i = 0; i < n; i++)
        y[idx[i]] = x[i];
}
"""


@pytest.fixture(scope="module")
def srv():
    with running_server(Settings(engine="analysis", access_log=False)) as url:
        yield url


def _post(srv: str, path: str, body: dict) -> httpx.Response:
    return httpx.post(srv + path, json=body, timeout=60)


def _offload(srv: str, **fields) -> list[str]:
    r = _post(srv, "/v1/offload", {"code": KERNEL, "program": PROGRAM, **fields})
    assert r.status_code == 200, r.text
    return acc_lines(r.json()["code"])


def test_offload_command_line_decides_the_program_headers_groups(srv):
    assert _offload(srv) == []  # IDX ambiguous: the loops stay on the host
    assert _offload(srv, command_line={"defines": {"PADDED": None}}) == [PADDED]
    assert _offload(srv, command_line={"undefines": ["PADDED"]}) == [PLAIN]
    assert _offload(srv, command_line={"complete": True}) == [PLAIN]
    assert _offload(srv, command_line={"defines": {"PADDED": "1"}, "complete": True}) == [PADDED]
    # -D and -U of one name: -U is read last (gcc's order here)
    assert _offload(srv, command_line={"defines": {"PADDED": None},
                                       "undefines": ["PADDED"]}) == [PLAIN]


def test_the_codes_path_among_the_program_files(srv):
    """``path``: where the code is; its ``#include "idx.h"`` is found next to it."""
    program = [{"path": "src/idx.h", "code": IDX_H}]
    cl = {"defines": {"PADDED": None}}
    assert _offload(srv, program=program, command_line=cl) == []  # looked for at the root
    assert _offload(srv, program=program, command_line=cl, path="src/kernel.c") == [PADDED]
    r = _post(srv, "/v1/offload", {"code": KERNEL, "program": program, "path": "src/idx.h"})
    assert r.status_code == 422 and "is also in program" in r.text, r.text
    r = _post(srv, "/v1/offload", {"code": KERNEL, "program": program, "path": "../k.c"})
    assert r.status_code == 422 and "segment" in r.text, r.text


def test_program_paths_that_are_not_one_folders_files(srv):
    """``x.h`` and ``x.h/y.h`` cannot both be files: the headers are not read (no 500)."""
    r = _post(srv, "/v1/offload", {"code": KERNEL, "command_line": {"complete": True},
                                   "program": [*PROGRAM, {"path": "idx.h/y.h", "code": ""}]})
    assert r.status_code == 200, r.text
    assert acc_lines(r.json()["code"]) == []


def test_the_plans_verify_in_their_builds(srv, tmp_path):
    """The answers applied, each built as its command line says (gcc -fopenacc, with and
    without -DPADDED) and run in the data-environment emulator: both verify, moving exactly
    their arrays' extents (the padded one copies `a` both ways: its padding is not written)."""
    from _offload_util import write_suite

    from accellium.evaluation.dynamic.evaluate import evaluate_dynamic

    plans = {}
    for name, cl in (("plain", {"complete": True}), ("padded", {"defines": {"PADDED": None}})):
        r = _post(srv, "/v1/offload", {"code": KERNEL, "program": PROGRAM, "command_line": cl})
        plans[name] = r.json()["code"]
    manifest = write_suite(tmp_path, {k: (v, MAIN) for k, v in plans.items()},
                           headers={k: {"idx.h": IDX_H} for k in plans},
                           flags={"padded": "-DPADDED"})
    res = evaluate_dynamic(manifest, None, runs=1, with_mutations=False)
    rows = {r["name"]: r["original"] for r in res["programs"]}
    for name, row in rows.items():
        assert row["status"] == "verified", (name, row["reason"], plans[name])
    moved = {k: r["bytes_h2d"] + r["bytes_d2h"] for k, r in rows.items()}
    padded = (M * N + 16 * N - 16) * 8
    assert moved == {"plain": 2 * N * M * 8, "padded": 3 * padded}, moved


def test_offload_command_line_macros_without_headers(srv):
    """No header sent: the command line's own macros are defined before the first line."""
    code = KERNEL.replace('#include "idx.h"\n', "")
    r = _post(srv, "/v1/offload", {"code": code})
    assert acc_lines(r.json()["code"]) == []
    r = _post(srv, "/v1/offload", {"code": code, "command_line": {
        "defines": {"IDX(i, j)": "((i) * m + (j))"}}})
    assert r.status_code == 200, r.text
    assert acc_lines(r.json()["code"]) == [PLAIN]


def _suggest(srv: str, scope: dict | None = None, **fields) -> dict:
    body = {"code": LOOP, "context": {"scope": {
        "source": KERNEL, "offset": KERNEL.index("for (int i"), **(scope or {})}}, **fields}
    r = _post(srv, "/v1/suggest", body)
    assert r.status_code == 200, r.text
    return r.json()


def test_suggest_command_line_defines_are_macros_before_the_first_line(srv):
    assert _suggest(srv)["pragma"] is None  # IDX unknown
    cl = {"defines": {"IDX(i, j)": "((i) * m + (j))"}}
    assert _suggest(srv, {"command_line": cl})["pragma"] == PLAIN
    # a header's definition (context.scope.defines) is read after the command line's
    wraps = ["#define IDX(i, j) (((i) * m + (j)) % n)"]
    assert _suggest(srv, {"command_line": cl, "defines": wraps})["pragma"] is None
    assert _suggest(srv, {"command_line": {**cl, "undefines": ["IDX"]}})["pragma"] is None


def test_first_line_makes_the_notes_name_the_files_lines(srv):
    offset = SCATTER.index("for (int i")
    loop = SCATTER[offset:SCATTER.rindex("}")].rstrip() + "\n"
    body = {"code": loop, "context": {"scope": {"source": SCATTER, "offset": offset}}}
    old = _post(srv, "/v1/suggest", body).json()
    assert old["pragma"] is None and any("`y[idx[i]]` (line 2)" in n for n in old["notes"])
    got = _post(srv, "/v1/suggest", {**body, "first_line": 3}).json()
    assert got["pragma"] is None and any("`y[idx[i]]` (line 4)" in n for n in got["notes"])
    # a comment line before the loop in `code`: first_line is the line of code's first line
    got = _post(srv, "/v1/suggest", {**body, "code": "// scatter\n" + loop,
                                     "first_line": 2}).json()
    assert any("`y[idx[i]]` (line 4)" in n for n in got["notes"]), got["notes"]


@pytest.mark.parametrize("path,body,reason", [
    ("/v1/offload", {"code": KERNEL, "command_line": {"defines": {"2BAD": None}}},
     "is not NAME or NAME(params)"),
    ("/v1/offload", {"code": KERNEL, "command_line": {"undefines": ["A B"]}}, "is not a name"),
    ("/v1/offload", {"code": KERNEL, "command_line": {"complete": "yes"}}, "valid boolean"),
    ("/v1/offload", {"code": KERNEL, "command_line": {"define": {}}}, "Extra inputs"),
    ("/v1/offload", {"code": KERNEL, "command_line": {"defines": {"N=1": "2"}}},
     "is not NAME or NAME(params)"),
    ("/v1/suggest", {"code": LOOP, "context": {"scope": {
        "source": KERNEL, "offset": KERNEL.index("for (int i"),
        "command_line": {"defines": {"X": 1}}}}}, "valid string"),
    ("/v1/suggest", {"code": LOOP, "first_line": 0}, "greater than or equal to 1"),
    ("/v1/suggest", {"code": LOOP, "first_line": "3"}, "valid integer"),
])
def test_bad_values_are_422_with_the_reason(srv, path, body, reason):
    r = _post(srv, path, body)
    assert r.status_code == 422, r.text
    assert reason in r.text, r.text
