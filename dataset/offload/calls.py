"""Data regions across calls: what a function's plan does to its parameters on the device
(:class:`Summary`), and the statements of a caller that call such functions
(:class:`~.device.CallDevice`), with the arrays they reach in the caller's terms.

The callee keeps its own data clauses: ``copy``/``copyin``/``copyout``/``create`` are "present
or ..." (OpenACC 2.5+, 2.7.1): when the caller's region already holds the data they move
nothing, and the callee stays correct when called from anywhere else.  A call joins the
caller's region only when nothing the callee does on the host can see a stale copy:

* every use of an array parameter in the callee is in the device code of its plan (its
  offloaded loops, or calls it hoists itself), and the callee never assigns the parameter;
* the section's bounds are parameters the callee never assigns (or names declared nowhere in
  the file: macros, enumerators), so that they translate through the call's arguments;
* a true array declared at file scope that the callee's device code reaches by name, and its
  host code never, is mapped whole by a caller of the same file whose name denotes the same
  array (C11 6.2.1p4: :func:`file_array`); a pointer declared at file scope that the callee's
  device code reaches by name, its host code never, and that it never assigns, is mapped with
  the callee's section by such a caller, under the same name (:func:`file_pointer`);
* the callee's host code touches no global array the caller's region maps (checked with the
  region, :func:`host_conflict`); a host call to another program function counts as touching
  every global.

Recursive functions, calls through pointers and functions of other files are never hoisted
over.  The caller's side (which statements join a region, the notes, the calls no region may
hold) is :mod:`.callsites`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.library import EXIT_CALLS, library_function
from accellium.dataset.analysis.member_reads import parse_key
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, text
from accellium.dataset.offload import poly
from accellium.dataset.offload.bounds import bounds_of
from accellium.dataset.offload.callprints import param_footprint
from accellium.dataset.offload.device import CallDevice, MappedArg, Unit
from accellium.dataset.offload.extent import Extents, Span
from accellium.dataset.offload.global_scalars import fixed_in
from accellium.dataset.offload.nodes import callee_name
from accellium.dataset.offload.reaching import with_reaching_values
from accellium.dataset.offload.section_macros import SectionMacro, section_macros
from accellium.dataset.offload.shapes import Shape, file_scalar_shape, is_global, is_param
from accellium.dataset.offload.uses import ArrayUse, array_uses

if TYPE_CHECKING:
    from accellium.dataset.offload.arrays import ArrayInfo, Scope
    from accellium.dataset.offload.region import Region

__all__ = ["ParamUse", "Summary", "summarize", "summarize_regions", "host_reads", "host_handled", "caller_span", "caller_spans", "host_conflict",
           "covering_arg",
           "parameters", "is_param", "one_dim", "in_units", "ANY_GLOBAL",
           "type_words", "file_array", "file_pointer", "file_scalar", "is_global", "own_names",
           "external_linkage"]

#: In ``host_globals``: the host code calls a program function (it may touch any global).
ANY_GLOBAL = "*"


@dataclass(frozen=True)
class ParamUse:
    """What the callee's device code does with an array parameter."""

    lo: poly.Poly  # the section's first element, in the callee's parameter names
    hi: poly.Poly  # its last
    read: bool  # needs the values the section holds when it is called
    write: bool
    covers: bool = False  # writes every element of the section, whenever it is called
    # the footprint (:mod:`.callprints`) it writes whole whenever called, reading none; or
    # the one it only reads within
    fills: tuple | None = None
    reads_within: tuple | None = None
    # a parameter declared as rows of a known length (``T a[N][M]``): those sizes after the
    # first (the section's ``lo``/``hi`` count rows); empty: a pointer, one subscript
    rows: tuple[str, ...] = ()
    # its element type, as written (``double``), for rows and for one subscript (a caller may
    # pass ``*A`` of a ``T (*A)[N]``, :func:`.callsites.pointed_object`)
    elem: str = ""
    # rows whose columns the callee writes whole only if its bounds are the sizes: the last
    # column written of each dimension after the first (``m - 1``), in its parameters' names,
    # when it writes every row of the section from column 0 whenever called, reading none
    # (:func:`.cover.whole_columns`); the caller checks them against the sizes at each call
    cols: tuple[poly.Poly, ...] = ()
    # a pointer to pointers (``T **w``): the spans of its deeper levels (a row's columns),
    # in its parameters' names; ``lo``/``hi`` are the pointer array's (:func:`_levels`)
    inner: tuple[tuple[poly.Poly, poly.Poly], ...] = ()


