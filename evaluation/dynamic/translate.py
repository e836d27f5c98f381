"""OpenACC C -> OpenMP threads + data-environment runtime (docs/dynamic.md has the mapping).

:func:`translate` rewrites one C file: every ``#pragma acc`` construct becomes calls into
``runtime/accrt.h`` (present table, separate device copies, byte counts) and OpenMP teams
(gangs, vector lanes) that run the OpenACC semantics in real threads.  Line numbers are kept:
inserted code goes on the pragma's own line or inline (``_Pragma``), never on new lines.
The emitter is three layers: this module (pragma ownership, text, structured blocks),
:mod:`computegen` (compute regions, data directives) and :mod:`loopgen` (loops).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

from tree_sitter import Node

from accellium.dataset.loops import mask_pragmas, parse_tree
from accellium.evaluation.dynamic.accpragmas import (
    AccLine,
    c_string,
    data_calls,
    find_acc_lines,
)
from accellium.evaluation.dynamic.cnames import NonVars
from accellium.evaluation.dynamic.computegen import COMPUTE, ComputeGen
from accellium.evaluation.dynamic.cscan import declared_names, is_qualified, text
from accellium.evaluation.dynamic.emitctx import Ctx

__all__ = ["translate", "Translation", "Ctx"]

#: Python frames the emitter may nest: it follows the syntax tree, and one expression of a
#: generated stencil (hundreds of ``+ in[..] * c`` terms) nests a binary expression per term
#: (3.11 runs Python-to-Python calls without growing the C stack)
DEPTH = 50_000
_STATEMENTS = ("for_statement", "compound_statement", "expression_statement", "if_statement",
               "while_statement", "do_statement", "switch_statement", "return_statement",
               "labeled_statement", "declaration", "goto_statement")


@dataclass
class Translation:
    code: bytes
    constructs: int
    warnings: list[str]


class Emitter(ComputeGen):
    def __init__(self, src: bytes, label: str, nonvars: NonVars,
                 functions: tuple[set[str], set[str]] = (set(), set()),
                 compiled: frozenset[int] | None = None, lang: str = "c"):
        self.src = src
        self.lang = lang
        self.compiled = compiled
        self.defined, self.routines = functions
        self.label = label
        self.nonvars = nonvars
        self.tree = parse_tree(src, lang)
        self.masked = mask_pragmas(src)
        self.lines = find_acc_lines(src)
        self.warnings: list[str] = []
        self.counter = 0
        self.constructs = 0
        self.owned: dict[tuple[int, int, str], list[AccLine]] = {}
        self.in_gaps: list[AccLine] = []
        self._assign_owners()

    # ---- pragma ownership ------------------------------------------------------------------
    def _next_pos(self, pos: int) -> int:
        masked = self.masked
        n = len(masked)
        while pos < n:
            c = masked[pos:pos + 1]
            if c in (b" ", b"\t", b"\r", b"\n", b"\\"):
                pos += 1
            elif masked.startswith(b"//", pos):
                nl = masked.find(b"\n", pos)
                pos = n if nl < 0 else nl + 1
            elif masked.startswith(b"/*", pos):
                e = masked.find(b"*/", pos + 2)
                pos = n if e < 0 else e + 2
            else:
                return pos
        return n

    def _past_group_ends(self, pos: int) -> int:
        """From a pragma that ends its conditional group (``#else``, ``#elif`` or ``#endif``
        next) to what follows the chain's ``#endif``: the kept group's pragma belongs to the
        statement after the chain (C11 6.10.1p6: the other groups are skipped whole)."""
        for _ in range(16):
            if not self.masked.startswith(b"#", pos):
                return pos
            word = self.masked[pos + 1:pos + 16].lstrip(b" \t").split(None, 1)
            if not word or word[0] not in (b"else", b"elif", b"endif", b"elifdef",
                                           b"elifndef"):
                return pos
            node = self.tree.root_node.descendant_for_byte_range(pos, pos)
            while node is not None and node.type not in ("preproc_if", "preproc_ifdef"):
                node = node.parent
            if node is None or node.end_byte <= pos:
                return pos
            pos = self._next_pos(node.end_byte)
        return pos

    def _statement_at(self, pos: int) -> Node | None:
        node = self.tree.root_node.descendant_for_byte_range(pos, pos)
        best = None
        while node is not None and node.start_byte == pos:
            if node.type in _STATEMENTS:
                best = node
            node = node.parent
        return best

    def _assign_owners(self) -> None:
        for a in self.lines:
            if a.kind != "acc":
                continue
            d = a.directive
            if d in ("enter data", "exit data", "update", "wait", "declare", "routine", "cache",
                     "init", "shutdown", "set", "") or a.pragma is None:
                if a.pragma is None:
                    self.warnings.append(f"line {a.line}: unparsable pragma ignored: {a.text}")
                continue
            if self.compiled is not None and a.line not in self.compiled:
                continue  # in a group the build skips: not compiled
            pos = self._next_pos(a.end)
            if self.compiled is not None:
                pos = self._past_group_ends(pos)
            node = self._statement_at(pos)
            if node is None:
                self.warnings.append(f"line {a.line}: no statement after '{d}' pragma; ignored")
                continue
            self.owned.setdefault((node.start_byte, node.end_byte, node.type), []).append(a)

    # ---- text generation -------------------------------------------------------------------
    def new_id(self) -> int:
        self.counter += 1
        return self.counter

    def gap(self, a: int, b: int, ctx: Ctx) -> str:
        """Original text between two nodes, pragma lines replaced (same line count)."""
        chunk = self.src[a:b]
        if b"pragma" not in chunk:
            return chunk.decode("utf-8", "surrogateescape")
        out = []
        pos = a
        for p in self.lines:
            if p.start < a or p.end > b:
                continue
            out.append(self.src[pos:p.start].decode("utf-8", "surrogateescape"))
            orig = self.src[p.start:p.end].decode("utf-8", "surrogateescape")
            nls = "\n" * orig.count("\n")
            if p.kind == "acc":
                out.append(self.standalone(p, ctx) + nls)
            elif p.kind == "omp":
                out.append(nls)  # -fopenacc alone ignores OpenMP; so does the emulation
            else:
                out.append(orig)
            pos = p.end
        out.append(self.src[pos:b].decode("utf-8", "surrogateescape"))
        return "".join(out)

    def gen(self, n: Node, ctx: Ctx) -> str:
        prags = self.owned.get((n.start_byte, n.end_byte, n.type))
        if prags:
            return self.gen_with(n, prags, ctx)
        return self.gen_plain(n, ctx)

    def gen_plain(self, n: Node, ctx: Ctx) -> str:
        t = n.type
        if ctx.construct and t in ("identifier", "call_expression"):
            got = self.macro_use(n, ctx)
            if got is not None:
                return got
        if t == "identifier":
            name = text(n)
            if name in ctx.skip or is_qualified(n):
                return name
            if name in ctx.members and "this" in ctx.rename:  # `a` is `this->a`
                return f"{ctx.rename['this']}->{name}"
            return ctx.rename.get(name, name)
        if t == "this":
            return ctx.rename.get("this", "this")
        if n.child_count == 0:
            return n.text.decode("utf-8", "surrogateescape") if n.text is not None else ""
        if t == "call_expression" and ctx.construct:
            check = self.routine_check(n)
            if check:
                return "(" + check + self.gen_children(n, ctx) + ")"
        if t == "expression_statement" and ctx.wcheck and not ctx.atomic:
            return self.write_checked(n, ctx)
        if t in ("compound_statement", "for_statement", "translation_unit"):
            return self.gen_scoped(n, ctx)
        if t == "declaration":
            return self.gen_declaration(n, ctx)
        if t == "function_definition" and ctx.construct is None:
            return self.gen_children(n, ctx, self.host_only(n))
        return self.gen_children(n, ctx)

    def gen_children(self, n: Node, ctx: Ctx, entry: str = "") -> str:
        """``n``'s text with its children generated; ``entry``: a statement the body of the
        function definition ``n`` starts with (on its ``{`` line)."""
        out = []
        pos = n.start_byte
        body = n.child_by_field_name("body") if entry else None
        for c in n.children:
            out.append(self.gap(pos, c.start_byte, ctx))
            got = self.gen(c, ctx)
            if body is not None and c == body and got.startswith("{"):
                got = "{ " + entry + got[1:]
            out.append(got)
            pos = c.end_byte
        out.append(self.gap(pos, n.end_byte, ctx))
        return "".join(out)

    def gen_scoped(self, n: Node, ctx: Ctx) -> str:
        out = []
        pos = n.start_byte
        inner = ctx
        for c in n.children:
            out.append(self.gap(pos, c.start_byte, inner))
            out.append(self.gen(c, inner))
            if c.type == "declaration":
                inner = inner.without(declared_names(c))
            pos = c.end_byte
        out.append(self.gap(pos, n.end_byte, inner))
        return "".join(out)

    def gen_declaration(self, n: Node, ctx: Ctx) -> str:
        return self.gen_children(n, replace(ctx, skip=ctx.skip | frozenset(declared_names(n))))

    def write_checked(self, n: Node, ctx: Ctx) -> str:
        from accellium.evaluation.dynamic.cscan import base_name, has_side_effects, write_targets

        body = self.gen_children(n, replace(ctx, wcheck=None))
        tab, it, lc = ctx.wcheck or ("", "", "")
        checks = []
        for lhs in write_targets(n):
            b = base_name(lhs)
            if b is None or b in ctx.lane_private or has_side_effects(lhs) or (
                    b in self.nonvars.names and b in self.nonvars_at(lhs)):
                continue
            addr = self.gen(lhs, replace(ctx, wcheck=None))
            line = lhs.start_point[0] + 1
            checks.append(f"accrt_wr(&{tab}, (const void *)&({addr}), {it}, &{lc}, "
                          f"{c_string(b)}, {line});")
        if not checks:
            return body
        return "{ " + " ".join(checks) + " " + body + " }"

    # ---- constructs ------------------------------------------------------------------------
    def gen_with(self, n: Node, prags: list[AccLine], ctx: Ctx) -> str:
        if not prags:
            return self.gen_plain(n, ctx)
        p, rest = prags[0], prags[1:]
        d = p.directive
        prag = p.pragma
        assert prag is not None
        if d in ("data", "host_data"):
            calls = data_calls(prag, p.line, unsized=self.incomplete_arrays) if d == "data" else []
            cond = prag.clause("if")
            pre = " ".join(calls)
            if cond is not None and cond.args and calls:
                pre = f"if ({cond.args}) {{ {pre} }}"
            return (f"{{ accrt_begin({self.file_c}, {p.line}); {pre} "
                    + self.gen_with(n, rest, ctx) + f" accrt_end({self.file_c}, {p.line}); }}")
        if d == "atomic":
            kind = next((c.name for c in prag.clauses
                         if c.name in ("read", "write", "update", "capture")), "update")
            return f'_Pragma("omp atomic {kind}") ' + self.gen_with(n, rest, replace(ctx,
                                                                                   atomic=True))
        base = d.split(" ")[0]
        if base in COMPUTE:
            if ctx.construct is not None:
                # as gcc: "'kernels' construct inside of 'parallel' region" (the program does
                # not build; the emulator is no more lenient than the compiler)
                why = f"{self.label}:{p.line}: compute construct nested in another".replace('"', "'")
                self.warnings.append(f"line {p.line}: compute construct nested in another; "
                                     "gcc rejects it")
                return f'\n#error "{why} (gcc rejects it)"\n' + self.gen_with(n, rest, ctx)
            return self.gen_compute(n, p, rest, ctx)
        if d == "loop":
            if n.type != "for_statement":
                self.warnings.append(f"line {p.line}: loop directive not followed by a for")
                return self.gen_with(n, rest, ctx)
            return self.gen_loop(n, p, rest, ctx)
        return self.gen_with(n, rest, ctx)

    def run(self) -> Translation:
        root = self.tree.root_node
        body = self.gen(root, Ctx())
        # text before/after the root node (leading comments are inside it; be safe)
        head = self.gap(0, root.start_byte, Ctx())
        tail = self.gap(root.end_byte, len(self.src), Ctx())
        code = (head + body + tail).encode("utf-8", "surrogateescape")
        return Translation(code, self.constructs, self.warnings)


def translate(src: bytes, label: str, nonvars: NonVars,
              functions: tuple[set[str], set[str]] = (set(), set()),
              compiled: frozenset[int] | None = None, lang: str = "c") -> Translation:
    """Translate one C file, or with ``lang`` ``cpp`` one C++ file (see the module doc);
    ``functions``: the program's defined and ``routine`` functions
    (:func:`cnames.program_functions`); ``compiled``: the lines of the ``#pragma acc`` the
    build compiles (:func:`kept_pragmas.compiled_acc_lines`; None: all)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEPTH))
    try:
        return Emitter(src, label, nonvars, functions, compiled, lang).run()
    finally:
        sys.setrecursionlimit(limit)
