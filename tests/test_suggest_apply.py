"""`accellium suggest --apply` on real files (issue #12: D5, D6, D7, D9 and the CLI's errors).

Every edit is checked with real gcc (`-fopenacc -fsyntax-only`) where the input compiled, and
run twice: the second run must add nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXE = [sys.executable, "-m", "accellium"]
GCC = shutil.which("gcc")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    return subprocess.run([*EXE, *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)


def compiles(path: Path) -> bool:
    assert GCC, "gcc is required for these tests"
    r = subprocess.run([GCC, "-fopenacc", "-fsyntax-only", "-x", "c", str(path)],
                       capture_output=True, text=True, timeout=60)
    return r.returncode == 0


def apply_twice(f: Path, *extra: str) -> tuple[bytes, subprocess.CompletedProcess]:
    r = run("suggest", str(f), "--engine", "const", "--apply", *extra)
    assert r.returncode == 0, r.stderr
    once = f.read_bytes()
    r2 = run("suggest", str(f), "--engine", "const", "--apply", *extra)
    assert r2.returncode == 0, r2.stderr
    assert f.read_bytes() == once, "a second --apply changed the file"
    return once, r


def without_inserted_lines(new: bytes, old: bytes) -> bytes:
    """``new`` minus the whole lines that start with an inserted ``#pragma acc``."""
    keep = [ln for ln in new.splitlines(keepends=True)
            if not (ln.lstrip().startswith(b"#pragma acc") and ln not in old.splitlines(True))]
    return b"".join(keep)


# ----------------------------------------------------------------------------------------------
# D5: only where the for starts its statement on its own line; idempotent; never wedged
# ----------------------------------------------------------------------------------------------

NOT_INSERTABLE = [
    "    if (n > 0) for (int i = 0; i < n; i++) a[i] = 0;\n",
    "    int k = 0; for (int i = 0; i < n; i++) a[i] = k;\n",
    "    { for (int i = 0; i < n; i++) a[i] = 0; }\n",
    "    if (n > 5) a[0] = 1;\n    else for (int i = 0; i < n; i++) a[i] = 0;\n",
    "    L: for (int i = 0; i < n; i++) a[i] = 0;\n    if (n < 0) goto L;\n",
    "    int k = 0; \\\n    for (int i = 0; i < n; i++) a[i] = k;\n",
    "#pragma omp parallel for\n    for (int i = 0; i < n; i++) a[i] = 0;\n",
    "#pragma GCC ivdep\n    for (int i = 0; i < n; i++) a[i] = 0;\n",
]


@pytest.mark.parametrize("body", NOT_INSERTABLE)
def test_a_for_that_does_not_start_its_statement_is_reported_and_left_alone(tmp_path, body):
    f = tmp_path / "t.c"
    src = f"void h(int n, double *a) {{\n{body}}}\n".encode()
    f.write_bytes(src)
    assert compiles(f)
    r = run("suggest", str(f), "--engine", "const", "--json")
    (item,) = json.loads(r.stdout)
    assert item["insertable"] is False and item["insert_problem"]
    text = run("suggest", str(f), "--engine", "const").stdout
    assert "not insertable: " in text
    once, r = apply_twice(f)
    assert once == src
    assert "0 pragma(s) written; 1 loop(s) not insertable" in r.stderr


def test_macros_continuations_and_statement_bodies(tmp_path):
    f = tmp_path / "m.c"
    src = (b"#define ZERO(a, n) \\\n  for (int z = 0; z < n; z++) (a)[z] = 0;\n"
           b"void h(int n, double *a, double *b) {\n"
           b"    ZERO(b, n)\n"
           b"    if (n > 0)\n        for (int i = 0; i < n; i++) a[i] = 0;\n"
           b"    else\n        for (int i = 0; i < n; i++) a[i] = 1;\n"
           b"    do\n        for (int i = 0; i < n; i++) a[i] += 1;\n    while (0);\n"
           b"L:\n    for (int i = 0; i < n; i++) b[i] = a[i];\n"
           b"    if (n < 0) goto L;\n}\n")
    f.write_bytes(src)
    assert compiles(f)
    once, r = apply_twice(f)
    assert "4 pragma(s) written" in r.stderr
    assert compiles(f)
    assert once.count(b"#pragma acc parallel loop co") == 4  # with the arrays' copy clauses
    assert once.startswith(src.split(b"void")[0])  # the macro is untouched
    assert without_inserted_lines(once, src) == src
    assert b"    if (n > 0)\n        #pragma acc parallel loop copyout(a[0:n])\n        for (int i" \
        in once


