"""OpenACC C -> OpenMP threads + data-environment runtime (docs/dynamic.md has the mapping).

:func:`translate` rewrites one C file: every ``#pragma acc`` construct becomes calls into
``runtime/accrt.h`` (present table, separate device copies, byte counts) and OpenMP teams
(gangs, vector lanes) that run the OpenACC semantics in real threads.  Line numbers are kept:
inserted code goes on the pragma's own line or inline (``_Pragma``), never on new lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tree_sitter import Node

from accellium.dataset.loops import mask_pragmas, parse_tree
from accellium.evaluation.dynamic.accpragmas import (
    AccLine,
    c_string,
    data_calls,
    exit_calls,
    find_acc_lines,
    update_calls,
)
from accellium.evaluation.dynamic.cscan import declared_names, free_names, text
from accellium.evaluation.dynamic.loopgen import LoopGen

__all__ = ["translate", "Translation"]

COMPUTE = {"parallel": "ACCRT_PARALLEL", "kernels": "ACCRT_KERNELS", "serial": "ACCRT_SERIAL_C"}
_STATEMENTS = ("for_statement", "compound_statement", "expression_statement", "if_statement",
               "while_statement", "do_statement", "switch_statement", "return_statement",
               "labeled_statement", "declaration", "goto_statement")


@dataclass(frozen=True)
class Ctx:
    """Where the emitter is: renames in force and the OpenACC execution context."""

    rename: dict[str, str] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()  # declarator names: never renamed
    construct: str | None = None  # parallel / kernels / serial, None on the host
    team: bool = False  # inside a gang team (gang-redundant code runs per gang)
    in_gang: bool = False  # inside a gang-partitioned loop
    in_lane: bool = False  # inside a lane-partitioned loop
    bound: tuple[str, ...] = ()  # variables bound at the construct (per-gang copies)
    loopvars: frozenset[str] = frozenset()
    lane_private: frozenset[str] = frozenset()
    wcheck: tuple[str, str, str] | None = None  # (table, iteration, counter) of the lane loop
    atomic: bool = False

    def without(self, names) -> Ctx:
        names = set(names)
        if not names:
            return self
        lp = self.lane_private | names if self.wcheck else self.lane_private
        return replace(self, rename={k: v for k, v in self.rename.items() if k not in names},
                       lane_private=lp)


@dataclass
class Translation:
    code: bytes
    constructs: int
    warnings: list[str]


class Emitter(LoopGen):
    def __init__(self, src: bytes, label: str, nonvars: set[str],
                 functions: tuple[set[str], set[str]] = (set(), set())):
        self.src = src
        self.defined, self.routines = functions
        self.label = label
        self.nonvars = nonvars
        self.tree = parse_tree(src, "c")
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
            node = self._statement_at(self._next_pos(a.end))
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
        if t == "identifier":
            name = text(n)
            if name in ctx.skip:
                return name
            return ctx.rename.get(name, name)
        if n.child_count == 0:
            return n.text.decode("utf-8", "surrogateescape") if n.text is not None else ""
        if t == "expression_statement" and ctx.wcheck and not ctx.atomic:
            return self.write_checked(n, ctx)
        if t in ("compound_statement", "for_statement", "translation_unit"):
            return self.gen_scoped(n, ctx)
        if t == "declaration":
            return self.gen_declaration(n, ctx)
        return self.gen_children(n, ctx)

    def gen_children(self, n: Node, ctx: Ctx) -> str:
        out = []
        pos = n.start_byte
        for c in n.children:
            out.append(self.gap(pos, c.start_byte, ctx))
            out.append(self.gen(c, ctx))
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
            if b is None or b in ctx.lane_private or b in self.nonvars or has_side_effects(lhs):
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
            calls = data_calls(prag, p.line, arrays=self.param_arrays(p)) if d == "data" else []
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
                self.warnings.append(f"line {p.line}: compute construct nested in another; "
                                     "treated as its body")
                return self.gen_with(n, rest, ctx)
            return self.gen_compute(n, p, rest, ctx)
        if d == "loop":
            if n.type != "for_statement":
                self.warnings.append(f"line {p.line}: loop directive not followed by a for")
                return self.gen_with(n, rest, ctx)
            return self.gen_loop(n, p, rest, ctx)
        return self.gen_with(n, rest, ctx)

    def param_arrays(self, a: AccLine) -> dict[str, str]:
        """Parameters of the function around pragma ``a`` declared as arrays with a first
        dimension (``double A[N][M]`` -> ``{"A": "N"}``), named bare in its data clauses."""
        node = self.tree.root_node.descendant_for_byte_range(a.start, a.start)
        while node is not None and node.type != "function_definition":
            node = node.parent
        if node is None or a.pragma is None:
            return {}
        bare = {x.strip() for c in a.pragma.clauses for x in (c.args or "").split(",")}
        out: dict[str, str] = {}
        decl = node.child_by_field_name("declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        params = decl.child_by_field_name("parameters") if decl is not None else None
        for prm in params.named_children if params is not None else []:
            d = prm.child_by_field_name("declarator")
            outer = None
            while d is not None and d.type == "array_declarator":
                outer = d
                d = d.child_by_field_name("declarator")
            if outer is None or d is None or d.type != "identifier" or text(d) not in bare:
                continue
            size = outer.child_by_field_name("size")
            if size is not None:
                out[text(d)] = text(size)
                self.warnings.append(f"line {a.line}: '{text(d)}' is a parameter declared as an "
                                     f"array: its declared extent is mapped (gcc maps only the "
                                     f"pointer)")
        return out

    @property
    def file_c(self) -> str:
        return c_string(self.label)

    def gen_compute(self, n: Node, p: AccLine, rest: list[AccLine], ctx: Ctx) -> str:
        prag = p.pragma
        assert prag is not None
        self.constructs += 1
        base = p.directive.split(" ")[0]
        combined = p.directive.endswith(" loop")
        free, loopvars = free_names(n, self.nonvars)
        free = [v for v in free if v not in ctx.skip]
        red_vars = self.gang_reduction_vars(n, prag if combined else None)
        private = [v for c in prag.clauses if c.name == "private" and not combined
                   for v in c.variables()]
        mode_base = "ACCRT_M_DEFPRESENT" if (prag.clause("default") and "present" in (
            prag.clause("default").args or "")) else "0"
        cid = self.new_id()
        pre = [f"accrt_begin({self.file_c}, {p.line});",
               *data_calls(prag, p.line, arrays=self.param_arrays(p))]
        post = f" accrt_compute_end(); accrt_end({self.file_c}, {p.line}); }}"
        rename = dict(ctx.rename)
        bound = []
        for v in free:
            if v in loopvars or v in private:
                continue
            mode = mode_base + (" | ACCRT_M_RED" if v in red_vars else "")
            src_v = ctx.rename.get(v, v)
            pre.append(
                f"int __acc_k_{v}; unsigned char __acc_s_{v}[ACCRT_SLOT({v})] "
                f"__attribute__((aligned(16))); __typeof__({v}) *__acc_v_{v} = (__typeof__({v}) *)"
                f"accrt_var((void *)&({src_v}), sizeof({v}), ACCRT_ISPTR({v}), "
                f"__builtin_classify_type({v}), __acc_s_{v}, &__acc_k_{v}, {COMPUTE[base]}, "
                f"{mode}, {c_string(v)}, {p.line});")
            rename[v] = f"(*__acc_v_{v})"
            bound.append(v)
        for v in sorted(loopvars):
            pre.append(f"__typeof__({v}) __acc_lv_{v};")
            rename[v] = f"__acc_lv_{v}"
        pre += self.routine_checks(n)
        pre.append("accrt_compute_begin();")
        inner = Ctx(rename=rename, construct=base, bound=tuple(bound),
                    loopvars=frozenset(loopvars))
        if base == "parallel":
            ng = prag.clause("num_gangs")
            ng_expr = ng.args if ng is not None and ng.args else "0"
            team_open, inner = self.open_team(cid, ng_expr, inner, private)
            body = self.gen_compute_body(n, p, rest, combined, inner)
            return ("{ " + " ".join(pre) + " " + team_open + body
                    + " } accrt_set_gang(-1, 0); } }" + post)
        body = self.gen_compute_body(n, p, rest, combined, inner)
        return "{ " + " ".join(pre) + " { " + body + " }" + post

    def routine_checks(self, n: Node) -> list[str]:
        """A call in a compute region to a program function that is not an ``acc routine``
        does not link for a GPU: make it a compile error here too."""
        out = []
        stack = [n]
        seen: set[str] = set()
        while stack:
            x = stack.pop()
            if x.type == "call_expression":
                f = x.child_by_field_name("function")
                name = text(f) if f is not None and f.type == "identifier" else None
                if name and name in self.defined and name not in self.routines and \
                        name not in seen:
                    seen.add(name)
                    out.append(f'_Static_assert(0, "function \'{name}\' is called in a compute '
                               f'region but is not an acc routine (a GPU build fails to link)");')
            stack.extend(x.children)
        return out

    def gen_compute_body(self, n: Node, p: AccLine, rest: list[AccLine], combined: bool,
                         ctx: Ctx) -> str:
        if combined:
            if n.type != "for_statement":
                self.warnings.append(f"line {p.line}: '{p.directive}' not followed by a for")
                return self.gen_with(n, rest, ctx)
            return self.gen_loop(n, p, rest, ctx)
        return self.gen_with(n, rest, ctx)

    def open_team(self, cid: int, ng_expr: str, ctx: Ctx, private: list[str]) -> tuple[str, Ctx]:
        """``{ ... omp parallel ... for each gang { per-gang copies`` (caller closes 3 braces)."""
        g = f"__acc_G{cid}"
        parts = [f"{{ int {g} = accrt_ngangs((long)({ng_expr}));",
                 f'_Pragma("omp parallel num_threads(accrt_threads({g}))")',
                 f"{{ int __acc_nt{cid} = omp_get_num_threads(); for (int __acc_gi{cid} = "
                 f"omp_get_thread_num(); __acc_gi{cid} < {g}; __acc_gi{cid} += __acc_nt{cid}) {{",
                 f"accrt_set_gang(accrt_pick(__acc_gi{cid}, {g}), {g});"]
        rename = dict(ctx.rename)
        for v in ctx.bound:
            parts.append(f"unsigned char __acc_g_{v}[ACCRT_SLOT({v})] __attribute__((aligned(16))); "
                         f"__typeof__({v}) *__acc_gv_{v} = (__typeof__({v}) *)accrt_fp("
                         f"__acc_v_{v}, __acc_g_{v}, sizeof({v}), __acc_k_{v});")
            rename[v] = f"(*__acc_gv_{v})"
        for v in sorted(ctx.loopvars):
            parts.append(f"__typeof__({v}) __acc_lv_{v};")
        for v in private:
            parts.append(f"__typeof__({v}) __acc_pv_{v}; memset(&__acc_pv_{v}, 0xff, "
                         f"sizeof __acc_pv_{v});")
            rename[v] = f"__acc_pv_{v}"
        return " ".join(parts) + " ", replace(ctx, rename=rename, team=True)

    def gang_reduction_vars(self, n: Node, combined) -> set[str]:
        """Variables reduced by the combined construct or by a gang-level loop inside it."""
        out: set[str] = set()
        if combined is not None:
            for c in combined.clauses:
                if c.name == "reduction":
                    out.update(c.variables())
        for a in self.lines:
            if a.pragma is None or a.directive != "loop" or not (
                    n.start_byte <= a.start < n.end_byte):
                continue
            if a.pragma.has("gang"):
                for c in a.pragma.clauses:
                    if c.name == "reduction":
                        out.update(c.variables())
        return out

    # ---- standalone directives -------------------------------------------------------------
    def standalone(self, p: AccLine, ctx: Ctx) -> str:
        prag = p.pragma
        d = p.directive
        if prag is None:
            return ""
        if d in ("enter data", "exit data", "update", "declare"):
            if d == "enter data" or d == "declare":
                calls = data_calls(prag, p.line, dynamic=1, arrays=self.param_arrays(p))
            elif d == "exit data":
                calls = exit_calls(prag, p.line)
            else:
                calls = update_calls(prag, p.line)
            if not calls:
                return ""
            body = (f"accrt_begin({self.file_c}, {p.line}); " + " ".join(calls)
                    + f" accrt_end({self.file_c}, {p.line});")
            if d == "declare" and self._file_scope(p):
                return (f"static void __attribute__((constructor(200))) __acc_declare_{p.line}"
                        f"(void) {{ accrt_init(); {body} }}")
            cond = prag.clause("if")
            if cond is not None and cond.args:
                body = f"if ({cond.args}) {{ {body} }}"
            return "{ " + body + " }"
        return ""

    def _file_scope(self, p: AccLine) -> bool:
        node = self.tree.root_node.descendant_for_byte_range(p.start, p.start)
        while node is not None:
            if node.type == "function_definition":
                return False
            node = node.parent
        return True

    def run(self) -> Translation:
        root = self.tree.root_node
        body = self.gen(root, Ctx())
        # text before/after the root node (leading comments are inside it; be safe)
        head = self.gap(0, root.start_byte, Ctx())
        tail = self.gap(root.end_byte, len(self.src), Ctx())
        code = (head + body + tail).encode("utf-8", "surrogateescape")
        return Translation(code, self.constructs, self.warnings)


def translate(src: bytes, label: str, nonvars: set[str],
              functions: tuple[set[str], set[str]] = (set(), set())) -> Translation:
    """Translate one C file (see the module doc); ``functions``: the program's defined and
    ``routine`` functions (:func:`cnames.program_functions`)."""
    return Emitter(src, label, nonvars, functions).run()
