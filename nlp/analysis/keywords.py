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
from typing import Callable, Iterable, Sequence

from ..errors import ConfigError
from .lexicon import (ADVERBIAL_ENDS, COMPARISONS, COUNT_NOUNS, DEICTIC_TIME, ENGLISH_STOP, FUNCTION_CHARS, LOOSE_CHARS, META_ENDS, MODIFIER_TAGS, NOUN_TAGS, NUMERAL, STOP_TAGS, used_as_event)
from .segment import Analysis, _jieba_tags, data_lines, number_unit, token_class

IDF_HEADER = "#nlp-idf"
MAX_NGRAM = 3  # words in a phrase (ngrams and nlp idf build count the same candidates)
MAX_PHRASE_CHARS = 10  # characters in a phrase: longer is a clause, not a term


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
    words: tuple[str, ...] = ()  # new words learned from the archive (newwords.py)

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
            words = []
            for line in handle:
                kind, _, rest = line.rstrip("\n").partition("\t")
                term, _, value = rest.rpartition("\t")
                if kind == "t":
                    idf[term] = math.log((docs + 1) / (int(value) + 0.5))
                elif kind == "b":
                    boilerplate.add(term)
                elif kind == "w":
                    words.append(term)
        # Tables written before new-word discovery have no "w" rows: they still work,
        # and `nlp idf build` again adds the archive's words.
        return cls(idf, docs, f"{path.name}:{docs}:{digest}", frozenset(boilerplate), tuple(words))


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




def _kind(word: str, key: str, tag: str | None, stop: frozenset[str]) -> str:
    """What a word can be in a keyword: ``"stop"`` (never), or the coarse part of
    speech ``"noun"``, ``"mod"``, ``"verb"``, ``"other"`` (a phrase's edges must be
    nouns or modifiers, see :func:`ngrams`)."""
    kind = token_class(word)
    if kind == "latin":
        if len(word) >= 2 and word.lower() not in ENGLISH_STOP and not (len(word) < 3 and word.islower()):
            return "noun"
        return "stop"
    if kind != "cjk" or key in stop or tag in STOP_TAGS or key in COMPARISONS:
        return "stop"
    if tag is None and (key[0] in FUNCTION_CHARS or key[-1] in "的了着过"):
        return "stop"  # an unknown word the HMM glued to a function word: "但人名"
    if tag is None and key[-1] in "地及和与并或等":
        return "other"  # an unknown word the HMM glued to a particle or conjunction: "现状及"
    if tag == "l" and (key.endswith(ADVERBIAL_ENDS) or key[-1] == "地" and _jieba_tags().get(key[:-1]) in ("a", "ad", "d")):
        return "other"  # a fixed expression that is an adverbial (简要地, 到来之际, 一般而言), not a term
    if tag is None or tag in NOUN_TAGS:
        return "noun"
    if tag == "t":
        return "stop" if DEICTIC_TIME.search(key) else "mod"
    if tag in MODIFIER_TAGS:
        return "mod"
    return "verb" if tag.startswith("v") else "other"


Run = list[tuple[str, str, str]]  # (surface word, simplified key, kind)


def candidate_runs(words: Sequence[str], keys: Sequence[str], tags: Sequence[str | None]) -> list[Run]:
    """Maximal runs of content words, as ``(word, simplified key, kind)``."""
    stop = stopwords()
    runs: list[Run] = []
    current: Run = []
    previous = ""
    for word, key, tag in zip(words, keys, tags):
        kind = "stop" if number_unit(previous, key) else _kind(word, key, tag, stop)
        previous = key
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


def _phrase_shape(parts: Run) -> str | None:
    """What a run of two or more words reads as: ``"term"`` (opens with a noun or a
    modifier, closes with a noun: 珊瑚礁保护区, 九二共识, 粘土矿|物), ``"verbal"`` (opens
    with a verb of two characters or more, or closes with such a verb after a noun:
    认识珊瑚礁, 烧结|矿, 疫情防控, 直接转矩控制: a term only where the text or the archive
    repeats it), or None (a clause piece: 驻|成都, 美国|驻, 江启臣|谈, 排进|正式, 涉嫌|非法)."""
    first, last = parts[0], parts[-1]
    if first[2] == "mod" and len(first[1]) < 2 or first[2] not in ("noun", "mod", "verb"):
        return None
    if first[2] == "verb" and len(first[1]) < 2:
        return None
    if last[2] == "noun" and (len(last[1]) > 1 or token_class(last[0]) != "cjk" or parts[-2][2] in ("noun", "verb")):
        return "verbal" if first[2] == "verb" else "term"
    if last[2] == "verb" and len(last[1]) > 1 and parts[-2][2] == "noun":
        return "verbal"
    return None


