"""An engine that answers one fixed pragma, as a model may: for tests of what the pipeline
(the safety guard) makes of an answer, whatever engine gave it."""

from __future__ import annotations

from accellium.server.engines.base import EngineAnswer, LoopQuery


class FixedAnswer:
    name = "fixed"

    def __init__(self, pragma: str) -> None:
        self.pragma = pragma

    def suggest(self, query: LoopQuery) -> EngineAnswer:
        return EngineAnswer(pragma=self.pragma)
