"""Fuzzing the loop finder and ``--apply`` (issue #12) with hypothesis.

Two generators: random C-like token streams (for, if, else, braces, parentheses, semicolons,
``#pragma acc``/``#pragma omp`` lines, comments, strings, backslash continuations, every line
break kind, deep nesting), and random *valid* C functions, which must still compile with gcc
after ``--apply``.  Properties: nothing raises; an edit only adds whole lines (or rewrites a
loop's own label with ``replace``), each ending like the line below it; a second apply adds
nothing; the result has the same loops, each edited one now labelled with its pragma.
Example counts are bounded (``ACCELLIUM_FUZZ_EXAMPLES`` scales them) and there is no
deadline per example: the suite stops by itself in about a minute on 2 cores.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
from functools import cache

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from accellium.dataset.lines import LINE_BREAK
from accellium.dataset.loops import find_loops, strip_acc_pragmas
from accellium.server.annotate import annotate_source, apply_edits
from accellium.server.engines import get_engine

SCALE = float(os.environ.get("ACCELLIUM_FUZZ_EXAMPLES", "1"))
FUZZ = settings(max_examples=int(60 * SCALE), deadline=None, derandomize=False,
                suppress_health_check=list(HealthCheck))
EOLS = ["\n", "\r\n", "\r"]
SPLICE = re.compile(r"\\(\r\n|\r|\n)")

TOKENS = [
    "for (int i = 0; i < n; i++)", "for (;;)", "for (i = 0; i < n; i++)", "for (", "for",
    "for (int j = 0; j < n; j++) a[j] = 0;", "for (;;) {", "for (;;) {", "\nfor (;;) x;\n",
    "if (c)", "else", "{", "}", "(", ")", ";", "a[i] = 0;", "x", "L:", "int k = 0;", "do",
    "while (0);", '"str"', '"open', "'c'", "/* c */", "/*", "*/", "// note", "\\",
    "#pragma acc parallel loop", "#pragma acc data copy(a[0:n])", "#pragma acc update host(a)",
    "#pragma acc kernels", "#pragma acc loop \\", "#pragma omp parallel for", "#pragma GCC ivdep",
    "#define M(x) x", "#if 0", "#endif", "é", "😀", "\t",
]
SEPS = ["", " ", "  ", *EOLS]


@cache
def engine():
    return get_engine("context", train=())


def token_stream() -> st.SearchStrategy[bytes]:
    pieces = st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPS)), max_size=60)

    def build(parts: list[tuple[str, str]], depth: int, eol: str) -> bytes:
        body = "".join(t + s for t, s in parts)
        return ("for (;;) {" + eol) * depth + body + ("}" + eol) * depth

    depths = st.sampled_from([0, 0, 0, 0, 1, 2, 3, 40])
    return st.builds(build, pieces, depths, st.sampled_from(EOLS)).map(
        lambda s: s.encode("utf-8"))


def lines_of(data: bytes) -> list[bytes]:
    out, pos = [], 0
    for m in LINE_BREAK.finditer(data):
        out.append(data[pos:m.end()])
        pos = m.end()
    if pos < len(data):
        out.append(data[pos:])
    return out


def _eol(line: bytes) -> bytes:
    return re.search(rb"(\r\n|\r|\n)?$", line).group(0)


def check_edit(old: bytes, new: bytes, applied, replace: bool) -> None:
    """Only whole ``#pragma acc`` lines added, each with the right line break; with ``replace``
    the labels of the edited loops may also go (their new text is one of the added lines)."""
    a, b = lines_of(old), lines_of(new)
    # a label is every physical line of its pragma: a continued one (``\`` at the end) takes
    # the next line with it, whatever that line holds (C11 5.1.1.2: one logical line)
    labels = {r for s in applied if (lp := s._loop) and lp.pragma
              for r in range(lp.pragma.start_line, lp.pragma.end_line + 1)} if replace else set()
    kept = [line for r, line in enumerate(a) if r not in labels]
    label_eols = {_eol(a[r]) for r in labels}
    added = 0
    for op, _, _, j1, j2 in difflib.SequenceMatcher(None, kept, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        assert op == "insert", (op, old, new)  # nothing but the labels is removed or changed
        for k in range(j1, j2):
            line = b[k]
            assert line.lstrip(b" \t").startswith(b"#pragma acc"), line
            below = b[k + 1] if k + 1 < len(b) else b""
            # an inserted line ends as the line below it; a rewritten label may keep its own
            assert _eol(line) in {_eol(below) or _eol(line)} | label_eols, (line, below)
            added += 1
    assert added <= len(applied)


def same_loops(old: bytes, new: bytes, applied, replace: bool) -> None:
    before, after = find_loops(old, "c"), find_loops(new, "c")

    def code(text: str) -> str:
        # compared as the compiler reads them after line splicing (C11 5.1.1.2 phase 2): a
        # rewritten label takes the splices of its logical line with it
        return SPLICE.sub("", strip_acc_pragmas(text))

    assert [code(lp.text) for lp in before] == [code(lp.text) for lp in after]
    assert [(lp.kind, lp.depth, lp.loop_depth) for lp in before] == \
        [(lp.kind, lp.depth, lp.loop_depth) for lp in after]
    starts = {s._loop.start_byte for s in applied}
    shift = 0
    edited = iter(sorted(applied, key=lambda s: s._loop.start_byte))
    nxt = next(edited, None)
    for lb, la in zip(before, after, strict=True):
        while nxt is not None and nxt._loop.start_byte < lb.start_byte:
            nxt = next(edited, None)
        if lb.start_byte in starts and nxt is not None and nxt._loop.start_byte == lb.start_byte:
            assert la.pragma is not None and la.pragma.text == nxt.pragma, (la, nxt.pragma)
        shift = la.start_byte - lb.start_byte
        # Without ``replace`` an edit only adds lines, so every loop moves down; a replaced
        # label may be longer than the pragma that replaces it, so the loops below move up.
        assert replace or shift >= 0


def apply_round_trip(src: bytes, replace: bool) -> bytes:
    sugg = annotate_source(src, engine(), path="f.c", lang="c")
    new, applied = apply_edits(src, sugg, replace=replace)
    event(f"loops edited: {min(len(applied), 3)}{'+' if len(applied) > 3 else ''}")
    event(f"loops not insertable: {min(sum(not s.insertable for s in sugg), 2)}")
    check_edit(src, new, applied, replace)
    same_loops(src, new, applied, replace)
    again, applied2 = apply_edits(new, annotate_source(new, engine(), path="f.c", lang="c"),
                                  replace=replace)
    assert again == new and not applied2, "a second apply changed the file"
    return new


@FUZZ
@given(src=token_stream(), lang=st.sampled_from(["c", "cpp"]))
def test_find_loops_never_raises_and_is_consistent(src, lang):
    loops = find_loops(src, lang)
    for k, lp in enumerate(loops):
        assert 0 <= lp.start_byte < lp.end_byte <= len(src)
        assert src[lp.start_byte:lp.end_byte].decode("utf-8", "replace") == lp.text
        assert lp.start_line <= lp.end_line
        if lp.parent_index is not None:
            parent = loops[lp.parent_index]
            assert lp.parent_index < k and lp.depth == parent.depth + 1
            assert parent.start_byte <= lp.start_byte and lp.end_byte <= parent.end_byte
        assert len(lp.enclosing) >= 0 and lp.loop_depth >= 1


@FUZZ
@given(src=token_stream(), replace=st.booleans())
@example(src=b"#pragma acc parallel loopfor (int i = 0; i < n; i++)\nfor (int i = 0; i < n; i++)",
         replace=True)
@example(src=b"#pragma acc loop \\\nfor (int i = 0; i < n; i++)\nfor (int i = 0; i < n; i++)\n",
         replace=True)
@example(src=b"for (int i = 0; i < n; i++)\n\\\n#pragma acc kernels\nfor (int i = 0; i < n; i++)",
         replace=True)
def test_apply_on_token_streams(src, replace):
    apply_round_trip(src, replace)


def test_replace_shortens_a_long_label_and_keeps_the_loop():
    """``replace`` rewrites a label that is longer than the suggestion; the loop is kept whole."""
    src = b"#pragma acc parallel loopfor (int i = 0; i < n; i++)\nfor (int i = 0; i < n; i++)"
    sugg = annotate_source(src, engine(), path="f.c", lang="c")
    new, applied = apply_edits(src, sugg, replace=True)
    assert new == b"#pragma acc parallel loop\nfor (int i = 0; i < n; i++)"
    check_edit(src, new, applied, True)
    same_loops(src, new, applied, True)
    assert apply_edits(src, sugg, replace=False)[0] == src


@FUZZ
@given(depth=st.integers(1, 2000), eol=st.sampled_from(EOLS))
def test_deep_nests(depth, eol):
    src = ("void f(int n, float *a) {" + eol + ("for (int i = 0; i < n; i++) {" + eol) * depth
           + "a[0] += 1;" + eol + ("}" + eol) * depth + "}" + eol).encode()
    loops = find_loops(src, "c")
    assert len(loops) == depth and loops[-1].depth == depth - 1
    assert [lp.start_line for lp in loops[:3]] == list(range(1, 1 + min(3, depth)))


# ----------------------------------------------------------------------------------------------
# Valid C: --apply must keep it compiling
# ----------------------------------------------------------------------------------------------

GCC = shutil.which("gcc")


@st.composite
def statement(draw, depth: int, ids: list[int]) -> str:
    """A random valid C statement with loops, ifs, blocks, labels and pragmas (``@`` marks a
    line break, ``~`` a separator that is a space or a line break)."""
    ids[0] += 1
    k = ids[0]
    kinds = ["expr", "for", "for", "for", "if", "block", "label", "do", "omp", "data", "kern",
             "splice"] if depth > 0 else ["expr"]
    kind = draw(st.sampled_from(kinds))
    sub = lambda: draw(statement(depth - 1, ids))  # noqa: E731
    if kind == "expr":
        return draw(st.sampled_from(["a[0] += 1;", "a[k] = 0;", "/* c */ a[1] = 2;"]))
    if kind == "for":
        return f"for (int i{k} = 0; i{k} < n; i{k}++)~" + sub()
    if kind == "if":
        els = draw(st.booleans())
        return f"if (n > {k})~" + sub() + (("~else~" + sub()) if els else "")
    if kind == "block":
        inner = [sub() for _ in range(draw(st.integers(0, 3)))]
        decl = draw(st.booleans())
        return "{~" + (f"int k{k} = 0; (void)k{k};~" if decl else "") + "~".join(inner) + "~}"
    if kind == "label":
        return f"L{k}:~" + sub()
    if kind == "do":
        return "do~" + sub() + "~while (0);"
    if kind == "omp":
        return f"@#pragma omp parallel for@for (int j{k} = 0; j{k} < n; j{k}++)~" + sub()
    if kind == "data":
        return "@#pragma acc data copy(a[0:n])@{~" + sub() + "~}"
    if kind == "kern":
        return "@#pragma acc kernels@{~" + sub() + "~}"
    return "a[0] \\@+= 1;"  # a line splice inside a statement


def render(body: str, eol: str, seps: list[bool]) -> bytes:
    out, it = [], iter(seps)
    for ch in body:
        if ch == "@":
            out.append(eol)
        elif ch == "~":
            out.append(eol if next(it, False) else " ")
        else:
            out.append(ch)
    text = "".join(out)
    return ("void f(int n, double *a, int k) {" + eol + text + eol + "}" + eol).encode()


@settings(max_examples=int(40 * SCALE), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), eol=st.sampled_from(EOLS))
def test_apply_keeps_valid_c_compiling(tmp_path_factory, data, eol):
    assert GCC, "gcc is required for this test"
    ids = [0]  # label and variable numbers, unique in the function
    body = "~".join(data.draw(statement(4, ids)) for _ in range(data.draw(st.integers(1, 3))))
    seps = data.draw(st.lists(st.booleans(), min_size=body.count("~"),
                              max_size=body.count("~")))
    src = render(body, eol, seps)
    d = tmp_path_factory.mktemp("c")
    f = d / "f.c"
    f.write_bytes(src)
    cmd = [GCC, "-fopenacc", "-fsyntax-only", "-Wno-unused-label", "-x", "c", str(f)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (src, r.stderr)  # the generator makes valid C
    new = apply_round_trip(src, replace=False)
    f.write_bytes(new)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (new.decode(), r.stderr)
