"""``nlp enrich``: write summary, keywords (and translations) into posts' front matter.

Each post is read, analysed, and written back through a temporary file and a rename.
A post is skipped when its ``nlp:`` key already records the hash of its current content
and the current signature (or an older signature of the same request, unless
``--refresh``), so re-runs touch only what changed; the run state
(:mod:`nlp.runstate`) lets a re-run skip unchanged posts without reading them.  One bad
file never stops a batch: it is reported with its reason and the run goes on.
"""

from __future__ import annotations

import difflib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .analyze import Toolkit, content_hash
from .config import Config
from .errors import NlpError, PostError
from .files import Source, iter_sources, output_path
from .post import PROVENANCE_KEY, Post, atomic_write, original_text, own_keys, read_post, with_fields
from .runstate import OLDER, RunState, combined, skip_reason, split_provenance, state_for

log = logging.getLogger(__name__)

TRANSLATION_KEY = "translation_of"


@dataclass
class FileResult:
    path: str
    status: str  # "done", "skipped", "failed"
    reason: str = ""
    output: str = ""
    diff: str = ""
    sentences: int = 0  # sentences analysed or translated
    # What the run state records for a finished post: its outputs and their provenance.
    targets: tuple[str, ...] = ()
    provenance: tuple[str, ...] = ()


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
        older = sum(1 for r in self.results if r.reason == OLDER)
        note = f" ({older} done with an older signature: --refresh redoes them)" if older else ""
        return (
            f"{self.count('done')} done, {self.count('skipped')} skipped{note}, "
            f"{self.count('failed')} failed in {self.seconds:.1f}s"
        )

    def as_dict(self) -> dict:
        return {
            "done": self.count("done"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "seconds": round(self.seconds, 3),
            "sentences": sum(r.sentences for r in self.results),
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

    def __init__(self, config: Config | None = None, mt_signature: str = "", refresh: bool = False) -> None:
        self.toolkit = Toolkit(config)
        self.config = self.toolkit.config
        self.mt_signature = mt_signature
        self.refresh = refresh

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
    sentences: int = 0


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
            return FileResult(name, "skipped", "a translation written by nlp", provenance=(TRANSLATION_KEY,))
        target = output_path(source, out_dir)
        current = post
        if out_dir is not None and target.exists():
            try:
                current = read_post(target)
            except PostError:
                current = None
        provenance = enricher.provenance(post)
        if current is not None:
            recorded = current.meta.get(PROVENANCE_KEY)
            reason = skip_reason(recorded, enricher.signature, split_provenance(provenance)[1], enricher.refresh)
            if reason:
                return FileResult(name, "skipped", reason, str(target), targets=(str(target),), provenance=(str(recorded),))
        own_keys(post)  # refuse a post whose keys we would take over, before any work
        doc = enricher.toolkit.from_post(post)
        summary = enricher.toolkit.summary(doc)
        keywords = enricher.toolkit.keywords(doc)
        if not summary and not keywords:
            return FileResult(name, "skipped", "no text")
        sentences = sum(1 for s in doc.analysis.sentences if s.text.strip())
        return Prepared(source, post, target, doc.title, summary, keywords, provenance, sentences)
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
            return FileResult(name, "done", "", str(item.target), _unified_diff(name, item.post.text, new_text),
                              sentences=item.sentences)
        if item.target != item.source.path:
            item.target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(item.target, new_text)
        return FileResult(name, "done", "", str(item.target), sentences=item.sentences,
                          targets=(str(item.target),), provenance=(item.provenance,))
    except NlpError as exc:
        return FileResult(name, "failed", exc.reason if isinstance(exc, PostError) else str(exc))
    except OSError as exc:
        return FileResult(name, "failed", f"cannot write: {exc.strerror or exc}")


class Ledger:
    """The driving process's side of a batch run, whatever runs the work.

    Skips posts that the run state shows unchanged since they were finished (without
    reading them), records what gets finished, and keeps the report.
    """

    def __init__(self, state: RunState | None, job: str, signatures: list[str], refresh: bool,
                 on_result: Callable[[FileResult], None] | None) -> None:
        self.state = state
        self.job = job
        self.signatures = signatures  # one per output of a post
        self.refresh = refresh
        self.on_result = on_result
        self.report = Report()
        self.started = time.perf_counter()
        self.run = state.start(job) if state is not None else 0

    def known(self, source: Source) -> FileResult | None:
        """A skip decided from the run state alone, or None when the post must be looked at."""
        found = self.state.recorded(self.job, source.path) if self.state is not None else None
        if found is None:
            return None
        outputs, recorded = found
        if recorded == [TRANSLATION_KEY]:
            return FileResult(str(source.path), "skipped", "a translation written by nlp")
        if len(recorded) != len(self.signatures):
            return None
        reason = combined([skip_reason(p, sig, split_provenance(p)[1], self.refresh)
                           for p, sig in zip(recorded, self.signatures)])
        return FileResult(str(source.path), "skipped", reason, ", ".join(outputs)) if reason else None

    def triage(self, paths: Iterable[str | os.PathLike[str]]) -> Iterator[FileResult | Source]:
        """The posts under ``paths``, each replaced by its skip when the run state knows it."""
        for source in iter_sources(paths):
            yield self.known(source) or source

    def emit(self, result: FileResult) -> None:
        self.report.results.append(result)
        if self.state is not None and result.provenance:
            self.state.record(self.job, Path(result.path), result.targets, result.provenance)
        if self.on_result:
            self.on_result(result)

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self.state is not None:  # interrupted: keep what was recorded
            self.state.close()

    def close(self, translation: dict | None = None) -> Report:
        report = self.report
        report.translation = translation or {}
        report.seconds = time.perf_counter() - self.started
        if self.state is not None:
            self.state.end(self.run, report.count("done"), report.count("skipped"), report.count("failed"))
            self.state.close()
        return report


def job_name(kind: str, out: Path | None, *extra: str) -> str:
    """Runs of the same command into the same place share their records."""
    where = str(out.resolve()) if out is not None else "in-place"
    return ":".join((kind, where, *extra))


TRANSLATE_CHUNK = 32  # posts whose fields are translated together
_worker: Enricher | None = None


def _init_worker(enricher: Enricher) -> None:
    global _worker  # the parent's Enricher, inherited through fork with its loaded tables
    _worker = enricher


def _prepare_in_worker(job: FileResult | tuple[Source, Path | None]) -> FileResult | Prepared:
    assert _worker is not None
    return job if isinstance(job, FileResult) else prepare(_worker, *job)


def bounded_imap(pool, function, jobs: Iterable, limit: int = 4 * TRANSLATE_CHUNK) -> Iterator:
    """``pool.imap(function, jobs)`` with at most ``limit`` results not yet taken.

    ``Pool.imap`` alone reads its whole input ahead and queues every result: with a slow
    consumer (the model) the workers would park the whole archive in this process.
    """
    slots = threading.BoundedSemaphore(limit)

    def feed():
        for job in jobs:
            slots.acquire()  # in the pool's feeder thread: waits until the consumer catches up
            yield job

    for result in pool.imap(function, feed(), chunksize=4):
        slots.release()
        yield result


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
    refresh: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> Report:
    """Enrich every post under ``paths``; never raises for a single bad file.

    With ``workers`` > 1 the posts are read and analysed in that many processes while
    this one translates and writes; results come back in input order.  The archive is
    streamed: memory does not grow with its size.
    """
    config = config or Config()
    mt_signature = translator.signature if translator is not None else ""
    enricher = Enricher(config, mt_signature, refresh)
    if config.summarizer != "textrank":
        enricher.toolkit.summarizer  # a missing model fails here, before any file is touched
    out_dir = Path(out) if out is not None else None
    pool = None
    if workers > 1:
        import multiprocessing

        enricher.toolkit.warm()  # the workers share these pages (copy-on-write)
        pool = multiprocessing.get_context("fork").Pool(workers, _init_worker, (enricher,))
    # opened after the fork: the worker processes never hold the run state's connection
    ledger = Ledger(None if dry_run else state_for(config.cache_dir), job_name("enrich", out_dir),
                    [enricher.signature], refresh, on_result)

    # a skip known from the run state passes through in the post's place
    jobs = (job if isinstance(job, FileResult) else (job, out_dir) for job in ledger.triage(paths))
    if pool is not None:
        prepared = bounded_imap(pool, _prepare_in_worker, jobs)
    else:
        prepared = (job if isinstance(job, FileResult) else prepare(enricher, *job) for job in jobs)

    with ledger:  # an interrupted run keeps what it recorded
        pending: list[Prepared] = []
        try:
            for item in prepared:
                if isinstance(item, FileResult):
                    ledger.emit(item)
                    continue
                pending.append(item)
                if translator is None or len(pending) >= TRANSLATE_CHUNK:
                    for result in finish_many(pending, translator, dry_run):
                        ledger.emit(result)
                    pending = []
            for result in finish_many(pending, translator, dry_run):
                ledger.emit(result)
        finally:
            if pool is not None:
                pool.terminate()
        translation = {lang: t.stats.as_dict() for lang, t in translator.translators.items()} if translator else {}
        return ledger.close(translation)
