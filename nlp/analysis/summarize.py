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
from difflib import SequenceMatcher
from typing import Protocol, Sequence

from .keywords import IdfTable, candidate_runs
from .segment import Analysis, Sentence
from ..text import split_clauses


# "（中央社台北29日電）", "【大纪元2020年11月23日讯】（大纪元记者李熙采访报导）", "(德国之声中文网）"
_DATELINE = re.compile(
    r"^\s*(?:[【\[（(][^】\]）)]{0,40}(?:讯|訊|电|電|报导|報導|报道|報道|记者|記者|中文网|中文網|专稿|專稿|撰文|撰稿|编译|編譯)"
    r"[^】\]）)]{0,20}[】\]）)]\s*)+"
)


# Sentences that are not summary material wherever they stand: a programme's greeting,
# a caption or credit, or one that leans on the sentence before it (一方面，…; 此外，…;
# 他说…; but 该文, "this paper", is no such pointer).  Checked on the Simplified form, so
# Traditional posts follow the same rules.
_NOT_CANDIDATE = re.compile(
    r"^\s*(?:各位(?:观众|听众|网友|朋友)|大家好|欢迎(?:收看|收听|来到|回到)|(?:听众|观众)朋友|亲爱的|这里是|您(?:现在)?(?:正在)?(?:收看|收听)"
    r"|[（(【\[]?\s*(?:图|图片|照片|资料照|资料图|视频|影片|摄影|截图|来源|photo|credit)\s*[：:／/|丨]|图为|(?:图|照片)[（(]"
    r"|(?:一方面|另一方面|此外|另外|同时|而且|并且|但是|然而|不过|因此|所以|因而|于是|对此|其中|与此同时|除此之外|至于|总之|换言之|也就是说|即便如此|再者)"
    r"|[但而且则]"
    r"|(?:这|那)(?:些|个|种|样|是|就|也|才|次|时|里|群|批|位|名|家|项|场|起|两|三|几)|此(?:前|后|外|时|次|举)|该(?!文|研究|论文|书)|他|她|它|其)",
    re.IGNORECASE,
)
# A sentence that points into a photo is its caption, wherever it stands: a position
# marker (黄伟哲（左7）, 「富家穷路」（左）, 习近平（中）, （前排右三）) or a credit
# (（图取自…）, （…提供）, 图为…, 摄于…).  Checked on the Simplified form.
_PHOTO = re.compile(
    r"[（(](?:前排|后排|中排|左图|右图)?[左右](?:[一二三四五六七八九十\d]{1,2}|起)?[）)]|[（(]中[）)]"
    r"|[（(][^（()）]{0,40}(?:图|照片|相片)?(?:取自|提供|摄(?!氏|像|入|取|政))[^（()）]{0,30}[）)]|^图为|。图为|，摄于|^摄于"
)
# A reference to a picture the reader of a summary does not see: （见图）, （图）.
_SEE_PICTURE = re.compile(r"\s?[（(](?:见|見|如|详见|詳見)?(?:图|圖)(?:[一二三\d])?[）)]")
_PAIRS = (("“", "”"), ("「", "」"), ("『", "』"), ("（(", "）)"), ("《", "》"), ("【[", "】]"))
# End punctuation, perhaps inside closing quotes (。」 ends a sentence; 「防疫」 does not).
_TERMINAL = re.compile(r"[。！？!?…．.][」』”’）)]*\s*$")


_ITEM_BREAK = re.compile(r"[、，,；;]")


def is_list(text: str) -> bool:
    """A bare enumeration (田宝昌、田长青、田丰、…): five items or more, none longer
    than six characters and four on average, with no clause before or after them (a
    sentence that ends in a short predicate, 张三、…、孙七等人出席。, is not one)."""
    text = text.strip()
    items = [item.strip() for item in _ITEM_BREAK.split(text.rstrip("、，,；;。.…"))]
    if len(items) < 5 or any(len(item) > 6 for item in items) or sum(map(len, items)) > 4 * len(items):
        return False
    return not _TERMINAL.search(text) or len(items[-1]) <= 4


