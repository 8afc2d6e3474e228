"""``--engine ray``: ``nlp enrich`` and ``nlp translate`` on Ray, for archives one machine
is too slow for.

The stages are the local engine's own functions, so the files come out the same:

* the driver lists the posts and skips those the run state knows are finished;
* reading, parsing and analysis (:func:`nlp.enrich.prepare`,
  :func:`nlp.translate_posts.plan_or_skip`) run as Ray Data tasks, ``--workers`` at a time;
* translation runs in a pool of actors that each hold the models once (one actor per
  GPU when the cluster has GPUs, else one CPU actor), fed by the driver with the local
  engine's own chunks of posts, so that the model sees the same batches;
* the driver writes each post (temporary file + rename) and records it, so a run on a
  cluster needs the archive on storage the driver can write and the nodes can read.

Ray starts a local instance unless ``--address`` names a cluster to join.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import pickle
from pathlib import Path
from typing import Callable, Iterable

from .config import Config
from .enrich import TRANSLATE_CHUNK, Enricher, FileResult, Ledger, Prepared, Report, finish, job_name, prepare
from .errors import ConfigError, NlpError
from .runstate import state_for
from .translate_posts import CHUNK_POSTS, Rendered, plan_or_skip, render_chunk, write_rendered

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
    try:
        ray.init(address=address, include_dashboard=False if address is None else None, log_to_driver=verbose,
                 logging_level=logging.INFO if verbose else logging.ERROR, runtime_env={"env_vars": env})
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ConfigError(f"cannot start or join Ray at {address or 'a new local instance'}: {exc}") from None
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


# --------------------------------------------------------------------------- stages (run on workers)

_enrichers: dict[bytes, Enricher] = {}


def _prepare_batch(batch: dict, setup: bytes) -> dict:
    """Ray Data task of ``enrich``: analyse each post; one Enricher per worker process."""
    enricher = _enrichers.get(setup)
    if enricher is None:
        config, mt_signature, refresh = pickle.loads(setup)
        enricher = _enrichers[setup] = Enricher(config, mt_signature, refresh)
    return {"item": [pickle.dumps(prepare(enricher, *pickle.loads(job))) for job in batch["job"]]}


def _plan_batch(batch: dict, setup: bytes) -> dict:
    """Ray Data task of ``translate``: read and cut each post into translatable runs."""
    signatures, out_dir, refresh = pickle.loads(setup)
    return {"item": [pickle.dumps(plan_or_skip(pickle.loads(job)[0], signatures, out_dir, refresh))
                     for job in batch["job"]]}


class ModelActor:
    """A Ray actor that holds the translation models once.

    It is fed the local engine's own chunks (the same posts together), so its model
    batches, and therefore its outputs, are the local engine's.
    """

    def __init__(self, config: Config, out_dir: Path | None) -> None:
        # Ray sets OMP_NUM_THREADS to a 1-CPU actor's one CPU; the model should pick its
        # threads as it does in the local engine's main process (the node's cores).
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.pop(name, None)
        import torch

        from .translate import FieldTranslator, translators_for

        if torch.get_num_threads() == 1:  # torch was imported before the variables went
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        self.translators = translators_for(config)
        self.fields = FieldTranslator(self.translators)
        self.out_dir = out_dir
        self.id = os.getpid()

    def signatures(self) -> dict[str, str]:
        return {lang: t.signature for lang, t in self.translators.items()}

    def _stats(self) -> tuple[int, dict]:
        return self.id, {lang: t.stats.as_dict() for lang, t in self.translators.items() if hasattr(t, "stats")}

    def fields_of(self, items: list[Prepared]) -> tuple[list[dict] | str, tuple[int, dict]]:
        """``enrich --to``: translated title, summary and keywords of each post."""
        try:
            return self.fields.translate_many([(i.title, i.summary, i.keywords) for i in items]), self._stats()
        except NlpError as exc:
            return str(exc), self._stats()

    def render(self, plans: list) -> tuple[list[Rendered] | str, tuple[int, dict]]:
        """``translate``: each post rendered in every target language."""
        try:
            return render_chunk(plans, self.translators, self.out_dir), self._stats()
        except NlpError as exc:
            return str(exc), self._stats()


def _model_weights(config: Config) -> int:
    """Bytes of the weights of every model the run needs, found without loading them."""
    from .models import chain, locate, translation_name

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


# --------------------------------------------------------------------------- driver


def _sum_stats(per_actor: dict) -> dict:
    total: dict = {}
    for stats in per_actor.values():
        for lang, counters in stats.items():
            into = total.setdefault(lang, {})
            for key, value in counters.items():
                into[key] = into.get(key, 0) + value
    return total


class _Cluster:
    """The driver's view of the Ray cluster: CPU stages as Ray Data tasks, a pool of
    model actors fed chunk by chunk."""

    def __init__(self, ray, config: Config, out_dir: Path | None, translate: bool) -> None:
        from ray.util import ActorPool

        self.ray = ray
        resources = ray.cluster_resources()
        self.gpus = int(resources.get("GPU", 0)) if config.device != "cpu" else 0
        self.cpus = int(resources.get("CPU", 1))
        self.stats: dict = {}
        self.signatures: dict[str, str] = {}
        self.pool = None
        if not translate:
            return
        placement = {"num_gpus": 1} if self.gpus else {"num_cpus": 1}
        weights = _weights_where_actors_run(ray, placement, config)  # a missing model fails here, early
        # The weights twice over, plus the ~350 MB a process with torch and transformers
        # takes (measured): Ray never packs more actors onto a node than its memory holds.
        options = dict(placement, memory=2 * weights + 512 * 2**20)
        actors = [ray.remote(ModelActor).options(**options).remote(config, out_dir) for _ in range(max(1, self.gpus))]
        try:
            found = ray.get([actor.signatures.remote() for actor in actors])
        except ray.exceptions.RayActorError as exc:
            raise ConfigError(f"a Ray model actor could not start: {str(exc).splitlines()[0]}") from None
        if any(f != found[0] for f in found):
            raise ConfigError(f"the Ray model actors disagree on their models: {found}")
        self.signatures = found[0]
        self.pool = ActorPool(actors)
        self.in_flight = 2 * len(actors)

    def analysed(self, jobs: list[dict], cpu_stage, setup: bytes, workers: int):
        """The CPU stage's output for each job, in input order (Ray Data tasks, streamed)."""
        if not jobs:
            return
        ray = self.ray
        workers = workers or max(1, self.cpus - (0 if self.gpus or self.pool is None else 1))
        dataset = ray.data.from_items(jobs).map_batches(
            cpu_stage, fn_kwargs={"setup": setup}, batch_size=4, batch_format="numpy",
            compute=ray.data.TaskPoolStrategy(size=workers), num_cpus=1,
        )
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            for blob in batch["item"]:
                yield pickle.loads(blob)

    def chunks(self, items, method: str, size: int):
        """``(item, model output)`` for every item.  FileResults pass straight through; the
        other items go to the actors in chunks of ``size``, grouped as the local engine
        groups them, a few chunks in flight at a time."""
        submitted: collections.deque = collections.deque()

        def submit(chunk: list) -> None:
            self.pool.submit(lambda actor, c: getattr(actor, method).remote(c), chunk)
            submitted.append(chunk)

        def collect(limit: int):
            while len(submitted) > limit:
                outputs, (actor, stats) = self.pool.get_next()  # in submission order
                self.stats[actor] = stats
                for index, item in enumerate(submitted.popleft()):
                    yield item, (outputs if isinstance(outputs, str) else outputs[index])

        chunk: list = []
        for item in items:
            if isinstance(item, FileResult):
                yield item, None
                continue
            chunk.append(item)
            if len(chunk) >= size:
                submit(chunk)
                chunk = []
                yield from collect(self.in_flight)
        if chunk:
            submit(chunk)
        yield from collect(0)


