"""From a post or a plain text to keywords and a summary.

:class:`Toolkit` holds the per-run state (a private jieba tokenizer, the IDF table,
the summarizer) and turns posts into :class:`Document` objects that every extractor
shares, so each post is parsed and segmented exactly once.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator, Sequence

from . import __version__
from .boilerplate import label_blocks
from .config import Config
from .html import Block, extract_blocks
from .keywords import IdfTable, KeywordOptions, extract_keywords
from .errors import PostError
from .files import iter_sources
from .post import Post, parse_post
from .segment import Analysis, JiebaSegmenter, analyse
from .summarize import SummaryOptions, TextRankLite

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


def clean_title(value: str) -> str:
    """Titles in the archive carry HTML entities, sometimes escaped twice."""
    for _ in range(2):
        unescaped = htmllib.unescape(value)
        if unescaped == value:
            break
        value = unescaped
    return value.strip()


def text_blocks(text: str) -> list[Block]:
    """Plain text (or an HTML fragment) to blocks: one per non-empty line."""
    if _LOOKS_HTML.search(text):
        return extract_blocks(text)
    return [Block(line.strip(" \t\u3000")) for line in text.splitlines() if line.strip(" \t\u3000")]


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


class Toolkit:
    """Everything needed to analyse documents under one :class:`Config`."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.segmenter = JiebaSegmenter(self.config.userdict)

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
        if self.config.summarizer == "textrank":
            return TextRankLite(self.idf, self.segmenter.cut)
        from .abstractive import load_summarizer

        return load_summarizer(self.config.summarizer, self.config)

    @property
    def keyword_options(self) -> KeywordOptions:
        return KeywordOptions(top_k=self.config.top_k)

    @property
    def summary_options(self) -> SummaryOptions:
        return SummaryOptions(sentences=self.config.sentences, max_chars=self.config.summary_chars)

    @property
    def signature(self) -> str:
        """How keywords and summaries are made, in a short stable form."""
        c = self.config
        method = "textrank" if c.summarizer == "textrank" else f"abs:{self.summarizer.name}"
        return (
            f"{__version__} kw=phrase-tfidf:k{c.top_k}:idf={self.idf.source} "
            f"sum={method}:s{c.sentences}:c{c.summary_chars}"
        )

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
        return extract_keywords(doc.analysis, self.idf, self.keyword_options)

    def summary(self, doc: Document) -> str:
        candidates = [i for i, s in enumerate(doc.analysis.sentences) if s.text.strip()]
        return self.summarizer.summarize(doc.analysis, candidates, self.summary_options)


@dataclass(frozen=True)
class Input:
    """One document to analyse: a post, a whole text, or one line of a text."""

    label: str  # path, "-" for stdin, "PATH:LINE" with --lines
    text: str
    is_post: bool
    post: Post | None = None


def read_inputs(paths: Sequence[str], lines: bool = False, stdin=None) -> Iterator[Input | PostError]:
    """Documents named on a command line (``-`` is standard input).

    A file with front matter is a post; a file named on the command line without
    front matter is plain text (or HTML); in folders only posts are read.
    Unreadable files come back as :class:`PostError` values so a batch can go on.
    """
    import sys

    for raw in paths or ["-"]:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data, label = stream.read(), "-"
            if isinstance(data, str):
                data = data.encode("utf-8")
            sources = [(Path("-"), data, True)]
        else:
            sources = []
            for source in iter_sources([raw]):
                try:
                    sources.append((source.path, source.path.read_bytes(), source.explicit))
                except OSError as exc:
                    yield PostError(source.path, f"cannot read: {exc.strerror or exc}")
        for path, data, explicit in sources:
            label = str(path)
            if not explicit and not data.startswith((b"---", b"\xef\xbb\xbf---")):
                continue  # a folder's README or notes: not a post (as for enrich)
            if data.startswith((b"---", b"\xef\xbb\xbf---")) and not lines:
                try:
                    post = parse_post(data, path)
                except PostError as exc:
                    yield exc
                    continue
                yield Input(label, post.body, True, post)
                continue
            if b"\x00" in data[:8192]:
                yield PostError(path, "binary file, not text")
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield PostError(path, f"not UTF-8 text (byte {exc.start})")
                continue
            if lines:
                for number, line in enumerate(text.splitlines(), 1):
                    if line.strip():
                        yield Input(f"{label}:{number}", line, False)
            else:
                yield Input(label, text, False)
