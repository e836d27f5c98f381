"""Which objects a pointer of the program may point to, and which objects a call's host code
may read or write through pointers it does not receive from its caller: the facts a data region
needs for a host call that reaches the region's memory under another name — a helper reading
``watch[1]`` where the program set ``watch = a`` and passed ``a`` to the planned function.

A flow-insensitive inclusion analysis (each assignment ``p = e`` makes what ``p`` may point to
include what ``e`` may, whatever the order they run in), over every function of the program's
known translation units.  The facts of C it reads:

* an assignment or an initialisation stores the value of its right operand in the object the
  left designates (C11 6.5.16.1p2, 6.7.9p11); a call assigns each argument to its parameter
  (6.5.2.2p4), and the call's value is what the callee's ``return`` gives (6.8.6.4p3);
* an array converts to a pointer to its first element (6.3.2.1p3), ``&x`` points to ``x``
  (6.5.3.2p3), and ``p + k``, ``p - k``, ``&p[k]`` point into what ``p`` does (6.5.6p8);
* an allocation (``malloc``, ``calloc``, ``aligned_alloc``, the program's allocator wrappers)
  returns memory no other pointer designates (7.22.3p1), ``realloc`` that or its argument's;
* a pointer read from memory (``s->p``, ``rows[i]``, ``*pp``) is one some code stored there:
  one summary node holds every pointer the program stores in memory (and every pointer whose
  own address is taken, which a store through that address may change);
* an identifier of file scope denotes one object in every function of its translation unit,
  and, with external linkage, of the program (6.2.1p4, 6.2.2p2); ``static`` ones are per unit.

Code the analysis does not see (a function defined in no known unit and not in the C
library, a call through a function pointer) may read and write what it is handed and hand it
back: one "escaped" node.  When the program's other units are not known, each parameter of a
function with external linkage and each global pointer with external linkage points to an
object of its own that unseen code supplies, as the planner's other rules take unseen callers
to pass memory no name of the file designates (:mod:`.passed_alike`: only seen calls alias).

A call *reaches* an object through a pointer when its callee (or any function it calls,
transitively) reads or writes through a pointer that is not a parameter of its own — a global,
a local set from one — or passes such a pointer to a function it does not see: the memory of
its parameters is what its caller hands it, which the caller's own uses of its arguments
account for."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import Effect, library_function
from accellium.dataset.analysis.macros import Macro, definition
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, op, template_function, text, unparen
from accellium.dataset.offload.callgraph import is_static
from accellium.dataset.offload.global_uses import is_library
from accellium.dataset.offload.nodes import callee_name
from accellium.dataset.offload.shapes import macro_declarator, walk_declarator

__all__ = ["PointsTo", "points_to", "Reach", "aliased_calls", "call_unit"]

#: a variable: (unit, function, name); a file-scope ``static`` one (unit, "", name); one of
#: external linkage (-1, "", name).  A function's return value: (unit, "()", name).
Var = tuple[int, str, str]
MEM: Var = (-2, "", "*memory")
ESC: Var = (-2, "", "*escaped")
_ALLOC = frozenset({"malloc", "calloc", "aligned_alloc", "valloc", "realloc", "strdup"})
#: The C library's I/O calls that store through their pointer arguments (7.21.6.2,
#: 7.21.7.2, 7.21.8.1; POSIX ``read``); the others only read what they are given.
_IO_STORES = frozenset({"fread", "fscanf", "scanf", "vscanf", "vfscanf", "fgets", "gets",
                        "read"})


@dataclass(frozen=True)
class Reach:
    """The objects a call may read and write through pointers its callee does not receive."""

    reads: frozenset[object] = frozenset()
    writes: frozenset[object] = frozenset()


@dataclass(frozen=True)
class _Info:
    """What a declarator says of a name: a true array (and its dimensions), the subscripts
    or ``*`` its declarator takes, and whether its type is a basic type (no typedef or
    structure, which may hide a pointer)."""

    array: bool = False
    array_levels: int = 0
    levels: int = 0
    basic: bool = False


_UNKNOWN = _Info()


@dataclass
class _Fn:
    unit: int
    name: str
    node: Node
    params: list[str | None]  # in order (None: a name not read)
    locals: dict[str, _Info]  # parameters and the names the body declares
    assigned: set[str] = field(default_factory=set)  # parameters assigned with ``=``
    reads: set[object] = field(default_factory=set)  # sources: Var or an object
    writes: set[object] = field(default_factory=set)
    calls: set[tuple[int, str]] = field(default_factory=set)
    derefs_read: bool = False  # ``reads``/``writes`` hold its dereferences (:func:`_derefs`)
    events: list[Node] = field(default_factory=list)  # what :func:`_walk` reads (:func:`_scan`)


class PointsTo:
    """The solved analysis of a program's known units (:func:`points_to`)."""

    def __init__(self) -> None:
        self.edges: dict[object, set[Var]] = {}  # source -> variables it flows into
        self.seeds: dict[Var, set[object]] = {}
        self.pts: dict[Var, frozenset[object]] = {}
        self.fns: dict[tuple[int, str], _Fn] = {}
        # unit -> name -> (what its declarator says, whether it is ``static``)
        self.globals: dict[int, dict[str, tuple[_Info, bool]]] = {}
        self.reach: dict[tuple[int, str], Reach] = {}

    # -- building ---------------------------------------------------------------------------
    def flow(self, sources: Iterable[object], into: Var) -> None:
        for s in sources:
            if isinstance(s, tuple) and len(s) == 3 and isinstance(s[0], int):
                self.edges.setdefault(s, set()).add(into)
            else:
                self.seeds.setdefault(into, set()).add(s)

    def var(self, unit: int, fn: _Fn | None, name: str) -> Var:
        if fn is not None and name in fn.locals:
            return (unit, fn.name, name)
        g = self.globals.get(unit, {}).get(name)
        return (unit, "", name) if g is not None and g[1] else (-1, "", name)

    def info(self, unit: int, fn: _Fn | None, name: str) -> _Info:
        if fn is not None and name in fn.locals:
            return fn.locals[name]
        g = self.globals.get(unit, {}).get(name)
        return g[0] if g is not None else _UNKNOWN

    # -- reading ------------------------------------------------------------------------------
    def objects(self, sources: Iterable[object]) -> frozenset[object]:
        out: set[object] = set()
        for s in sources:
            if isinstance(s, tuple) and len(s) == 3 and isinstance(s[0], int):
                out |= self.pts.get(s, frozenset())
            else:
                out.add(s)
        return frozenset(out)

    def of(self, unit: int, fn: str, name: str) -> frozenset[object]:
        """The objects ``name`` of function ``fn`` (of ``unit``) may designate: a true array
        itself, or what a pointer may point to."""
        f = self.fns.get((unit, fn))
        v = self.var(unit, f, name)
        return frozenset({("obj", v)}) if self.info(unit, f, name).array else \
            self.pts.get(v, frozenset())

    def call_parts(self, unit: int, caller: str, call: Node, read_only: Collection[int] = ()
                   ) -> list[tuple[str | None, Reach]]:
        """What ``call`` (in function ``caller`` of ``unit``) may read and write through
        pointers, in parts: its callee's reach (base None: :meth:`reach_of`, or what unseen
        code was handed), and each argument's, with the name it is computed from
        (:func:`_root`).  ``read_only``: ids of argument nodes the callee only reads through."""
        f = self.fns.get((unit, caller))
        if f is None:
            return []
        exp = self.expansion(call)
        if exp is not None:  # the macro's code runs in the caller: its accesses, its calls'
            return [(root, Reach(self.objects(got) if r else frozenset(),
                                 self.objects(got) if w else frozenset()))
                    for root, got, r, w in _accesses(self, f, exp, 1)] + \
                [p for c in iter_nodes(exp) if is_call(c)
                 for p in self.call_parts(unit, caller, c, read_only) if p[0] is None]
        name = callee_name(call)
        target = self._resolve(unit, name) if name is not None else None
        out: list[tuple[str | None, Reach]] = []
        if target is not None:
            out.append((None, self.reach_of(target)))
        elif name is None or not is_library(name):
            esc = self.pts.get(ESC, frozenset())
            out.append((None, Reach(esc, esc)))
        for k, a in enumerate(_args(call)):
            got = self.objects(self._expr(unit, f, a))
            if not got:
                continue
            r, w = _arg_effect(name, k, target is not None)
            if a.id in read_only:
                w = False
            out.append((_root(a), Reach(got if r else frozenset(), got if w else frozenset())))
        return out

    def reach_of(self, key: tuple[int, str]) -> Reach:
        """What the function ``key`` and every function it calls (transitively) read and
        write through pointers not computed from their own parameters (derived on first
        use: only the callees of the planned code are read)."""
        got = self.reach.get(key)
        if got is not None:
            return got
        seen, todo = {key}, [key]
        while todo:
            f = self.fns[todo.pop()]
            if not f.derefs_read:
                _derefs(self, f, _field(f.node, "body") or f.node)
                f.derefs_read = True
            for c in f.calls:
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        fs = [self.fns[k] for k in seen]
        got = Reach(self.objects(x for f in fs for x in f.reads),
                    self.objects(x for f in fs for x in f.writes))
        self.reach[key] = got
        return got

    def _resolve(self, unit: int, name: str) -> tuple[int, str] | None:
        """The function a call of ``name`` in ``unit`` runs: the unit's ``static`` one, else
        the one of external linkage (C11 6.2.2p2-3); None: not seen."""
        if (unit, name) in self._static:
            return (unit, name)
        return self._extern.get(name)

    _static: set[tuple[int, str]]
    _extern: dict[str, tuple[int, str]]

    # -- expressions --------------------------------------------------------------------------
    def _expr(self, unit: int, fn: _Fn | None, e: Node | None) -> set[object]:
        """The sources of the value of ``e``: variables whose objects it may point to, and
        objects."""
        e = unparen(e)
        if e is None:
            return set()
        t = e.type
        if t == "identifier":
            name = text(e)
            info = self.info(unit, fn, name)
            v = self.var(unit, fn, name)
            if info.array:
                return {("obj", v)}
            return set() if info.basic and info.levels == 0 else {v}
        if t == "pointer_expression":
            arg = _field(e, "argument")
            if op(e) == "&":
                return self._address(unit, fn, arg)
            return {MEM}
        if t in ("subscript_expression", "field_expression"):
            return self._load(unit, fn, e)
        if t == "binary_expression" and op(e) in ("+", "-"):
            return self._expr(unit, fn, _field(e, "left")) | self._expr(unit, fn, _field(e, "right"))
        if t == "conditional_expression":
            return self._expr(unit, fn, _field(e, "consequence")) | \
                self._expr(unit, fn, _field(e, "alternative"))
        if t == "comma_expression":
            return self._expr(unit, fn, _field(e, "right"))
        if t == "assignment_expression":
            return self._expr(unit, fn, _field(e, "right"))
        if t == "update_expression":
            return self._expr(unit, fn, _field(e, "argument"))
        if t == "call_expression":
            return self._call_value(unit, fn, e)
        return set()

    def _address(self, unit: int, fn: _Fn | None, lv: Node | None) -> set[object]:
        """``&lv``: the object ``lv`` is part of."""
        lv = unparen(lv)
        if lv is None:
            return set()
        if lv.type == "identifier":
            v = self.var(unit, fn, text(lv))
            return {("obj", v)}
        if lv.type == "subscript_expression":
            return self._expr(unit, fn, _field(lv, "argument"))
        if lv.type == "field_expression":
            base = _field(lv, "argument")
            if text(_field(lv, "operator") or lv) == "->" or op(lv) == "->":
                return self._expr(unit, fn, base)
            return self._address(unit, fn, base)
        if lv.type == "pointer_expression" and op(lv) == "*":
            return self._expr(unit, fn, _field(lv, "argument"))
        return {MEM}

    def _load(self, unit: int, fn: _Fn | None, e: Node) -> set[object]:
        """``a[i]``, ``s.m``, ``p->m``: an element of a true array with more dimensions than
        subscripts is a row of it (no load); otherwise a value read from memory."""
        depth, root = 0, cast("Node | None", e)
        while root is not None and root.type == "subscript_expression":
            depth += 1
            root = unparen(_field(root, "argument"))
        if e.type == "subscript_expression" and root is not None and root.type == "identifier":
            info = self.info(unit, fn, text(root))
            if info.array and depth < info.array_levels:
                return {("obj", self.var(unit, fn, text(root)))}
            if info.basic and depth >= info.levels and info.levels:
                return set()  # an element of a basic type: a number, no pointer
        if e.type == "field_expression" and op(e) != "->":
            # a member of a structure: an array member is part of the structure's object
            return {MEM} | self._address(unit, fn, _field(e, "argument"))
        return {MEM}

    def _call_value(self, unit: int, fn: _Fn | None, e: Node) -> set[object]:
        name = callee_name(e)
        if name is None:
            return {ESC}
        if name in _ALLOC or name in self._wrappers:
            out: set[object] = {("site", unit, e.start_byte)}
            if name == "realloc":
                args = _args(e)
                out |= self._expr(unit, fn, args[0]) if args else set()
            return out
        target = self._resolve(unit, name)
        if target is not None:
            return {(target[0], "()", target[1])}
        if is_library(name):
            return {s for a in _args(e) for s in self._expr(unit, fn, a)}
        exp = self.expansion(e)
        if exp is not None:
            return self._expr(unit, fn, exp)
        return {ESC, ("unseen", unit, e.start_byte)}

    _wrappers: frozenset[str]

    def expansion(self, call: Node) -> Node | None:
        """A call of a function-like macro visible where it is (the file's ``#define``s and
        its headers', :func:`~accellium.dataset.analysis.macros.file_expansion`), after the
        preprocessor: the code the compiler reads (C11 6.10.3), not a call of unseen code.
        None: a call of a function, or a macro not known."""
        if call.id in self._expanded:
            return self._expanded[call.id]
        from accellium.dataset.analysis.macros import expanded_call, file_expansion

        name = callee_name(call)
        got = None
        unit = call_unit(self, call)
        if name is not None and self._resolve(unit, name) is None and not is_library(name):
            got = file_expansion(call)
            body = self._body_macros.get(unit, {})
            if got is None and name in body:  # a ``#define`` inside a function's body
                got = expanded_call(call, body)
        self._expanded[call.id] = got
        return got

    def statement_items(self, stmt: Node) -> list[Node] | None:
        """The statements a statement that is a call of a function-like macro expands to
        (``ARRAY_DECL(A, double, N);``: a declaration and an allocation,
        :func:`~accellium.dataset.offload.shapes.macro_items`); None: no such statement."""
        kids = named(stmt)
        if stmt.type != "expression_statement" or len(kids) != 1 or \
                kids[0].type != "call_expression":
            return None
        name = callee_name(kids[0])
        if name is None or self._resolve(call_unit(self, stmt), name) is not None or \
                is_library(name):
            return None
        if stmt.id not in self._items:
            from accellium.dataset.offload.shapes import macro_items

            self._items[stmt.id] = macro_items(stmt)
        return self._items[stmt.id]

    _items: dict[int, list[Node] | None]
    # :func:`aliased_calls` of a function, kept for its second caller (plan.py asks once for
    # the host calls' uses and once, after the calls are hoisted, for their barriers)
    _aliased: dict[tuple[int, int, frozenset[int]], tuple[Node, list[tuple[Node, list[tuple[str, bool]]]]]]
    _fn_names: frozenset[str]
    _body_macros: dict[int, dict[str, Macro]]

    _expanded: dict[int, Node | None]
    _roots: dict[int, int]


