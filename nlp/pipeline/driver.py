"""One driver for every batch job, on this machine or on Ray.

:func:`run_job` lists the archive once, lets the run state skip posts that are known
to be finished, feeds the rest through the job's :class:`~nlp.pipeline.stages.Stages`
with a runner (:class:`~nlp.pipeline.local.LocalRunner`, or
:class:`~nlp.pipeline.ray_runner.RayRunner` on Ray) and records every outcome.  One bad
post never stops a batch: it is reported with its reason and the run goes on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from ..config import Config, Engine
from ..posts.files import check_inputs, iter_sources
from ..translation.engine import Translator
from .ledger import Ledger
from .local import LocalRunner
from .ray_runner import RayRunner
from .results import FileResult, Report
from .runstate import state_for
from .stages import Stages, settle


def run_job(build: Callable[[Mapping[str, str]], Stages], paths: Iterable[str | os.PathLike[str]], config: Config,
            *, out: Path | None = None, translators: Mapping[str, Translator] | None = None, verbose: bool = False,
            on_start: Callable[[int], None] | None = None,
            on_result: Callable[[FileResult], None] | None = None) -> Report:
    """Run the job that ``build(translator signatures)`` makes over every post under
    ``paths``, with the runner ``config.engine`` names.  ``out``, the job's output
    folder, is never walked as an input (copies written there are not new posts)."""
    paths = list(paths)
    check_inputs(paths)
    sources = list(iter_sources(paths, exclude=out))  # one walk: the total, then the posts
    runner: Any = RayRunner(config, verbose) if config.engine is Engine.ray else LocalRunner(config, translators)
    try:
        stages = build(runner.signatures)
        if on_start is not None:
            on_start(len(sources))
        runner.start(stages, len(sources))
        with Ledger(state_for(config.cache_dir) if stages.records else None, stages, on_result) as ledger:
            for item, output in runner.flow(stages, ledger.triage(sources)):
                ledger.emit(settle(stages, item, output))
            return ledger.close(runner.stats())
    finally:
        runner.close()
