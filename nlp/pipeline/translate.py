"""``nlp translate``: whole posts translated beside the original as NAME.en.md / NAME.ja.md.

The body is cut into lossless HTML tokens.  Text between block boundaries is one
run, even when inline tags (``<span>``, ``<strong>``, ``<a>``) split it, so a sentence
is translated as a sentence.  Every tag and attribute stays where it was; the run's
translation is cut back into its text nodes by the model's own alignment (tag
transfer, :func:`nlp.translation.align.distribute`): each node gets the translated
words aligned with its source words, in order, and never nothing when it held text.
A translator that gives no alignment places the words by length, and the run report
counts those nodes.  Script, style, code and the other skipped elements are left
untouched.  Posts are processed in chunks so that sentences from many posts share
batches.
"""

from __future__ import annotations

import html as htmllib
import os
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ..config import Config
from ..errors import ConfigError, NlpError, NotAPost
from ..posts.files import Source
from ..posts.html import BLOCK_TAGS, CODE_TAGS, SKIP_TAGS, Token, iter_text_tokens, tokenize
from ..posts.post import (PROVENANCE_KEY, TRANSLATION_KEY, OutputKeys, Post, atomic_write, clean_title, content_hash,
                          original_text, read_post, set_key, strip_keys)
from ..posts.site import sibling_keys
from ..signature import Provenance
from ..text import split_sentences
from ..translation.align import CharMap, distribute, shifted
from ..translation.engine import Translator
from .driver import run_job
from .results import A_TRANSLATION, NOT_A_POST, FileResult, Report, Status, failed, outlet_of
from .runstate import combined, skip_reason
from .stages import Stages, job_name

CHUNK_POSTS = 16
# Markdown link targets, bare URLs and rule lines are copied, never translated.
_FIXED = re.compile(r"\]\([^)\s]*\)|\[|https?://\S+|^\s*[-=*]{3,}\s*$|\n", re.MULTILINE)


@dataclass
class Run:
    tokens: list[int]  # indices of the text tokens of one block-level run
    text: str  # their decoded text, joined
    spans: list[tuple[int, int]] = field(default_factory=list)  # each token's span in ``text``

    @cached_property
    def nodes(self) -> list[int]:
        """Positions (in ``tokens``) of the text nodes that hold more than whitespace."""
        return [i for i, (start, end) in enumerate(self.spans) if self.text[start:end].strip()]


def text_runs(tokens: list[Token]) -> list[Run]:
    """Translatable text grouped into runs between block boundaries."""
    translatable = {i for i, _, ok in iter_text_tokens(tokens) if ok}
    runs: list[Run] = []
    current: list[int] = []

    def close():
        if current:
            spans, position = [], 0
            for i in current:
                spans.append((position, position + len(tokens[i].text)))
                position += len(tokens[i].text)
            runs.append(Run(list(current), "".join(tokens[i].text for i in current), spans))
            current.clear()

    breaking = BLOCK_TAGS | SKIP_TAGS | CODE_TAGS
    for index, token in enumerate(tokens):
        if token.kind == "text":
            if index in translatable:
                current.append(index)
            else:
                close()
        elif token.kind == "comment" or (token.kind in ("start", "end", "startend") and token.tag in breaking):
            close()  # inline tags (span, strong, a...) keep the run open
    close()
    return [run for run in runs if run.text.strip()]


def split_fixed(text: str) -> list[tuple[str, bool]]:
    """``(piece, translate?)``: markdown link targets, URLs and newlines stay as they are."""
    out: list[tuple[str, bool]] = []
    position = 0
    for match in _FIXED.finditer(text):
        if match.start() > position:
            out.append((text[position : match.start()], True))
        out.append((match.group(), False))
        position = match.end()
    if position < len(text):
        out.append((text[position:], True))
    return out


@dataclass
class PostPlan:
    source: Source
    post: Post
    tokens: list[Token]
    runs: list[Run]
    pieces: list[list[tuple[str, bool]]]
    title: str
    source_hash: str  # of the post without our own keys
    seconds: float = 0.0  # reading and cutting it

    def segments(self) -> list[str]:
        return [self.title] + [p for run in self.pieces for p, ok in run if ok]

    def cuts(self) -> list[list[int] | None]:
        """For each segment, where text nodes of its run begin or end inside it (None for
        a segment whose run has one text node: nothing to place)."""
        out: list[list[int] | None] = [None]
        for run, pieces in zip(self.runs, self.pieces):
            bounds = sorted({b for i in run.nodes for b in run.spans[i]}) if len(run.nodes) > 1 else None
            position = 0
            for piece, ok in pieces:
                if ok:
                    out.append(None if bounds is None else
                               [b - position for b in bounds if position < b < position + len(piece)])
                position += len(piece)
        return out

    def sentences(self) -> int:
        return sum(1 for segment in self.segments() for s in split_sentences(segment) if s.strip())


