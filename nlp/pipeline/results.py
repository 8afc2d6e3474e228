"""What a batch run reports: one typed outcome per post, and the run's totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..errors import NlpError, PostError


class Status(str, Enum):
    done = "done"
    skipped = "skipped"
    failed = "failed"

    def __str__(self) -> str:
        return self.value


# Why a post was skipped (the report's reasons).
UP_TO_DATE = "up to date"
OLDER = "done with an older signature (--refresh redoes it)"
A_TRANSLATION = "a translation written by nlp"
NOT_A_POST = "not a post (no front matter)"
NO_TEXT = "no text"
AN_OUTPUT = "written by nlp from another input"
ALL_KEPT = "the author's own summary and keywords are kept; nothing to add"


@dataclass
class FileResult:
    path: str
    status: Status
    reason: str = ""
    output: str = ""
    diff: str = ""
    sentences: int = 0  # sentences analysed or translated
    # What the run state records for a finished post: its outputs and their provenance.
    targets: tuple[str, ...] = ()
    provenance: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # keys whose author-written values were kept
    seconds: float = 0.0  # reading, analysing and writing this post (model time is shared by a batch)
    finished: float = 0.0  # when its outcome was known (time.time())
    outlet: str = ""  # the post's author or source site, for the report
    # inline text nodes placed by tag transfer: (nodes, left empty, placed by length, placed by order alone)
    inline: tuple[int, int, int, int] = (0, 0, 0, 0)
    summary_note: str = ""  # "extractive:REASON" when a model's summary was rejected for the extractive one


def failed(path: object, error: BaseException, doing: str = "read") -> FileResult:
    """The outcome of a post stopped by ``error``: the error's own words for ours, the
    system's for an ``OSError`` (``cannot read: Permission denied``)."""
    if isinstance(error, PostError):
        reason = error.reason
    elif isinstance(error, NlpError):
        reason = str(error)
    elif isinstance(error, OSError):
        reason = f"cannot {doing}: {error.strerror or error}"
    else:
        raise error
    return FileResult(str(path), Status.failed, reason)


@dataclass
class Report:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    translation: dict = field(default_factory=dict)  # language -> engine counters
    job: str = ""  # enrich or translate
    started: float = 0.0  # time.time() at the start

    def count(self, status: Status | str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failures(self) -> list[FileResult]:
        return [r for r in self.results if r.status == Status.failed]

    def line(self) -> str:
        older = sum(1 for r in self.results if r.reason == OLDER)
        note = f" ({older} done with an older signature: --refresh redoes them)" if older else ""
        kept = sum(1 for r in self.results if r.kept)
        kept_note = f", {kept} with the author's own values kept" if kept else ""
        return (
            f"{self.count(Status.done)} done, {self.count(Status.skipped)} skipped{note}, "
            f"{self.count(Status.failed)} failed{kept_note} in {self.seconds:.1f}s"
        )

    def as_dict(self) -> dict:
        return {
            "done": self.count(Status.done),
            "skipped": self.count(Status.skipped),
            "failed": self.count(Status.failed),
            "seconds": round(self.seconds, 3),
            "sentences": sum(r.sentences for r in self.results),
            "failures": [{"path": r.path, "reason": r.reason} for r in self.failures],
            "skipped_files": [{"path": r.path, "reason": r.reason} for r in self.results if r.status == Status.skipped],
            "kept": [{"path": r.path, "keys": list(r.kept)} for r in self.results if r.kept],
            "inline": dict(zip(("nodes", "empty", "by_length", "unanchored"), self.inline())),
            "summary_fallbacks": self.summary_fallbacks(),
            "job": self.job,
            "started": round(self.started, 3),
            # one record per post, for `nlp report`
            "posts": [
                {"path": r.path, "status": str(r.status), "reason": r.reason, "output": r.output,
                 "seconds": round(r.seconds, 4), "finished": round(r.finished, 3), "sentences": r.sentences,
                 "outlet": r.outlet, "kept": list(r.kept)}
                for r in self.results
            ],
            "translation": self.translation,
        }

    def inline(self) -> tuple[int, int, int, int]:
        """Inline text nodes placed by tag transfer: all, left empty, placed by length
        (no alignment), placed by order alone (no word of theirs aligned with them)."""
        return tuple(sum(r.inline[i] for r in self.results) for i in range(4))  # type: ignore[return-value]

    def summary_fallbacks(self) -> dict[str, int]:
        """Why model summaries were replaced by extractive ones: reason -> posts."""
        counts: dict[str, int] = {}
        for r in self.results:
            if r.summary_note:
                reason = r.summary_note.partition(":")[2] or r.summary_note
                counts[reason] = counts.get(reason, 0) + 1
        return counts

    def translation_lines(self) -> list[str]:
        lines = [
            f"{lang}: {s['units']} sentences, {s['memory_hits']} from the translation memory, "
            f"{s['model_inputs']} sent to the model, {s['passthrough']} passed through, {s['degenerate']} degenerate"
            + (f"; {s['blocks']} blocks in one prompt each, {s['block_fallback']} of them redone by sentence"
               f" (output or markup rejected), {s.get('long_blocks', 0)} too long for one prompt"
               if s.get("blocks") or s.get("long_blocks") else "")
            for lang, s in self.translation.items()
        ]
        fallbacks = self.summary_fallbacks()
        if fallbacks:
            lines.append(f"summaries: {sum(fallbacks.values())} model summaries rejected, the extractive summary written "
                         "instead (" + ", ".join(f"{k} {v}" for k, v in sorted(fallbacks.items())) + ")")
        nodes, empty, by_length, _ = self.inline()
        if nodes:
            lines.append(f"inline elements: {nodes} text nodes placed"
                         + (f", {by_length} of them by length (the translator gives no alignment)" if by_length else "")
                         + (f", {empty} left empty (a translation shorter than its nodes)" if empty else ""))
        return lines


def outlet_of(meta) -> str:
    """Who published a post, for the report: its ``author``, else the site of its ``from``
    or ``source`` link."""
    author = meta.get("author")
    if isinstance(author, str) and author.strip():
        return author.strip()[:60]
    for key in ("from", "source", "original_url"):
        value = meta.get(key)
        if isinstance(value, str) and "://" in value:
            return value.split("://", 1)[1].split("/", 1)[0]
    return ""
