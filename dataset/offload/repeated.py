"""Loops a host loop of the region repeats, with transfers in every iteration: the plan keeps
them on the host when each iteration moves more elements than they do iterations
(:func:`work_count`, :func:`moved_count`, ``plan._host_repeated``).

A data region holds its arrays on the device across its host loops, so a loop the region
repeats pays its clauses once while its work grows with the repetitions -- unless the host
code between the launches needs the data: each ``update`` of the region inside a host loop
runs in every iteration and copies its section between the two memories each time (OpenACC
3.3, 2.14.4: ``update`` copies whether or not the data is present).  A loop of a few
iterations (``for (m = 0; m < 5; m++)`` over one point's components) inside a host loop over
a grid, with host code reading and writing whole arrays between the launches, moves those
arrays once per point to do five iterations of work: on the host, that work costs less than
one transfer of the arrays.  So the plan compares, per iteration of the outermost host loop
of the region around the loops, the elements the ``update`` lines in it move (the sum of
their sections' lengths) with the iterations of the offloaded loops in it (the sum of their
trip-count products), by :func:`degree` (a product of more sizes is larger, a coefficient
by its magnitude, as the planner weighs a section's length): when the updates' degree is
higher, the loops are planned again on the host, together (leaving one alone on the host
would move its data for the others), and kept there when the function's transfer estimate
drops.  Equal degrees keep the loops offloaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tree_sitter import Node

from accellium.dataset.analysis.polynomial import constant
from accellium.dataset.analysis.tree import field as _field
from accellium.dataset.analysis.tree import iter_nodes, op, unparen
from accellium.dataset.loops import parse_tree
from accellium.dataset.offload import poly
from accellium.dataset.offload.device import Device
from accellium.dataset.offload.flow import Update
from accellium.dataset.offload.generate import straight_work
from accellium.dataset.offload.ranges import plain_range
from accellium.dataset.offload.region import Region, magnitude

__all__ = ["work_count", "moved_count", "degree", "REPEATED_WHY"]

#: Why a loop a host loop repeats stays on the host (the plan's note).
REPEATED_WHY = ("a host loop of the region repeats it, and each iteration would move more "
                "elements with `update` lines for the host code around it than the loops it "
                "repeats run iterations: on the host they move nothing")


def work_count(d: Device) -> poly.Poly | None:
    """The iterations of one run of the offloaded loop ``d``: the sum over its ``for`` loops
    of the product of the trip counts (``hi - lo + 1`` from each header; a step other than 1
    counted as 1, which only makes the work larger) from ``d`` down to it.  None when the work
    is not what the headers tell: a range that cannot be read, a ``while``/``do``/``goto``, a
    call of a function of the program (:func:`.generate.straight_work`)."""
    node = d.node
    if d.routines or not straight_work(node):
        return None
    counts: dict[int, poly.Poly] = {}
    total: poly.Poly = {}
    for n in iter_nodes(node):
        if n.type != "for_statement":
            continue
        r = plain_range(n)
        if r is None or len(r.lo) != 1 or len(r.hi) != 1:
            return None
        length = poly.add(poly.sub(r.hi[0], r.lo[0]), poly.const(1))
        outer = n.parent
        while outer is not None and outer.id not in counts and outer.id != node.id:
            outer = outer.parent
        here = poly.mul(counts.get(outer.id, poly.const(1)) if outer is not None
                        else poly.const(1), length)
        if here is None:
            return None
        counts[n.id] = here
        total = poly.add(total, here)
    return total


def moved_count(region: Region, ups: Sequence[Update]) -> poly.Poly | None:
    """The elements one run of each of the ``update`` lines ``ups`` moves, summed: the product
    of its section's lengths, or of the array's spans when the section names the array whole.
    None when a length cannot be read as a polynomial."""
    total: poly.Poly = {}
    for u in ups:
        count: poly.Poly | None = poly.const(1)
        if "[" not in u.section:  # a true array named whole: every element it declares
            info = region.arrays.get(u.array)
            if info is None or info.shape.kind != "array" or not info.shape.dims:
                return None
            for dim in info.shape.dims:
                count = poly.mul(count, _length(dim))
        else:
            lengths = re.findall(r"\[[^\[\]:]*:([^\[\]]*)\]", u.section)
            if not lengths:
                return None
            for x in lengths:
                count = poly.mul(count, _length(x))
        if count is None:
            return None
        total = poly.add(total, count)
    return total


def degree(count: poly.Poly) -> int:
    """How large a number of elements or iterations is taken to be: the largest, over its
    terms, of the number of sizes multiplied in the term plus the magnitude of its coefficient
    (:func:`.region.magnitude`: 10 and more count as one more unknown size, 1000 and more as
    two), so that ``90*NP`` (90 rows of a size) outweighs 15 iterations and ``2*nx*ny`` weighs
    as ``NX*NY``."""
    return max((len(t) + magnitude(abs(c)) for t, c in count.items() if c), default=0)


def _length(expr: str) -> poly.Poly | None:
    """The polynomial of a section's length or an array's declared size as written (``N*j``,
    ``n-1``, the names of macros read as names, as loop bounds are); a quotient by a positive
    number (``NX*NY*3/4``) is read as its dividend, a product of the same sizes (the same
    degree), divided when it is a number (C11 6.5.5p6: integer division)."""
    tree = parse_tree(f"int __len = {expr};".encode(), "c")
    for n in iter_nodes(tree.root_node):
        if n.type == "init_declarator":
            return _read(n.child_by_field_name("value"))
    return None


def _read(node: Node | None) -> poly.Poly | None:
    node = unparen(node)
    got = poly.poly_of(node)
    if got is not None or node is None or node.type != "binary_expression":
        return got
    o = op(node)
    left, right = _read(_field(node, "left")), _read(_field(node, "right"))
    if left is None or right is None:
        return None
    if o == "/":
        k = constant(right)
        if k is None or k <= 0:
            return None
        c = constant(left)
        return poly.const(c // k) if c is not None else left
    if o in ("+", "-"):
        return poly.add(left, right, 1 if o == "+" else -1)
    return poly.mul(left, right) if o == "*" else None
