"""Backends run one model: ``generate(texts) -> list[str]``, within token budgets.

Each backend is a class in its own module, named with its runtime in
:data:`nlp.models.runtimes.RUNTIMES` and imported on first use (a backend's runtime is
an optional dependency).  Adding a backend: a module with a :class:`~.base.TokenBudget`
subclass taking ``(model, config, options)``, a member of ``Backend``, a row in that map.
"""

from __future__ import annotations

from ...config import Config
from ...models.llm import model_kind
from ...models.registry import LocalModel
from ...models.runtimes import DECODER, SEQ2SEQ, runtime_class
from .base import GenerationOptions


def make_backend(model: LocalModel, config: Config, options: GenerationOptions = GenerationOptions()):
    """The backend ``config.backend`` names, running ``model``; a decoder-only model (its
    own config says so) runs on that runtime through :class:`~.llm.LLMBackend`."""
    if model_kind(model.path) == DECODER:
        from .llm import LLMBackend

        return LLMBackend(model, config, options, model.spec.target or model.name.split("-")[-1])
    return runtime_class(config.backend, SEQ2SEQ)(model, config, options)
