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
from .post import PROVENANCE_KEY, Post, atomic_write, original_text, read_post, with_fields

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
        }


def _unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
        )
    )


class Enricher:
    """Computes the front matter fields of a post under one configuration."""

    def __init__(self, config: Config | None = None, translator=None) -> None:
        self.toolkit = Toolkit(config)
        self.config = self.toolkit.config
        self.translator = translator

    @property
    def signature(self) -> str:
        sig = self.toolkit.signature
        if self.translator is not None:
            sig += " " + self.translator.signature
        return sig

    def provenance(self, post: Post) -> str:
        """What ``nlp:`` says once ``post`` is enriched under this configuration."""
        return f"{self.signature} src={content_hash(original_text(post))}"

    def fields(self, post: Post) -> dict | None:
        """The fields to write, or ``None`` when the post has no text and no title."""
        doc = self.toolkit.from_post(post)
        if not doc.has_text and not doc.title:
            return None
        fields: dict = {}
        summary = self.toolkit.summary(doc)
        keywords = self.toolkit.keywords(doc)
        if summary:
            fields["summary"] = summary
        if keywords:
            fields["keywords"] = keywords
        if self.translator is not None:
            fields.update(self.translator.translate_fields(doc.title, summary, keywords))
        if not fields:
            return None
        fields[PROVENANCE_KEY] = self.provenance(post)
        return fields

    def is_current(self, source: Post, written: Post) -> bool:
        """True when ``written`` holds this configuration's output for ``source`` as it is now."""
        return written.meta.get(PROVENANCE_KEY) == self.provenance(source)


def enrich(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    translator=None,
    on_result: Callable[[FileResult], None] | None = None,
) -> Report:
    """Enrich every post under ``paths``; never raises for a single bad file."""
    enricher = Enricher(config, translator)
    out_dir = Path(out) if out is not None else None
    report = Report()
    started = time.perf_counter()
    for source in iter_sources(paths):
        result = enrich_one(enricher, source, out_dir, dry_run)
        report.results.append(result)
        if on_result:
            on_result(result)
    report.seconds = time.perf_counter() - started
    return report


def enrich_one(enricher: Enricher, source: Source, out_dir: Path | None, dry_run: bool) -> FileResult:
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
        if current is not None and enricher.is_current(post, current):
            return FileResult(name, "skipped", "up to date", str(target))
        fields = enricher.fields(post)
        if fields is None:
            return FileResult(name, "skipped", "no text")
        new_text = with_fields(post, fields)
        if dry_run:
            return FileResult(name, "done", "", str(target), _unified_diff(name, post.text, new_text))
        if out_dir is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, new_text)
        return FileResult(name, "done", "", str(target))
    except NlpError as exc:
        reason = exc.reason if isinstance(exc, PostError) else str(exc)
        return FileResult(name, "failed", reason)
    except OSError as exc:
        return FileResult(name, "failed", f"cannot write: {exc.strerror or exc}")
