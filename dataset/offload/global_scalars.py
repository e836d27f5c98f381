"""Global scalars a callee's sections name, written by their own name in a caller's clause.

Kernels often bound their sections by file-scope scalars set once (``s[0:(nx + 4) * nz]`` with
``int nx, nz;`` assigned in an init function).  A caller's region copies the callee's section
into its own clause (:mod:`.calls`), so the clause names ``nx`` too.  The facts of C and
OpenACC that make it the same value:

* an identifier declared at file scope denotes the same object in every function of its file
  where no inner declaration hides it (C11 6.2.1p4), from just after its declarator on
  (6.2.1p7): the caller's clause names the callee's object when the caller's ``nx`` is that
  declaration, below it;
* a data clause's bounds are evaluated when its construct starts (OpenACC 3.3, 2.6.5, 2.7.1):
  the callee's where its own region starts, the caller's where the caller's starts — the same
  value when nothing that runs in between stores to the object;
* a scalar object is stored to only by an assignment or an increment naming it (C11 6.5.16,
  6.5.2.4, 6.5.3.1) or through a pointer to it.  When the file never takes its address (but
  as the argument of a C library function, which stores through it during the call only), and
  every function that runs is one of the file's own or of the C library, the file's stores
  are all there are; a call of a function defined elsewhere may run any code of the program
  (:data:`ANY`).

So a scalar is *fixed* in a function (:func:`fixed_in`) when the function, and every function
of the file it calls, never stores to it; a caller's region names it in its clause when none
of its statements, nor any function they call, stores to it (:func:`changes`: each such
statement is a barrier for the arrays whose sections name it).  A function that declares a
name like the global's in its own scope (a parameter or a local) and assigns it is taken to
store to the global: which uses the inner declaration hides is not worked out."""

from __future__ import annotations

from collections.abc import Collection

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import library_function
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, op, root_of, source_of, text, unparen
from accellium.dataset.offload.nodes import callee_name

__all__ = ["ANY", "UNREAD", "stores", "file_stores", "fixed_in", "changes", "macro_call_tokens",
           "macro_effects"]

#: In :func:`file_stores`: the function calls one defined neither in the file nor in the C
#: library (it may store to any global).
ANY = "*"

#: file text -> its functions' stores and the names whose address escapes (the last few files)
_MEMO: dict[bytes, tuple[dict[str, set[str]], set[str]]] = {}
_MEMO_SIZE = 8


def _stored_name(n: Node) -> str | None:
    """The variable an assignment or increment stores to by name (None: another node, or a
    store through an lvalue that is no plain name)."""
    if n.type == "assignment_expression":
        target = unparen(_field(n, "left"))
    elif n.type == "update_expression":
        target = unparen(_field(n, "argument"))
    else:
        return None
    return text(target) if target is not None and target.type == "identifier" else None


def stores(node: Node, fns: set[str], sealed: Collection[str] = ()
           ) -> tuple[set[str], set[str], set[str]]:
    """What the code of ``node`` does to scalars by name: the names it stores to (assigned,
    incremented, or passed as ``&x`` to a C library function), the names whose address it
    takes otherwise (they may be stored to anywhere), and the functions of ``fns`` it calls
    (:data:`ANY` among the stored names: it calls a function neither of ``fns``, of
    ``sealed`` nor of the C library, or through a pointer)."""
    stored: set[str] = set()
    escaped: set[str] = set()
    calls: set[str] = set()
    for n in iter_nodes(node):
        if n.type in ("assignment_expression", "update_expression"):
            target = _stored_name(n)
            if target is not None:
                stored.add(target)
        elif n.type == "pointer_expression" and op(n) == "&":
            arg = unparen(_field(n, "argument"))
            if arg is None or arg.type != "identifier":
                continue
            args = n.parent
            call = args.parent if args is not None and args.type == "argument_list" else None
            name = callee_name(call) if call is not None else None
            if name is not None and name not in fns and library_function(name) is not None:
                stored.add(text(arg))
            else:
                escaped.add(text(arg))
        elif is_call(n):
            name = callee_name(n)
            expansion = macro_call_tokens(n) if name is not None and name not in fns else None
            if expansion is not None:
                macro_effects(expansion, fns, stored, calls)
            elif name is not None and name in fns:
                calls.add(name)
            elif name is None or name not in sealed and library_function(name) is None:
                stored.add(ANY)
    return stored, escaped, calls


#: Tokens by which an expression stores to an object or takes its address (C11 6.5.16,
#: 6.5.2.4, 6.5.3.1, 6.5.3.2).
_STORING = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++",
                      "--", "&"})


#: In :func:`macro_call_tokens`: the expansion was given up.
UNREAD = "\0"


