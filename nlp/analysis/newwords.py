"""New words from an archive itself: names and terms jieba's dictionary lacks.

A string of Chinese characters is a word of the archive when it occurs often enough,
its characters stick together more than chance would make them (the weakest split
still has a high pointwise mutual information), and it is free on both sides: the
characters before it and after it vary (left and right branching entropy).  A piece
of a longer unit fails the last test: ``阿旺益`` is always followed by ``西``.

Only strings the dictionary cannot already cut into known words of two or more
characters are kept (``中国政府`` is two words jieba knows; ``阿旺益西``, ``努钦`` and
``全能神教会`` are not), so the segmenter learns names and terms without its ordinary
cuts changing.

Counting is bounded: n-grams live in one table that sheds its rarest entries when it
grows past ``limit``, and text beyond ``max_chars`` is not read, so a 60,000-post
archive costs the same memory as a 20,000-post one.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from .lexicon import NOT_WORD_END, NOT_WORD_INSIDE, NOT_WORD_START

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")


@dataclass(frozen=True)
class NewWordOptions:
    max_len: int = 6
    min_count: int = 4  # occurrences in the archive
    min_docs: int = 2  # documents it occurs in
    min_pmi: float = 3.0  # natural log, the weakest split
    min_entropy: float = 0.9  # nats, on each side
    limit: int = 3_000_000  # n-grams kept in memory
    max_chars: int = 30_000_000  # text read for discovery


class WordFinder:
    """Feed it documents (Simplified script), then ask for :meth:`words`."""

    def __init__(self, options: NewWordOptions = NewWordOptions()) -> None:
        self.options = options
        self.grams: Counter[str] = Counter()
        self.docs: Counter[str] = Counter()
        self.chars = 0
        self._floor = 1  # counts at or below this were shed while counting

    def add(self, text: str) -> None:
        if self.chars >= self.options.max_chars:
            return
        top = self.options.max_len + 1
        seen: set[str] = set()
        grams = self.grams
        for match in _RUN.finditer(text):
            run = match.group()
            self.chars += len(run)
            size = len(run)
            for i in range(size):
                for n in range(1, min(top, size - i) + 1):
                    gram = run[i : i + n]
                    grams[gram] += 1
                    if n >= 2:
                        seen.add(gram)
        self.docs.update(seen)
        if len(grams) > self.options.limit:
            self._shed()

    def _shed(self) -> None:
        """Drop the rarest n-grams (lossy counting: what survives is counted from here on)."""
        while len(self.grams) > self.options.limit // 2:
            floor = self._floor
            self.grams = Counter({g: c for g, c in self.grams.items() if c > floor or len(g) == 1})
            self.docs = Counter({g: c for g, c in self.docs.items() if g in self.grams})
            self._floor += 1

    def words(self, cut: Callable[[str], list[str]]) -> list[tuple[str, int, int]]:
        """``(word, occurrences, documents)`` of the new words, most frequent first.

        ``cut(text)`` is the dictionary's own cut (no guessing of unknown words): a
        string it cuts into words of two or more characters is not new (中国政府), nor
        is a known word with one character glued to either end (法院判, 控措施).
        """
        o = self.options
        grams = self.grams
        total = sum(c for g, c in grams.items() if len(g) == 1) or 1
        candidates = {
            g
            for g, c in grams.items()
            if 2 <= len(g) <= o.max_len and c >= o.min_count and self.docs[g] >= o.min_docs
            and g[0] not in NOT_WORD_START and g[-1] not in NOT_WORD_END and not NOT_WORD_INSIDE.intersection(g)
        }
        right: dict[str, Counter[str]] = defaultdict(Counter)
        left: dict[str, Counter[str]] = defaultdict(Counter)
        for gram, count in grams.items():
            if len(gram) < 3:
                continue
            if gram[:-1] in candidates:
                right[gram[:-1]][gram[-1]] += count
            if gram[1:] in candidates:
                left[gram[1:]][gram[0]] += count
        out = []
        for word in candidates:
            count = grams[word]
            if _entropy(right[word], count) < o.min_entropy or _entropy(left[word], count) < o.min_entropy:
                continue
            pmi = min(
                math.log(count * total / (grams[word[:k]] * grams[word[k:]]))
                for k in range(1, len(word))
            )
            if pmi < o.min_pmi or _known(cut(word)):
                continue
            out.append((word, count, self.docs[word]))
        out.sort(key=lambda item: (-item[1], item[0]))
        return out


def _entropy(neighbours: Counter[str], count: int) -> float:
    """Branching entropy; occurrences at a run's edge (punctuation, Latin) count as one
    more neighbour each: a boundary is as free as it gets."""
    edge = max(0, count - sum(neighbours.values()))
    values: Iterable[int] = list(neighbours.values()) + [1] * edge
    total = sum(values) or 1
    return -sum(v / total * math.log(v / total) for v in values if v)


def _known(pieces: list[str]) -> bool:
    singles = [len(p) == 1 for p in pieces]
    return not any(singles) or (len(pieces) == 2 and singles[0] != singles[1])
