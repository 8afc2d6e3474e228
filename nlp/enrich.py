"""``nlp enrich``: write summary, keywords (and translations) into posts' front matter.

Each post is read, analysed, and written back through a temporary file and a rename.
A post is skipped when its ``nlp:`` key already records the current signature and the
hash of its current content, so re-runs touch only what changed.  One bad file never
stops a batch: it is reported with its reason and the run goes on.
"""

from __future__ import annotations

import difflib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .analyze import Toolkit, content_hash
from .config import Config
from .errors import NlpError, PostError
from .files import Source, iter_sources, output_path
from .post import PROVENANCE_KEY, Post, atomic_write, original_text, own_keys, read_post, with_fields

log = logging.getLogger(__name__)

TRANSLATION_KEY = "translation_of"


@dataclass
class FileResult:
    path: str
    status: str  # "done", "skipped", "failed"
    reason: str = ""
    output: str = ""
    diff: str = ""


@dataclass
class Report:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    translation: dict = field(default_factory=dict)  # language -> engine counters

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failures(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def line(self) -> str:
        return (
            f"{self.count('done')} done, {self.count('skipped')} skipped, "
            f"{self.count('failed')} failed in {self.seconds:.1f}s"
        )

    def as_dict(self) -> dict:
        return {
            "done": self.count("done"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "seconds": round(self.seconds, 3),
            "failures": [{"path": r.path, "reason": r.reason} for r in self.failures],
            "skipped_files": [{"path": r.path, "reason": r.reason} for r in self.results if r.status == "skipped"],
            "translation": self.translation,
        }

    def translation_lines(self) -> list[str]:
        return [
            f"{lang}: {s['units']} sentences, {s['memory_hits']} from the translation memory, "
            f"{s['model_inputs']} sent to the model, {s['passthrough']} passed through, {s['degenerate']} degenerate"
            for lang, s in self.translation.items()
        ]


def _unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )


class Enricher:
    """Computes the front matter fields of a post under one configuration.

    ``mt_signature`` is the translator's signature when the run translates: the
    translation itself happens in :func:`finish` (in the main process, next to the
    model), everything else in :func:`prepare` (in worker processes with --workers).
    """

    def __init__(self, config: Config | None = None, mt_signature: str = "") -> None:
        self.toolkit = Toolkit(config)
        self.config = self.toolkit.config
        self.mt_signature = mt_signature

    @property
    def signature(self) -> str:
        return self.toolkit.signature + (f" {self.mt_signature}" if self.mt_signature else "")

    def provenance(self, post: Post) -> str:
        """What ``nlp:`` says once ``post`` is enriched under this configuration."""
        return f"{self.signature} src={content_hash(original_text(post))}"



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


def prepare(enricher: Enricher, source: Source, out_dir: Path | None) -> FileResult | Prepared:
    """Read and analyse one post (CPU work, safe in a worker process)."""
    name = str(source.path)
    try:
        try:
            post = read_post(source.path)
        except PostError as exc:
            if not source.explicit and exc.reason.startswith(("no front matter", "empty file")):
                return FileResult(name, "skipped", "not a post (no front matter)")
            raise
        if TRANSLATION_KEY in post.meta:
            return FileResult(name, "skipped", "a translation written by nlp")
        target = output_path(source, out_dir)
        current = post
        if out_dir is not None and target.exists():
            try:
                current = read_post(target)
            except PostError:
                current = None
        provenance = enricher.provenance(post)
        if current is not None and current.meta.get(PROVENANCE_KEY) == provenance:
            return FileResult(name, "skipped", "up to date", str(target))
        own_keys(post)  # refuse a post whose keys we would take over, before any work
        doc = enricher.toolkit.from_post(post)
        summary = enricher.toolkit.summary(doc)
        keywords = enricher.toolkit.keywords(doc)
        if not summary and not keywords:
            return FileResult(name, "skipped", "no text")
        return Prepared(source, post, target, doc.title, summary, keywords, provenance)
    except NlpError as exc:
        return FileResult(name, "failed", exc.reason if isinstance(exc, PostError) else str(exc))
    except OSError as exc:
        return FileResult(name, "failed", f"cannot read: {exc.strerror or exc}")


def finish_many(items: list[Prepared], translator, dry_run: bool) -> list[FileResult]:
    """Translate the fields of several posts in one go (shared batches), then write each."""
    if translator is None:
        return [finish(item, {}, dry_run) for item in items]
    try:
        translated = translator.translate_many([(i.title, i.summary, i.keywords) for i in items])
    except NlpError as exc:
        return [FileResult(str(i.source.path), "failed", str(exc)) for i in items]
    return [finish(item, fields, dry_run) for item, fields in zip(items, translated)]


def finish(item: Prepared, translated: dict, dry_run: bool) -> FileResult:
    """Write one prepared post with its (already translated) fields."""
    name = str(item.source.path)
    fields: dict = {}
    if item.summary:
        fields["summary"] = item.summary
    if item.keywords:
        fields["keywords"] = item.keywords
    try:
        fields.update(translated)
        fields[PROVENANCE_KEY] = item.provenance
        new_text = with_fields(item.post, fields)
        if dry_run:
            return FileResult(name, "done", "", str(item.target), _unified_diff(name, item.post.text, new_text))
        if item.target != item.source.path:
            item.target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(item.target, new_text)
        return FileResult(name, "done", "", str(item.target))
    except NlpError as exc:
        return FileResult(name, "failed", exc.reason if isinstance(exc, PostError) else str(exc))
    except OSError as exc:
        return FileResult(name, "failed", f"cannot write: {exc.strerror or exc}")


TRANSLATE_CHUNK = 32  # posts whose fields are translated together
_worker: Enricher | None = None


def _init_worker(config: Config, mt_signature: str) -> None:
    global _worker  # one Enricher per worker process, made once
    _worker = Enricher(config, mt_signature)


def _prepare_in_worker(job: tuple[Source, Path | None]) -> FileResult | Prepared:
    assert _worker is not None
    return prepare(_worker, *job)


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def enrich(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    translator=None,
    workers: int = 1,
    on_result: Callable[[FileResult], None] | None = None,
) -> Report:
    """Enrich every post under ``paths``; never raises for a single bad file.

    With ``workers`` > 1 the posts are read and analysed in that many processes while
    this one translates and writes; results come back in input order.  The archive is
    streamed: memory does not grow with its size.
    """
    config = config or Config()
    mt_signature = translator.signature if translator is not None else ""
    enricher = Enricher(config, mt_signature)
    if config.summarizer != "textrank":
        enricher.toolkit.summarizer  # a missing model fails here, before any file is touched
    out_dir = Path(out) if out is not None else None
    report = Report()
    started = time.perf_counter()
    jobs = ((source, out_dir) for source in iter_sources(paths))
    pool = None
    if workers > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(workers, _init_worker, (config, mt_signature))
        prepared = pool.imap(_prepare_in_worker, jobs, chunksize=4)
    else:
        prepared = (prepare(enricher, *job) for job in jobs)
    def emit(results: list[FileResult]) -> None:
        for result in results:
            report.results.append(result)
            if on_result:
                on_result(result)

    pending: list[Prepared] = []
    try:
        for item in prepared:
            if isinstance(item, FileResult):
                emit([item])
                continue
            pending.append(item)
            if translator is None or len(pending) >= TRANSLATE_CHUNK:
                emit(finish_many(pending, translator, dry_run))
                pending = []
        emit(finish_many(pending, translator, dry_run))
    finally:
        if pool is not None:
            pool.terminate()
    if translator is not None:
        report.translation = {lang: t.stats.as_dict() for lang, t in translator.translators.items()}
    report.seconds = time.perf_counter() - started
    return report