def macro_call_tokens(call: Node) -> list[str] | None:
    """The tokens a call of a function-like macro visible there expands to (None: no such
    macro; ``[UNREAD]``: its expansion was given up).  The preprocessor replaces it before the
    code is read (C11 6.10.3): what it does is what its expansion does."""
    from accellium.dataset.analysis.macros import expand, tokens, visible_at

    f = _field(call, "function")
    table = visible_at(root_of(call), call.start_byte)
    m = table.get(text(f)) if f is not None and f.type == "identifier" else None
    if m is None or m.params is None:
        return None
    out = expand(text(call), table)
    return tokens(out) if out is not None else [UNREAD]


def macro_effects(toks: list[str], fns: set[str], stored: set[str], calls: set[str]) -> None:
    """What a macro call's expansion does, by its tokens: a store or an address taken, or a
    call of a function neither of ``fns`` nor of the C library, may touch any global
    (:data:`ANY`); the functions of ``fns`` it names are called."""
    for k, t in enumerate(toks):
        if t in _STORING or t == UNREAD:
            stored.add(ANY)
        elif t in fns:
            calls.add(t)
        elif k + 1 < len(toks) and toks[k + 1] == "(" and (t[:1].isalpha() or t[:1] == "_") \
                and library_function(t) is None:
            stored.add(ANY)


def file_stores(root: Node) -> tuple[dict[str, set[str]], set[str]]:
    """For each function of the file: the names it may store to, itself or through the file's
    functions it calls (:data:`ANY`: it may store to any); and the names whose address the file
    takes other than for a C library call (:func:`stores`)."""
    key = source_of(root)
    got = _MEMO.get(key)
    if got is not None:
        return got
    fns = {function_name(f)[0]: f for f in named(root) if f.type == "function_definition"}
    names = {n for n in fns if n}
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    escaped: set[str] = set()
    for name, fn in fns.items():
        if name:
            direct[name], esc, calls[name] = stores(fn, names)
            escaped |= esc
    for top in named(root):  # initialisers of file-scope declarations: ``int *p = &n;``
        if top.type != "function_definition":
            escaped |= stores(top, names)[1]
    from accellium.dataset.offload.callgraph import through_calls  # (calls -> here -> arrays)

    out = through_calls(direct, calls)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[key] = (out, escaped)
    return out, escaped


def fixed_in(fn: Node, names: set[str], is_scalar) -> set[str]:
    """The names of ``names`` that are file-scope scalars where ``fn`` uses them
    (``is_scalar``), whose address the file never lets escape, and that neither ``fn`` nor
    any function of the file it calls stores to."""
    root = root_of(fn)
    by_fn, escaped = file_stores(root)
    mine = by_fn.get(function_name(fn)[0] or "", {ANY})
    if ANY in mine:
        return set()
    return {n for n in names if is_scalar(n) and n not in escaped and n not in mine}


def _internal_scalar(root: Node, name: str) -> bool:
    """Is ``name`` declared at file scope ``static`` (internal linkage, C11 6.2.2p3), by a
    declaration of the file's own text?"""
    from accellium.dataset.offload.callgraph import is_static  # (callgraph -> here)
    from accellium.dataset.offload.shapes import walk_declarator

    return any(walk_declarator(d)[0] == name
               for top in named(root) if top.type == "declaration" and is_static(top)
               for d in top.children_by_field_name("declarator"))


def changes(fn: Node, name: str, sealed: Collection[str] = ()) -> list[tuple[Node, str]]:
    """The statements and calls of ``fn`` that may store to the file-scope scalar ``name``:
    an assignment or increment of it, or a call of a function that stores to it (or of one
    defined elsewhere); each with why.  ``sealed``: functions of the program's other files
    that reach nothing outside those files and the C library — when ``name`` has internal
    linkage and its address never escapes, no such function can name it (C11 6.2.2p3) nor
    call one of this file that stores to it: a call of one stores to it only through its
    arguments' own stores."""
    root = root_of(fn)
    by_fn, escaped = file_stores(root)
    fns = set(by_fn)
    internal = bool(sealed) and name not in escaped and _internal_scalar(root, name)
    out: list[tuple[Node, str]] = []
    for n in iter_nodes(_field(fn, "body") or fn):
        line = n.start_point[0] + 1
        if n.type in ("assignment_expression", "update_expression"):
            if _stored_name(n) == name:
                out.append((n, f"line {line} stores to `{name}`"))
        elif is_call(n):
            callee = callee_name(n)
            hit = by_fn.get(callee) if callee is not None else None
            if hit is None:  # a macro's expansion, a C library call, or one defined elsewhere
                stored, _, called = stores(n, fns, sealed if internal else ())
                hit = stored.union(*(by_fn[c] for c in called))
            if name in hit or ANY in hit:
                out.append((n, f"the call to `{callee or text(_field(n, 'function'))}` at "
                               f"line {line} may store to `{name}`"))
    return out
