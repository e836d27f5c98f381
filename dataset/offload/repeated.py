"""Loops a host loop of the region repeats, with transfers in every iteration: the plan keeps
them on the host when each iteration moves more than they do (:func:`work_weight`,
``plan._host_repeated``).

A data region holds its arrays on the device across its host loops, so a loop the region
repeats pays its transfers once while its work grows with the repetitions -- unless the host
code between the launches needs the data: each ``update`` of the region inside a host loop
runs in every iteration, and copies its section between the two memories each time (OpenACC
3.3, 2.14.4: ``update`` copies whether or not the data is present).  A loop of a few
iterations (``for (m = 0; m < 5; m++)`` over one point's components) inside a host loop over
a grid, with host code reading and writing whole arrays between the launches, moves those
arrays once per point to do five iterations of work: on the host, its work costs less than
one transfer of the arrays.  So the plan weighs, per iteration of the outermost host loop of
the region around the loops, the ``update`` lines in it (each by its section's weight,
:func:`.region.update_weight`) against the work of the offloaded loops in it (each by the
weight of its iteration count, :func:`work_weight`): when the updates weigh more, the loops
are planned again on the host, together (leaving one alone on the host would move its data
for the others), and kept there when the function's transfer estimate drops.
"""

from __future__ import annotations

from accellium.dataset.analysis.tree import iter_nodes
from accellium.dataset.offload import poly
from accellium.dataset.offload.device import Device
from accellium.dataset.offload.generate import straight_work
from accellium.dataset.offload.ranges import plain_range
from accellium.dataset.offload.region import count_degree

__all__ = ["work_weight", "REPEATED_WHY"]

#: Why a loop a host loop repeats stays on the host (the plan's note).
REPEATED_WHY = ("a host loop of the region repeats it, and each iteration would move more "
                "data with `update` lines for the host code around it than the loops it "
                "repeats do work: on the host they move nothing")


def work_weight(d: Device) -> int | None:
    """How much work one run of the offloaded loop ``d`` is taken to be, as a transfer's
    weight (:func:`.region.count_degree`): 1 + the largest degree of the iteration count of a
    path through its ``for`` nest (each loop's count ``hi - lo + 1`` from its header; a step
    other than 1 counted as 1, which only makes the work larger).  None when the work is not
    what the headers tell: a loop whose range cannot be read, a ``while``/``do``/``goto``, a
    call of a function of the program (:func:`.generate.straight_work`)."""
    node = d.node
    if d.routines or not straight_work(node):
        return None
    deg: dict[int, int] = {}
    best = 0
    for n in iter_nodes(node):
        if n.type != "for_statement":
            continue
        r = plain_range(n)
        if r is None or len(r.lo) != 1 or len(r.hi) != 1:
            return None
        length = poly.add(poly.sub(r.hi[0], r.lo[0]), poly.const(1))
        outer = n.parent
        while outer is not None and outer.id not in deg and outer.id != node.id:
            outer = outer.parent
        here = count_degree(length) + (deg.get(outer.id, 0) if outer is not None else 0)
        deg[n.id] = here
        best = max(best, here)
    return 1 + best
