"""``nlp translate``: whole posts translated beside the original as NAME.en.md / NAME.ja.md.

The body is cut into lossless HTML tokens.  Text between block boundaries is one
run, even when inline tags (``<span>``, ``<strong>``, ``<a>``) split it, so a sentence
is translated as a sentence; its translation goes into the run's first text token and
the run's other text tokens are emptied, so every tag and attribute stays where it
was.  Script, style, code and the other skipped elements are left untouched.
Posts are processed in chunks so that sentences from many posts share batches.
"""

from __future__ import annotations

import html as htmllib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .analyze import content_hash, clean_title
from .config import Config
from .enrich import TRANSLATION_KEY, FileResult, Ledger, Report, job_name
from .errors import NlpError, PostError
from .files import Source, iter_sources
from .html import BLOCK_TAGS, CODE_TAGS, SKIP_TAGS, Token, iter_text_tokens, tokenize
from .post import MANAGED_KEYS, PROVENANCE_KEY, Post, atomic_write, original_text, read_post, set_key, strip_keys
from .runstate import OLDER, skip_reason, state_for
from .text import split_sentences

CHUNK_POSTS = 16
# Markdown link targets, bare URLs and rule lines are copied, never translated.
_FIXED = re.compile(r"\]\([^)\s]*\)|\[|https?://\S+|^\s*[-=*]{3,}\s*$|\n", re.MULTILINE)


@dataclass
class Run:
    tokens: list[int]  # indices of the text tokens of one block-level run
    text: str  # their decoded text, joined


def text_runs(tokens: list[Token]) -> list[Run]:
    """Translatable text grouped into runs between block boundaries."""
    translatable = {i for i, _, ok in iter_text_tokens(tokens) if ok}
    runs: list[Run] = []
    current: list[int] = []

    def close():
        if current:
            runs.append(Run(list(current), "".join(tokens[i].text for i in current)))
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

    def provenance(self, translator) -> str:
        """What ``nlp:`` says in a sibling this translator made from the post as it is now."""
        return f"{translator.signature} src={self.source_hash}"

    def segments(self) -> list[str]:
        return [self.title] + [p for run in self.pieces for p, ok in run if ok]

    def sentences(self) -> int:
        return sum(1 for segment in self.segments() for s in split_sentences(segment) if s.strip())


def plan_post(source: Source) -> PostPlan:
    post = read_post(source.path)
    tokens = tokenize(post.body)
    runs = text_runs(tokens)
    return PostPlan(source, post, tokens, runs, [split_fixed(run.text) for run in runs], clean_title(post.title),
                    content_hash(original_text(post)))


def render_body(plan: PostPlan, translated: list[str]) -> str:
    """The body with each run's text replaced by its translation; markup untouched."""
    body = plan.post.body
    replacement: dict[int, str] = {}
    position = 0
    for run, pieces in zip(plan.runs, plan.pieces):
        parts = []
        for piece, ok in pieces:
            if ok:
                parts.append(translated[position])
                position += 1
            else:
                parts.append(piece)
        text = "".join(parts)
        replacement[run.tokens[0]] = htmllib.escape(text, quote=False)
        for index in run.tokens[1:]:
            replacement[index] = ""
    out = []
    for index, token in enumerate(plan.tokens):
        out.append(replacement.get(index, body[token.start : token.end]))
    return "".join(out)


def sibling_path(source: Source, lang: str, out: Path | None) -> Path:
    name = f"{source.path.stem}.{lang}{source.path.suffix}"
    if out is None:
        return source.path.with_name(name)
    relative = source.path.relative_to(source.root).with_name(name) if not source.explicit else Path(name)
    return out / relative


def render_post(plan: PostPlan, lang: str, title: str, body: str, signature: str) -> str:
    post = plan.post
    nl = post.newline
    fm = strip_keys(post.front_matter, MANAGED_KEYS | {"lang", TRANSLATION_KEY})
    if fm and not fm.endswith(("\n", "\r")):
        fm += nl
    fm = set_key(fm, "title", title, nl)
    fm = set_key(fm, "lang", lang, nl)
    fm = set_key(fm, TRANSLATION_KEY, plan.source.path.name, nl)
    fm = set_key(fm, PROVENANCE_KEY, signature, nl)
    return post.text[: post.fm_start] + fm + post.text[post.fm_end : post.body_start] + body


