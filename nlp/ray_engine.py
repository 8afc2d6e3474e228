"""``--engine ray``: the enrich pipeline on Ray, for archives one machine is too slow for.

The stages are the local engine's own functions, so the files come out the same:

* the driver lists the posts and skips those the run state knows are finished;
* :func:`nlp.enrich.prepare` (read, parse, segment, keywords, summary) runs as Ray
  Data tasks, ``--workers`` at a time;
* the fields are translated in a pool of actors that each hold the models once
  (one actor per GPU when the cluster has GPUs, else one CPU actor);
* the driver writes each post (temporary file + rename) and records it, so a run on
  a cluster needs the archive on storage the driver can write and the nodes can read.

Ray starts a local instance unless ``--address`` names a cluster to join.
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Callable, Iterable

from .config import Config
from .enrich import (
    TRANSLATE_CHUNK, Enricher, FileResult, Ledger, Prepared, Report, finish, job_name, prepare,
)
from .errors import ConfigError, NlpError
from .files import iter_sources, output_path
from .runstate import state_for

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


def start(address: str | None, verbose: bool = False):
    """Join ``address`` (a running cluster) or start a local instance; True if we started it."""
    ray = _ray()
    if ray.is_initialized():
        return False
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
    return True


# --------------------------------------------------------------------------- stages (run on workers)

_enrichers: dict[bytes, Enricher] = {}


def _prepare_batch(batch: dict, setup: bytes) -> dict:
    """Ray Data task: ``prepare`` each post of the batch; one Enricher per worker process."""
    enricher = _enrichers.get(setup)
    if enricher is None:
        config, mt_signature, refresh = pickle.loads(setup)
        enricher = _enrichers[setup] = Enricher(config, mt_signature, refresh)
    items = []
    for blob in batch["job"]:
        source, target_dir = pickle.loads(blob)
        items.append(pickle.dumps(prepare(enricher, source, target_dir)))
    return {"item": items}


class FieldActor:
    """Ray Data actor: holds the translation models once and translates posts' fields."""

    def __init__(self, config: Config, expected: str) -> None:
        from .translate import FieldTranslator

        self.translator = FieldTranslator.from_config(config)
        if self.translator.signature != expected:
            raise ConfigError(f"a Ray worker translates as {self.translator.signature}, the run expects {expected}")
        self.id = os.getpid()

    def __call__(self, batch: dict) -> dict:
        items = [pickle.loads(blob) for blob in batch["item"]]
        prepared = [item for item in items if isinstance(item, Prepared)]
        try:
            translated = iter(self.translator.translate_many([(i.title, i.summary, i.keywords) for i in prepared]))
            fields = [next(translated) if isinstance(item, Prepared) else None for item in items]
        except NlpError as exc:
            fields = [str(exc) if isinstance(item, Prepared) else None for item in items]
        stats = {lang: t.stats.as_dict() for lang, t in self.translator.translators.items()}
        return {
            "item": batch["item"],
            "fields": [pickle.dumps(f) for f in fields],
            "stats": [pickle.dumps((self.id, stats))] * len(items),
        }


def _probe(config: Config) -> tuple[str, int]:
    """Run where the actors will run: the translators' signature, and the bytes of
    their weights (what each actor reserves, so Ray never packs more onto a node than
    its memory holds)."""
    from .translate import FieldTranslator

    translator = FieldTranslator.from_config(config)
    engines = []
    for t in translator.translators.values():
        engines.extend(getattr(t, "engines", [t]))
    weights = 0
    for engine in engines:
        folder = Path(engine.backend.model_ref.path)
        weights += sum(f.stat().st_size for f in folder.iterdir() if f.suffix in (".bin", ".safetensors"))
    return translator.signature, weights


# --------------------------------------------------------------------------- driver


def _sum_stats(per_actor: dict) -> dict:
    total: dict = {}
    for stats in per_actor.values():
        for lang, counters in stats.items():
            into = total.setdefault(lang, {})
            for key, value in counters.items():
                into[key] = into.get(key, 0) + value
    return total


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
    ray = _ray()
    config = config or Config()
    out_dir = Path(out) if out is not None else None
    started_here = start(address, verbose)
    try:
        gpus = int(ray.cluster_resources().get("GPU", 0)) if config.device != "cpu" else 0
        actor_resources = {"num_gpus": 1} if gpus else {"num_cpus": 1}
        mt_signature, weights = "", 0
        if config.to:  # what the actors will sign with, asked where they will run
            probe = ray.remote(**actor_resources)(_probe)
            try:
                mt_signature, weights = ray.get(probe.remote(config))
            except ray.exceptions.RayTaskError as exc:
                cause = exc.as_instanceof_cause()
                raise (cause if isinstance(cause, NlpError) else ConfigError(str(cause).splitlines()[-1])) from None
        enricher = Enricher(config, mt_signature, refresh)
        if config.summarizer != "textrank":
            enricher.toolkit.summarizer  # a missing model fails here, before any file is touched
        ledger = Ledger(None if dry_run else state_for(config.cache_dir), job_name("enrich", out_dir),
                        [enricher.signature], refresh, on_result)
        with ledger:  # an interrupted run keeps what it recorded
            jobs = []
            for source in iter_sources(paths):
                known = ledger.known(source, [output_path(source, out_dir)])
                if known is not None:
                    ledger.emit(known)
                else:
                    jobs.append({"job": pickle.dumps((source, out_dir))})
            stats: dict = {}
            if jobs:
                cpus = int(ray.cluster_resources().get("CPU", 1))
                workers = workers or max(1, cpus - (0 if gpus else 1))
                setup = pickle.dumps((config, mt_signature, refresh))
                dataset = ray.data.from_items(jobs).map_batches(
                    _prepare_batch, fn_kwargs={"setup": setup}, batch_size=4, batch_format="numpy",
                    compute=ray.data.TaskPoolStrategy(size=workers), num_cpus=1,
                )
                if config.to:
                    dataset = dataset.map_batches(
                        FieldActor, fn_constructor_kwargs={"config": config, "expected": mt_signature},
                        batch_size=TRANSLATE_CHUNK, batch_format="numpy",
                        compute=ray.data.ActorPoolStrategy(size=max(1, gpus)), **actor_resources,
                        # The weights twice over, plus the ~350 MB a process with torch and
                        # transformers takes (measured).  Reserving memory also keeps Ray Data
                        # from fusing the CPU tasks into the actors, where parsing would wait
                        # on the model.
                        memory=2 * weights + 512 * 2**20,
                    )
                for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                    for index, blob in enumerate(batch["item"]):
                        item: FileResult | Prepared = pickle.loads(blob)
                        if isinstance(item, FileResult):
                            ledger.emit(item)
                            continue
                        fields = pickle.loads(batch["fields"][index]) if config.to else {}
                        if isinstance(fields, str):
                            ledger.emit(FileResult(str(item.source.path), "failed", fields))
                            continue
                        ledger.emit(finish(item, fields, dry_run))
                    if config.to and len(batch["item"]):
                        actor, counters = pickle.loads(batch["stats"][0])
                        stats[actor] = counters
            return ledger.close(_sum_stats(stats))
    finally:
        if started_here:
            ray.shutdown()