def call_unit(pt: PointsTo, node: Node) -> int:
    """The unit whose tree holds ``node``."""
    from accellium.dataset.analysis.tree import root_of

    return pt._roots.get(root_of(node).id, 0)


def _args(call: Node) -> list[Node]:
    return named(_field(call, "arguments"))


def _root(e: Node | None) -> str | None:
    """The variable an argument or a dereferenced pointer is computed from: ``a`` of ``a``, ``a + k``, ``&a[k]``,
    ``a[i][j].re``, ``*a`` — through parentheses, casts, addresses, offsets, subscripts and
    members."""
    e = unparen(e)
    while e is not None:
        if e.type == "identifier":
            return text(e)
        if e.type in ("pointer_expression", "subscript_expression", "field_expression"):
            e = unparen(_field(e, "argument"))
            continue
        if e.type == "binary_expression" and op(e) in ("+", "-"):
            left = unparen(_field(e, "left"))
            e = left if left is not None and left.type != "number_literal" else \
                unparen(_field(e, "right"))
            continue
        return None
    return None


def _arg_effect(name: str | None, k: int, seen: bool) -> tuple[bool, bool]:
    """Whether a call reads and writes through its argument ``k``: a C library function as
    the library says (an I/O call both: ``fread``, ``scanf`` store through theirs); a function
    the analysis sees or does not see, both."""
    lib = library_function(name) if name is not None and not seen else None
    if lib is None:
        return True, True
    if lib.effect is Effect.IO:
        return True, name in _IO_STORES
    return True, lib.writes(k)