def ngrams(run: Run, max_n: int = MAX_NGRAM) -> Iterable[tuple[str, str, tuple[str, ...], bool]]:
    """``(surface, key, parts, verbal)`` for every n-gram of a run that can be a keyword
    (``verbal``: a phrase of the verbal shape).

    A single word is a noun or a verb of two characters or more (a modifier alone is
    not a topic), and no count or count noun (三成, 15国, 价格: see
    :mod:`~nlp.analysis.lexicon`); phrases are at most ten characters, hold at most one
    Latin word, have the shape of a term or a verbal term (:func:`_phrase_shape`), do not
    end in a count nor pair a count noun with a verb (价格上涨), and do not end in a meta
    word of titles (综述, 为例...).
    """
    generic = generic_words()
    for n in range(1, max_n + 1):
        for i in range(len(run) - n + 1):
            parts = run[i : i + n]
            if n > 1 and parts[-1][1] in META_ENDS:
                continue
            key = _join([k for _, k, _ in parts])
            shape = None
            if n == 1:
                if len(key) < 2 or key in generic or key in COUNT_NOUNS or parts[0][2] not in ("noun", "verb") \
                        or NUMERAL.match(key):
                    continue
            elif len(key) > MAX_PHRASE_CHARS or sum(token_class(w) != "cjk" for w, _, _ in parts) > 1 or NUMERAL.match(parts[-1][1]):
                continue
            else:
                shape = _phrase_shape(parts)
                if not shape or shape == "verbal" and any(k in COUNT_NOUNS for _, k, _ in parts):
                    continue
            yield _join([w for w, _, _ in parts]), key, tuple(k for _, k, _ in parts), shape == "verbal"


def document_terms(analysis: Analysis) -> dict[str, int]:
    """The distinct candidate keys of a document (what ``nlp idf build`` counts),
    each with its number of words."""
    terms: dict[str, int] = {}
    for sentence in analysis.sentences:
        for run in candidate_runs(sentence.words, sentence.keys, sentence.tags):
            terms.update((key, len(parts)) for _, key, parts, _ in ngrams(run))
    for run in candidate_runs(analysis.title_words, analysis.title_keys, analysis.title_tags):
        terms.update((key, len(parts)) for _, key, parts, _ in ngrams(run))
    return terms


@dataclass(frozen=True)
class KeywordOptions:
    """How candidates are weighed.  Defaults were fitted on csl-dev (docs/BENCHMARKS.md)."""

    top_k: int = 5
    title_weight: float = 1.0  # extra occurrences credited to a term found in the title
    title_factor: float = 2.5  # and a multiplier on top: headlines name the topic
    lead_bonus: float = 1.0  # extra weight for terms of the opening sentence (the news lead)
    tf_power: float = 1.3
    idf_power: float = 1.5
    oov_idf: float = 1.0  # an unknown word's IDF, as a fraction of the table's maximum
    # How likely a Chinese term of 2, 3, ... 8+ characters is a keyword, relative to
    # two characters (measured on csl-dev: 3-4 character terms are the best bets).
    length_prior: tuple[float, ...] = (0.8, 2.3, 2.1, 1.5, 0.9, 0.7, 0.4)
    verb_factor: float = 0.5  # a single verb's score is multiplied by this
    # A verb alone is a keyword only where the text uses it as the name of an event (的选举,
    # 这场罢工: lexicon.used_as_event) or it is a rare, specialised verb the text says more
    # than once: an IDF in jieba's table (the language's, whatever table scores the
    # keywords) of at least this fraction of its maximum (偷猎, 访台, 炸毁, but not 增加, 出席,
    # 确诊).
    verb_idf: float = 0.65
    # A phrase the archive's table does not know must recur (be said this many times) to
    # count, unless the headline says it, or the text is brief (fewer than
    # ``brief_sentences`` sentences: nothing recurs there) and the phrase is at most
    # ``long_phrase`` characters.  The same count makes an unknown word more than a mis-cut.
    repeated: int = 2
    brief_sentences: int = 3
    long_phrase: int = 4


