"""HTML bodies: a lossless token stream and the ordered text blocks a reader sees.

We use the standard library's ``html.parser`` because it reports where each token
starts in the source.  With those offsets the body can be cut into tokens whose
concatenation *is* the original string, so translation can replace text tokens and
leave every tag, attribute and byte of markup where it was (BeautifulSoup and lxml
re-serialise and lose that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Iterator, Literal

TokenKind = Literal["start", "end", "startend", "text", "comment", "other"]

# Content of these is never text for a reader (or for a translator).
SKIP_TAGS = frozenset(
    "script style iframe video audio svg noscript figcaption picture button form select "
    "textarea object embed canvas template head title nav math map source track".split()
)
# Content of these is kept in the output but never translated.
CODE_TAGS = frozenset("code pre kbd samp var".split())
BLOCK_TAGS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li ul ol tr td th table thead tbody tfoot caption blockquote "
    "section article header footer aside figure hr dl dt dd main center address details summary "
    "fieldset legend img".split()
)
VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# class/id words that mark page furniture rather than the article.
_FURNITURE_WORDS = frozenset(
    "caption credit credits copyright share sharing social related advert advertisement ads ad "
    "newsletter subscribe subscription comments widget promo sponsor sponsored donate "
    "breadcrumb toolbar byline".split()
)
_WORD_SPLIT = re.compile(r"[^a-z]+")
# class/id names of the element that holds an image's caption (CNA's "picinfo",
# "img_desc", "photo-credit"...; a class with the word "caption" is furniture, skipped).
_CAPTION_CLASS = re.compile(r"caption|pic[-_]?info|pic[-_]?te?xt|pic[-_]?desc|img[-_]?te?xt|img[-_]?desc|photo[-_]?(?:te?xt|desc|info|credit)",
                            re.IGNORECASE)
# Inline elements a caption is set in when it has no class of its own (NYT's
# <small style="color: #999;"> right under the image).
_CAPTION_STYLE = frozenset("small em i sub cite".split())
# Pictures other than <img> that get a caption under them.
_MEDIA_TAGS = frozenset("video audio iframe picture embed object".split())


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    start: int
    end: int
    tag: str = ""
    text: str = ""  # decoded text for "text" tokens
    attrs: tuple[tuple[str, str | None], ...] = ()


class _Tokenizer(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for match in re.finditer("\n", source):
            self.line_starts.append(match.end())
        self.events: list[tuple[TokenKind, int, str, str, tuple]] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", self._offset(), tag, "", tuple(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.events.append(("startend", self._offset(), tag, "", tuple(attrs)))

    def handle_endtag(self, tag):
        self.events.append(("end", self._offset(), tag, "", ()))

    def handle_data(self, data):
        self.events.append(("text", self._offset(), "", data, ()))

    def handle_comment(self, data):
        self.events.append(("comment", self._offset(), "", "", ()))

    def handle_decl(self, decl):
        self.events.append(("other", self._offset(), "", "", ()))

    handle_pi = handle_decl
    unknown_decl = handle_decl

    def handle_entityref(self, name):  # only with convert_charrefs=False
        self.events.append(("text", self._offset(), "", f"&{name};", ()))

    handle_charref = handle_entityref


def tokenize(source: str) -> list[Token]:
    """Tokens covering ``source`` exactly: ``"".join(source[t.start:t.end]) == source``."""
    parser = _Tokenizer(source)
    parser.feed(source)
    parser.close()
    tokens: list[Token] = []
    events = parser.events
    for index, (kind, start, tag, text, attrs) in enumerate(events):
        end = events[index + 1][1] if index + 1 < len(events) else len(source)
        if end <= start:
            continue
        tokens.append(Token(kind, start, end, tag, text, attrs))
    # html.parser may leave a tail it could not parse (e.g. "<" at the very end).
    if tokens and tokens[0].start > 0:
        tokens.insert(0, Token("text", 0, tokens[0].start, text=source[: tokens[0].start]))
    elif not tokens and source:
        tokens.append(Token("text", 0, len(source), text=source))
    return tokens


def _is_furniture(attrs: tuple[tuple[str, str | None], ...]) -> bool:
    for name, value in attrs:
        if name in ("class", "id") and value:
            if _FURNITURE_WORDS.intersection(_WORD_SPLIT.split(value.lower())):
                return True
    return False


@dataclass
class Block:
    """A run of text a reader sees as one unit (paragraph, heading, list item, line)."""

    text: str
    tag: str = "p"
    link_chars: int = 0
    after_image: bool = False
    role: str = "text"  # "text", "title", or a boilerplate reason
    caption: bool = False  # the markup says it is an image's caption (see extract_blocks)

    @property
    def link_density(self) -> float:
        return self.link_chars / max(1, len(self.text))


_WS = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_BOUNDARY = "\x00"  # where a tag stood between two text tokens of a block
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese punctuation: no space belongs before or after it.
_CJK_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # not “”: English uses them too
# Whitespace that a line break of the source or a tag left between two Chinese
# characters (原因是\n<span>可能导致); a space typed between two headline phrases stays.
_MARKUP_GAP = re.compile(f"(?<=[{_CJK}])[ \\t\\r\\n\\f\\v\\u00a0{_BOUNDARY}]*[\\n{_BOUNDARY}][ \\t\\r\\n\\f\\v\\u00a0{_BOUNDARY}]*(?=[{_CJK}])")
_PUNCT_GAP = re.compile(f"[ \\t\\r\\n\\f\\v\\u00a0{_BOUNDARY}]+(?=[{_CJK_PUNCT}])|(?<=[{_CJK_PUNCT}])[ \\t\\r\\n\\f\\v\\u00a0{_BOUNDARY}]+")


def normalise_space(text: str) -> str:
    """A block's visible text with its whitespace as a reader sees it: runs become one
    space; none is left next to Chinese punctuation (复杂化 。), nor where a line break
    or a tag of the source stood between two Chinese characters.  Spaces between Latin
    words, and between Chinese and Latin (软件开发商 Adobe), stay."""
    text = _PUNCT_GAP.sub("", _MARKUP_GAP.sub("", text))
    return _WS.sub(" ", text.replace(_BOUNDARY, "")).strip(" \u3000")
_MD_LINK = re.compile(r"!?\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\((?:[^()\s]|\([^()\s]*\))+(?:\s+\"[^\"]*\")?\)")
_MD_RULE = re.compile(r"^\s*(?:-{3,}|={3,}|\*{3,})\s*$", re.MULTILINE)
_MD_EMPH = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[ \t\r\u00a0]*\n")


class _BlockBuilder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.caption_chars = 0  # characters set as a caption (see extract_blocks)
        self.styled_chars = 0  # characters inside <small>, <em>...
        self.tag = "p"
        self.after_image = False
        self.saw_image = False
        self.alt = ""  # the text the image just before describes itself with

    def add(self, text: str, in_link: bool, in_caption: bool = False, styled: bool = False) -> None:
        # Markdown inside HTML: blank lines and rules break blocks; links keep their text.
        if self.parts:
            self.parts.append(_BOUNDARY)  # a tag stood here
        pieces = _BLANK_LINE.split(_MD_RULE.sub("\n\n", text))
        for index, piece in enumerate(pieces):
            if index:
                self.flush()
            if not piece:
                continue
            link_text = 0
            if not in_link:
                def keep(match: re.Match) -> str:
                    nonlocal link_text
                    link_text += len(match.group(1))
                    return match.group(1)

                piece = _MD_LINK.sub(keep, piece)
                piece = _MD_EMPH.sub(r"\2", piece)
                piece = _MD_HEADING.sub("", piece)
            self.parts.append(piece)
            self.link_chars += len(piece.strip()) if in_link else link_text
            if in_caption or styled:
                visible = len(_WS.sub("", piece))
                self.caption_chars += visible if in_caption else 0
                self.styled_chars += visible if styled else 0

    def image(self, attrs: tuple[tuple[str, str | None], ...]) -> None:
        self.flush()
        self.saw_image = True
        self.after_image = True
        described = dict(attrs)
        self.alt = _WS.sub("", described.get("alt") or described.get("title") or "")

    def _is_caption(self, text: str) -> bool:
        """Set in a caption's markup, or, right under an image, set small (NYT) or the
        image's own description repeated (CNA, VOA: the alt text shown as the caption)."""
        bare, alt = _WS.sub("", text), self.alt
        if self.caption_chars >= 0.8 * len(bare):
            return True
        if not self.after_image:
            return False
        if self.styled_chars >= 0.8 * len(bare):
            return True
        if len(bare) < 8 or len(alt) < 8:
            return False
        shorter, longer = sorted((bare, alt), key=len)
        return shorter in longer and len(shorter) >= 0.6 * len(longer)

    def flush(self, next_tag: str = "p") -> None:
        text = normalise_space("".join(self.parts))
        if text:
            self.blocks.append(Block(text, self.tag, min(self.link_chars, len(text)), self.after_image,
                                     caption=self._is_caption(text)))
            self.saw_image = False
            self.alt = ""
        self.parts = []
        self.link_chars = self.caption_chars = self.styled_chars = 0
        self.tag = next_tag
        self.after_image = self.saw_image