def _param_infos(fn_node: Node) -> dict[str, _Info]:
    """What each parameter's declarator says (an array parameter is a pointer, C11
    6.7.6.3p7); a declarator not read: any name in it may be the parameter's."""
    out: dict[str, _Info] = {}
    _, decl = function_name(fn_node)
    for p in named(_field(decl, "parameters")):
        if p.type == "parameter_declaration":
            d = _field(p, "declarator")
            name, parts = walk_declarator(d) if d is not None else (None, [])
            if name is None and d is not None:  # ``double ARR_2D(a, N, M)``: its expansion's
                name, parts = walk_declarator(macro_declarator(d))
            if name:  # an array parameter is a pointer (C11 6.7.6.3p7)
                out[name] = replace(_info(p, parts), array=False, array_levels=0)
            else:  # a declarator not read: any name in it may be the parameter's
                for n in iter_nodes(p):
                    if n.type == "identifier":
                        out.setdefault(text(n), _UNKNOWN)
    return out


#: the nodes whose flows :func:`_walk_nodes` reads (identifiers: those naming a function)
_EVENTS = frozenset({"expression_statement", "assignment_expression", "init_declarator",
                     "return_statement", "pointer_expression", "call_expression",
                     "preproc_function_def"})


def _scan(fn_node: Node, functions: Collection[str] = ()) -> tuple[dict[str, _Info], list[Node]]:
    """The parameters of a definition and the names its body declares (a name declared twice
    in different blocks: the last, its uses are not told apart; a statement that calls a
    macro may declare too, ``functions``: the program's function names, no macro), and the
    nodes of the body :func:`_walk_nodes` reads, in order — one pass over the body."""
    out = _param_infos(fn_node)
    events: list[Node] = []
    body = _field(fn_node, "body") or fn_node
    for n in iter_nodes(body):
        t = n.type
        if t in _EVENTS or (t == "identifier" and text(n) in functions):
            events.append(n)
        if n.type == "expression_statement" and len(named(n)) == 1 and \
                named(n)[0].type == "call_expression" and \
                (callee := callee_name(named(n)[0])) is not None and \
                callee not in functions and not is_library(callee):
            from accellium.dataset.offload.shapes import macro_statement

            got = macro_statement(n)  # ``ARRAY_DECL(A, double, N);`` declares ``A``
            for d in got.declarations if got is not None else ():
                for x in d.children_by_field_name("declarator"):
                    name, parts = walk_declarator(x)
                    if name:
                        out[name] = _info(d, parts)
            continue
        if n.type != "declaration":
            continue
        for d in n.children_by_field_name("declarator"):
            name, parts = walk_declarator(d)
            if name is None:
                name, parts = walk_declarator(macro_declarator(d))
            if name:
                out[name] = _info(n, parts)
    return out, events


