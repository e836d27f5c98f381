"""The file-scope arrays a call reaches without naming them: the globals its callee (and the
functions the callee calls, transitively) reads and writes.

The facts of C used here:

* an identifier declared at file scope denotes the same object in every function of the file
  where no inner declaration hides it (C11 6.2.1p4), so a function that names a global array
  reads and writes the caller's array although the call passes nothing;
* an identifier with internal linkage (``static`` at file scope) denotes its object only
  within its translation unit (C11 6.2.2p3): a function of another file reaches it only
  through a pointer the file hands out — its name used as a value anywhere in the file
  (``f(a)``, ``p = a``, ``&a[i]``: an array converts to a pointer to its first element,
  6.3.2.1p3); one with external linkage any function of the program may name (6.2.2p2).

A parameter named like a global hides it in the whole function (C11 6.2.1p4): its uses are
the parameter's.  A function whose body declares a name like a global's (a local, or an
``extern`` declaration bringing the global back) is taken to read and write that global:
which uses the inner declaration hides is not worked out.
A call of a function that is neither defined in the file nor a C library function (nor a
routine of the OpenACC or OpenMP runtime, which reach memory only through their arguments) may
read and write every global another file can reach.

A call in the host code of a data region that reaches an array the region holds is, for the
region's data flow (:mod:`.flow`), a use of that whole array at the call: read, and written
when the callee writes it — the ``update self`` before it and ``update device`` after it that
a programmer writes around a host helper."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import library_function
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named
from accellium.dataset.analysis.tree import text as _text
from accellium.dataset.offload.callgraph import is_static
from accellium.dataset.offload.nodes import callee_name, library_argument
from accellium.dataset.offload.shapes import declared_shapes, file_scope, header_types
from accellium.dataset.offload.uses import ArrayUse, array_uses

__all__ = ["Touch", "declared_in", "file_arrays", "touches", "file_facts", "call_touches", "pointer_stores",
           "program_touches", "is_library"]


#: a function's key: its name, or (translation unit, name) across files
K = TypeVar("K")


@dataclass(frozen=True)
class Touch:
    """The file's global arrays a function reaches, itself or through its calls."""

    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    unknown: bool = False  # it calls a function of another file (or through a pointer)

    def __or__(self, other: Touch) -> Touch:
        return Touch(self.reads | other.reads, self.writes | other.writes,
                     self.unknown or other.unknown)


def file_arrays(root: Node) -> dict[str, bool]:
    """The arrays and pointers declared at file scope: name -> whether a function of another file may reach it (external linkage, or its name
    used as a pointer value somewhere in the file).  Those of the headers the file includes
    count too (within :func:`.shapes.header_declarations`, for the file it names): the
    preprocessor replaces ``#include`` by the header's text (C11 6.10.2p3), so a header's
    ``extern double u[N];`` declares a file-scope array of the translation unit, which a
    function of another file may reach by name (6.2.2p2)."""
    out: dict[str, bool] = {}
    for top in named(root):
        if top.type != "declaration":
            continue
        for s in declared_shapes(top, False, False):
            if s.kind == "other" and not s.levels:
                continue
            out[s.name] = not is_static(top)
    # ``#include`` puts the header's text in the file (C11 6.10.2p3): an ``extern double
    # u[N];`` of an included header declares a file-scope array of this translation unit
    for top in header_types(root, root.end_byte):
        if top.type != "declaration":
            continue
        for s in declared_shapes(top, False, False):
            if s.name in out or s.kind == "other" and not s.levels:
                continue
            out[s.name] = not is_static(top)
    if not out:
        return out
    for fn in (n for n in named(root) if n.type == "function_definition"):
        for u in array_uses(_field(fn, "body") or fn):
            if u.name in out and u.whole:
                out[u.name] = True
    return out


def declared_in(fn: Node) -> tuple[set[str], set[str]]:
    """The names a function declares: its parameters, and the names its body declares."""
    from accellium.dataset.offload.calls import parameters

    params = {p for p in parameters(fn) or [] if p}
    names: set[str] = set()
    for n in iter_nodes(_field(fn, "body") or fn):
        if n.type == "declaration":
            names |= {s.name for s in declared_shapes(n, False, True)}
    return params, names