def test_nests_are_idempotent_when_the_outer_loop_cannot_take_a_pragma(tmp_path):
    f = tmp_path / "n.c"
    src = (b"void h(int n, double *a) {\n"
           b"    if (n > 0) for (int i = 0; i < n; i++)\n"
           b"        for (int j = 0; j < n; j++) a[i * n + j] = 0;\n"
           b"    for (int i = 0; i < n; i++)\n"
           b"        for (int j = 0; j < n; j++) a[i * n + j] += 1;\n}\n")
    f.write_bytes(src)
    once, r = apply_twice(f)
    assert "2 pragma(s) written" in r.stderr  # the inner loop of the first nest, the 2nd nest
    assert compiles(f)
    assert once.count(b"#pragma acc") == 2


def test_issue_reproduction_apply_three_times(tmp_path):
    f = tmp_path / "t.c"
    src = b"void h(int n,double*a){\n    if (n > 0) for (int i = 0; i < n; i++) a[i] = 0;\n}\n"
    f.write_bytes(src)
    for _ in range(3):
        assert run("suggest", str(f), "--apply").returncode == 0
    assert f.read_bytes() == src and compiles(f)


# ----------------------------------------------------------------------------------------------
# D6: line-ending style, CR-only included
# ----------------------------------------------------------------------------------------------

BODY = ("#include <stdlib.h>\nvoid f(int n, float *a) {\n  /* first */\n"
        "  for (int i = 0; i < n; i++)\n    a[i] = 0;\n\n\tfor (int j = 0; j < n; j++) a[j] += 1;\n}\n")


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_inserted_lines_use_the_files_line_breaks(tmp_path, eol):
    f = tmp_path / "e.c"
    src = BODY.encode().replace(b"\n", eol)
    f.write_bytes(src)
    assert compiles(f)
    once, _ = apply_twice(f)
    assert compiles(f)
    want = BODY.replace("  for (int i", "  #pragma acc parallel loop copyout(a[0:n])\n  for (int i"
                        ).replace("\tfor (int j", "\t#pragma acc parallel loop copy(a[0:n])\n"
                                  "\tfor (int j").encode().replace(b"\n", eol)
    assert once == want


def test_mixed_line_breaks_follow_the_loops_own_line(tmp_path):
    f = tmp_path / "x.c"
    src = (b"void f(int n, float *a) {\r\n  for (int i = 0; i < n; i++)\r\n    a[i] = 0;\r"
           b"  for (int j = 0; j < n; j++)\n    a[j] += 1;\n}")
    f.write_bytes(src)
    once, _ = apply_twice(f)
    assert once == (b"void f(int n, float *a) {\r\n  #pragma acc parallel loop copyout(a[0:n])\r\n"
                    b"  for (int i = 0; i < n; i++)\r\n    a[i] = 0;\r"
                    b"  #pragma acc parallel loop copy(a[0:n])\n  for (int j = 0; j < n; j++)\n"
                    b"    a[j] += 1;\n}")


# ----------------------------------------------------------------------------------------------
# D7: data / update / wait above a loop are never its pragma
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("directive", ["data copy(a[0:n])", "update device(a[0:n])",
                                       "enter data copyin(a[0:n])", "wait"])
def test_replace_never_deletes_a_data_or_standalone_directive(tmp_path, directive):
    f = tmp_path / "d.c"
    src = (f"void f(int n, float *a) {{\n#pragma acc enter data copyin(a[0:n])\n"
           f"  #pragma acc {directive}\n  for (int i = 0; i < n; i++) a[i] = 0;\n}}\n").encode()
    f.write_bytes(src)
    (item,) = json.loads(run("suggest", str(f), "--engine", "const", "--json").stdout)
    assert item["existing"] is None
    once, _ = apply_twice(f, "--replace")
    assert f"  #pragma acc {directive}\n  #pragma acc parallel loop\n  for".encode() in once
    assert without_inserted_lines(once, src) == src
    assert compiles(f)


# ----------------------------------------------------------------------------------------------
# D9: file-system cases, with real files
# ----------------------------------------------------------------------------------------------

