"""Pointers the loop body declares or assigns, and what they point to.

In C, ``p[k]`` is ``*(p + k)`` (C11 6.5.2.1): through ``double *row = A + i*m`` (or
``&A[i*m]``, ``(double *)A + e``, ``&(A[e])``) the access ``row[j]`` is the access
``A[i*m + j]`` of the array ``A``, and ``*row``, ``*(row + j)`` and ``row->x`` are accesses of
the element ``A[i*m]``, ``A[i*m + j]``.  Such a pointer is an *alias* of ``A``: the dependence
test, the data modes and the sections read its accesses as accesses of ``A``
(:func:`resolve_aliases` rewrites them; their subscripts are resolved like every other, with
the locals' substitutions).  ``&A[e][f]`` points into the row ``A[e]`` (``p[k]`` is
``A[e][f + k]``); a pointer element ``T *r = A[e]`` of a table points to the row
(``r[k]`` is ``A[e][k]``).

A pointer whose target the body does not show — a call's result, a value chosen by a
condition, one assigned more than once, moved (``p++``, ``p += k``), assigned in a branch or
after a use, a pointer to a pointer — may point anywhere: a write through it may reach what
another iteration touches, so the loop is not proved parallel; the arrays its values name may
be written through it.  A pointer to storage the iteration declares (``double buf[8]; double
*p = buf;``) reaches only that storage: it is private like the storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tree_sitter import Node

from accellium.dataset.analysis.facts import Dependence, DepKind
from accellium.dataset.analysis.tree import (
    IDENT,
    base_name,
    iter_nodes,
    named,
    norm,
    op,
    subscripts,
    text,
    unparen,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.walk_records import Access, BodyWalk, Use

if TYPE_CHECKING:
    from accellium.dataset.offload.uses import Assignments

__all__ = ["Target", "target", "Aliases", "resolve_aliases", "outer_aliases", "through",
           "Pointing", "pointings", "visible_declaration", "function_assignments",
           "single_views", "close_over_copies"]

_ROUNDS = 4  # p = A + k; q = p + 1; r = q + m; ...
_BRANCHES = frozenset({"if_statement", "conditional_expression", "switch_statement",
                       "case_statement", "while_statement", "do_statement", "for_statement",
                       "else_clause"})


@dataclass(frozen=True)
class Target:
    """What a pointer points to: the array ``base``, the subscripts of the dimensions before
    the one it moves in (``prefix``), and the signed terms of its offset in that dimension
    (``shift``): ``p[k]`` is ``base[*prefix][sum(shift) + k]``."""

    base: str
    prefix: tuple[Node, ...] = ()
    shift: tuple[tuple[int, Node], ...] = ()


def target(node: Node | None, integers: frozenset[str] = frozenset()) -> Target | None:
    """The array an address expression points into (C11 6.5.6: a pointer plus an integer
    points that many elements further; 6.5.3.2: ``&A[e]`` is ``A + e``), None when it is
    not one (a call, a conditional, data).  ``integers``: names known not to be pointers (in
    ``i + A`` the pointer is ``A``); otherwise the left operand of a sum is the pointer."""
    n = unparen(node)
    if n is None:
        return None
    t = n.type
    if t in ("identifier", "field_expression"):
        name = base_name(n)
        return Target(name) if name and name not in integers else None
    if t == "subscript_expression":  # a pointer element of a table: the row it points to
        base, idx = subscripts(n)
        name = base_name(base)
        return Target(name, tuple(idx)) if name and idx else None
    if t == "pointer_expression" and op(n) == "&":
        sub = unparen(_field(n, "argument"))
        if sub is not None and sub.type in ("identifier", "field_expression"):
            name = base_name(sub)  # the address of a variable: p[0] is that variable
            return Target(name) if name else None
        if sub is None or sub.type != "subscript_expression":
            return None
        base, idx = subscripts(sub)
        name = base_name(base)
        if not name or not idx:
            return None
        return Target(name, tuple(idx[:-1]), ((1, idx[-1]),))
    if t == "binary_expression" and op(n) in ("+", "-"):
        left, right = _field(n, "left"), _field(n, "right")
        if left is None or right is None:
            return None
        sign = 1 if op(n) == "+" else -1
        got = target(left, integers)
        if got is not None:
            return Target(got.base, got.prefix, (*got.shift, (sign, right)))
        got = target(right, integers) if sign == 1 else None
        if got is not None:
            return Target(got.base, got.prefix, (*got.shift, (1, left)))
    return None


def _address_of(value: Node) -> int | None:
    """The node id of the element whose address ``value`` takes (``&A[e]``, ``&A[e] + k``)."""
    n = unparen(value)
    while n is not None and n.type == "binary_expression":
        n = unparen(_field(n, "left"))
    if n is not None and n.type == "pointer_expression" and op(n) == "&":
        sub = unparen(_field(n, "argument"))
        return sub.id if sub is not None else None
    return None


def _first_line(name: str, w: BodyWalk, by_name: dict[str, list[Access]]) -> int:
    accs = by_name.get(name)
    return accs[0].line if accs else w.decl_lines.get(name, 0)


def _compose(outer: Target, inner: Target) -> Target | None:
    """``outer`` (a target whose base is a pointer) through ``inner`` (that pointer's
    target); None when the offsets fall in different dimensions (not followed)."""
    if not outer.prefix:
        return Target(inner.base, inner.prefix, (*inner.shift, *outer.shift))
    if not inner.shift:
        return Target(inner.base, (*inner.prefix, *outer.prefix), outer.shift)
    return None


@dataclass
class Aliases:
    """The pointers of the body: those resolved (name -> target), those that point to the
    iteration's own storage, and those whose target is unknown (name -> why, line)."""

    resolved: dict[str, Target] = field(default_factory=dict)
    local: set[str] = field(default_factory=set)
    unknown: dict[str, tuple[str, int]] = field(default_factory=dict)
    # the arrays an unknown pointer's values name: name -> written through it
    reached: dict[str, bool] = field(default_factory=dict)
    # the unknown pointers whose values name no array: name -> written through it (the
    # memory they reach has no name a data clause could map)
    unnamed: dict[str, bool] = field(default_factory=dict)
    dependences: list[Dependence] = field(default_factory=list)


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _branch_between(node: Node, stop: Node | None, w: BodyWalk) -> bool:
    """Is ``node`` under a branch or an inner loop below ``stop`` (the block that declares
    the pointer; None: the loop)?"""
    p = w.parent(node)
    while p is not None and (stop is None or p.id != stop.id) and w.parent(p) is not None:
        if p.type in _BRANCHES:  # (the loop itself has no parent in the walk)
            return True
        p = w.parent(p)
    return False


