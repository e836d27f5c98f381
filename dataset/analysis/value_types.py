"""What a C type name says about the values an object or a conversion holds.

* **Narrow integers** (``char``, ``short``, ``_Bool`` and the exact-width 8- and 16-bit types):
  converting a loop's index to one wraps it (an unsigned type: reduced modulo 2^N, C11
  6.3.1.3p2) or gives an implementation-defined value (a signed type, 6.3.1.3p3) once the index
  passes its range, so ``b[(unsigned char)i]`` is not ``b[i]``: iterations 256 apart reach one
  element.  A subscript through such a conversion, or through a local of such a type assigned
  from the index, is not an affine function of the index.
* **Integer and floating types**: assigning to an integer object converts the value, and a
  floating value is truncated toward zero (6.3.1.4p1), so ``s += x`` with ``s`` an ``int`` and
  ``x`` a ``double`` rounds at every step — ``trunc(trunc(s + x1) + x2)`` is not
  ``trunc(s + trunc(x1 + x2))`` (2 - 0.5 - 0.5: 0 against 1) — and a reduction's partial
  results (OpenACC 3.3, 2.5.15) do not give what the loop in order gives.
* **``_Bool``** holds 0 or 1 whatever is assigned (6.3.1.2).
* **``long double``** is x86's 80-bit extended format under gcc: a GPU has no arithmetic for
  it (PTX's floating types are 16, 32 and 64 bits), and gcc's nvptx offload compiler stops on
  it ("80-bit-precision floating-point numbers unsupported"); a ``1.0L`` literal is one too
  (6.4.4.2p4).
"""

from __future__ import annotations

import re

from tree_sitter import Node

from accellium.dataset.analysis.tree import (
    NAMED_CASTS,
    field,
    inner_declarator,
    iter_nodes,
    kept_with_tree,
    named,
    op,
    root_of,
    text,
)

__all__ = ["narrow_integer", "integer_type", "floating_type", "binary_valued_type",
           "narrowed", "narrowing_cast", "floating_expression", "extended_type", "extended_literal",
           "integer_rank", "wraps_into", "typedef_types", "typedef_declarators", "resolved",
           "template_type_parameters", "may_be_narrow"]

_NARROW_WORDS = frozenset({"char", "short", "_Bool", "bool"})
_NARROW_NAMES = re.compile(r"^u?int(?:_least)?(?:8|16)_t$")
_INTEGER_WORDS = frozenset({"char", "short", "int", "long", "signed", "unsigned", "_Bool",
                            "bool"})
_INTEGER_NAMES = re.compile(r"^(?:u?int(?:_least|_fast)?\d+_t|u?intmax_t|u?intptr_t|size_t|"
                            r"ssize_t|ptrdiff_t|std::size_t|std::ptrdiff_t)$")
_QUALIFIERS = frozenset({"const", "volatile", "restrict", "static", "register", "extern",
                         "_Thread_local", "thread_local", "constexpr", "inline"})
_FLOATING_WORDS = frozenset({"float", "double", "_Float16", "_Float32", "_Float64",
                             "_Float128", "__float128", "real"})


def _words(type_name: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z_][\w:]*", type_name) if w not in _QUALIFIERS]


def narrow_integer(type_name: str) -> bool:
    """Is ``type_name`` an integer type narrower than ``int`` (``unsigned char``, ``short``,
    ``int16_t``, ``bool``)?"""
    words = _words(type_name)
    return bool(words) and (bool(set(words) & _NARROW_WORDS) and set(words) <= _INTEGER_WORDS
                            or len(words) == 1 and bool(_NARROW_NAMES.match(words[0])))


def integer_type(type_name: str) -> bool:
    """Is ``type_name`` (without pointer or array declarators) an integer type?"""
    words = _words(type_name)
    return bool(words) and (set(words) <= _INTEGER_WORDS
                            or len(words) == 1 and bool(_INTEGER_NAMES.match(words[0])))


