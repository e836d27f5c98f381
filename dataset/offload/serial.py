"""Straight-line element copies beside offloaded loops run on the device (``serial``).

A block of a few element assignments next to the function's offloaded loops (a periodic
grid's corner copies ``cu[0][N] = cu[M][0];`` after the edge loops) is host code of the
region: each element it reads must come to the host (``update self``) and each it writes go
back (``update device``), and a function with such host code is not one a caller's region can
hold (:mod:`.calls`: its host code would read the caller's stale copy).  An OpenACC
programmer runs it on the device instead: a ``serial`` construct executes its structured
block once, by one gang of one worker with vector length 1 (OpenACC 3.3, 2.5.3), so the
statements run in program order exactly as on the host, on the region's copies.

A block qualifies when it is a statement of a block that holds an offloaded loop (a
compound statement of expression statements, or one expression statement), and each of its
statements is ``a[e]... = expr`` (``=`` or a compound assignment) whose left side is an
element of an array with all its subscripts, and nothing in it calls a function, takes an
address, dereferences, increments or assigns anything else: so the block stores only to
those elements (C11 6.5.16, 6.5.2.4, 6.5.3.1, 6.5.2.2).  Every array it names is subscripted
with all its subscripts at fixed positions (literals, macros, enumerators), is a true
array (distinct declared objects never overlap, C11 6.2.4p2, 6.5.9p6, where two pointers'
device copies could hide their host aliasing), and is used by an offloaded loop of the
function (the region maps it either way); the scalars it reads are firstprivate in the
construct (OpenACC 3.3, 2.5.3, 2.6.2: a scalar not in a data clause), read where the
construct starts, which is where the host would read them.  Its sections come from its
subscripts like a loop's (:mod:`.arrays`), so an element outside what the region can justify
keeps it on the host.  A region of such blocks alone is not made (``plan._cheapest``): it
would move whole arrays for a few elements."""

from __future__ import annotations

from tree_sitter import Node

from accellium.dataset.analysis.scope import function_name
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, text
from accellium.dataset.loop_walk import Loop
from accellium.dataset.loops import LineIndex, insertion_problem
from accellium.dataset.offload.device import Device
from accellium.dataset.offload.uses import array_uses
from accellium.dataset.pragma import Pragma

__all__ = ["serial_blocks", "SERIAL", "SERIAL_KIND"]

#: the pragma of such a block (its data clauses are the region's ``present``)
SERIAL = Pragma("serial", ())

#: the ``kind`` of the :class:`Loop` standing for such a block
SERIAL_KIND = "serial"

#: the most statements of one block
_MOST = 16

_ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=")


def serial_blocks(fn: Node, lines: LineIndex, devices: list[Device], scope) -> list[Device]:
    """The blocks of ``fn`` beside its offloaded loops that run on the device as ``serial``
    constructs (see the module's docstring)."""
    if not devices:
        return []
    on_device: set[str] = set()
    for d in devices:
        on_device |= {u.name for u in array_uses(d.node)}
    homes = {d.node.parent.id: d.node.parent for d in devices
             if d.node.parent is not None and d.node.parent.type == "compound_statement"}
    taken = [(d.node.start_byte, d.node.end_byte) for d in devices]
    out: list[Device] = []
    name = function_name(fn)[0]
    for block in homes.values():
        for s in block.named_children:
            if any(a <= s.start_byte < b for a, b in taken):
                continue
            if not _qualifies(s, scope, on_device):
                continue
            lp = _pseudo_loop(s, lines, name)
            if insertion_problem(lines, lp) is not None:
                continue
            out.append(Device(s, lp, SERIAL))
    return out


def _statements(s: Node) -> list[Node] | None:
    if s.type == "expression_statement":
        return [s]
    if s.type != "compound_statement":
        return None
    kids = [k for k in s.named_children if k.type != "comment"]
    if not kids or len(kids) > _MOST or any(k.type != "expression_statement" for k in kids):
        return None
    return kids


def _qualifies(s: Node, scope, on_device: set[str]) -> bool:
    stmts = _statements(s)
    if stmts is None:
        return False
    for st in stmts:
        e = st.named_children[0] if st.named_child_count == 1 else None
        if e is None or e.type != "assignment_expression" or op(e) not in _ASSIGN_OPS:
            return False
        left, right = _field(e, "left"), _field(e, "right")
        if left is None or right is None or left.type != "subscript_expression":
            return False
        for n in iter_nodes(right):
            if n.type in ("call_expression", "assignment_expression", "update_expression",
                          "pointer_expression", "comma_expression", "field_expression",
                          "compound_literal_expression", "string_literal"):
                return False
    uses = array_uses(s)
    named = set()
    for u in uses:
        if u.member:
            return False
        shape = scope.shape(u.name)
        if shape is None or shape.kind == "other" and shape.levels == 0:
            continue  # a scalar or a macro (array_uses reports every bare name)
        if not shape.whole or u.whole or len(u.subs) != shape.levels or \
                u.name not in on_device or \
                not all(_fixed(x, scope) for x in u.subs):
            return False
        named.add(u.name)
    if not any(u.write for u in uses):
        return False
    for n in iter_nodes(s):
        if n.type == "identifier" and text(n) not in named:
            shape = scope.shape(text(n))
            if shape is not None and (shape.kind != "other" or shape.levels != 0):
                return False
    # every left side is an element the uses saw written
    lefts = [_field(st.named_children[0], "left") for st in stmts]
    return all(left is not None and any(u.write and u.node.id == left.id for u in uses)
               for left in lefts)


def _fixed(sub, scope) -> bool:
    """Is the subscript an integer constant expression of literals and names no declaration
    of the file gives storage (macros, enumerators): the same element wherever it runs?"""
    if isinstance(sub, int):
        return True
    for n in iter_nodes(sub):
        if n.type == "identifier" and scope.decls.get(text(n)):
            return False
        if n.is_named and n.type not in ("identifier", "number_literal", "binary_expression",
                                         "parenthesized_expression", "unary_expression"):
            return False
    return True


def _pseudo_loop(s: Node, lines: LineIndex, function: str | None) -> Loop:
    """A :class:`Loop` standing for the block where the plan lists its loops and puts each
    one's pragma line (above its first line)."""
    row = s.start_point[0]
    return Loop(start_byte=s.start_byte, end_byte=s.end_byte, start_line=row,
                start_col=s.start_point[1], end_line=s.end_point[0], end_col=s.end_point[1],
                start_col_utf16=s.start_point[1], end_col_utf16=s.end_point[1],
                kind=SERIAL_KIND, depth=0, loop_depth=0, perfect_depth=0,
                indent=lines.indent(row), index_var=None, function=function, pragma=None,
                parent_type=s.parent.type if s.parent is not None else None)
