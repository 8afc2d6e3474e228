"""Keywords: noun-phrase-like candidates scored by TF-IDF from the user's own archive.

Candidates are runs of content words between stop words, punctuation and numbers;
phrases of up to three words come out whole (``互联汽车``, ``卷积神经网络``).  Phrase
document frequencies come from the IDF table that ``nlp idf build`` writes, so a
term the archive uses as a unit scores as one.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import ConfigError
from .segment import Analysis, data_lines, token_class

IDF_HEADER = "#nlp-idf"
MAX_NGRAM = 3
_ENGLISH_STOP = frozenset(
    "a an the of to in on for and or but is are was were be been by with as at from this that "
    "it its he she they we you i his her their our your not no so if than then there here have has "
    "had do does did will would can could should may might must about into over after before "
    "http https www com org net html htm php jpg png gif amp nbsp more read via said says mr ms dr".split()
)


@lru_cache(maxsize=2)
def wordlist(name: str) -> frozenset[str]:
    return frozenset(word for line in data_lines(name) for word in line.split())


def stopwords() -> frozenset[str]:
    """Function words: they break a phrase."""
    return wordlist("stopwords.txt")


def generic_words() -> frozenset[str]:
    """Content words too generic to be a keyword alone; they can be part of a phrase."""
    return wordlist("generic.txt")


@dataclass
class IdfTable:
    """Inverse document frequencies of words and phrases (phrases joined without spaces)."""

    idf: dict[str, float]
    docs: int = 0
    source: str = "jieba"
    boilerplate: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        values = sorted(self.idf.values())
        self.median = values[len(values) // 2] if values else 10.0
        self.max = values[-1] if values else 12.0

    def get(self, term: str) -> float | None:
        return self.idf.get(term)

    @classmethod
    def default(cls) -> "IdfTable":
        return _default_table()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "IdfTable":
        path = Path(path)
        try:
            handle = path.open(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read IDF table: {exc.strerror or exc}") from None
        with handle:
            digest = hashlib.blake2b(path.read_bytes(), digest_size=4).hexdigest()
            header = handle.readline().rstrip("\n").split("\t")
            if not header or header[0] != IDF_HEADER or len(header) < 3:
                raise ConfigError(f"{path}: not an IDF table written by `nlp idf build`")
            docs = int(header[2])
            idf: dict[str, float] = {}
            boilerplate = set()
            for line in handle:
                kind, _, rest = line.rstrip("\n").partition("\t")
                term, _, value = rest.rpartition("\t")
                if kind == "t":
                    idf[term] = math.log((docs + 1) / (int(value) + 0.5))
                elif kind == "b":
                    boilerplate.add(term)
        return cls(idf, docs, f"{path.name}:{docs}:{digest}", frozenset(boilerplate))


@lru_cache(maxsize=1)
def _default_table() -> IdfTable:
    import jieba.analyse

    path = Path(jieba.analyse.__file__).with_name("idf.txt")
    idf = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.strip().partition(" ")
            if value:
                idf[word] = float(value)
    return IdfTable(idf, 0, "jieba")


NOUN_TAGS = frozenset("n nr ns nt nz nrt nrfg ng vn an eng j nw".split())
MODIFIER_TAGS = frozenset("a b ad ag z".split())
_FUNCTION_CHARS = frozenset("但和与及的而并或把被让")
META_ENDS = frozenset("述评 综述 为例 进展 探析 初探 现状 概述".split())


def _kind(word: str, key: str, tag: str | None, stop: frozenset[str]) -> str:
    """What a word can be in a keyword: ``"stop"`` (never), or the coarse part of
    speech ``"noun"``, ``"mod"``, ``"verb"``, ``"other"`` (verb-led phrases need support
    in the body)."""
    kind = token_class(word)
    if kind == "latin":
        if len(word) >= 2 and word.lower() not in _ENGLISH_STOP and not (len(word) < 3 and word.islower()):
            return "noun"
        return "stop"
    if kind != "cjk" or key in stop:
        return "stop"
    if tag is None and (key[0] in _FUNCTION_CHARS or key[-1] in "的了着过"):
        return "stop"  # an unknown word the HMM glued to a function word: "但人名"
    if tag is None or tag in NOUN_TAGS:
        return "noun"
    if tag in MODIFIER_TAGS:
        return "mod"
    return "verb" if tag.startswith("v") else "other"


Run = list[tuple[str, str, str]]  # (surface word, simplified key, kind)


def candidate_runs(words: Sequence[str], keys: Sequence[str], tags: Sequence[str | None]) -> list[Run]:
    """Maximal runs of content words, as ``(word, simplified key, kind)``."""
    stop = stopwords()
    runs: list[Run] = []
    current: Run = []
    for word, key, tag in zip(words, keys, tags):
        kind = _kind(word, key, tag, stop)
        if kind != "stop":
            current.append((word, key, kind))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _join(parts: Sequence[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        out += (" " if out[-1:].isascii() and out[-1:].isalnum() and part[:1].isascii() else "") + part
    return out


def ngrams(run: Run, max_n: int = MAX_NGRAM) -> Iterable[tuple[str, str, tuple[str, ...]]]:
    """``(surface, key, parts)`` for every n-gram of a run that can be a keyword.

    Phrases are at most ten characters, hold at most one Latin word, and do not end
    in a meta word of titles (综述, 为例...).
    """
    generic = generic_words()
    for n in range(1, max_n + 1):
        for i in range(len(run) - n + 1):
            parts = run[i : i + n]
            if n > 1 and parts[-1][1] in META_ENDS:
                continue
            key = _join([k for _, k, _ in parts])
            if n == 1:
                if len(key) < 2 or key in generic:
                    continue
            elif len(key) > 10 or sum(token_class(w) != "cjk" for w, _, _ in parts) > 1:
                continue
            yield _join([w for w, _, _ in parts]), key, tuple(k for _, k, _ in parts)


def document_terms(analysis: Analysis) -> dict[str, int]:
    """The distinct candidate keys of a document (what ``nlp idf build`` counts),
    each with its number of words."""
    terms: dict[str, int] = {}
    for sentence in analysis.sentences:
        for run in candidate_runs(sentence.words, sentence.keys, sentence.tags):
            terms.update((key, len(parts)) for _, key, parts in ngrams(run))
    for run in candidate_runs(analysis.title_words, analysis.title_keys, analysis.title_tags):
        terms.update((key, len(parts)) for _, key, parts in ngrams(run))
    return terms


@dataclass(frozen=True)
class KeywordOptions:
    """How candidates are weighed.  Defaults were fitted on csl-dev (docs/BENCHMARKS.md)."""

    top_k: int = 5
    title_weight: float = 1.0  # extra occurrences credited to a term found in the title
    title_factor: float = 2.0  # and a multiplier on top: headlines name the topic
    lead_bonus: float = 1.0  # extra weight for terms of the opening sentence (the news lead)
    tf_power: float = 1.3
    idf_power: float = 1.5
    oov_idf: float = 1.0  # an unknown word's IDF, as a fraction of the table's maximum
    # A part of a chosen phrase is dropped unless it occurs nest_ratio times as often
    # as the phrase (it then stands on its own: 止血 next to 止血机理).
    nest_ratio: float = 3.0
    verb_led_min_tf: int = 1  # a verb-led phrase ("扩大云服务") must occur in the body, not only the title
    # How likely a Chinese term of 2, 3, ... 8+ characters is a keyword, relative to
    # two characters (measured on csl-dev: 3-4 character terms are the best bets).
    length_prior: tuple[float, ...] = (1.0, 2.3, 2.1, 1.5, 0.9, 0.7, 0.4)


def extract_keywords(analysis: Analysis, idf: IdfTable, options: KeywordOptions = KeywordOptions()) -> list[str]:
    """The ``top_k`` keywords of a document, best first, in the document's own script."""
    tf: Counter[str] = Counter()
    surface: dict[str, str] = {}
    first: dict[str, int] = {}
    parts_of: dict[str, tuple[str, ...]] = {}
    kind_of: dict[str, str] = {}
    position = 0
    for sentence in analysis.sentences:
        for run in candidate_runs(sentence.words, sentence.keys, sentence.tags):
            for word, key, parts in ngrams(run):
                tf[key] += 1
                surface.setdefault(key, word)
                first.setdefault(key, position)
                parts_of.setdefault(key, parts)
            kind_of.update((k, kind) for _, k, kind in run)
        position += 1
    in_title: set[str] = set()
    for run in candidate_runs(analysis.title_words, analysis.title_keys, analysis.title_tags):
        for word, key, parts in ngrams(run):
            in_title.add(key)
            surface.setdefault(key, word)
            first.setdefault(key, -1)
            parts_of.setdefault(key, parts)
        kind_of.update((k, kind) for _, k, kind in run)
    oov = idf.max * options.oov_idf

    def term_idf(key: str) -> float | None:
        known = idf.get(key)
        if known is not None:
            return known
        parts = parts_of[key]
        if len(parts) == 1:
            return oov
        if len(key) > 4 and tf[key] < 2 and key not in in_title:
            return None  # a one-off long phrase the archive never used as a unit
        if kind_of.get(parts[0]) == "verb" and tf[key] < options.verb_led_min_tf:
            return None  # a headline verb phrase ("扩大云服务投资") is not a term
        return max(idf.get(p) or oov for p in parts)

    scores: dict[str, float] = {}
    for key in set(tf) | in_title:
        weight = term_idf(key)
        if weight is None:
            continue
        count = tf[key] + (options.title_weight if key in in_title else 0.0)
        prior = options.length_prior
        bonus = 1.0 if key.isascii() else prior[min(max(len(key), 2), len(prior) + 1) - 2]
        if first[key] == 0:
            bonus *= 1.0 + options.lead_bonus
        if key in in_title:
            bonus *= 1.0 + options.title_factor
        scores[key] = count**options.tf_power * weight**options.idf_power * bonus
    ranked = sorted(scores, key=lambda k: (-scores[k], first.get(k, 0), k))
    chosen: list[str] = []
    for key in ranked:
        # A part of a chosen phrase only counts when it also stands on its own.
        if any(key in other and tf[key] <= tf[other] * options.nest_ratio for other in chosen):
            continue
        chosen.append(key)
        if len(chosen) == options.top_k:
            break
    return [surface[key] for key in chosen]
