"""What an array name is, from its declaration: a pointer (``double *a``: a section from the
subscripts), a pointer to pointers (``double **A``: rows of their own), a true array
(``double t[4096]``: the clause names it whole), or rows of a known length (a parameter
``double a[][NC]``, ``double (*a)[NC]``: a section over the rows); and where a function
allocates and frees it (``malloc``/``calloc`` with the element count, ``free``; C++'s ``new
T[n]`` and ``delete[]``)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call, type_words
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, root_of, source_of, text, unparen
from accellium.dataset.analysis.value_types import typedef_declarators
from accellium.dataset.offload import poly
from accellium.dataset.offload.fresh import FreshNames
from accellium.dataset.offload.nodes import callee_name, enclosing_function
from accellium.dataset.offload.uses import is_declared_name

__all__ = ["Shape", "shape_of", "declarations", "AllocSite", "alloc_sites", "free_sites",
           "MacroStatement", "macro_statement", "macro_items", "declaration_of",
           "count_expression"]

_ALLOC = ("malloc", "calloc")


@dataclass(frozen=True)
class Shape:
    name: str
    kind: str  # pointer | array | rows | other
    levels: int  # subscripts an element takes
    dims: tuple[str, ...] = ()  # declared sizes after the first (rows) or all (array)
    local: bool = False  # declared in the function body (not a parameter, not global)
    decl: Node | None = None  # the declaration (or parameter declaration)
    # declared by a statement-level macro call (``decl``, the statement in the file): the
    # declaration its expansion holds, parsed alone (:func:`macro_statement`)
    expansion: Node | None = None
    # a pointer member of a struct variable that calls receive by value (``f(s.x)``,
    # :mod:`.member_args`): a clause maps its section alone, with no object to attach to
    by_value: bool = False

    @property
    def whole(self) -> bool:
        """A true array: a data clause may name it without a section."""
        return self.kind == "array"

    @property
    def privatisable(self) -> bool:
        """A true array declared in the function's body: the only storage ``private`` can
        give each iteration a copy of.  ``private(p)`` of a pointer (or an array parameter, a
        pointer: C11 6.7.6.3p7) copies the pointer, not its elements, and a global's or a
        parameter's memory outlives the function, whose caller reads the values the loop
        leaves (OpenACC 3.3, 2.5.13: private copies are discarded)."""
        return self.local and self.kind == "array"


def walk_declarator(d: Node | None) -> tuple[str | None, list[tuple[str, Node]]]:
    """(name, [(pointer|array|paren, node)...] from the outside in)."""
    parts: list[tuple[str, Node]] = []
    while d is not None and d.type != "identifier":
        if d.type == "pointer_declarator":
            parts.append(("pointer", d))
        elif d.type == "array_declarator":
            parts.append(("array", d))
        elif d.type == "init_declarator":
            pass
        elif d.type == "parenthesized_declarator":
            kids = named(d)
            d = kids[0] if kids else None
            continue
        else:
            return None, parts
        d = _field(d, "declarator")
    return (text(d) if d is not None else None), parts


def _classify(name: str, parts: list[tuple[str, Node]], param: bool, local: bool,
              decl: Node) -> Shape:
    kinds = [k for k, _ in parts]
    # C declarators read inside out: the array declarators nearest the name are the first
    # subscripts; `(*a)[M]` is a pointer (inner) to arrays of M.
    inner_first = list(reversed(parts))
    if kinds and all(k == "pointer" for k in kinds):
        return Shape(name, "pointer", len(kinds), local=local, decl=decl)
    sizes = [text(_field(n, "size")) for k, n in inner_first if k == "array"]
    if kinds and all(k == "array" for k in kinds):
        if param:
            if all(sizes[1:]):
                return Shape(name, "rows", len(sizes), tuple(sizes[1:]), local, decl)
            return Shape(name, "other", len(sizes), local=local, decl=decl)
        if all(sizes):
            return Shape(name, "array", len(sizes), tuple(sizes), local, decl)
        return Shape(name, "other", len(sizes), local=local, decl=decl)
    if inner_first and inner_first[0][0] == "pointer" and \
            all(k == "array" for k, _ in inner_first[1:]) and all(sizes):
        return Shape(name, "rows", 1 + len(sizes), tuple(sizes), local, decl)
    return Shape(name, "other", len(kinds), local=local, decl=decl)


def declared_shapes(decl: Node, param: bool, local: bool) -> list[Shape]:
    """The shapes of the names ``decl`` declares; a typedef name of a pointer or array type
    stands for its declarators, outside the declaration's own (C11 6.7.8p3: ``typedef double
    vec3[3]; vec3 *p;`` is ``double (*p)[3]``, rows of 3; :func:`.value_types.
    typedef_declarators`)."""
    named_parts = [p for t in typedef_declarators(_field(decl, "type"), decl.start_byte)
                   for p in walk_declarator(t)[1]]
    out = []
    for d in decl.children_by_field_name("declarator"):
        name, parts = walk_declarator(d)
        if not name:
            name, parts = walk_declarator(macro_declarator(d))
        if name:
            out.append(_classify(name, named_parts + parts, param, local, decl))
    return out


def declaration_of(shape: Shape) -> Node | None:
    """The declaration node whose declarators declare ``shape`` (the expansion's, for a name a
    statement-level macro call declares)."""
    return shape.expansion if shape.expansion is not None else shape.decl


@dataclass(frozen=True)
class MacroStatement:
    """What a statement that is a call of a function-like macro expands to, when that is
    declarations and expression statements: the declarations (parsed alone) and the names
    the expansion assigns."""

    declarations: tuple[Node, ...]
    assigned: tuple[str, ...]


def macro_statement(stmt: Node) -> MacroStatement | None:
    """``ARRAY_2D_DECL(A, double, N, M);`` with ``#define ARRAY_2D_DECL(v, t, n, m) t
    (*v)[n][m]; v = (t(*)[n][m]) alloc(n * m, sizeof(t));``: the preprocessor replaces the
    call before the statement is read (C11 6.10.3, translation phase 4), so the statement is
    the declaration ``double (*A)[N][M];`` and the assignment to ``A`` (None: ``stmt`` is no
    such call, the macro is not visible there, or its expansion is not one declaration or
    more with expression statements)."""
    from accellium.dataset.offload.uses import assignments

    items = macro_items(stmt)
    if items is None:
        return None
    decls = tuple(k for k in items if k.type == "declaration")
    if not decls or any(k.type not in ("declaration", "expression_statement") for k in items):
        return None
    if any(_field(d, "declarator") is None or
           any(x.type == "function_declarator" for x in d.children_by_field_name("declarator"))
           for d in decls):
        return None
    assigned = tuple(sorted({name for k in items if k.type == "expression_statement"
                             for name in assignments(k).count}))
    return MacroStatement(decls, assigned)


def macro_items(stmt: Node) -> list[Node] | None:
    """The statements (and declarations) an expression statement that is a call of a
    function-like macro visible there expands to, parsed alone (C11 6.10.3: the preprocessor
    replaces the call first); None when ``stmt`` is no such call or its expansion does not
    parse as statements."""
    from accellium.dataset.loops import parse_tree

    kids = named(stmt) if stmt.type == "expression_statement" else []
    call = kids[0] if len(kids) == 1 else None
    fn = _field(call, "function") if call is not None and is_call(call) \
        else None
    out = _call_expansion(call, fn) if call is not None else None
    if out is None:
        out = type_macro_declaration(stmt)
    if out is None:
        return None
    src = f"void __accellium_expansion(void) {{\n{out};\n}}\n"
    tree = parse_tree(src.encode("utf-8", "surrogateescape"), "c")
    top = tree.root_node.named_children
    body = _field(top[0], "body") if len(top) == 1 else None
    if tree.root_node.has_error or body is None:
        return None
    return [k for k in named(body) if k.type != "comment"]


#: The words of a type an object-like macro may stand for (``#define DATA_TYPE double``).
def type_macro_declaration(stmt: Node) -> str | None:
    """The text of an expression statement that begins with an object-like macro whose body
    is the words of a type (``DATA_TYPE (*A)[N] = malloc(...);`` with ``#define DATA_TYPE
    double``), the macro replaced by its body and the ``;`` dropped; None for any other
    statement.  The preprocessor replaces the macro before the statement is read (C11 6.10.3,
    translation phase 4), so the statement is the declaration ``double (*A)[N] = ...``; the
    parser, which does not expand, reads ``DATA_TYPE (*A)`` as a call and the statement as an
    expression."""
    if stmt.type != "expression_statement":
        return None
    first = stmt
    while first.named_child_count:
        first = first.named_children[0]
    if first.type != "identifier" or first.start_byte != stmt.start_byte:
        return None
    body = type_macro(first)
    if body is None:
        return None
    rest = text(stmt)[len(text(first)):].rstrip()
    return f"{body} {rest[:-1] if rest.endswith(';') else rest}"


def type_macro(name: Node) -> str | None:
    """The body of the object-like macro the identifier ``name`` names where it stands, when
    that body is the words of a type (``double`` of ``#define DATA_TYPE double``); else
    None.  ``DATA_TYPE (x)`` is then no call: the preprocessor makes it ``double (x)``
    (C11 6.10.3)."""
    from accellium.dataset.analysis.macros import file_macros

    m = (file_macros(name) or {}).get(text(name))
    if m is None or m.params is not None or not type_words(m.body):
        return None
    return m.body


def macro_declarator(d: Node) -> Node | None:
    """The declarator a call of a function-like macro in declarator position stands for
    (``double POLY_2D(C, N, M)`` with ``#define POLY_2D(v, a, b) v[a][b]``: ``C[N][M]``),
    parsed alone; None when ``d`` is no such call, the macro is not known where it is, or its
    expansion does not read as a declarator.  The preprocessor replaces the call before the
    declaration is read (C11 6.10.3, translation phase 4), so the declared name and its
    array or pointer declarators are those of the expansion; the parser, which does not
    expand, reads the call as a function declarator instead."""
    from accellium.dataset.loops import parse_tree

    if d.type == "init_declarator":
        d = _field(d, "declarator") or d
    out = _call_expansion(d, _field(d, "declarator")) if d.type == "function_declarator" \
        else None
    if out is None:
        return None
    tree = parse_tree(f"int {out};\n".encode("utf-8", "surrogateescape"), "c")
    top = tree.root_node.named_children
    if tree.root_node.has_error or len(top) != 1 or top[0].type != "declaration":
        return None
    got = top[0].children_by_field_name("declarator")
    return got[0] if len(got) == 1 and got[0].type != "function_declarator" else None


def _call_expansion(call: Node, fn: Node | None) -> str | None:
    """The expansion of ``call`` (compacted) when ``fn``, the name it calls, is a function-like
    macro visible where the call is; else None."""
    from accellium.dataset.analysis.macros import expand, visible_at

    if fn is None or fn.type != "identifier":
        return None
    table = visible_at(root_of(call), call.start_byte)
    m = table.get(text(fn))
    if m is None or m.params is None:
        return None
    out = expand(text(call), table)
    return None if out is None else _compact(out)


def _compact(expansion: str) -> str:
    """The tokens of a macro expansion (joined by single spaces) with a space left only
    between two words (``POLY_SEL ( N , n ) + 0`` -> ``POLY_SEL(N,n)+0``)."""
    out = ""
    for tok in expansion.split(" "):
        if out and (out[-1].isalnum() or out[-1] == "_") and (tok[:1].isalnum() or
                                                              tok[:1] == "_"):
            out += " "
        out += tok
    return out


#: (the file's text as its trees hold it, (offset of its top-level ``#include``, a file-scope
#: declaration or function definition of the header) ...) while a file is planned
#: (:func:`header_declarations`)
_HEADER_DECLS: ContextVar[tuple[bytes, tuple[tuple[int, Node], ...]] | None] = \
    ContextVar("header_declarations", default=None)


def header_context() -> str:
    """A key naming the header declarations in force (:func:`header_declarations`; "" for
    none).  What the planner derives from a file's tree with them (which arrays are global,
    what a call reaches) holds only with the same ones: one file's text planned again after a
    header it includes changed must not find the old header's facts."""
    got = _HEADER_DECLS.get()
    if got is None:
        return ""
    digest = hashlib.sha256()
    for at, node in got[1]:
        digest.update(f"{at}:{len(text(node))}:".encode() + text(node).encode())
    return digest.hexdigest()


# a structure, union or class defined at file scope with no declarator (``struct v {...};``):
# a declaration of its tag alone (C11 6.7.2.3p6; C++ [class]p1)
TYPE_SPECIFIERS = ("struct_specifier", "union_specifier", "class_specifier")


def file_scope(root: Node) -> list[Node]:
    """The declarations, type definitions (``typedef`` s, tagged structures and classes) and
    function definitions at file scope of a header's tree, those
    inside its include guard (``#ifndef G`` / ``#define G`` ... ``#endif`` around the whole
    text) included; none of another conditional group."""
    tops = [n for n in named(root) if n.type != "comment"]
    if len(tops) == 1 and tops[0].type == "preproc_ifdef":
        guard = _field(tops[0], "name")
        kids = [n for n in named(tops[0]) if n.type != "comment" and
                (guard is None or n.id != guard.id)]
        if kids and kids[0].type == "preproc_def" and guard is not None and \
                text(_field(kids[0], "name")) == text(guard) and \
                text(tops[0]).startswith("#ifndef"):
            tops = kids
    return [n for n in tops if n.type in ("declaration", "function_definition",
                                          "type_definition", *TYPE_SPECIFIERS)]



@lru_cache(maxsize=8)
def header_tops(texts: tuple[tuple[int, bytes], ...], lang: str = "c"
                ) -> tuple[tuple[int, Node], ...]:
    """The :func:`file_scope` nodes of the headers ``texts`` (offset of the top-level
    ``#include``, the header's text), each with its ``#include``'s offset: parsed once for
    every loop and function of the file that asks."""
    from accellium.dataset.loops import parse_tree

    got: list[tuple[int, Node]] = []
    for at, data in texts:
        try:
            root = parse_tree(data, lang).root_node
        except (ValueError, RecursionError):
            continue
        got += [(at, d) for d in file_scope(root)]
    return tuple(got)


def object_declarations(texts: tuple[tuple[int, bytes], ...], lang: str = "c",
                        names: Collection[str] | None = None) -> tuple[str, ...]:
    """The file-scope declarations of objects in the headers ``texts`` (:func:`header_tops`),
    each on one line: those that declare a name of ``names`` (all when None), none that
    declares a function or defines a type.  What a loop's scope needs of its headers when their
    texts do not travel (a backend's ``context.scope.declarations``): ``#include`` puts them in
    the file (C11 6.10.2p3), so the objects they declare are the file's globals."""
    out = [" ".join(text(node).split()) for _, node in header_tops(texts, lang)
           if (declared := _objects_declared(node)) and
           (names is None or any(n in names for n in declared))]
    return tuple(dict.fromkeys(out))


def _objects_declared(node: Node) -> list[str]:
    """The objects a file-scope ``declaration`` declares (none when it declares a function or
    defines a type)."""
    if node.type != "declaration" or "{" in text(node):
        return []
    declared = [walk_declarator(d)[0] for d in node.children_by_field_name("declarator")]
    return [n for n in declared if n] if all(declared) else []


def is_object_declaration(line: str, lang: str = "c") -> bool:
    """Is ``line`` one declaration of objects (what :func:`object_declarations` gives)?"""
    from accellium.dataset.loops import parse_tree

    try:
        root = parse_tree(line.encode("utf-8", "surrogateescape"), lang).root_node
    except (ValueError, RecursionError):
        return False
    tops = [n for n in named(root) if n.type != "comment"]
    return not root.has_error and len(tops) == 1 and bool(_objects_declared(tops[0]))


@contextmanager
def header_declarations(source: bytes, texts: tuple[tuple[int, bytes], ...],
                        lang: str = "c") -> Iterator[None]:
    """Within the block, :func:`declarations` of a function of the file ``source`` also gives
    the file-scope declarations of its headers ``texts`` (offset of the top-level
    ``#include``, the header's text; those read outside a conditional group) included before
    the function, for the names the file itself does not declare: ``#include`` is replaced by
    the header's text (C11 6.10.2p3), so a header's file-scope declaration is one of the
    file's."""
    got = header_tops(texts, lang)
    # the trees of ``source`` hold the text the grammar reads (pragma lines blanked, same
    # length: :func:`.loops.parse_tree`), which is what a tree's root is compared with
    from accellium.dataset.lines import grammar_view
    from accellium.dataset.loops import mask_pragmas

    view = grammar_view(mask_pragmas(source))
    token = _HEADER_DECLS.set((view, tuple(got)) if got else None)
    try:
        yield
    finally:
        _HEADER_DECLS.reset(token)


def header_functions(root: Node) -> list[Node]:
    """The function definitions of the headers the file ``root`` includes (within
    :func:`header_declarations`, for the file it names; none otherwise): ``#include`` puts the
    header's text in the file (C11 6.10.2p3), so they are definitions of the file's
    translation unit."""
    hdr = _HEADER_DECLS.get()
    if hdr is None or source_of(root) != hdr[0]:
        return []
    return [d for _, d in hdr[1] if d.type == "function_definition"]


def header_types(root: Node, before: int) -> list[Node]:
    """The file-scope declarations, ``typedef`` s and structure or class definitions of the
    headers the file ``root``
    includes before byte ``before`` (within :func:`header_declarations`, for the file it
    names; none otherwise): where a structure the file uses may be defined."""
    hdr = _HEADER_DECLS.get()
    if hdr is None or source_of(root) != hdr[0]:
        return []
    return [d for at, d in hdr[1] if at < before and d.type in ("declaration", "type_definition",
                                                                 *TYPE_SPECIFIERS)]


@contextmanager
def headers_kept(source: bytes) -> Iterator[None]:
    """Within the block, the header declarations in force (:func:`header_declarations`) are
    those of the file whose text is now ``source``: the same file with code rewritten inside
    one function (each ``#include`` above it where it was)."""
    got = _HEADER_DECLS.get()
    if got is None:
        yield
        return
    from accellium.dataset.lines import grammar_view
    from accellium.dataset.loops import mask_pragmas

    token = _HEADER_DECLS.set((grammar_view(mask_pragmas(source)), got[1]))
    try:
        yield
    finally:
        _HEADER_DECLS.reset(token)


def header_declared_before(decl: Node, fn: Node, root: Node) -> bool:
    """Is ``decl`` a file-scope declaration of a header the file ``root`` includes (within
    :func:`header_declarations`, for the file it names) at a top-level ``#include`` above the
    function ``fn``?  The directive is replaced by the header's text (C11 6.10.2p3), so the
    declaration stands above the function and its identifier's scope, which begins just after
    its declarator (6.2.1p7), covers the whole function."""
    hdr = _HEADER_DECLS.get()
    if hdr is None or source_of(root) != hdr[0]:
        return False
    return any(at < fn.start_byte and d.start_byte <= decl.start_byte and
               decl.end_byte <= d.end_byte and root_of(d) == root_of(decl)
               for at, d in hdr[1])


def _from_headers(out: dict[str, list[Shape]], fn: Node, root: Node) -> None:
    """Adds the file-scope shapes of the headers included before ``fn`` (within
    :func:`header_declarations`, for the file it names) whose names the file does not
    declare at file scope."""
    hdr = _HEADER_DECLS.get()
    if hdr is None or source_of(root) != hdr[0]:
        return
    own = set(out)
    for at, d in hdr[1]:
        if at < fn.start_byte and d.type == "declaration":
            for s in declared_shapes(d, False, False):
                if s.name not in own:
                    out.setdefault(s.name, []).append(s)


def declarations(fn: Node, root: Node) -> dict[str, list[Shape]]:
    """Every name declared in the function ``fn`` (parameters and locals, in order) and at
    file scope in ``root`` (and, within :func:`header_declarations`, in the headers included
    before ``fn``): name -> shapes (more than one when a name is declared again)."""
    out: dict[str, list[Shape]] = {}
    for top in named(root):
        if top.type == "declaration":
            for s in declared_shapes(top, False, False):
                out.setdefault(s.name, []).append(s)
    _from_headers(out, fn, root)
    decl = _field(fn, "declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = _field(decl, "declarator")
    for p in named(_field(decl, "parameters")):
        if p.type == "parameter_declaration":
            for s in declared_shapes(p, True, False):
                out.setdefault(s.name, []).insert(0, s)
    body = _field(fn, "body")
    for n in iter_nodes(body) if body is not None else ():
        if n.type == "declaration":
            for s in declared_shapes(n, False, True):
                out.setdefault(s.name, []).append(s)
        elif n.type == "expression_statement" and (got := macro_statement(n)) is not None:
            for d in got.declarations:  # the statement is the declaration's place
                for s in declared_shapes(d, False, True):
                    out.setdefault(s.name, []).append(replace(s, decl=n, expansion=d))
    return out


def file_scalar_shape(name: str, decls: dict[str, list[Shape]]) -> Shape | None:
    """The file-scope declaration of ``name`` when, in the function ``decls`` describes, the
    name denotes a scalar declared at file scope (``int nx;``) that no parameter or local
    hides (C11 6.2.1p4; a name also declared inside the function is refused: which uses the
    inner declaration hides is not worked out)."""
    shapes = decls.get(name) or []
    shape = shape_of(name, decls)
    ok = bool(shapes) and shape is not None and all(is_global(s) for s in shapes) and \
        shape.kind == "other" and shape.levels == 0 and shape.expansion is None
    return shape if ok else None


def is_param(shape: Shape | None) -> bool:
    return shape is not None and shape.decl is not None and \
        shape.decl.type == "parameter_declaration"


def is_global(shape: Shape | None) -> bool:
    """Is the name, where the function uses it, a file-scope object (no parameter or local
    hides it)?"""
    return shape is not None and not shape.local and not is_param(shape)


def shape_of(name: str, decls: dict[str, list[Shape]]) -> Shape | None:
    """The shape of ``name`` when the function declares it once (None: unknown or ambiguous;
    a global counts when the function does not declare the name)."""
    got = decls.get(name) or []
    inner = [s for s in got if s.local or s.decl is not None and
             s.decl.type == "parameter_declaration"]
    if len(inner) == 1:
        return inner[0]
    if not inner and len(got) >= 1 and len({(s.kind, s.levels, s.dims) for s in got}) == 1:
        return got[0]
    return None


# -- allocations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocSite:
    name: str
    stmt: Node  # the statement that allocates (a declaration or an expression statement)
    count: poly.Poly | None  # elements, when the size reads ``count * sizeof ...``
    zeroed: bool = False  # its bytes may all be zero (``calloc``, or a wrapper of it)
    # the element-count expression as written, of a ``malloc``/``calloc`` call (``rp[n]`` of
    # ``malloc(rp[n] * sizeof *adj)``) or of a C++ ``new T[n]`` (``n``); None: another
    # allocation or size
    count_node: Node | None = None


def _call_name(node: Node | None) -> str:
    node = unparen(node)
    if node is None or not is_call(node):
        return ""
    return callee_name(node) or text(_field(node, "function"))


def count_node(call: Node) -> Node | None:
    """The element-count expression of ``calloc(count, sizeof ...)`` or
    ``malloc(count * sizeof ...)`` (None: another call or size)."""
    args = named(_field(call, "arguments"))
    fn = _call_name(call)
    if fn == "calloc" and len(args) == 2 and args[1].type == "sizeof_expression":
        return args[0]
    if fn != "malloc" or len(args) != 1:
        return None
    return _bytes_node(args[0])


def _alloc_count(call: Node) -> poly.Poly | None:
    """The element count of a ``malloc``/``calloc`` call: its count expression's polynomial,
    or the product of the other factors of a ``malloc`` size that is a product with one
    ``sizeof`` factor (:func:`_bytes_count`)."""
    got = poly.poly_of(count_node(call))
    if got is not None or _call_name(call) != "malloc":
        return got
    args = named(_field(call, "arguments"))
    return _bytes_count(args[0]) if len(args) == 1 else None


def _bytes_count(size: Node | None) -> poly.Poly | None:
    """The element count of a byte size spelled ``count * sizeof ...`` (either order), or a
    product of several factors one of which is ``sizeof ...`` (``sizeof(double) * n * NV``:
    ``*`` groups left to right, C11 6.5.5, so it reads ``(sizeof(double) * n) * NV``, and the
    product of integers is the same in any grouping: ``n * NV`` elements)."""
    got = poly.poly_of(_bytes_node(size))
    if got is not None:
        return got
    factors = _factors(size)
    if sum(f.type == "sizeof_expression" for f in factors) != 1 or len(factors) < 3:
        return None
    out: poly.Poly | None = poly.const(1)
    for f in factors:
        if f.type != "sizeof_expression":
            value = poly.poly_of(f)
            out = poly.mul(out, value) if out is not None and value is not None else None
    return out


def _factors(e: Node | None) -> list[Node]:
    """The factors of a product ``a * b * c`` (through parentheses); ``[e]`` for another
    expression."""
    e = unparen(e)
    if e is None:
        return []
    if e.type != "binary_expression" or text(_field(e, "operator")) != "*":
        return [e]
    return _factors(_field(e, "left")) + _factors(_field(e, "right"))


def _bytes_node(size: Node | None) -> Node | None:
    e = unparen(size)
    if e is None or e.type != "binary_expression" or text(_field(e, "operator")) != "*":
        return None
    left, right = unparen(_field(e, "left")), unparen(_field(e, "right"))
    if right is not None and right.type == "sizeof_expression":
        return left
    if left is not None and left.type == "sizeof_expression":
        return right
    return None


def count_expression(site: AllocSite) -> Node | None:
    """The element-count expression of a ``malloc``/``calloc`` (or C++ ``new T[n]``)
    allocation site, as written (``rp[n]`` of ``int *adj = malloc(rp[n] * sizeof *adj)``;
    None: another allocation)."""
    return site.count_node


def _statement(node: Node) -> Node:
    while node.parent is not None and node.type not in ("declaration", "expression_statement"):
        node = node.parent
    return node


def alloc_sites(body: Node, fresh: FreshNames | None = None) -> list[AllocSite]:
    """``p = malloc(n * sizeof *p)``, ``T *p = calloc(n, sizeof *p)`` in the function body;
    with ``fresh``, also ``p = w(...)`` for a function ``w`` of the program that returns fresh
    memory (:mod:`.fresh`: the memory has no other name, as ``malloc``'s; its count unknown)."""
    out = []
    for n in iter_nodes(body):
        if n.type == "expression_statement" and (items := _expanded(n)) is not None:
            # a statement macro that allocates (``ARRAY_DECL(A, ...)``): the statement is the
            # allocation's place
            out += [replace(a, stmt=n) for item in items for a in alloc_sites(item, fresh)]
            continue
        got = _allocation(n, fresh)
        if got is not None:
            out.append(got)
    return out


def object_starts(fn: Node) -> dict[str, int]:
    """The locals of ``fn`` that point to the start of their object wherever they are used,
    each with the line of its (first) allocation: every assignment of the name — ``=``,
    ``++``, ``&p`` (which may be written through) counted — is an allocation (``p =
    malloc(...)``, ``T *p = calloc(...)``).  An access ``p[k]`` with ``k < 0`` is then
    outside the object: pointer arithmetic before an array's first element is undefined
    (C11 6.5.6p8)."""
    from accellium.dataset.offload.uses import assignments

    body = _field(fn, "body") or fn
    count = assignments(body).count
    sites: dict[str, list[AllocSite]] = {}
    for site in alloc_sites(body):
        sites.setdefault(site.name, []).append(site)
    return {n: got[0].stmt.start_point[0] + 1 for n, got in sites.items()
            if count.get(n) == len(got)}


def _expanded(stmt: Node) -> list[Node] | None:
    """What a statement that is a call of a function-like macro expands to
    (:func:`macro_items`; None: another statement, or a call of a function)."""
    kids = named(stmt)
    if len(kids) != 1 or (kids[0].type != "call_expression" and
                          type_macro_declaration(stmt) is None):
        return None
    return macro_items(stmt)


def _allocation(n: Node, fresh: FreshNames | None) -> AllocSite | None:
    """The allocation ``n`` is: ``p = malloc(...)``, ``T *p = w(...)``, ... (None: not one)."""
    if n.type == "init_declarator":
        name, _ = walk_declarator(_field(n, "declarator"))
        value = unparen(_field(n, "value"))
    elif n.type == "assignment_expression" and text(_field(n, "operator")) == "=":
        left = unparen(_field(n, "left"))
        name = text(left) if left is not None and left.type == "identifier" else None
        value = unparen(_field(n, "right"))
    else:
        return None
    called = _call_name(value)
    if not name or value is None:
        return None
    if value.type == "new_expression":
        got = new_array(value)
        if got is None:
            return None
        count, zeroed = got
        return AllocSite(name, _statement(n), poly.poly_of(count), zeroed, count)
    if called in _ALLOC:
        node = count_node(value)
        return AllocSite(name, _statement(n), _alloc_count(value), called == "calloc", node)
    if fresh is not None and called in fresh.alloc:
        return AllocSite(name, _statement(n), fresh.count_of(value), called in fresh.zeroed)
    if value.type == "identifier":
        size = _aligned_before(_statement(n), text(value))
        if size is not None:
            return AllocSite(name, _statement(n), _bytes_count(size))
    return None


def new_array(e: Node) -> tuple[Node, bool] | None:
    """(the element count, whether every element is zero) of C++'s ``new T[n]``: an array
    object of ``n`` elements that no other name reaches, as ``malloc``'s memory
    ([expr.new]); ``new T[n]()`` and ``new T[n]{}`` value-initialise every element — zero
    for a scalar — ``new T[n]`` leaves a scalar's indeterminate ([dcl.init]).  None for
    another ``new``: one object (``new T``), a placement (``new (buf) T[n]`` builds in memory
    the program already has; ``std::nothrow`` allocates as the plain form does), rows of a
    fixed length (``new T[n][M]``) or elements an initialiser list gives."""
    d = _field(e, "declarator")
    if d is None or d.type != "new_declarator" or _field(d, "declarator") is not None:
        return None
    place = _field(e, "placement")
    if place is not None and [text(a).replace(" ", "") for a in named(place)] != \
            ["std::nothrow"]:
        return None
    count = _field(d, "length")
    init = _field(e, "arguments")
    if count is None or init is not None and named(init):
        return None
    return count, init is not None


def _aligned_before(stmt: Node, p: str) -> Node | None:
    """The size argument of ``posix_memalign(&p, alignment, size);`` when it is the statement
    just before ``stmt`` (``x = (T *) p;``), and ``p`` is named nowhere else in the function
    but in such pairs: the memory POSIX allocated is then ``x``'s alone, as ``malloc``'s would
    be (``p`` is reused for the next allocation, never read for this one)."""
    size = _memalign_size(_previous(stmt), p)
    fn = enclosing_function(stmt)
    if size is None or fn is None:
        return None
    for n in iter_nodes(fn):
        if n.type != "identifier" or text(n) != p:
            continue
        own = _statement(n)
        if own == stmt or own.type == "declaration" and is_declared_name(n):
            continue  # this pair's `x = (T *) p;`, or `void *p;` (a parameter is not local)
        if n.parent is not None and n.parent.type == "pointer_expression" and \
                _memalign_size(own, p) is not None:
            continue  # `&p` of a posix_memalign
        kids = named(own)
        if own.type == "expression_statement" and kids and \
                kids[0].type == "assignment_expression" and \
                unparen(_field(kids[0], "right")) == n and \
                _memalign_size(_previous(own), p) is not None:
            continue  # `y = (T *) p;` right after another posix_memalign
        return None
    return size


def _previous(stmt: Node) -> Node | None:
    """The statement before ``stmt`` in its block (comments skipped)."""
    prev = stmt.prev_named_sibling
    while prev is not None and prev.type == "comment":
        prev = prev.prev_named_sibling
    return prev


def _memalign_size(stmt: Node | None, p: str) -> Node | None:
    """The size argument when ``stmt`` is ``posix_memalign(&p, alignment, size);``."""
    if stmt is None or stmt.type != "expression_statement" or not named(stmt):
        return None
    call = unparen(named(stmt)[0])
    if call is None or not is_call(call) or _call_name(call) != "posix_memalign":
        return None
    args = named(_field(call, "arguments"))
    if len(args) != 3:
        return None
    first = unparen(args[0])
    if first is None or first.type != "pointer_expression" or text(first).replace(" ", "") != \
            "&" + p:
        return None
    return args[2]


def free_sites(body: Node, fresh: FreshNames | None = None) -> list[tuple[str, Node]]:
    """``free(p);`` statements (``free((void *)p)``: the same pointer, C11 6.3.2.3p1): (p, the
    statement); with ``fresh``, also the calls of functions of the program that only free
    their parameter (:mod:`.fresh`)."""
    freeing = {"free": 0, **(fresh.free if fresh is not None else {})}
    out = []
    for n in iter_nodes(body):
        if n.type != "expression_statement":
            continue
        items = _expanded(n)
        if items is not None:  # ``FREE_ARRAY(A);`` expanding to ``free((void *)A);``
            got = [f for item in items for f in free_sites(item, fresh)]
            if len(got) == 1 and all(k.type == "expression_statement" for k in items):
                out.append((got[0][0], n))
            continue
        expr = unparen(named(n)[0]) if named(n) else None
        # ``free(a), free(b);``: the comma operator evaluates each operand in turn (C11
        # 6.5.17p2), so a statement of nothing but such calls frees each pointer there
        calls = _comma_operands(expr)
        freed = [_freed_name(c, freeing) for c in calls]
        if calls and all(freed):
            out += [(name, n) for name in freed if name]
    return out


def _comma_operands(e: Node | None) -> list[Node]:
    """The operands of a comma expression, left to right (``[e]`` for another expression)."""
    e = unparen(e)
    if e is None:
        return []
    if e.type != "comma_expression":
        return [e]
    return _comma_operands(_field(e, "left")) + _comma_operands(_field(e, "right"))


def _freed_name(call: Node, freeing: dict[str, int]) -> str | None:
    """The pointer ``call`` frees: ``free(p)``, C++'s ``delete[] p`` (the array a ``new
    T[n]`` made, [expr.delete]), or a freeing function's argument (None)."""
    if call.type == "delete_expression":
        arg = unparen(named(call)[-1]) if named(call) else None
        array = any(c.type == "[" for c in call.children)
        return text(arg) if array and arg is not None and arg.type == "identifier" else None
    at = freeing.get(_call_name(call))
    if at is None:
        return None
    args = [a for a in named(_field(call, "arguments")) if a.type != "comment"]
    if _call_name(call) == "free" and len(args) != 1 or at >= len(args):
        return None
    arg = unparen(args[at])
    return text(arg) if arg is not None and arg.type == "identifier" else None
