"""Translators a run builds from the registry, and the translated front matter fields.

:func:`translators_for` gives one translator per target language (an
:class:`~nlp.translation.engine.Engine`, or a chain of them for a pivot entry), every
model located before any file is touched.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ..config import Config
from ..models.registry import chain, locate, translation_name
from .backends import make_backend
from .backends.base import GenerationOptions
from ..languages import opus_token
from ..models.llm import DECODER
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
    # replacement (whose script nobody told us: its input goes as written); a replacement
    # that is a multi-target OPUS-MT model gets its language's token.
    own = model.ref == model.spec.model
    engine = BlockEngine if getattr(backend, "kind", "") == DECODER else Engine
    return engine(backend, memory, target, model.spec.prefix if own else target_prefix(backend, target), options,
                  script=model.spec.script if own else "any")


def target_prefix(backend, target: str) -> str:
    """``>>jpn<< `` when the backend's vocabulary holds the target's OPUS-MT token (a
    multi-target model chooses its output language by it), else ""."""
    token = opus_token(target)
    tokenizer = getattr(backend, "tokenizer", None)
    if not token or tokenizer is None or getattr(backend, "kind", "") == DECODER:
        return ""
    try:
        vocabulary = tokenizer.get_vocab()
    except (AttributeError, NotImplementedError):
        return ""
    return f"{token} " if token in vocabulary else ""


def translators_for(config: Config) -> dict[str, Translator]:
    """One translator per target language, every model located before any file is touched."""
    memory = TranslationMemory.for_config(config)
    return {lang: build_translator(translation_name(lang, config.models), config.models, config, memory) for lang in config.to}


def translate_fields(translators: Mapping[str, Translator], items: Sequence[tuple[str, str, Sequence[str]]]
                     ) -> list[dict[tuple[str, str], str | list[str]]]:
    """The translated ``(field, lang)`` values (``("title", "en")``; the fields of
    :class:`~nlp.posts.post.OutputKeys`) of many posts, given as ``(title, summary,
    keywords)``: their sentences share the model's batches."""
    results: list[dict] = [{} for _ in items]
    for lang, translator in translators.items():
        texts = [text for title, summary, keywords in items for text in (title, summary, *keywords)]
        out = iter(translator.translate(texts))
        for fields, (title, summary, keywords) in zip(results, items):
            title_t, summary_t = next(out), next(out)
            keywords_t = [next(out) for _ in keywords]
            if title:
                fields["title", lang] = title_t
            if summary:
                fields["summary", lang] = summary_t
            if keywords:
                fields["keywords", lang] = keywords_t
    return results


def translate_text(text: str, config: Config) -> dict[str, str]:
    """``nlp translate -``: plain text, each line on its own."""
    out = {}
    for lang, translator in translators_for(config).items():
        lines = text.splitlines()
        out[lang] = "\n".join(translator.translate(lines))
    return out