def _jobs(ledger: Ledger, paths, out_dir: Path | None) -> list[dict]:
    """The rows of the CPU stage: one per post the run state does not already settle
    (those are reported now)."""
    jobs = []
    for job in ledger.triage(paths):
        if isinstance(job, FileResult):
            ledger.emit(job)
        else:
            jobs.append({"job": pickle.dumps((job, out_dir))})
    return jobs


def enrich_ray(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    workers: int = 0,
    refresh: bool = False,
    address: str | None = None,
    verbose: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> Report:
    """``nlp enrich --engine ray``: the same files as :func:`nlp.enrich.enrich`."""
    from .translate import FieldTranslator

    config = config or Config()
    out_dir = Path(out) if out is not None else None
    with session(address, verbose) as ray:
        cluster = _Cluster(ray, config, out_dir, translate=bool(config.to))
        mt_signature = FieldTranslator.signature_of(cluster.signatures) if config.to else ""
        enricher = Enricher(config, mt_signature, refresh)
        if config.summarizer != "textrank":
            enricher.toolkit.summarizer  # a missing model fails here, before any file is touched
        ledger = Ledger(None if dry_run else state_for(config.cache_dir), job_name("enrich", out_dir),
                        [enricher.signature], refresh, on_result)
        with ledger:  # an interrupted run keeps what it recorded
            setup = pickle.dumps((config, mt_signature, refresh))
            analysed = cluster.analysed(_jobs(ledger, paths, out_dir), _prepare_batch, setup, workers)
            if config.to:
                finished = cluster.chunks(analysed, "fields_of", TRANSLATE_CHUNK)
            else:
                finished = ((item, {}) for item in analysed)
            for item, fields in finished:
                if isinstance(item, FileResult):
                    ledger.emit(item)
                elif isinstance(fields, str):
                    ledger.emit(FileResult(str(item.source.path), "failed", fields))
                else:
                    ledger.emit(finish(item, fields, dry_run))
            return ledger.close(_sum_stats(cluster.stats))


def translate_ray(
    paths: Iterable[str | os.PathLike[str]],
    config: Config,
    *,
    out: str | os.PathLike[str] | None = None,
    workers: int = 0,
    refresh: bool = False,
    address: str | None = None,
    verbose: bool = False,
    on_result: Callable[[FileResult], None] | None = None,
) -> Report:
    """``nlp translate --engine ray``: the same files as :func:`nlp.translate_posts.translate_posts`."""
    out_dir = Path(out) if out is not None else None
    with session(address, verbose) as ray:
        cluster = _Cluster(ray, config, out_dir, translate=True)
        signatures = cluster.signatures
        ledger = Ledger(state_for(config.cache_dir), job_name("translate", out_dir, ",".join(signatures)),
                        list(signatures.values()), refresh, on_result)
        with ledger:  # an interrupted run keeps what it recorded
            setup = pickle.dumps((signatures, out_dir, refresh))
            analysed = cluster.analysed(_jobs(ledger, paths, None), _plan_batch, setup, workers)
            for item, rendered in cluster.chunks(analysed, "render", CHUNK_POSTS):
                if isinstance(item, FileResult):
                    ledger.emit(item)
                elif isinstance(rendered, str):
                    ledger.emit(FileResult(str(item.source.path), "failed", rendered))
                else:
                    ledger.emit(write_rendered(rendered))
            return ledger.close(_sum_stats(cluster.stats))