def _own(fn: Node, arrays: dict[str, bool], uses: list[ArrayUse] | None = None) -> Touch:
    """The globals ``fn`` names itself.  A parameter's scope is the whole function body and
    it hides a global of the same name there (C11 6.2.1p4): no use of that name in ``fn``
    is the global's, unless a declaration of the body names it again (an ``extern``
    declaration in a block brings the global back), which is taken, as any name the body
    declares, to read and write the global (which uses the inner declaration hides is not
    worked out).  ``uses``: the array uses of its body, when already read."""
    params, declared = declared_in(fn)
    hidden = declared & set(arrays)
    reads: set[str] = set(hidden)
    writes: set[str] = set(hidden)
    for u in array_uses(_field(fn, "body") or fn) if uses is None else uses:
        if u.name not in arrays or u.name in hidden or u.name in params:
            continue
        if u.read or u.whole:
            reads.add(u.name)
        if u.write or u.whole:
            writes.add(u.name)
    return Touch(frozenset(reads), frozenset(writes))


#: Macros of the C library that expand to constants, no object (C11 7.19p3, 7.21.1p3,
#: 7.22p3, 7.22.2.1p2, 7.27.1p2, 5.2.4.2): ``gettimeofday(&t, NULL)`` names no global.
_CONSTANT_MACROS = frozenset({"NULL", "EOF", "RAND_MAX", "CLOCKS_PER_SEC", "EXIT_SUCCESS",
                              "EXIT_FAILURE", "INT_MAX", "INT_MIN", "UINT_MAX", "LONG_MAX",
                              "LONG_MIN", "FLT_MAX", "DBL_MAX", "FLT_MIN", "DBL_MIN",
                              "FLT_EPSILON", "DBL_EPSILON", "true", "false"})


def is_library(name: str) -> bool:
    """A C library function, or a routine of the OpenACC or OpenMP runtime library
    (``acc_get_num_devices``, ``omp_get_wtime``): it reaches program memory only through its
    arguments (OpenACC 3.3, chapter 3; OpenMP 5.2, chapter 18), never a global by name; or a
    constant the library defines (:data:`_CONSTANT_MACROS`)."""
    return library_function(name) is not None or name.startswith(("acc_", "omp_")) or \
        name in _CONSTANT_MACROS


def touches(root: Node, arrays: dict[str, bool] | None = None,
            elsewhere: Mapping[str, Touch] | None = None) -> dict[str, Touch]:
    """For each function defined in the file: the global arrays it reaches, with the file's
    functions it calls (transitively); ``arrays``: :func:`file_arrays` of ``root``, when the
    caller has it; ``elsewhere``: what the functions of the program's other files reach
    (:func:`program_touches`), for the calls of functions the file does not define."""
    arrays = file_arrays(root) if arrays is None else arrays
    fns = {function_name(f)[0]: f for f in named(root) if f.type == "function_definition"}
    fns.pop(None, None)
    own: dict[str, Touch] = {}
    calls: dict[str, set[str]] = {}
    for name, fn in fns.items():
        assert name is not None
        t = _own(fn, arrays) if arrays else Touch()
        called: set[str] = set()
        for n in iter_nodes(_field(fn, "body") or fn):
            if not is_call(n):
                continue
            callee = callee_name(n)
            if callee is not None and callee in fns:
                called.add(callee)
            elif callee is None or not is_library(callee):
                t = t | _foreign(callee, arrays, elsewhere)
        own[name], calls[name] = t, called
    return _closure(own, calls)


def _closure(own: Mapping[K, Touch], calls: Mapping[K, Collection[K]]) -> dict[K, Touch]:
    """Each function's touch joined with those of every function it calls, transitively (a
    fixpoint: recursion and cycles end when nothing grows)."""
    out = dict(own)
    changed = True
    while changed:
        changed = False
        for key, called in calls.items():
            got = out[key]
            for c in called:
                got = got | out[c]
            if got != out[key]:
                out[key], changed = got, True
    return out