def _why_unknown(name: str, w: BodyWalk, accs: list[Access], integers: frozenset[str]
                 ) -> tuple[str, int] | None:
    """Why the one value of ``name`` cannot be followed (None: it can)."""
    evs = w.events.get(name, [])
    moved = [e for e in evs if e.kind is Use.RMW]
    if moved:
        return "is moved (`++`, `+=`)", _line(moved[0].stmt)
    writes = [e for e in evs if e.kind is Use.WRITE]
    first = accs[0].line if accs else w.decl_lines.get(name, 0)
    if w.pointer_levels.get(name, 1) > 1:
        return "is a pointer to a pointer", w.decl_lines.get(name, first)
    if w.assign_count.get(name, 0) != 1 or len(writes) != 1 or name not in w.assign_value:
        line = _line(writes[1].stmt) if len(writes) > 1 else first
        return "is assigned more than once (or not at all)", line
    value = w.assign_value[name]
    at = _line(value)
    if target(value, integers) is None:
        return f"is given `{' '.join(text(value).split())[:40]}`", at
    if name not in w.decl_values:  # a plain assignment: in every iteration, before every use
        if _branch_between(writes[0].stmt, w.decl_blocks.get(name), w):
            return "is assigned in a branch", at
        if any(a.order < writes[0].order for a in accs):
            return "is used before it is assigned", at
    return None


