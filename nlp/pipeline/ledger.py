"""The driving process's record of a batch run: skips known from the run state, every
outcome, the report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ..posts.files import Source
from ..posts.post import TRANSLATION_KEY
from ..signature import Provenance
from .results import A_TRANSLATION, AN_OUTPUT, FileResult, Report, Status
from .runstate import RunState, combined, skip_reason
from .stages import Stages


class Ledger:
    """The driving process's side of a batch run, whatever runs the work.

    Skips posts that the run state shows unchanged since they were finished (without
    reading them), records what gets finished, and keeps the report.
    """

    def __init__(self, state: RunState | None, stages: Stages, on_result: Callable[[FileResult], None] | None) -> None:
        self.state = state
        self.job = stages.job
        self.signatures = stages.signatures
        self.refresh = stages.refresh
        self.on_result = on_result
        self.report = Report(job=stages.kind, started=time.time())
        self.started = time.perf_counter()
        self.run = state.start(self.job) if state is not None else 0

    def known(self, source: Source) -> FileResult | None:
        """A skip decided from the run state alone, or None when the post must be looked at."""
        found = self.state.recorded(self.job, source.path) if self.state is not None else None
        if found is None:
            return None
        outputs, recorded = found
        if recorded == [TRANSLATION_KEY]:
            return FileResult(str(source.path), Status.skipped, A_TRANSLATION)
        if len(recorded) != len(self.signatures):
            return None
        reason = combined([skip_reason(p, sig, Provenance.parse(p).source_hash, self.refresh)
                           for p, sig in zip(recorded, self.signatures)])
        return FileResult(str(source.path), Status.skipped, reason, ", ".join(outputs)) if reason else None

    def triage(self, sources: Sequence[Source]) -> Iterator[FileResult | Source]:
        """Each post, replaced by its skip when the run state knows it: finished and
        unchanged, or written by nlp from another post of this same run's inputs (an
        output found inside the inputs is not a new post)."""
        resolved = [str(source.path.resolve()) for source in sources]
        origins = self.state.origins(resolved) if self.state is not None else {}
        inputs = set(resolved)
        for source, path in zip(sources, resolved):
            origin, job = origins.get(path, ("", ""))
            if origin in inputs:
                reason = A_TRANSLATION if job.startswith("translate:") else AN_OUTPUT
                yield FileResult(str(source.path), Status.skipped, reason)
            else:
                yield self.known(source) or source

    def emit(self, result: FileResult) -> None:
        result.finished = result.finished or time.time()
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
            self.state.end(self.run, report.count(Status.done), report.count(Status.skipped),
                           report.count(Status.failed))
            self.state.close()
        return report

