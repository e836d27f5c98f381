"""The translation unit the compile check compiles: a generated function around the loop.

Every free identifier of the loop is declared with the type :mod:`accellium.evaluation.c_infer`
inferred for it; the enclosing directives are reproduced around the loop (``data``/``parallel``/
``kernels`` as blocks, an enclosing annotated loop as a generated ``for`` nest of its
``collapse`` depth); an orphaned ``loop`` directive (its compute construct is in a caller) goes in
a ``kernels`` block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from accellium.dataset.loops import parse_tree
from accellium.dataset.pragma import (
    COMPUTE_DIRECTIVES,
    DATA_CLAUSES,
    IDENT,
    LOOP_DIRECTIVES,
    Clause,
    Pragma,
    PragmaError,
    parse,
    split_top_level,
    validate,
)
from accellium.evaluation.c_clause_types import clause_facts
from accellium.evaluation.c_infer import CAPS, Facts, Shape, analyse_tree, scalar
from accellium.evaluation.c_prelude import (
    C_KEYWORDS,
    KNOWN,
    KNOWN_CPP,
    PRELUDE_C,
    PRELUDE_CPP,
    STD_HEADERS,
)

__all__ = ["build_source", "FN"]

FN = "__acc_check"

# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------


class _Renderer:
    def __init__(self, lang: str):
        self.lang = lang
        self.structs: list[str] = []
        self.n = 0

    def base_type(self, s: Shape) -> str:
        if s.kind == "struct":
            return self.struct(s)
        if s.kind == "func":
            return "double"
        return "int" if s.is_int else "double"

    def struct(self, s: Shape, tag: str | None = None) -> str:
        self.n += 1
        tag = tag or f"__acc_s{self.n}"
        members = [self.member(k, v) for k, v in sorted(s.fields.items())]
        body = " ".join(members) or "double __pad;"
        if self.lang == "cpp":
            self.structs.append(f"struct {tag} {{ {body} }};")
            return tag
        self.structs.append(f"struct {tag} {{ {body} }};")
        return f"struct {tag}"

    def member(self, name: str, s: Shape) -> str:
        if s.kind == "func":
            ret = self.decl_type(s.elem or scalar())
            if self.lang == "cpp":
                return f"template<class... A> {ret}& {name}(A...);"
            return f"{ret} (*{name})();"
        return self.decl(name, s) + ";"

    def decl_type(self, s: Shape) -> str:
        stars = 0
        while s.kind == "ptr":
            stars += 1
            s = s.elem or scalar()
        return self.base_type(s) + " " + "*" * stars if stars else self.base_type(s)

    def decl_fixed(self, name: str, s: Shape) -> str:
        """A pointer to fixed-size rows (``double (*a)[64][64]``): multi-dimensional array
        sections must be contiguous."""
        rank = 0
        while s.kind == "ptr":
            rank += 1
            s = s.elem or scalar()
        return f"{self.base_type(s)} (*{name})" + "[64]" * (rank - 1)

    def decl(self, name: str, s: Shape) -> str:
        return f"{self.decl_type(s).rstrip()} {name}"


_VAR_CLAUSES = DATA_CLAUSES | {"private", "firstprivate", "reduction"}


def _sanitize_context(p: Pragma) -> Pragma:
    """An enclosing directive as gcc 12 accepts it: a variable in one data clause only, no
    ``async``/``wait`` on ``data`` (gcc does not implement them there)."""
    seen: set[str] = set()
    out: list[Clause] = []
    for c in p.clauses:
        name = c.name.lower()
        if p.directive == "data" and name in ("async", "wait"):
            continue
        if name not in _VAR_CLAUSES or c.args is None:
            out.append(c)
            continue
        prefix = ""
        args = c.args
        if name == "reduction" and ":" in args:
            op, _, args = args.partition(":")
            prefix = op.strip() + ":"
        keep = []
        for a in split_top_level(args):
            m = re.match(rf"\s*({IDENT})", a)
            base = m.group(1) if m else a
            if base in seen:
                continue
            seen.add(base)
            keep.append(a)
        if keep:
            out.append(Clause(c.name, prefix + ", ".join(keep)))
    return Pragma(p.directive, tuple(out))


def _label_loop_wrappers(enclosing: Sequence[str]) -> tuple[list[str], list[str], bool, bool]:
    """Opening and closing lines reproducing ``enclosing``; whether a compute construct is
    among them; whether an orphaned ``loop`` directive is."""
    opens: list[str] = []
    closes: list[str] = []
    compute = orphan = False
    for k, text in enumerate(enclosing):
        try:
            p = parse(text)
        except PragmaError:
            continue
        bad = {x.clause for x in validate(p) if x.clause is not None}
        if bad:  # the context is not under test: drop clauses gcc would reject (``pipe``)
            p = Pragma(p.directive, tuple(c for c in p.clauses if c.name not in bad))
        p = _sanitize_context(p)
        line = p.render()
        if p.directive in LOOP_DIRECTIVES:
            depth = 1
            c = p.clause("collapse")
            if c is not None and c.args:
                m = re.search(r"\d+", c.args)
                depth = int(m.group(0)) if m else 1
            opens.append(line)
            compute = compute or p.directive != "loop"
            orphan = orphan or p.directive == "loop"
            for d in range(depth):
                v = f"__acc_o{k}_{d}"
                opens.append(f"for (int {v} = 0; {v} < 2; {v}++) {{")
                closes.append("}")
        elif p.directive in ("parallel", "kernels", "serial", "data", "host_data"):
            opens.append(line)
            opens.append("{")
            closes.append("}")
            compute = compute or p.directive in COMPUTE_DIRECTIVES
    return opens, closes, compute, orphan


def build_source(loop: str, pragma: str, lang: str = "c", enclosing: Sequence[str] = ()) -> str:
    """The translation unit that is compiled for ``pragma`` above ``loop``."""
    lang = "cpp" if lang in ("cpp", "c++", "cxx") else "c"
    facts = _infer(loop, pragma, lang, enclosing)
    r = _Renderer(lang)
    decls = _Decls(types=_type_decls(facts, r, lang))
    _free_decls(facts, r, lang, loop, decls)
    ns_decls = _namespace_decls(facts, r)
    members = [r.member(k, v) for k, v in sorted(facts.this_fields.items())] \
        if facts.uses_this else []
    opens, closes, compute, orphan = _label_loop_wrappers(enclosing)
    try:
        label = parse(pragma).directive
    except PragmaError:
        label = ""
    if (label == "loop" or orphan) and not compute:
        # an orphaned loop: the compute construct is in a caller; a kernels region is the most
        # permissive stand-in (gang/worker/vector arguments are allowed there)
        opens = ["#pragma acc kernels", "{", *opens]
        closes = [*closes, "}"]
    out = [PRELUDE_CPP if lang == "cpp" else PRELUDE_C]
    if lang == "cpp" and "std::" in loop:
        out = [STD_HEADERS]
    if any("__acc_lvalue" in m for m in decls.macros):
        out.append("extern double __acc_lvalue[1];")
    out.extend(decls.macros)
    if decls.consts:
        out.append("enum { " + ", ".join(f"{c} = 64" for c in decls.consts) + " };")
    out.extend(r.structs)
    out.extend(decls.types)
    out.extend(ns_decls)
    out.extend(decls.protos)
    if facts.uses_this:
        out.append("struct __acc_this { " + " ".join(members))
    out.append(f"void {FN}({', '.join(decls.params) or 'void'}) {{")
    out.extend(opens)
    out.append(" ".join(pragma.split()))
    out.append(_OTHER_PRAGMA.sub("", loop))
    out.extend(closes)
    out.append("}")
    if facts.uses_this:
        out.append("};")
    return "\n".join(out) + "\n"


@dataclass
class _Decls:
    """The declarations of the free identifiers, by kind."""

    params: list[str] = field(default_factory=list)
    protos: list[str] = field(default_factory=list)
    macros: list[str] = field(default_factory=list)
    consts: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


def _infer(loop: str, pragma: str, lang: str, enclosing: Sequence[str]) -> Facts:
    wrapped = f"void {FN}(void) {{\n{loop}\n}}\n"
    tree = parse_tree(wrapped.encode("utf-8"), lang)
    facts = Facts(lang)
    analyse_tree(tree.root_node, facts)
    clause_facts([pragma, *enclosing], facts)
    for tname in list(facts.types):
        # a "type" that is only called, never used to declare anything, is a function
        if tname not in facts.shapes and re.search(rf"\b{re.escape(tname)}\s*\(", loop) and \
                not re.search(rf"\b{re.escape(tname)}\s*[*&]*\s*[A-Za-z_]\w*\s*[=;,\[)]", loop):
            del facts.types[tname]
            facts.add(tname, Shape("func", elem=scalar()))
    return facts


def _type_decls(facts: Facts, r: _Renderer, lang: str) -> list[str]:
    """Typedefs for unknown type names: a struct when a local of that type has fields."""
    known = KNOWN | (KNOWN_CPP if lang == "cpp" else set())
    out: list[str] = []
    for tname in sorted(facts.types):
        if tname in known or tname in facts.shapes:
            continue
        fields: dict[str, Shape] = {}
        for var, ty in facts.local_types.items():
            vs = facts.shapes.get(var)
            while vs is not None and vs.kind == "ptr":
                vs = vs.elem
            if ty == tname and vs is not None and vs.kind == "struct":
                for k, v in vs.fields.items():
                    fields[k] = fields[k].merge(v) if k in fields else v
        if fields:
            tag = r.struct(Shape("struct", fields=fields), tag=f"__acc_t_{tname}")
            out.append(f"typedef {tag} {tname};")
        else:
            out.append(f"typedef double {tname};")
    return out


def _free_decls(facts: Facts, r: _Renderer, lang: str, loop: str, out: _Decls) -> None:
    """Parameters, prototypes, macros and constants for the free identifiers."""
    known = KNOWN | (KNOWN_CPP if lang == "cpp" else set())
    reserved = C_KEYWORDS | {FN} | (set(facts.types) - set(facts.shapes)) | facts.labels
    for name in sorted(facts.shapes):
        s = facts.shapes[name]
        if name in facts.local or name in known or name in reserved or name.startswith("__acc"):
            continue
        if s.kind == "func":
            ret = r.decl_type(s.elem or scalar()).rstrip()
            if lang == "cpp":
                out.protos.append(f"template<class... A> {ret}& {name}(A...);")
            elif s.lvalue:
                out.macros.append(f"#define {name}(...) (*(({ret}*)__acc_lvalue))")
            else:
                out.protos.append(f"{ret} {name}();")
        elif s.kind == "scalar" and CAPS.match(name) and name not in facts.clause_bases \
                and not _assigned(name, loop):
            out.consts.append(name)
        elif name in facts.multi_section and s.kind == "ptr":
            out.params.append(r.decl_fixed(name, s))
        else:
            out.params.append(r.decl(name, s))


def _namespace_decls(facts: Facts, r: _Renderer) -> list[str]:
    out = []
    for ns, items in sorted(facts.namespaces.items()):
        body = []
        for nm, s in sorted(items.items()):
            if s.kind == "func":
                ret = r.decl_type(s.elem or scalar()).rstrip()
                body.append(f"template<class... A> {ret}& {nm}(A...);")
            else:
                body.append(f"extern {r.decl(nm, s)};")
        out.append(f"namespace {ns} {{ {' '.join(body)} }}")
    return out


# Non-OpenACC pragmas inside the loop (``omp``, ``unroll``, ``ivdep``) are not under test and
# would be "unknown pragmas" here.
_OTHER_PRAGMA = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+(?!acc\b)(?:[^\n]*\\\n)*[^\n]*",
                           re.MULTILINE)


def _assigned(name: str, loop: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)", loop) is not None
