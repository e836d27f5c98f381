"""Compile validity of a pragma without a GPU (DESIGN §6 ``compiles``).

The loop is wrapped in a generated function that declares every free identifier with a type
inferred from its uses (tree-sitter, :func:`dataset.loops.parse_tree`):

* ``x[i][j]`` → a pointer of rank 2 (``double **x``); the element type follows the use of the
  whole expression (``idx[i]`` used as a subscript → ``int *idx``);
* ``s.f`` / ``p->f`` → a generated ``struct`` with a field ``f`` (typed the same way, nested
  structs and member calls included); ``this->f`` → the function becomes a member function of a
  generated class;
* ``f(...)`` → a prototype (C: ``double f();``, C++: a variadic template returning ``double&``;
  a C call used as an lvalue becomes a macro);
* scalars are ``double`` unless used as an integer (subscript, ``%``, shifts, bit operators,
  loop iteration variable, array size, ``switch``) → ``int``; ``ALL_CAPS`` names with no other
  evidence are ``int`` constants (an enum, so ``case N:`` and array sizes work);
* unknown type names (``real``, ``T``, ``Vec3``) → ``typedef double`` (or a struct when fields are
  used), C++ ``std::`` names come from the standard headers.

Identifiers in the pragma and the enclosing directives' clauses are declared too (array sections
``a[0:n][0:m]`` give the rank).  The enclosing directives are reproduced around the loop
(``data``/``parallel``/``kernels`` as blocks, an enclosing annotated loop as a generated ``for``
nest of its ``collapse`` depth); an orphaned ``loop`` directive (its compute construct is in a
caller) goes in a ``kernels`` block.  The file is compiled with
``gcc -fopenacc -Werror=unknown-pragmas -c -o /dev/null`` (``g++`` for C++), in parallel, with a
timeout, and every result is cached by the hash of compiler, flags and source.

Not modelled (these make gold pragmas fail, see the report of :func:`gold_rate`): macros that
expand to statements or declarations, C++ classes used through overloaded operators, templates
whose parameters are values, lambdas capturing by reference, user-defined namespaces beyond a
flat declaration, and loops that are only a fragment of a larger preprocessor construct.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from accellium.dataset.loops import parse_tree
from accellium.dataset.pragma import (
    COMPUTE_DIRECTIVES,
    LOOP_DIRECTIVES,
    Clause,
    Pragma,
    PragmaError,
    parse,
    split_top_level,
    validate,
)

__all__ = ["CompileJob", "CompileResult", "build_source", "check", "check_many",
           "default_cache_dir", "compiler_available"]

TIMEOUT_S = 20.0
# No ``-w``: it would also silence the unknown-pragma diagnostics that -Werror promotes.
FLAGS = ("-fopenacc", "-Werror=unknown-pragmas", "-c", "-o", "/dev/null")
_FN = "__acc_check"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "accellium" / "compile"


def compiler_available(lang: str = "c") -> bool:
    from shutil import which

    return which("g++" if lang == "cpp" else "gcc") is not None


# ----------------------------------------------------------------------------------------------
# Shapes (a tiny type lattice)
# ----------------------------------------------------------------------------------------------


@dataclass
class Shape:
    kind: str = "scalar"  # scalar | ptr | struct | func
    is_int: bool = False
    elem: Shape | None = None  # ptr: element; func: return value
    fields: dict[str, Shape] = field(default_factory=dict)
    lvalue: bool = False  # func: the call result is assigned to
    weak: bool = False  # evidence from clauses only / ALL_CAPS constant

    def merge(self, other: Shape | None) -> Shape:
        if other is None:
            return self
        a, b = self, other
        order = {"scalar": 0, "ptr": 2, "struct": 1, "func": 3}
        if order[b.kind] > order[a.kind]:
            a, b = b, a
        out = Shape(a.kind, a.is_int or (b.kind == "scalar" and b.is_int and a.kind == "scalar"),
                    a.elem, dict(a.fields), a.lvalue or b.lvalue, a.weak and b.weak)
        if a.kind == b.kind:
            if a.kind in ("ptr", "func"):
                out.elem = a.elem.merge(b.elem) if a.elem else b.elem
            for k, v in b.fields.items():
                out.fields[k] = out.fields[k].merge(v) if k in out.fields else v
        elif a.kind == "ptr" and b.kind == "struct":
            # p->f and p[i] / p.f: a pointer to a struct
            base = out
            while base.elem is not None and base.elem.kind == "ptr":
                base = base.elem
            base.elem = (base.elem or Shape()).merge(b)
        return out


def _scalar(is_int: bool = False) -> Shape:
    return Shape("scalar", is_int)


# ----------------------------------------------------------------------------------------------
# Names the headers already declare
# ----------------------------------------------------------------------------------------------

# A tiny prelude instead of the system headers (a header costs 10-30x the compile itself):
# the constants, types and I/O functions loops use; everything else that is called is declared
# as an unknown function.  C++ loops that use ``std::`` get the real headers.
_PRELUDE_COMMON = """typedef unsigned long size_t; typedef long ptrdiff_t;
typedef signed char int8_t; typedef short int16_t; typedef int int32_t; typedef long int64_t;
typedef unsigned char uint8_t; typedef unsigned short uint16_t; typedef unsigned int uint32_t;
typedef unsigned long uint64_t; typedef long intptr_t; typedef unsigned long uintptr_t;
typedef long clock_t; typedef long time_t; typedef struct __acc_FILE FILE;
extern FILE *stdout, *stderr, *stdin;
int printf(const char *, ...); int fprintf(FILE *, const char *, ...);
int sprintf(char *, const char *, ...); int snprintf(char *, size_t, const char *, ...);
int puts(const char *);
#define M_PI 3.14159265358979323846
#define M_E 2.7182818284590452354
#define M_SQRT2 1.41421356237309504880
#define M_SQRT1_2 0.70710678118654752440
#define M_PI_2 1.57079632679489661923
#define M_PI_4 0.78539816339744830962
#define M_1_PI 0.31830988618379067154
#define M_2_PI 0.63661977236758134308
#define M_LN2 0.69314718055994530942
#define M_LN10 2.30258509299404568402
#define M_LOG2E 1.4426950408889634074
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))
#define HUGE_VAL (__builtin_huge_val())
#define DBL_MAX 1.79769313486231570815e+308
#define DBL_MIN 2.22507385850720138309e-308
#define DBL_EPSILON 2.22044604925031308085e-16
#define FLT_MAX 3.40282346638528859812e+38F
#define FLT_MIN 1.17549435082228750797e-38F
#define FLT_EPSILON 1.19209289550781250000e-7F
#define INT_MAX 2147483647
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX 4294967295U
#define LONG_MAX 9223372036854775807L
#define LONG_MIN (-LONG_MAX - 1L)
#define RAND_MAX 2147483647
#define EXIT_FAILURE 1
#define EXIT_SUCCESS 0
#define EOF (-1)
"""
_PRELUDE_C = _PRELUDE_COMMON + """#define NULL ((void *)0)
#define bool _Bool
#define true 1
#define false 0
"""
_PRELUDE_CPP = _PRELUDE_COMMON + "#define NULL 0\n"
_STD_HEADERS = ("#include <cmath>\n#include <cstdlib>\n#include <cstring>\n#include <vector>\n"
                "#include <algorithm>\n#include <complex>\n#include <string>\n#include <utility>\n"
                "#include <limits>\n#include <numeric>\n#include <array>\n#include <cstdio>\n"
                "#include <cstdint>\n#include <cfloat>\n#include <climits>\n#include <ctime>\n")
_KNOWN = set(re.findall(r"\b([A-Za-z_]\w*)\b", _PRELUDE_C + _PRELUDE_CPP)) | {
    "sizeof", "offsetof", "__builtin_inff", "__builtin_nanf", "__builtin_huge_val",
}
_KNOWN_CPP = {"std", "this", "nullptr", "new", "delete", "true", "false"}
_C_KEYWORDS = set("""
auto break case char const continue default do double else enum extern float for goto if inline
int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Bool bool typedef define
""".split())

_INT_OPS = {"%", "<<", ">>", "&", "|", "^"}
_INT_ASSIGN_OPS = {"%=", "<<=", ">>=", "&=", "|=", "^="}
_ARITH = {"+", "-", "*", "/"}
_COMPARE = {"<", "<=", ">", ">=", "!=", "=="}
_CAPS = re.compile(r"^[A-Z][A-Z0-9_]*$")


# ----------------------------------------------------------------------------------------------
# Inference
# ----------------------------------------------------------------------------------------------


class _Facts:
    def __init__(self, lang: str):
        self.lang = lang
        self.shapes: dict[str, Shape] = {}
        self.local: set[str] = set()
        self.types: dict[str, Shape] = {}  # unknown type names → shape (struct or scalar)
        self.local_types: dict[str, str] = {}  # local variable → its (unknown) type name
        self.this_fields: dict[str, Shape] = {}
        self.namespaces: dict[str, dict[str, Shape]] = {}
        self.labels: set[str] = set()
        self.uses_this = False
        self.clause_bases: set[str] = set()
        self.multi_section: dict[str, int] = {}

    def add(self, name: str, shape: Shape) -> None:
        self.shapes[name] = self.shapes[name].merge(shape) if name in self.shapes else shape


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def _index_nodes(sub) -> list:
    idx = sub.child_by_field_name("index")
    if idx is not None:
        return [idx]
    lst = sub.child_by_field_name("indices")
    return [c for c in lst.named_children] if lst is not None else []


def _int_context(node) -> bool:
    """True when the value of ``node`` must be an integer."""
    cur = node
    while True:
        par = cur.parent
        if par is None:
            return False
        t = par.type
        if t == "subscript_expression" or t == "subscript_argument_list":
            sub = par if t == "subscript_expression" else par.parent
            return cur.id != (sub.child_by_field_name("argument") or sub).id or t != "subscript_expression"
        if t == "binary_expression":
            op = par.child_by_field_name("operator")
            op = _text(op) if op is not None else ""
            if op in _INT_OPS:
                return True
            if op in _ARITH:
                cur = par
                continue
            if op in _COMPARE or op in ("&&", "||"):
                cur = par
                continue
            return False
        if t in ("parenthesized_expression", "unary_expression", "update_expression"):
            if t == "unary_expression" and _text(par.child(0)) == "~":
                return True
            cur = par
            continue
        if t == "for_statement":
            # the bounds, start and step of a loop: OpenACC needs integer loops
            return any((par.child_by_field_name(f) or par).id == cur.id
                       for f in ("condition", "initializer", "update"))
        if t == "assignment_expression":
            op = par.child_by_field_name("operator")
            if op is not None and _text(op) in _INT_ASSIGN_OPS:
                return True
            gp = par.parent
            if gp is not None and gp.type == "comma_expression":
                gp = gp.parent
            if gp is not None and gp.type == "for_statement" and \
                    (par.child_by_field_name("right") or par).id == cur.id:
                return any((gp.child_by_field_name(f) or gp).id in (par.id, par.parent.id)
                           for f in ("initializer", "update"))
            return False
        if t == "init_declarator" and par.parent is not None and \
                par.parent.type == "declaration" and par.parent.parent is not None and \
                par.parent.parent.type == "for_statement":
            return True
        if t in ("switch_statement", "case_statement", "array_declarator", "bitfield_clause"):
            return True
        if t == "condition_clause" and par.parent is not None and par.parent.type == "switch_statement":
            return True
        return False


def _shape_of_use(node, facts: _Facts) -> Shape:
    """Shape required of ``node`` (an expression) by its context, climbing outwards."""
    par = node.parent
    if par is None:
        return _scalar()
    t = par.type
    if t == "subscript_expression" and (par.child_by_field_name("argument") or par).id == node.id:
        return Shape("ptr", elem=_shape_of_use(par, facts))
    if t == "field_expression" and (par.child_by_field_name("argument") or par).id == node.id:
        op = par.child_by_field_name("operator")
        fld = par.child_by_field_name("field")
        fname = _text(fld) if fld is not None else "__f"
        if fld is not None and fld.type in ("template_method", "destructor_name"):
            fname = _text(fld.child(0)) if fld.child(0) is not None else fname
        inner = Shape("struct", fields={fname: _shape_of_use(par, facts)})
        if op is not None and _text(op) == "->":
            return Shape("ptr", elem=inner)
        return inner
    if t == "pointer_expression" and _text(par.child(0)) == "*":
        return Shape("ptr", elem=_shape_of_use(par, facts))
    if t == "call_expression" and (par.child_by_field_name("function") or par).id == node.id:
        ret = _shape_of_use(par, facts)
        lv = _is_lvalue(par)
        return Shape("func", elem=ret, lvalue=lv)
    if t == "parenthesized_expression":
        return _shape_of_use(par, facts)
    return _scalar(_int_context(node))


def _is_lvalue(node) -> bool:
    par = node.parent
    if par is None:
        return False
    if par.type == "assignment_expression":
        left = par.child_by_field_name("left")
        return left is not None and left.id == node.id
    if par.type == "update_expression":
        return True
    if par.type == "pointer_expression" and _text(par.child(0)) == "&":
        return True
    return False


def _declared_names(decl) -> list[str]:
    """Names declared by a declarator subtree."""
    out = []
    stack = [decl]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "field_identifier") and n.parent is not None and n.parent.type in (
            "init_declarator", "pointer_declarator", "array_declarator", "declaration",
            "reference_declarator", "parameter_declaration", "function_declarator",
            "structured_binding_declarator",
        ):
            # only the declarator position, not an initialiser or an array size
            p = n.parent
            if p.type == "init_declarator" and (p.child_by_field_name("declarator") or p).id != n.id:
                continue
            if p.type == "array_declarator" and (p.child_by_field_name("declarator") or p).id != n.id:
                continue
            out.append(_text(n))
            continue
        if n.type in ("argument_list", "initializer_list", "parameter_list") and n.id != decl.id:
            continue
        stack.extend(n.named_children)
    return out


def _in_preproc(node) -> bool:
    p = node.parent
    while p is not None:
        if p.type.startswith("preproc_") and p.type not in ("preproc_if", "preproc_ifdef",
                                                            "preproc_else", "preproc_elif"):
            return True
        if p.type in ("preproc_if", "preproc_elif"):
            cond = p.child_by_field_name("condition")
            if cond is not None and cond.start_byte <= node.start_byte < cond.end_byte:
                return True
        p = p.parent
    return False


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _analyse_tree(root, facts: _Facts) -> None:
    lang = facts.lang
    # 1. declarations (not free)
    for n in _walk(root):
        t = n.type
        if t in ("declaration", "parameter_declaration", "for_range_loop", "condition_clause",
                 "field_declaration"):
            if t == "for_range_loop":
                d = n.child_by_field_name("declarator")
                if d is not None:
                    facts.local.update(_declared_names(d) or [_text(d)])
                ty = n.child_by_field_name("type")
            else:
                for d in n.children_by_field_name("declarator"):
                    names = _declared_names(d)
                    facts.local.update(names)
                    ty = n.child_by_field_name("type")
                    if ty is not None and ty.type == "type_identifier":
                        for nm in names:
                            facts.local_types[nm] = _text(ty)
                ty = n.child_by_field_name("type")
        elif t == "function_definition" and n.parent is not None and n.parent.type != "translation_unit":
            pass
        elif t == "lambda_expression":
            for c in _walk(n):
                if c.type in ("parameter_declaration", "optional_parameter_declaration"):
                    d = c.child_by_field_name("declarator")
                    if d is not None:
                        facts.local.update(_declared_names(d) or [_text(d)])
        elif t == "labeled_statement":
            lab = n.child_by_field_name("label")
            if lab is not None:
                facts.labels.add(_text(lab))
    # 2. type names
    for n in _walk(root):
        if n.type == "type_identifier":
            par = n.parent
            if par is not None and par.type in ("struct_specifier", "union_specifier",
                                                "enum_specifier", "class_specifier"):
                continue
            if par is not None and par.type == "qualified_identifier":
                continue
            name = _text(n)
            if name not in _KNOWN:
                facts.types.setdefault(name, _scalar())
    # 3. loop iteration variables
    for n in _walk(root):
        if n.type == "for_statement":
            init = n.child_by_field_name("initializer")
            if init is not None and init.type in ("assignment_expression", "comma_expression"):
                for a in _walk(init):
                    if a.type == "assignment_expression":
                        left = a.child_by_field_name("left")
                        if left is not None and left.type == "identifier":
                            facts.add(_text(left), _scalar(True))
    # 4. identifier uses
    for n in _walk(root):
        t = n.type
        if t == "identifier":
            par = n.parent
            if par is not None and par.type in ("qualified_identifier",):
                continue
            if par is not None and par.type in ("goto_statement", "labeled_statement"):
                continue
            if _in_preproc(n):
                continue
            if par is not None and par.type == "field_expression" and \
                    (par.child_by_field_name("field") or par).id == n.id:
                continue
            name = _text(n)
            facts.add(name, _shape_of_use(n, facts))
        elif t == "this" and lang == "cpp":
            facts.uses_this = True
            par = n.parent
            if par is not None and par.type == "field_expression":
                shp = _shape_of_use(n, facts)
                if shp.kind == "ptr" and shp.elem is not None:
                    for k, v in shp.elem.fields.items():
                        facts.this_fields[k] = facts.this_fields[k].merge(v) \
                            if k in facts.this_fields else v
        elif t == "qualified_identifier" and lang == "cpp":
            scope = n.child_by_field_name("scope")
            name = n.child_by_field_name("name")
            if scope is None or name is None or n.parent is None or \
                    n.parent.type == "qualified_identifier":
                continue
            s = _text(scope)
            if s == "std" or s.startswith("std"):
                continue
            if scope.type == "namespace_identifier" and name.type == "identifier":
                facts.namespaces.setdefault(s, {})
                nm = _text(name)
                shp = _shape_of_use(n, facts)
                ns = facts.namespaces[s]
                ns[nm] = ns[nm].merge(shp) if nm in ns else shp
    # 5. plain copies between names: p = q, p = q + k
    for n in _walk(root):
        if n.type in ("assignment_expression", "init_declarator"):
            left = n.child_by_field_name("left") or n.child_by_field_name("declarator")
            right = n.child_by_field_name("right") or n.child_by_field_name("value")
            if left is None or right is None:
                continue
            while right.type == "binary_expression" and right.child_by_field_name("left") is not None:
                right = right.child_by_field_name("left")
            if right.type == "pointer_expression" and _text(right.child(0)) == "&":
                continue
            if left.type == "pointer_declarator" and right.type == "identifier":
                depth = 0
                d = left
                while d is not None and d.type == "pointer_declarator":
                    depth += 1
                    d = d.child_by_field_name("declarator")
                s = _scalar()
                for _ in range(depth):
                    s = Shape("ptr", elem=s)
                facts.add(_text(right), s)
            elif left.type == "identifier" and right.type == "identifier":
                ln, rn = _text(left), _text(right)
                ls, rs = facts.shapes.get(ln), facts.shapes.get(rn)
                if ls is not None and ls.kind == "ptr" and rn not in facts.local:
                    facts.add(rn, ls)
                if rs is not None and rs.kind == "ptr" and ln not in facts.local:
                    facts.add(ln, rs)


_PATH = re.compile(r"(?<![\w.>])(?<!->)\s*[A-Za-z_]\w*(?:\s*(?:\.|->)\s*[A-Za-z_]\w*)*"
                   r"(?:\s*\[[^\]]*\])*")


def _clause_facts(pragmas: Iterable[str], facts: _Facts) -> None:
    """Declare identifiers used in clause arguments (array sections give the rank)."""
    for text in pragmas:
        try:
            p = parse(text)
        except PragmaError:
            continue
        for c in p.clauses:
            if c.args is None:
                continue
            name = c.name.lower()
            if name in ("device_type", "dtype", "default", "collapse"):
                continue
            args = c.args
            if name == "reduction" and ":" in args:
                op, _, args = args.partition(":")
                is_int = op.strip() in {"&", "|", "^"}
                for a in split_top_level(args):
                    m = re.match(r"\s*([A-Za-z_]\w*)\s*$", a)
                    if m:
                        facts.add(m.group(1), Shape("scalar", is_int, weak=True))
                continue
            args = re.sub(r"^\s*(num|static|dim|force|readonly|zero)\s*:(?!:)", "", args)
            for a in split_top_level(args):
                _declare_section(a, facts, name)


def _declare_section(expr: str, facts: _Facts, clause: str) -> None:
    m = re.match(r"\s*([A-Za-z_]\w*)((?:\s*(?:\.|->)\s*[A-Za-z_]\w*)*)\s*((?:\[[^\]]*\]\s*)*)$",
                 expr)
    if not m:
        for pm in _PATH.finditer(expr):
            _declare_section(pm.group(0), facts, "bound")
        return
    base, path, sections = m.group(1), m.group(2), m.group(3)
    secs = re.findall(r"\[([^\]]*)\]", sections)
    for s in secs:
        for pm in _PATH.finditer(s):
            _declare_section(pm.group(0), facts, "bound")
    leaf: Shape = Shape("scalar", clause in {"bound", "num_gangs", "num_workers", "vector_length",
                                             "async", "wait", "gang", "worker", "vector",
                                             "tile", "if"}, weak=True)
    for _ in secs:
        leaf = Shape("ptr", elem=leaf, weak=True)
    if clause in ("deviceptr", "use_device", "attach", "detach") and not secs:
        leaf = Shape("ptr", elem=leaf, weak=True)  # these need pointer variables
    steps = re.findall(r"(\.|->)\s*([A-Za-z_]\w*)", path)
    for op, fname in reversed(steps):
        leaf = Shape("struct", fields={fname: leaf}, weak=True)
        if op == "->":
            leaf = Shape("ptr", elem=leaf, weak=True)
    if base == "this":
        return
    facts.clause_bases.add(base)
    if len(secs) >= 2 and not steps:
        facts.multi_section[base] = max(facts.multi_section.get(base, 0), len(secs))
    facts.add(base, leaf)


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
            ret = self.decl_type(s.elem or _scalar())
            if self.lang == "cpp":
                return f"template<class... A> {ret}& {name}(A...);"
            return f"{ret} (*{name})();"
        return self.decl(name, s) + ";"

    def decl_type(self, s: Shape) -> str:
        stars = 0
        while s.kind == "ptr":
            stars += 1
            s = s.elem or _scalar()
        return self.base_type(s) + " " + "*" * stars if stars else self.base_type(s)

    def decl_fixed(self, name: str, s: Shape) -> str:
        """A pointer to fixed-size rows (``double (*a)[64][64]``): multi-dimensional array
        sections must be contiguous."""
        rank = 0
        while s.kind == "ptr":
            rank += 1
            s = s.elem or _scalar()
        return f"{self.base_type(s)} (*{name})" + "[64]" * (rank - 1)

    def decl(self, name: str, s: Shape) -> str:
        return f"{self.decl_type(s).rstrip()} {name}"


_VAR_CLAUSES = {"copy", "copyin", "copyout", "create", "no_create", "present", "deviceptr",
                "attach", "pcopy", "pcopyin", "pcopyout", "pcreate", "present_or_copy",
                "present_or_copyin", "present_or_copyout", "present_or_create", "private",
                "firstprivate", "reduction"}


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
            m = re.match(r"\s*([A-Za-z_]\w*)", a)
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
    wrapped = f"void {_FN}(void) {{\n{loop}\n}}\n"
    tree = parse_tree(wrapped.encode("utf-8"), lang)
    facts = _Facts(lang)
    _analyse_tree(tree.root_node, facts)
    _clause_facts([pragma, *enclosing], facts)
    for tname in list(facts.types):
        if tname not in facts.shapes and re.search(rf"\b{re.escape(tname)}\s*\(", loop) and \
                not re.search(rf"\b{re.escape(tname)}\s*[*&]*\s*[A-Za-z_]\w*\s*[=;,\[)]", loop):
            del facts.types[tname]
            facts.add(tname, Shape("func", elem=_scalar()))
    r = _Renderer(lang)
    known = _KNOWN | (_KNOWN_CPP if lang == "cpp" else set())
    params: list[str] = []
    protos: list[str] = []
    macros: list[str] = []
    consts: list[str] = []
    types: list[str] = []
    members: list[str] = []
    # unknown type names
    for tname in sorted(facts.types):
        if tname in known or tname in facts.shapes:
            continue
        # a struct type when a local of that type has fields
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
            types.append(f"typedef {tag} {tname};")
        else:
            types.append(f"typedef double {tname};")
    reserved = _C_KEYWORDS | {_FN} | (set(facts.types) - set(facts.shapes)) | facts.labels
    for name in sorted(facts.shapes):
        s = facts.shapes[name]
        if name in facts.local or name in known or name in reserved or name.startswith("__acc"):
            continue
        if s.kind == "func":
            ret = r.decl_type(s.elem or _scalar()).rstrip()
            if lang == "cpp":
                protos.append(f"template<class... A> {ret}& {name}(A...);")
            elif s.lvalue:
                macros.append(f"#define {name}(...) (*(({ret}*)__acc_lvalue))")
            else:
                protos.append(f"{ret} {name}();")
        elif s.kind == "scalar" and _CAPS.match(name) and name not in facts.clause_bases \
                and not _assigned(name, loop):
            consts.append(name)
        elif name in facts.multi_section and s.kind == "ptr":
            params.append(r.decl_fixed(name, s))
        else:
            params.append(r.decl(name, s))
    ns_decls = []
    for ns, items in sorted(facts.namespaces.items()):
        body = []
        for nm, s in sorted(items.items()):
            if s.kind == "func":
                ret = r.decl_type(s.elem or _scalar()).rstrip()
                body.append(f"template<class... A> {ret}& {nm}(A...);")
            else:
                body.append(f"extern {r.decl(nm, s)};")
        ns_decls.append(f"namespace {ns} {{ {' '.join(body)} }}")
    if facts.uses_this:
        for k, v in sorted(facts.this_fields.items()):
            members.append(r.member(k, v))
    opens, closes, compute, orphan = _label_loop_wrappers(enclosing)
    try:
        label = parse(pragma).directive
    except PragmaError:
        label = ""
    routine = (label == "loop" or orphan) and not compute
    out = [_PRELUDE_CPP if lang == "cpp" else _PRELUDE_C]
    if lang == "cpp" and "std::" in loop:
        out = [_STD_HEADERS]
    if any("__acc_lvalue" in m for m in macros):
        out.append("extern double __acc_lvalue[1];")
    out.extend(macros)
    if consts:
        out.append("enum { " + ", ".join(f"{c} = 64" for c in consts) + " };")
    out.extend(r.structs)
    out.extend(types)
    out.extend(ns_decls)
    out.extend(protos)
    plist = ", ".join(params) or "void"
    if facts.uses_this:
        out.append("struct __acc_this { " + " ".join(members))
    out.append(f"void {_FN}({plist}) {{")
    if routine:
        # an orphaned loop: the compute construct is in a caller; a kernels region is the most
        # permissive stand-in (gang/worker/vector arguments are allowed there)
        opens = ["#pragma acc kernels", "{", *opens]
        closes = [*closes, "}"]
    out.extend(opens)
    out.append(" ".join(pragma.split()))
    out.append(_OTHER_PRAGMA.sub("", loop))
    out.extend(closes)
    out.append("}")
    if facts.uses_this:
        out.append("};")
    return "\n".join(out) + "\n"


# Non-OpenACC pragmas inside the loop (``omp``, ``unroll``, ``ivdep``) are not under test and
# would be "unknown pragmas" here.
_OTHER_PRAGMA = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+(?!acc\b)(?:[^\n]*\\\n)*[^\n]*",
                           re.MULTILINE)


def _assigned(name: str, loop: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)", loop) is not None


# ----------------------------------------------------------------------------------------------
# Compilation with a cache
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompileJob:
    loop: str
    pragma: str | None
    lang: str = "c"
    enclosing: tuple[str, ...] = ()


@dataclass
class CompileResult:
    ok: bool
    error: str | None = None  # first error line
    cached: bool = False
    key: str = ""


def _compiler(lang: str) -> str:
    return "g++" if lang == "cpp" else "gcc"


def _first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line:
            return re.sub(r"^[^:]*:\d+:(?:\d+:)?\s*", "", line).strip()
    return stderr.strip().splitlines()[-1] if stderr.strip() else "failed"


def check(job: CompileJob, cache_dir: str | Path | None = None,
          timeout: float = TIMEOUT_S) -> CompileResult:
    """Compile one pragma–loop pair (cached)."""
    if job.pragma is None:
        return CompileResult(False, "no pragma")
    lang = "cpp" if job.lang in ("cpp", "c++") else "c"
    try:
        source = build_source(job.loop, job.pragma, lang, job.enclosing)
    except Exception as e:  # a harness bug must not stop an evaluation
        return CompileResult(False, f"harness: {type(e).__name__}: {e}")
    cmd = [_compiler(lang), *FLAGS]
    key = hashlib.sha256(("\0".join(cmd) + "\0" + source).encode("utf-8")).hexdigest()
    cdir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cfile = cdir / key[:2] / key
    try:
        cached = cfile.read_text(encoding="utf-8")
        ok, _, err = cached.partition("\n")
        return CompileResult(ok == "1", err or None, True, key)
    except OSError:
        pass
    suffix = ".cpp" if lang == "cpp" else ".c"
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as fh:
        fh.write(source)
        src = fh.name
    try:
        proc = subprocess.run([*cmd, src], capture_output=True, text=True, timeout=timeout)
        ok = proc.returncode == 0
        err = None if ok else _first_error(proc.stderr)
    except subprocess.TimeoutExpired:
        ok, err = False, f"timeout after {timeout:g} s"
    except FileNotFoundError:
        return CompileResult(False, f"{cmd[0]} not found", key=key)
    finally:
        os.unlink(src)
    if not (err or "").startswith("timeout"):
        try:
            cfile.parent.mkdir(parents=True, exist_ok=True)
            tmp = cfile.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(("1" if ok else "0") + "\n" + (err or ""), encoding="utf-8")
            tmp.replace(cfile)
        except OSError:
            pass
    return CompileResult(ok, err, False, key)


def check_many(jobs: Sequence[CompileJob], *, workers: int | None = None,
               cache_dir: str | Path | None = None, timeout: float = TIMEOUT_S,
               progress: bool = False, desc: str = "compile") -> list[CompileResult]:
    """:func:`check` for many jobs in parallel threads (gcc runs as a subprocess), order kept."""
    workers = workers or os.cpu_count() or 1
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc=desc, unit="file", leave=False)

    def one(j: CompileJob) -> CompileResult:
        r = check(j, cache_dir, timeout)
        if bar is not None:
            bar.update(1)
        return r

    try:
        if workers <= 1:
            return [one(j) for j in jobs]
        with ThreadPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(one, jobs))
    finally:
        if bar is not None:
            bar.close()
