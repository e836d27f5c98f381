"""Index macros in local headers (``#include "idx.h"``): ``accellium suggest`` on real files in a
temporary folder (the command, the analysis engine), what is read and what never is
(dataset/includes.py), and ``context.scope.defines`` over HTTP (a real uvicorn on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from _server_util import running_server

from accellium.dataset.analysis import analyze, scope_of
from accellium.dataset.analysis.macros import parse_define
from accellium.dataset.includes import MAX_DEPTH, MAX_FILE_BYTES, read_includes
from accellium.dataset.pragma import parse
from accellium.server.app import Settings
from accellium.server.safety import asserts_parallel

ROOT = Path(__file__).resolve().parent.parent

KERNEL = """#include "idx.h"

void scale(int n, int m, double *a, const double *b)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            a[IDX(i, j)] = 2.0 * b[IDX(i, j)];
}
"""
IDX_H = "#ifndef IDX_H\n#define IDX_H\n#define IDX(i, j) ((i) * m + (j))\n#endif\n"
LOOP_LINE = 5


def suggest(path: Path, *args: str) -> tuple[dict[int, dict], str]:
    """``accellium suggest PATH --json --engine analysis ARGS``: the loops by line, stderr."""
    got = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(path), "--json",
                          "--engine", "analysis", *args], capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": "",
                                           "PATH": "/usr/bin:/bin"})
    assert got.returncode == 0, got.stderr
    return {item["line"]: item for item in json.loads(got.stdout)}, got.stderr


def parallel(item: dict) -> bool:
    return item["pragma"] is not None and asserts_parallel(parse(item["pragma"]))


def project(tmp: Path, kernel: str = KERNEL, **headers: str) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    for name, text in headers.items():
        (tmp / name).write_text(text)
    (tmp / "kernel.c").write_text(kernel)
    return tmp / "kernel.c"


# -- the command --------------------------------------------------------------------------------


def test_header_macro_makes_the_loop_parallel_with_its_sections(tmp_path):
    k = project(tmp_path, **{"idx.h": IDX_H})
    before, _ = suggest(k, "--no-headers")
    assert not parallel(before[LOOP_LINE]), before[LOOP_LINE]
    assert "IDX" in " ".join(before[LOOP_LINE]["notes"])
    after, err = suggest(k)
    assert after[LOOP_LINE]["pragma"] == \
        "#pragma acc parallel loop collapse(2) copyin(b[0:m*n]) copyout(a[0:m*n])", \
        after[LOOP_LINE]
    assert err == ""
    # the same as with the macro written in the file itself
    inline = tmp_path / "inline.c"
    inline.write_text(KERNEL.replace('#include "idx.h"', IDX_H))
    same, _ = suggest(inline)
    assert same[LOOP_LINE + 4]["pragma"] == after[LOOP_LINE]["pragma"]


def test_offload_plan_reads_the_header(tmp_path):
    k = project(tmp_path, **{"idx.h": IDX_H})
    got = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(k), "--offload",
                          "--json", "--engine", "analysis"], capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": "",
                                           "PATH": "/usr/bin:/bin"})
    assert got.returncode == 0, got.stderr
    (plan,) = json.loads(got.stdout)
    assert [x["line"] for x in plan["loops"]] == [LOOP_LINE], plan
    lines = [t for e in plan["edits"] for t in e["lines"]]
    assert any("copyin(b[0:m*n])" in t and "copyout(a[0:m*n])" in t for t in lines), lines


def test_include_cycle_missing_header_and_system_include(tmp_path):
    kernel = KERNEL.replace('#include "idx.h"',
                            '#include <stdio.h>\n#include "missing.h"\n#include "a.h"')
    k = project(tmp_path, kernel,
                **{"a.h": '#include "b.h"\n#define IDX(i, j) (OFF(i) + (j))\n',
                   "b.h": '#include "a.h"\n#define OFF(i) ((i) * m)\n'})
    got, err = suggest(k, "-v")
    line = LOOP_LINE + 2
    assert parallel(got[line]) and "copyout(a[0:m*n])" in got[line]["pragma"], got[line]
    assert "missing.h: not found" in err  # a note (with -v), never a failure
    # <idx.h> is never read, even when a file of that name is next to the kernel
    k2 = project(tmp_path / "sys", KERNEL.replace('"idx.h"', "<idx.h>"), **{"idx.h": IDX_H})
    got2, err2 = suggest(k2)
    assert not parallel(got2[LOOP_LINE]) and err2 == ""
    # ... unless its folder is an include folder: gcc looks for <...> in the -I folders too
    got3, err3 = suggest(k2, "-I", str(k2.parent))
    assert parallel(got3[LOOP_LINE]) and err3 == "", got3[LOOP_LINE]


def test_huge_header_is_not_read(tmp_path):
    big = IDX_H + ("/* " + "x" * 1000 + " */\n") * (MAX_FILE_BYTES // 1000 + 1)
    k = project(tmp_path, **{"idx.h": big})
    got, err = suggest(k)
    assert not parallel(got[LOOP_LINE])
    assert f"idx.h: not read: larger than {MAX_FILE_BYTES} bytes" in err


def test_include_folders_and_links_out_of_them(tmp_path):
    k = project(tmp_path / "src")
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "idx.h").write_text(IDX_H)
    got, err = suggest(k)  # not in the file's folder: not found
    assert not parallel(got[LOOP_LINE])
    got, err = suggest(k, "-I", str(tmp_path / "inc"))
    assert parallel(got[LOOP_LINE]) and err == ""
    # a link from the file's folder to a header elsewhere is not followed ...
    (tmp_path / "src" / "idx.h").symlink_to(tmp_path / "inc" / "idx.h")
    got, err = suggest(k)
    assert not parallel(got[LOOP_LINE])
    assert "idx.h: not read: outside the include folders" in err
    # ... nor is a ../ out of it; both are read once the folder is given
    k.write_text(KERNEL.replace('"idx.h"', '"../inc/idx.h"'))
    got, err = suggest(k)
    assert not parallel(got[LOOP_LINE]) and "outside the include folders" in err
    got, err = suggest(k, "-I", str(tmp_path / "inc"))
    assert parallel(got[LOOP_LINE]) and err == ""


def test_bad_include_dir_is_a_one_line_error(tmp_path):
    k = project(tmp_path, **{"idx.h": IDX_H})
    got = subprocess.run([sys.executable, "-m", "accellium", "suggest", str(k), "-I",
                          str(tmp_path / "nope")], capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": "",
                              "PATH": "/usr/bin:/bin"})
    assert got.returncode == 2 and got.stderr.count("\n") == 1, got.stderr
    assert "not a folder" in got.stderr


@pytest.mark.parametrize("body", ["((i) % n)", "((i) + 1)"])
def test_wrapping_header_macro_keeps_the_dependence(tmp_path, body):
    """The safety twin: a header macro that wraps or shifts makes two iterations meet."""
    kernel = ('#include "w.h"\n'
              "void shift(int n, double *a)\n{\n"
              "    for (int i = 0; i < n; i++)\n"
              "        a[W(i)] = a[i] + 1.0;\n}\n")
    k = project(tmp_path, kernel, **{"w.h": f"#define W(i) {body}\n"})
    got, _ = suggest(k)
    assert not parallel(got[4]), got[4]
    assert "W(i)" in " ".join(got[4]["notes"]), got[4]


# -- what is read -------------------------------------------------------------------------------


def _loop_macros(src: str, path: Path, **kw) -> dict[str, str]:
    inc = read_includes(src, path, "c", **kw)
    off = src.encode().index(b"for (")
    return {m.name: m.body for m in inc.for_loop(off, src[src.index("for ("):])}


def test_visibility_conditionals_and_undef(tmp_path):
    (tmp_path / "idx.h").write_text(IDX_H)
    (tmp_path / "late.h").write_text("#define LATE(i) (i)\n")
    (tmp_path / "two.h").write_text("#ifdef BIG\n#define T(i) ((i) * 2)\n#else\n"
                                    "#define T(i) (i)\n#endif\n")
    src = ('#include "idx.h"\n#include "two.h"\n'
           "void f(int n, int m, double *a) {\n"
           "  for (int i = 0; i < n; i++) a[IDX(i, 0) + T(i) + LATE(i)] = 0;\n}\n"
           '#include "late.h"\n')
    got = _loop_macros(src, tmp_path / "k.c")
    assert got == {"IDX": "((i) * m + (j))"}  # T: two definitions under #if; LATE: after
    # the file's own #undef is the analysis's to apply (the header's macro stays in the list)
    undef = src.replace("void f", "#undef IDX\nvoid f")
    assert "IDX" in _loop_macros(undef, tmp_path / "k.c")
    plain = KERNEL.replace("void scale", "#undef IDX\nvoid scale")
    for text, safe in ((KERNEL, True), (plain, False)):
        off = text.encode().index(b"for (")
        code = text[text.index("for ("):text.rindex("}")]
        defines = read_includes(text, tmp_path / "k.c").for_loop(off, code)
        assert [m.name for m in defines] == ["IDX"]
        first = text[:text.index("for (")].count("\n") + 1
        facts = analyze(code, "c", (), scope_of(text, off, "c", defines), first)
        assert facts.safe is safe, (text, facts.carried)


def test_open_buffer_over_disk_and_fresh(tmp_path):
    (tmp_path / "idx.h").write_text(IDX_H)
    src = KERNEL
    real = os.path.realpath(tmp_path / "idx.h")
    buf = {real: b"#define IDX(i, j) (((i) * m + (j)) % n)\n"}
    assert _loop_macros(src, tmp_path / "kernel.c", open_buffers=buf) == \
        {"IDX": "(((i) * m + (j)) % n)"}
    inc = read_includes(src, tmp_path / "kernel.c")
    assert inc.fresh()
    (tmp_path / "idx.h").write_text(IDX_H + "\n")
    assert not inc.fresh()


def test_depth_limit_and_a_pipe_never_blocks(tmp_path):
    for k in range(MAX_DEPTH + 2):
        (tmp_path / f"h{k}.h").write_text(f'#include "h{k + 1}.h"\n#define M{k}(i) (i)\n')
    src = '#include "h0.h"\nvoid f(int n, double *a) { for (int i = 0; i < n; i++) a[i] = 0; }\n'
    inc = read_includes(src, tmp_path / "k.c")
    names = {e.name for e in inc.events}
    assert f"M{MAX_DEPTH - 1}" in names and f"M{MAX_DEPTH}" not in names
    assert any("nested more than" in n for n in inc.notes)
    os.mkfifo(tmp_path / "fifo.h")
    inc = read_includes('#include "fifo.h"\n', tmp_path / "k.c")
    assert inc.notes == ("fifo.h: not read: not a regular file",)
    assert read_includes("#include \"x.h\"\n", None).events == ()


def test_define_lines_round_trip():
    for line in ("#define IDX(i, j) ((i) * n + (j))", "#define N (1 << 10)",
                 "#define V(a, ...) f(a, __VA_ARGS__)", "#define E"):
        m = parse_define(line)
        assert m is not None and parse_define(m.directive()) == m, line
    for bad in ("int x;", "#define A 1\n#define B 2", "#include \"x.h\"", "#define"):
        assert parse_define(bad) is None, bad


# -- over HTTP -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def srv():
    with running_server(Settings(engine="analysis")) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


def _body(**scope) -> dict:
    code = KERNEL[KERNEL.index("for (int i"):KERNEL.rindex("}")].rstrip()
    return {"code": code, "context": {"scope": {
        "source": KERNEL, "offset": KERNEL.encode().index(b"for (int i"), **scope}}}


def test_http_scope_defines(srv):
    r = srv.post("/v1/suggest", json=_body())
    assert r.status_code == 200 and r.json()["pragma"] is None, r.text
    r = srv.post("/v1/suggest", json=_body(defines=["#define IDX(i, j) ((i) * m + (j))"]))
    assert r.status_code == 200, r.text
    assert r.json()["pragma"] == \
        "#pragma acc parallel loop collapse(2) copyin(b[0:m*n]) copyout(a[0:m*n])"
    r = srv.post("/v1/suggest", json=_body(defines=["#define IDX(i, j) (((i) * m + j) % n)"]))
    assert r.status_code == 200 and r.json()["pragma"] is None


@pytest.mark.parametrize("defines,reason", [
    (["int x = 1;"], "context.scope.defines[0] is not one #define directive"),
    (["#define A 1", "#define B(x) (x)\n#define C 2"], "context.scope.defines[1] is not one"),
    (["#define A " + "1" * 5000], "longer than 4096"),
    (["#define A 1"] * 513, "at most 512"),
    ("#define A 1", "valid list"),
])
def test_http_bad_defines_are_422_with_a_reason(srv, defines, reason):
    r = srv.post("/v1/suggest", json=_body(defines=defines))
    assert r.status_code == 422, r.text
    assert reason in r.text, r.text