@dataclass
class Summary:
    """A function whose plan offloads loops, as its callers see it."""

    function: str
    params: list[str | None]  # the parameter names in order (None: unnamed)
    arrays: dict[int, ParamUse] = field(default_factory=dict)  # parameter index -> use
    host_params: set[int] = field(default_factory=set)  # arrays used on the host
    # those of ``host_params`` that only its host code uses, element by element with all
    # their subscripts (:func:`_host_only`): a caller's region treats a call as host code
    # that reads and writes the whole argument array
    host_only: set[int] = field(default_factory=set)
    # arrays whose host uses are only reads of elements a caller can name (:func:`host_reads`):
    # parameter index -> each element's index, in the parameters' names
    host_reads: dict[int, tuple[poly.Poly, ...]] = field(default_factory=dict)
    host_globals: frozenset[str] = frozenset()
    why_not: str | None = None  # set: no call to it joins a caller's region
    # arrays reached through a global its file binds (:mod:`.bind`): global -> use; and every
    # global a section names or an array is reached through (a caller must know their values)
    globals: dict[str, ParamUse] = field(default_factory=dict)
    bound: frozenset[str] = frozenset()
    # true arrays declared at file scope that its device code reaches by name, used nowhere
    # on its host (:func:`file_array`): global -> whether it writes them.  A caller of the
    # same file whose own name resolves to the same declaration maps the whole array.
    file_arrays: dict[str, bool] = field(default_factory=dict)
    # those of ``file_arrays`` it writes whole before any read whenever it is called (its
    # region always runs and needs no copy in of them): a caller's region need not copy in
    # what the call replaces
    file_covers: set[str] = field(default_factory=set)
    # of ``file_arrays``: the box each call writes whole reading none of the array, and the box
    # holding what a call may read from before it (empty: nothing) (:mod:`.boxes`), in
    # constants, file-scope scalars nothing it runs stores to, and names the file declares
    # nowhere
    file_fills: dict[str, tuple] = field(default_factory=dict)
    file_reads: dict[str, tuple] = field(default_factory=dict)
    # pointers declared at file scope that its device code reaches by name, used nowhere on
    # its host and assigned nowhere in it (:func:`file_pointer`): global -> its section, in
    # names a caller of the same file spells as they are (macros, file-scope scalars)
    file_pointers: dict[str, ParamUse] = field(default_factory=dict)
    # the object-like macros of its file its sections name (:mod:`.section_macros`): a
    # caller's clause spells each as its own translation unit sees it
    macros: dict[str, SectionMacro] = field(default_factory=dict)
    # file-scope scalars its sections name that it never stores to, nor any function of the
    # file it calls (:mod:`.global_scalars`): a caller of the same file names them as they are
    scalars: frozenset[str] = frozenset()
    # those of ``file_arrays`` and ``host_globals`` that are true arrays of external linkage
    # (no file-scope declaration of the name in its translation unit, headers included, is
    # ``static``: C11 6.2.2p4-5)
    file_external: frozenset[str] = frozenset()
    # exported to the program's other files (:func:`.program.exports`): its ``file_arrays``
    # all have external linkage, and a caller there maps them only under a name of external
    # linkage (the same object in every translation unit, C11 6.2.2p2)
    extern: bool = False


def parameters(fn: Node) -> list[str | None] | None:
    """The parameter names of a definition in order (None: variadic or old-style)."""
    from accellium.dataset.offload.shapes import macro_declarator, walk_declarator

    _, decl = function_name(fn)
    if decl is None:
        return None
    out: list[str | None] = []
    for p in named(_field(decl, "parameters")):
        if p.type == "comment":
            continue
        if p.type != "parameter_declaration":
            return None
        d = _field(p, "declarator")
        name, _ = walk_declarator(d) if d is not None else (None, [])
        if name is None and d is not None:  # ``double ARR_2D(a, N, M)``: its expansion's
            name, _ = walk_declarator(macro_declarator(d))
        if name is None and text(p).strip() == "void":
            continue
        out.append(name)
    return out




def one_dim(shape: Shape | None) -> bool:
    """A pointer, or a parameter declared ``T a[]``: one subscript, a section ``a[lo:len]``."""
    return shape is not None and shape.levels == 1 and (
        shape.kind == "pointer" or (shape.kind == "rows" and not shape.dims))


def in_units(node: Node, units: list[Unit]) -> bool:
    return any(u.node.start_byte <= node.start_byte < u.node.end_byte for u in units)


def _host_globals(fn: Node, scope: Scope, units: list[Unit], defined: set[str]) -> set[str]:
    """Global arrays the host code of ``fn`` names, the globals its hoisted calls' callees
    touch on the host, and :data:`ANY_GLOBAL` when it calls another program function."""
    out: set[str] = set()
    for u in units:
        if isinstance(u, CallDevice):
            out |= u.host_globals
    body = _field(fn, "body") or fn
    for n in iter_nodes(body):
        if in_units(n, units):
            continue
        if n.type == "identifier":
            shape = scope.shape(text(n))
            if is_global(shape) and shape is not None and shape.kind != "other":
                out.add(text(n))
        elif is_call(n):
            name = callee_name(n)
            if name is not None and name in defined and _touches_nothing(n, name, scope):
                continue
            got = _macro_globals(n, defined, scope)
            if got is not None:
                out |= got
                continue
            if name is None or name in defined or library_function(name) is None:
                out.add(ANY_GLOBAL)
    return out