def resolve_aliases(w: BodyWalk, index_all: set[str]) -> Aliases:
    """Find the pointers of the body (declared with one ``*``, or assigned, there) that its
    accesses go through, and rewrite each access through a resolved one as an access of the
    array it points into (its name, subscripts and offset, :attr:`Access.shift`)."""
    out = Aliases()
    by_name: dict[str, list[Access]] = {}
    for acc in w.accesses:
        by_name.setdefault(acc.name, []).append(acc)
    # the body's pointers (a chain may go through one the loop never dereferences) and the
    # names it assigns and dereferences
    candidates = [n for n in {**by_name, **w.pointer_levels}
                  if IDENT.fullmatch(n) and n not in index_all
                  and (n in w.pointer_levels or (n not in w.decls and n in w.assigned))]
    # names that are integers, not pointers: indices, names of subscripts, the body's scalars
    integers = frozenset(index_all | ({n for a in w.accesses for n in a.ids} - w.array_names)
                         | (w.decls - set(w.pointer_levels) - w.array_decls))
    targets: dict[str, Target] = {}
    for name in candidates:
        why = _why_unknown(name, w, by_name.get(name, []), integers)
        if why is not None:
            out.unknown[name] = why
        else:
            targets[name] = target(w.assign_value[name], integers)  # type: ignore[assignment]
    for _ in range(_ROUNDS):  # follow chains: q = p + 1 with p an alias
        changed = False
        for name, t in list(targets.items()):
            if t.base in targets and t.base != name:
                got = _compose(t, targets[t.base])
                if got is None:
                    out.unknown[name] = ("points through another pointer into another "
                                         "dimension", _first_line(name, w, by_name))
                    del targets[name]
                else:
                    targets[name] = got
                changed = True
        if not changed:
            break
    for name, t in targets.items():
        root = IDENT.match(t.base)
        if t.base in out.unknown or t.base in targets or root is None \
                or root.group(0) in index_all:
            out.unknown[name] = (f"points through `{t.base}`", _first_line(name, w, by_name))
        elif t.base in w.array_decls or t.base in out.local or (
                t.base in w.decls and t.base not in w.pointer_levels):
            out.local.add(name)  # the iteration's own storage
        else:
            out.resolved[name] = t
    # `&A[e]` takes an address: no element is read (C11 6.5.3.2), what goes through the
    # pointer is what the loop reads and writes
    addresses = {_address_of(w.assign_value[n]) for n in out.resolved}
    w.accesses[:] = [a for a in w.accesses if a.node.id not in addresses]
    for name, t in out.resolved.items():
        for acc in by_name.get(name, []):
            acc.name = t.base
            acc.shift_dim = len(t.prefix)
            acc.index_nodes = [*t.prefix, *acc.index_nodes]
            acc.shift = (*t.shift, *acc.shift)
            acc.reset_ids()
    _unknown_findings(out, w, by_name, integers)
    # a pointer assigned in the loop but declared outside it is a scalar the loop writes
    w.array_names -= {n for n in (*out.resolved, *out.unknown) if n not in w.decls}
    w.array_names |= {t.base for t in out.resolved.values()}
    return out


def through(acc: Access, name: str, t: Target) -> Access:
    """A copy of the access ``acc`` of a pointer, as the access of ``name`` it is when the
    pointer's target is ``t`` (subscripts unresolved)."""
    return replace(acc, name=name, index_nodes=[*t.prefix, *acc.index_nodes],
                   shift=(*t.shift, *acc.shift), shift_dim=len(t.prefix), subs=[], alts=[],
                   _ids=None)


