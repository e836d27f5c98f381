"""Globals whose memory nothing reads once ``main`` has run past a region (:func:`exit_dead`,
:func:`read_after_in_main`).

A global's memory counts as live after any region (:func:`.live.live_after`): code after the
function may read it.  In ``main`` that code is known.  Returning from ``main`` ends the
program (C11 5.1.2.2.3); after it only the functions registered with ``atexit`` or
``at_quick_exit`` run (7.22.4.4, 7.22.4.7).  So when the planner is given every translation
unit of the program and

* no file of the program names ``atexit`` or ``at_quick_exit`` (no handler is registered),
  nor calls ``main`` (its end is the program's end) — and ``main`` has no ``goto`` and no
  ``setjmp`` (nothing runs the region again but the loops around it);
* no other file names the global (it cannot reach it by name, C11 6.2.2);
* the file never makes another name for its memory: every use of the global's value as a
  pointer (not an element) is ``free(g)``, its own allocation ``g = malloc(...)`` (``calloc``,
  ``realloc``, ``g = realloc(g, ...)``), or an argument of a direct call of a function of the
  file that only subscripts that parameter (:meth:`.callgraph.CallGraph.kept`);

then the host copy of the global's memory is read after a region of ``main`` only by the
statements of ``main`` after the region (or in a loop around it) that name the global, and by
the calls there of the file's functions that name it, directly or through the functions they
call (:func:`.bind.touches`).  When there is none, the values the region leaves need not come
back to the host (``create``/``copyin`` instead of ``copy``/``copyout``)."""

from __future__ import annotations

import re

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import is_name, iter_nodes, named, op, text, unparen
from accellium.dataset.offload.nodes import callee_name, library_argument, loops_around

__all__ = ["ExitDead", "exit_dead", "read_after_in_main"]

_HANDLERS = re.compile(r"\b(atexit|at_quick_exit)\b")
_ALLOCATORS = ("malloc", "calloc", "realloc")

#: The globals of the rule and, for each function of the file, the globals (of those) it
#: names directly or through the file's functions it calls (``bind.ANY``: it may call back).
ExitDead = tuple[frozenset[str], dict[str, set[str]]]


def exit_dead(root: Node, others: list[Node] | None) -> ExitDead:
    """The file's globals the module's rule holds for (none unless ``others``, the program's
    other translation units, are all given), and what each function of the file names of
    them."""
    from accellium.dataset.offload.bind import touches  # (bind -> live -> here)
    from accellium.dataset.offload.callgraph import graph_of  # (callgraph -> live -> here)

    if others is None:
        return frozenset(), {}
    files = [root, *others]
    if any(_HANDLERS.search(text(r)) for r in files):
        return frozenset(), {}
    fns = [f for r in files for f in named(r) if f.type == "function_definition"]
    mains = [f for f in fns if function_name(f)[0] == "main"]
    if len(mains) != 1 or mains[0].parent is None or mains[0].parent.id != root.id or \
            any(callee_name(n) == "main" for f in fns for n in iter_nodes(f)
                if is_call(n)) or \
            any(n.type == "goto_statement" or (n.type == "identifier" and text(n) == "setjmp")
                for n in iter_nodes(mains[0])):
        return frozenset(), {}
    glob = _globals(root)
    internal = _globals(root, static=True)
    # a file that declares its own ``static`` object of the name means that one (6.2.2p3)
    named_elsewhere = {text(n) for o in others for n in iter_nodes(o)
                       if n.type == "identifier" and text(n) not in _globals(o, static=True)}
    # a call in the file names the file's own definition; a function defined once in the
    # program is the one every file calls
    graphs = (graph_of(root, None), graph_of(root, others))
    keep = frozenset(g for g in glob if (g in internal or g not in named_elsewhere)
                     and _one_name(root, g, graphs))
    defined = {function_name(f)[0] or "" for f in fns}
    return keep, touches(root, keep, defined, macros=True)


def _globals(root: Node, static: bool = False) -> set[str]:
    """Names the file declares at file scope as pointers or arrays (not functions); with
    ``static``, only those declared ``static`` (internal linkage, C11 6.2.2p3)."""
    from accellium.dataset.offload.callgraph import is_static
    from accellium.dataset.offload.shapes import walk_declarator

    out: set[str] = set()
    for d in named(root):
        if d.type != "declaration" or (static and not is_static(d)):
            continue
        for decl in d.children_by_field_name("declarator"):
            name, parts = walk_declarator(decl)
            kinds = [k for k, _ in parts]
            if name and kinds and kinds[0] in ("pointer", "array") and "function" not in kinds:
                out.add(name)
    return out


