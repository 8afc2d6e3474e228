"""``nlp enrich``: write summary, keywords (and translations) into posts' front matter.

Each post is read, analysed, and written back through a temporary file and a rename.
A post is skipped when its ``nlp:`` key already records the hash of its current content
and the current signature (or an older signature of the same request, unless
``--refresh``), so re-runs touch only what changed; the run state
(:mod:`nlp.pipeline.runstate`) lets a re-run skip unchanged posts without reading them.
"""

from __future__ import annotations

import difflib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ..analysis.analyzer import Toolkit
from ..config import Config
from ..errors import NlpError, NotAPost
from ..posts.files import Source, output_path
from ..posts.post import (PROVENANCE_KEY, TRANSLATION_KEY, OutputKeys, Post, atomic_write, content_hash, kept_keys,
                          original_text, read_post, with_fields)
from ..signature import Provenance
from ..translation.engine import Translator
from ..translation.translator import translate_fields
from .driver import run_job
from .results import A_TRANSLATION, ALL_KEPT, NO_TEXT, NOT_A_POST, FileResult, Report, Status, failed, outlet_of
from .runstate import skip_reason
from .stages import Stages, job_name

TRANSLATE_CHUNK = 32  # posts whose fields are translated together
COPIED = "copied as it is (already enriched in place)"


@dataclass
class Prepared:
    """A post analysed and ready for translation and writing."""

    source: Source
    post: Post
    target: Path
    title: str
    summary: str
    keywords: list[str]
    provenance: str
    sentences: int = 0
    kept: tuple[str, ...] = ()  # keys holding the author's values
    seconds: float = 0.0  # reading and analysing it
    summary_note: str = ""  # why the extractive summary stands in for the model's ("" if it does not)


def _unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )


def _fields_of(items: list[Prepared], translators: Mapping[str, Translator]) -> list[dict]:
    """The model stage: translated title, summary and keywords of each post."""
    if not translators:
        return [{} for _ in items]
    return translate_fields(translators, [(i.title, i.summary, i.keywords) for i in items])


