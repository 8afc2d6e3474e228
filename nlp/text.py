"""Sentences, scripts and character classes for Chinese (and some English) text.

Nothing here normalises text: full-width punctuation and the ideographic space stay
as they are (NFKC would turn ``，！？`` into ASCII).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

_CLOSERS = "”’」』）)】》〉\"'"
# A sentence ends at Chinese or English end punctuation (runs like "？！" or "……"
# included), followed by any closing quotes or brackets, which stay with it.
_SENTENCE = re.compile(
    r".*?(?:[。！？!?]+|…+|\.{3,}|(?<![A-Z])(?<!\b[A-Za-z])\.(?=[\s" + re.escape(_CLOSERS) + r"]|$)"
    r"|(?<=[\u3400-\u9fff）」”])\.(?![\d.]))"
    r"[" + re.escape(_CLOSERS) + r"]*\s*",
    re.DOTALL,
)
_CLAUSE_PUNCT = "；;，,、：:"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def split_sentences(block: str) -> list[str]:
    """Split a block into sentences; ``"".join(result) == block`` always holds."""
    out: list[str] = []
    position = 0
    for match in _SENTENCE.finditer(block):
        if match.end() > position:
            out.append(block[position : match.end()])
            position = match.end()
    if position < len(block):
        tail = block[position:]
        if out and not tail.strip():
            out[-1] += tail
        else:
            out.append(tail)
    return out


def split_clauses(sentence: str) -> list[str]:
    """Split at clause punctuation (kept with the clause before it); lossless."""
    parts = re.findall(r"[^" + _CLAUSE_PUNCT + r"]+[" + _CLAUSE_PUNCT + r"]*|[" + _CLAUSE_PUNCT + r"]+", sentence)
    return parts or [sentence]


def split_long(sentence: str, max_chars: int) -> list[str]:
    """Pieces of at most ``max_chars`` characters: at clauses first, then by length."""
    if len(sentence) <= max_chars:
        return [sentence] if sentence else []
    pieces: list[str] = []
    current = ""
    for clause in split_clauses(sentence):
        while len(clause) > max_chars:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(clause[:max_chars])
            clause = clause[max_chars:]
        if len(current) + len(clause) > max_chars and current:
            pieces.append(current)
            current = ""
        current += clause
    if current:
        pieces.append(current)
    return pieces


def split_to_fit(text: str, count_tokens: Callable[[list[str]], list[int]], limit: int) -> list[str]:
    """Pieces of ``text`` that each count at most ``limit`` tokens: at clause punctuation
    first, then by length (the character budget halves until every piece fits)."""
    return [piece for piece, _ in fit_counted(text, count_tokens, limit)]


def fit_counted(text: str, count_tokens: Callable[[list[str]], list[int]], limit: int) -> list[tuple[str, int]]:
    """:func:`split_to_fit`'s pieces with their token counts."""
    pieces, max_chars = [text], max(8, len(text))
    while True:
        counts = count_tokens(pieces)
        if all(c <= limit for c in counts):
            return list(zip(pieces, counts))
        max_chars = max(1, max_chars // 2)
        pieces = [p for piece, c in zip(pieces, counts) for p in (split_long(piece, max_chars) if c > limit else [piece])]


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def is_mostly_latin(text: str) -> bool:
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    return latin > 2 * cjk_count(text) and latin > 0


def has_translatable_text(text: str) -> bool:
    """False for numbers, URLs, punctuation and other runs with no words in them."""
    stripped = re.sub(r"https?://\S+|www\.\S+|[\W\d_]+", "", text)
    return bool(stripped)


@lru_cache(maxsize=2)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def is_traditional(text: str, sample: int = 4000) -> bool:
    """True when the text is mostly written in Traditional characters."""
    head = "".join(_CJK.findall(text[:sample]))
    if len(head) < 4:
        return False
    simplified = to_simplified(head)
    changed = sum(1 for a, b in zip(head, simplified) if a != b)
    return changed / len(head) > 0.06
