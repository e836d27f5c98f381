"""The engine interface: every engine (embedded or model-backed) answers a :class:`LoopQuery`.

Engines return raw text; :func:`server.suggest.suggest` post-processes every answer the same way
(first ``#pragma acc`` line, parse, validate, safety guard, notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, runtime_checkable

from accellium.dataset.analysis.scope import LoopScope
from accellium.dataset.prompt import Example

__all__ = ["LoopQuery", "EngineAnswer", "Engine", "EngineError", "EngineUnavailable"]


class EngineError(RuntimeError):
    """An engine failed to answer (model error, bad output, ...)."""


class EngineUnavailable(EngineError):
    """The engine is not loaded or cannot run here (HTTP 503)."""


@dataclass(frozen=True)
class LoopQuery:
    """One loop to annotate.

    ``code`` is the ``for`` statement as in the buffer (nested ``#pragma acc`` lines may be
    present; engines that need the model input use :attr:`stripped`).  ``enclosing`` are the
    OpenACC directives whose scope contains the loop, outermost first.  ``examples`` are
    pragma–loop pairs of the user's project (workspace style), nearest first.  ``scope``
    (optional) is the file the loop is in and where it starts
    (:func:`accellium.dataset.analysis.scope_of`): the analysis then sees the code after the
    loop and the functions the loop calls; without it, it decides conservatively.
    """

    code: str
    lang: str = "c"
    enclosing: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    adapter: str | None = None
    scope: LoopScope | None = None

    @property
    def stripped(self) -> str:
        return _strip(self.code)


@lru_cache(maxsize=4096)
def _strip(code: str) -> str:
    from accellium.dataset.loops import strip_acc_pragmas

    return strip_acc_pragmas(code)


@dataclass
class EngineAnswer:
    """An engine's answer. ``pragma`` None means: advise no pragma (``notes`` say why)."""

    pragma: str | None
    notes: list[str] = field(default_factory=list)
    raw: str | None = None
    alternatives: list[str] = field(default_factory=list)
    # calibrated probability that ``pragma`` is what the project would write (None: unknown)
    confidence: float | None = None


@runtime_checkable
class Engine(Protocol):
    name: str

    def suggest(self, query: LoopQuery) -> EngineAnswer: ...