def balanced(text: str) -> bool:
    """No bracket or quote pair of ``text`` is left open or closed without opening."""
    for opening, closing in _PAIRS:
        depth = 0
        for char in text:
            if char in opening:
                depth += 1
            elif char in closing:
                depth -= 1
                if depth < 0:
                    return False
        if depth:
            return False
    return True


def summary_candidates(analysis: Analysis, headings: Sequence[bool]) -> list[int]:
    """Indices of the sentences a summary may use.  ``headings[b]`` says whether text
    block ``b`` is a heading (an ``<h1>``-``<h6>``, or a short line with no end
    punctuation: a caption, a label, a date line)."""
    from ..text import to_simplified

    out = []
    for i, sentence in enumerate(analysis.sentences):
        text = sentence.text.strip()
        if not text or headings[sentence.block]:
            continue
        simple = to_simplified(strip_dateline(text)) if analysis.traditional else strip_dateline(text)
        if _NOT_CANDIDATE.match(simple) or _PHOTO.search(simple) or not balanced(text) or is_list(text):
            continue
        out.append(i)
    return out


def is_heading(text: str, tag: str) -> bool:
    """A heading, never summary material: in a heading element, text without a sentence's
    end or under 20 characters (a heading that happens to end in 。); elsewhere, a line
    under 40 characters without one (a bold subhead in a ``<p>``)."""
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "dt", "caption", "th"):
        return not _TERMINAL.search(text) or len(text) < 20
    return len(text) < 40 and not _TERMINAL.search(text)


def _bigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _similar(a: Counter[str], b: Counter[str]) -> float:
    common = sum((a & b).values())
    return 2 * common / max(1, sum(a.values()) + sum(b.values()))


def _restates(a: str, a_grams: Counter[str], b: str, b_grams: Counter[str], options: "SummaryOptions") -> bool:
    """Whether sentence ``a`` says what ``b`` says: one holds the other, they are close in
    bigrams, or fairly close and share a long run word for word."""
    similar = _similar(a_grams, b_grams)
    if similar >= options.redundancy or (a and b and (a in b or b in a)):
        return True
    least, run = options.restate
    return similar >= least and SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size >= run


def _joined(sentences: Sequence[str]) -> str:
    """Sentences in order; one without end punctuation (a block that had none) gets a
    full stop, so two blocks never run together; English ones get their space back."""
    out = ""
    for sentence in sentences:
        if out and not _TERMINAL.search(out):
            out = out.rstrip("、，,；;：: ")  # a block that stopped mid-list ends here
            out += "." if out[-1:].isascii() else "。"
        if out and out[-1:].isascii() and sentence[:1].isascii():
            out += " "  # English sentences are spaced
        out += sentence
    return out


def strip_dateline(text: str) -> str:
    """Drop the agency dateline a news sentence opens with, and the references to a
    picture it makes (《严正声明》（见图）: the summary's reader sees no picture); the
    rest is kept as is."""
    match = _DATELINE.match(text)
    text = text[match.end():] if match and match.end() < len(text) else text
    return _SEE_PICTURE.sub("", text) if "图" in text or "圖" in text else text


class Summarizer(Protocol):
    """Extractive (TextRankLite) or abstractive (abstractive.Seq2SeqSummarizer)."""

    name: str

    def summarize(self, analysis: Analysis, candidates: Sequence[int], options: "SummaryOptions") -> str: ...


