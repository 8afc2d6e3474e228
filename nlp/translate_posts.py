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
from .enrich import TRANSLATION_KEY, FileResult, Ledger, Report, bounded_imap, job_name
from .errors import NlpError, PostError
from .files import Source
from .html import BLOCK_TAGS, CODE_TAGS, SKIP_TAGS, Token, iter_text_tokens, tokenize
from .post import MANAGED_KEYS, PROVENANCE_KEY, Post, atomic_write, original_text, read_post, set_key, strip_keys
from .runstate import combined, skip_reason, state_for
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


def plan_post(source: Source, post: Post | None = None) -> PostPlan:
    """``source`` (read now unless ``post`` is given) cut into translatable runs."""
    post = post or read_post(source.path)
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


@dataclass
class Rendered:
    """A post's translated siblings, ready to be written: ``(target, text, provenance)``."""

    source: Source
    files: list[tuple[Path, str, str]]
    sentences: int


def plan_or_skip(source: Source, signatures: dict[str, str], out_dir: Path | None, refresh: bool) -> PostPlan | FileResult:
    """Read and cut one post, or say why it needs no translation (CPU work, any process).
    The body is only cut once the post is known to need work."""
    name = str(source.path)
    try:
        post = read_post(source.path)
        if TRANSLATION_KEY in post.meta:
            return FileResult(name, "skipped", "a translation written by nlp", provenance=(TRANSLATION_KEY,))
        targets = tuple(str(sibling_path(source, lang, out_dir)) for lang in signatures)
        recorded = [_provenance_of(Path(target)) for target in targets]
        source_hash = content_hash(original_text(post))
        reason = combined([skip_reason(p, sig, source_hash, refresh) for p, sig in zip(recorded, signatures.values())])
        if reason:
            return FileResult(name, "skipped", reason, targets=targets, provenance=tuple(recorded))
        return plan_post(source, post)
    except PostError as exc:
        if not source.explicit and exc.reason.startswith(("no front matter", "empty file")):
            return FileResult(name, "skipped", "not a post (no front matter)")
        return FileResult(name, "failed", exc.reason)
    except NlpError as exc:
        return FileResult(name, "failed", str(exc))
    except OSError as exc:
        return FileResult(name, "failed", f"cannot read: {exc.strerror or exc}")


def _provenance_of(sibling: Path) -> str:
    """The ``nlp:`` key of an existing sibling ("" when there is none)."""
    try:
        return str(read_post(sibling).meta.get(PROVENANCE_KEY) or "")
    except PostError:
        return ""


def render_chunk(plans: list[PostPlan], translators, out_dir: Path | None) -> list[Rendered]:
    """Translate the posts of a chunk together (their sentences share batches) and render
    each sibling (model work, next to the model)."""
    outputs = {}
    for lang, translator in translators.items():
        outputs[lang] = iter(translator.translate([segment for plan in plans for segment in plan.segments()]))
    rendered = []
    for plan in plans:
        files = []
        for lang, translator in translators.items():
            translated = [next(outputs[lang]) for _ in plan.segments()]
            provenance = plan.provenance(translator)
            text = render_post(plan, lang, translated[0], render_body(plan, translated[1:]), provenance)
            files.append((sibling_path(plan.source, lang, out_dir), text, provenance))
        rendered.append(Rendered(plan.source, files, plan.sentences()))
    return rendered


def write_rendered(item: Rendered) -> FileResult:
    """Write a post's siblings, each through a temporary file and a rename."""
    name = str(item.source.path)
    try:
        for target, text, _ in item.files:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, text)
    except OSError as exc:
        return FileResult(name, "failed", f"cannot write: {exc.strerror or exc}")
    written = tuple(str(target) for target, _, _ in item.files)
    return FileResult(name, "done", "", ", ".join(written), sentences=item.sentences, targets=written,
                      provenance=tuple(p for _, _, p in item.files))


def translate_posts(
    paths: Iterable[str | os.PathLike[str]],
    config: Config,
    *,
    out: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    workers: int = 1,
    on_result: Callable[[FileResult], None] | None = None,
    translators=None,
) -> Report:
    """Write translated siblings of every post under ``paths``.

    With ``workers`` > 1, posts are read and cut in that many processes while this one
    translates and writes; results come back in input order.
    """
    from .translate import translators_for

    translators = translators or translators_for(config)  # locates every model before touching files
    out_dir = Path(out) if out is not None else None
    signatures = {lang: t.signature for lang, t in translators.items()}
    pool = None
    if workers > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(workers, _init_worker, (signatures, out_dir, refresh))
    # opened after the fork: the worker processes never hold the run state's connection
    ledger = Ledger(state_for(config.cache_dir), job_name("translate", out_dir, ",".join(signatures)),
                    list(signatures.values()), refresh, on_result)
    chunk: list[PostPlan] = []

    jobs = ledger.triage(paths)  # a skip known from the run state passes through in the post's place
    if pool is not None:
        planned = bounded_imap(pool, _plan_in_worker, jobs)
    else:
        planned = (job if isinstance(job, FileResult) else plan_or_skip(job, signatures, out_dir, refresh)
                   for job in jobs)

    def flush() -> None:
        for item in render_chunk(chunk, translators, out_dir) if chunk else []:
            ledger.emit(write_rendered(item))
        chunk.clear()

    with ledger:  # an interrupted run keeps what it recorded
        try:
            for item in planned:
                if isinstance(item, FileResult):
                    ledger.emit(item)
                    continue
                chunk.append(item)
                if len(chunk) >= CHUNK_POSTS:
                    flush()
            flush()
        finally:
            if pool is not None:
                pool.terminate()
        return ledger.close({lang: t.stats.as_dict() for lang, t in translators.items() if hasattr(t, "stats")})


_planning: tuple | None = None


def _init_worker(signatures: dict[str, str], out_dir: Path | None, refresh: bool) -> None:
    global _planning
    _planning = (signatures, out_dir, refresh)


def _plan_in_worker(job: FileResult | Source) -> PostPlan | FileResult:
    assert _planning is not None
    return job if isinstance(job, FileResult) else plan_or_skip(job, *_planning)