SRC = b"void f(int n, float *a) {\n  for (int i = 0; i < n; i++) a[i] = 0;\n}\n"
NEW = (b"void f(int n, float *a) {\n  #pragma acc parallel loop copyout(a[0:n])\n"
       b"  for (int i = 0; i < n; i++) a[i] = 0;\n}\n")


def one_line_refusal(r: subprocess.CompletedProcess, words: str) -> None:
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and words in r.stderr
    assert "Traceback" not in r.stderr


def test_read_only_file_is_refused(tmp_path):
    """Tests run as root, whom permission bits do not stop: the tool itself refuses a file
    whose mode has no write bit (and one that os.access denies, see below)."""
    f = tmp_path / "ro.c"
    f.write_bytes(SRC)
    f.chmod(0o444)
    one_line_refusal(run("suggest", str(f), "--engine", "const", "--apply"), "read-only")
    assert f.read_bytes() == SRC and stat.S_IMODE(f.stat().st_mode) == 0o444


def test_read_only_folder_is_refused(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    f = d / "a.c"
    f.write_bytes(SRC)
    d.chmod(0o555)
    try:
        one_line_refusal(run("suggest", str(f), "--engine", "const", "--apply"), "read-only")
        assert f.read_bytes() == SRC and sorted(os.listdir(d)) == ["a.c"]
    finally:
        d.chmod(0o755)


def test_the_tool_honours_os_access(tmp_path, monkeypatch, capsys):
    """What a non-root user meets: os.access says no (root cannot see this for real here)."""
    from accellium.cli import main
    from accellium.server import write_back

    f = tmp_path / "a.c"
    f.write_bytes(SRC)
    real_access = os.access
    monkeypatch.setattr(write_back.os, "access",
                        lambda p, mode: False if mode & os.W_OK else real_access(p, mode))
    assert main(["suggest", str(f), "--engine", "const", "--apply"]) == 2
    assert "read-only" in capsys.readouterr().err
    assert f.read_bytes() == SRC


def test_symlink_hard_link_mode_and_owner_are_kept(tmp_path):
    target = tmp_path / "target.c"
    target.write_bytes(SRC)
    target.chmod(0o640)
    os.chown(target, 12345, 23456)
    link = tmp_path / "link.c"
    link.symlink_to(target)
    hard = tmp_path / "hard.c"
    os.link(target, hard)
    inode = target.stat().st_ino
    r = run("suggest", str(link), "--engine", "const", "--apply")
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    st = target.stat()
    assert target.read_bytes() == NEW and hard.read_bytes() == NEW
    assert st.st_ino == inode and st.st_nlink == 2
    assert stat.S_IMODE(st.st_mode) == 0o640 and (st.st_uid, st.st_gid) == (12345, 23456)
    assert sorted(os.listdir(tmp_path)) == ["hard.c", "link.c", "target.c"]  # no leftovers


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path, monkeypatch, capsys):
    from accellium.cli import main
    from accellium.server import cli_suggest
    from accellium.server.annotate import InputError
    from accellium.server.write_back import write_in_place

    f = tmp_path / "a.c"
    f.write_bytes(SRC)
    edited = SRC.replace(b"a[i] = 0", b"a[i] = 7")
    real = cli_suggest.annotate_source

    def annotate_then_user_saves(*a, **kw):  # the user saves the file while we work
        out = real(*a, **kw)
        f.write_bytes(edited)
        return out

    monkeypatch.setattr(cli_suggest, "annotate_source", annotate_then_user_saves)
    assert main(["suggest", str(f), "--engine", "const", "--apply"]) == 2
    assert "changed since it was read" in capsys.readouterr().err
    assert f.read_bytes() == edited
    with pytest.raises(InputError, match="changed since"):
        write_in_place(f, SRC, NEW)
    assert f.read_bytes() == edited and sorted(os.listdir(tmp_path)) == ["a.c"]