#: the integer conversion ranks (C11 6.3.1.1p1) of the standard types' words, and the widths
#: of the exact- and least-width names, in bits
_RANKS = {"_Bool": 0, "bool": 0, "char": 1, "short": 2, "int": 3, "long": 4}
_WIDTH_NAME = re.compile(r"^u?int(?:_least|_fast)?(8|16|32|64)_t$")
_WIDTH_RANK = {"8": 1, "16": 2, "32": 3, "64": 4}


def integer_rank(type_name: str) -> tuple[int, bool] | None:
    """(rank, unsigned) of an integer type (``long long`` above ``long``, an exact-width name
    by its width, ``size_t`` as ``unsigned long``); None for another type or one not known."""
    words = _words(type_name)
    if len(words) == 1 and (m := _WIDTH_NAME.match(words[0])):
        return _WIDTH_RANK[m.group(1)], words[0].startswith("u")
    if len(words) == 1 and words[0] in ("size_t", "std::size_t", "uintptr_t", "uintmax_t"):
        return 4, True
    if not words or not set(words) <= _INTEGER_WORDS:
        return None
    rank = max((_RANKS[w] for w in words if w in _RANKS), default=3)
    if words.count("long") > 1:
        rank = 5
    return rank, "unsigned" in words or rank == 0


def wraps_into(source: str, target: str) -> bool:
    """Can converting a value of integer type ``source`` to integer type ``target`` change it
    other than monotonically: a narrower target, or one of the same rank with the other
    signedness, takes the value modulo its range (C11 6.3.1.3p2-3), so a larger value may
    become a smaller one (``(int)(2^32 + 7)`` is 7)."""
    s, t = integer_rank(source), integer_rank(target)
    if s is None or t is None:
        return False
    return t[0] < s[0] or (t[0] == s[0] and t[1] != s[1])


def typedef_types(root: Node) -> dict[str, str]:
    """The file's file-scope ``typedef`` names that name a plain type (no pointer, array or
    function declarator): ``typedef int acc_t;`` → ``acc_t: int`` (C11 6.7.8p3: the name is a
    synonym for the type).  Read once per tree."""
    return kept_with_tree(root, "typedef-types", 0, lambda: {
        name: text(ty) for name, (ty, d) in _typedefs(root).items() if d.type == "type_identifier"})


def _typedefs(root: Node) -> dict[str, tuple[Node, Node]]:
    """Every file-scope ``typedef`` name of the file: name -> (the type specifier, the name's
    declarator).  Read once per tree."""
    return kept_with_tree(root, "typedefs", 0,
                          lambda: {n: got for top in named(root) for n, got in _defined(top)})


def _defined(top: Node) -> list[tuple[str, tuple[Node, Node]]]:
    """(name, (type specifier, declarator)) of each name the ``typedef`` ``top`` defines."""
    ty = field(top, "type")
    if top.type != "type_definition" or ty is None:
        return []
    out = []
    for d in top.children_by_field_name("declarator"):
        inner: Node | None = d
        while inner is not None and inner.type != "type_identifier":
            inner = inner_declarator(inner)
        if inner is not None:
            out.append((text(inner), (ty, d)))
    return out


def typedef_declarators(type_node: Node | None, at: int) -> tuple[Node, ...]:
    """The pointer and array declarators the type specifier ``type_node`` (of a declaration
    at byte ``at`` of its file) stands for when it is a typedef name of the file, or of a
    header the file includes above ``at`` (read within
    :func:`accellium.dataset.offload.shapes.header_declarations`), for a pointer or array
    type (C11 6.7.8p3: the name is a synonym for the type): ``typedef double vec3[3];``
    makes ``vec3 *p`` the declaration ``double (*p)[3]``.  The typedefs' own declarators
    (``vec3[3]``), through a few levels of typedef names (``typedef vec3 *vp;``), the
    outermost first: a declarator's name stands in for the inner ones.  () for any other type,
    a name not found (its type stays unknown), or one of a function type."""
    from accellium.dataset.offload.shapes import header_types

    out: list[Node] = []
    root = None
    for _ in range(4):
        if type_node is None or type_node.type != "type_identifier":
            break
        if root is None:
            root = root_of(type_node)
        name = text(type_node)
        got = _typedefs(root).get(name) or next(
            (g for h in header_types(root, at) for n, g in _defined(h) if n == name), None)
        if got is None:
            break
        type_node, d = got
        if any(n.type in ("function_declarator", "abstract_function_declarator")
               for n in iter_nodes(d)):
            return ()
        if d.type != "type_identifier":
            out.insert(0, d)
    return tuple(out)