def _macro_globals(call: Node, defined: set[str], scope: Scope) -> set[str] | None:
    """For a call of a function-like macro visible there (``cdiv(c, x)``), the global
    arrays its replacement names — when it stores nothing (no assignment, increment or
    address taken) and calls no function of the program and none outside the C library
    (:func:`.global_scalars.macro_effects`); else None.  The preprocessor replaces the call by
    that text before the code is read (C11 6.10.3), so it does what its tokens do, and its
    arguments are the caller's own expressions (read where they stand)."""
    from accellium.dataset.offload.global_scalars import macro_call_tokens, macro_effects

    toks = macro_call_tokens(call)
    if toks is None:
        return None
    stored: set[str] = set()
    called: set[str] = set()
    macro_effects(toks, defined, stored, called)
    if stored or called:
        return None
    return {t for t in toks if is_global(shape := scope.shape(t)) and shape is not None and
            shape.kind != "other"}


def _touches_nothing(call: Node, name: str, scope: Scope) -> bool:
    """Does the host call ``call`` of the file's function ``name`` reach no global array: the
    callee and every function it calls name none of the file's global arrays and call no
    function of another file (:func:`.global_uses.touches`), and each of its parameters is of
    an arithmetic type (``int n``, ``double x``: no pointer, array or structure)?  A function
    reaches an object of the file by its name (C11 6.2.1p4) or through an address it is
    given; its arguments are converted to its parameters' types and passed by value
    (6.5.2.2p4, p7), so an arithmetic parameter receives a number, never an address."""
    from accellium.dataset.analysis.tree import root_of
    from accellium.dataset.offload.global_uses import file_facts

    root = root_of(scope.fn)
    arrays, every = file_facts(root, scope.memo)
    t = every.get(name) if arrays else None
    if arrays and (t is None or t.unknown or t.reads or t.writes):
        return False
    fn = next((d for d in root.children if d.type == "function_definition" and
               function_name(d)[0] == name), None)
    decl = function_name(fn)[1] if fn is not None else None
    params = _field(decl, "parameters") if decl is not None else None
    if params is None:
        return False
    for p in named(params):
        if p.type == "variadic_parameter":
            return False
        if p.type != "parameter_declaration":
            continue
        kind = _field(p, "type")
        d = _field(p, "declarator")
        if kind is None or kind.type not in ("primitive_type", "sized_type_specifier") or \
                d is not None and d.type != "identifier":
            return False
    return True


def external_linkage(name: str, scope: Scope) -> bool:
    """Has the file-scope object ``name`` of the function's translation unit external linkage:
    is it declared at file scope (in the file or a header it includes above the function),
    and with ``static`` nowhere?  A file-scope identifier declared with ``extern`` or with
    no storage class has external linkage unless a declaration gives it internal linkage
    (C11 6.2.2p3-5); with external linkage it denotes the same object in every translation
    unit of the program (6.2.2p2)."""
    from accellium.dataset.offload.callgraph import is_static
    from accellium.dataset.offload.shapes import declaration_of

    shapes = scope.decls.get(name) or []
    decls = [declaration_of(s) for s in shapes]
    return bool(shapes) and all(not s.local and not is_param(s) and s.expansion is None
                                for s in shapes) and \
        all(d is not None and not is_static(d) for d in decls)


def file_scalar(name: str, scope: Scope) -> bool:
    """Does ``name`` in the function denote a scalar declared at file scope (``int nx;``),
    hidden by no parameter or local of the function (C11 6.2.1p4; a name also declared inside
    the function is refused, as in :func:`file_array`)?"""
    return name not in scope.members and file_scalar_shape(name, scope.decls) is not None


def file_array(name: str, scope: Scope) -> bool:
    """Does ``name`` in the function denote a true array declared at file scope with every
    size known (``T g[N]``, ``T g[N][M]``), hidden by no parameter or local of the function?
    An identifier declared at file scope denotes the same object in every function of its
    file where no inner declaration hides it (C11 6.2.1p4), and a true array names all of its
    elements in a data clause (OpenACC 3.3, 2.7.1): a region of a caller of the same file
    that maps it whole holds whatever the function's "present or copy" clauses name of it.
    A name also declared inside the function is refused wherever the inner declaration
    stands (which uses it hides is not worked out)."""
    shapes = scope.decls.get(name) or []
    shape = scope.shape(name)
    return bool(shapes) and name not in scope.members and shape is not None and \
        all(not s.local and not is_param(s) for s in shapes) and \
        shape.kind == "array" and shape.levels >= 1 and len(shape.dims) == shape.levels and \
        all(d.strip() for d in shape.dims) and shape.expansion is None


def file_pointer(name: str, scope: Scope) -> bool:
    """Does ``name`` in the function denote a pointer declared at file scope (``double *g;``),
    hidden by no parameter or local of the function?  As for :func:`file_array`, the name
    denotes the same object in every function of its file where no inner declaration hides it
    (C11 6.2.1p4); a function that never assigns it reads, at any moment of a call, the value
    its caller's ``g`` holds then, so its ``g[e]`` is the caller's ``g[e]`` (``*(g + e)``,
    6.5.2.1p2) — the section of its device code, in names the caller spells as they are,
    is the caller's section of ``g`` at the call."""
    shapes = scope.decls.get(name) or []
    shape = scope.shape(name)
    return bool(shapes) and name not in scope.members and shape is not None and \
        all(not s.local and not is_param(s) for s in shapes) and \
        shape.kind == "pointer" and shape.levels == 1 and shape.expansion is None