class EnrichStages(Stages):
    """Front matter fields of each post under one configuration.

    ``mt`` holds the translators' signatures when the run translates the fields: the
    translation happens next to the model, everything else in ``prepare``.
    """

    kind = "enrich"
    transform = staticmethod(_fields_of)

    def __init__(self, config: Config, mt: Mapping[str, str] = {}, out_dir: Path | None = None,
                 dry_run: bool = False, refresh: bool = False) -> None:
        self.toolkit = Toolkit(config)
        self.config = config
        self.mt = dict(mt)
        self.out_dir = out_dir
        self.dry_run = dry_run
        self.refresh = refresh
        self.records = not dry_run
        self.chunk_size = TRANSLATE_CHUNK if self.mt else 1
        self.keys = OutputKeys(config.summary_key, config.keywords_key)
        self.managed = self.keys.managed
        self.forkable = config.extractive  # a summarization model stays in this process
        if not config.extractive:
            self.toolkit.summarizer  # a missing model fails here, before any file is touched
        self.signature = str(self.toolkit.signature(tuple(self.mt.items())))

    def __reduce__(self):  # to Ray workers: rebuilt there, its tables loaded there
        return type(self), (self.config, self.mt, self.out_dir, self.dry_run, self.refresh)

    @property
    def job(self) -> str:
        return job_name(self.kind, self.out_dir)

    @property
    def signatures(self) -> list[str]:
        return [self.signature]

    def warm(self) -> None:
        self.toolkit.warm()

    def prepare(self, source: Source) -> FileResult | Prepared:
        """Read and analyse one post (CPU work, safe in a worker process)."""
        started = time.perf_counter()
        name = str(source.path)
        try:
            try:
                post = read_post(source.path)
            except NotAPost:
                if not source.explicit:
                    return FileResult(name, Status.skipped, NOT_A_POST)
                raise
            if TRANSLATION_KEY in post.meta:
                return FileResult(name, Status.skipped, A_TRANSLATION, provenance=(TRANSLATION_KEY,))
            target = output_path(source, self.out_dir)
            current: Post | None = post
            if self.out_dir is not None and target.exists():
                try:
                    current = read_post(target)
                except NlpError:
                    current = None
            source_hash = content_hash(original_text(post, self.managed))
            kept = tuple(sorted(kept_keys(post, self.managed)))
            provenance = str(Provenance(self.signature, source_hash, kept))  # what nlp: says once enriched
            if current is not None:
                recorded = current.meta.get(PROVENANCE_KEY)
                reason = skip_reason(recorded, self.signature, source_hash, self.refresh)
                if reason and current is post and target != source.path and not self.dry_run:
                    # enriched in place already: copied as it is, so that --out DIR holds the archive
                    target.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(target, post.text)
                    return FileResult(name, Status.done, COPIED, str(target), targets=(str(target),),
                                      provenance=(str(recorded),))
                if reason:
                    return FileResult(name, Status.skipped, reason, str(target), targets=(str(target),),
                                      provenance=(str(recorded),))
            summary_key, keywords_key = self.keys.key("summary"), self.keys.key("keywords")
            own_summary, own_keywords = summary_key in kept, keywords_key in kept
            if own_summary and own_keywords and not self.mt:
                return FileResult(name, Status.skipped, ALL_KEPT, kept=kept)
            doc = self.toolkit.from_post(post)
            # The author's own values are kept as they are; they are what gets translated.
            summary, note = (_author_text(post.meta[summary_key]), "") if own_summary else self.toolkit.summary_noted(doc)
            keywords = _author_list(post.meta[keywords_key]) if own_keywords else self.toolkit.keywords(doc)
            if not summary and not keywords and not (self.mt and doc.title):
                return FileResult(name, Status.skipped, NO_TEXT)  # (with --to, a title alone still gets title_en)
            sentences = sum(1 for s in doc.analysis.sentences if s.text.strip())
            return Prepared(source, post, target, doc.title, summary, keywords, provenance, sentences, kept,
                            time.perf_counter() - started, note)
        except (NlpError, OSError) as exc:
            return failed(name, exc, "read")

    def write(self, item: Prepared, translated: dict) -> FileResult:
        """Write one prepared post with its (already translated) fields."""
        started = time.perf_counter()
        name = str(item.source.path)
        keys = self.keys
        fields: dict = {}
        if item.summary:
            fields[keys.key("summary")] = item.summary
        if item.keywords:
            fields[keys.key("keywords")] = item.keywords
        for (field, lang), value in translated.items():
            fields[keys.translated(field, lang)] = value
        fields = {k: v for k, v in fields.items() if k not in item.kept}
        try:
            fields[PROVENANCE_KEY] = item.provenance
            new_text = with_fields(item.post, fields, self.managed)
            if self.dry_run:
                return FileResult(name, Status.done, "", str(item.target),
                                  _unified_diff(name, item.post.text, new_text), sentences=item.sentences, kept=item.kept)
            if item.target != item.source.path:
                item.target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(item.target, new_text)
            return FileResult(name, Status.done, "", str(item.target), sentences=item.sentences,
                              targets=(str(item.target),), provenance=(item.provenance,), kept=item.kept,
                              seconds=item.seconds + time.perf_counter() - started, outlet=outlet_of(item.post.meta),
                              summary_note=item.summary_note)
        except (NlpError, OSError) as exc:
            return failed(name, exc, "write")


def _author_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _author_list(value: object) -> list[str]:
    """An author's keywords: a YAML list, or one string of comma-separated words."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).replace("，", ",").split(",") if part.strip()]


def enrich(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    refresh: bool = False,
    translators: Mapping[str, Translator] | None = None,
    verbose: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> Report:
    """Enrich every post under ``paths``; never raises for a single bad file.

    ``config.to`` adds the translated fields (``translators`` replaces the registry's
    models, for tests).  With ``config.workers`` > 1 the posts are read and analysed in
    that many processes while this one translates and writes; ``config.engine`` ``ray``
    runs the same stages on Ray.  The archive is streamed: memory does not grow with its
    size.
    """
    config = config or Config()
    out_dir = Path(out) if out is not None else None
    return run_job(lambda mt: EnrichStages(config, mt, out_dir, dry_run, refresh), paths, config,
                   out=out_dir, translators=translators, verbose=verbose, on_start=on_start, on_result=on_result)