def _info(decl: Node, parts: list[tuple[str, Node]]) -> _Info:
    """What a declarator (parts outside in) of the declaration ``decl`` says of its name."""
    inner = [k for k, _ in reversed(parts)]
    t = _field(decl, "type")
    basic = t is not None and t.type in ("primitive_type", "sized_type_specifier")
    levels = sum(k in ("array", "pointer") for k in inner)
    if not inner or inner[0] != "array":
        return _Info(False, 0, levels, basic)
    n = 0
    for k in inner:
        if k != "array":
            break
        n += 1
    return _Info(True, n, levels, basic)


def points_to(units: Sequence[Sequence[Node]], known: bool,
              wrappers: Collection[str] = ()) -> PointsTo:
    """The analysis of the program's units (each a list of roots: the file, then the headers
    it includes), unit 0 the planned file.  ``known``: the units are the whole program;
    ``wrappers``: the program's allocator wrappers (:mod:`.fresh`), each call of which returns
    fresh memory."""
    pt = PointsTo()
    pt._wrappers = frozenset(wrappers)
    pt._static = set()
    pt._extern = {}
    pt._expanded = {}
    pt._items = {}
    pt._aliased = {}
    pt._roots = {root.id: u for u, roots in enumerate(units) for root in roots}
    pt._body_macros = {u: {} for u in range(len(units))}
    _collect(pt, units)
    for u, roots in enumerate(units):
        _initialisers(pt, u, roots)
        if not known:  # unseen code may store to a global of external linkage
            for name, (info, st) in pt.globals[u].items():
                if not info.array and not st and not (info.basic and info.levels == 0):
                    v = (-1, "", name)
                    pt.flow([("unseen", v), ESC], v)
    pt.flow([MEM], ESC)
    pt.flow([ESC], MEM)
    for (u, name), f in pt.fns.items():
        _walk(pt, f)
        if name == "main" or (not known and (u, name) not in pt._static):
            for p in filter(None, f.params):  # called by unseen code: what it passes is its own
                v = (u, name, p)
                pt.flow([("unseen", v)], v)
            pt.flow([(u, "()", name)], ESC)
    _solve(pt)
    return pt


