"""Translators a run builds from the registry, and the translated front matter fields.

:func:`translators_for` gives one translator per target language (an
:class:`~nlp.translation.engine.Engine`, or a chain of them for a pivot entry), every
model located before any file is touched.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ..config import Config
from ..models import chain, locate, translation_name
from .backends import make_backend
from .backends.base import GenerationOptions
from ..llm import DECODER
from .engine import BlockEngine, Engine, PivotEngine, Translator
from .memory import TranslationMemory


def build_translator(name: str, overrides: Mapping[str, str] = {}, config: Config | None = None,
                     memory: TranslationMemory | None = None) -> Translator:
    """An engine for registry entry ``name`` (a pivot entry gives a chain of engines)."""
    config = config or Config()
    parts = chain(name, overrides)
    if parts != (name,):
        return PivotEngine([build_translator(part, overrides, config, memory) for part in parts])
    model = locate(name, overrides)
    options = GenerationOptions()
    backend = make_backend(model, config, options)
    target = model.spec.target or name.split("-")[-1]
    # The registry's prefix (>>jpn<<) and script belong to the registry's model, not to a
    # replacement (whose script nobody told us: its input goes as written).
    own = model.ref == model.spec.model
    engine = BlockEngine if getattr(backend, "kind", "") == DECODER else Engine
    return engine(backend, memory, target, model.spec.prefix if own else "", options,
                  script=model.spec.script if own else "any")


def translators_for(config: Config) -> dict[str, Translator]:
    """One translator per target language, every model located before any file is touched."""
    memory = TranslationMemory.for_config(config)
    return {lang: build_translator(translation_name(lang, config.models), config.models, config, memory) for lang in config.to}


def translate_fields(translators: Mapping[str, Translator], items: Sequence[tuple[str, str, Sequence[str]]]) -> list[dict]:
    """``title_en``, ``summary_en``, ``keywords_en`` (and ``_ja``...) of many posts, given
    as ``(title, summary, keywords)``: their sentences share the model's batches."""
    results: list[dict] = [{} for _ in items]
    for lang, translator in translators.items():
        texts = [text for title, summary, keywords in items for text in (title, summary, *keywords)]
        out = iter(translator.translate(texts))
        for fields, (title, summary, keywords) in zip(results, items):
            title_t, summary_t = next(out), next(out)
            keywords_t = [next(out) for _ in keywords]
            if title:
                fields[f"title_{lang}"] = title_t
            if summary:
                fields[f"summary_{lang}"] = summary_t
            if keywords:
                fields[f"keywords_{lang}"] = keywords_t
    return results


def translate_text(text: str, config: Config) -> dict[str, str]:
    """``nlp translate -``: plain text, each line on its own."""
    out = {}
    for lang, translator in translators_for(config).items():
        lines = text.splitlines()
        out[lang] = "\n".join(translator.translate(lines))
    return out

