from __future__ import annotations

import json

from accellium.dataset.loops import (
    LineIndex,
    detect_lang,
    find_loops,
    loop_at,
    strip_acc_pragmas,
    strip_comments,
)

SRC = """\
void f(int n, float *a, float *b) {
#pragma acc data copyin(a[0:n]) copyout(b[0:n])
  {
#pragma acc parallel loop collapse(2) \\
        present(a, b)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        b[i*n+j] = a[i*n+j];
      }
    // comment between
#ifdef _OPENACC
#pragma acc kernels
#endif
    for (int k = 0; k < n; k++) b[k] += 1;
  }
}
"""


def test_finds_every_loop_with_pragmas_and_enclosing():
    loops = find_loops(SRC, "c")
    assert [lp.line for lp in loops] == [6, 7, 14]
    outer, inner, last = loops
    assert outer.pragma.text == "#pragma acc parallel loop collapse(2) present(a, b)"
    assert (outer.pragma.start_line, outer.pragma.end_line) == (3, 4)
    assert outer.enclosing == ["#pragma acc data copyin(a[0:n]) copyout(b[0:n])"]
    assert outer.depth == 0 and outer.loop_depth == 2 and outer.perfect_depth == 2
    assert inner.pragma is None and inner.depth == 1 and inner.parent_index == 0
    assert inner.enclosing == ["#pragma acc data copyin(a[0:n]) copyout(b[0:n])",
                               "#pragma acc parallel loop collapse(2) present(a, b)"]
    assert last.pragma.text == "#pragma acc kernels"  # #endif and comments skipped
    assert outer.index_var == "i" and last.index_var == "k"
    assert outer.function == "f"
    assert outer.indent == "    "


def test_stacked_directives_go_to_enclosing_and_standalone_are_not_labels():
    src = ("void g(){\n#pragma acc data copy(x)\n#pragma acc parallel loop\n"
           "for(i=0;i<n;i++) x[i]=0;\n#pragma acc update host(x)\nfor(i=0;i<n;i++) y+=x[i];\n}\n")
    a, b = find_loops(src, "c")
    assert a.pragma.text == "#pragma acc parallel loop"
    assert a.enclosing == ["#pragma acc data copy(x)"]
    assert b.pragma is None and b.enclosing == []


def test_pragma_between_for_header_and_body():
    src = ("void h(){\nfor (i = 0; i < N; i++)\n  #pragma acc loop\n  for (j = 0; j < N; j++)\n"
           "    x[i] += A[i][j];\n}\n")
    outer, inner = find_loops(src, "c")
    assert outer.loop_depth == 2 and outer.end_line == 4
    assert inner.pragma.text == "#pragma acc loop"
    assert strip_acc_pragmas(outer.text) == ("for (i = 0; i < N; i++)\n  for (j = 0; j < N; j++)\n"
                                             "    x[i] += A[i][j];")


def test_imperfect_nest_and_range_for():
    src = ("void k(std::vector<int>& v){ for (int i=0;i<n;i++){ s=0; for(int j=0;j<m;j++) s+=j; }\n"
           " for (auto& x : v) x++; }\n")
    loops = find_loops(src, "cpp")
    assert [lp.kind for lp in loops] == ["for_statement", "for_statement", "for_range_loop"]
    assert loops[0].perfect_depth == 1 and loops[0].loop_depth == 2
    assert loops[2].index_var == "x"


def test_grammar_by_language_handles_c_keywords_of_cpp():
    src = "void f(int n, int *new, int *class){ for (int i=0;i<n;i++) new[i]=class[i]; }"
    (lp,) = find_loops(src, "c")
    assert not lp.has_error


def test_utf16_columns_and_crlf_tabs_and_bad_bytes():
    src = "/* héllo 😀 */ int z; void f(){\r\n\t/* é */ for (int i=0;i<n;i++) a[i]=\xff;\r\n}\r\n"
    raw = src.encode("utf-8").replace(b"\xc3\xbf", b"\xff")  # an invalid UTF-8 byte
    (lp,) = find_loops(raw, "c")
    assert lp.start_line == 1
    line = raw.split(b"\r\n")[1]
    assert lp.start_col == line.index(b"for")
    assert lp.start_col_utf16 == len("\t/* é */ ")
    idx = LineIndex(raw)
    assert idx.utf16_col(0, len("/* héllo 😀".encode())) == len("/* héllo ") + 2
    assert idx.byte_col(0, len("/* héllo ") + 2) == len("/* héllo 😀".encode())
    assert lp.pragma is None  # code before the loop on its line: nothing is above it


def test_half_typed_code_and_macros_do_not_raise():
    for src in ["for (int i = 0; i < n", "void f() { for (;;) { FOO(i) BAR }",
                "#define L for(i=0;i<n;i++)\nvoid f(){ L x[i]=0; for(i=0;i<n;i++) FOO(i) }",
                "", "}}}{{{", "\x00\x01for"]:
        find_loops(src, "c")
        find_loops(src, "cpp")


def test_ten_megabyte_file():
    body = "void f%d(int n, float *a){\n  for (int i = 0; i < n; i++)\n    a[i] = a[i] * 2.0f;\n}\n"
    src = "".join(body % k for k in range(130_000))
    assert len(src) > 10_000_000
    loops = find_loops(src, "c")
    assert len(loops) == 130_000
    assert loops[-1].function == "f129999" and loops[-1].text.startswith("for (int i = 0;")


def test_loop_at_innermost_first():
    loops = find_loops(SRC, "c")
    hits = loop_at(loops, 7)
    assert [h.line for h in hits] == [7, 6]
    assert [h.line for h in loop_at(loops, 3)] == [6]  # on the pragma line


def test_detect_lang_and_strip_comments():
    assert detect_lang("x.c") == "c" and detect_lang("x.cu") == "cpp"
    assert detect_lang("x.C") == "cpp" and detect_lang("x.H") == "cpp" and detect_lang("x.CPP") == "cpp"
    assert detect_lang("x.h", "class A {};") == "cpp"
    assert detect_lang("x.h", "int f(void);") == "c"
    s = strip_comments('a = 1; // x\nb = "//no"; /* y\n z */ c;')
    assert s.count("\n") == 2 and '"//no"' in s and "x" not in s.split("\n")[0]


def test_shared_loops_are_found_with_their_label(shared_data):
    """Re-parsing each shared pair (pragma + loop) recovers the label, loop text and depth."""
    ok = n = 0
    for line in open(shared_data / "test.jsonl", encoding="utf-8"):
        r = json.loads(line)
        loops = find_loops(r["pragma"] + "\n" + r["loop"], r["lang"])
        n += 1
        lp = loops[0]
        ok += (lp.text == r["loop"] and lp.loop_depth == r["loop_depth"]
               and strip_acc_pragmas(lp.text) == r["loop_stripped"])
    assert ok / n > 0.99