def plan_post(source: Source, post: Post | None = None, source_hash: str = "") -> PostPlan:
    """``source`` (read now unless ``post`` is given) cut into translatable runs;
    ``source_hash``, when the caller has it, is the hash of the post's original text."""
    post = post or read_post(source.path)
    tokens = tokenize(post.body)
    runs = text_runs(tokens)
    return PostPlan(source, post, tokens, runs, [split_fixed(run.text) for run in runs], clean_title(post.title),
                    source_hash or content_hash(original_text(post)))


@dataclass
class Placed:
    """How a body's inline text nodes were filled (for the run report)."""

    nodes: int = 0  # text nodes that shared a run with another one
    empty: int = 0  # of those, left without text (only when the translation is shorter than the nodes)
    by_length: int = 0  # of those, in runs placed by length: the translator gave no alignment
    unanchored: int = 0  # of those, given words none of which is aligned with its own (placed by order)


def render_body(plan: PostPlan, translated: list[tuple[str, CharMap | None]], placed: Placed | None = None) -> str:
    """The body with each run's text replaced by its translation; markup untouched.  A
    run of several text nodes is cut back into them by each segment's character map."""
    body = plan.post.body
    replacement: dict[int, str] = {}
    position = 0
    placed = placed if placed is not None else Placed()
    for run, pieces in zip(plan.runs, plan.pieces):
        nodes = run.nodes
        several = len(nodes) > 1  # only then is the run's character map read
        parts: list[str] = []
        mapped: CharMap = []
        aligned = True
        offset = 0
        for piece, ok in pieces:
            if ok:
                text, piece_map = translated[position]
                position += 1
                aligned = aligned and piece_map is not None
                if several:
                    mapped += shifted(piece_map, offset, len(piece), len(text))
            else:
                text = piece
                if several:
                    mapped += list(range(offset, offset + len(piece)))
            parts.append(text)
            offset += len(piece)
        text = "".join(parts)
        texts = [text]
        if several:
            texts, unanchored = distribute(text, mapped, [run.spans[i] for i in nodes])
            placed.nodes += len(nodes)
            placed.empty += sum(1 for piece in texts if not piece.strip())
            placed.by_length += 0 if aligned else len(nodes)
            placed.unanchored += unanchored if aligned else 0
        for index in run.tokens:  # whitespace between text nodes stays as it was
            replacement[index] = body[plan.tokens[index].start : plan.tokens[index].end]
        texts = _spaces_outside(plan.tokens, run, nodes, texts)
        for k, (i, piece) in enumerate(zip(nodes, texts)):
            # ... so the node next to it does not repeat it
            if i > (nodes[k - 1] + 1 if k else 0):
                piece = piece.lstrip()
            if i < (nodes[k + 1] - 1 if k + 1 < len(nodes) else len(run.tokens) - 1):
                piece = piece.rstrip()
            replacement[run.tokens[i]] = htmllib.escape(piece, quote=False)
    out = []
    for index, token in enumerate(plan.tokens):
        out.append(replacement.get(index, body[token.start : token.end]))
    return "".join(out)


def _spaces_outside(tokens: list[Token], run: Run, nodes: list[int], texts: list[str]) -> list[str]:
    """A space that ends a node's text moves past a closing tag that follows it
    (``<a>word</a> next``, not ``<a>word </a>next``); before an opening tag it stays."""
    texts = list(texts)
    for k in range(len(nodes) - 1):
        between = tokens[run.tokens[nodes[k]] + 1 : run.tokens[nodes[k + 1]]]
        stripped = texts[k].rstrip()
        if stripped and stripped != texts[k] and any(t.kind == "end" for t in between):
            texts[k + 1] = texts[k][len(stripped):] + texts[k + 1]
            texts[k] = stripped
    return texts


def sibling_path(source: Source, lang: str, out: Path | None) -> Path:
    name = f"{source.path.stem}.{lang}{source.path.suffix}"
    if out is None:
        return source.path.with_name(name)
    relative = source.path.relative_to(source.root).with_name(name) if not source.explicit else Path(name)
    return out / relative


def render_post(plan: PostPlan, lang: str, title: str, body: str, signature: str, keys: OutputKeys = OutputKeys()) -> str:
    """The sibling's text: the original's front matter without the keys of other
    languages, with the translated title, ``lang``, ``translation_of``, the original's
    URL under ``/lang`` (``slug`` + ``permalink``), the summary and keywords the original
    has in ``lang`` under the site's keys, and the provenance."""
    post = plan.post
    nl = post.newline
    fm = strip_keys(post.front_matter, keys.managed | {"lang", TRANSLATION_KEY})
    if fm and not fm.endswith(("\n", "\r")):
        fm += nl
    fm = set_key(fm, "title", title, nl)
    fm = set_key(fm, "lang", lang, nl)
    fm = set_key(fm, TRANSLATION_KEY, plan.source.path.name, nl)
    for key, value in sibling_keys(plan.source.path, post.meta, lang).items():
        fm = set_key(fm, key, value, nl)
    for field in keys.OWN:
        if post.meta.get(keys.translated(field, lang)):
            fm = set_key(fm, keys.key(field), post.meta[keys.translated(field, lang)], nl)
    fm = set_key(fm, PROVENANCE_KEY, signature, nl)
    return post.text[: post.fm_start] + fm + post.text[post.fm_end : post.body_start] + body


