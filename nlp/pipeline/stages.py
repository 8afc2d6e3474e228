"""A batch job as stages, and what every runner does with them.

A job (``enrich``, ``translate``) is a :class:`Stages` object with three stages:

* ``prepare(source)``: read and analyse one post, or say why it needs no work (CPU
  work, safe in any process: a forked worker, a Ray task);
* ``transform(items, translators)``: the model work for a chunk of prepared posts, so
  that their sentences share batches (next to the models: this process, a Ray actor);
* ``write(item, output)``: write one post's files (in the driving process).
"""

from __future__ import annotations

import collections
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..errors import NlpError
from ..posts.files import Source
from ..translation.engine import Translator
from .results import FileResult, Status


def job_name(kind: str, out: Path | None, *extra: str) -> str:
    """Runs of the same command into the same place share their run-state records."""
    where = str(out.resolve()) if out is not None else "in-place"
    return ":".join((kind, where, *extra))


Transform = Callable[[list, Mapping[str, Translator]], list]


class Stages(ABC):
    """A batch job; see the module's docstring.  Items that ``prepare`` returns have a
    ``source`` attribute (their :class:`~nlp.posts.files.Source`)."""

    kind: str  # the command: enrich, translate
    chunk_size: int  # posts whose model work is done together
    transform: Transform  # a module-level function (it travels to Ray actors by name)
    refresh: bool
    records: bool  # keeps a run state (not for a dry run)
    # ``prepare`` holds no model, so forked workers may run it (a model's runtime threads
    # do not survive a fork, and each worker would hold a copy of its weights)
    forkable: bool = True

    @property
    @abstractmethod
    def job(self) -> str:
        """The run-state job this run's records belong to."""

    @property
    @abstractmethod
    def signatures(self) -> list[str]:
        """One signature per output of a post."""

    @abstractmethod
    def prepare(self, source: Source) -> Any: ...

    @abstractmethod
    def write(self, item: Any, output: Any) -> FileResult: ...

    def warm(self) -> None:
        """Load what the workers should share (forked processes inherit it)."""


@dataclass(frozen=True)
class ChunkFailed:
    """The model work of a chunk failed: each of its posts fails with this reason."""

    reason: str


def run_chunk(transform: Transform, items: list, translators: Mapping[str, Translator]) -> list | ChunkFailed:
    try:
        return transform(items, translators)
    except NlpError as exc:
        return ChunkFailed(str(exc))


def chunked(items: Iterable, size: int, submit: Callable[[list], Any], collect: Callable[[Any], list | ChunkFailed],
            in_flight: int = 0) -> Iterator[tuple[Any, Any]]:
    """``(item, model output)`` for every item.  FileResults pass straight through with
    None; the other items are submitted in chunks of ``size``, and collected in
    submission order once more than ``in_flight`` chunks are out."""
    submitted: collections.deque = collections.deque()

    def drain(limit: int) -> Iterator[tuple[Any, Any]]:
        while len(submitted) > limit:
            chunk, handle = submitted.popleft()
            outputs = collect(handle)
            for index, item in enumerate(chunk):
                yield item, (outputs if isinstance(outputs, ChunkFailed) else outputs[index])

    chunk: list = []
    for item in items:
        if isinstance(item, FileResult):
            yield item, None
            continue
        chunk.append(item)
        if len(chunk) >= size:
            submitted.append((chunk, submit(chunk)))
            chunk = []
            yield from drain(in_flight)
    if chunk:
        submitted.append((chunk, submit(chunk)))
    yield from drain(0)


def settle(stages: Stages, item: Any, output: Any) -> FileResult:
    """The outcome of one post once its model work is done."""
    if isinstance(item, FileResult):
        return item
    if isinstance(output, ChunkFailed):
        return FileResult(str(item.source.path), Status.failed, output.reason)
    return stages.write(item, output)
