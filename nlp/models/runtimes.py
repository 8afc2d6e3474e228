"""The one map from a runtime (``--backend``) to the classes that run a model on it.

Each runtime has two: the translation backend for an encoder-decoder model (Marian,
mT5: a :class:`~nlp.translation.backends.base.TokenBudget` in ``translation/backends``)
and the runtime for a decoder-only model (:mod:`nlp.models.llm`, which the LLM
translator and the LLM summarizer share).  Classes are named by path and imported on
first use: a runtime's library is an optional dependency.

Adding a runtime: a member of :class:`~nlp.config.Backend` and a row here; a member
without a row is a clear error, never a bare ``KeyError``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..config import Backend
from ..errors import ConfigError

SEQ2SEQ = "seq2seq"
DECODER = "decoder"


@dataclass(frozen=True)
class Runtime:
    seq2seq: str  # "module:Class" of the translation backend for encoder-decoder models
    decoder: str  # "module:Class" of the runtime for decoder-only models


RUNTIMES: dict[Backend, Runtime] = {
    Backend.transformers: Runtime("nlp.translation.backends.hf:TransformersBackend", "nlp.models.llm:TransformersLM"),
    Backend.ctranslate2: Runtime("nlp.translation.backends.ct2:CTranslate2Backend", "nlp.models.llm:CTranslate2LM"),
}


def runtime_class(backend: Backend | str, kind: str) -> type:
    """The class that runs a ``kind`` (``seq2seq`` or ``decoder``) model on ``backend``."""
    chosen = Backend.parse(backend, "backend")
    row = RUNTIMES.get(chosen)
    path = getattr(row, kind, "") if row is not None else ""
    if not path:
        raise ConfigError(f"the {chosen.value} backend cannot run {kind} models (no row in nlp/models/runtimes.py)")
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