def _collect(pt: PointsTo, units: Sequence[Sequence[Node]]) -> None:
    """The units' file-scope names and function definitions."""
    from accellium.dataset.offload.calls import parameters

    defs: list[tuple[int, Node]] = []
    for u, roots in enumerate(units):
        g = pt.globals.setdefault(u, {})
        for top in (template_function(t) for root in roots for t in named(root)):
            if top.type == "function_definition":
                defs.append((u, top))
            elif top.type == "declaration":
                st = is_static(top)
                for d in top.children_by_field_name("declarator"):
                    name, parts = walk_declarator(d)
                    if name and (name not in g or st):
                        g[name] = (_info(top, parts), st)
    named_defs = [(u, node, function_name(node)[0]) for u, node in defs]
    pt._fn_names = frozenset(name for _, _, name in named_defs if name)
    for u, node, name in named_defs:
        if not name:
            continue
        params = list(parameters(node) or [])  # in order, for the calls
        names, events = _scan(node, pt._fn_names)
        for n in events:  # a ``#define`` inside the body (visible to the rest of the unit)
            if n.type == "preproc_function_def":
                m = definition(n)
                pt._body_macros[u][m.name] = m
        pt.fns[(u, name)] = _Fn(u, name, node, params, names, events=events)
        if is_static(node):
            pt._static.add((u, name))
        else:
            pt._extern.setdefault(name, (u, name))


