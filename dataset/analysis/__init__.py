"""Static analysis of one loop nest: the domain model the engines, the safety guard, the LSP
diagnostics and the evaluation share.

:func:`analyze` reads the loop on the tree-sitter tree and returns :class:`LoopFacts`:

* dependences carried by the loop (:class:`Dependence`): affine subscripts in the loop indices
  (``x[i]`` written and ``x[i-1]`` read, Gauss–Seidel sweeps, recurrences), array elements
  written by every iteration (``w[j] -= ...`` inside ``for k``), and scalars read before they
  are written in an iteration (prefix sums);
* reductions ``+ * max min && || & | ^`` in the usual spellings; privatisable scalars and
  scratch arrays;
* indirect writes (``h[idx[i]]++``, also through locals: needs ``atomic``), early exits, calls
  with effects beyond their iteration, scalars read after the loop (with a :class:`LoopScope`:
  the file around the loop);
* the nest (perfect depth, rectangular bounds → how far ``collapse`` may go), the arrays read
  and written with sections from the loop bounds, and the arrays an enclosing data region
  already names (→ ``present``).

Modules: :mod:`.tree` (tree access), :mod:`.polynomial` (the form of subscripts and bounds,
its arithmetic), :mod:`.affine` (subscripts and the dependence test),
:mod:`.walker` (one walk over the body), :mod:`.reductions` and :mod:`.scalars` (scalar roles),
:mod:`.arrays` (arrays and sections), :mod:`.indirect` (writes to elements chosen by data),
:mod:`.calls`, :mod:`.library` and :mod:`.summaries` (what calls do), :mod:`.liveness` and
:mod:`.liveout` (scalars read after the loop), :mod:`.scope` (the file around the loop, a
:class:`LoopScope`), :mod:`.nest`, :mod:`.context` (enclosing directives), :mod:`.clauses`
(what a clause may carry), :mod:`.facts` (the result), :mod:`.notes`, :mod:`.pipeline`
(:func:`analyze`).
"""

from accellium.dataset.analysis.context import (
    LEVELS,
    compute_construct,
    enclosing_context,
    enclosing_level,
    gang_redundant,
)
from accellium.dataset.analysis.facts import (
    Dependence,
    DepKind,
    Exit,
    ExitKind,
    HeldMember,
    LoopFacts,
    Note,
    NoteKind,
    objects_first,
)
from accellium.dataset.analysis.pipeline import analyze
from accellium.dataset.analysis.scope import MAX_SCOPE_BYTES, LoopScope, scope_of

__all__ = ["analyze", "LoopFacts", "Dependence", "DepKind", "Exit", "ExitKind", "HeldMember", "Note", "NoteKind",
           "enclosing_context", "compute_construct", "enclosing_level", "gang_redundant", "LEVELS", "LoopScope", "scope_of",
           "MAX_SCOPE_BYTES", "objects_first"]
