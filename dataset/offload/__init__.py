"""Offload a whole function: one data region, the per-loop pragmas inside it with ``present``,
``update`` lines where host code between the loops touches device data, ``enter``/``exit data``
where the function allocates or frees an array inside the region, ``routine seq`` above the
functions the loops call (issue #15).

:func:`plan_source` returns a :class:`FunctionPlan` per function: line edits
(:class:`PlanEdit`) and what they do.  The per-loop pragmas come from an :data:`Advisor` the
caller passes (the server wraps the one suggestion pipeline and its safety guard); their data
clauses are replaced whatever the engine's style.

Modules: :mod:`.poly` (polynomials of subscripts and bounds), :mod:`.uses` (array uses and
assignments of any code), :mod:`.shapes` (what a name is: pointer, true array, rows;
allocations), :mod:`.extent` (the elements a subscript reaches while its loops run),
:mod:`.device` (which loops go to the device, routines), :mod:`.structure` (candidate ranges,
host code, where a directive line can go), :mod:`.arrays` (sections, loops left on the host),
:mod:`.flow` (updates, copyin/copyout/create, lifetimes), :mod:`.region` (the best region),
:mod:`.calls` and :mod:`.callsites` (a caller's region around calls to functions whose plans
offload loops),
:mod:`.assemble` (edits), :mod:`.edits`, :mod:`.plan`.
"""

from accellium.dataset.offload.device import Advisor, LoopAdvice
from accellium.dataset.offload.edits import PlanEdit, Rank
from accellium.dataset.offload.plan import FunctionPlan, PlanInputError, plan_source

__all__ = ["plan_source", "FunctionPlan", "PlanEdit", "Rank", "PlanInputError", "Advisor",
           "LoopAdvice"]
