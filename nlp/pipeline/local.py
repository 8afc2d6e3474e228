"""The local runner: ``prepare`` in forked worker processes (or inline with one worker),
the models in this process."""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import traceback
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..config import Config
from ..errors import NlpError
from ..posts.files import Source
from ..translation.engine import Translator
from ..translation.translator import translators_for
from .results import FileResult
from .stages import Stages, chunked, run_chunk

log = logging.getLogger(__name__)

READ_AHEAD = 128  # prepared posts at most waiting for the model: memory stays flat
AUTO_WORKERS_FROM = 100  # posts: below this, worker processes do not pay for their start


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _serve(function: Callable[[Any], Any], tasks, results) -> None:
    """A worker process: apply ``function`` to each task until told to stop, or until
    its parent is gone (killed with SIGKILL: nobody would read the results)."""
    for name in ("SIGINT", "SIGTERM"):  # the parent decides when its workers stop
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    parent = os.getppid()
    while True:
        try:
            task = tasks.get(timeout=1)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        if task is None:
            return
        index, job = task
        try:
            results.put((index, function(job), None))
        except Exception:  # a bug: shown by the parent with the worker's traceback
            results.put((index, None, traceback.format_exc()))


class ForkPool:
    """``function`` applied in ``workers`` forked processes, results in input order, at
    most ``window`` jobs in flight.

    Forked workers inherit ``function`` and what it holds (loaded dictionaries, shared
    copy-on-write), so nothing is pickled but the jobs and their results.  Workers
    ignore SIGINT and SIGTERM: on Ctrl-C the parent stops them, at once, and they leave
    by themselves when their parent is gone.
    """

    def __init__(self, function: Callable[[Any], Any], workers: int, window: int = READ_AHEAD) -> None:
        context = multiprocessing.get_context("fork")
        self.tasks = context.Queue()
        self.results = context.Queue()
        self.window = window
        self.processes = [context.Process(target=_serve, args=(function, self.tasks, self.results), daemon=True)
                          for _ in range(workers)]
        for process in self.processes:
            process.start()

    def imap(self, jobs: Iterable, passes: Callable[[Any], bool] = lambda job: False) -> Iterator:
        """Results of ``jobs`` in order; a job for which ``passes`` is true is its own result."""
        jobs = iter(jobs)
        ready: dict[int, tuple[Any, str | None]] = {}
        submitted = taken = 0
        exhausted = False
        while True:
            while not exhausted and submitted - taken < self.window:
                job = next(jobs, _END)
                if job is _END:
                    exhausted = True
                elif passes(job):
                    ready[submitted] = (job, None)
                    submitted += 1
                else:
                    self.tasks.put((submitted, job))
                    submitted += 1
            if taken == submitted:
                return
            while taken not in ready:
                index, result, error = self._next_result()
                ready[index] = (result, error)
            result, error = ready.pop(taken)
            taken += 1
            if error is not None:
                raise RuntimeError(f"a worker process failed:\n{error}")
            yield result

    def _next_result(self):
        while True:
            try:
                return self.results.get(timeout=0.5)
            except queue.Empty:
                dead = [p.exitcode for p in self.processes if p.exitcode is not None]
                if dead:
                    raise NlpError(f"a worker process died (exit code {dead[0]}); rerun to resume") from None

    def close(self) -> None:
        """Stop the workers now: they only read and analyse, so what they were doing can
        be dropped (SIGKILL: they ignore the signals a user sends)."""
        self.tasks.cancel_join_thread()
        self.results.cancel_join_thread()
        for process in self.processes:
            if process.is_alive():
                process.kill()
        for process in self.processes:
            process.join()
        self.tasks.close()
        self.results.close()


_END = object()


class LocalRunner:
    """This machine: ``prepare`` in forked worker processes (or inline with one worker),
    the models in this process."""

    def __init__(self, config: Config, translators: Mapping[str, Translator] | None = None) -> None:
        self.config = config
        if translators is None:
            translators = translators_for(config) if config.to else {}  # every model located first
        self.translators = dict(translators)
        self.pool: ForkPool | None = None

    @property
    def signatures(self) -> dict[str, str]:
        return {lang: t.signature for lang, t in self.translators.items()}

    def workers(self, posts: int) -> int:
        if self.config.workers:
            return self.config.workers
        return default_workers() if posts >= AUTO_WORKERS_FROM else 1

    def start(self, stages: Stages, posts: int) -> None:
        """Fork the workers (before the run state is opened: they never hold it)."""
        workers = self.workers(posts)
        if workers > 1 and not stages.forkable:
            if self.config.workers > 1:
                log.warning("--workers %d ignored: the summarization model runs in this process", self.config.workers)
            workers = 1
        if workers > 1:
            stages.warm()  # the workers share these pages (copy-on-write)
            self.pool = ForkPool(stages.prepare, workers)

    def flow(self, stages: Stages, jobs: Iterable[FileResult | Source]) -> Iterator[tuple[Any, Any]]:
        if self.pool is not None:
            prepared = self.pool.imap(jobs, passes=lambda job: isinstance(job, FileResult))
        else:
            prepared = (job if isinstance(job, FileResult) else stages.prepare(job) for job in jobs)
        yield from chunked(prepared, stages.chunk_size, lambda chunk: run_chunk(stages.transform, chunk, self.translators),
                           lambda outputs: outputs)

    def stats(self) -> dict:
        return {lang: t.stats.as_dict() for lang, t in self.translators.items() if hasattr(t, "stats")}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
