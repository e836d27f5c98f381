"""Baseline engines for comparison (issue 3): no analysis, no learning.

``const``   always ``#pragma acc parallel loop``.
``context`` ``#pragma acc loop`` when an enclosing directive is a compute construct
            (``parallel``, ``kernels``, ``serial``) or a loop directive (the loop sits under an
            annotated loop), else ``#pragma acc parallel loop``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accellium.dataset.analysis import Note
from accellium.dataset.pragma import COMPUTE_DIRECTIVES, LOOP_DIRECTIVES, PragmaError, parse
from accellium.server.engines.base import EngineAnswer, LoopQuery

__all__ = ["ConstEngine", "ContextEngine", "inside_compute_or_loop"]


def inside_compute_or_loop(enclosing: Sequence[str]) -> bool:
    """True when any enclosing directive is a compute construct or a loop directive."""
    for text in enclosing:
        try:
            d = parse(text).directive
        except PragmaError:
            continue
        if d in COMPUTE_DIRECTIVES or d in LOOP_DIRECTIVES:
            return True
    return False


class ConstEngine:
    """Always ``#pragma acc parallel loop``."""

    name = "const"
    PRAGMA = "#pragma acc parallel loop"

    def __init__(self, train: Any = None, **_: Any) -> None:
        pass

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        return EngineAnswer(pragma=self.PRAGMA)


class ContextEngine:
    """``loop`` inside a compute region or under an annotated loop, else ``parallel loop``."""

    name = "context"

    def __init__(self, train: Any = None, **_: Any) -> None:
        pass

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        if inside_compute_or_loop(query.enclosing):
            return EngineAnswer(pragma="#pragma acc loop",
                                notes=[Note.of("inside a compute region: 'loop' shares its iterations")])
        return EngineAnswer(pragma="#pragma acc parallel loop")