def resolved(type_name: str, aliases: dict[str, str]) -> str:
    """``type_name`` with a typedef name of ``aliases`` replaced by its type (a few levels:
    ``typedef acc_t sum_t;``)."""
    for _ in range(4):
        words = _words(type_name)
        if len(words) != 1 or words[0] not in aliases:
            break
        type_name = aliases[words[0]]
    return type_name


def floating_type(type_name: str) -> bool:
    """Is ``type_name`` a real floating type (``float``, ``double``, ``long double``)?"""
    words = _words(type_name)
    return bool(words) and bool(set(words) & _FLOATING_WORDS) and \
        set(words) <= _FLOATING_WORDS | {"long"}


def extended_type(type_name: str) -> bool:
    """Is ``type_name`` ``long double`` (the module doc)?"""
    words = _words(type_name)
    return "long" in words and "double" in words


_EXTENDED_LITERAL = re.compile(r"^(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][-+]?\d+)[lL]$")


def extended_literal(literal: str) -> bool:
    """Is the number literal ``literal`` a ``long double`` constant (``1.0L``)?"""
    return bool(_EXTENDED_LITERAL.match(literal))


def binary_valued_type(type_name: str) -> bool:
    """Does every object of ``type_name`` hold 0 or 1 (``_Bool``, C++ ``bool``)?"""
    return _words(type_name) in (["_Bool"], ["bool"])


def _cast_type(n: Node) -> str | None:
    """The type a conversion ``n`` names: a cast ``(T)e``, or a C++ named cast
    ``static_cast<T>(e)``; None for any other node."""
    if n.type == "cast_expression":
        t = field(n, "type")
        return text(t) if t is not None else None
    if n.type == "call_expression":
        fn = field(n, "function")
        if fn is not None and fn.type == "template_function" and \
                text(field(fn, "name")) in NAMED_CASTS:
            args = named(field(fn, "arguments"))
            return text(args[0]) if args else None
    return None


def narrowed(node: Node | None) -> bool:
    """Is ``node``, or an expression its outer parentheses and casts hold, converted to a
    narrow integer type by one of those casts (``(unsigned char)(i)``)?  For evaluators that
    strip a node's outer casts before reading it."""
    while node is not None and node.type in ("parenthesized_expression", "cast_expression",
                                             "call_expression"):
        t = _cast_type(node)
        if t is not None and narrow_integer(t):
            return True
        if node.type == "cast_expression":
            node = field(node, "value")
        elif node.type == "parenthesized_expression":
            kids = named(node)
            node = kids[-1] if kids else None
        elif t is not None:  # a named cast: its one argument
            args = named(field(node, "arguments"))
            node = args[0] if len(args) == 1 else None
        else:
            return False
    return False


def narrowing_cast(node: Node | None) -> bool:
    """Does the expression ``node`` convert something to a narrow integer type
    (:func:`narrow_integer`) by a cast?"""
    if node is None:
        return False
    for n in iter_nodes(node):
        t = _cast_type(n) if n.type in ("cast_expression", "call_expression") else None
        if t is not None and narrow_integer(t):
            return True
    return False


_FLOAT_LITERAL = re.compile(r"^(?:\d+\.\d*|\.\d+|\d+[eE][-+]?\d+|\d+\.\d*[eE][-+]?\d+|"
                            r"\.\d+[eE][-+]?\d+|0[xX][0-9a-fA-F.]*[pP][-+]?\d+)[fFlL]?$")