def _initialisers(pt: PointsTo, u: int, roots: Sequence[Node]) -> None:
    """What the unit's file-scope declarations store in their names."""
    for top in (t for root in roots for t in named(root)):
        if top.type != "declaration":
            continue
        for d in top.children_by_field_name("declarator"):
            if d.type == "init_declarator":
                name, _ = walk_declarator(d)
                if name:
                    _store(pt, u, None, pt.var(u, None, name), _field(d, "value"))


def _store(pt: PointsTo, unit: int, fn: _Fn | None, into: Var, value: Node | None) -> None:
    if value is None:
        return
    if value.type == "initializer_list":
        for item in named(value):
            inner = _field(item, "value") if item.type == "initializer_pair" else item
            _store(pt, unit, fn, MEM, inner)
        return
    pt.flow(pt._expr(unit, fn, value), into)


def _walk(pt: PointsTo, f: _Fn) -> None:
    """The flows of ``f``'s assignments, initialisations, returns, calls and addresses taken
    (what it reads and writes through pointers is read when a call needs it,
    :meth:`PointsTo.reach_of`)."""
    _walk_nodes(pt, f, f.events)
    f.events = []


def _compiled(pt: PointsTo, nodes: Iterable[Node], depth: int = 0) -> Iterator[Node]:
    """``nodes`` as the compiler reads them: a statement that calls a macro
    (:meth:`PointsTo.statement_items`) and a macro call (:meth:`PointsTo.expansion`) are
    the nodes of their expansions, up to four macros deep."""
    skip: set[int] = set()
    for n in nodes:
        if n.id in skip:
            continue
        if depth < 4 and n.type == "expression_statement" and \
                (items := pt.statement_items(n)) is not None:
            for item in items:
                yield from _compiled(pt, iter_nodes(item), depth + 1)
            skip.add(named(n)[0].id)
        elif depth < 4 and is_call(n) and \
                (exp := pt.expansion(n)) is not None:
            yield from _compiled(pt, iter_nodes(exp), depth + 1)
        else:
            yield n


def _walk_nodes(pt: PointsTo, f: _Fn, nodes: Iterable[Node]) -> None:
    """:func:`_walk` over ``nodes`` (macro calls read as their expansions, :func:`_compiled`)."""
    u = f.unit
    for n in _compiled(pt, nodes):
        t = n.type
        if t == "assignment_expression" and op(n) == "=":
            _walk_assignment(pt, f, n)
        elif t == "init_declarator":
            name, _ = walk_declarator(n)
            if name:
                _store(pt, u, f, pt.var(u, f, name), _field(n, "value"))
        elif t == "return_statement":
            kids = named(n)
            if kids:
                pt.flow(pt._expr(u, f, kids[0]), (u, "()", f.name))
        elif t == "pointer_expression" and op(n) == "&":
            arg = unparen(_field(n, "argument"))
            if arg is not None and arg.type == "identifier":
                v = pt.var(u, f, text(arg))  # its value may be stored through the address
                pt.flow([v], MEM)
                pt.flow([MEM], v)
        elif t == "call_expression":
            _walk_call(pt, f, n)
        elif t == "identifier" and text(n) in pt._fn_names:
            _function_address(pt, f, n)


