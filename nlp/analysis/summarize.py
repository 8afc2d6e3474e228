"""Extractive summaries: the most central sentences, in document order.

A sentence's weight is the TF-IDF mass of its content words (the same weights the
keyword extractor uses), damped by length, plus a lead bonus: news puts the point
first.  Everything is one pass over the words, so a 50,000-character post costs
about as much as segmenting it.  A chosen sentence longer than the character budget
is trimmed to its best run of clauses: the output is always words of the source, in
order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Protocol, Sequence

from .keywords import IdfTable, candidate_runs
from .segment import Analysis, Sentence
from ..text import split_clauses


# "（中央社台北29日電）", "【大纪元2020年11月23日讯】（大纪元记者李熙采访报导）", "(德国之声中文网）"
_DATELINE = re.compile(
    r"^\s*(?:[【\[（(][^】\]）)]{0,40}(?:讯|訊|电|電|报导|報導|报道|報道|记者|記者|中文网|中文網|专稿|專稿)"
    r"[^】\]）)]{0,20}[】\]）)]\s*)+"
)


def strip_dateline(text: str) -> str:
    """Drop the agency dateline a news sentence opens with (the rest is kept as is)."""
    match = _DATELINE.match(text)
    return text[match.end():] if match and match.end() < len(text) else text


class Summarizer(Protocol):
    """Extractive (TextRankLite) or abstractive (abstractive.Seq2SeqSummarizer)."""

    name: str

    def summarize(self, analysis: Analysis, candidates: Sequence[int], options: "SummaryOptions") -> str: ...


@dataclass(frozen=True)
class SummaryOptions:
    sentences: int = 2
    max_chars: int = 200  # for the whole summary; a longer single sentence is trimmed
    lead_bonus: float = 3.0
    length_power: float = 0.6  # sentence weight / length ** power


def _word_weights(analysis: Analysis, idf: IdfTable) -> Counter[str]:
    tf: Counter[str] = Counter()
    for sentence in analysis.sentences:
        for run in candidate_runs(sentence.words, sentence.keys, sentence.tags):
            tf.update(key for _, key, _ in run)
    for key in analysis.title_keys:
        if key in tf:
            tf[key] += 2
    weights: Counter[str] = Counter()
    for key, count in tf.items():
        weights[key] = (1 + math.log(count)) * (idf.get(key) or idf.max)
    return weights


def _content_weight(keys: Sequence[str], weights: Counter[str]) -> float:
    return sum(weights.get(key, 0.0) for key in keys)


def _trim(sentence: Sentence, weights: Counter[str], budget: int, segment) -> str:
    """The best-weighted run of whole clauses of ``sentence`` within ``budget`` characters."""
    text = strip_dateline(sentence.text.strip())
    if len(text) <= budget:
        return text
    clauses = split_clauses(text)
    scores = [_content_weight(segment(clause), weights) for clause in clauses]
    best, best_score = "", -1.0
    for start in range(len(clauses)):
        length, score = 0, 0.0
        for end in range(start, len(clauses)):
            length += len(clauses[end])
            if length > budget:
                break
            score += scores[end]
            density = score / (length**0.5)
            if density > best_score:
                best, best_score = "".join(clauses[start : end + 1]), density
    if not best:  # a single clause over budget: cut at the budget, keep the head
        best = clauses[max(range(len(clauses)), key=lambda i: scores[i])][:budget]
    return best.strip().rstrip("，,、；;：:")


class TextRankLite:
    """Position + centrality sentence scorer (linear time).  Named ``textrank`` in the CLI."""

    name = "textrank"

    def __init__(self, idf: IdfTable, segment) -> None:
        self.idf = idf
        self._segment = segment

    def select(self, analysis: Analysis, candidates: Sequence[int], options: SummaryOptions) -> list[int]:
        weights = _word_weights(analysis, self.idf)
        scored = []
        for rank, index in enumerate(candidates):
            sentence = analysis.sentences[index]
            length = max(8, len(sentence.text))
            score = _content_weight(sentence.keys, weights) / length**options.length_power
            score *= 1.0 + options.lead_bonus / (1 + rank)
            scored.append((score, index))
        scored.sort(key=lambda item: (-item[0], item[1]))
        chosen: list[int] = []
        total = 0
        for _, index in scored:
            if len(chosen) == options.sentences:
                break
            length = len(analysis.sentences[index].text)
            if chosen and total + length > options.max_chars:
                continue
            chosen.append(index)
            total += length
        return sorted(chosen)

    def summarize(self, analysis: Analysis, candidates: Sequence[int], options: SummaryOptions) -> str:
        chosen = self.select(analysis, candidates, options)
        if not chosen:
            return ""
        weights = _word_weights(analysis, self.idf)
        if len(chosen) == 1:
            return _trim(analysis.sentences[chosen[0]], weights, options.max_chars, self._segment)
        return "".join(strip_dateline(analysis.sentences[i].text.strip()) for i in chosen)
