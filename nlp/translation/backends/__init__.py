"""Backends run one seq2seq model: ``generate(texts) -> list[str]``, within token budgets.

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
    """The backend ``config.backend`` names, running ``model``."""
    return backend_class(config.backend)(model, config, options)