def _one_name(root: Node, g: str, graphs) -> bool:
    """Is every use of the global ``g``'s value as a pointer in the file a ``free``, its own
    allocation, an argument of a call of a file function that only subscripts it, or of a
    standard library function whose value is dropped (:func:`.nodes.library_argument`)?  (Its
    memory then has no other name.)"""
    for top in named(root):
        if top.type == "function_definition":
            continue
        if any(n.type == "identifier" and text(n) == g for n in iter_nodes(top)
               if n.parent is not None and n.parent.type not in ("init_declarator", "declaration",
                                                                 "pointer_declarator",
                                                                 "array_declarator")):
            return False  # a file-scope initialiser takes its value
    for n in iter_nodes(root):
        if n.type != "identifier" or text(n) != g or not _value_use(n):
            continue
        if not (_freed(n) or _allocated(n) or library_argument(n) or
                any(graph._passed_on(n, frozenset()) for graph in graphs)):
            return False
    return True


def _value_use(n: Node) -> bool:
    """Is the identifier used for its value as a pointer: not subscripted, not dereferenced,
    not a declarator, not under ``sizeof``?"""
    p = n.parent
    if p is None or p.type in ("init_declarator", "declaration", "pointer_declarator",
                               "array_declarator", "parameter_declaration"):
        return p is not None and p.type == "init_declarator" and _field(p, "value") == n
    if p.type == "subscript_expression" and _field(p, "argument") == n:
        return False
    if p.type == "pointer_expression" and op(p) == "*":
        return False
    q: Node | None = p
    while q is not None:
        if q.type in ("sizeof_expression", "alignof_expression"):
            return False
        if q.type.endswith("statement") or q.type == "function_definition":
            break
        q = q.parent
    return True


def _freed(n: Node) -> bool:
    args = n.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    return call is not None and callee_name(call) in ("free", "realloc") and \
        _realloc_back(call, n)


def _realloc_back(call: Node, n: Node) -> bool:
    """``free(g)``, or ``g = realloc(g, ...)`` (the result assigned back to ``g``)."""
    if callee_name(call) == "free":
        return True
    p = call.parent
    return p is not None and p.type == "assignment_expression" and \
        is_name(_field(p, "left"), text(n))


def _allocated(n: Node) -> bool:
    """``g = malloc(...)`` (``calloc``, ``realloc``): ``n`` is the assignment's target."""
    p = n.parent
    if p is None or p.type != "assignment_expression" or _field(p, "left") != n or op(p) != "=":
        return False
    right = unparen(_field(p, "right"))
    while right is not None and right.type == "cast_expression":
        right = unparen(_field(right, "value"))
    return right is not None and is_call(right) and \
        callee_name(right) in _ALLOCATORS


def read_after_in_main(fn: Node, block: Node, end: int, name: str, dead: ExitDead) -> bool:
    """May code read the global ``name``'s memory after the region ending at byte ``end`` of
    ``main`` (``fn``), ``block`` the statement the region is in — the module's rule: True
    unless ``name`` is one of its globals, and neither a statement of ``main`` after the region
    or in a loop around it names ``name`` (but in ``free``), nor a call there may name it: a
    file function that names it (:func:`.bind.touches`), a call through a pointer, a macro
    whose expansion names it or calls such a function (C11 6.10.3)."""
    from accellium.dataset.analysis.macros import tokens, visible_at
    from accellium.dataset.analysis.tree import root_of
    from accellium.dataset.offload.bind import ANY

    keep, touched = dead
    if name not in keep or function_name(fn)[0] != "main":
        return True
    macros = visible_at(root_of(fn), fn.start_byte)
    around = loops_around(block, fn)
    for n in iter_nodes(fn):
        later = n.start_byte >= end or any(a.start_byte <= n.start_byte < a.end_byte
                                           for a in around)
        if not later:
            continue
        if n.type == "identifier" and text(n) == name:
            args = n.parent
            call = args.parent if args is not None and args.type == "argument_list" else None
            if call is None or callee_name(call) != "free":
                return True
        elif n.type == "identifier" and text(n) in macros:
            m = macros[text(n)]
            toks = tokens(m.body)
            if name in toks or any(name in touched.get(t, ()) or ANY in touched.get(t, ())
                                   for t in toks):
                return True
        elif is_call(n):
            callee = callee_name(n)
            if callee is None:
                return True  # through a pointer: any function
            hit = touched.get(callee, set())
            if name in hit or ANY in hit:
                return True
    return False
