"""Extraction rules of the data card, one test per rule (dataset.mine.extract)."""

from __future__ import annotations

from _mine_util import c_file

from accellium.dataset.loops import detect_lang
from accellium.dataset.mine.extract import (
    body_is_empty,
    brace_extent,
    extract_file,
    raw_clauses,
)
from accellium.dataset.records import dedup_key


def pairs_of(src: str | bytes, path: str = "a.c"):
    data = src.encode() if isinstance(src, str) else src
    return extract_file(path, data)


def test_directly_followed_by_for_is_a_pair():
    res = pairs_of(c_file("#pragma acc parallel loop copy(a[0:n])\n"
                          "  for (int i = 0; i < n; i++) a[i] = 0;"))
    (p,) = res.pairs
    assert p.pragma == "#pragma acc parallel loop copy(a[0:n])"
    assert p.directive == "parallel loop" and p.directive_valid
    assert p.clauses == ["copy(a[0:n])"]
    assert p.loop == "for (int i = 0; i < n; i++) a[i] = 0;"
    assert p.line == 2 and p.function == "f" and p.loop_depth == 1 and p.lang == "c"
    assert p.enclosing == [] and p.pragma_form == "#pragma"
    assert res.directives == {"paired": 1}


def test_blank_lines_comments_endif_and_other_pragmas_are_skipped():
    src = c_file("#ifdef _OPENACC\n#pragma acc kernels loop\n#endif\n\n// a comment\n"
                 "/* block\n comment */\n#pragma omp parallel for\n#pragma GCC ivdep\n"
                 "  for (int i = 0; i < n; i++) a[i] = b[i];")
    (p,) = pairs_of(src).pairs
    assert p.directive == "kernels loop"


def test_else_and_elif_branches_are_skipped_both_directives_paired():
    src = c_file("#pragma acc data copy(a[0:n])\n{\n#ifndef X\n#pragma acc parallel loop\n"
                 "#elif Y == 0\n#pragma acc kernels loop\n#else\n#pragma omp parallel for\n"
                 "#endif\n  for (int i = 0; i < n; i++) {\n#pragma acc loop seq\n"
                 "    for (int j = 0; j < n; j++) a[i] += b[j];\n  }\n}")
    res = pairs_of(src)
    got = {p.pragma: p.enclosing for p in res.pairs}
    data = "#pragma acc data copy(a[0:n])"
    assert got["#pragma acc parallel loop"] == [data]
    assert got["#pragma acc kernels loop"] == [data, "#pragma acc parallel loop"]
    assert got["#pragma acc loop seq"] == [data, "#pragma acc parallel loop",
                                           "#pragma acc kernels loop"]
    assert res.directives["block"] == 1


def test_if_between_pragma_and_loop_is_other_preprocessor():
    res = pairs_of(c_file("#pragma acc parallel loop\n#if defined(X)\n"
                          "  for (int i = 0; i < n; i++) a[i] = 0;\n#endif"))
    assert res.pairs == [] and res.directives == {"preprocessor": 1}


def test_stacked_directives_go_to_enclosing():
    res = pairs_of(c_file("#pragma acc data copyin(b[0:n])\n#pragma acc parallel loop\n"
                          "  for (int i = 0; i < n; i++) a[i] = b[i];"))
    (p,) = res.pairs
    assert p.pragma == "#pragma acc parallel loop"
    assert p.enclosing == ["#pragma acc data copyin(b[0:n])"]
    assert res.directives == {"paired": 1, "stacked": 1}


def test_standalone_directives_are_not_labels():
    res = pairs_of(c_file("#pragma acc update device(a[0:n])\n"
                          "  for (int i = 0; i < n; i++) a[i] = 0;\n"
                          "#pragma acc wait\n  n = 0;"))
    assert res.pairs == []
    assert res.directives == {"standalone_above_loop": 1, "standalone": 1}


def test_standalone_between_stack_breaks_enclosing():
    (p,) = pairs_of(c_file("#pragma acc data copy(a[0:n])\n#pragma acc update self(a[0:n])\n"
                           "#pragma acc parallel loop\n  for (int i = 0; i < n; i++) a[i]++;")
                    ).pairs
    assert p.enclosing == []


def test_block_statement_and_end_of_file_outcomes():
    res = pairs_of(c_file("#pragma acc parallel\n{\n#pragma acc loop\n"
                          "  for (int i = 0; i < n; i++) a[i] = 0;\n}\n"
                          "#pragma acc kernels\n  a[0] = 1;") + "#pragma acc loop\n")
    assert [p.enclosing for p in res.pairs] == [["#pragma acc parallel"]]
    assert res.directives == {"paired": 1, "block": 1, "statement": 1, "end_of_file": 1}


def test_directive_on_while_encloses_its_loops():
    (p,) = pairs_of(c_file("#pragma acc data copy(a[0:n])\n  while (n > 0)\n  {\n"
                           "#pragma acc kernels\n    for (int i = 0; i < n; i++) a[i] *= 2;\n"
                           "    n--;\n  }")).pairs
    assert p.enclosing == ["#pragma acc data copy(a[0:n])"]


def test_continuations_joined_and_comments_removed():
    (p,) = pairs_of(c_file("#pragma acc parallel loop \\\n    gang vector /* why */ \\\n"
                           "    reduction( +:s ) // sum\n  for (int i = 0; i < n; i++) s += a[i];")
                    ).pairs
    assert p.pragma == "#pragma acc parallel loop gang vector reduction( +:s )"
    assert p.clauses == ["gang", "vector", "reduction( +:s )"]