def _provenance_of(sibling: Path) -> str:
    """The ``nlp:`` key of an existing sibling ("" when there is none)."""
    try:
        return str(read_post(sibling).meta.get(PROVENANCE_KEY) or "")
    except NlpError:
        return ""


def _translate_plans(plans: list[PostPlan], translators: Mapping[str, Translator]) -> list[dict[str, list[tuple]]]:
    """The model stage: every segment of every post of a chunk, per language, in one
    call per language (their sentences share batches)."""
    segments = [s for plan in plans for s in plan.segments()]
    cuts = [c for plan in plans for c in plan.cuts()]
    outputs = {}
    for lang, translator in translators.items():
        if hasattr(translator, "translate_aligned"):
            outputs[lang] = iter(translator.translate_aligned(segments, cuts))
        else:  # a translator without alignments: its words are placed by length
            outputs[lang] = iter((text, None) for text in translator.translate(segments))
    return [{lang: [next(outputs[lang]) for _ in plan.segments()] for lang in translators} for plan in plans]


class TranslateStages(Stages):
    """Translated siblings of each post, one per language of ``signatures``."""

    kind = "translate"
    chunk_size = CHUNK_POSTS
    records = True
    transform = staticmethod(_translate_plans)

    def __init__(self, signatures: Mapping[str, str], out_dir: Path | None = None, refresh: bool = False,
                 summary_key: str = "summary", keywords_key: str = "keywords") -> None:
        self.languages = dict(signatures)
        self.out_dir = out_dir
        self.refresh = refresh
        self.keys = OutputKeys(summary_key, keywords_key)
        self.managed = self.keys.managed

    @property
    def job(self) -> str:
        return job_name(self.kind, self.out_dir, ",".join(self.languages))

    @property
    def signatures(self) -> list[str]:
        return list(self.languages.values())

    def prepare(self, source: Source) -> PostPlan | FileResult:
        """Read and cut one post, or say why it needs no translation (CPU work, any
        process).  The body is only cut once the post is known to need work."""
        name = str(source.path)
        started = time.perf_counter()
        try:
            post = read_post(source.path)
            if TRANSLATION_KEY in post.meta:
                return FileResult(name, Status.skipped, A_TRANSLATION, provenance=(TRANSLATION_KEY,))
            targets = tuple(str(sibling_path(source, lang, self.out_dir)) for lang in self.languages)
            recorded = [_provenance_of(Path(target)) for target in targets]
            source_hash = content_hash(original_text(post, self.managed))
            reason = combined([skip_reason(p, sig, source_hash, self.refresh)
                               for p, sig in zip(recorded, self.languages.values())])
            if reason:
                return FileResult(name, Status.skipped, reason, targets=targets, provenance=tuple(recorded))
            plan = plan_post(source, post, source_hash)
            plan.seconds = time.perf_counter() - started
            return plan
        except NotAPost as exc:
            if not source.explicit:
                return FileResult(name, Status.skipped, NOT_A_POST)
            return failed(name, exc)
        except (NlpError, OSError) as exc:
            return failed(name, exc, "read")

    def write(self, plan: PostPlan, translated: dict[str, list[str]]) -> FileResult:
        """Render and write a post's siblings, each through a temporary file and a rename."""
        name = str(plan.source.path)
        started = time.perf_counter()
        written, provenance = [], []
        placed = Placed()
        try:
            for lang, signature in self.languages.items():
                segments = translated[lang]
                stamp = str(Provenance(signature, plan.source_hash))
                text = render_post(plan, lang, segments[0][0], render_body(plan, segments[1:], placed), stamp, self.keys)
                target = sibling_path(plan.source, lang, self.out_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(target, text)
                written.append(str(target))
                provenance.append(stamp)
        except (NlpError, OSError) as exc:
            return failed(name, exc, "write")
        return FileResult(name, Status.done, "", ", ".join(written), sentences=plan.sentences(),
                          targets=tuple(written), provenance=tuple(provenance),
                          seconds=plan.seconds + time.perf_counter() - started, outlet=outlet_of(plan.post.meta),
                          inline=(placed.nodes, placed.empty, placed.by_length, placed.unanchored))


def translate(
    paths: Iterable[str | os.PathLike[str]],
    config: Config,
    *,
    out: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    translators: Mapping[str, Translator] | None = None,
    verbose: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> Report:
    """Write translated siblings of every post under ``paths``, one per language of
    ``config.to`` (``translators`` replaces the registry's models, for tests).

    With ``config.workers`` > 1, posts are read and cut in that many processes while
    this one translates and writes; ``config.engine`` ``ray`` runs the same stages on Ray.
    """
    if not config.to and translators is None:
        raise ConfigError("nothing to translate into: give target languages with --to (e.g. --to en,ja)")
    out_dir = Path(out) if out is not None else None
    return run_job(lambda signatures: TranslateStages(signatures, out_dir, refresh, config.summary_key,
                                                      config.keywords_key), paths, config,
                   out=out_dir, translators=translators, verbose=verbose, on_start=on_start, on_result=on_result)
