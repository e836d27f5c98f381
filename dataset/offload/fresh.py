"""Functions of the program that return fresh memory and functions that only free what they
are given (:func:`fresh_functions`): the allocator wrappers a caller may treat as ``malloc``
and ``free``.

The facts of C used here:

* ``malloc``, ``calloc`` and ``aligned_alloc`` return a pointer to a new object, disjoint from
  every other object still allocated (C11 7.22.3p1); ``posix_memalign(&p, ...)`` stores such a
  pointer in ``p`` (POSIX).  Nothing else holds that pointer when the call returns.
* A function whose body is visible in the program's files, every ``return`` of which gives
  such a call's value, a null pointer, or a local pointer of its own (not ``static``, not a
  parameter) that is only assigned such values (``posix_memalign``'s first argument ``&p``
  included) and otherwise only compared or tested, stores the pointer nowhere: no global, no
  out-parameter, no structure holds it when the function returns.  So the memory is reachable
  only through the value its caller receives — as for ``malloc`` itself (and transitively: a
  function returning another such function's value).
* A function whose body is the one statement ``return malloc(n * sizeof (T));`` (or
  ``calloc(n, sizeof (T))``, casts aside) returns an object of ``n`` elements, ``n`` read
  from its parameters; a call's arguments are assigned to those parameters (C11 6.5.2.2p4),
  so the object a call returns has the count with each parameter spelled as its argument.
* A function whose parameter is used only as the argument of ``free`` (or of another such
  function), and never assigned, reads nothing of the memory it is given and keeps no pointer
  to it: a call of it is, for its caller, a ``free``.

* C++: ``new T[n]`` is such an allocation of ``n`` elements and ``delete[] p`` such a free
  ([expr.new], [expr.delete]); a function template is read as a function (``alloc<double>(n)``
  runs its body, [temp.arg.explicit]), so ``template <typename T> T *alloc(int n) { return
  new T[n]; }`` is an allocator wrapper of ``n`` elements.

The function a call names is the definition of the caller's own file (any linkage) or the one
definition with external linkage in the program's other files (C11 6.9p5: a program has at
most one external definition of a name; 6.2.2p3: a ``static`` one is seen only in its file).
A wrapper whose body is not among the files given (a library) is none of these."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from accellium.dataset.analysis.casts import is_call
from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, named, op, template_function, text, unparen
from accellium.dataset.offload import poly
from accellium.dataset.offload.nodes import callee_name

__all__ = ["FreshNames", "fresh_functions", "fresh_per_file", "LIBRARY_ALLOC", "ZEROING"]

#: The library's allocators: each returns a pointer to a new object (C11 7.22.3).
LIBRARY_ALLOC = frozenset({"malloc", "calloc", "aligned_alloc"})
#: The library's allocators whose object's bytes are all zero (C11 7.22.3.2).
ZEROING = frozenset({"calloc"})
_ROUNDS = 8


@dataclass(frozen=True)
class FreshNames:
    """What the calls of one file reach: the functions returning fresh memory (with those
    whose memory may be zeroed, as ``calloc``'s) and the functions that only free one
    parameter (name -> its index).  The library's own are not listed."""

    alloc: frozenset[str] = frozenset()
    zeroed: frozenset[str] = frozenset()
    free: dict[str, int] = field(default_factory=dict)
    # the wrappers that return ``malloc(n * sizeof (T))`` alone: their parameters' names and
    # the count expression ``n``, a polynomial of them (:func:`_wrapper_count`)
    counts: dict[str, tuple[tuple[str, ...], Node]] = field(default_factory=dict)

    def count_of(self, call: Node) -> poly.Poly | None:
        """The element count of the object the wrapper call ``call`` returns: the wrapper's
        count with each parameter spelled as the call's argument (None: unknown)."""
        got = self.counts.get(callee_name(call) or "")
        if got is None:
            return None
        params, count = got
        args = named(_field(call, "arguments"))
        if len(args) != len(params):
            return None
        env: dict[str, poly.Poly] = {}
        for name, arg in zip(params, args, strict=True):
            value = poly.poly_of(arg)
            if value is None:
                return None
            env[name] = value
        return poly.poly_of(count, env)


def _definitions(root: Node) -> list[tuple[str, Node]]:
    """The file's function definitions, C++'s function templates among them (a call
    ``f<T>(x)`` runs the template's body with ``T`` given, [temp.arg.explicit])."""
    out = []
    for n in map(template_function, named(root)):
        if n.type == "function_definition":
            name = function_name(n)[0]
            if name:
                out.append((name, n))
    return out


def _is_static(fn: Node) -> bool:
    return any(c.type == "storage_class_specifier" and text(c) == "static" for c in fn.children)


class _Program:
    """Each file's view of the program's function definitions."""

    def __init__(self, roots: list[Node], headers: list[Node] | None = None):
        self.roots = roots
        self.own = [dict(_definitions(r)) for r in roots]
        for fn in headers or []:  # the first file's headers: definitions of its unit
            name = function_name(fn)[0]
            if name and name not in self.own[0]:
                self.own[0][name] = fn
        external: dict[str, Node] = {}
        twice: set[str] = set()
        for r in roots:
            for name, fn in _definitions(r):
                if _is_static(fn):
                    continue
                if name in external and external[name].id != fn.id:
                    twice.add(name)
                external[name] = fn
        self.external = {k: v for k, v in external.items() if k not in twice}

    def resolve(self, k: int, name: str) -> Node | None:
        """The definition a call of ``name`` in file ``k`` reaches (None: not in the files)."""
        return self.own[k].get(name) or self.external.get(name)

    def functions(self) -> list[tuple[int, Node]]:
        return [(k, fn) for k, own in enumerate(self.own) for fn in own.values()]


def _null(e: Node | None) -> bool:
    e = unparen(e)
    return e is not None and (e.type == "null" or text(e) in ("NULL", "0", "nullptr"))


def fresh_functions(root: Node, others: list[Node]) -> FreshNames:
    """The allocator and freeing wrappers a call in ``root`` reaches (the module's rules),
    ``others`` the program's other files (those given; a function none of them defines is
    unknown: neither).  The definitions of the headers ``root`` includes
    (:func:`.shapes.header_functions`) are ``root``'s own."""
    from accellium.dataset.offload.shapes import header_functions

    prog = _Program([root, *others], header_functions(root))
    return _names(prog, 0, *_tables(prog), _defined(prog))


def fresh_per_file(roots: list[Node]) -> tuple[list[FreshNames], frozenset[str]]:
    """:func:`fresh_functions` of each of ``roots`` with the others as the program's other
    files, the wrappers derived once (the definitions a call reaches do not depend on which
    file is read first: its own, or the one external definition); no file's headers are
    read (as :func:`fresh_functions` outside :func:`.shapes.header_declarations`).  Also the
    names every definition of which, in any file, returns fresh memory: a call of one gets
    fresh memory whichever definition it reaches."""
    prog = _Program(roots)
    fresh, frees = _tables(prog)
    defs: dict[str, list[Node]] = {}
    for own in prog.own:
        for name, fn in own.items():
            defs.setdefault(name, []).append(fn)
    every = frozenset(n for n, fns in defs.items() if all(f.id in fresh for f in fns))
    names = _defined(prog)
    return [_names(prog, k, fresh, frees, names) for k in range(len(roots))], every


def _tables(prog: _Program) -> tuple[dict[int, bool], dict[int, int]]:
    """The program's functions returning fresh memory (function id -> whether its bytes may
    be zero) and freeing one parameter (function id -> its index)."""
    fresh: dict[int, bool] = {}  # function id -> zeroed
    frees: dict[int, int] = {}  # function id -> the freed parameter
    fns = prog.functions()
    for _ in range(_ROUNDS):
        changed = False
        for k, fn in fns:
            if fn.id not in fresh:
                got = _returns_fresh(prog, k, fn, fresh)
                if got is not None:
                    fresh[fn.id] = got
                    changed = True
            if fn.id not in frees:
                p = _frees_param(prog, k, fn, frees)
                if p is not None:
                    frees[fn.id] = p
                    changed = True
        if not changed:
            break
    return fresh, frees


def _defined(prog: _Program) -> set[str]:
    """The names of the program's function definitions."""
    return {name for _, fn in prog.functions() for name in [function_name(fn)[0]] if name}


def _names(prog: _Program, k: int, fresh: dict[int, bool], frees: dict[int, int],
           names: set[str]) -> FreshNames:
    """What the calls of file ``k`` reach of the functions ``names``, by name
    (:func:`_tables`)."""
    alloc, zeroed, free = set(), set(), {}
    counts: dict[str, tuple[tuple[str, ...], Node]] = {}
    for name in names:
        d = prog.resolve(k, name)
        if d is None:
            continue
        if d.id in fresh:
            alloc.add(name)
            if fresh[d.id]:
                zeroed.add(name)
            count = _wrapper_count(d)
            if count is not None:
                counts[name] = count
        if d.id in frees:
            free[name] = frees[d.id]
    return FreshNames(frozenset(alloc), frozenset(zeroed), free, counts)


def _wrapper_count(fn: Node) -> tuple[tuple[str, ...], Node] | None:
    """The parameters of ``fn`` and the count expression of its ``malloc``/``calloc`` when its
    body is ``return malloc(n * sizeof (T));`` alone, ``T`` the type ``fn`` returns a pointer
    to, and the count a polynomial of the parameters (None: another body, unit or count).
    With one statement no parameter changes before the call reads it.  C++'s ``return new
    T[n];`` alone, ``T`` the type ``fn`` returns a pointer to, is the same ([expr.new])."""
    from accellium.dataset.offload.shapes import count_node, new_array

    body = _field(fn, "body")
    stmts = [c for c in named(body) if c.type != "comment"] if body is not None else []
    if len(stmts) != 1 or stmts[0].type != "return_statement":
        return None
    value = unparen(next((c for c in named(stmts[0]) if c.type != "comment"), None))
    new = new_array(value) if value is not None and value.type == "new_expression" else None
    if new is not None:  # C++'s `return new T[n];`: `n` elements of the type `T` it returns
        return _counted(fn, new[0], _field(value, "type"))
    if value is None or not is_call(value) or callee_name(value) not in ("malloc", "calloc"):
        return None
    count = count_node(value)
    sizes = [n for n in iter_nodes(value) if n.type == "sizeof_expression"]
    unit = _field(sizes[0], "type") if len(sizes) == 1 else None
    return _counted(fn, count, unit)


def _counted(fn: Node, count: Node | None, unit: Node | None
             ) -> tuple[tuple[str, ...], Node] | None:
    """The parameters of ``fn`` and ``count`` when ``count`` elements of ``unit`` are what
    ``fn`` returns a pointer to and ``count`` is a polynomial of its parameters."""
    from accellium.dataset.offload.calls import parameters

    returned = _field(fn, "type")
    if unit is None or returned is None or \
            " ".join(text(unit).split()) != " ".join(text(returned).split()):
        return None  # the count is in elements of the type the function returns a pointer to
    counted = poly.poly_of(count) if count is not None else None
    params = parameters(fn)
    if count is None or counted is None or params is None or None in params:
        return None
    names = tuple(p for p in params if p is not None)
    return (names, count) if poly.names(counted) <= set(names) else None


def _fresh_call(prog: _Program, k: int, e: Node | None, fresh: dict[int, bool]
                ) -> bool | None:
    """Is ``e`` (casts and parentheses aside) a call returning fresh memory: None if not,
    else whether its bytes may be zero."""
    from accellium.dataset.offload.shapes import new_array

    e = unparen(e)
    if e is not None and e.type == "new_expression":  # C++'s `new T[n]`, as `malloc`'s
        got = new_array(e)
        return got[1] if got is not None else None
    if e is None or not is_call(e):
        return None
    name = callee_name(e)
    if name is None:
        return None
    d = prog.resolve(k, name)
    if d is None:
        return (name in ZEROING) if name in LIBRARY_ALLOC else None
    return fresh.get(d.id)


def _returns_fresh(prog: _Program, k: int, fn: Node, fresh: dict[int, bool]) -> bool | None:
    """Does every ``return`` of ``fn`` give fresh memory or a null pointer, one at least
    fresh memory: None if not, else whether its bytes may be zero."""
    body = _field(fn, "body")
    if body is None:
        return None
    zeroed, any_fresh = False, False
    for r in iter_nodes(body):
        if r.type != "return_statement":
            continue
        kids = [c for c in named(r) if c.type != "comment"]
        if not kids:
            return None
        value = unparen(kids[0])
        if _null(value):
            continue
        got = _fresh_call(prog, k, value, fresh)
        if got is None and value is not None and value.type == "identifier":
            got = _fresh_local(prog, k, fn, text(value), fresh)
        if got is None:
            return None
        zeroed, any_fresh = zeroed or got, True
    return zeroed if any_fresh else None


def _declarations_of(fn: Node, name: str) -> list[Node]:
    """The declarators (and parameters) of ``fn`` that declare ``name``."""
    from accellium.dataset.offload.shapes import walk_declarator

    out = []
    for n in iter_nodes(fn):
        if n.type in ("parameter_declaration", "declaration"):
            for d in n.children_by_field_name("declarator"):
                got, _ = walk_declarator(d)
                if got == name:
                    out.append(d)
    return out


def _fresh_local(prog: _Program, k: int, fn: Node, name: str, fresh: dict[int, bool]
                 ) -> bool | None:
    """Is ``name`` a local pointer of ``fn`` (not ``static``) that only fresh memory or null
    is stored in, and that is otherwise only returned, compared or tested: None if not, else
    whether its bytes may be zero."""
    from accellium.dataset.offload.shapes import walk_declarator

    decls = _declarations_of(fn, name)
    if len(decls) != 1 or decls[0].parent is None or decls[0].parent.type != "declaration" \
            or _is_static(decls[0].parent):
        return None
    got_name, parts = walk_declarator(decls[0])
    if got_name != name or [p for p, _ in parts] != ["pointer"]:
        return None
    zeroed, stored = False, False
    for n in iter_nodes(_field(fn, "body") or fn):
        if n.type != "identifier" or text(n) != name:
            continue
        got = _local_use(prog, k, n, fresh)
        if got is None:
            return None
        if got != "read":
            zeroed, stored = zeroed or got == "zeroed", True
    return zeroed if stored else None


def _up(n: Node) -> Node:
    """The expression ``n`` is the value of, through parentheses and casts."""
    p = n
    while p.parent is not None and p.parent.type in ("parenthesized_expression",
                                                     "cast_expression"):
        p = p.parent
    return p


def _local_use(prog: _Program, k: int, n: Node, fresh: dict[int, bool]) -> str | None:
    """What one use of the local pointer does: ``read`` (returned, compared, tested),
    ``stored``/``zeroed`` (fresh memory stored in it, zeroed or not), or None (anything else:
    it may escape)."""
    d, p = n, n.parent
    while p is not None and p.type in ("pointer_declarator", "parenthesized_declarator"):
        d, p = p, p.parent
    if p is not None and p.type == "init_declarator" and _field(p, "declarator") == d:
        return _stored(prog, k, _field(p, "value"), fresh)
    if p is not None and p.type == "declaration":
        return "read"  # declared without a value
    p = n.parent
    if p is not None and p.type == "assignment_expression" and _field(p, "left") == n and \
            op(p) == "=":
        return _stored(prog, k, _field(p, "right"), fresh)
    top = _up(n)
    up = top.parent
    if up is not None and up.type == "pointer_expression" and op(up) == "&":
        return "stored" if _memalign_target(prog, k, up) else None
    return "read" if up is not None and _tested(top, up) else None


def _stored(prog: _Program, k: int, value: Node | None, fresh: dict[int, bool]) -> str | None:
    """What storing ``value`` in the local pointer is: null (``read``: nothing), fresh memory
    (``stored``/``zeroed``), or anything else (None)."""
    if _null(value):
        return "read"
    got = _fresh_call(prog, k, value, fresh)
    return None if got is None else ("zeroed" if got else "stored")


def _memalign_target(prog: _Program, k: int, amp: Node) -> bool:
    """Is ``&p`` the first argument of the library's ``posix_memalign``, which stores there
    the address of a new object (or leaves it alone on failure)?"""
    arg = _up(amp)
    args = arg.parent
    call = args.parent if args is not None and args.type == "argument_list" else None
    first = [a for a in named(args) if a.type != "comment"][:1] if args is not None else []
    return call is not None and callee_name(call) == "posix_memalign" and \
        prog.resolve(k, "posix_memalign") is None and bool(first) and first[0].id == arg.id


def _tested(top: Node, up: Node) -> bool:
    """Is the value ``top`` only returned, compared with null or tested as a condition?"""
    if up.type == "return_statement":
        return True
    if up.type == "unary_expression" and op(up) == "!":
        return True
    if up.type == "binary_expression" and op(up) in ("==", "!="):
        other = _field(up, "right") if _field(up, "left") == top else _field(up, "left")
        return _null(other)
    if up.type == "binary_expression" and op(up) in ("&&", "||"):
        return True
    return up.type in ("if_statement", "while_statement", "do_statement", "condition_clause")


def _frees_param(prog: _Program, k: int, fn: Node, frees: dict[int, int]) -> int | None:
    """The one parameter of ``fn`` used only as the argument of ``free`` (or of a function
    that only frees it) and never assigned (None: no such parameter)."""
    from accellium.dataset.offload.calls import parameters

    params = parameters(fn) or []
    body = _field(fn, "body")
    if body is None:
        return None
    wanted = {name for name in params if name is not None}
    named_: dict[str, list[Node]] = {}  # each parameter's uses, the body walked once
    for n in iter_nodes(body):
        if n.type == "identifier" and (t := text(n)) in wanted:
            named_.setdefault(t, []).append(n)
    for i, name in enumerate(params):
        if name is None:
            continue
        uses = named_.get(name, [])
        if uses and all(_freed(prog, k, n, frees) for n in uses) and \
                len(_declarations_of(fn, name)) == 1:
            return i
    return None


def _freed(prog: _Program, k: int, n: Node, frees: dict[int, int]) -> bool:
    """Is ``n`` (casts and parentheses aside) the argument a call frees, or the operand of
    C++'s ``delete[]`` ([expr.delete]: it ends the array a ``new T[n]`` made)?"""
    top = _up(n)
    if top.parent is not None and top.parent.type == "delete_expression":
        return any(c.type == "[" for c in top.parent.children)
    args = top.parent
    if args is None or args.type != "argument_list" or args.parent is None:
        return False
    call = args.parent
    name = callee_name(call)
    items = [a for a in named(args) if a.type != "comment"]
    if name is None or top.id not in [a.id for a in items]:
        return False
    at = [a.id for a in items].index(top.id)
    d = prog.resolve(k, name)
    if d is None:
        return name == "free" and at == 0 and len(items) == 1
    return frees.get(d.id) == at