def _section_names_ok(span: Span, params: list[str | None], scope: Scope,
                      names: dict[str, str] | None = None) -> bool:
    """Every name of the section is a parameter the callee never assigns, a global its file
    binds or a file-scope scalar nothing the callee runs stores to (``names``' targets:
    :mod:`.bind`, :mod:`.global_scalars`), or a name the file declares nowhere (a macro, an
    enumerator).  A member read (``v->n``) is none of these: the caller spells the object
    otherwise, or reads another value at the call."""
    bound = set((names or {}).values())
    for n in poly.names(span.lo) | poly.names(span.hi):
        if parse_key(n) is not None:
            return False
        if n in params:
            if scope.assigned_at.get(n):
                return False
        elif n in bound:
            continue
        elif scope.decls.get(n):
            return False
    return True


def _always_runs(fn: Node, region: Region) -> bool:
    """Does the region run whenever the function is called: its statements are items of the
    function's body, and nothing before its end returns or jumps?"""
    body = _field(fn, "body")
    if body is None or region.lay.block.id != body.id:
        return False
    return not any(n.type in ("return_statement", "goto_statement", "break_statement")
                   or is_call(n) and text(_field(n, "function")) in EXIT_CALLS
                   for n in iter_nodes(body) if n.start_byte < region.lay.end)


def _bindable(root: Node) -> dict[str, str]:
    """The file's ``static`` globals a binder may set (:mod:`.bind`): its pointers, and the
    scalars a binder of the file does set.  A scalar no function binds (assigned elsewhere
    than from a binder's parameter, ``first = 0;`` in ``main``) is a file scalar like any
    other: its callers name it themselves (:mod:`.global_scalars`)."""
    from accellium.dataset.offload import bind

    glob = bind.statics(root)
    if any(kind == "other" for kind in glob.values()):
        bound = {g for got in bind.binders(root, glob).values() for g in got}
        glob = {g: kind for g, kind in glob.items() if kind == "pointer" or g in bound}
    return glob


def summarize(fn: Node, scope: Scope, region: Region, defined: set[str],
              units: list[Unit] | None = None) -> Summary | None:
    """The summary of a function whose plan offloads loops (and calls) in ``region`` (None:
    the function has no parameters we can read).  Sections are in the parameters' names and
    those of the file's bound globals (:mod:`.bind`); an array reached through such a global
    is in ``globals``."""
    from accellium.dataset.analysis.tree import root_of
    from accellium.dataset.offload import bind

    arrays = region.arrays
    units = region.devices if units is None else units
    always = _always_runs(fn, region)
    name = function_name(fn)[0] or "<anonymous>"
    params = parameters(fn)
    if params is None:
        return None
    out = Summary(name, params)
    uses = array_uses(_field(fn, "body"))
    glob = _bindable(root_of(fn))
    names = bind.aliases(fn, glob) if glob else {}
    # each file-scope scalar nothing the function runs stores to names itself in a caller
    fixed = fixed_in(fn, {n for n in scope.decls if n not in glob}, lambda n: file_scalar(n, scope))
    names = {**{g: g for g in fixed}, **names}
    for k, p in enumerate(params):
        shape = scope.shape(p) if p else None
        if p is None or shape is None or shape.kind == "other" and shape.levels == 0:
            continue
        mine = [u for u in uses if u.name == p]
        if not mine:
            continue
        info = arrays.get(p)
        on_host = [u for u in mine if not in_units(u.node, units)]
        if _read_by_callees(p, units):
            out.host_params.add(k)
            continue
        if info is None or on_host or scope.assigned_at.get(p):
            elems = host_reads(shape, on_host, info, region, params, scope)
            if elems is None:
                out.host_params.add(k)
                if info is None and _host_only(shape, mine, scope, p):
                    out.host_only.add(k)
                continue
            out.host_reads[k] = elems
            if info is None:
                continue
        got = _levels(info, fn, scope, region, params, names)
        if got is None:
            got = _one_level(info, shape, mine, region, always, params, scope, names)
        if got is None:
            out.why_not = (f"the section of `{p}` in `{name}` ({info.section}) does not "
                           "translate into a caller's names")
            continue
        out.arrays[k] = got
    _globals_of(out, fn, scope, region, uses, params, glob, names, units)
    _file_array_facts(out, fn, scope, region, units, always, fixed)
    out.bound = frozenset(g for u in [*out.arrays.values(), *out.globals.values()]
                          for g in poly.names(u.lo) | poly.names(u.hi) if g in glob) | \
        frozenset(out.globals)
    out.scalars = frozenset(n for u in [*out.arrays.values(), *out.globals.values(),
                                        *out.file_pointers.values()]
                            for p in (u.lo, u.hi, *u.cols, *(x for i in u.inner for x in i))
                            for n in poly.names(p) if n in fixed)
    out.host_globals = frozenset(
        g for g in _host_globals(fn, scope, units, defined)
        if g not in glob or not bind.alias_only(fn, g, names, lambda n: in_units(n, units)))
    out.macros = section_macros(out, fn, region.stmts[0].start_byte if region.stmts else
                                fn.start_byte, own_names(out))
    out.file_external = frozenset(g for g in {*out.file_arrays, *out.host_globals}
                                  if g != ANY_GLOBAL and file_array(g, scope) and
                                  external_linkage(g, scope))
    return out


