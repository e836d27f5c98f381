"""Loop directives of the translator: gang / lane partitioning, permuted iteration orders,
collapse, reductions (per-gang and per-lane partials), private copies and lane write checks."""

from __future__ import annotations

import re
from dataclasses import replace

from tree_sitter import Node, Tree

from accellium.dataset.pragma import IDENT, Pragma, split_top_level
from accellium.evaluation.dynamic.accpragmas import AccLine
from accellium.evaluation.dynamic.cnames import NonVars
from accellium.evaluation.dynamic.cscan import (
    collapse_chain,
    free_names,
    objects_in_scope,
    parse_header,
)
from accellium.evaluation.dynamic.emitctx import Ctx

__all__ = ["LoopGen", "RED_OPS"]

RED_OPS = {"+": "ADD", "*": "MUL", "max": "MAX", "min": "MIN", "&": "BAND", "|": "BOR",
           "^": "BXOR", "&&": "LAND", "||": "LOR"}
_IDENT = re.compile(rf"^{IDENT}$")


def _depth(prag: Pragma) -> int:
    c = prag.clause("collapse")
    if c is not None and c.args:
        m = re.search(r"(\d+)\s*$", c.args)
        if m:
            return max(1, int(m.group(1)))
    t = prag.clause("tile")
    if t is not None and t.args:
        return max(1, len(split_top_level(t.args)))
    return 1


def _reductions(prag: Pragma) -> list[tuple[str, str]]:
    out = []
    for c in prag.clauses:
        if c.name != "reduction" or not c.args or ":" not in c.args:
            continue
        op = RED_OPS.get((c.reduction_op() or "").strip())
        if op is None:
            continue
        for v in split_top_level(c.args.split(":", 1)[1]):
            if _IDENT.match(v.strip()):
                out.append((op, v.strip()))
    return out


def _privates(prag: Pragma, name: str = "private") -> list[tuple[str, str | None, str | None]]:
    """(variable, section start, section length) of each private item."""
    out = []
    for c in prag.clauses:
        if c.name != name or not c.args:
            continue
        for item in split_top_level(c.args):
            m = re.match(rf"^\s*({IDENT})\s*(\[(.*)\])?\s*$", item)
            if not m:
                continue
            lo = ln = None
            if m.group(3) is not None:
                parts = split_top_level(m.group(3).split("][")[0], ":")
                if len(parts) == 2:
                    lo, ln = parts[0] or "0", parts[1] or None
            out.append((m.group(1), lo, ln))
    return out


