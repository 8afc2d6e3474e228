"""The Ray runner: ``nlp enrich`` and ``nlp translate`` on Ray (``--engine ray``), for
archives one machine is too slow for.

It runs the jobs' own stages (:mod:`nlp.pipeline.stages`), so the files come out the
same as with the local runner:

* the driver lists the posts and skips those the run state knows are finished;
* ``prepare`` (reading, parsing, analysis) runs in a Ray Data actor pool, ``--workers``
  at a time, each worker holding one copy of the job's stages;
* ``transform`` (the model work) runs in a pool of actors that each hold the models
  once (one actor per GPU when the cluster has GPUs, else one CPU actor), fed by the
  driver with the local runner's own chunks of posts, so the model sees the same batches;
* the driver writes each post (temporary file + rename) and records it, so a run on a
  cluster needs the archive on storage the driver can write and the nodes can read.

Ray starts a local instance unless ``--address`` names a cluster to join.  Ray itself is
imported only when this runner starts (it is an optional dependency).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..config import Config
from ..errors import ConfigError, NlpError
from ..models.registry import chain, locate, translation_name
from ..posts.files import Source
from ..translation.translator import translators_for
from .results import FileResult
from .stages import Stages, Transform, chunked, run_chunk

log = logging.getLogger(__name__)

# Environment the Ray workers must share with the driver (offline mode, caches, quiet libraries).
FORWARDED_ENV = ("HF_HUB_OFFLINE", "HF_HOME", "HF_HUB_CACHE", "TRANSFORMERS_OFFLINE", "NLP_CACHE_DIR",
                 "TRANSFORMERS_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS", "NLP_CT2_COMPUTE_TYPE")


def _ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install 'nlp[ray]'") from None
    return ray


@contextlib.contextmanager
def session(address: str | None, verbose: bool = False):
    """Ray, joined at ``address`` (a running cluster) or started locally; a local instance
    we started is shut down at the end.  An instance already running is used as it is."""
    ray = _ray()
    if ray.is_initialized():
        yield ray
        return
    if not verbose:  # Ray's C++ core warns on stderr about its own actor pools' arguments
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}
    # Ray's core installs its own SIGTERM handler (it dumps a stack and dies): the caller's
    # comes back after ray.init, so that `kill` stops a run as cleanly as Ctrl-C does.
    main_thread = threading.current_thread() is threading.main_thread()
    on_sigterm = signal.getsignal(signal.SIGTERM) if main_thread else None
    try:
        ray.init(address=address, include_dashboard=False if address is None else None, log_to_driver=verbose,
                 logging_level=logging.INFO if verbose else logging.ERROR, runtime_env={"env_vars": env})
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"cannot start or join Ray at {address or 'a new local instance'}: {exc}") from None
    if on_sigterm is not None:
        signal.signal(signal.SIGTERM, on_sigterm)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # ours is the progress bar
    context.execution_options.preserve_order = True
    if not verbose:
        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.ERROR)
    try:
        yield ray
    finally:
        ray.shutdown()


class PrepareWorker:
    """A Ray Data worker of the CPU stage: one copy of the job's stages, rebuilt from the
    job's own arguments, prepares each post of its batches."""

    def __init__(self, stages: Stages) -> None:
        self.stages = stages

    def __call__(self, batch: dict) -> dict:
        # rows travel as pickles: Ray Data would take a dataclass apart into columns
        return {"item": [pickle.dumps(self.stages.prepare(pickle.loads(row))) for row in batch["source"]]}


class ModelActor:
    """A Ray actor that holds the translation models once and runs a job's ``transform``.

    It is fed the local runner's own chunks (the same posts together), so its model
    batches, and therefore its outputs, are the local runner's.
    """

    def __init__(self, config: Config) -> None:
        # Ray sets OMP_NUM_THREADS to a 1-CPU actor's one CPU; the model should pick its
        # threads as it does in the local runner's main process (the node's cores).
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.pop(name, None)
        import torch  # imported here, in the actor: the variables above must go first

        if torch.get_num_threads() == 1:  # torch was imported before the variables went
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        self.translators = translators_for(config)
        self.id = os.getpid()

    def signatures(self) -> dict[str, str]:
        return {lang: t.signature for lang, t in self.translators.items()}

    def run(self, transform: Transform, items: list) -> tuple[Any, tuple[int, dict]]:
        outputs = run_chunk(transform, items, self.translators)
        return outputs, (self.id, {lang: t.stats.as_dict() for lang, t in self.translators.items() if hasattr(t, "stats")})


def _model_weights(config: Config) -> int:
    """Bytes of the weights of every model the run needs, found without loading them."""
    weights = 0
    for lang in config.to:
        for part in chain(translation_name(lang, config.models), config.models):
            folder = locate(part, config.models).path
            weights += sum(f.stat().st_size for f in Path(folder).iterdir() if f.suffix in (".bin", ".safetensors"))
    return weights