def _close(stack: list[str], tag: str) -> None:
    """Pop ``stack`` (open tags) down to and including the innermost ``tag``."""
    while stack and stack.pop() != tag:
        pass


def _is_caption_markup(attrs: tuple[tuple[str, str | None], ...]) -> bool:
    return any(name in ("class", "id") and value and _CAPTION_CLASS.search(value) for name, value in attrs)


def extract_blocks(html: str) -> list[Block]:
    """Visible text blocks of an HTML (or HTML-with-markdown) body, in order.

    A block is marked ``caption`` when the markup says it describes an image: it sits
    in an element whose class names a caption (``picinfo``, ``img-desc``...), or
    right under an image (or a video) it is set small (``<small>``, ``<em>``) or repeats
    the image's ``alt`` text.  (``<figcaption>`` and class ``caption`` are furniture: skipped.)
    """
    builder = _BlockBuilder()
    skip_stack: list[str] = []
    caption_stack: list[str] = []  # open elements whose class names a caption
    styled = 0  # open <small>, <em>... elements
    link_depth = 0
    for token in tokenize(html):
        tag = token.tag
        if skip_stack:
            if token.kind == "start" and tag not in VOID_TAGS:
                skip_stack.append(tag)
            elif token.kind == "end" and tag in skip_stack:
                _close(skip_stack, tag)
            continue
        if token.kind in ("start", "startend"):
            if tag in _MEDIA_TAGS:
                builder.image(token.attrs)  # a video's caption is set like an image's
            if tag in SKIP_TAGS or _is_furniture(token.attrs):
                if token.kind == "start" and tag not in VOID_TAGS:
                    builder.flush()
                    skip_stack.append(tag)
                continue
            if tag == "img":
                builder.image(token.attrs)
                continue
            if token.kind == "start" and tag not in VOID_TAGS and (caption_stack or _is_caption_markup(token.attrs)):
                caption_stack.append(tag)
            if tag in BLOCK_TAGS:
                builder.flush(tag)
            elif tag == "a":
                link_depth += 1
            elif tag in _CAPTION_STYLE and token.kind == "start":
                styled += 1
        elif token.kind == "end":
            if tag in caption_stack:
                _close(caption_stack, tag)
            if tag in BLOCK_TAGS:
                builder.flush()
            elif tag == "a":
                link_depth = max(0, link_depth - 1)
            elif tag in _CAPTION_STYLE:
                styled = max(0, styled - 1)
        elif token.kind == "text":
            builder.add(token.text, link_depth > 0, bool(caption_stack), styled > 0)
    builder.flush()
    return builder.blocks