class LoopGen:
    """Mixed into the emitter (``translate.Emitter``): the emitter's state and the generators
    the loop code calls, declared here and provided by ``Emitter`` and ``ComputeGen``."""

    src: bytes
    label: str
    nonvars: NonVars
    lang: str  # "c" or "cpp": the grammar the file is read in
    defined: set[str]
    routines: set[str]
    tree: Tree
    lines: list[AccLine]
    warnings: list[str]
    constructs: int

    def nonvars_at(self, n: Node) -> set[str]:
        """The file's names that are not variables at ``n``: those no object declared in scope
        there hides (:meth:`NonVars.at`)."""
        return self.nonvars.at(objects_in_scope(n))

    def new_id(self) -> int:
        raise NotImplementedError

    def gen(self, n: Node, ctx: Ctx) -> str:
        raise NotImplementedError

    def gen_with(self, n: Node, prags: list[AccLine], ctx: Ctx) -> str:
        raise NotImplementedError

    def open_team(self, cid: int, ng_expr: str, ctx: Ctx, private: list[str]) -> tuple[str, Ctx]:
        raise NotImplementedError

    def contains_partitioned(self, n: Node) -> bool:
        for a in self.lines:
            if a.pragma is None or not (n.start_byte < a.start < n.end_byte):
                continue
            d = a.directive
            if d == "loop" and not (a.pragma.has("seq") or a.pragma.has("auto")):
                return True
        return False

    def is_seq(self, prag: Pragma, ctx) -> bool:
        if prag.has("seq") or prag.has("auto") or ctx.construct == "serial":
            return True
        if ctx.construct == "kernels" and not prag.has("independent"):
            return True
        return False

    def gen_seq_loop(self, n: Node, prag: Pragma, rest: list[AccLine], ctx) -> str:
        decls, rename = self.private_decls(_privates(prag), self.new_id(), ctx)
        inner = replace(ctx, rename=rename)
        body = self.gen_with(n, rest, inner)
        return "{ " + decls + body + " }" if decls else body

    def private_decls(self, privs, lid: int, ctx) -> tuple[str, dict[str, str]]:
        rename = dict(ctx.rename)
        parts = []
        for v, lo, ln in privs:
            pv = f"__acc_pv{lid}_{v}"
            if ln is None:
                parts.append(f"__typeof__({v}) {pv}; memset(&{pv}, 0xff, sizeof {pv});")
            else:
                buf = f"__acc_pb{lid}_{v}"
                parts.append(
                    f"char {buf}[ACCRT_ISPTR({v}) ? (size_t)({ln}) * sizeof(({v})[0]) : "
                    f"sizeof({v})] __attribute__((aligned(16))); memset({buf}, 0xff, sizeof {buf}); "
                    f"__typeof__(&({v})[0]) {pv} = ACCRT_ISPTR({v}) ? (__typeof__(&({v})[0]))"
                    f"(void *){buf} - ({lo}) : (__typeof__(&({v})[0]))(void *){buf};")
            rename[v] = pv
        return (" ".join(parts) + " ") if parts else "", rename

    def levels(self, n: Node, prag: Pragma, ctx) -> tuple[bool, bool]:
        explicit = {c.name for c in prag.clauses} & {"gang", "worker", "vector"}
        if explicit:
            gang = "gang" in explicit and not ctx.in_gang
            lane = bool(explicit & {"worker", "vector"}) or ("gang" in explicit and ctx.in_gang)
            return gang, lane
        if ctx.in_vector:
            return False, False  # no level left: runs sequentially in each lane (2.9.3)
        if ctx.in_gang or ctx.in_lane:
            return False, True
        return True, not self.contains_partitioned(n)

    def gen_loop(self, n: Node, p: AccLine, rest: list[AccLine], ctx) -> str:
        prag = p.pragma
        assert prag is not None
        if self.is_seq(prag, ctx):
            return self.gen_seq_loop(n, prag, rest, ctx)
        chain = collapse_chain(n, _depth(prag))
        heads = [parse_header(x) for x in chain] if chain else None
        if not heads or any(h is None for h in heads):
            self.warnings.append(f"line {p.line}: loop not in canonical form (or collapse not "
                                 "perfectly nested): run sequentially")
            return self.gen_seq_loop(n, prag, rest, ctx)
        gang, lane = self.levels(n, prag, ctx)
        if not gang and not lane:
            return self.gen_seq_loop(n, prag, rest, ctx)
        if gang and ctx.construct == "kernels" and not ctx.team:
            cid = self.new_id()
            team_open, tctx = self.open_team(cid, "0", ctx, [])
            inner = self.partitioned(n, p, heads, gang, lane, tctx)
            return team_open + inner + " } accrt_set_gang(-1, 0); } }"
        return self.partitioned(n, p, heads, gang, lane, ctx)

    def partitioned(self, n: Node, p: AccLine, heads, gang: bool, lane: bool, ctx) -> str:  # noqa: PLR0915 — emits one C block line by line
        prag = p.pragma
        assert prag is not None  # gen_loop partitions only parsed pragmas
        lid = self.new_id()
        N = str(lid)
        pre = ["{"]
        for k, h in enumerate(heads):
            lo = self.gen(h.lo, ctx)
            hi = self.gen(h.hi, ctx)
            st = self.gen(h.step, ctx) if h.step is not None else "1"
            sign = "" if h.step_sign > 0 else "-"
            pre.append(f"long long __acc_lo{N}_{k} = (long long)({lo}); long long __acc_st{N}_{k} "
                       f"= {sign}(long long)({st}); long long __acc_n{N}_{k} = accrt_trip("
                       f"__acc_lo{N}_{k}, (long long)({hi}), __acc_st{N}_{k}, {h.cmp});")
        total = " * ".join(f"__acc_n{N}_{k}" for k in range(len(heads)))
        pre.append(f"long long __acc_n{N} = {total}; long long __acc_c0{N}, __acc_c1{N}; "
                   f"accrt_gang_chunk(__acc_n{N}, {1 if gang else 0}, &__acc_c0{N}, &__acc_c1{N});")
        reds = _reductions(prag)
        rename = dict(ctx.rename)
        post = []
        targets = {v: ctx.rename.get(v, v) for _, v in reds}
        for op, v in reds:
            if gang:
                pre.append(f"__typeof__({v}) __acc_rg{N}_{v} = (__typeof__({v}))ACCRT_ID_{op}({v});")
                post.append(f'_Pragma("omp critical(accrt_red)") {{ ACCRT_CB_{op}({targets[v]}, '
                            f"__acc_rg{N}_{v}); }}")
                rename[v] = f"__acc_rg{N}_{v}"
        in_compute = ctx.construct is not None
        lctx = replace(ctx, rename=rename, in_gang=ctx.in_gang or gang,
                       in_lane=ctx.in_lane or lane, in_vector=ctx.in_vector or prag.has("vector"))
        own = {h.var for h in heads}
        # the indices of the loops the directive applies to are private already and hold each
        # iteration's value (OpenACC 3.3 2.6.1): naming them in `private` makes no fresh copy
        privs = [p for p in _privates(prag) if p[0] not in own]
        if lane:
            lanes = "accrt_nlanes()" if in_compute else "accrt_lanes_here()"
            if in_compute:
                pre.append(f"accrt_wtab __acc_wt{N}; accrt_wtab_init(&__acc_wt{N});")
            pre.append(f"int __acc_V{N} = {lanes}; int __acc_pg{N} = accrt_tls_gang, "
                       f"__acc_pG{N} = accrt_tls_ngang;")
            pre.append(f'_Pragma("omp parallel num_threads(accrt_threads(__acc_V{N}))")')
            pre.append(f"{{ int __acc_lnt{N} = omp_get_num_threads(); accrt_set_gang(__acc_pg{N}, "
                       f"__acc_pG{N}); for (int __acc_li{N} = omp_get_thread_num(); __acc_li{N} < "
                       f"__acc_V{N}; __acc_li{N} += __acc_lnt{N}) {{ int __acc_l{N} = accrt_pick("
                       f"__acc_li{N}, __acc_V{N}); int __acc_lc{N} = 0; (void)__acc_lc{N};")
            lrename = dict(rename)
            for op, v in reds:
                pre.append(f"__typeof__({v}) __acc_rl{N}_{v} = (__typeof__({v}))ACCRT_ID_{op}({v});")
                lrename[v] = f"__acc_rl{N}_{v}"
            # each lane gets its own copy of the indices of the loops it runs (this one's and
            # those nested in it); an enclosing loop's index is not the lanes' to privatise:
            # they run within one iteration of that loop and read its value (OpenACC 3.3 2.9)
            # (the lane's copy even when an enclosing construct's `private` named the index:
            # the index of a loop with a loop directive is private to each thread that runs
            # it, OpenACC 3.3 2.6.1, so lanes running a nested `loop seq` never share it)
            nested = (free_names(n, self.nonvars_at(n))[1] & ctx.loopvars) - own
            for v in sorted(nested):
                pre.append(f"__typeof__({v}) __acc_lv_{v};")
                lrename[v] = f"__acc_lv_{v}"
            loop = (f"for (long long __acc_k{N} = __acc_c0{N} + __acc_l{N}; __acc_k{N} < "
                    f"__acc_c1{N}; __acc_k{N} += __acc_V{N})")
            lane_post = [f'_Pragma("omp critical(accrt_red)") {{ ACCRT_CB_{op}('
                         f"{rename[v] if gang else targets[v]}, __acc_rl{N}_{v}); }}"
                         for op, v in reds]
            private_names = {v for v, _, _ in privs} | {v for _, v in reds} | own | nested
            wcheck = (f"__acc_wt{N}", f"__acc_it{N}", f"__acc_lc{N}") if in_compute else None
            lctx = replace(lctx, rename=lrename, wcheck=wcheck,
                           lane_private=frozenset(private_names))
            close = " ".join(lane_post) + " } }"
        else:
            loop = f"for (long long __acc_k{N} = __acc_c0{N}; __acc_k{N} < __acc_c1{N}; __acc_k{N}++)"
            close = ""
        it = [f"{{ long long __acc_it{N} = accrt_perm(__acc_k{N}, __acc_n{N}); "
              f"long long __acc_rem{N} = __acc_it{N}; (void)__acc_rem{N};"]
        for k in reversed(range(len(heads))):
            it.append(f"long long __acc_i{N}_{k} = __acc_rem{N} % __acc_n{N}_{k}; "
                      f"__acc_rem{N} /= __acc_n{N}_{k};")
        for k, h in enumerate(heads):
            val = f"__acc_lo{N}_{k} + __acc_i{N}_{k} * __acc_st{N}_{k}"
            if h.decl_type is not None:
                it.append(f"{h.decl_type.strip()} {h.var} = ({h.decl_type.strip()})({val});")
            else:
                name = lctx.rename.get(h.var, h.var)
                if not _IDENT.match(name):
                    name = h.var
                it.append(f"__typeof__({h.var}) {name} = (__typeof__({h.var}))({val});")
        pdecls, prename = self.private_decls(privs, lid, lctx)
        it.append(pdecls)
        ictx = replace(lctx, rename={k: v for k, v in prename.items()
                                     if k not in {h.var for h in heads if h.decl_type}})
        body_node = heads[-1].body
        dropped = self.src[n.start_byte:body_node.start_byte].count(b"\n")
        body = self.gen(body_node, ictx)
        return (" ".join(pre) + " " + loop + " " + " ".join(it) + "\n" * dropped + body
                + " } " + close + " " + " ".join(post) + " }")
