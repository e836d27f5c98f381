"""Context beyond the loop: the file (or buffer) the loop is in.

A :class:`LoopScope` is the source text and where the loop starts.  From it the analysis reads
what a bare loop cannot show: the code after the loop in its function (is a scalar the loop
assigns read afterwards?), the functions defined or declared in the same file (what does a
call do?) and the ``#pragma acc routine`` directives.  :func:`scope_of` builds one from a
file's source and the loop's position; :class:`FileIndex` and :class:`FunctionContext` are
the parsed views, built once per file and per function (cached).

``defines`` are the macros the file's headers define before the loop (found by
:func:`accellium.dataset.includes.read_includes` where the file system is known): beside the
source rather than prepended to it, so that every offset and line of the source stays as it is.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from tree_sitter import Node, Tree

from accellium.dataset.analysis.macros import Macro
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import inner_declarator, named, text
from accellium.dataset.analysis.value_types import typedef_declarators
from accellium.dataset.loops import parse_tree
from accellium.dataset.pragma import IDENT

__all__ = ["LoopScope", "scope_of", "MAX_SCOPE_BYTES", "Declared", "declared_names",
           "macro_parameter_names",
           "FileIndex", "FunctionContext", "file_index", "function_name", "parameters",
           "source_text"]

#: Larger sources are analysed without scope (the loop alone).
MAX_SCOPE_BYTES = 8 * 1024 * 1024
# A data directive (with its continuation lines): its clauses name what it puts on the device.
_DATA_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+acc[ \t]+(?:data|enter[ \t]+data|declare)\b"
                             r"((?:[^\n]*\\\n)*[^\n]*)", re.MULTILINE)
# What gives a host program a device address: OpenACC's and CUDA's/HIP's allocation and
# mapping calls, OpenMP's target allocation, and `host_data use_device`.
_DEVICE_ADDRESS = re.compile(r"\b(?:acc_malloc|acc_deviceptr|acc_map_data|cudaMalloc\w*|"
                             r"hipMalloc\w*|omp_target_alloc|use_device)\b")
_ROUTINE = re.compile(r"^[ \t]*#[ \t]*pragma[ \t]+acc[ \t]+routine\b(?:[ \t]*\(([^)]*)\))?",
                      re.MULTILINE)


@dataclass(frozen=True)
class LoopScope:
    """The source the loop is in (a whole file or buffer), the UTF-8 byte offset of the
    loop's ``for`` in it, and the macros its headers define before it (read as defined
    before the source's first line; the source's own definitions and ``#undef`` lines
    override them)."""

    source: str
    offset: int
    lang: str = "c"
    defines: tuple[Macro, ...] = ()
    # functions a header included before the loop declares after a `#pragma acc routine`
    routines: frozenset[str] = frozenset()
    # the names the typedefs of the headers included before the loop declare (type names)
    types: frozenset[str] = frozenset()
    # the headers included before the loop: (offset of the top-level `#include`, the text),
    # whose file-scope declarations are the file's (C11 6.10.2p3: `extern double u[N][N];`)
    headers: tuple[tuple[int, bytes], ...] = ()
    # (function, parameter, parameter, apart): pairs of parameters the calls of the program's
    # other translation units pass into one array (``apart``: maybe at different places), when
    # a caller knows them (:func:`accellium.dataset.offload.passed_alike.program_pairs`)
    passed: tuple[tuple[str, str, str, bool], ...] = ()


def scope_of(source: bytes | str, loop_start: int, lang: str = "c",
             defines: Sequence[Macro] = (), routines: frozenset[str] = frozenset(),
             types: frozenset[str] = frozenset(),
             headers: tuple[tuple[int, bytes], ...] = (),
             passed: tuple[tuple[str, str, str, bool], ...] = ()) -> LoopScope | None:
    """The scope of the loop starting at byte ``loop_start`` of ``source`` (None when the
    source is too large or the position is not in it); ``defines``: the macros of the
    headers visible at the loop; ``routines``: the functions those headers declare device
    routines (:func:`routine_names`); ``types``: the names those headers' typedefs declare;
    ``headers``: the headers included before the loop (their file-scope declarations);
    ``passed``: pairs of parameters the program's other units pass into one array
    (:attr:`LoopScope.passed`)."""
    if isinstance(source, bytes):
        if len(source) > MAX_SCOPE_BYTES:
            return None
        text_ = source_text(source)
        size = len(source)
    else:
        text_ = source
        size = len(source.encode("utf-8", "surrogateescape"))
    if not 0 <= loop_start < size or size > MAX_SCOPE_BYTES:
        return None
    return LoopScope(text_, loop_start, lang if lang in ("c", "cpp") else "c",
                     tuple(m for m in defines if isinstance(m, Macro)), frozenset(routines),
                     frozenset(types), tuple(h for h in headers if h[0] < loop_start),
                     tuple(passed))


@lru_cache(maxsize=4)
def source_text(source: bytes) -> str:
    """``source`` decoded (invalid UTF-8 kept as surrogates), once per buffer: the loops of
    one file ask for it again and again."""
    return source.decode("utf-8", "surrogateescape")


# -- declarations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    name: str
    pointer: bool  # a pointer, array or reference: the callee can write through it
    const: bool  # what it points to is const (read only through it)
    function: Node | None = None  # the function_declarator, for a prototype
    static: bool = False
    levels: int = 0  # pointer and array levels (`double **a`, `double a[n][m]`: 2)
    type_name: str = ""  # the declared type (`FILE`, `double`)
    references: int = 0  # C++ reference declarators among ``levels`` (`std::vector<T> &v`: 1)


_POINTERISH = ("pointer_declarator", "array_declarator", "reference_declarator",
               "abstract_pointer_declarator", "abstract_array_declarator",
               "abstract_reference_declarator")


def _declarator(d: Node) -> tuple[str | None, int, Node | None, int]:
    """(name, pointer and array levels, function declarator, the references among the
    levels) of one declarator."""
    levels, fn, refs = 0, None, 0
    cur: Node | None = d
    while cur is not None:
        if cur.type in _POINTERISH:
            levels += 1
            refs += cur.type in ("reference_declarator", "abstract_reference_declarator")
        elif cur.type == "function_declarator" and fn is None:
            fn = cur
            levels = refs = 0  # the levels so far belong to the return type
        if cur.type in ("identifier", "field_identifier", "qualified_identifier",
                        "destructor_name", "operator_name"):
            return text(cur), levels, fn, refs
        if cur.type == "init_declarator":
            cur = _field(cur, "declarator")
            continue
        cur = inner_declarator(cur)
    return None, levels, fn, refs


def declared_names(decl: Node) -> list[Declared]:
    """The names a declaration or parameter declaration declares.  A typedef name of a
    pointer or array type adds its levels to each declarator's (C11 6.7.8p3:
    ``typedef double vec3[3]; vec3 *p;`` declares ``double (*p)[3]``,
    :func:`.value_types.typedef_declarators`); ``type_name`` stays the name written."""
    const = any(c.type == "type_qualifier" and text(c) == "const" for c in decl.children)
    static = any(c.type == "storage_class_specifier" and text(c) == "static"
                 for c in decl.children)
    ty = _field(decl, "type")
    type_name = " ".join(text(ty).split())
    named_levels, named_refs = 0, 0
    for t in typedef_declarators(ty, decl.start_byte):
        _, n, _, r = _declarator(t)
        named_levels, named_refs = named_levels + n, named_refs + r
    out = []
    for d in decl.children_by_field_name("declarator"):
        name, levels, fn, refs = _declarator(d)
        if name and fn is None:
            levels, refs = levels + named_levels, refs + named_refs
        if name:
            out.append(Declared(name, levels > 0, const, fn, static, levels, type_name, refs))
    return out


def parameters(fn_declarator: Node | None) -> list[Declared]:
    """The parameters of a function declarator, in order (unnamed ones get "")."""
    params = _field(fn_declarator, "parameters")
    out = []
    for p in named(params):
        if p.type not in ("parameter_declaration", "optional_parameter_declaration"):
            continue
        got = declared_names(p)
        if got:
            out.append(got[0])
        else:
            d = _field(p, "declarator")
            pointer = d is not None and d.type in _POINTERISH
            const = any(c.type == "type_qualifier" and text(c) == "const" for c in p.children)
            out.append(Declared("", pointer, const))
    if len(out) == 1 and not out[0].name and not out[0].pointer and \
            text(params).replace(" ", "") == "(void)":
        return []
    return out


def macro_parameter_names(fn_declarator: Node | None) -> set[str]:
    """The arguments of the parameters of a function declarator that are spelled as a call of
    a macro (``double ARR_2D(a, N, M)``): one of them is the name the parameter declares,
    which the parser cannot tell without the macro.  A parameter's own declarator cannot be
    a function declarator with a list of bare identifiers (C11 6.7.6.3p3: an identifier list
    is allowed only in a function definition's declarator), so such a parameter is a macro
    call; its arguments may be declared names."""
    out: set[str] = set()
    for p in named(_field(fn_declarator, "parameters")):
        if p.type != "parameter_declaration":
            continue
        d = _field(p, "declarator")
        inner = _field(d, "declarator") if d is not None else None
        if d is None or d.type != "function_declarator" or inner is None or \
                inner.type != "identifier":
            continue
        args = named(_field(d, "parameters"))
        if args and all(a.type == "parameter_declaration" and _field(a, "declarator") is None
                        and len(a.named_children) == 1 for a in args):
            out |= {text(a) for a in args}
    return out


def function_name(defn: Node) -> tuple[str | None, Node | None]:
    """(name, function_declarator) of a function definition."""
    d = _field(defn, "declarator")
    name, _, fn, _ = _declarator(d) if d is not None else (None, 0, None, 0)
    return name, fn


_INLINE = ("inline", "__inline", "__inline__")


def _specifiers(n: Node) -> set[str]:
    return {text(c) for c in n.children if c.type == "storage_class_specifier"}


def inline_definition(defn: Node, root: Node) -> bool:
    """Is the C function definition ``defn`` an inline definition (C11 6.7.4p7)?  With
    external linkage (not ``static``), every file-scope declaration of the function in the
    file says ``inline`` and none ``extern``: the unit then provides no external definition,
    and whether a call uses this body or the external definition another unit must provide is
    unspecified — a compiler that does not inline the call (one whose body holds a compute
    construct, which it outlines) links to the external one.  GCC's ``gnu_inline`` attribute
    keeps the GNU rule (an external definition) and is not one.  Declarations in headers are
    not seen: a header's plain prototype would make the definition external."""
    spec = _specifiers(defn)
    name = function_name(defn)[0]
    if not name or "static" in spec or "extern" in spec or not spec & set(_INLINE) \
            or "gnu_inline" in text(defn)[:text(defn).find("{")]:
        return False
    for n in root.named_children:
        if n.type != "declaration":
            continue
        if any(d.name == name and d.function is not None for d in declared_names(n)):
            s = _specifiers(n)
            if "extern" in s or not s & set(_INLINE):
                return False
    return True


# -- the file -------------------------------------------------------------------------------


@dataclass
class FunctionContext:
    """One function definition, indexed for the questions the analysis asks about it."""

    node: Node
    parents: dict[int, Node] = field(default_factory=dict)
    occurrences: dict[str, list[Node]] = field(default_factory=dict)  # identifiers, in order
    declared: dict[str, Declared] = field(default_factory=dict)  # parameters and locals
    address_taken: set[str] = field(default_factory=set)
    # the arguments of a parameter spelled as a macro call (:func:`macro_parameter_names`)
    macro_declared: set[str] = field(default_factory=set)

    def parent(self, node: Node) -> Node | None:
        return self.parents.get(node.id)


def _function_context(defn: Node) -> FunctionContext:
    ctx = FunctionContext(defn)
    _, fn = function_name(defn)
    for p in parameters(fn):
        if p.name:
            ctx.declared[p.name] = p
    ctx.macro_declared = macro_parameter_names(fn)
    stack: list[tuple[Node, bool]] = [(defn, False)]
    while stack:
        n, in_args = stack.pop()
        t = n.type
        if t == "identifier":
            ctx.occurrences.setdefault(text(n), []).append(n)
        elif t == "declaration":
            for d in declared_names(n):
                ctx.declared.setdefault(d.name, d)
        elif t == "pointer_expression" and text(_field(n, "operator")) == "&" and not in_args:
            # `p = &x`: x may be read through p anywhere (an argument `f(&x)` is a use of x)
            arg = _field(n, "argument")
            if arg is not None and arg.type == "identifier":
                ctx.address_taken.add(text(arg))
        kids = n.named_children
        for c in kids:
            ctx.parents[c.id] = n
        stack.extend((c, t == "argument_list") for c in reversed(kids))
    return ctx


class FileIndex:
    """A parsed source: its function definitions, prototypes, globals and routines."""

    def __init__(self, source: str, lang: str, headers: tuple[tuple[int, bytes], ...] = ()):
        self.src = source.encode("utf-8", "surrogateescape")
        self.headers = headers  # (include offset, text) of headers read (LoopScope.headers)
        self.lang = lang
        self.tree: Tree = parse_tree(self.src, lang)
        self.definitions: dict[str, Node] = {}
        self.prototypes: dict[str, list[Declared]] = {}
        self.globals: dict[str, Declared] = {}
        self._starts: list[int] = []
        self._functions: list[Node] = []
        self._contexts: dict[int, FunctionContext] = {}
        self.memo: dict[str, object] = {}  # what later steps derive from the file, once
        self.routines = routine_names(source)
        self.device_pointers = _DEVICE_ADDRESS.search(source) is not None
        self.data_names = frozenset(n for m in _DATA_DIRECTIVE.finditer(source)
                                    for n in re.findall(IDENT, m.group(1)))
        self._index()

    def _index(self) -> None:
        stack = list(reversed(self.tree.root_node.named_children))
        while stack:
            n = stack.pop()
            if n.type == "function_definition":
                self._functions.append(n)
                name, fn = function_name(n)
                if name:
                    self.definitions.setdefault(name, n)
                    self.prototypes.setdefault(name, parameters(fn))
                continue
            if n.type == "declaration":
                for d in declared_names(n):
                    if d.function is not None:
                        self.prototypes.setdefault(d.name, parameters(d.function))
                    else:
                        self.globals.setdefault(d.name, d)
                continue
            stack.extend(reversed(n.named_children))
        self._functions.sort(key=lambda f: f.start_byte)
        self._starts = [f.start_byte for f in self._functions]
        # the headers' file-scope objects the file does not declare itself: `#include` puts
        # the header's text in the file (C11 6.10.2p3), so each is one of its globals
        from accellium.dataset.offload.shapes import header_tops

        # as the planner reads a header (inside its include guard)
        for _, n in header_tops(self.headers, self.lang) if self.headers else ():
            if n.type == "declaration":
                for d in declared_names(n):
                    if d.function is None:
                        self.globals.setdefault(d.name, d)

    def function_at(self, offset: int) -> Node | None:
        """The function definition containing byte ``offset``."""
        k = bisect.bisect_right(self._starts, offset) - 1
        if k >= 0 and self._functions[k].start_byte <= offset < self._functions[k].end_byte:
            return self._functions[k]
        return None

    def context(self, defn: Node) -> FunctionContext:
        got = self._contexts.get(defn.id)
        if got is None:
            got = self._contexts[defn.id] = _function_context(defn)
        return got


def file_index(source: str, lang: str, headers: tuple[tuple[int, bytes], ...] = ()
               ) -> FileIndex:
    """The parsed view of a scope's source (one per file and headers, cached: every caller's
    arguments make one key, whether it names the headers or not)."""
    return _file_index(source, lang, headers)


@lru_cache(maxsize=8)
def _file_index(source: str, lang: str, headers: tuple[tuple[int, bytes], ...]) -> FileIndex:
    return FileIndex(source, lang, headers)


def clear_file_index() -> None:
    """Forget the cached :func:`file_index` views (and what was derived from them)."""
    _file_index.cache_clear()


def routine_names(source: str) -> frozenset[str]:
    """Functions named by ``#pragma acc routine(name)`` or defined/declared right after a
    ``#pragma acc routine`` line (OpenACC 3.3, 2.15.1) of ``source``."""
    names: set[str] = set()
    lines = source.split("\n")
    for m in _ROUTINE.finditer(source):
        if m.group(1):
            names.add(m.group(1).strip())
            continue
        row = source.count("\n", 0, m.start()) + 1
        while row < len(lines) and (not lines[row].strip()
                                    or lines[row].lstrip().startswith("#")):
            row += 1
        if row < len(lines):
            found = re.search(rf"({IDENT})\s*\(", lines[row])
            if found:
                names.add(found.group(1))
    return frozenset(names)