def iter_text_tokens(tokens: list[Token]) -> Iterator[tuple[int, Token, bool]]:
    """Yield ``(index, token, translatable)`` for every text token."""
    skip_stack: list[str] = []
    for index, token in enumerate(tokens):
        tag = token.tag
        if token.kind == "start" and tag not in VOID_TAGS and (skip_stack or tag in SKIP_TAGS | CODE_TAGS):
            skip_stack.append(tag)
        elif token.kind == "end" and tag in skip_stack:
            _close(skip_stack, tag)
        elif token.kind == "text":
            yield index, token, not skip_stack


def inline_texts(html: str) -> list[str]:
    """The translatable text inside each inline element (``<a>``, ``<strong>``...), in
    the order the elements open; nested elements count for each level."""
    tokens = tokenize(html)
    translatable = {i for i, _, ok in iter_text_tokens(tokens) if ok}
    texts: list[str] = []
    open_elements: list[tuple[str, int]] = []  # (tag, index in texts)
    for index, token in enumerate(tokens):
        if token.kind == "start" and token.tag not in VOID_TAGS | BLOCK_TAGS | SKIP_TAGS | CODE_TAGS:
            open_elements.append((token.tag, len(texts)))
            texts.append("")
        elif token.kind == "end" and any(tag == token.tag for tag, _ in open_elements):
            while open_elements and open_elements.pop()[0] != token.tag:
                pass
        elif token.kind == "start" and token.tag in BLOCK_TAGS:
            open_elements.clear()  # an unclosed inline element ends with its block
        elif token.kind == "text" and index in translatable:
            for _, slot in open_elements:
                texts[slot] += token.text
    return texts


def tag_sequence(html: str) -> list[str]:
    """The sequence of start/end tags, for comparing structure before and after translation."""
    out = []
    for token in tokenize(html):
        if token.kind in ("start", "startend"):
            out.append(f"<{token.tag}>")
        elif token.kind == "end":
            out.append(f"</{token.tag}>")
    return out


__all__ = ["Block", "Token", "extract_blocks", "normalise_space", "tokenize", "iter_text_tokens", "inline_texts", "tag_sequence"]