def summarize_regions(fn: Node, scope: Scope, regions: list[Region], defined: set[str]
                      ) -> Summary | None:
    """The summary of a function whose plan has several regions (split at the calls no
    region may hold or at its ``return`` statements), when what its device code reaches is
    only true arrays of its file (``file_arrays``): a caller's region that maps such an array
    whole holds whatever any of its regions' "present or copy" clauses name of it (OpenACC
    3.3, 2.7.1), whichever of them runs, and each array counts as written when any region
    writes it.  Every use of such an array in the function must be in the device code of
    one of its regions (the summaries are made with all their units), so the host code
    between and around them touches none of it.  None when a region reaches a parameter, a
    bound global, a file scalar in a section or a macro: their sections are one region's."""
    units = [u for r in regions for u in r.devices]
    got = [summarize(fn, scope, r, defined, units) for r in regions]
    if any(s is None for s in got):
        return None
    sums = [s for s in got if s is not None]
    if any(s.arrays or s.host_reads or s.globals or s.bound or s.scalars or s.macros
           for s in sums) or not any(s.file_arrays for s in sums):
        return None
    out = sums[0]
    shared = set().union(*(s.host_params - s.host_only for s in sums))
    out.host_only = set().union(*(s.host_only for s in sums)) - shared
    for s in sums[1:]:
        out.why_not = out.why_not or s.why_not
        out.host_params |= s.host_params
        out.host_globals |= s.host_globals
        for g, w in s.file_arrays.items():
            out.file_arrays[g] = out.file_arrays.get(g, False) or w
    out.file_covers = set()  # which region covers first is not followed
    out.file_fills, out.file_reads = {}, {}
    return out


def _file_array_facts(out: Summary, fn: Node, scope: Scope, region: Region, units: list[Unit],
                      always: bool, fixed: set[str]) -> None:
    """What each call does with the file's arrays the function reaches: those it writes whole
    before reading any (``file_covers``), and their boxes (:mod:`.boxes`) whose names a caller
    of the file spells as they are — constants, file-scope scalars nothing the function runs
    stores to (``fixed``), names the file declares nowhere (macros, enumerators)."""
    from accellium.dataset.offload.boxes import box_names, fill_box, read_box

    out.file_covers = {g for g in out.file_arrays
                       if always and region.flow.clauses.get(g) in ("copyout", "create") and
                       g not in region.flow.loop_covered}

    def spelled(box: tuple | None) -> bool:
        return box is not None and all(n in fixed or not scope.decls.get(n)
                                       for n in box_names(box))

    for g in out.file_arrays:
        info = region.arrays.get(g)
        if info is None or len(units) != len(region.devices):
            continue
        fill = fill_box(info, region.devices, region.lay, fn, always)
        if spelled(fill):
            out.file_fills[g] = fill  # type: ignore[assignment]
        got = read_box(info, region.devices, region.lay, fn)
        if spelled(got):
            out.file_reads[g] = got  # type: ignore[assignment]


def _host_only(shape: Shape, mine: list[ArrayUse], scope: Scope, p: str) -> bool:
    """Does the function reach what its parameter ``p`` points to only through elements with
    all their subscripts (``p[i][j]``), never passing, assigning or taking the address of
    ``p`` or of a row of it, and never assigning ``p`` itself?  Then no code of its, device
    code or a function it calls, reaches that memory but the host statements that name the
    elements (C11 6.5.2.1p2): a caller whose region maps the argument brings it to the host
    before the call and back after it, as around any host statement of its own."""
    if scope.assigned_at.get(p) or shape.levels < 1:
        return False
    return all(not u.whole and len(u.subs) == shape.levels and not u.member for u in mine)


def own_names(s: Summary) -> set[str]:
    """The names of a summary's sections that a caller translates: the parameters, the
    globals its file binds (:mod:`.bind`), and its file's scalars a caller names as they are
    (:mod:`.global_scalars`)."""
    return {p for p in s.params if p} | set(s.bound) | set(s.scalars)


def _read_by_callees(p: str, units: list[Unit]) -> bool:
    """Do the host code of the function's hoisted calls' callees read elements of ``p``
    (:attr:`.device.CallDevice.host_reads`)?  Its own plan brings them to the host only
    after its own device writes; a caller's region may have written them before the call,
    so the parameter counts as used on the host."""
    return any(a.name == p for u in units if isinstance(u, CallDevice) for a in u.host_reads)


#: the most elements of one parameter a caller brings to the host before a call
_HOST_ELEMENTS = 4