def _pointed(w: BodyWalk, name: str, out: Aliases, integers: frozenset[str]) -> set[str]:
    """The arrays the values ``name`` is given with ``=`` may point into (each branch of a
    conditional value)."""
    found: set[str] = set()
    stack: list[Node | None] = []
    for v in w.values.get(name, []):
        p = w.parent(v)
        if p is not None and (p.type == "init_declarator" or op(p) == "="):
            stack.append(v)
    while stack:
        top = unparen(stack.pop())
        if top is None:
            continue
        v = top
        if v.type == "conditional_expression":
            stack += [_field(v, "consequence"), _field(v, "alternative")]
            continue
        t = target(v, integers)
        if t is not None and t.base in out.resolved:
            t = out.resolved[t.base]
        root = IDENT.match(t.base) if t is not None else None
        if t is not None and root is not None and root.group(0) not in w.decls | {name}:
            found.add(t.base)
    return found


def _unknown_findings(out: Aliases, w: BodyWalk, by_name: dict[str, list[Access]],
                      integers: frozenset[str]) -> None:
    for name, (why, line) in out.unknown.items():
        if name not in by_name:
            continue  # never dereferenced in the loop
        written = any(a.write for a in by_name[name])
        bases = _pointed(w, name, out, integers)
        for base in bases:
            out.reached[base] = out.reached.get(base, False) or written
        if not bases:
            out.unnamed[name] = written
        if written:
            out.dependences.append(Dependence(
                name, line, f"`{name}` (line {line}) {why}: what is written through it is not "
                            "known, and may be what another iteration reads or writes",
                DepKind.ARRAY))


def function_assignments(fn: Node, memo: dict[str, object]) -> Assignments:
    """The function's :func:`~accellium.dataset.offload.uses.assignments` (once per function:
    ``memo``, the file's)."""
    from accellium.dataset.offload.uses import Assignments, assignments

    key = f"alias-assignments:{fn.start_byte}"
    got = memo.get(key)
    if not isinstance(got, Assignments):
        got = memo[key] = assignments(fn)
    return got


def outer_aliases(fn: Node, loop: Node, used: set[str], integers: frozenset[str],
                  memo: dict[str, object]) -> dict[str, Target]:
    """The pointers of ``used`` (names the loop dereferences) that the function ``fn``
    declares and gives, before ``loop``, a value pointing into an array (``double *next = A
    + m;``, or ``double *next; ... next = A + m;``) and never assigns again (nor takes their
    address), of names that hold one value in the function (:func:`_fixed`): in the loop
    each points where its value does, so ``next[j]`` is ``A[m + j]`` there too.  ``memo``: the file's, for the
    function's assignments (once per function)."""
    got = function_assignments(fn, memo)
    out: dict[str, Target] = {}
    for name in used:
        t = _outer_target(name, loop, integers, got)
        if t is not None:
            out[name] = t
    return out


def _outer_target(name: str, loop: Node, integers: frozenset[str], got: Assignments,
                  depth: int = 0) -> Target | None:
    """Where the pointer ``name`` points at ``loop`` (:func:`outer_aliases`), through the
    pointers it copies: ``double *q = p;`` with ``double *p = a + 1;`` points where ``p``
    does (C11 6.5.16.1: the value is copied), ``q = p + 1`` one further — ``a + 2``."""
    decl = got.declared.get(name)
    value = got.values.get(name)
    if decl is None or value is None or got.count.get(name) != 1 or depth > 3 \
            or decl.end_byte > loop.start_byte or value.end_byte > loop.start_byte:
        return None
    inner = _field(decl, "declarator") if decl.type == "init_declarator" else decl
    if inner is None or inner.type != "pointer_declarator" or \
            (inner.child_by_field_name("declarator") or inner).type != "identifier":
        return None  # one `*`: a pointer to the elements
    if not all(_fixed(n, value, got) for n in IDENT.findall(text(value))):
        return None  # the offset's names may hold other values at the loop
    t = target(value, integers)
    if t is None or t.base == name:
        return None
    if not t.prefix and t.base in got.declared:
        through = _outer_target(t.base, loop, integers, got, depth + 1)
        if through is not None:
            return Target(through.base, through.prefix, (*through.shift, *t.shift))
    return t


def _fixed(name: str, value: Node, got: Assignments) -> bool:
    """Does ``name`` hold one value wherever ``value`` and the loop after it read it: never
    assigned in the function (a parameter, a global), or a local given its one value by its
    declaration before ``value``?"""
    count = got.count.get(name, 0)
    if count == 0:
        return True
    decl = got.declared.get(name)
    return count == 1 and decl is not None and decl.type == "init_declarator" \
        and decl.end_byte <= value.start_byte