@dataclass
class TermCounts:
    """What :func:`count_terms` finds in a document: each candidate term (by its
    Simplified key) with its count, first place, words and kind."""

    tf: Counter[str] = field(default_factory=Counter)  # occurrences in the body
    surface: dict[str, str] = field(default_factory=dict)  # key -> the text's own spelling
    first: dict[str, int] = field(default_factory=dict)  # key -> first sentence (-1: the title)
    parts_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # key -> its words
    verbal: set[str] = field(default_factory=set)  # phrases shaped like a clause (verb + object)
    verbs: set[str] = field(default_factory=set)  # single words that are verbs: weaker topics than a noun phrase
    events: set[str] = field(default_factory=set)  # verbs the text uses as the name of an event somewhere (的选举)
    in_title: set[str] = field(default_factory=set)
    title_verbs: set[str] = field(default_factory=set)

    def _add(self, word: str, key: str, parts: tuple[str, ...], is_verbal: bool, position: int) -> None:
        self.surface.setdefault(key, word)
        self.first.setdefault(key, position)
        self.parts_of.setdefault(key, parts)
        if is_verbal:
            self.verbal.add(key)


def count_terms(analysis: Analysis) -> TermCounts:
    """Count the candidate terms of the body's sentences and of the title."""
    counts = TermCounts()
    for position, sentence in enumerate(analysis.sentences):
        counts.events.update(_events(sentence.keys, sentence.tags))
        for run in candidate_runs(sentence.words, sentence.keys, sentence.tags):
            for word, key, parts, is_verbal in ngrams(run):
                counts.tf[key] += 1
                counts._add(word, key, parts, is_verbal, position)
            counts.verbs.update(key for _, key, kind in run if kind == "verb")
    counts.events.update(_events(analysis.title_keys, analysis.title_tags))
    for run in candidate_runs(analysis.title_words, analysis.title_keys, analysis.title_tags):
        counts.title_verbs.update(key for _, key, kind in run if kind == "verb")
        for word, key, parts, is_verbal in ngrams(run):
            counts.in_title.add(key)
            counts._add(word, key, parts, is_verbal, -1)
    return counts


@dataclass
class _Text:
    """The document's text as the scorer and the selector read it."""

    text: str  # Simplified, what keys are found in
    own: str | None  # the text in its own script (None: it is ``text``)
    is_word: Callable[[str], bool]  # whether the dictionary holds a word

    def stray(self, piece: str, options: "KeywordOptions") -> bool:
        """An unknown Chinese string the text says less than ``options.repeated`` times:
        more likely a mis-cut (成新|瓶颈) than a name."""
        return not self.is_word(piece) and token_class(piece) == "cjk" and self.text.count(piece) < options.repeated


def score_terms(counts: TermCounts, idf: IdfTable, doc: _Text, options: KeywordOptions, sentences: int
                ) -> dict[str, float]:
    """A score per term: its count (the title's credited) and IDF, each to a power, times
    its length prior and its place bonuses; terms that are no keyword are left out."""
    c = counts
    oov = idf.max * options.oov_idf
    # How common a verb is is a fact of the language, not of the archive: a small
    # archive's own table calls most verbs rare.  So jieba's table judges it.
    language = idf if idf.source == "jieba" else IdfTable.default()
    brief = sentences < options.brief_sentences
    text, repeated = doc.text, options.repeated

    def term_idf(key: str) -> float | None:
        known_idf = idf.get(key)
        if known_idf is not None:
            return known_idf
        parts = c.parts_of[key]
        if len(parts) == 1:
            return oov
        if key not in c.in_title and c.tf[key] < repeated and text.count(key) < repeated \
                and (len(key) > options.long_phrase or not brief):
            # A phrase the archive never used as a unit, said once outside the headline
            # of a text where terms recur; in a text of a sentence or two nothing recurs.
            return None
        if key in c.verbal and c.tf[key] < repeated:
            return None  # a verb phrase the body does not repeat is a clause, not a term (禁令来得, 认识珊瑚礁)
        if any(doc.stray(p, options) for p in parts):
            return None
        return max(idf.get(p) or oov for p in parts)

    scores: dict[str, float] = {}
    for key in set(c.tf) | c.in_title:
        if (key in c.verbs or key in c.title_verbs) and key not in c.events and len(c.parts_of[key]) == 1 \
                and ((language.get(key) or language.max) < options.verb_idf * language.max
                     or text.count(key) < repeated):
            continue  # what happened to the topic (增加, 出席, 确诊), not the topic
        weight = term_idf(key)
        if weight is None:
            continue
        count = c.tf[key] + (options.title_weight if key in c.in_title else 0.0)
        prior = options.length_prior
        bonus = 1.0 if key.isascii() else prior[min(max(len(key), 2), len(prior) + 1) - 2]
        if c.first[key] == 0:
            bonus *= 1.0 + options.lead_bonus
        if key in c.in_title:
            bonus *= 1.0 + options.title_factor
        if key in c.verbs:
            bonus *= options.verb_factor
        scores[key] = count**options.tf_power * weight**options.idf_power * bonus
    return scores


