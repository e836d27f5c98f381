"""Which scalars the loop assigns are read after it, in its function.

A compute construct gives each scalar it does not name in a clause a private copy (OpenACC
3.3, 2.5.2: a scalar in a ``parallel`` or ``serial`` construct is firstprivate): the value the
loop leaves is lost, so a scalar the code after the loop reads must be a reduction, or the loop
stays on the host.  "After" is everything that may run later: the rest of the function, and
the code before the loop in any loop around it (its next iteration).  A read there does not
see the loop's value when an assignment that always runs comes first; a name the function
does not declare (a global, a static) or whose address it takes may be read anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tree_sitter import Node

from accellium.dataset.analysis.overwritten import overwritten_first
from accellium.dataset.analysis.scalars import Definite
from accellium.dataset.analysis.scope import Declared, FileIndex, FunctionContext
from accellium.dataset.analysis.tree import (
    IDENT,
    LOOP_TYPES,
    body_statements,
    for_header,
    is_name,
    iter_nodes,
    mentions,
    named,
    op,
    subscripts,
    text,
    unparen,
)
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.walk_records import Use

__all__ = ["LoopInFile", "locate", "live_after", "ANYWHERE"]

_ITERATIONS = ("for_statement", "for_range_loop", "while_statement", "do_statement")
_DECLARATORS = ("declaration", "init_declarator", "pointer_declarator", "array_declarator",
                "parameter_declaration", "reference_declarator")
#: The nodes between an element write ``x[m] = e`` and the ``for`` that runs it.
_FILL_PATH = ("assignment_expression", "parenthesized_expression", "expression_statement",
              "compound_statement")
_INT = re.compile(r"[0-9]+[uUlL]*")
#: The row of a read that any code may make (a global, a static, an escaped address).
ANYWHERE = -1


class LoopInFile:
    """The analysed loop found in its file: its node, function and enclosing loops."""

    def __init__(self, index: FileIndex, ctx: FunctionContext, loop: Node):
        self.index = index
        self.ctx = ctx
        self.loop = loop
        self.wraps: list[tuple[int, int]] = []  # byte ranges that run again after the loop
        p = ctx.parent(loop)
        while p is not None:
            if p.type in _ITERATIONS:
                self.wraps.append((p.start_byte, loop.start_byte))
            p = ctx.parent(p)

    def declaration(self, name: str) -> Declared | None:
        """What declares ``name`` where the loop is: the function (a parameter or local),
        else the file (C11 6.2.1p4: an inner scope's declaration hides an outer one)."""
        return self.ctx.declared.get(name) or self.index.globals.get(name)

    def contains_loop(self, node: Node) -> bool:
        return node.start_byte <= self.loop.start_byte < node.end_byte


def locate(index: FileIndex, offset: int) -> LoopInFile | None:
    """The ``for`` statement starting at byte ``offset`` of the indexed file."""
    fn = index.function_at(offset)
    if fn is None:
        return None
    ctx = index.context(fn)
    node: Node | None = index.tree.root_node.named_descendant_for_byte_range(offset, offset)
    while node is not None and not (node.type in LOOP_TYPES and node.start_byte == offset):
        node = ctx.parent(node)
        if node is not None and node.start_byte != offset:
            return None
    return LoopInFile(index, ctx, node) if node is not None else None


def _plain_write(occ: Node, ctx: FunctionContext, index: FileIndex) -> bool:
    """Is this occurrence assigned (``x = ...``, or in C++ ``f(x)`` with ``f`` assigning
    its reference parameter before reading it) or declared rather than read?"""
    p = ctx.parent(occ)
    if p is None:
        return False
    if p.type == "argument_list":
        return _reference_assigned(occ, p, ctx, index)
    if p.type == "assignment_expression":
        left = _field(p, "left")
        return left is not None and left.id == occ.id and op(p) == "="
    if p.type in _DECLARATORS:
        d = _field(p, "declarator")
        return p.type == "declaration" or (d is not None and d.id == occ.id)
    return False


def _reference_assigned(occ: Node, args: Node, ctx: FunctionContext, index: FileIndex
                        ) -> bool:
    """Is the argument ``occ`` bound to a reference parameter its callee, a function of the
    file, assigns before reading (its summary's use a write: :mod:`.summaries`)?"""
    from accellium.dataset.analysis.summaries import summary

    call = ctx.parent(args)
    fn = _field(call, "function") if call is not None and index.lang == "cpp" else None
    if fn is None or fn.type != "identifier":
        return False
    got = summary(index, text(fn))
    k = next((i for i, a in enumerate(named(args)) if a.id == occ.id), -1)
    return got is not None and 0 <= k < len(got.params) and bool(got.params[k].references) \
        and got.use_of(k) is Use.WRITE


def _write_statements(name: str, ctx: FunctionContext, index: FileIndex) -> set[int]:
    """Ids of the statements that always assign ``name`` when they run: ``x = e;``, a
    declaration of ``x``, a ``for`` whose initializer assigns ``x``, a ``for`` that assigns
    every element of the local array ``x`` (:func:`_fills_array`)."""
    out: set[int] = set()
    for occ in ctx.occurrences.get(name, []):
        p = ctx.parent(occ)
        if p is not None and p.type == "subscript_expression":
            loop = ctx.parent(p)
            while loop is not None and loop.type in _FILL_PATH:
                loop = ctx.parent(loop)
            if loop is not None and _fills_array(loop, name, ctx, index):
                out.add(loop.id)
            continue
        if not _plain_write(occ, ctx, index):
            continue
        p = ctx.parent(occ)
        steps = 0
        while p is not None and steps < 4:
            if p.type in ("expression_statement", "declaration"):
                q = ctx.parent(p)
                init = _field(q, "initializer") if q is not None else None
                if q is not None and q.type == "for_statement" and \
                        init is not None and init.id == p.id:
                    out.add(q.id)
                out.add(p.id)
                break
            if p.type == "for_statement":
                out.add(p.id)
                break
            p, steps = ctx.parent(p), steps + 1
    return out


def _declared_extent(name: str, ctx: FunctionContext) -> str | None:
    """The extent ``E`` of the function's one declaration ``T name[E];`` of a one-dimensional
    array (not a parameter: that is a pointer, C11 6.7.6.3p7), as normalised text."""
    found: list[str] = []
    for occ in ctx.occurrences.get(name, []):
        p = ctx.parent(occ)
        if p is None or p.type not in _DECLARATORS:
            continue
        d = _field(p, "declarator")
        if d is None or d.id != occ.id:
            continue
        q = ctx.parent(p)
        if p.type != "array_declarator" or q is None or \
                q.type not in ("declaration", "init_declarator"):
            return None
        size = _field(p, "size")
        if size is None:
            return None
        found.append(" ".join(text(size).split()))
    return found[0] if len(found) == 1 else None


def _same_constant(a: str, b: str, ctx: FunctionContext, index: FileIndex) -> bool:
    """Do the texts ``a`` and ``b`` denote the same value wherever the function reads them: the
    same integer constant, or the same identifier that is no variable of the function or the
    file (a macro or an enumeration constant, C11 6.4.4.1, 6.4.4.3, 6.10.3)?"""
    if a != b:
        return False
    if _INT.fullmatch(a):
        return True
    return bool(IDENT.fullmatch(a)) and a not in ctx.declared and a not in index.globals


def _fills_array(stmt: Node, name: str, ctx: FunctionContext, index: FileIndex) -> bool:
    """Is ``stmt`` the loop ``for (m = 0; m < E; m++) name[m] = e;`` over a local array
    declared ``T name[E]``, with ``e`` free of ``name``, assignments and calls?  It assigns
    every element ``name[0]`` .. ``name[E-1]`` (C11 6.5.2.1p2, 6.8.5.3; ``E`` > 0,
    6.7.6.2p1) whatever ``e`` is, and reads none of them."""
    h = for_header(stmt)
    upd = _field(stmt, "update")
    if stmt.type != "for_statement" or h.var is None or h.lo != "0" or upd is None:
        return False
    cond = _field(stmt, "condition")
    if cond is None or op(cond) != "<" or not is_name(_field(cond, "left"), h.var):
        return False
    extent = _declared_extent(name, ctx)
    if extent is None or not _same_constant(h.hi, extent, ctx, index):
        return False
    steps = {f"{h.var}++", f"++{h.var}", f"{h.var}+=1", f"{h.var}={h.var}+1"}
    if "".join(text(upd).split()) not in steps:
        return False
    body = body_statements(stmt)
    if len(body) != 1 or body[0].type != "expression_statement":
        return False
    asg = unparen(body[0].named_children[0]) if body[0].named_children else None
    if asg is None or asg.type != "assignment_expression" or op(asg) != "=":
        return False
    left, right = _field(asg, "left"), _field(asg, "right")
    if left is None or left.type != "subscript_expression" or right is None:
        return False
    arr, subs = subscripts(left)
    if not is_name(arr, name) or len(subs) != 1 or not is_name(subs[0], h.var):
        return False
    return not mentions(right, name) and not any(
        n.type in ("assignment_expression", "update_expression", "call_expression",
                   "comma_expression") for n in iter_nodes(right))


def _covered(occ: Node, where: LoopInFile, definite: Definite) -> bool:
    """Is a read after the loop preceded, on every path from the loop, by an assignment?"""
    ctx = where.ctx
    child, p = occ, ctx.parent(occ)
    while p is not None:
        if p.type == "compound_statement":
            since_loop: list[Node] = []
            for c in named(p):
                if c.id == child.id:
                    break
                since_loop = [] if where.contains_loop(c) else [*since_loop, c]
            if any(definite(c) for c in since_loop):
                return True
        elif p.type == "for_statement" and not where.contains_loop(p):
            init = _field(p, "initializer")
            if init is not None and init.id != child.id and p.id in definite.writes:
                return True
        if where.contains_loop(p):
            return False
        child, p = p, ctx.parent(p)
    return False


def live_after(where: LoopInFile, names: Iterable[str],
               write_first: frozenset[str] | None = None) -> dict[str, int]:
    """The ``names`` the code after the loop may read before assigning them: name → file row
    (0-based) of such a read, or :data:`ANYWHERE`.  With ``write_first`` (the scalars the loop
    assigns before reading them in every iteration) a local or ``static`` the function
    overwrites on every path before anything may read it is not live (:mod:`.overwritten`)."""
    ctx = where.ctx
    loop = where.loop
    out: dict[str, int] = {}

    def dead(name: str) -> bool:
        return write_first is not None and overwritten_first(where.index, ctx, loop, name,
                                                             name in write_first)

    for name in names:
        d = ctx.declared.get(name)
        # a C++ reference is another name of an object bound elsewhere ([dcl.ref]p1): a
        # reference parameter's object is the caller's, read after the function returns
        if d is None or d.static or name in ctx.address_taken or \
                d.references and d.references == d.levels:
            if not dead(name):
                out[name] = ANYWHERE
            continue
        definite = Definite(_write_statements(name, ctx, where.index))
        for occ in ctx.occurrences.get(name, []):
            b = occ.start_byte
            if b < loop.end_byte and not any(lo <= b < hi for lo, hi in where.wraps):
                continue
            if loop.start_byte <= b < loop.end_byte or _plain_write(occ, ctx, where.index):
                continue
            if not _covered(occ, where, definite):
                if not dead(name):
                    out[name] = occ.start_point[0]
                break
    return out