def translate_posts(
    paths: Iterable[str | os.PathLike[str]],
    config: Config,
    *,
    out: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
    translators=None,
) -> Report:
    """Write translated siblings of every post under ``paths``."""
    from .translate import translators_for

    translators = translators or translators_for(config)  # locates every model before touching files
    out_dir = Path(out) if out is not None else None
    langs = list(translators)
    signatures = [translators[lang].signature for lang in langs]
    ledger = Ledger(state_for(config.cache_dir), job_name("translate", out_dir, ",".join(langs)), signatures,
                    refresh, on_result)
    chunk: list[PostPlan] = []

    def flush() -> None:
        if not chunk:
            return
        outputs = {}
        for lang, translator in translators.items():
            segments = [segment for plan in chunk for segment in plan.segments()]
            outputs[lang] = iter(translator.translate(segments))
        for plan in chunk:
            written = []
            provenance = []
            try:
                for lang, translator in translators.items():
                    stream = outputs[lang]
                    segments = plan.segments()
                    translated = [next(stream) for _ in segments]
                    signature = plan.provenance(translator)
                    text = render_post(plan, lang, translated[0], render_body(plan, translated[1:]), signature)
                    target = sibling_path(plan.source, lang, out_dir)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(target, text)
                    written.append(str(target))
                    provenance.append(signature)
                ledger.emit(FileResult(str(plan.source.path), "done", "", ", ".join(written), sentences=plan.sentences(),
                                       targets=tuple(written), provenance=tuple(provenance)))
            except OSError as exc:
                ledger.emit(FileResult(str(plan.source.path), "failed", f"cannot write: {exc.strerror or exc}"))
        chunk.clear()

    with ledger:  # an interrupted run keeps what it recorded
        for source in iter_sources(paths):
            targets = [sibling_path(source, lang, out_dir) for lang in langs]
            known = ledger.known(source, targets)
            if known is not None:
                ledger.emit(known)
                continue
            try:
                plan = plan_post(source)
            except PostError as exc:
                if not source.explicit and exc.reason.startswith(("no front matter", "empty file")):
                    ledger.emit(FileResult(str(source.path), "skipped", "not a post (no front matter)"))
                else:
                    ledger.emit(FileResult(str(source.path), "failed", exc.reason))
                continue
            except NlpError as exc:
                ledger.emit(FileResult(str(source.path), "failed", str(exc)))
                continue
            if TRANSLATION_KEY in plan.post.meta:
                ledger.emit(FileResult(str(source.path), "skipped", "a translation written by nlp",
                                       targets=tuple(map(str, targets)), provenance=(TRANSLATION_KEY,)))
                continue
            reason, recorded = _up_to_date(plan, translators, out_dir, refresh)
            if reason:
                ledger.emit(FileResult(str(source.path), "skipped", reason, targets=tuple(map(str, targets)),
                                       provenance=tuple(recorded)))
                continue
            chunk.append(plan)
            if len(chunk) >= CHUNK_POSTS:
                flush()
        flush()
        return ledger.close({lang: t.stats.as_dict() for lang, t in translators.items() if hasattr(t, "stats")})


def _up_to_date(plan: PostPlan, translators, out_dir: Path | None, refresh: bool) -> tuple[str | None, list[str]]:
    """Why every sibling of ``plan`` needs no work (None: some does), and their provenance."""
    reasons, recorded = [], []
    for lang, translator in translators.items():
        target = sibling_path(plan.source, lang, out_dir)
        try:
            existing = read_post(target)
        except PostError:
            return None, []
        provenance = str(existing.meta.get(PROVENANCE_KEY) or "")
        reason = skip_reason(provenance, translator.signature, plan.source_hash, refresh)
        if reason is None:
            return None, []
        reasons.append(reason)
        recorded.append(provenance)
    return (OLDER if OLDER in reasons else reasons[0]), recorded