def call_touches(body: Node, root: Node, offloads: Collection[str] = (),
                 host_globals: Mapping[str, frozenset[str] | None] | None = None,
                 memo: dict[str, object] | None = None,
                 elsewhere: Mapping[str, Touch] | None = None
                 ) -> tuple[dict[int, list[tuple[str, bool]]], list[tuple[Node, frozenset[str]]]]:
    """The calls under ``body`` that reach global arrays of the file on the host: call node id
    -> the arrays, each with whether the call may write it; and the calls no region that maps
    one of the arrays they reach may hold, with those arrays.

    A callee in ``offloads`` (its plan offloads loops) works on the device copy wherever a
    region already holds the array: its "present or copy" clauses find it and move nothing
    (OpenACC 3.3, 2.7.1).  The globals its host code touches (``host_globals``: callee -> the
    globals its host code names, "*" for any; None: not known) are host uses of them: its host
    code and its device code would each see a copy the other does not update, so the call is a
    barrier for them — unless it is hoisted into the region and its device code reaches none
    of them: then its statement is a use of them there (:func:`.calls.host_handled`), so the
    call's entry lists them too.  The globals only its loops reach (those the callee and the
    functions it calls name: a loop on the device calls no function of another file, which
    would need a device version) are device uses at the call, which the caller's region sees
    only when the call is hoisted (a unit of the region, its arrays mapped by the caller): a
    region that holds one across a call it does not hoist would neither push the host's
    writes before the callee's loops read the device copy nor bring back what they write
    there (its copy out at the callee's region end is skipped), so the call is a barrier for
    them too (:func:`.region._barrier` lets a hoisted call through).

    ``memo``: a store kept with the file (:attr:`~accellium.dataset.analysis.scope.FileIndex.
    memo`), so that the file's arrays and what each function reaches are derived once for all
    the functions planned in it.  ``elsewhere``: what the functions of the program's other
    files reach (:func:`program_touches`, when all of them are known)."""
    arrays, every = file_facts(root, memo, elsewhere)
    if not arrays:
        return {}, []
    reachable = frozenset(n for n, ext in arrays.items() if ext)
    out: dict[int, list[tuple[str, bool]]] = {}
    walls: list[tuple[Node, frozenset[str]]] = []
    for n in iter_nodes(body):
        if not is_call(n):
            continue
        name = callee_name(n)
        t = every.get(name) if name is not None else None
        if t is None:
            if name is not None and is_library(name):
                continue
            t = _foreign(name, arrays, elsewhere)
        reads, writes = set(t.reads), set(t.writes)
        named = frozenset(reads | writes)
        if t.unknown:
            reads |= reachable
            writes |= reachable
        if not reads | writes:
            continue
        if name is not None and name in offloads:
            host = (host_globals or {}).get(name)
            hit = frozenset(reads | writes) if host is None or "*" in host else \
                frozenset(g for g in reads | writes if g in host)
            if hit:
                out[n.id] = [(g, g in writes) for g in sorted(hit)]
            # its loops reach only what they name: a call to a function of another file there
            # would need a device version (the host code's own calls are in ``host_globals``)
            walls.append((n, hit | named))
            continue
        out[n.id] = [(g, g in writes) for g in sorted(reads | writes)]
    return out, walls


def _file_pointers(root: Node) -> dict[str, bool]:
    """The pointers declared at file scope: name -> whether a function of another file may
    store to it by name (external linkage, C11 6.2.2p2)."""
    out: dict[str, bool] = {}
    for top in named(root):
        if top.type != "declaration":
            continue
        for s in declared_shapes(top, False, False):
            if s.kind == "pointer":
                out[s.name] = not is_static(top)
    return out


