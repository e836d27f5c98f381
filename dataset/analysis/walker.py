"""One walk over a loop's body: what it reads and writes, declares, calls and how it exits.

:func:`walk_body` returns a :class:`BodyWalk`: the array accesses (with their index nodes, to be
resolved to affine forms later), the scalar uses in execution order (:class:`ScalarUse`),
declared names, called functions, early exits, the inner loops, and what each local is
assigned.  The walk runs on an explicit stack of tasks (never a recursion), in the order the
statements execute: the right side of an assignment before its left side.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from tree_sitter import Node

from accellium.dataset.analysis.casts import holds_no_address, is_call, typedef_cast, typedef_names
from accellium.dataset.analysis.facts import Exit, ExitKind
from accellium.dataset.analysis.library import Effect, is_macro_name, library_function
from accellium.dataset.analysis.macro_element import (
    macro_reads,
    object_touches_memory,
    touches_memory,
)
from accellium.dataset.analysis.macros import (
    MAX_DEPTH,
    Macro,
    called_name,
    expanded,
    expanded_call,
    file_macros,
    macro_calls,
    parsed_expression,
)
from accellium.dataset.analysis.reference_params import bound_to_writable_reference
from accellium.dataset.analysis.tree import (
    LOOP_TYPES,
    for_header,
    inner_declarator,
    iter_nodes,
    named,
    named_cast_operand,
    norm,
    op,
    root_of,
    shift_statement,
    subscripts,
    text,
    unparen,
)
from accellium.dataset.analysis.tree import base_name as _base_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.walk_records import (
    Access,
    AddressUse,
    BodyWalk,
    CallSite,
    InnerLoop,
    ReferenceUse,
    ScalarUse,
    Use,
    unknown_address_use,
)

__all__ = ["Use", "ScalarUse", "Access", "InnerLoop", "CallSite", "BodyWalk", "walk_body",
           "decl_name", "declarators", "AddressUse"]

# storage classes whose object outlives one execution of the block (C11 6.2.4p3-4): ``extern``
# names a global, ``static`` and thread storage one object for the program or thread
_SHARED_STORAGE = frozenset({"static", "extern", "thread_local", "_Thread_local", "__thread"})

_INDIRECT_CHARS = re.compile(r"[\[(.]|->")
_INDIRECT_NODES = ("subscript_expression", "call_expression", "field_expression")
_SKIPPED = frozenset({"sizeof_expression", "string_literal", "char_literal", "number_literal",
                      "type_descriptor", "primitive_type", "comment"})
_MACRO_ACCESS = re.compile(r"_?[A-Z][A-Z0-9_]*|_[A-Za-z]\w*")


def decl_name(d: Node, following: Node | None) -> str | None:
    """The variable a declarator declares (``following``: the node after it)."""
    # `MAYBE_UNUSED real g = 0.` / `float complex z`: a word tree-sitter does not know as a
    # type makes it read the type's last word as the name and the name as an ERROR right
    # after it; the declared variable is the ERROR's identifier.
    for err in (*(c for c in d.children if c.type == "ERROR"), following):
        if err is not None and err.type == "ERROR" and err.named_child_count == 1 \
                and err.named_children[0].type == "identifier":
            return text(err.named_children[0])
    cur: Node | None = d
    while cur is not None and cur.type != "identifier":
        cur = inner_declarator(cur)
    return text(cur) if cur is not None else None


def declarators(decl: Node) -> list[tuple[Node, Node | None]]:
    """The declarators of a declaration, each with the named node that follows it
    (``Node.next_named_sibling`` would look the parent up from the root)."""
    ids = {d.id for d in decl.children_by_field_name("declarator")}
    kids = decl.named_children
    return [(c, kids[k + 1] if k + 1 < len(kids) else None)
            for k, c in enumerate(kids) if c.id in ids]


def _line(node: Node) -> int:
    return node.start_point[0] + 1


Task = tuple[Callable[..., None], tuple]


def _dereferences(node: Node | None) -> list[Node]:
    """The outermost reads through a pointer (``*p``, ``p[k]``) in ``node``."""
    out: list[Node] = []
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if n.type == "subscript_expression" or (n.type == "pointer_expression"
                                                 and op(n) == "*"):
            out.append(n)
            continue
        stack.extend(reversed(n.named_children))
    return out


@lru_cache(maxsize=4)
def _zero(lang: str) -> Node:
    """The subscript ``0`` (a node of its own tree)."""
    got = unparen(parsed_expression("0", lang))
    assert got is not None
    return got


def _dereferenced_base(base: Node | None, lang: str) -> tuple[Node | None, list[Node]]:
    """The base of a subscript chain with its leading dereferences made subscripts:
    ``(*x)[i]`` is ``x[0][i]`` (C11 6.5.2.1p2, ``E1[E2]`` is ``*((E1)+(E2))``, so ``*x`` is
    ``x[0]``): x points to an array (``T (*x)[N]``) or to a pointer, and the element is
    in the first object x points to, never ``x[i]``.  Returns (base, the ``0`` subscripts
    to put before the chain's own)."""
    lead: list[Node] = []
    cur = unparen(base)
    while cur is not None and cur.type == "pointer_expression" and op(cur) == "*":
        inner = unparen(_field(cur, "argument"))
        if inner is None or not (inner.type in ("identifier", "field_expression") or
                                 (inner.type == "pointer_expression" and op(inner) == "*")):
            return base, []
        lead.append(_zero(lang))
        cur = inner
    return (cur, lead) if lead else (base, [])


def _pointer_plus(expr: Node, accept: Callable[[str], bool]
                  ) -> tuple[Node, tuple[tuple[int, Node], ...]] | None:
    """The pointer and the signed terms of its offset in a sum ``p + n*i - 1`` (C11 6.5.6p8):
    the first name added that ``accept`` takes is the pointer; None when no term is one, or
    a term is not read."""
    terms = _sum_terms(expr)
    at = next((k for k, (sign, t) in enumerate(terms) if sign > 0 and t is not None
               and t.type == "identifier" and accept(text(t))), None)
    if at is None:
        return None
    shift = tuple((sign, t) for k, (sign, t) in enumerate(terms) if k != at and t is not None)
    pointer = terms[at][1]
    if pointer is None or len(shift) != len(terms) - 1:
        return None
    return pointer, shift


def _sum_terms(node: Node) -> list[tuple[int, Node | None]]:
    """The terms of a chain of ``+`` and ``-`` (``p + n*i - 1``: ``+p``, ``+n*i``, ``-1``),
    leftmost first; a parenthesized or other operand is one term."""
    out: list[tuple[int, Node | None]] = []
    cur: Node | None = node
    while cur is not None and cur.type == "binary_expression" and op(cur) in ("+", "-"):
        out.append((1 if op(cur) == "+" else -1, unparen(_field(cur, "right"))))
        cur = unparen(_field(cur, "left"))
    out.append((1, cur))
    out.reverse()
    return out


class _Walker:
    def __init__(self, loop: Node, address_use: AddressUse, macros: dict[str, Macro],
                 functions: frozenset[str], lang: str, types: frozenset[str] = frozenset(),
                 values: frozenset[str] = frozenset(),
                 reference_use: ReferenceUse | None = None,
                 element_use: ReferenceUse | None = None):
        self.loop = loop
        self.element_use = element_use
        self.types = types  # the file's typedef names (:mod:`.casts`)
        self.address_use = address_use
        self.reference_use = reference_use
        self.macros = macros  # the macros defined where the loop is (see .macros)
        self.functions = functions  # the functions the file defines or declares
        self.lang = lang
        self.out = BodyWalk()
        self.order = 0
        self.tasks: list[Task] = []
        self._opaque_seen: dict[str, bool] = {}
        self.values = values  # the file's type names that name no pointer

    # -- scheduling: tasks run last-in first-out, so a handler pushes its steps reversed ----
    def push(self, *steps: Task) -> None:
        self.tasks.extend(reversed(steps))

    def run(self) -> BodyWalk:
        self._survey()
        body = _field(self.loop, "body")
        # the condition is evaluated in the construct too, before each iteration: what it
        # reads through a pointer (`k <= *n`, `k < len[0]`) must be on the device as what the
        # body reads (its plain scalars are the bounds, :func:`for_header`)
        self.push(*((self.expr, (d, None)) for d in _dereferences(
            _field(self.loop, "condition"))))
        if body is not None:
            self.push((self.visit, (body, 0)))
        while self.tasks:
            fn, args = self.tasks.pop()
            fn(*args)
        return self.out

    def _survey(self) -> None:
        """Inner loops, declarations and the nest depth, in one pass over every node."""
        out = self.out
        # loops and declarations are named nodes: the named children reach all of them
        stack: list[tuple[Node, int]] = []
        self._children(self.loop, 1, stack)
        if self.loop.type == "for_range_loop":
            self._range_declared(for_header(self.loop).var)
        while stack:
            n, level = stack.pop()
            t = n.type
            if t in LOOP_TYPES:
                level += 1
                out.depth = max(out.depth, level)
                h = for_header(n)
                out.inner_loops.append(InnerLoop(n, h))
                if h.var:
                    out.inner_vars.add(h.var)
                if t == "for_range_loop":
                    self._range_declared(h.var)
            elif t == "declaration":
                self._declaration(n)
            elif t == "labeled_statement":
                out.labels.add(text(_field(n, "label")))
            elif t in ("field_expression", "pointer_expression"):
                self._dereference(n)
            elif t in ("assignment_expression", "update_expression"):
                target = unparen(_field(n, "left" if t == "assignment_expression"
                                        else "argument"))
                if target is not None and target.type == "identifier":
                    out.assigned.add(text(target))
            self._children(n, level, stack)

    def _range_declared(self, var: str | None) -> None:
        """The variable ``var`` a range-based ``for`` declares is the loop's own: a new object
        each iteration, initialised from the range's element (C++ [stmt.ranged]p1: its
        declaration is inside the loop's body), which nothing after the loop can read."""
        if var:
            self.out.decls.add(var)

    def _dereference(self, n: Node) -> None:
        arg = unparen(_field(n, "argument"))
        if arg is not None and arg.type == "identifier" and \
                text(_field(n, "operator")) in ("->", "*"):
            self.out.pointers.add(text(arg))

    def _children(self, n: Node, level: int, stack: list[tuple[Node, int]]) -> None:
        kids = n.named_children
        parents = self.out.parents
        for c in kids:
            parents[c.id] = n
        stack.extend([(c, level) for c in reversed(kids)])

    def _declaration(self, n: Node) -> None:
        out = self.out
        for d, following in declarators(n):
            name = decl_name(d, following)
            if name:
                out.decls.add(name)
                self._declared(name, d, n)
                if d.type == "init_declarator":
                    out.assign_count[name] = out.assign_count.get(name, 0) + 1
                    val = _field(d, "value")
                    if val is not None:
                        out.assign_value[name] = val
                        out.values.setdefault(name, []).append(val)
                        elem = _element_address(val)
                        if elem is not None and _pointer_declarator(d):
                            out.element_pointers[name] = elem
                        elem = _element_of(val)
                        if elem is not None and _reference_declarator(d):
                            out.element_references[name] = elem

    def _value_type(self, decl: Node) -> bool:
        """Does the declaration's type hold no address: a basic type, a structure or class, or
        a file type name of one (:func:`.casts.value_types`)?  A type name from elsewhere (a
        header's, a template's) may be a pointer."""
        return holds_no_address(_field(decl, "type"), self.values)

    def _declared(self, name: str, d: Node, decl: Node) -> None:
        """What kind of object ``name`` is (a pointer: how many ``*``; an array), where it is
        declared and whether with a value."""
        out = self.out
        levels, array, reference = 0, False, False
        cur: Node | None = _field(d, "declarator") if d.type == "init_declarator" else d
        while cur is not None and cur.type != "identifier":
            if cur.type == "pointer_declarator":
                levels += 1
            elif cur.type == "array_declarator":
                array = True
            elif cur.type == "function_declarator":
                return
            elif cur.type == "reference_declarator":
                reference = True
            cur = inner_declarator(cur)
        shared = any(c.type == "storage_class_specifier" and text(c) in _SHARED_STORAGE
                     for c in decl.children)
        if shared:
            out.shared_decls[name] = _line(decl)
        if array:
            out.array_decls.add(name)
        elif levels:
            out.pointer_levels[name] = levels
        elif not reference and self._value_type(decl) and not shared:
            out.own_objects.add(name)
        if d.type == "init_declarator":
            out.decl_values.add(name)
            bound = _field(d, "value")
            if reference and bound is not None:
                out.references[name] = bound
        block = out.parents.get(decl.id)
        if block is not None:
            out.decl_blocks[name] = block
        out.decl_lines[name] = _line(decl)

    # -- bookkeeping ------------------------------------------------------------------------
    def event(self, name: str, kind: Use, stmt: Node) -> None:
        self.order += 1
        self.out.events.setdefault(name, []).append(ScalarUse(kind, stmt, self.order))

    def set_value(self, name: str, value: Node | None) -> None:
        if value is not None:
            self.out.assign_value[name] = value

    # -- statements -------------------------------------------------------------------------
    def visit(self, node: Node, depth: int) -> None:
        t = node.type
        out = self.out
        if t == "break_statement" and depth == 0:
            out.exits.append(Exit(ExitKind.BREAK, _line(node)))
        elif t in ("return_statement", "throw_statement"):
            out.exits.append(Exit(ExitKind.RETURN if t == "return_statement" else ExitKind.THROW,
                                  _line(node)))
            arg = _field(node, "argument") or (node.named_children[0]
                                                if node.named_children else None)
            self.push((self.expr, (arg, None)))
        elif t == "goto_statement":
            if text(_field(node, "label")) not in out.labels:  # a label inside stays inside
                out.exits.append(Exit(ExitKind.GOTO, _line(node)))
        elif t in LOOP_TYPES:
            self.push(*((self.expr, (_field(node, p), None))
                        for p in ("initializer", "condition", "update")),
                      (self.visit_opt, (_field(node, "body"), depth + 1)))
        elif t in ("while_statement", "do_statement", "switch_statement"):
            self.push(*((self.visit, (c, depth + 1)) if c.type.endswith("_statement")
                        else (self.expr, (c, None)) for c in node.named_children))
        elif t == "if_statement":
            self.push((self.expr, (_field(node, "condition"), None)),
                      (self.visit_opt, (_field(node, "consequence"), depth)),
                      (self.visit_opt, (_field(node, "alternative"), depth)))
        elif t in ("compound_statement", "else_clause", "labeled_statement", "case_statement"):
            self.push(*((self.visit, (c, depth)) for c in named(node)))
        elif t == "expression_statement":
            if self.lang == "cpp":
                self._stream_statement(node)
            self.push(*((self.expr, (c, node)) for c in node.named_children))
        else:
            self.push((self.expr, (node, node)))

    def _stream_statement(self, stmt: Node) -> None:
        """C++: a statement whose value is ``a << b`` or ``a >> b`` exists for a call of an
        overloaded operator — a built-in shift's value, discarded, changes nothing (C++
        [expr.shift], [stmt.expr]) — in practice a stream's insertion or extraction
        (``file << x << std::endl;``, ``std::cin >> n;``): recorded as that call, whose
        effect is I/O (:data:`.library._IO_CALLS`): the order of the calls is the program's
        output, and the stream object is no data a compute construct can map."""
        e = shift_statement(stmt)
        if e is None:
            return
        name = "operator" + op(e)
        if name not in self.out.calls:
            self.out.calls.append(name)
        left: Node | None = e
        while left is not None and left.type == "binary_expression" and op(left) == op(e):
            left = unparen(_field(left, "left"))
        self.out.call_sites.append(CallSite(e, name, (), _line(e), True, left))

    def visit_opt(self, node: Node | None, depth: int) -> None:
        if node is not None:
            self.visit(node, depth)

    # -- expressions ------------------------------------------------------------------------
    def expr(self, node: Node | None, stmt: Node | None) -> None:
        if node is None:
            return
        stmt = stmt or node
        t = node.type
        if t == "identifier":
            if not self._object_macro_reads(node) and \
                    not self._through(node, node, False, True, self.out.element_references):
                self.event(text(node), Use.READ, stmt)
        elif t == "subscript_expression":
            self.access(node, write=False, read=True)
        elif t == "assignment_expression":
            self.assignment(node, stmt)
        elif t == "update_expression":
            self.push((self.lvalue, (_field(node, "argument"), Use.RMW, stmt)))
        elif t == "call_expression":
            if not self.macro_access(node, False, True, stmt):
                self.call(node, stmt)
        elif t == "field_expression":
            if not self.element(node, write=False, read=True):
                self.push((self.expr, (_field(node, "argument"), stmt)))
        elif t == "pointer_expression" and op(node) == "*":
            if not self.element(node, write=False, read=True):
                self.push(*((self.expr, (c, stmt)) for c in node.named_children))
        elif t == "declaration":
            self.declaration(node, stmt)
        elif t not in _SKIPPED:
            self.push(*((self.expr, (c, c if t in ("expression_statement", "if_statement")
                                     else stmt)) for c in node.named_children))

    def assignment(self, node: Node, stmt: Node) -> None:
        o = op(node)
        left, right = _field(node, "left"), _field(node, "right")
        steps: list[Task] = [(self.expr, (right, stmt)),
                             (self.lvalue, (left, Use.WRITE if o == "=" else Use.RMW, stmt))]
        target = unparen(left)
        if target is not None and target.type == "identifier" and right is not None:
            self.out.values.setdefault(text(target), []).append(right)
            if o == "=":
                steps.append((self.set_value, (text(target), right)))
        self.push(*steps)

    def declaration(self, node: Node, stmt: Node) -> None:
        steps: list[Task] = []
        for d, following in declarators(node):
            if d.type == "init_declarator":
                val = _field(d, "value")
                name = decl_name(d, following)
                followed = name in self.out.element_references and \
                    self.out.assign_count.get(name or "", 0) <= 1  # see `_through`
                if val is not None and not followed and bound_to_writable_reference(val):
                    # a reference to non-const whose uses the walk does not follow (a
                    # structured binding, `T &r = *p`): what it names may be written
                    steps.append((self.lvalue, (val, Use.RMW, stmt)))
                else:
                    steps.append((self.expr, (val, stmt)))
                if name:
                    steps.append((self.event, (name, Use.WRITE, stmt)))
            else:
                steps.extend((self.expr, (c, stmt)) for c in d.named_children
                             if c.type != "identifier")
        self.push(*steps)

    def call(self, node: Node, stmt: Node) -> None:
        fn = _field(node, "function")
        if fn is not None and fn.type in ("parenthesized_expression", "primitive_type",
                                          "sized_type_specifier") and \
                typedef_cast(node, self.types | typedef_names(root_of(node)), self.macros):
            # `(real)(k * k)`, C++'s `double(x)`: a cast of its operand (:mod:`.casts`)
            self.push(*((self.expr, (c, stmt)) for c in named(_field(node, "arguments"))))
            return
        operand = named_cast_operand(node)
        if operand is not None:  # C++'s `static_cast<int>(i)`: a cast of its operand
            self.push((self.expr, (operand, stmt)))
            return
        name = norm(text(fn))
        args = tuple(named(_field(node, "arguments")))
        self._record_call(node, name, args)
        steps: list[Task] = []
        if fn is not None and fn.type != "identifier":
            steps.append((self.expr, (fn, stmt)))
        for k, c in enumerate(args):
            arg = unparen(_field(c, "argument")) if c.type == "pointer_expression" else None
            bound = self.reference_use(name, k) if self.lang == "cpp" and \
                self.reference_use is not None and _lvalue_form(c) else None
            if arg is not None and op(c) == "&" and arg.type == "identifier":
                # `&x`: the callee may read and assign x (what it does says ``address_use``)
                steps.append((self.lvalue, (arg, self.address_use(name, k), stmt)))
            elif bound in (Use.WRITE, Use.RMW):
                # C++: an lvalue bound to a reference parameter is the object the callee
                # uses ([dcl.init.ref]p5): `inc(a[i])` with `void inc(double &x)` writes a[i]
                steps.append((self.lvalue, (c, bound, stmt)))
            elif arg is not None and op(c) == "&" and arg.type == "subscript_expression" and \
                    self.element_use is not None and \
                    (used := self.element_use(name, k)) in (Use.WRITE, Use.RMW):
                # `&a[e]` to a callee that uses only what its parameter points to (`*x = v`):
                # a write of a[e] (`sw(&a[i], &a[i + 1])` writes two elements)
                steps.append((self.lvalue, (arg, used, stmt)))
            else:
                # `&a[k]` is a pointer into an array, like passing `a` itself
                steps.append((self.expr, (c, stmt)))
        self.push(*steps)

    def _record_call(self, node: Node, name: str, args: tuple[Node, ...]) -> None:
        out = self.out
        lib = library_function(name)
        if lib is None and (table := file_macros(node) or self.macros):
            name = called_name(name, table)  # `fmaxr(a, b)`, `#define fmaxr fmax`
            lib = library_function(name)
        if lib is not None and lib.effect in (Effect.EXIT, Effect.JUMP):
            kind = ExitKind.EXIT if lib.effect is Effect.EXIT else ExitKind.JUMP
            out.exits.append(Exit(kind, _line(node), name))
            return
        if (lib is not None and lib.pure) or (self._plain_macro(name) and not self._opaque(name)) \
                or \
                (is_macro_name(name) and name not in self.functions and name not in self.macros):
            return
        if name not in out.calls:
            out.calls.append(name)
        parent = out.parents.get(node.id)
        # a call whose value is dropped, or one written as an lvalue (a macro standing for
        # memory: `P(i) = 0`, `P(i)++`), is made for its effect on memory
        discarded = parent is not None and (
            parent.type in ("expression_statement", "update_expression")
            or (parent.type == "assignment_expression" and _field(parent, "left") == node))
        fn = _field(node, "function")
        receiver = _field(fn, "argument") if fn is not None and fn.type == "field_expression" \
            else None
        out.call_sites.append(CallSite(node, name, args, _line(node), discarded, receiver))

    def lvalue(self, node: Node | None, kind: Use, stmt: Node) -> None:
        node = unparen(node)
        if node is None:
            return
        if node.type == "identifier":
            name = text(node)
            if self._through(node, node, True, kind is Use.RMW, self.out.element_references):
                return  # `r = e` with `T &r = a[i]`: a write of a[i] ([dcl.ref]p1)
            m = self.macros.get(name)
            if m is not None and m.params is None and object_touches_memory(m, self.macros):
                self.out.hidden_macros.append(name)  # `WI = v` writes what the body names
            self.event(name, kind, stmt)
            if kind is Use.WRITE:
                self.out.assign_count[name] = self.out.assign_count.get(name, 0) + 1
        elif node.type == "subscript_expression":
            self.access(node, write=True, read=kind is Use.RMW)
        elif node.type in ("field_expression", "pointer_expression") and \
                self.element(node, write=True, read=kind is Use.RMW):
            return
        elif not (is_call(node)
                  and self.macro_access(node, True, kind is Use.RMW, stmt)):
            self.expr(node, None)

    # -- array accesses ---------------------------------------------------------------------
    def access(self, node: Node, write: bool, read: bool) -> None:
        base, idx = subscripts(node)
        base, lead = _dereferenced_base(base, self.lang)
        name = _base_name(base)
        if name is None:
            if not lead and self._computed_base(node, base, idx, write, read):
                return
            self.push(*((self.expr, (i, None)) for i in idx),
                      *(((self.expr, (base, None)),) if base is not None else ()))
            return
        self._record(name, lead + idx, write, read, node, walk=idx if lead else None)

    def _computed_base(self, node: Node, base: Node | None, idx: list[Node], write: bool,
                       read: bool) -> bool:
        """A subscript of a pointer expression (C11 6.5.2.1p2: ``E1[E2]`` is ``*((E1) +
        (E2))``): ``(a + i*m)[j]`` — a row macro's expansion, ``ROW(a, i, m)[j]`` — is the
        element ``a[i*m + j]`` (the first name added is the pointer, the rest its offset, as
        for ``*(p + k)``); ``(c ? u : v)[i]`` is ``u[i]`` or ``v[i]``, each read and written
        where it is written (either may be the one).  False: neither form."""
        b = unparen(base)
        walk = None
        if b is not None and is_call(b) and self.macros and \
                (body := expanded_call(b, self.macros, self.lang)) is not None:
            # `ROW(a, i, m)[j]` with `#define ROW(p, i, m) ((p) + (i) * (m))` (C11 6.10.3)
            b, walk = body, [*idx, *named(_field(base, "arguments"))]
        if b is not None and b.type == "binary_expression" and op(b) in ("+", "-"):
            split = _pointer_plus(b, lambda _name: True)
            if split is None or len(idx) < 1:
                return False
            self._record(text(split[0]), idx, write, read, node, shift=split[1], walk=walk)
            return True
        if b is not None and b.type == "conditional_expression" and walk is None:
            arms = [unparen(_field(b, "consequence")), unparen(_field(b, "alternative"))]
            if not all(a is not None and a.type == "identifier" for a in arms):
                return False
            for a in arms:
                self._record(text(a), idx, write, read or write, node)
            self.push((self.expr, (_field(b, "condition"), None)))
            return True
        return False

    def element(self, node: Node, write: bool, read: bool) -> bool:
        """A member of an array element (``p[i].x``) or what an element pointer reaches
        (``q->x``, ``*q`` with ``T *q = &p[i]`` declared in the loop): an access to that
        element (C: a member is part of its element's storage).  A member write changes part
        of the element only: it counts as a read and a write."""
        plain = read  # `*p = e` replaces the element whole: no read
        read = read or write
        if node.type == "pointer_expression":
            ptr = unparen(_field(node, "argument")) if op(node) == "*" else None
            if ptr is None:
                return False
            return (ptr.type == "identifier" and self._through(ptr, node, write, read)) or \
                self._deref(ptr, node, write, plain, every=True)
        arg: Node | None = node
        while arg is not None and arg.type == "field_expression":
            inner = unparen(_field(arg, "argument"))
            if text(_field(arg, "operator")) == "->":
                return inner is not None and inner.type == "identifier" and \
                    (self._through(inner, node, write, read)
                     or self._deref(inner, node, write, read))
            if inner is not None and inner.type == "identifier" and \
                    self._through(inner, node, write, read, self.out.element_references):
                return True
            arg = inner
        if arg is not None and arg.type == "subscript_expression":
            self.access(arg, write=write, read=read)
            return True
        return False

    def _through(self, ptr: Node, node: Node, write: bool, read: bool,
                 names: dict[str, tuple[str, list[Node]]] | None = None) -> bool:
        """An access through the element pointer ``ptr`` (or, with ``names`` the element
        references, through the reference ``ptr``; False: it is not one)."""
        name = text(ptr)
        alias = (self.out.element_pointers if names is None else names).get(name)
        if alias is None or self.out.assign_count.get(name, 0) > 1:
            return False
        self.event(name, Use.READ, node)
        self._record(alias[0], alias[1], write, read, node, indirect=False)
        return True

    def _deref(self, ptr: Node, node: Node, write: bool, read: bool, every: bool = False
               ) -> bool:
        """``*p``, ``*(p + k)``, ``*p++`` (``every``: whatever ``p`` is), ``p->x`` with ``p``
        a name the loop declares or assigns: an access of the element ``p[0]`` (``p[k]``,
        C11 6.5.2.1) — what a pointer of the loop points to is decided after the walk
        (:mod:`.aliases`).  False: not one."""
        names = self.out.decls | self.out.assigned

        def mine(name: str) -> bool:
            return every or name in names

        shift: tuple[tuple[int, Node], ...] = ()
        name_node: Node | None = ptr
        moved = None
        if ptr.type == "binary_expression" and op(ptr) in ("+", "-"):
            # `*(p + n*i + 1)`: the pointer is the first name added, the rest its offset
            split = _pointer_plus(ptr, mine)
            if split is None:
                return False
            name_node, shift = split
        elif ptr.type == "update_expression":
            moved = ptr
            name_node = unparen(_field(ptr, "argument"))
        if name_node is None or name_node.type != "identifier" or not mine(text(name_node)):
            return False
        self._record(text(name_node), [], write, read, node, indirect=False, shift=shift)
        if moved is not None:
            self.push((self.lvalue, (name_node, Use.RMW, node)))
        return True

    def macro_access(self, node: Node, write: bool, read: bool, stmt: Node) -> bool:
        """A call of a macro the file defines (C11 6.10.3: it stands for its body) whose body
        is an array element (``#define U(i, j) u[(i)*n + (j)]``): that element; another such
        macro (``IDX(i, j, k)``) is an expression whose arguments are read.  Without the
        definition, ``_A(u, i, j)`` / ``ACCESS_3D(u, i, j, k)`` is taken for an element of
        ``u`` (the usual convention)."""
        fn = text(_field(node, "function"))
        args = _field(node, "arguments")
        if fn in self.macros:
            body = expanded_call(node, self.macros, self.lang)
            if body is None or not self._plain_macro(fn):
                return False  # read as a call: what its body calls is not followed here
            if body.type == "subscript_expression":
                base, idx = subscripts(body)
                name = _base_name(base)
                if name is not None:
                    self._record(name, idx, write, read, node, walk=named(args))
                    return True
            if self._opaque(fn):
                return self._macro_reads(node, write, stmt)
            self.push(*((self.expr, (c, stmt)) for c in named(args)))
            return True
        if not _MACRO_ACCESS.fullmatch(fn) or args is None or fn in self.functions:
            return False
        kids = named(args)
        if len(kids) < 2 or kids[0].type != "identifier":
            return False
        self._record(text(kids[0]), kids[1:], write, read, node, indirect=False)
        return True

    def _macro_reads(self, node: Node, write: bool, stmt: Node) -> bool:
        """A call of a macro whose body, an rvalue, reads elements no argument names
        (``W(i, 3)`` with ``#define W(i, j) (w[(i)] * (j))``,
        :func:`.macro_element.macro_reads`): each is read where the call is, with the
        subscripts of the expansion (C11 6.10.3), and the arguments are read as written.
        False (read as a call of a function not seen): another body, or a call written as
        an lvalue."""
        got = None if write else macro_reads(node, self.macros)
        if got is None:
            self.out.hidden_macros.append(text(_field(node, "function")))
            return False
        for e in got:
            self._record(e.name, list(e.subs), False, True, node, walk=[])
        args = named(_field(node, "arguments"))
        bases = {e.base_arg for e in got}
        self.push(*((self.expr, (c, stmt)) for k, c in enumerate(args) if k not in bases))
        return True

    def _object_macro_reads(self, node: Node) -> bool:
        """The name of an object-like macro whose body reads elements
        (``#define WI (w[i] * 2.0)``, :func:`.macro_element.macro_reads`): each is read
        where the name is (C11 6.10.3p9).  False: not such a name."""
        m = self.macros.get(text(node))
        if m is None or m.params is not None:
            return False
        got = macro_reads(node, self.macros)
        for e in got or ():
            self._record(e.name, list(e.subs), False, True, node, walk=[])
        if got is None and object_touches_memory(m, self.macros):
            self.out.hidden_macros.append(m.name)
        return got is not None

    def _opaque(self, name: str) -> bool:
        """A function-like macro of the file whose expansion reads or writes memory of its own
        (:func:`.macro_element.touches_memory`: ``(a[i] + a[i + 1])``, ``(a[i] = (v))``,
        ``u[idx[i]]``): its elements are not what its arguments read, and the walk follows
        the user's nodes only, so a call of it is read as a call of a function not seen (a
        loop that calls it is not parallelised or moved on its word)."""
        got = self._opaque_seen.get(name)
        if got is None:
            m = self.macros.get(name)
            got = self._opaque_seen[name] = m is None or touches_memory(m, self.macros)
        return got

    def _plain_macro(self, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """A function-like macro of the file whose body calls nothing but pure library
        functions and such macros (a call of it is its body: no function is called)."""
        m = self.macros.get(name)
        if m is None or m.params is None or name in seen or len(seen) > MAX_DEPTH:
            return False
        return all(((lib := library_function(c)) is not None and lib.pure)
                   or self._plain_macro(c, seen | {name}) for c in macro_calls(m))

    def _record(self, name: str, idx: list[Node], write: bool, read: bool, node: Node,
                indirect: bool | None = None, walk: list[Node] | None = None,
                shift: tuple[tuple[int, Node], ...] | None = None) -> None:
        """An access of ``name`` with subscripts ``idx`` (read after the preprocessor), at
        ``node`` (``indirect``: do its subscripts read data, found here when None); ``walk``:
        the user's nodes whose reads it makes (default: ``idx`` and the ``shift``'s)."""
        if name in self.out.assigned and name not in self.out.decls:
            self.event(name, Use.READ, node)  # a pointer the loop assigns is read to reach it
        seen = [expanded(i, self.macros, self.lang) for i in idx] if self.macros else list(idx)
        if indirect is None:
            indirect = any(_INDIRECT_CHARS.search(text(i)) is not None and any(
                x.type in _INDIRECT_NODES for x in iter_nodes(i)) for i in seen)
        self.out.array_names.add(name)
        self.order += 1
        acc = Access(name, seen, write, read, _line(node), " ".join(text(node).split()),
                     self.order, indirect, node)
        if shift is not None:  # a dereference: `*(p + k)` is `p[k]`
            acc.shift, acc.shift_dim = shift, 0
        self.out.accesses.append(acc)
        self.push(*((self.expr, (i, None)) for i in (idx if walk is None else walk)),
                  *((self.expr, (n, None)) for _, n in (shift or ()) if walk is None))


def _pointer_declarator(d: Node) -> bool:
    inner = _field(d, "declarator")
    return inner is not None and inner.type == "pointer_declarator"


def _reference_declarator(d: Node) -> bool:
    inner = _field(d, "declarator")
    return inner is not None and inner.type == "reference_declarator"


def _element_address(node: Node) -> tuple[str, list[Node]] | None:
    """``&a[e]`` with ``a`` a plain name: (a, [e])."""
    val = unparen(node)
    if val is not None and val.type == "pointer_expression" and op(val) == "&":
        return _element_of(_field(val, "argument"))
    return None


def _element_of(node: Node | None) -> tuple[str, list[Node]] | None:
    """``a[e]`` with ``a`` a plain name: (a, [e])."""
    sub = unparen(node)
    if sub is not None and sub.type == "subscript_expression":
        base, idx = subscripts(sub)
        name = _base_name(base)
        if name is not None and name.isidentifier() and idx:
            return name, list(idx)
    return None


def walk_body(loop: Node, address_use: AddressUse = unknown_address_use,
              macros: dict[str, Macro] | None = None, lang: str = "c",
              functions: frozenset[str] = frozenset(),
              types: frozenset[str] = frozenset(),
              values: frozenset[str] = frozenset(),
              reference_use: ReferenceUse | None = None,
              element_use: ReferenceUse | None = None) -> BodyWalk:
    """Walk the body of ``loop`` (a ``for`` node) once; ``address_use`` says how a call uses
    the scalars whose address it is given (by default: reads and writes them); ``macros``:
    those defined where the loop is (subscripts are read after the preprocessor);
    ``functions``: the names the file defines or declares as functions (a call of one is a
    call, whatever its spelling); ``types``: the file's typedef names (``(T)(e)`` is a cast,
    :mod:`.casts`); ``values``: its type names that name no pointer (:func:`.casts.value_types`:
    a loop's object of one is its own, :attr:`BodyWalk.own_objects`); ``reference_use``: how
    a call uses an lvalue argument its callee binds to a reference parameter (None where the
    parameter is not known to be one); ``element_use``: how a call uses the element ``a[e]``
    of an argument ``&a[e]`` whose callee uses nothing else through it (None: not shown)."""
    return _Walker(loop, address_use, macros or {}, functions, lang, types, values,
                   reference_use, element_use).run()


def _lvalue_form(arg: Node) -> bool:
    """Does the argument designate an object (a name, an element, a member, ``*p``)?"""
    a = unparen(arg)
    return a is not None and (a.type in ("identifier", "subscript_expression",
                                         "field_expression")
                              or (a.type == "pointer_expression" and op(a) == "*"))