@dataclass(frozen=True)
class Pointing:
    """A store of the function that may point ``name`` into the variable ``base``: ``value``
    is the stored expression (``name`` is a pointer when the caller's types say so: ``x =
    a[0]`` copies an element of a pointer table or of plain numbers alike); ``var``: which
    variable of that name it stores to (:func:`visible_declaration`).  Kept in the file's
    memo, whose users may hold another parse of the same text: compare positions, never
    nodes."""

    name: str
    base: str
    value: Node
    var: int
    plain: bool = False  # the pointer holds ``base`` itself (a plain name, or a choice's arm)

    @property
    def line(self) -> int:
        return self.value.start_point[0] + 1


def _container(value: Node | None) -> str | None:
    """``x`` for ``x.data()`` / ``x->data()``: a pointer to the first element of the
    container's storage (C++ [vector.data], [array.data], [string.accessors]), so every
    pointer taken from it points into ``x``."""
    v = unparen(value)
    if v is None or v.type != "call_expression" or named(_field(v, "arguments")):
        return None
    f = _field(v, "function")
    if f is None or f.type != "field_expression" or text(_field(f, "field")) != "data":
        return None
    return base_name(_field(f, "argument")) or None


def _bases(value: Node | None) -> list[tuple[str, bool]]:
    """The variables a pointer value points into: ``a + k``, ``&a[k]``, ``a``, ``c ? a : b``
    (both), ``x.data()`` and ``x.data() + k`` (into the container ``x``), through casts; none
    for another call's result or a pointer read from memory.  Each with whether the value is
    the variable itself (a plain name, or a container's first element: no offset)."""
    v = unparen(value)
    if v is None:
        return []
    if v.type == "conditional_expression":
        return [*_bases(_field(v, "consequence")), *_bases(_field(v, "alternative"))]
    if v.type == "cast_expression":
        return _bases(_field(v, "value"))
    whole = _container(v)
    if whole:
        return [(whole, True)]
    if v.type == "binary_expression" and op(v) in ("+", "-"):
        moved = [_container(_field(v, "left"))]
        if op(v) == "+":
            moved.append(_container(_field(v, "right")))
        return [(x, False) for x in moved if x][:1] or _target_base(v)
    return _target_base(v)


def _target_base(v: Node) -> list[tuple[str, bool]]:
    t = target(v)
    return [(t.base, not t.prefix and not t.shift)] if t is not None else []


def _stores(fn: Node) -> list[tuple[str, Node, Node]]:
    """Every ``=`` store to a named variable or member in ``fn``: (name, value, the store:
    the assignment, or the declaration of an initialiser)."""
    from accellium.dataset.offload.uses import declarator_name

    out: list[tuple[str, Node, Node]] = []
    for n in iter_nodes(fn):
        if n.type == "assignment_expression" and op(n) == "=":
            left, right = unparen(_field(n, "left")), _field(n, "right")
            if left is not None and right is not None and \
                    left.type in ("identifier", "field_expression"):
                out.append((norm(text(left)), right, n))
        elif n.type == "init_declarator":
            declared, value = declarator_name(_field(n, "declarator")), _field(n, "value")
            if declared and value is not None and value.type != "initializer_list" and \
                    n.parent is not None:
                out.append((declared, value, n.parent))
    return out


def _variable(name: str, store: Node, fn: Node) -> int:
    """The variable a store of :func:`_stores` stores to (:func:`visible_declaration`; the
    declaration itself for an initialiser)."""
    if store.type == "declaration":
        return store.start_byte
    return visible_declaration(name.split("->")[0].split(".")[0], store, fn)