@dataclass(frozen=True)
class SummaryOptions:
    sentences: int = 2
    max_chars: int = 200  # for the whole summary; a longer single sentence is trimmed
    lead_bonus: float = 3.0
    # A sentence that says what the headline says is the news (who did what), not its
    # background: its score grows by this times the share of the title's content weight
    # it holds.
    title_bonus: float = 1.0
    length_power: float = 0.6  # sentence weight / length ** power
    redundancy: float = 0.5  # a sentence this close (bigram Dice) to a chosen one is skipped
    # and so is one this close that repeats a run of this many characters of it word for
    # word (a standfirst retold by the first paragraph, a quote given twice)
    restate: tuple[float, int] = (0.35, 12)
    title_count: int = 2  # a word of the headline counts this many more times in a word's weight
    short_sentence: int = 8  # a sentence is weighed by at least this many characters (a short one is no bargain)


def _word_weights(analysis: Analysis, idf: IdfTable, options: SummaryOptions) -> Counter[str]:
    tf: Counter[str] = Counter()
    for sentence in analysis.sentences:
        for run in candidate_runs(sentence.words, sentence.keys, sentence.tags):
            tf.update(key for _, key, _ in run)
    for key in analysis.title_keys:
        if key in tf:
            tf[key] += options.title_count
    weights: Counter[str] = Counter()
    for key, count in tf.items():
        weights[key] = (1 + math.log(count)) * (idf.get(key) or idf.max)
    return weights


def _content_weight(keys: Sequence[str], weights: Counter[str]) -> float:
    return sum(weights.get(key, 0.0) for key in keys)


def _whole_clauses(text: str) -> list[str]:
    """Clauses, with a bracket or quote that spans clause punctuation kept in one piece
    (so a trimmed sentence never opens a quote it does not close)."""
    out: list[str] = []
    current = ""
    for clause in split_clauses(text):
        current += clause
        if balanced(current):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _trim(sentence: Sentence, weights: Counter[str], budget: int, segment) -> str:
    """The best-weighted run of whole clauses of ``sentence`` within ``budget`` characters."""
    text = strip_dateline(sentence.text.strip())
    if len(text) <= budget:
        return text
    clauses = _whole_clauses(text)
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
                window = "".join(clauses[start : end + 1])
                if balanced(window) and (start == 0 or not _NOT_CANDIDATE.match(window)):
                    best, best_score = window, density
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
        weights = _word_weights(analysis, self.idf, options)
        headline = {key: weights[key] for key in analysis.title_keys if weights.get(key)}
        headline_mass = sum(headline.values())
        scored = []
        for rank, index in enumerate(candidates):
            sentence = analysis.sentences[index]
            length = max(options.short_sentence, len(sentence.text))
            score = _content_weight(sentence.keys, weights) / length**options.length_power
            score *= 1.0 + options.lead_bonus / (1 + rank)
            if headline_mass:
                said = sum(headline[key] for key in set(sentence.keys) if key in headline)
                score *= 1.0 + options.title_bonus * said / headline_mass
            scored.append((score, index))
        scored.sort(key=lambda item: (-item[0], item[1]))
        chosen: list[int] = []
        grams: list[tuple[str, Counter[str]]] = []
        total = 0
        for _, index in scored:
            if len(chosen) == options.sentences:
                break
            text = strip_dateline(analysis.sentences[index].text.strip())
            length = len(text)
            if chosen and total + length > options.max_chars:
                continue
            key = "".join(analysis.sentences[index].keys)
            mine = _bigrams(key)
            if any(_restates(key, mine, *other, options) for other in grams):
                continue  # says what a chosen sentence says (a standfirst and its first paragraph)
            chosen.append(index)
            grams.append((key, mine))
            total += length
        return sorted(chosen)

    def summarize(self, analysis: Analysis, candidates: Sequence[int], options: SummaryOptions) -> str:
        chosen = self.select(analysis, candidates, options)
        if not chosen:
            return ""
        weights = _word_weights(analysis, self.idf, options)
        if len(chosen) == 1:
            return _trim(analysis.sentences[chosen[0]], weights, options.max_chars, self._segment)
        return _joined([strip_dateline(analysis.sentences[i].text.strip()) for i in chosen])
