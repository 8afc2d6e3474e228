"""From a post or a plain text to keywords and a summary.

:class:`Toolkit` holds the per-run state (a private jieba tokenizer, the IDF table,
the summarizer) and turns posts into :class:`Document` objects that every extractor
shares, so each post is parsed and segmented exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Sequence

from .. import __version__
from ..config import Config
from ..posts.html import Block, extract_blocks
from ..posts.post import Post, clean_title
from ..signature import EnrichSignature
from .abstractive import load_summarizer
from .boilerplate import label_blocks
from .keywords import IdfTable, KeywordOptions, extract_keywords
from .segment import Analysis, JiebaSegmenter, analyse
from .summarize import SummaryOptions, TextRankLite, is_heading, summary_candidates

if TYPE_CHECKING:
    from .inputs import Input

_LOOKS_HTML = re.compile(r"<(?:p|div|br|span|a|h[1-6]|li|img|table|section|article)\b", re.IGNORECASE)


@dataclass
class Document:
    """A post (or text) cut into blocks, sentences and words."""

    title: str
    blocks: list[Block]
    analysis: Analysis

    @property
    def has_text(self) -> bool:
        return any(s.text.strip() for s in self.analysis.sentences)


def text_blocks(text: str) -> list[Block]:
    """Plain text (or an HTML fragment) to blocks: one per non-empty line."""
    if _LOOKS_HTML.search(text):
        return extract_blocks(text)
    return [Block(line.strip(" \t\u3000")) for line in text.splitlines() if line.strip(" \t\u3000")]


class Toolkit:
    """Everything needed to analyse documents under one :class:`Config`."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()

    @cached_property
    def segmenter(self) -> JiebaSegmenter:
        """jieba with our news dictionary, the user's, and the archive's learned words."""
        return JiebaSegmenter(self.config.userdict, learned=self.idf.words)

    def warm(self) -> "Toolkit":
        """Load the dictionaries and tables now: forked workers then share their pages
        instead of each building a copy (the summarization model is not touched)."""
        self.keywords(self.from_text("预热一下词典。"))
        return self

    @cached_property
    def idf(self) -> IdfTable:
        return IdfTable.load(self.config.idf) if self.config.idf else IdfTable.default()

    @cached_property
    def summarizer(self):
        """``textrank`` (extractive, offline), or a seq2seq model (name, hub id or folder)."""
        if self.config.extractive:
            return TextRankLite(self.idf, self.segmenter.cut)
        return load_summarizer(self.config.summarizer, self.config, fallback=TextRankLite(self.idf, self.segmenter.cut))

    @property
    def keyword_options(self) -> KeywordOptions:
        return KeywordOptions(top_k=self.config.top_k)

    @property
    def summary_options(self) -> SummaryOptions:
        return SummaryOptions(sentences=self.config.sentences, max_chars=self.config.summary_chars)

    def signature(self, mt: Sequence[tuple[str, str]] = ()) -> EnrichSignature:
        """How keywords and summaries are made (and by which translators their ``_en`` /
        ``_ja`` fields, ``(language, signature)``)."""
        c = self.config
        method = "textrank" if c.extractive else f"abs:{self.summarizer.name}"
        # Keys other than the default names are part of the request (as=description).
        kw_as = f":as={c.keywords_key}" if c.keywords_key != "keywords" else ""
        sum_as = f":as={c.summary_key}" if c.summary_key != "summary" else ""
        return EnrichSignature(__version__, f"phrase-tfidf:k{c.top_k}:idf={self.idf.source}{kw_as}",
                               f"{method}:s{c.sentences}:c{c.summary_chars}{sum_as}", tuple(mt))

    def document(self, blocks: Sequence[Block], title: str = "") -> Document:
        blocks = label_blocks(list(blocks), title, self.idf.boilerplate)
        text = [b.text for b in blocks if b.role == "text"]
        return Document(title, blocks, analyse(self.segmenter, text, title))

    def from_post(self, post: Post) -> Document:
        title = clean_title(post.title)
        return self.document(extract_blocks(post.body), title)

    def from_text(self, text: str, title: str = "") -> Document:
        return self.document(text_blocks(text), title)

    def from_input(self, item: "Input") -> Document:
        return self.from_post(item.post) if item.post is not None else self.from_text(item.text)

    def keywords(self, doc: Document) -> list[str]:
        if not doc.has_text and not doc.title:
            return []
        return extract_keywords(doc.analysis, self.idf, self.keyword_options, self._is_word)

    def _is_word(self, word: str) -> bool:
        return self.segmenter.tag(word) is not None

    def summary(self, doc: Document) -> str:
        return self.summary_noted(doc)[0]

    def summary_noted(self, doc: Document) -> tuple[str, str]:
        """The summary, and "" or why the extractive summary stands in for the model's."""
        headings = [is_heading(b.text, b.tag) for b in doc.blocks if b.role == "text"]
        candidates = summary_candidates(doc.analysis, headings)
        if not candidates:  # nothing but headings and captions: better them than nothing
            candidates = [i for i, s in enumerate(doc.analysis.sentences) if s.text.strip()]
        summarizer = self.summarizer
        if hasattr(summarizer, "summarize_noted"):
            return summarizer.summarize_noted(doc.analysis, candidates, self.summary_options)
        return summarizer.summarize(doc.analysis, candidates, self.summary_options), ""