def visible_declaration(name: str, at: Node, fn: Node) -> int:
    """Which variable ``name`` designates at ``at`` inside ``fn`` (C11 6.2.1p4: a block's
    declaration is visible from its declarator to the block's end, and hides the outer
    ones): where the nearest declaration of ``name`` in a block around ``at`` that comes
    before it starts (a ``for``'s own declaration counts in the whole statement); -1 for a
    parameter of ``fn`` or a name of file scope (one variable through the function).  A
    position, not a node: two parses of one text give the same answer."""
    from accellium.dataset.analysis.walker import decl_name, declarators

    def declares(decl: Node) -> bool:
        return decl.type == "declaration" and any(
            decl_name(d, following) == name for d, following in declarators(decl))

    n = at
    while n.id != fn.id:
        p = n.parent
        if p is None:
            break
        if p.type == "compound_statement":
            found = [k for k in p.named_children
                     if k.end_byte <= n.start_byte and declares(k)]
            if found:
                return found[-1].start_byte
        elif p.type == "for_statement":
            init = _field(p, "initializer")
            if init is not None and declares(init) and init.id != n.id:
                return init.start_byte
        n = p
    return -1


def pointings(fn: Node, memo: dict[str, object]) -> list[Pointing]:
    """The stores of ``fn`` that may leave a pointer pointing into another variable, so that
    one memory has two names from there on (C11 6.5.6p8: ``a + k`` points into ``a``'s array;
    6.5.3.2p3: ``&a[k]`` is ``a + k``): an offset or a choice (``c ? a : b``: either) always;
    a plain copy (``p = q``) when nothing in the function stores to ``q``, or both are locals
    given their one value where they are declared — otherwise the copy may be one step of an
    exchange (``t = a; a = b; b = t;``), after which the pointers hold different memory.  ``memo``: the file's (once per function)."""
    key = f"pointings:{fn.start_byte}"
    got = memo.get(key)
    if isinstance(got, list):
        return got
    stores = _stores(fn)
    got = function_assignments(fn, memo)
    stored = {name for name, _, _ in stores} | set(got.count)

    def initialised_once(name: str) -> bool:
        # `double *p = a + 1;` and nothing else stores to `p`: one value, from its declaration
        decl = got.declared.get(name)
        return got.count.get(name, 0) == 1 and decl is not None and \
            decl.type == "init_declarator"

    out: list[Pointing] = []
    for name, value, store in stores:
        v = unparen(value)
        copy = v is not None and v.type in ("identifier", "field_expression")
        # `double *p = a + 1; double *q = p;`: two locals each given one value where they are
        # declared — no exchange can follow
        bases = [(b, plain) for b, plain in _bases(value)
                 if b != name and not (copy and b in stored and
                                       not (initialised_once(name) and initialised_once(b)))]
        if bases:
            var = _variable(name, store, fn)
            out += [Pointing(name, b, value, var, plain) for b, plain in bases]
    memo[key] = out
    return out


def single_views(found: list[Pointing], count: dict[str, int]) -> dict[str, str]:
    """The pointers of ``found`` that their function stores to once (``count``: its
    assignments' counts), pointing into one variable (no choice): name -> that variable.
    Two of them into one variable are one memory for certain; a pointer chosen among several
    arrays (``c ? a : b``, a store in each branch) is taken, beside another such pointer, for
    a memory of its own, as two parameters are (``in = odd ? a : b; out = odd ? b : a;``
    never holds one array twice) — beside the array itself it is tested as that array."""
    by: dict[str, list[Pointing]] = {}
    for p in found:
        by.setdefault(p.name, []).append(p)
    return {n: ps[0].base for n, ps in by.items() if len(ps) == 1 and count.get(n, 0) == 1}


def close_over_copies(held: dict[str, set[str]]) -> None:
    """Add to each name's set the sets of the names in it, until nothing changes: a pointer
    that copies another (``double *q = p;``) reaches what that one reaches (C11 6.5.16.1: the
    value is copied), so with ``p -> {a}``, ``q -> {p}`` becomes ``q -> {p, a}``."""
    changed = True
    while changed:
        changed = False
        for names in held.values():
            more = set().union(*(held.get(h, set()) for h in names)) - names
            if more:
                names |= more
                changed = True