def host_reads(shape: Shape, on_host: list[ArrayUse], info: ArrayInfo | None, region: Region,
               params: list[str | None], scope: Scope) -> tuple[poly.Poly, ...] | None:
    """The elements of a pointer parameter the function's host code reads, as indices in
    names a caller can translate (None: it does more than that).  A parameter is an object of
    the callee initialised with the argument's value (C11 6.5.2.2p4), so ``p[e]`` is
    ``*(p + e)`` (6.5.2.1p2): the caller's element ``a[e']``, ``e'`` being ``e`` with each
    parameter replaced by its argument, when the callee never assigns the parameters ``e``
    names and ``e`` names nothing else but constants (macros, enumerators) — a global the
    callee may assign before the read is not one.  A caller whose region holds the array then brings just those elements to the host
    before the call (``update self``, OpenACC 3.3, 2.14.4) instead of giving up the region —
    sound only when nothing in the call changes them: the host code only reads the parameter
    (no write, no pointer to it taken or passed on) and the function's device code never
    writes it (else its host reads could follow a device write the caller's update does not
    see)."""
    if not one_dim(shape) or scope.assigned_at.get(shape.name) or \
            (info is not None and info.dev_writes) or not on_host:
        return None
    out: list[poly.Poly] = []
    for u in on_host:
        if not u.read or u.write or u.whole or len(u.subs) != 1:
            return None
        sub = u.subs[0]
        e = poly.const(0) if isinstance(sub, int) else poly.poly_of(sub)
        span = _scoped(Span(e, e), scope.fn, scope, region) if e is not None else None
        if span is None or not _section_names_ok(span, params, scope):
            return None
        if not any(poly.compare(span.lo, o) == 0 for o in out):
            out.append(span.lo)
    return tuple(out) if len(out) <= _HOST_ELEMENTS else None


def _globals_of(out: Summary, fn: Node, scope: Scope, region: Region, uses: list[ArrayUse],
                params: list[str | None], glob: dict[str, str], names: dict[str, str],
                units: list[Unit]) -> None:
    """The globals the region's device code reaches, into ``out``: arrays through a bound
    pointer (:mod:`.bind`, ``globals``), true arrays of the file (``file_arrays``); or why no
    call of the function joins a caller's region.  ``units``: the device code of the
    function (its regions' units)."""
    name = out.function
    for g, info in region.arrays.items():
        target = names.get(g)
        if target is not None and glob.get(target) == "pointer" and g not in params:
            span = _renamed(info.spans, names)
            on_host = any(not in_units(u.node, units) for u in uses if u.name == g)
            if span is not None and not on_host and info.alloc is None and \
                    _section_names_ok(span, params, scope, names):
                out.globals[target] = ParamUse(span.lo, span.hi, True, info.dev_writes)
            elif out.why_not is None:
                out.why_not = (f"`{g}` in `{name}` is the global `{target}`, used on the host "
                               "or with a section that does not translate")
        elif g in scope.members and out.why_not is None:
            out.why_not = (f"its loops use the member array `{g}` (mapped with its object by "
                           f"`{name}` itself)")
        elif is_global(scope.shape(g)) and g not in params:
            on_host = any(not in_units(u.node, units) for u in uses if u.name == g)
            ok = file_array(g, scope) and info.alloc is None and not on_host
            span = _renamed(info.spans, names) if not ok and not on_host and \
                info.alloc is None and file_pointer(g, scope) and \
                not scope.assigned_at.get(g) else None
            span = _scoped(span, fn, scope, region) if span is not None else None
            if ok:
                out.file_arrays[g] = info.dev_writes
            elif span is not None and _section_names_ok(span, params, scope, names):
                out.file_pointers[g] = ParamUse(span.lo, span.hi, True, info.dev_writes)
            elif out.why_not is None:
                out.why_not = f"its loops use the global `{g}` (mapped by `{name}` itself)"


def _one_level(info: ArrayInfo, shape: Shape, mine: list[ArrayUse], region: Region,
               always: bool, params: list[str | None], scope: Scope, names: dict[str, str]
               ) -> ParamUse | None:
    """The use of a parameter of one subscript or of rows of a known length (None: its
    section does not translate into a caller's names)."""
    p, clauses = info.name, region.flow.clauses
    span = _renamed(info.spans, names)
    span = _scoped(span, scope.fn, scope, region) if span is not None else None
    span = _reached(span, params, scope, region) if span is not None else None
    rows = shape.dims if shape.kind == "rows" and shape.dims and \
        len(shape.dims) == shape.levels - 1 else ()
    if not (one_dim(shape) or rows) or info.alloc is not None or span is None or \
            not _section_names_ok(span, params, scope, names):
        return None
    # copyout/create: an offloaded loop writes the whole section before anything reads
    # it; when the region always runs, so does every call
    covers = always and clauses.get(p) in ("copyout", "create") and \
        p not in region.flow.loop_covered
    fp = param_footprint(mine, region, always, params, scope.assigned_at)
    cols: tuple[poly.Poly, ...] = ()
    if rows:  # the footprints are of one subscript
        fp = None
        cols = _columns(info, region, params, scope, names) \
            if always and not covers else ()
    return ParamUse(span.lo, span.hi, not covers, info.dev_writes, covers,
                    fp if info.dev_writes else None,
                    None if info.dev_writes else fp, rows,
                    type_words(shape) if rows or one_dim(shape) else "", cols)