def _walk_assignment(pt: PointsTo, f: _Fn, n: Node) -> None:
    """``x = e``: ``x`` may point wherever ``e`` may; a store through memory (``s->p = e``,
    ``rows[k] = e``) puts what ``e`` points to among the pointers stored in memory."""
    left = unparen(_field(n, "left"))
    if left is not None and left.type == "identifier":
        if text(left) in f.params:
            f.assigned.add(text(left))
        pt.flow(pt._expr(f.unit, f, _field(n, "right")), pt.var(f.unit, f, text(left)))
    else:
        pt.flow(pt._expr(f.unit, f, _field(n, "right")), MEM)


def _function_address(pt: PointsTo, f: _Fn, n: Node) -> None:
    """A function's name used as a value (not called): unseen code may call it, with
    anything it was handed, and keep what it returns."""
    if text(n) in f.locals or n.parent is None or \
            n.parent.type in ("function_declarator", "call_expression"):
        return
    target = pt._resolve(f.unit, text(n))
    if target is not None:
        g = pt.fns[target]
        for p in filter(None, g.params):
            pt.flow([ESC], (g.unit, g.name, p))
        pt.flow([(g.unit, "()", g.name)], ESC)


def _walk_call(pt: PointsTo, f: _Fn, n: Node) -> None:
    """A call's arguments flow into its callee's parameters, or to unseen code."""
    u = f.unit
    name = callee_name(n)
    target = pt._resolve(u, name) if name is not None else None
    args = _args(n)
    if target is not None:
        g = pt.fns[target]
        f.calls.add(target)
        for p, a in zip(g.params, args, strict=False):
            if p is not None:
                pt.flow(pt._expr(u, f, a), (target[0], g.name, p))
        for a in args[len(g.params):]:
            pt.flow(pt._expr(u, f, a), ESC)
    elif name is None or not is_library(name):
        for a in args:
            pt.flow(pt._expr(u, f, a), ESC)
        f.reads.add(ESC)
        f.writes.add(ESC)
    elif name == "posix_memalign" and args:
        pt.flow([("site", u, n.start_byte)], MEM)


def _derefs(pt: PointsTo, f: _Fn, body: Node) -> None:
    """What ``f`` itself reads and writes through pointers computed from anything but its
    unassigned parameters (sources, solved later): memory reached from a parameter —
    ``p[i]``, ``p[i].v[j]``, ``p->next`` — is what the caller hands it, which the caller's
    own uses of its arguments account for."""
    mine = set(f.params) - f.assigned
    for root, got, r, w in _accesses(pt, f, body):
        if root in mine:
            continue
        if r:
            f.reads |= got
        if w:
            f.writes |= got


def _accesses(pt: PointsTo, f: _Fn, top: Node, depth: int = 0
              ) -> Iterator[tuple[str | None, set[object], bool, bool]]:
    """Each dereference under ``top`` and each argument of a call there (a callee may read
    and write through it, :func:`_arg_effect`): the variable it is computed from, its
    sources, and whether it is read and written.  A macro call is its expansion
    (:func:`_compiled`)."""
    u = f.unit
    for n in _compiled(pt, iter_nodes(top), depth):
        t = n.type
        if _dereferenced(n):
            operand = _field(n, "argument")
            yield (_root(operand), pt._expr(u, f, operand), *_access(n))
        elif t == "call_expression":
            name = callee_name(n)
            target = pt._resolve(u, name) if name is not None else None
            for k, a in enumerate(_args(n)):
                yield (_root(a), pt._expr(u, f, a), *_arg_effect(name, k, target is not None))


def _dereferenced(n: Node) -> bool:
    """Is ``n`` an lvalue reached through its operand's pointer value: ``p[i]``, ``*p``,
    ``p->m`` (C11 6.5.2.1, 6.5.3.2p4, 6.5.2.3p4)?"""
    t = n.type
    return t == "subscript_expression" or (t == "pointer_expression" and op(n) == "*") or \
        (t == "field_expression" and op(n) == "->")


