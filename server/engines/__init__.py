"""Engine registry: ``get_engine(name, **options)`` builds engines by name.

Embedded engines (no model) are registered here; model engines (``hf``, ``vllm``, and
``openai``, the gateway to vLLM servers) register lazily so that importing this package never
imports torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from accellium.server.engines.base import (
    Engine,
    EngineAnswer,
    EngineError,
    EngineUnavailable,
    LoopQuery,
)

__all__ = ["Engine", "EngineAnswer", "EngineError", "EngineUnavailable", "LoopQuery",
           "get_engine", "engine_names", "register", "EMBEDDED_ENGINES"]

# name -> "module:factory"; factories take keyword options (e.g. train=records).
_REGISTRY: dict[str, str] = {
    "analysis": "accellium.server.engines.analysis:AnalysisEngine",
    "retrieval": "accellium.server.engines.retrieval:RetrievalEngine",
    "auto": "accellium.server.engines.auto:AutoEngine",
    "const": "accellium.server.engines.baselines:ConstEngine",
    "context": "accellium.server.engines.baselines:ContextEngine",
    "hf": "accellium.server.engines.hf:HFEngine",
    "vllm": "accellium.server.engines.vllm_engine:VLLMEngine",
    "openai": "accellium.server.engines.openai_engine:OpenAIEngine",
}
EMBEDDED_ENGINES = ("auto", "analysis", "retrieval", "const", "context")


def register(name: str, target: str) -> None:
    """Register ``module:factory`` under ``name``."""
    _REGISTRY[name] = target


def engine_names() -> list[str]:
    return sorted(_REGISTRY)


def _factory(name: str) -> Callable[..., Engine]:
    if name not in _REGISTRY:
        raise KeyError(f"unknown engine '{name}' (choose from {', '.join(engine_names())})")
    mod, _, attr = _REGISTRY[name].partition(":")
    try:
        module = importlib.import_module(mod)
    except ImportError as e:
        raise EngineUnavailable(f"engine '{name}' cannot be loaded here: {e}") from e
    return getattr(module, attr)


def get_engine(name: str, **options: Any) -> Engine:
    """Build the engine ``name``. Unknown name → KeyError; missing dependency → EngineUnavailable."""
    return _factory(name)(**options)