def _levels(info: ArrayInfo, fn: Node, scope: Scope, region: Region,
            params: list[str | None], names: dict[str, str]) -> ParamUse | None:
    """The section of a parameter declared as a pointer to pointers (``T **w``), one span per
    level, in names a caller can translate (None: the parameter is not such a pointer, or a
    span does not translate).  The use reads the section (``copyin`` at the caller) and
    writes it when the callee's loops do, never "covers": which elements of which row a call
    writes whole is not followed across the levels.  ``w[i][j]`` is ``*(*(w + i) + j)`` (C11 6.5.2.1): the callee reaches the pointers ``w[lo0..hi0]`` its
    caller passes and, through each, the elements ``lo1..hi1`` of the row it points to — the
    caller's rows, since the callee never assigns the parameter (its summary requires it) and
    its plan stores no pointer into the array (a use with fewer subscripts than levels keeps a
    loop on the host, :func:`.arrays._device_uses`)."""
    shape = info.shape
    if shape.kind != "pointer" or shape.levels < 2 or info.alloc is not None or \
            info.spans is None or len(info.spans) != shape.levels or info.whole_object:
        return None
    out = []
    for sp in info.spans:
        got = _renamed([sp], names)
        got = _scoped(got, fn, scope, region) if got is not None else None
        if got is None or not _section_names_ok(got, params, scope, names):
            return None
        out.append(got)
    return ParamUse(out[0].lo, out[0].hi, True, info.dev_writes, elem=type_words(shape),
                    inner=tuple((s.lo, s.hi) for s in out[1:]))


def _reached(span: Span, params: list[str | None], scope: Scope, region: Region) -> Span:
    """``span`` with the function's locals spelled as the value of the one assignment that
    reaches the region's start (:mod:`.reaching`: ``end = last - first + 1;``), where each of
    them has one: the section the region's clause evaluates there, in names a caller can
    translate; else ``span`` unchanged."""
    local = {n for n in poly.names(span.lo) | poly.names(span.hi)
             if n not in params and any(d.local for d in scope.decls.get(n) or [])}
    if not local or not region.stmts:
        return span
    return with_reaching_values(span, local, region.stmts[0], scope) or span


def _scoped(span: Span, fn: Node, scope: Scope, region: Region) -> Span | None:
    """``span`` with each object-like macro whose expansion names a variable of the function
    (``N_ROWS`` with ``#define N_ROWS ni``, ``ni`` a parameter) replaced by its expansion: the
    preprocessor replaces the name where it is used (C11 6.10.3), so in the callee it means
    the callee's ``ni``, and written into a caller it would mean the caller's own ``ni``.
    None: such an expansion is not a polynomial."""
    from accellium.dataset.analysis.macros import expanded_text, visible_at
    from accellium.dataset.analysis.tree import root_of

    table = visible_at(root_of(fn), region.stmts[0].start_byte if region.stmts else
                       fn.start_byte)
    values: dict[str, poly.Poly] = {}
    for n in poly.names(span.lo) | poly.names(span.hi):
        m = table.get(n)
        if m is None or m.params is not None or scope.decls.get(n):
            continue
        node = expanded_text(n, table)
        got = poly.poly_of(node) if node is not None else None
        if got is None:
            if node is not None and any(x.type == "identifier" and scope.decls.get(text(x))
                                        for x in iter_nodes(node)):
                return None
            continue
        if any(scope.decls.get(x) for x in poly.names(got)):
            values[n] = got
    return span.substituted(values)


def _columns(info: ArrayInfo, region: Region, params: list[str | None], scope: Scope,
             names: dict[str, str]) -> tuple[poly.Poly, ...]:
    """The column bounds of a whole write of rows (:func:`.cover.whole_columns`) when they
    are in names a caller can translate (parameters never assigned, macros); else ()."""
    from accellium.dataset.offload.cover import whole_columns

    got = whole_columns(info, {u.node.id: u for u in region.devices}, region.lay, scope.fn)
    if got is not None:
        spans = [_scoped(Span(poly.const(0), c), scope.fn, scope, region) for c in got]
        got = tuple(s.hi for s in spans if s is not None) if all(spans) else None
    if got is None or not all(_section_names_ok(Span(poly.const(0), c), params, scope, names)
                              for c in got):
        return ()
    return got


def type_words(shape: Shape) -> str:
    """The type specifier of the declaration of ``shape`` (``double``, ``const float``), its
    white space dropped ('' when unknown)."""
    from accellium.dataset.offload.shapes import declaration_of

    decl = declaration_of(shape)
    t = _field(decl, "type") if decl is not None else None
    if t is None or decl is None:
        return ""
    quals = [text(c) for c in decl.named_children if c.type == "type_qualifier"]
    return "".join([*quals, text(t)]).replace(" ", "")


def _renamed(spans: list[Span] | None, names: dict[str, str]) -> Span | None:
    """The one span, with the aliases of bound globals replaced by the globals."""
    from accellium.dataset.offload.bind import rename

    if not spans or len(spans) != 1:
        return None
    lo, hi = rename(spans[0].lo, names), rename(spans[0].hi, names)
    return Span(lo, hi) if lo is not None and hi is not None else None