def test_nested_pragmas_kept_in_loop_removed_in_loop_stripped():
    res = pairs_of(c_file("#pragma acc parallel loop\n  for (int i = 0; i < n; i++) {\n"
                          "#pragma acc loop vector\n    for (int j = 0; j < n; j++) c[j] = a[j];\n"
                          "  }"))
    outer, inner = res.pairs
    assert "#pragma acc loop vector" in outer.loop
    assert "#pragma" not in outer.loop_stripped and "for (int j" in outer.loop_stripped
    assert outer.loop_depth == 2 and inner.loop_depth == 1
    assert inner.enclosing == ["#pragma acc parallel loop"]


def test_pragma_between_for_header_and_body():
    (p,) = pairs_of(c_file("#pragma acc parallel loop\n  for (int i = 0; i < n; i++)\n"
                           "#pragma acc atomic\n    a[0] += b[i];")).pairs
    assert p.loop.endswith("a[0] += b[i];")


def test_underscore_pragma_own_line_and_inline_and_macro():
    src = c_file('  _Pragma("acc parallel loop copy(a[0:n])")\n'
                 "  for (int i = 0; i < n; i++) a[i] = 1;\n"
                 '  _Pragma("acc kernels loop") for (int i = 0; i < n; i++) b[i] = 2;\n'
                 '#define LOOP _Pragma("acc loop")\n')
    res = pairs_of(src)
    assert [(p.pragma, p.pragma_form) for p in res.pairs] == [
        ("#pragma acc parallel loop copy(a[0:n])", "_Pragma"),
        ("#pragma acc kernels loop", "_Pragma")]
    assert res.pairs[0].loop == "for (int i = 0; i < n; i++) a[i] = 1;"
    assert res.underscore_pragmas == {"own_line": 1, "inline": 1, "in_macro": 1, "paired": 2}


def test_invalid_directive_kept_and_flagged():
    (p,) = pairs_of(c_file("#pragma acc for independent\n"
                           "  for (int i = 0; i < n; i++) a[i] = 0;")).pairs
    assert p.directive == "for" and not p.directive_valid


def test_empty_body_is_flagged():
    res = pairs_of(c_file("#pragma acc parallel loop\n  for (int i = 0; i < n; i++);\n"
                          "#pragma acc parallel loop\n  for (int i = 0; i < n; i++) { /* x */ }\n"
                          "#pragma acc parallel loop\n  for (int i = 0; i < n; i++) a[i] = 0;"))
    assert [p.empty_body for p in res.pairs] == [True, True, False]
    assert body_is_empty("for (;;)\n#pragma acc loop\n;")


def test_binary_and_broken_utf8_and_no_acc():
    assert pairs_of(b"\x00\x01#pragma acc loop\nfor(;;) x();").events == {"binary": 1}
    assert pairs_of("int main() { return 0; }").events == {"no_acc": 1}
    res = pairs_of(b"/* caf\xe9 */\n" + c_file("#pragma acc loop\n"
                                               "  for (int i = 0; i < n; i++) a[i] = 0;")
                   .encode())
    assert res.events["bad_utf8"] == 1 and len(res.pairs) == 1


def test_unbalanced_braces_and_confusing_macros_do_not_raise():
    src = ("#define CONSTEXPR constexpr\nvoid g(int n, float *q) {\n"
           "#pragma acc parallel loop\n  for (int i = 0; i < n; i++) {\n"
           "    if CONSTEXPR (n > 1) { q[i] = 1; }\n"
           "#pragma acc loop seq\n    for (int j = 0; j < 3; ++j) { q[i] += j; }\n"
           "    if CONSTEXPR (n > 2) { q[i] = 2; }\n  }\n}\n"
           "void h() {\n#pragma acc loop\n for (int k = 0; k < 3; k++) { {\n")
    res = pairs_of(src, "x.cpp")
    outer = res.pairs[0]
    assert outer.loop.rstrip().endswith("}") and "q[i] = 2" in outer.loop
    inner = res.pairs[1]
    assert inner.enclosing == ["#pragma acc parallel loop"]


def test_brace_extent_and_raw_clauses_and_lang():
    src = b"for (i = 0; i < n; i++) { if (x) { y(\"}\"); } /* } */ }\nrest"
    assert src[:brace_extent(src, 0)].endswith(b"*/ }")
    assert brace_extent(b"for (i = 0; i < n; i++) a[i] = ';';", 0) is not None
    assert raw_clauses("#pragma acc serial loop reduction (*:p) copy(a), gang",
                       ["reduction(*:p)", "copy(a)", "gang"]) == ["reduction(*:p)", "copy(a)",
                                                                  "gang"]
    assert raw_clauses("#pragma acc parallel loops", ["s"]) == ["loops"]
    assert detect_lang("x.C", b"") == "cpp" and detect_lang("x.c", b"") == "c"
    assert detect_lang("x.h", b"namespace a {}") == "cpp"


def test_function_heuristic_when_parse_fails():
    src = ("template <class T>\nstatic void kernel_acc1()\n{\n  MACRO_BEGIN\n"
           "  #pragma acc parallel loop\n  for (int i = 0; i < n; ++i) {\n"
           "    if CONSTEXPR (eq<T, X>()) { a[i] = 0; }\n  }\n}\n")
    (p,) = pairs_of(src, "k.cpp").pairs
    assert p.function in {"kernel_acc1"}


def test_dedup_key_matches_data_card_definition():
    (p,) = pairs_of(c_file("#pragma acc   parallel loop\n"
                           "  for (int i = 0; i < n; i++) { // c\n a[i] = 0; }")).pairs
    (q,) = pairs_of(c_file("#pragma acc parallel loop\n"
                           "  for (int i=0; i<n; i++) {\n\n a[i]=0;\n}")).pairs
    assert dedup_key(p.pragma, p.loop) == dedup_key(q.pragma, q.loop)