_FLOATING_CALLS = frozenset(
    "sqrt sqrtf sqrtl fabs fabsf fabsl exp expf expl exp2 log logf log2 log10 pow powf powl "
    "sin sinf cos cosf tan tanf asin acos atan atan2 sinh cosh tanh floor floorf ceil ceilf "
    "round roundf trunc truncf fmod fmodf fmax fmaxf fmin fminf cbrt hypot erf erfc "
    "copysign fma fmaf atof drand48 erand48".split())
_BOOLEAN = frozenset({"<", "<=", ">", ">=", "==", "!=", "&&", "||", "&", "|", "^", "<<", ">>",
                      "%"})


def _typed(name_node: Node | None, type_of) -> bool:
    ty = type_of(text(name_node)) if name_node is not None and \
        name_node.type == "identifier" else None
    return ty is not None and floating_type(ty)


def _floating_leaf(n: Node, type_of) -> bool | None:
    """Whether the leaf ``n`` has a floating value (None: ``n`` is no leaf)."""
    t = n.type
    if t == "number_literal":
        return bool(_FLOAT_LITERAL.match(text(n)))
    if t == "identifier":
        return _typed(n, type_of)
    if t == "subscript_expression":
        base = field(n, "argument")
        while base is not None and base.type == "subscript_expression":
            base = field(base, "argument")
        return _typed(base, type_of)
    if t == "cast_expression":
        ty = field(n, "type")
        return ty is not None and floating_type(text(ty))
    if t == "call_expression":
        fn = field(n, "function")
        return fn is not None and text(fn).removeprefix("std::") in _FLOATING_CALLS
    return None


def floating_expression(node: Node | None, type_of) -> bool:
    """Is the value of the expression ``node`` of a floating type, as far as ``type_of`` (a
    name -> its declared type, pointer and array levels removed; None unknown) shows?  The
    usual arithmetic conversions make an arithmetic operation floating when an operand is
    (C11 6.3.1.8); a comparison, a logical or bitwise operation or ``%`` is an integer
    (6.5.5, 6.5.7-14); a cast has its type; an element of an array its element type; a
    math function of ``<math.h>`` returns a floating value.  Unknown names and calls count
    as not floating."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None:
            continue
        leaf = _floating_leaf(n, type_of)
        if leaf is not None:
            if leaf:
                return True
            continue
        t = n.type
        if t == "binary_expression":
            if op(n) not in _BOOLEAN:
                stack += [field(n, "left"), field(n, "right")]
        elif t == "conditional_expression":
            stack += [field(n, "consequence"), field(n, "alternative")]
        elif t == "parenthesized_expression" or t == "unary_expression" and op(n) != "!":
            stack += n.named_children
    return False


def template_type_parameters(node: Node | None) -> frozenset[str]:
    """The type parameters (``T`` of ``template <class T>``, ``typename T = double``) of the
    templates around ``node`` (a function's or a class's, [temp.param]): a name declared of
    such a type has whatever type an instantiation gives it — ``int`` or ``short`` as well as
    ``double``."""
    out: set[str] = set()
    while node is not None:
        if node.type == "template_declaration":
            params = field(node, "parameters")
            for p in named(params) if params is not None else ():
                if p.type in ("type_parameter_declaration",
                              "optional_type_parameter_declaration"):
                    out.update(text(c) for c in p.named_children if c.type == "type_identifier")
        node = node.parent
    return frozenset(out)


def may_be_narrow(type_name: str, at: Node) -> bool:
    """May an object declared ``type_name`` at ``at`` be of a narrow integer type
    (:func:`narrow_integer`): that type itself, a typedef name of the file for one (C11
    6.7.8p3: ``typedef unsigned char idx_t;``), or a type parameter of a template around
    ``at`` (:func:`template_type_parameters`), which an instantiation may make one?"""
    return narrow_integer(resolved(type_name, typedef_types(root_of(at)))) or \
        type_name in template_type_parameters(at)