def pointer_stores(body: Node, root: Node, memo: dict[str, object] | None = None
                   ) -> list[tuple[Node, frozenset[str]]]:
    """The calls under ``body`` that may store to a pointer declared at file scope, with those
    pointers: their callee, or a function of the file it calls, assigns it by name, or a macro
    call's expansion does (:func:`.global_scalars.file_stores`); a call that may run code of
    another file may store to those with external linkage, and any call of a function of the
    program to those whose address the file lets escape (a store through the address).  After
    such a store the name designates another allocation (C11 6.5.16p3): a data region that
    mapped the pointer's section when it started does not hold what the name reaches after
    the call (its updates and exit clauses would name memory that is not present,
    OpenACC 3.3, 2.6.5, 2.14.4), so no region that maps it may hold the call.  ``memo``: as
    for :func:`call_touches` (the file's pointers derived once for all its functions)."""
    from accellium.dataset.offload.global_scalars import ANY, file_stores, stores

    pointers = cast("dict[str, bool] | None", memo.get("file_pointers")) \
        if memo is not None else None
    if pointers is None:
        pointers = _file_pointers(root)
        if memo is not None:
            memo["file_pointers"] = pointers
    if not pointers:
        return []
    by_fn, escaped = file_stores(root)
    fns = set(by_fn)
    out: list[tuple[Node, frozenset[str]]] = []
    for n in iter_nodes(body):
        if not is_call(n):
            continue
        callee = callee_name(n)
        hit = by_fn.get(callee) if callee is not None else None
        mine = hit is not None
        if hit is None:  # a macro's expansion, a C library call, or one defined elsewhere
            stored, _, called = stores(n, fns)
            hit = stored.union(*(by_fn[c] for c in called))
            mine = bool(called)
        names = {g for g in pointers if g in hit}
        if ANY in hit:
            names |= {g for g, ext in pointers.items() if ext}
        if mine or ANY in hit:
            names |= escaped & set(pointers)
        if names:
            out.append((n, frozenset(names)))
    return out


def file_facts(root: Node, memo: dict[str, object] | None,
               elsewhere: Mapping[str, Touch] | None = None
               ) -> tuple[dict[str, bool], dict[str, Touch]]:
    """:func:`file_arrays` and :func:`touches` of the file (with ``elsewhere``, what the
    program's other files' functions reach), from ``memo`` when it has them."""
    key = "global_uses" if not elsewhere else \
        f"global_uses:{hash(frozenset(elsewhere.items()))}"
    got = memo.get(key) if memo is not None else None
    if got is None:
        arrays = file_arrays(root)
        got = (arrays, touches(root, arrays, elsewhere) if arrays else {})
        if memo is not None:
            memo[key] = got
    return cast("tuple[dict[str, bool], dict[str, Touch]]", got)


def _foreign(name: str | None, arrays: Mapping[str, bool],
             elsewhere: Mapping[str, Touch] | None) -> Touch:
    """What a call of ``name``, a function the file does not define, may reach of the file's
    globals ``arrays`` (:func:`file_arrays`): with its definition in the program's other files
    (``elsewhere``, :func:`program_touches`), the arrays of external linkage it names there
    that the file declares too (an identifier with external linkage denotes the same object
    in every translation unit, C11 6.2.2p2); else (a call through a pointer, a function
    defined nowhere known) anything another file may reach."""
    t = elsewhere.get(name) if elsewhere is not None and name is not None else None
    if t is None or t.unknown:
        return Touch(unknown=True)
    return Touch(frozenset(g for g in t.reads if g in arrays),
                 frozenset(g for g in t.writes if g in arrays))


def program_touches(units: Collection[Node],
                    headers: Sequence[Sequence[Node]] | None = None,
                    internal: Collection[int] = ()) -> dict[str, Touch]:
    """For each function with external linkage defined once in the translation units
    ``units`` (the program's other files, all of them): the arrays of external linkage of
    its file it reads and writes, itself or through the functions it calls in any of the
    units (transitively); ``unknown`` when it may reach more.

    A function reaches an object by an identifier whose scope holds it (C11 6.2.1) or through
    an address (6.5.3.2).  Of a unit's file-scope objects only those with external linkage are
    another file's too (6.2.2p2): a ``static`` array whose name the unit never uses as a value
    (never converted to a pointer, 6.3.2.1p3) is its own.  So a function is taken to reach
    no more than what it names when every identifier it uses is declared in it, declared at
    file scope in the unit's own text or in a header it includes (``headers``: the trees of
    the headers each unit includes, in the order of ``units``, when they were read; a header
    not read could declare a name as any object) or names a function, and it names no
    file-scope pointer
    (which may hold an address another file handed out) and no array whose address the unit
    lets escape; each call is of a function of its unit, of the C library or of a unit
    where it is defined once (C11 6.9p5), never through a pointer.  Its parameters receive
    only what the caller passes, which the caller's own uses see (6.5.2.2p4).  ``internal``:
    the positions of units that are part of the caller's own translation unit (a header it
    includes): their ``static`` functions are its functions too (C11 6.2.2p3)."""
    defs: dict[str, list[tuple[int, Node]]] = {}
    units = list(units)
    for k, root in enumerate(units):
        for f in file_scope(root):  # a header's inside its include guard too
            if f.type == "function_definition" and (not is_static(f) or k in internal):
                n = function_name(f)[0]
                if n:
                    defs.setdefault(n, []).append((k, f))
    own: dict[tuple[int, str], Touch] = {}
    edges: dict[tuple[int, str], set[tuple[int, str]]] = {}
    for k, root in enumerate(units):
        bodies = {f.id: array_uses(_field(f, "body") or f) for f in file_scope(root)
                  if f.type == "function_definition"}  # each body read once
        kinds = _unit_objects(root, headers[k] if headers is not None and k < len(headers)
                              else (), bodies)
        fns = {function_name(f)[0]: f for f in file_scope(root)
               if f.type == "function_definition"}
        fns.pop(None, None)
        for fname, fn in fns.items():
            assert fname is not None
            own[(k, fname)], edges[(k, fname)] = _unit_function(k, fn, kinds, fns, defs,
                                                                bodies.get(fn.id))
    out = _closure(own, edges)
    return {n: out[(hit[0][0], n)] for n, hit in defs.items() if len(hit) == 1}


