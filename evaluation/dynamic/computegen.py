"""Compute constructs and standalone data directives for the translator (:mod:`translate`).

``parallel``/``kernels``/``serial`` regions become ``accrt_var`` bindings (separate device
copies through the present table), an OpenMP gang team and the region's body; ``enter data``,
``exit data``, ``update`` and ``declare`` become runtime calls on the pragma's own line.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property

from tree_sitter import Node

from accellium.dataset.analysis.macros import visible_at
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import iter_nodes, root_of
from accellium.dataset.offload.uses import declarator_name
from accellium.dataset.pragma import Pragma
from accellium.evaluation.dynamic.accpragmas import (
    AccLine,
    c_string,
    data_calls,
    exit_calls,
    update_calls,
)
from accellium.evaluation.dynamic.cmacros import macro_bindings, macro_names, rewritten
from accellium.evaluation.dynamic.cnames import marked_routine, routine_marks
from accellium.evaluation.dynamic.cscan import deref_members, free_names, objects_in_scope, text
from accellium.evaluation.dynamic.cxxthis import SELF, this_members
from accellium.evaluation.dynamic.emitctx import Ctx
from accellium.evaluation.dynamic.loopgen import LoopGen

COMPUTE = {"parallel": "ACCRT_PARALLEL", "kernels": "ACCRT_KERNELS", "serial": "ACCRT_SERIAL_C"}


def _private_copy(v: str) -> str:
    """The declaration of ``v``'s private copy ``__acc_pv_v``, filled with 0xff bytes (an
    uninitialised private shows)."""
    return f"__typeof__({v}) __acc_pv_{v}; memset(&__acc_pv_{v}, 0xff, sizeof __acc_pv_{v});"


def _var_call(v: str, src_v: str, isptr: str, slot: str, kind: str, base: str, mode: str,
              line: int, size: str = "") -> str:
    """The runtime's ``accrt_var`` call for the variable ``v`` of a compute construct
    (``src_v``: how the enclosing code names it; ``isptr``: the C test of whether it is a
    pointer; ``slot``/``kind``: the names of its slot and kind locals; ``size``: its size in
    bytes, ``sizeof(v)`` by default)."""
    return (f"accrt_var((void *)&({src_v}), {size or f'sizeof({v})'}, {isptr}, "
            f"__builtin_classify_type({v}), {slot}, &{kind}, {COMPUTE[base]}, "
            f"{mode}, {c_string(v)}, {line})")


def _unsized_array(dec: Node) -> str | None:
    """The name ``dec`` declares when it is an array of unknown size without an initialiser
    (``E[]``; its first dimension: ``M[][4]``)."""
    holder: Node | None = None
    cur: Node | None = dec
    while cur is not None and cur.type != "identifier":
        holder, cur = cur, cur.child_by_field_name("declarator")
    if cur is None or holder is None or holder.type != "array_declarator" or \
            holder.child_by_field_name("size") is not None or dec.type == "init_declarator":
        return None
    return text(cur)


class ComputeGen(LoopGen):
    """Mixed into the emitter (``translate.Emitter``): compute regions and data directives."""

    @property
    def file_c(self) -> str:
        return c_string(self.label)

    def size(self, v: str) -> str:
        """``sizeof(v)``, or 0 for an array of unknown size (``extern double E[];``), whose
        type is incomplete until a definition elsewhere completes it (C11 6.2.5p22,
        6.5.3.4p1: ``sizeof`` cannot be applied to it); the runtime finds what a clause
        mapped of it from its address."""
        return "(size_t)0" if v in self.incomplete_arrays else f"sizeof({v})"

    def slot(self, v: str) -> str:
        """The size of ``v``'s slot (its firstprivate copy), 1 for an array of unknown size
        (:meth:`size`: an array is never copied into a slot)."""
        return "1" if v in self.incomplete_arrays else f"ACCRT_SLOT({v})"

    @cached_property
    def incomplete_arrays(self) -> frozenset[str]:
        """The names the file declares at file scope only as arrays of unknown size
        (``extern double E[];``, no initialiser)."""
        incomplete, complete = set(), set()
        for d in iter_nodes(self.tree.root_node):
            if d.type != "declaration" or d.parent is None or \
                    d.parent.type not in ("translation_unit", "linkage_specification",
                                          "declaration_list"):
                continue
            for dec in d.children_by_field_name("declarator"):
                name = _unsized_array(dec)
                if name:
                    incomplete.add(name)
                elif (own := declarator_name(dec)):
                    complete.add(own)
        return frozenset(incomplete - complete)

    def gen_compute(self, n: Node, p: AccLine, rest: list[AccLine], ctx: Ctx) -> str:
        prag = p.pragma
        assert prag is not None
        self.constructs += 1
        base = p.directive.split(" ")[0]
        combined = p.directive.endswith(" loop")
        free, loopvars = free_names(n, self.nonvars_at(n))
        hidden = [v for v in macro_names(n, objects_in_scope(n), self.nonvars_at(n))
                  if v not in free and v not in ctx.skip]
        free, members = self.through_this(n, [v for v in free if v not in ctx.skip], ctx)
        # variables named only by macro uses the region writes out expanded (cmacros)
        through = macro_bindings(n, hidden, self.defined)
        free += through
        hidden = [v for v in hidden if v not in through]
        red_vars = self.gang_reduction_vars(n, prag)
        # a combined construct's `private` applies to its loop (OpenACC 3.3, 2.11): the loop
        # makes the copies, and the construct does not bind the variable (a private pointer
        # need not point to device data)
        named_private = [v for c in prag.clauses if c.name == "private" for v in c.variables()]
        private = [] if combined else named_private
        dflt = prag.clause("default")
        mode_base = "ACCRT_M_DEFPRESENT" if (dflt is not None and "present" in (
            dflt.args or "")) else "0"
        cid = self.new_id()
        pre = [f"accrt_begin({self.file_c}, {p.line});",
               *data_calls(prag, p.line, unsized=self.incomplete_arrays)]
        post = f" accrt_compute_end(); accrt_end({self.file_c}, {p.line}); }}"
        rename = dict(ctx.rename)
        bound = []
        for v in free:
            if v in loopvars or v in named_private:
                continue
            mode = mode_base + (" | ACCRT_M_RED" if v in red_vars else "")
            src_v = ctx.rename.get(v, v)
            if v == "this":  # a prvalue: bound through a local copy
                pre.append(f"__typeof__(this) {SELF} = this;")
                src_v = SELF
            pre.append(
                f"int __acc_k_{v}; unsigned char __acc_s_{v}[{self.slot(v)}] "
                f"__attribute__((aligned(16))); __typeof__({v}) *__acc_v_{v} = (__typeof__({v}) *)"
                + _var_call(v, src_v, f"ACCRT_ISPTR({v})", f"__acc_s_{v}", f"__acc_k_{v}", base,
                            mode, p.line, self.size(v)) + ";")
            rename[v] = f"(*__acc_v_{v})"
            bound.append(v)
        pre += [self.pointer_check(v, ctx.rename.get(v, v), base, mode_base, p.line)
                for v in hidden]
        # pointer members of the aggregates' device copies that the region dereferences
        for v, paths in deref_members(n, set(bound), members).items():
            for path in paths:
                dev = f"(*__acc_v_{v}){path[len(v):]}"
                pre.append(f"if (ACCRT_ISPTR({dev})) accrt_member_ptr((const void *)&({dev}), "
                           f"{c_string(path)}, {p.line});")
        for v in sorted(loopvars):
            pre.append(f"__typeof__({v}) __acc_lv_{v};")
            rename[v] = f"__acc_lv_{v}"
        pre.append("accrt_compute_begin();")
        inner = Ctx(rename=rename, construct=base, bound=tuple(bound),
                    loopvars=frozenset(loopvars), members=members if "this" in bound else frozenset())
        if base == "parallel":
            ng = prag.clause("num_gangs")
            ng_expr = ng.args if ng is not None and ng.args else "0"
            team_open, inner = self.open_team(cid, ng_expr, inner, private)
            body = self.gen_compute_body(n, p, rest, combined, inner)
            return ("{ " + " ".join(pre) + " " + team_open + body
                    + " } accrt_set_gang(-1, 0); } }" + post)
        # a `serial` construct is one gang (2.5.3): its private variables are one copy,
        # uninitialised, as each gang's copy in `parallel` (open_team)
        decls = [_private_copy(v) for v in private]
        if private:
            inner = replace(inner, rename={**inner.rename,
                                           **{v: f"__acc_pv_{v}" for v in private}})
        body = self.gen_compute_body(n, p, rest, combined, inner)
        return "{ " + " ".join(pre + decls) + " { " + body + " }" + post

    def through_this(self, n: Node, free: list[str], ctx: Ctx) -> tuple[list[str], frozenset[str]]:
        """The region's free variables with C++'s ``this`` for the data members it names bare
        (and for ``this`` itself), and those members (:mod:`.cxxthis`): the object is reached
        through the pointer, not bound member by member."""
        members = this_members(n, self.tree.root_node) if self.lang == "cpp" else None
        members = frozenset() if members is None else members - ctx.skip
        if any(v in members for v in free) or any(m.type == "this" for m in iter_nodes(n)):
            free = ["this", *(v for v in free if v not in members)]
        return free, members

    @staticmethod
    def pointer_check(v: str, src_v: str, base: str, mode: str, line: int) -> str:
        """The check of a pointer ``v`` the region uses only through a macro's expansion
        (:mod:`cmacros`): where no data clause or region maps what it points to, the kernel
        would dereference a host address on a discrete GPU (OpenACC 3.3, 2.6.2: a pointer is
        firstprivate), and ``accrt_var`` fails so.  Only a pointer is checked (a compile-time
        test): such a use is one the region cannot write out expanded
        (:func:`cmacros.macro_bindings`), so a variable or an array is left to the host as
        before (a copy back would undo the body's writes)."""
        return (f"if (ACCRT_ISPTR({v})) {{ int __acc_mk_{v}; unsigned char "
                f"__acc_ms_{v}[ACCRT_SLOT({v})] __attribute__((aligned(16))); (void)"
                + _var_call(v, src_v, "1", f"__acc_ms_{v}", f"__acc_mk_{v}", base, mode, line)
                + "; }")

    def macro_use(self, n: Node, ctx: Ctx) -> str | None:
        """A macro use in a compute region written out expanded, its names renamed as the
        region's own (:func:`cmacros.rewritten`); None: left to the preprocessor."""
        f = n.child_by_field_name("function") if n.type == "call_expression" else n
        if f is None or f.type != "identifier" or text(f) not in self.file_macros:
            return None
        macros = visible_at(root_of(n), n.start_byte)
        if not macros:
            return None
        rename = {k: v for k, v in ctx.rename.items() if k not in ctx.skip}
        return rewritten(n, dict(macros), rename, self.defined)

    @property
    def file_macros(self) -> set[str]:
        """The names the file's own ``#define`` lines define."""
        got = getattr(self, "_file_macros", None)
        if got is None:
            got = set(re.findall(rb"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", self.src,
                                 re.MULTILINE))
            got = {g.decode() for g in got}
            self._file_macros = got
        return got

    def routine_check(self, call: Node) -> str:
        """A call in a compute region to a program function that is not an ``acc routine``,
        or to a member of an object (a member function, a function pointer a structure holds:
        no ``routine`` of the program names it), does not link for a GPU: a compile error here too, written where the call is (in a
        group the preprocessor skips, `#ifdef TIMERS`, it is skipped with the call); ""
        for any other call."""
        f = call.child_by_field_name("function")
        while f is not None and f.type == "parenthesized_expression" and f.named_children:
            f = f.named_children[0]
        if f is not None and f.type == "field_expression":
            # a member of an object: a C++ member function or a structure's function pointer,
            # which no `routine` of the program's functions gives a device version
            if text(f.child_by_field_name("field")) in self.routines:
                return ""  # a member function the program declares `acc routine`
            name = "".join(text(f).split())
            why = (f'"member \'{name}\' is called in a compute region: no acc routine gives '
                   f'it a device version (a GPU build fails to link)"')
        else:
            name = text(f) if f is not None and f.type == "identifier" else ""
            if not name or name not in self.defined or name in self.routines:
                return ""
            why = (f'"function \'{name}\' is called in a compute region but is not an acc '
                   f'routine (a GPU build fails to link)"')
        if self.lang == "cpp":  # C++ defines no type in sizeof: a lambda holds the assertion
            return f"(void)[] {{ static_assert(0, {why}); }}, "
        return f"(void)sizeof(struct {{ _Static_assert(0, {why}); int __acc_x; }}), "

    def host_only(self, defn: Node) -> str:
        """The call a program function's body starts with in the emulation (""
        for ``main`` and for a function the program declares ``acc routine``): a function
        with no device version that runs while a compute region runs fails there as the GPU
        build's link does (OpenACC 3.3, 2.15.1), whatever form the call takes — an overloaded
        operator, a constructor, a member function, a call through a pointer or a macro —
        where :meth:`routine_check` sees only a call written by the function's name."""
        name, _ = function_name(defn)
        if not name or name == "main" or name in self.routines:
            return ""
        start = defn.parent.start_byte if defn.parent is not None and \
            defn.parent.type == "template_declaration" else defn.start_byte
        # `#pragma acc routine seq` right above it (a member's, a namespace's too)
        if marked_routine(self.src, self.routine_ends, start):
            return ""
        return f"accrt_host_only({c_string(name)}, {defn.start_point[0] + 1});"

    @property
    def routine_ends(self) -> list[int]:
        """:func:`cnames.routine_marks` of the file, read once."""
        got = getattr(self, "_routine_ends", None)
        if got is None:
            got = self._routine_ends = routine_marks(self.src)
        return got

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
            parts.append(f"unsigned char __acc_g_{v}[{self.slot(v)}] __attribute__((aligned(16))); "
                         f"__typeof__({v}) *__acc_gv_{v} = (__typeof__({v}) *)accrt_fp("
                         f"__acc_v_{v}, __acc_g_{v}, {self.size(v)}, __acc_k_{v});")
            rename[v] = f"(*__acc_gv_{v})"
        for v in sorted(ctx.loopvars):
            parts.append(f"__typeof__({v}) __acc_lv_{v};")
        for v in private:
            parts.append(_private_copy(v))
            rename[v] = f"__acc_pv_{v}"
        return " ".join(parts) + " ", replace(ctx, rename=rename, team=True)

    def gang_reduction_vars(self, n: Node, combined: Pragma | None) -> set[str]:
        """Variables reduced by the construct (a combined one, or a ``parallel``/``serial``
        whose own ``reduction`` combines the gangs' copies, OpenACC 3.3 2.5.15) or by a
        gang-level loop inside it."""
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
                calls = data_calls(prag, p.line, dynamic=1, unsized=self.incomplete_arrays)
            elif d == "exit data":
                calls = exit_calls(prag, p.line)
            else:
                calls = update_calls(prag, p.line, self.incomplete_arrays)
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