def _access(n: Node) -> tuple[bool, bool]:
    """Whether the lvalue ``n`` is read and written where it stands."""
    p = n.parent
    while p is not None and p.type == "parenthesized_expression":
        n, p = p, p.parent
    if p is None:
        return True, False
    if p.type == "assignment_expression" and _field(p, "left") == n:
        return op(p) != "=", True
    if p.type == "update_expression":
        return True, True
    return True, False


def _solve(pt: PointsTo) -> None:
    pts: dict[Var, set[object]] = {v: set(s) for v, s in pt.seeds.items()}
    todo = list(pts)
    while todo:
        v = todo.pop()
        got = pts.get(v)
        if not got:
            continue
        for w in pt.edges.get(v, ()):
            have = pts.setdefault(w, set())
            if not got <= have:
                have |= got
                todo.append(w)
    pt.pts = {v: frozenset(s) for v, s in pts.items()}




def aliased_calls(points: PointsTo, fn: Node, unit: int = 0, read_only: Collection[int] = ()
                  ) -> list[tuple[Node, list[tuple[str, bool]]]]:
    """The calls of ``fn`` (of ``unit``) that reach memory one of its names designates
    through another pointer (:meth:`PointsTo.call_parts`; the call's arguments based on that
    name, or on any parameter or local of ``fn``, are left to ``fn``'s own uses of them — the
    names the planner follows, as swapped pointers and offsets into an array, are locals):
    the calls, each with (name, whether the call may write there).  The names: ``fn``'s
    parameters and locals, and the globals it names.  ``read_only``: ids of argument nodes
    whose callee only reads through them.

    So are ``fn``'s own dereferences of a file-scope pointer (``bc_ptr[j] = v``, ``*probe``,
    :func:`_file_pointer_access`): the pointer holds whatever any function of the program
    stored in it (``bc_ptr = a`` in a callee, C11 6.5.16.1p2), so the lvalue may designate an
    element of another name's array (6.5.6p8) and the statement reads or writes that array
    there, as a call whose callee dereferences the pointer does."""
    key = (unit, fn.start_byte, frozenset(read_only))
    hit = points._aliased.get(key)
    if hit is not None and hit[0] == fn:  # asked again for the same function (its barriers)
        return hit[1]
    out = _aliased_calls(points, fn, unit, read_only)
    points._aliased[key] = (fn, out)
    return out


def _aliased_calls(points: PointsTo, fn: Node, unit: int, read_only: Collection[int]
                   ) -> list[tuple[Node, list[tuple[str, bool]]]]:
    name = function_name(fn)[0]
    f = points.fns.get((unit, name)) if name else None
    if f is None:
        return []
    body = _field(fn, "body") or fn
    names = set(f.locals) | {text(n) for n in iter_nodes(body) if n.type == "identifier"
                             and text(n) in points.globals.get(unit, {})}
    objs = {n: o for n in sorted(names) if (o := points.of(unit, f.name, n))}
    out: list[tuple[Node, list[tuple[str, bool]]]] = []
    if not objs:
        return out
    for call in iter_nodes(body):
        if is_call(call):
            parts = points.call_parts(unit, f.name, call, read_only)
        elif (part := _file_pointer_access(points, f, call)) is not None:
            parts = [part]
        else:
            continue
        got: list[tuple[str, bool]] = []
        for n, o in objs.items():
            r = [rw for base, rw in parts if base != n and base not in f.locals]
            reads = frozenset().union(*(x.reads for x in r))
            writes = frozenset().union(*(x.writes for x in r))
            if o & (reads | writes):
                got.append((n, bool(o & writes)))
        if got:
            out.append((call, got))
    return out


def _file_pointer_access(points: PointsTo, f: _Fn, n: Node) -> tuple[str, Reach] | None:
    """``n`` read or written through a pointer declared at file scope, not hidden by a name
    of ``f`` (``bc_ptr[j]``, ``*(probe + 1)``, ``cur->v``; C11 6.2.1p4): (the pointer, what
    the access may read and write, :func:`_accesses`); None for any other node."""
    if not _dereferenced(n):
        return None
    operand = _field(n, "argument")
    root = _root(operand)
    if root is None or root in f.locals:
        return None
    g = points.globals.get(f.unit, {}).get(root)
    if g is None or g[0].array or (g[0].basic and not g[0].levels):  # no pointer
        return None
    got = points.objects(points._expr(f.unit, f, operand))
    r, w = _access(n)
    return root, Reach(got if r else frozenset(), got if w else frozenset())
