"""Static analysis of one loop nest: the domain model the engines, the safety guard, the LSP
diagnostics and the evaluation share.

:func:`analyze` reads the loop on the tree-sitter tree and returns :class:`LoopFacts`:

* dependences carried by the loop (:class:`Dependence`): affine subscripts in the loop indices
  (``x[i]`` written and ``x[i-1]`` read, Gauss–Seidel sweeps, recurrences), array elements
  written by every iteration (``w[j] -= ...`` inside ``for k``), and scalars read before they
  are written in an iteration (prefix sums);
* reductions ``+ * max min && || & | ^`` in the usual spellings; privatisable scalars and
  scratch arrays;
* indirect writes (``h[idx[i]]++``: needs ``atomic``), early exits, calls with unknown effects;
* the nest (perfect depth, rectangular bounds → how far ``collapse`` may go), the arrays read
  and written with sections from the loop bounds, and the arrays an enclosing data region
  already names (→ ``present``).

Modules: :mod:`.tree` (tree access), :mod:`.affine` (subscripts and the dependence test),
:mod:`.walker` (one walk over the body), :mod:`.reductions` and :mod:`.scalars` (scalar roles),
:mod:`.arrays` (arrays and sections), :mod:`.nest`, :mod:`.context` (enclosing directives),
:mod:`.facts` (the result), :mod:`.notes`, :mod:`.pipeline` (:func:`analyze`).
"""

from accellium.dataset.analysis.context import compute_construct, enclosing_context
from accellium.dataset.analysis.facts import Dependence, DepKind, LoopFacts
from accellium.dataset.analysis.pipeline import analyze

__all__ = ["analyze", "LoopFacts", "Dependence", "DepKind", "enclosing_context",
           "compute_construct"]