def select_terms(scores: dict[str, float], counts: TermCounts, doc: _Text, options: KeywordOptions) -> list[str]:
    """The best ``top_k`` terms as units of the text, none nesting in another, each in
    the document's own script."""
    c, text, is_word = counts, doc.text, doc.is_word
    ranked = sorted(scores, key=lambda k: (-scores[k], c.first.get(k, 0), k))
    chosen: list[str] = []
    declined: list[str] = []  # wholes that did not replace their chosen part
    clauses = c.verbal | c.verbs  # verb phrases and single verbs: never merged into a whole
    for key in ranked:
        single = len(c.parts_of[key]) == 1
        if single and is_word(key):
            unit = key
            if _jieba_tags().get(key, "").startswith("nr"):
                # A name in jieba's dictionary can be the head of a longer one (哈利波 of 哈利波特).
                grown = _as_unit(key, text, is_word)
                unit = grown if grown and grown.startswith(key) else key
        elif single and doc.stray(key, options):
            continue
        else:
            unit = _as_unit(key, text, is_word, phrase=not single)
        if unit is None or unit in chosen:
            continue
        nested = [other for other in chosen if _nests(unit, other)]
        if nested:
            # A term replaces the parts of it already chosen when they never stand
            # without it: all of them, or all but one of three or more (永磁同步电机
            # for 同步电机).  A part the text also uses alone stays (多机空战 of
            # 多机空战系统; 影子价格 of 影子价格模型): it is the term the text is about.
            bound = sum(text.count(unit) >= text.count(other) for other in nested)
            if all(other in unit for other in nested):
                if bound >= len(nested) - (len(nested) > 2):
                    _replace(chosen, nested, unit)
                else:
                    declined.append(unit)
            continue
        whole = _completed(unit, chosen, declined, c.parts_of, text, clauses)
        if whole:
            _replace(chosen, [k for k in chosen if k in c.parts_of[whole]], whole)
            continue
        chosen.append(unit)
        if len(chosen) == options.top_k:
            break
    out = []
    for unit in chosen:
        if unit in c.surface:
            out.append(c.surface[unit])
        elif doc.own is not None:
            at = text.find(unit)
            out.append(doc.own[at : at + len(unit)])
    return out


def extract_keywords(
    analysis: Analysis,
    idf: IdfTable,
    options: KeywordOptions = KeywordOptions(),
    known: Callable[[str], bool] | None = None,
) -> list[str]:
    """The ``top_k`` keywords of a document, best first, in the document's own script:
    count the candidate terms, score them, select units of the text.

    ``known(word)`` says whether the segmenter's dictionary holds a word (default:
    jieba's dictionary); a term that is not a word must be a unit of the text
    (:func:`_as_unit`).  No two keywords nest or overlap.
    """
    counts = count_terms(analysis)
    text, own = _document_text(analysis)
    doc = _Text(text, own, known or _jieba_word)
    return select_terms(score_terms(counts, idf, doc, options, len(analysis.sentences)), counts, doc, options)


def _events(keys: Sequence[str], tags: Sequence[str | None]) -> Iterable[str]:
    """The verbs of a sentence that stand where a noun would (:func:`used_as_event`)."""
    for at, tag in enumerate(tags):
        if tag and tag[0] == "v" and tag != "vn" and used_as_event(keys, at, tags):
            yield keys[at]


def _replace(chosen: list[str], parts: list[str], whole: str) -> None:
    """Put ``whole`` where the first of its ``parts`` stood, and drop the parts."""
    at = chosen.index(parts[0])
    chosen[:] = [c for c in chosen if c not in parts]
    chosen.insert(at, whole)


