"""The engine interface: every engine (embedded or model-backed) answers a :class:`LoopQuery`.

Embedded engines return a parsed :class:`~accellium.dataset.pragma.Pragma` (or None: advise no
pragma) and typed notes; model engines return their raw text.  :func:`server.suggest.suggest`
is the one place that validates the answer (first ``#pragma acc`` line of raw text, parse),
runs the safety guard and renders the text.  The loop's analysis is computed once per query
(:meth:`LoopQuery.facts`), shared by the engine and the guard.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, runtime_checkable

from accellium.dataset.analysis import LoopFacts, Note, NoteKind, analyze
from accellium.dataset.analysis.scope import LoopScope
from accellium.dataset.pragma import Pragma
from accellium.dataset.prompt import Example

__all__ = ["LoopQuery", "EngineAnswer", "Engine", "EngineError", "EngineUnavailable",
           "REQUEST_ID"]

#: The id of the HTTP request being answered (the access log's ``id``, set by its middleware;
#: None outside a request). Engines that call upstream servers put it in their request ids, so
#: that a line of the gateway's log and the upstream's lines of the same request can be matched.
REQUEST_ID: ContextVar[str | None] = ContextVar("accellium_request_id", default=None)


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
    ``first_line`` is the file line of the code's first line when the caller knows it (the
    CLI, the LSP): the lines the notes name count from it (1: lines of ``code``).
    ``mapped_by_caller``: the caller puts the loop in a data region of its own that maps what
    the loop uses (the offload planner): the safety guard leaves to it the members of struct
    variables no compute construct can map (:func:`server.safety_data.held_members`).
    """

    code: str
    lang: str = "c"
    enclosing: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    adapter: str | None = None
    scope: LoopScope | None = None
    first_line: int = 1
    mapped_by_caller: bool = False

    def facts(self) -> LoopFacts:
        """The analysis of the loop (:func:`accellium.dataset.analysis.analyze` on ``code``),
        computed on the first call and shared by every later one: the engine and the safety
        guard of one suggestion read the same facts. Do not edit them."""
        got = self.__dict__.get("_facts")
        if got is None:
            got = analyze(self.code, self.lang, self.enclosing, self.scope, self.first_line)
            object.__setattr__(self, "_facts", got)  # a cache, not part of the value
        return got

    @property
    def stripped(self) -> str:
        return _strip(self.code)


@lru_cache(maxsize=4096)
def _strip(code: str) -> str:
    from accellium.dataset.loops import strip_acc_pragmas

    return strip_acc_pragmas(code)


@dataclass
class EngineAnswer:
    """An engine's answer. ``pragma`` None (and no ``raw``) means: advise no pragma (``notes``
    say why). ``pragma`` is a parsed Pragma (embedded engines) or text the pipeline parses;
    ``raw`` a model's whole answer. Plain-text notes become :class:`Note` of kind
    ``engine``."""

    pragma: Pragma | str | None
    notes: list[Note] = field(default_factory=list)
    raw: str | None = None
    alternatives: list[Pragma | str] = field(default_factory=list)
    # calibrated probability that ``pragma`` is what the project would write (None: unknown)
    confidence: float | None = None

    def __post_init__(self) -> None:
        self.notes = [Note.of(n, NoteKind.ENGINE) for n in self.notes]


@runtime_checkable
class Engine(Protocol):
    name: str

    def suggest(self, query: LoopQuery) -> EngineAnswer: ...