def _unit_function(k: int, fn: Node, kinds: dict[str, str], fns: Mapping[str | None, Node],
                   defs: Mapping[str, list[tuple[int, Node]]],
                   uses: list[ArrayUse] | None = None
                   ) -> tuple[Touch, set[tuple[int, str]]]:
    """What the function ``fn`` of unit ``k`` reaches itself (:func:`program_touches`: the
    arrays of external linkage of its unit, ``unknown`` when it may reach more), and the
    functions it calls or names: (unit, name)."""
    from accellium.dataset.offload.calls import parameters

    params = {p for p in parameters(fn) or [] if p}
    _, declared = declared_in(fn)
    t = _own(fn, {g: kind == "external" for g, kind in kinds.items()}, uses)
    unknown = any(kinds.get(g) in ("pointer", "escaped") for g in t.reads | t.writes)
    got: set[tuple[int, str]] = set()
    for n in iter_nodes(_field(fn, "body") or fn):
        if is_call(n) and callee_name(n) is None or \
                n.type == "storage_class_specifier" and _text(n) == "extern":
            unknown = True  # through a pointer; a block-scope ``extern`` declaration
        if n.type != "identifier":
            continue
        g = _text(n)
        if g in params or g in declared or g in kinds:
            continue  # its own object, or one its unit's text declares
        hit = [(k, fns[g])] if g in fns else defs.get(g, [])
        if len(hit) == 1:
            got.add((hit[0][0], g))
        elif hit or not is_library(g):  # declared in a header, or defined twice
            unknown = True
    return Touch(frozenset(g for g in t.reads if kinds.get(g) == "external"),
                 frozenset(g for g in t.writes if kinds.get(g) == "external"), unknown), got

def _unit_objects(root: Node, headers: Sequence[Node] = (),
                  bodies: Mapping[int, list[ArrayUse]] | None = None) -> dict[str, str]:
    """The objects declared at file scope in a unit's own text or in the headers it includes
    (``headers``: their trees; ``#include`` puts a header's text in the unit, C11 6.10.2p3,
    so its file-scope declarations are the unit's): name -> ``pointer``, ``escaped`` (an
    array whose name the unit uses as a value: its address may be held elsewhere, C11
    6.3.2.1p3), ``external`` (external linkage, C11 6.2.2p4-5) or ``static``.  A name the
    unit's own text declares is taken from there."""
    out: dict[str, str] = {}
    tops = [top for top in file_scope(root) if top.type == "declaration"]
    own = len(tops)
    tops += [top for h in headers for top in file_scope(h) if top.type == "declaration"]
    for at, top in enumerate(tops):
        for s in declared_shapes(top, False, False):
            if at >= own and s.name in out:
                continue
            out[s.name] = "pointer" if s.kind == "pointer" else \
                "static" if is_static(top) else "external"
    for fn in (n for n in file_scope(root) if n.type == "function_definition"):
        got = bodies.get(fn.id) if bodies is not None else None
        for u in array_uses(_field(fn, "body") or fn) if got is None else got:
            if u.whole and out.get(u.name) in ("static", "external") and \
                    not library_argument(u.node):
                out[u.name] = "escaped"
    return out
