"""Word segmentation and the per-document analysis shared by keywords and summaries.

Each :class:`JiebaSegmenter` holds its own ``jieba.Tokenizer`` (jieba's default one
is process-wide state) with our shipped news dictionary added.  Traditional Chinese
is converted to Simplified for analysis only; words are cut back out of the original
text by position, so every output keeps the post's own script.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from typing import Protocol, Sequence

from ..errors import ConfigError
from ..text import cjk_count, is_traditional, split_sentences, to_simplified
from .lexicon import CJK_NUMBER, GLUED_HEAD, GLUED_TAIL, NUMBER_UNITS

log = logging.getLogger(__name__)


class Segmenter(Protocol):
    def cut(self, text: str) -> list[str]: ...

    def tag(self, word: str) -> str | None: ...


def data_lines(name: str) -> list[str]:
    """Non-comment lines of a file shipped in ``nlp/data``."""
    text = resources.files("nlp").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class JiebaSegmenter:
    """jieba with a private dictionary state; ``cut`` keeps every character."""

    def __init__(self, userdict: str | None = None, hmm: bool = True, learned: Sequence[str] = ()) -> None:
        import jieba

        self._tokenizer = jieba.Tokenizer()
        self._hmm = hmm
        self._userdict = userdict
        self._learned = tuple(learned)  # new words of the archive (``nlp idf build``)

    @cached_property
    def _ready(self):
        tokenizer = self._tokenizer
        tokenizer.initialize()
        lines = data_lines("userdict.txt")
        if self._userdict:
            try:
                with open(self._userdict, encoding="utf-8") as handle:
                    lines += [line.strip() for line in handle if line.strip() and not line.startswith("#")]
            except (OSError, UnicodeDecodeError) as exc:
                why = getattr(exc, "strerror", None) or ("not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc)
                raise ConfigError(f"{self._userdict}: cannot read user dictionary: {why}") from None
        for word in self._learned:
            tokenizer.add_word(word)
        for line in lines:
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tokenizer.add_word(parts[0], freq)
        return tokenizer

    def cut(self, text: str) -> list[str]:
        return list(self._ready.cut(text, HMM=self._hmm))

    def cut_known(self, text: str) -> list[str]:
        """The dictionary's own cut: unknown strings fall apart into characters."""
        return list(self._ready.cut(text, HMM=False))

    @cached_property
    def _tags(self) -> dict[str, str]:
        tags = dict(_jieba_tags())
        tags.update((word, "nw") for word in self._learned if word not in tags)
        for line in data_lines("userdict.txt"):
            parts = line.split()
            if len(parts) > 2:
                tags[parts[0]] = parts[2]
        return tags

    def tag(self, word: str) -> str | None:
        """The word's most common part of speech in the dictionary (None if unknown)."""
        return self._tags.get(word)


@lru_cache(maxsize=1)
def _jieba_tags() -> dict[str, str]:
    """word -> part of speech from jieba's dictionary (read-only, shared by instances)."""
    import jieba

    tags = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME), "rb") as handle:
        for line in handle:
            parts = line.decode("utf-8").split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    return tags


_CLASS_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.&']*$")
_CLASS_NUMBER = re.compile(r"^[\d０-９.,，%％:：/\-]+$")


def token_class(word: str) -> str:
    """``"cjk"``, ``"latin"``, ``"number"`` or ``"other"`` (punctuation, spaces...)."""
    if cjk_count(word) == len(word):
        return "cjk"
    if _CLASS_LATIN.match(word):
        return "latin"
    if _CLASS_NUMBER.match(word):
        return "number"
    return "cjk" if cjk_count(word) else "other"


@dataclass
class Sentence:
    text: str  # original script, exactly as in the block
    words: list[str]  # cut from ``text`` (original script)
    keys: list[str]  # the same words in Simplified script, for dictionary lookups
    tags: list[str | None]  # part of speech of each key (None: not in the dictionary)
    block: int  # index of the text block it comes from


@dataclass
class Analysis:
    """A document cut into sentences and words once, reused by every extractor."""

    title: str
    title_words: list[str]
    title_keys: list[str]
    title_tags: list[str | None]
    sentences: list[Sentence]
    traditional: bool

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.sentences)


def _cut_keeping_script(segmenter: Segmenter, text: str, traditional: bool) -> tuple[list[str], list[str]]:
    if not traditional:
        words = segmenter.cut(text)
        return words, words
    simplified = to_simplified(text)
    keys = segmenter.cut(simplified)
    if len(simplified) != len(text):  # a phrase conversion changed the length
        words = segmenter.cut(text)
        return words, [to_simplified(w) for w in words]
    words, position = [], 0
    for key in keys:
        words.append(text[position : position + len(key)])
        position += len(key)
    return words, keys




def _unglue_word(key: str, segmenter: Segmenter) -> int:
    """Where to split an unknown word of three characters or more that is a known word
    with one character glued on (分析|川, 港|海洋) or a name with one of the characters
    above (努钦|称): the offset, or 0 to keep it whole."""
    if len(key) < 3 or cjk_count(key) != len(key) or segmenter.tag(key) is not None:
        return 0
    cut_known = getattr(segmenter, "cut_known", None)
    pieces = cut_known(key) if cut_known else []
    if len(pieces) == 2 and sorted(map(len, pieces))[0] == 1:
        return len(pieces[0])
    if key[-1] in GLUED_TAIL:
        return len(key) - 1
    if key[0] in GLUED_HEAD:
        return 1
    return 0




def is_number(word: str) -> bool:
    return token_class(word) == "number" or bool(CJK_NUMBER.match(word))


def number_unit(previous: str, key: str) -> bool:
    """Whether ``key`` is the unit of the number ``previous`` (8|日, 40|万人): no part of a term."""
    if not is_number(previous):
        return False
    return (len(key) == 1 and key in NUMBER_UNITS) or (len(key) <= 3 and key[:1] in ("万", "亿"))


def _after_number(previous: str, key: str, segmenter: Segmenter) -> int:
    """1 when ``key`` is an unknown word that opens with the unit of the number before it."""
    return int(len(key) >= 3 and number_unit(previous, key[0]) and segmenter.tag(key) is None)


def _unglue(words: list[str], keys: list[str], segmenter: Segmenter) -> tuple[list[str], list[str]]:
    out_words: list[str] = []
    out_keys: list[str] = []
    previous = ""
    for word, key in zip(words, keys):
        cut = (_after_number(previous, key, segmenter) or _unglue_word(key, segmenter)) if len(word) == len(key) else 0
        previous = key
        if cut:
            out_words += [word[:cut], word[cut:]]
            out_keys += [key[:cut], key[cut:]]
        else:
            out_words.append(word)
            out_keys.append(key)
    return out_words, out_keys


def analyse(segmenter: Segmenter, blocks: Sequence[str], title: str = "") -> Analysis:
    traditional = is_traditional(title + "".join(blocks[:20]))
    sentences = []
    for b, block in enumerate(blocks):
        for sentence in split_sentences(block):
            words, keys = _unglue(*_cut_keeping_script(segmenter, sentence, traditional), segmenter)
            tags = [segmenter.tag(key) for key in keys]
            sentences.append(Sentence(sentence, words, keys, tags, b))
    title_words, title_keys = _unglue(*_cut_keeping_script(segmenter, title, traditional), segmenter) if title else ([], [])
    title_tags = [segmenter.tag(key) for key in title_keys]
    return Analysis(title, title_words, title_keys, title_tags, sentences, traditional)
