"""Provenance signatures: how an output was made, in a short stable form, and back.

Every written post records ``nlp: SIGNATURE src=HASH``.  The classes here own both
directions, formatting and parsing, so no other module builds or takes apart these
strings.  Three shapes occur:

* a model, as a translation engine ran it:
  ``zh-en=Helsinki-NLP/opus-mt-zh-en@6b02b2132d97:ctranslate2-int8:bmodel:r2.5``
  (registry name, hub id or folder, revision, backend-variant, generation options);
* a pivot chain of models: ``pivot(zh-en=...,en-ja=...)``;
* an enrichment: ``0.1.0 kw=phrase-tfidf:k5:idf=jieba sum=textrank:s2:c200
  mt=en:zh-en=...;ja:zh-ja=...`` (tool version, keyword method, summary method, and the
  translators of the ``_en`` / ``_ja`` fields).

:meth:`request` is a signature less *how* it was made (tool version, model revisions,
backend): two outputs with the same request answer the same question, one of them with
an older producer, which ``--refresh`` redoes.  It knows nothing of backend names, so a
new backend needs no change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

_PIVOT_PARTS = re.compile(r",(?=[^,=@]+=)")  # a comma that starts the next NAME=...


@dataclass(frozen=True)
class ModelSignature:
    """``NAME=REF@REVISION[:BACKEND-VARIANT][:OPTIONS]``."""

    name: str
    ref: str  # hub id or folder as the user gave it
    revision: str
    backend: str = ""
    variant: str = ""
    options: str = ""

    def __str__(self) -> str:
        text = f"{self.name}={self.ref}@{self.revision[:12]}"
        if self.backend:
            text += f":{self.backend}-{self.variant}"
        if self.options:
            text += f":{self.options}"
        return text

    def request(self) -> str:
        return f"{self.name}={self.ref}" + (f":{self.options}" if self.options else "")

    @classmethod
    def parse(cls, text: str) -> "ModelSignature | None":
        name, sep, rest = text.partition("=")
        if not sep or "@" not in rest or " " in name:
            return None
        ref, _, tail = rest.rpartition("@")  # a revision never holds "@"
        revision, _, tail = tail.partition(":")
        runtime, _, options = tail.partition(":")
        backend, _, variant = runtime.partition("-")
        return cls(name, ref, revision, backend, variant, options)


@dataclass(frozen=True)
class PivotSignature:
    """``pivot(MODEL,MODEL...)``: a translation through a chain of models."""

    parts: tuple[ModelSignature, ...]

    def __str__(self) -> str:
        return "pivot(" + ",".join(str(part) for part in self.parts) + ")"

    def request(self) -> str:
        return "pivot(" + ",".join(part.request() for part in self.parts) + ")"

    @classmethod
    def parse(cls, text: str) -> "PivotSignature | None":
        if not (text.startswith("pivot(") and text.endswith(")")):
            return None
        parts = [ModelSignature.parse(piece) for piece in _PIVOT_PARTS.split(text[len("pivot(") : -1])]
        if not parts or any(part is None for part in parts):
            return None
        return cls(tuple(parts))  # type: ignore[arg-type]


TranslatorSignature = Union[ModelSignature, PivotSignature]


def parse_translator(text: str) -> TranslatorSignature | None:
    return PivotSignature.parse(text) or ModelSignature.parse(text)


def _summary_request(summary: str) -> str:
    """``abs:REF@REV:s2:c200`` -> ``abs:REF:s2:c200``; an extractive method as it is."""
    method, sep, rest = summary.partition(":")
    if method != "abs" or "@" not in rest:
        return summary
    ref, _, tail = rest.rpartition("@")
    _, _, options = tail.partition(":")
    return f"abs:{ref}:{options}"


@dataclass(frozen=True)
class EnrichSignature:
    """``VERSION kw=KEYWORDS sum=SUMMARY[ mt=LANG:TRANSLATOR;LANG:TRANSLATOR]``."""

    version: str
    keywords: str  # e.g. phrase-tfidf:k5:idf=jieba
    summary: str  # e.g. textrank:s2:c200, or abs:REF@REV:s2:c200
    mt: tuple[tuple[str, str], ...] = ()  # (language, translator signature)

    def __str__(self) -> str:
        return f"{self.version} kw={self.keywords} sum={self.summary}" + (f" {self.mt_part}" if self.mt else "")

    @property
    def mt_part(self) -> str:
        return mt_signature(dict(self.mt))

    def keys(self) -> tuple[str, str]:
        """The front matter keys the summary and keywords went under (``:as=KEY``)."""
        def named(part: str, default: str) -> str:
            head, sep, key = part.rpartition(":as=")
            return key if sep else default

        return named(self.summary, "summary"), named(self.keywords, "keywords")

    def request(self) -> str:
        mt = ";".join(f"{lang}:{_request(sig)}" for lang, sig in self.mt)
        return f"kw={self.keywords} sum={_summary_request(self.summary)}" + (f" mt={mt}" if mt else "")

    @classmethod
    def parse(cls, text: str) -> "EnrichSignature | None":
        version, sep, rest = text.partition(" kw=")
        if not sep or " " in version:
            return None
        keywords, sep, rest = rest.partition(" sum=")
        if not sep:
            return None
        summary, _, mt = rest.partition(" mt=")
        pairs = []
        for item in filter(None, mt.split(";")):
            lang, sep, signature = item.partition(":")
            if not sep:
                return None
            pairs.append((lang, signature))
        return cls(version, keywords, summary, tuple(pairs))


def mt_signature(signatures: dict[str, str]) -> str:
    """The ``mt=`` part of fields made by translators signing ``{lang: signature}``."""
    return "mt=" + ";".join(f"{lang}:{signature}" for lang, signature in signatures.items())


def _request(signature: str) -> str:
    parsed = parse_translator(signature)
    return parsed.request() if parsed is not None else signature


def request_of(signature: str) -> str:
    """What was asked for, without how it was made (see the module's docstring).  A
    signature of an unknown shape is its own request."""
    enriched = EnrichSignature.parse(signature)
    if enriched is not None:
        return enriched.request()
    return _request(signature)


@dataclass(frozen=True)
class Provenance:
    """``SIGNATURE[ kept=KEY,KEY] src=HASH``: what made an output, from which content of
    its post, and which of the keys nlp writes hold the author's own values (kept as
    they are: a hand-written ``summary:``)."""

    signature: str
    source_hash: str
    kept: tuple[str, ...] = ()

    def __str__(self) -> str:
        kept = f" kept={','.join(self.kept)}" if self.kept else ""
        return f"{self.signature}{kept} src={self.source_hash}"

    @classmethod
    def parse(cls, text: str) -> "Provenance":
        signature, _, source_hash = str(text).rpartition(" src=")
        head, sep, kept = signature.rpartition(" kept=")
        if sep and " " not in kept:
            return cls(head, source_hash, tuple(filter(None, kept.split(","))))
        return cls(signature, source_hash)
