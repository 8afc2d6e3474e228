"""Backends run one model: ``generate(texts) -> list[str]``, within token budgets.

Each backend is a class in its own module, registered here by its
:class:`~nlp.config.Backend` name and imported on first use (a backend's runtime is an
optional dependency).  Adding a backend: a module with a :class:`~.base.TokenBudget`
subclass taking ``(model, config, options)``, a member of ``Backend``, a row below.
"""

from __future__ import annotations

import importlib

from ...config import Backend, Config
from ...models import LocalModel
from .base import GenerationOptions

_CLASSES: dict[Backend, tuple[str, str]] = {
    Backend.transformers: (".hf", "TransformersBackend"),
    Backend.ctranslate2: (".ct2", "CTranslate2Backend"),
}


def backend_class(name: Backend | str) -> type:
    module, attribute = _CLASSES[Backend.parse(name, "backend")]
    return getattr(importlib.import_module(module, __name__), attribute)


def make_backend(model: LocalModel, config: Config, options: GenerationOptions = GenerationOptions()):
    """The backend ``config.backend`` names, running ``model``; a decoder-only model (its
    own config says so) runs on that runtime through :class:`~.llm.LLMBackend`."""
    from ...llm import DECODER, model_kind

    if model_kind(model.path) == DECODER:
        from .llm import LLMBackend

        return LLMBackend(model, config, options, model.spec.target or model.name.split("-")[-1])
    return backend_class(config.backend)(model, config, options)