def _weights_where_actors_run(ray, resources: dict, config: Config) -> int:
    try:
        return ray.get(ray.remote(**resources)(_model_weights).remote(config))
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)  # the worker's own exception, without Ray's traceback
        if isinstance(cause, NlpError):
            raise cause from None
        raise ConfigError(f"Ray could not look for the models: {str(exc).strip().splitlines()[-1]}") from None


def _sum_stats(per_actor: dict) -> dict:
    total: dict = {}
    for stats in per_actor.values():
        for lang, counters in stats.items():
            into = total.setdefault(lang, {})
            for key, value in counters.items():
                if isinstance(value, list):  # examples: a few from each actor
                    into[key] = (into.get(key) or []) + value[: max(0, 20 - len(into.get(key) or []))]
                else:
                    into[key] = into.get(key, 0) + value
    return total


class RayRunner:
    """The driver's view of the Ray cluster: ``prepare`` in a Ray Data actor pool, a pool
    of model actors fed chunk by chunk."""

    def __init__(self, config: Config, verbose: bool = False) -> None:
        self.config = config
        self.stack = contextlib.ExitStack()
        self.per_actor: dict = {}
        self.pool = None
        self.workers = 1
        try:
            self.ray = ray = self.stack.enter_context(session(config.address, verbose))
            resources = ray.cluster_resources()
            self.gpus = int(resources.get("GPU", 0)) if config.device != "cpu" else 0
            self.cpus = int(resources.get("CPU", 1))
            self.signatures: dict[str, str] = {}
            if config.to:
                self._start_actors()
        except BaseException:
            self.stack.close()
            raise

    def _start_actors(self) -> None:
        from ray.util import ActorPool

        ray, config = self.ray, self.config
        placement = {"num_gpus": 1} if self.gpus else {"num_cpus": 1}
        weights = _weights_where_actors_run(ray, placement, config)  # a missing model fails here, early
        # The weights twice over, plus the ~350 MB a process with torch and transformers
        # takes (measured): Ray never packs more actors onto a node than its memory holds.
        options = dict(placement, memory=2 * weights + 512 * 2**20)
        actors = [ray.remote(ModelActor).options(**options).remote(config) for _ in range(max(1, self.gpus))]
        try:
            found = ray.get([actor.signatures.remote() for actor in actors])
        except ray.exceptions.RayActorError as exc:
            raise ConfigError(f"a Ray model actor could not start: {str(exc).splitlines()[0]}") from None
        if any(f != found[0] for f in found):
            raise ConfigError(f"the Ray model actors disagree on their models: {found}")
        self.signatures = found[0]
        self.pool = ActorPool(actors)
        self.in_flight = 2 * len(actors)

    def start(self, stages: Stages, posts: int) -> None:
        if self.config.workers:
            self.workers = self.config.workers
        elif not stages.forkable:  # each prepare actor would load the summarization model
            self.workers = 1
        else:
            self.workers = max(1, self.cpus - (0 if self.gpus or self.pool is None else 1))

    def flow(self, stages: Stages, jobs: Iterable[FileResult | Source]) -> Iterator[tuple[Any, Any]]:
        sources = []
        for job in jobs:
            if isinstance(job, FileResult):
                yield job, None  # settled by the run state
            else:
                sources.append(job)
        prepared = self._prepared(stages, sources)
        if self.pool is None:  # no model work: the transform is trivial, here
            yield from chunked(prepared, stages.chunk_size, lambda chunk: run_chunk(stages.transform, chunk, {}),
                               lambda outputs: outputs)
            return
        transform = stages.transform
        yield from chunked(prepared, stages.chunk_size,
                           lambda chunk: self.pool.submit(lambda actor, c: actor.run.remote(transform, c), chunk),
                           lambda _: self._collect(), self.in_flight)

    def _prepared(self, stages: Stages, sources: list[Source]) -> Iterator[Any]:
        """The CPU stage's output for each post, in input order (streamed)."""
        if not sources:
            return
        ray = self.ray
        dataset = ray.data.from_items([{"source": pickle.dumps(source)} for source in sources]).map_batches(
            PrepareWorker, fn_constructor_kwargs={"stages": stages}, batch_size=4, batch_format="numpy",
            # up to --workers actors, as many as the CPUs left beside the model actors allow
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=self.workers), num_cpus=1,
        )
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            for blob in batch["item"]:
                yield pickle.loads(blob)

    def _collect(self):
        outputs, (actor, stats) = self.pool.get_next()  # in submission order
        self.per_actor[actor] = stats
        return outputs

    def stats(self) -> dict:
        return _sum_stats(self.per_actor)

    def close(self) -> None:
        self.stack.close()