def _completed(
    unit: str,
    chosen: Sequence[str],
    declined: Sequence[str],
    parts_of: dict[str, tuple[str, ...]],
    text: str,
    clauses: set[str],
) -> str | None:
    """The declined whole that ranked above its word ``unit`` and whose every word is now
    a keyword: that whole is the one keyword (法轮功 and 学员 of 法轮功学员), when the text
    names it three times or more and neither it nor any of its words is a verb (举债 and
    市政府 stay two keywords, 市政府举债 is a clause)."""
    for whole in declined:
        parts = parts_of.get(whole, ())
        if unit not in parts or text.count(whole) < 3 or whole in clauses or clauses.intersection(parts):
            continue
        others = [other for other in chosen if other not in parts]
        if all(part == unit or part in chosen for part in parts) and not any(_nests(whole, o) for o in others):
            return whole
    return None


def _jieba_word(word: str) -> bool:
    return word in _jieba_tags()


def _document_text(analysis: Analysis) -> tuple[str, str | None]:
    """The title and the blocks, a line each, in Simplified script and (when the two line
    up character for character) in the document's own script."""
    keys, words, block = ["".join(analysis.title_keys)], ["".join(analysis.title_words)], None
    for sentence in analysis.sentences:
        if sentence.block != block:
            keys.append("\n")
            words.append("\n")
            block = sentence.block
        keys.append("".join(sentence.keys))
        words.append("".join(sentence.words))
    text, own = "".join(keys), "".join(words)
    return text, own if len(own) == len(text) else None




def _neighbour(text: str, at: int, side: int, is_word: Callable[[str], bool]) -> str | None:
    """The content character just before (side -1) or after (+1) ``text[at]``'s term edge,
    or None when the edge is free: punctuation, a function character, or a dictionary
    word that starts (ends) right there."""
    if at < 0 or at >= len(text):
        return None
    char = text[at]
    if char in LOOSE_CHARS or token_class(char) != "cjk":
        return None
    if side < 0 and at > 0 and number_unit(text[at - 1], char):
        return None  # the unit of a number before the term (8日|全台转凉)
    pieces = (text[at : at + n] for n in (2, 3, 4)) if side > 0 else (text[max(0, at - n + 1) : at + 1] for n in (2, 3, 4))
    if any(len(p) > 1 and is_word(p) for p in pieces):
        return None
    return char


def _as_unit(key: str, text: str, is_word: Callable[[str], bool], grow: int = 1, phrase: bool = False) -> str | None:
    """``key`` if the text uses it as a unit, the unit it is a piece of (``grow``
    characters longer on a side: 阿旺益 -> 阿旺益西), or None (a fragment: 岸外西南 of
    台湾岸外西南空域).  A term is a piece when each of its occurrences, two or more,
    has the same content character on one side; a dictionary word right next to it is
    a free edge (登卓寺|僧侣), unless a phrase has the same neighbours on both sides
    every time."""
    if token_class(key) != "cjk":
        return key
    spots = []
    at = text.find(key)
    while at >= 0:
        spots.append(at)
        at = text.find(key, at + len(key))
    if len(spots) < 2:
        return key
    for step in range(grow + 1):
        left = {_neighbour(text, at - 1, -1, is_word) for at in spots}
        right = {_neighbour(text, at + len(key), 1, is_word) for at in spots}
        glued_left = len(left) == 1 and None not in left
        glued_right = len(right) == 1 and None not in right
        if phrase and not glued_left and not glued_right:
            # A phrase between the same two words every time is a piece of a longer
            # phrase (台湾|岸外西南|空域), even though words flank it.
            strict_left = {_neighbour(text, at - 1, -1, _no_word) for at in spots}
            strict_right = {_neighbour(text, at + len(key), 1, _no_word) for at in spots}
            if len(strict_left) == 1 and None not in strict_left and len(strict_right) == 1 and None not in strict_right:
                return None
        if not glued_left and not glued_right:
            return key
        if step == grow:
            return None
        if glued_left:
            key = left.pop() + key
            spots = [at - 1 for at in spots]
        if glued_right:
            key += right.pop()
    return None


def _no_word(text: str) -> bool:
    return False


def _nests(a: str, b: str) -> bool:
    """Whether two keywords (Simplified) name overlapping things: one holds the other
    (黨產會, 黨產會委員) or they share two characters or more at an edge (老虎数量,
    数量增加)."""
    a, b = a.lower(), b.lower()
    if a in b or b in a:
        return True
    return any(a.endswith(b[:n]) or b.endswith(a[:n]) for n in range(2, min(len(a), len(b))))
