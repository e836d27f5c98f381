"""What the ``offloadProgram`` setting reads (``lsp/program.read_program``) on a real file
system: open buffers over the disk, the document itself left out, and nothing guessed — a
link out of the workspace folder, a FIFO, too many files or a unit in another language makes
the program unusable (a reason), patterns that do not name the document give no program."""

from __future__ import annotations

import os

from accellium.lsp.program import read_program
from accellium.server.api_models import MAX_PROGRAM_FILES

KERNEL = "void relax(int n, double *u) { for (int i = 0; i < n; i++) u[i] = 0; }\n"
MAIN = "void relax(int n, double *u);\nint main(void) { double u[4]; relax(4, u); return 0; }\n"


def _ws(tmp_path):
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "kernel.c").write_text(KERNEL)
    (ws / "src" / "main.c").write_text(MAIN)
    (ws / "src" / "notes.txt").write_text("not C")
    return ws, (ws / "src" / "kernel.c").as_uri()


def test_the_other_files_open_buffers_first(tmp_path):
    ws, uri = _ws(tmp_path)
    got = read_program(["src/*"], uri, "c", [str(ws)], {})
    assert [(f.rel, f.data, f.version) for f in got] == [("src/main.c", MAIN.encode(), None)]
    main_uri = (ws / "src" / "main.c").as_uri()
    got = read_program(["src/*.c"], uri, "c", [str(ws)], {main_uri: (4, b"/* unsaved */\n")})
    assert [(f.rel, f.uri, f.data, f.version) for f in got] == \
        [("src/main.c", main_uri, b"/* unsaved */\n", 4)]


def test_no_program_when_the_patterns_do_not_name_the_document(tmp_path):
    ws, uri = _ws(tmp_path)
    assert read_program(["lib/**/*.c"], uri, "c", [str(ws)], {}) is None
    assert read_program([], uri, "c", [str(ws)], {}) is None
    assert read_program(["src/*.c"], uri, "c", [str(tmp_path / "elsewhere")], {}) is None
    assert read_program(["src/*.c"], "untitled:Untitled-1", "c", [str(ws)], {}) is None


def test_a_file_that_cannot_be_read_whole_makes_the_program_unusable(tmp_path):
    ws, uri = _ws(tmp_path)
    (tmp_path / "secret.c").write_text("int key;\n")
    os.symlink(tmp_path / "secret.c", ws / "src" / "link.c")
    why = read_program(["src/*.c"], uri, "c", [str(ws)], {})
    assert isinstance(why, str) and "link.c leads outside the workspace folder" in why
    os.unlink(ws / "src" / "link.c")
    os.mkfifo(ws / "src" / "pipe.c")
    why = read_program(["src/*.c"], uri, "c", [str(ws)], {})
    assert isinstance(why, str) and "src/pipe.c cannot be read whole" in why
    os.unlink(ws / "src" / "pipe.c")
    (ws / "src" / "big.c").write_bytes(b"int x;\n" * (800 * 1024 // 7))
    why = read_program(["src/*.c"], uri, "c", [str(ws)], {})
    assert isinstance(why, str) and "src/big.c cannot be read whole" in why
    os.unlink(ws / "src" / "big.c")
    (ws / "src" / "other.cpp").write_text("int f() { return 0; }\n")
    why = read_program(["src/*"], uri, "c", [str(ws)], {})
    assert isinstance(why, str) and "src/other.cpp: not in the language of this document" in why


def test_too_many_files(tmp_path):
    ws, uri = _ws(tmp_path)
    for k in range(MAX_PROGRAM_FILES):
        (ws / "src" / f"f{k}.c").write_text("int x;\n")
    why = read_program(["src/*.c"], uri, "c", [str(ws)], {})
    assert isinstance(why, str) and f"more than {MAX_PROGRAM_FILES}" in why
    os.unlink(ws / "src" / "f0.c")  # main.c and 63 others: exactly the limit
    got = read_program(["src/*.c"], uri, "c", [str(ws)], {})
    assert not isinstance(got, str) and got is not None and len(got) == MAX_PROGRAM_FILES