def test_a_failed_write_restores_the_original(tmp_path, monkeypatch):
    from accellium.server import write_back
    from accellium.server.annotate import InputError
    from accellium.server.write_back import write_in_place

    f = tmp_path / "a.c"
    f.write_bytes(SRC)
    real = write_back._write_from
    calls = []

    def disk_full_once(fd, offset, data, size):
        calls.append(size)
        if len(calls) == 1:
            os.lseek(fd, offset, os.SEEK_SET)
            os.write(fd, data[:5])  # a partial write, then the disk is full
            raise OSError(28, "No space left on device")
        return real(fd, offset, data, size)

    monkeypatch.setattr(write_back, "_write_from", disk_full_once)
    with pytest.raises(InputError, match="No space left on device.*unchanged"):
        write_in_place(f, SRC, NEW)
    assert f.read_bytes() == SRC and sorted(os.listdir(tmp_path)) == ["a.c"]

    def always_fails(fd, offset, data, size):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(write_back, "_write_from", always_fails)
    with pytest.raises(InputError, match="the original is in") as ei:
        write_in_place(f, SRC, NEW)
    kept = Path(str(ei.value).rsplit("the original is in ", 1)[1])
    assert kept.read_bytes() == SRC  # the safety copy names itself and holds the text


# ----------------------------------------------------------------------------------------------
# The CLI's errors: one line, never a file's content, never a traceback
# ----------------------------------------------------------------------------------------------


def test_empty_path_and_exact_size_over_the_limit(tmp_path):
    one_line_refusal(run("suggest", ""), "the path is empty")
    big = tmp_path / "big.c"
    with open(big, "wb") as fh:
        fh.truncate(20 * 1024 * 1024 + 1)
    one_line_refusal(run("suggest", str(big)), "20,971,521 bytes, over the limit of 20,971,520")


def test_a_bad_training_file_is_never_echoed(tmp_path):
    f = tmp_path / "a.c"
    f.write_bytes(SRC)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:SECRET-PASSWORD-LINE:0:0\n")
    r = run("suggest", str(f), "--train", str(secret))
    one_line_refusal(r, "not a valid record")
    assert "SECRET" not in r.stderr and "SECRET" not in r.stdout


def test_deep_parentheses_and_deep_nests_through_the_cli(tmp_path):
    f = tmp_path / "p.c"
    f.write_text("void f(int n, float *a) {\n  for(" + "(" * 1000 + "i" + ")" * 1000
                 + "=0;i<n;i++) a[i]=0;\n}\n")
    r = run("suggest", str(f), "--engine", "analysis", "--json")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert [i["line"] for i in json.loads(r.stdout)] == [2]
    g = tmp_path / "n.c"
    g.write_text("void f(int n, float *a) {\n" + "for (int i = 0; i < n; i++) {\n" * 300
                 + "a[0] += 1;\n" + "}\n" * 300 + "}\n")
    r = run("suggest", str(g), "--engine", "auto", "--json")
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)
    assert len(items) == 300
    assert items[0]["pragma"] is None and "not analysed: a nest of 300 loops" in items[0]["notes"][0]
    inner = items[-1]  # the innermost loops are analysed (a[0] += 1 is carried: no pragma)
    assert inner["notes"] and not any("not analysed" in n for n in inner["notes"])


def test_internal_errors_are_one_line_unless_verbose(capsys):
    import argparse

    from accellium.cli import run as run_command

    def boom(_args):
        raise RuntimeError("internal detail")

    def bad_value(_args):
        raise ValueError("line one of a reason\nline two")

    args = argparse.Namespace(command="suggest", verbose=0)
    assert run_command(boom, args) == 1
    err = capsys.readouterr().err
    assert err == ("accellium suggest: internal error (RuntimeError); "
                   "run with -v for the traceback\n")
    assert run_command(bad_value, args) == 2
    assert capsys.readouterr().err == "accellium suggest: line one of a reason\n"
    args.verbose = 1
    assert run_command(boom, args) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal detail" in err


def test_a_closed_pipe_ends_quietly_and_the_file_is_still_written(tmp_path):
    f = tmp_path / "many.c"
    src = b"void f(int n, float *a) {\n" + b"  for (int i = 0; i < n; i++) a[i] = 0;\n" * 4000 + b"}\n"
    f.write_bytes(src)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCELLIUM_TRAIN": ""}
    p = subprocess.Popen([*EXE, "suggest", str(f), "--engine", "const", "--apply"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = p.stdout.readline()
    p.stdout.close()  # `| head -1`
    err = p.stderr.read().decode()
    p.wait(timeout=300)
    assert first.startswith(str(f).encode())
    assert p.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err
    assert err.strip() == f"{f}: 4000 pragma(s) written"
    assert f.read_bytes().count(b"#pragma acc parallel loop") == 4000