def caller_spans(a: MappedArg, ex: Extents) -> list[Span] | None:
    """The elements ``a`` reaches in the caller, one span per level it bounds (the pointer
    array's, then its rows' for a pointer to pointers: :attr:`MappedArg.inner`), relative to
    the region (None: a bound does not translate, or uses a name the region changes)."""
    out = []
    for lo, hi in [a.span, *a.inner] if a.span is not None else []:
        got = _caller_level(a, lo, hi, ex)
        if got is None:
            return None
        out.append(got)
    return out or None


def caller_span(a: MappedArg, ex: Extents) -> Span | None:
    """The elements ``a`` reaches in the caller, relative to the region (None: its bounds do
    not translate, or uses a name the region changes)."""
    if a.span is None:
        return None
    return _caller_level(a, a.span[0], a.span[1], ex)


def _caller_level(a: MappedArg, lo: poly.Poly, hi: poly.Poly, ex: Extents) -> Span | None:
    """One level of :func:`caller_spans`: ``lo..hi`` in the callee's names."""
    marks = {name: f"@{k}" for k, name in enumerate(a.actuals)}
    for name, mark in marks.items():  # two steps: f(m, n) for f(n, m)
        got_lo, got_hi = poly.subst(lo, name, poly.var(mark)), poly.subst(hi, name, poly.var(mark))
        if got_lo is None or got_hi is None:
            return None
        lo, hi = got_lo, got_hi
    for name, mark in marks.items():
        b = bounds_of(a.actuals[name], ex.env_at(a.actuals[name]))
        value = b.exact if b is not None else None
        if value is None:
            return None
        got_lo, got_hi = poly.subst(lo, mark, value), poly.subst(hi, mark, value)
        if got_lo is None or got_hi is None:
            return None
        lo, hi = got_lo, got_hi
    span = ex.span_of(lo, hi, a.node)
    if span is None or ex.free(span):
        return None
    return span


def covering_arg(d: CallDevice, uses: list[ArrayUse], info: ArrayInfo, ex: Extents,
                 declared: list[Span] | None = None) -> ArrayUse | None:
    """The use of ``info`` by the call whose callee writes every element of the section the
    region maps, whenever it is called (None: none does).  ``declared``: every element the
    array declares, when it is a true array (:func:`.cover.declared_spans`)."""
    for u in uses:  # a true array mapped whole, the call's one argument for it
        a = next((a for a in d.args if a.node.id == u.node.id and a.name == u.name and
                  a.covers), None)
        if a is not None and a.span is None and \
                info.shape.kind == "array" and info.section == info.name and \
                sum(b.name == info.name for b in d.args) == 1 and (  # no other call reads it
                    # a true array of the callee's file, whole (:attr:`Summary.file_covers`)
                    a.reach is None and not a.actuals or
                    # a parameter: the section it writes is, at this call, every element
                    # (``shift(100, x, y)`` of a callee writing ``y[0:n]``, ``y[100]``)
                    _reaches_all(a, declared, ex)):
            return u
    if info.spans is None or len(info.spans) != 1:
        return None
    for u in uses:
        a = next((a for a in d.args if a.node.id == u.node.id and a.name == u.name and
                  a.covers), None)
        if a is not None and a.object:  # ``A[0:1]``, all of it written (:mod:`.callsites`)
            whole = info.spans is not None and info.spans[0].same(
                Span(poly.const(0), poly.const(0)))
            return u if whole else None
        span = caller_span(a, ex) if a is not None else None
        if span is not None and span.same(info.spans[0]):
            return u
    return None


def _reaches_all(a: MappedArg, declared: list[Span] | None, ex: Extents) -> bool:
    """Is the section the callee writes through the true array ``a`` passes whole
    (:attr:`MappedArg.reach`), with the call's arguments, every element of one dimension the
    array declares?"""
    if a.reach is None or declared is None or len(declared) != 1:
        return False
    span = caller_span(replace(a, span=a.reach), ex)
    return span is not None and span.same(declared[0])


def host_conflict(d: CallDevice, arrays: dict[str, ArrayInfo], scope: Scope) -> str | None:
    """Why the call cannot stay in a region that maps ``arrays`` (its callees' host code
    touches a global the region holds on the device)."""
    hit = sorted(d.host_globals & set(arrays) - host_handled(d, scope))
    if not hit and ANY_GLOBAL in d.host_globals:
        hit = sorted(n for n in arrays if is_global(scope.shape(n)))
    if hit:
        return (f"`{', '.join(d.callees)}` reads or writes `{hit[0]}` on the host, which the "
                "region holds on the device")
    return None


def host_handled(d: CallDevice, scope: Scope) -> frozenset[str]:
    """The global arrays the host code of a hoisted call's callees reaches
    (``scope.global_calls``, :mod:`.global_uses`) that none of the call's device code does
    (no argument of the call maps them): for the region's data flow each is a use of the
    whole array at the call, read, and written when a callee may write it (:mod:`.flow`) —
    the host code of the call is then the only code in it that sees the array, as with a
    host statement between the region's loops."""
    if ANY_GLOBAL in d.host_globals:
        return frozenset()
    got = {g for n in iter_nodes(d.node) if is_call(n)
           for g, _ in scope.global_calls.get(n.id, ())}
    return frozenset(got - {a.name for a in d.args})
