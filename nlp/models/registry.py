"""The model registry (``models/registry.toml``) and finding models on disk.

Models load the real way: ``from_pretrained`` on a local folder, or on the snapshot
of a hub id in the Hugging Face cache.  When a model is not there, the user gets one
line naming it, where it was looked for, and the ``nlp models pull`` command to run
on a connected machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import socket
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence
from urllib.parse import urlparse

from ..config import hf_cache_dir, hub_offline
from ..errors import ConfigError, ModelError, ModelMissingError
from ..languages import language

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    source: str
    expect: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    task: str
    model: str = ""
    revision: str = "main"
    license: str = ""
    size: str = ""
    source: str = "zh"
    target: str = ""
    max_input_tokens: int = 512
    prefix: str = ""
    pivot: tuple[str, ...] = ()
    script: str = "any"  # "simplified": the model reads Simplified Chinese only
    known_commit: str = ""
    note: str = ""  # the license's conditions, for `nlp models list`
    pairs: tuple[Pair, ...] = field(default=())


@lru_cache(maxsize=1)
def registry() -> dict[str, ModelSpec]:
    text = resources.files("nlp").joinpath("data").joinpath("registry.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text)
    specs = {}
    for name, entry in table.items():
        pairs = tuple(Pair(p["source"], tuple(p["expect"])) for p in entry.pop("pairs", []))
        entry["pivot"] = tuple(entry.get("pivot", ()))
        specs[name] = ModelSpec(name=name, pairs=pairs, **entry)
    return specs


def spec_for(name: str) -> ModelSpec:
    specs = registry()
    if name not in specs:
        raise ConfigError(f"unknown model name {name!r}; the registry has: {', '.join(sorted(specs))}")
    return specs[name]


PIVOT = "pivot"  # --model zh-ja=pivot: through the registry's zh-ja-pivot entry


def chain(name: str, overrides: Mapping[str, str] = {}) -> tuple[str, ...]:
    """The models entry ``name`` translates through: a pivot entry's parts, else itself.
    ``--model NAME=pivot`` chooses the registry's ``NAME-pivot`` entry; ``--model
    NAME=ID_OR_FOLDER`` replaces a pivot entry by one model."""
    if overrides.get(name) == PIVOT:
        alias = f"{name}-{PIVOT}"
        if alias not in registry() or not registry()[alias].pivot:
            pivots = sorted(n[: -len(PIVOT) - 1] for n, s in registry().items() if s.pivot)
            raise ConfigError(f"the registry has no pivot for {name}; --model NAME=pivot works for: {', '.join(pivots)}")
        return registry()[alias].pivot
    if overrides.get(name) in registry() and registry()[overrides[name]].pivot:  # --model zh-ja=zh-ja-pivot
        return registry()[overrides[name]].pivot
    if name in overrides:
        return (name,)
    return spec_for(name).pivot or (name,)


def translation_targets() -> list[str]:
    """The languages ``--to`` takes: one per ``zh-XX`` translation entry."""
    return sorted({s.target for s in registry().values()
                   if s.task == "translation" and s.source == "zh" and s.name == f"zh-{s.target}"})


def translation_name(target: str, overrides: Mapping[str, str] = {}) -> str:
    """The registry entry that translates Chinese into ``target``."""
    name = f"zh-{target}"
    if name in overrides or target in translation_targets():
        language(target)  # a model for a language nlp knows nothing of (how to join it, check it)
        return name
    raise ConfigError(f"no translation model for zh->{target}; --to takes: {', '.join(translation_targets())}")


@dataclass(frozen=True)
class LocalModel:
    """A model found on disk: the folder ``from_pretrained`` loads and what it is."""

    name: str
    ref: str  # hub id or folder as the user gave it
    path: Path
    revision: str  # hub commit, or a short fingerprint of a local folder
    spec: ModelSpec

    @property
    def signature(self) -> str:
        return f"{self.ref}@{self.revision[:12]}"


def _fingerprint(folder: Path) -> str:
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(folder.iterdir()):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}".encode())
            if path.suffix in (".json", ".spm", ".model") and stat.st_size < 5_000_000:
                digest.update(path.read_bytes())
    return "local-" + digest.hexdigest()


def locate(name: str, overrides: Mapping[str, str] = {}, download: bool | None = None) -> LocalModel:
    """Find model ``name`` (a registry entry, or overridden by ``--model NAME=...``).

    A local folder is used as it is.  A hub id is looked up in the Hugging Face cache;
    if it is missing and the hub is reachable (``HF_HUB_OFFLINE`` unset) it is
    downloaded.  Otherwise :class:`ModelMissingError` says where we looked.
    """
    spec = registry().get(name) or ModelSpec(name=name, task="translation", target=name.split("-")[-1])
    ref = overrides.get(name, spec.model)
    pull_name = name  # what `nlp models pull` takes to fetch it
    chosen = registry().get(ref)
    if chosen is not None and ref != name and chosen.model:  # --model zh-en=qwen3-4b: that entry, for this task
        spec = dataclasses.replace(chosen, name=name, task=spec.task, source=spec.source, target=spec.target)
        pull_name, ref = chosen.name, chosen.model
    elif ref != spec.model:  # a hub id of the user's
        pull_name = ref
    if not ref:
        raise ConfigError(f"model {name} has no hub id or folder; give one with --model {name}=ID_OR_PATH")
    folder = Path(ref).expanduser()
    if folder.is_dir() or ref.startswith((".", "/", "~")):
        if not (folder / "config.json").is_file():  # the user's own folder: pulling ours would not fill it
            what = "no config.json in it" if folder.is_dir() else "no such folder"
            raise ConfigError(f"model {name}: {folder} is not a model folder ({what}); give a folder that "
                              "save_pretrained wrote, or a hub id")
        return LocalModel(name, ref, folder, _fingerprint(folder), spec)
    revision = spec.revision if ref == spec.model else "main"
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(ref, revision=revision, local_files_only=True)
    except Exception:
        offline = hub_offline()
        if download is False or offline:
            where = f"the Hugging Face cache {hf_cache_dir()}" + (" (HF_HUB_OFFLINE=1)" if offline else "")
            raise ModelMissingError(name, ref, where, pull_name) from None
        unreachable = hub_unreachable()
        if unreachable:  # one quick check instead of the hub client's retries
            raise ModelMissingError(name, ref, f"the Hugging Face cache {hf_cache_dir()}, and {unreachable} "
                                               "(set HF_HUB_OFFLINE=1 to skip this check)", pull_name) from None
        try:
            path = snapshot_download(ref, revision=revision)
        except Exception as exc:
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise ModelMissingError(name, ref, f"the Hugging Face cache {hf_cache_dir()}, and the download failed: {reason}", pull_name) from None
    return LocalModel(name, ref, Path(path), Path(path).name, spec)


@lru_cache(maxsize=1)
def hub_unreachable() -> str:
    """Why the Hugging Face hub cannot be reached ("" when it can, or when a proxy is set
    and only the hub client knows how to use it).  Asked once per process."""
    from huggingface_hub import constants

    if any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return ""
    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname, port), timeout=5).close()
    except OSError as exc:
        return f"the hub {constants.ENDPOINT} cannot be reached (no network: {exc.strerror or exc})"
    return ""


def is_present(name: str) -> bool:
    spec = spec_for(name)
    if spec.pivot:
        return all(is_present(part) for part in spec.pivot)
    try:
        locate(name, download=False)
    except (ModelMissingError, ConfigError):
        return False
    return True


def registry_status() -> list[dict]:
    return [
        {
            "name": spec.name,
            "task": spec.task,
            "model": spec.model or " -> ".join(spec.pivot),
            "license": spec.license,
            "size": spec.size,
            "note": spec.note,
            "present": is_present(spec.name),
        }
        for spec in registry().values()
    ]


def pull(names: Sequence[str]) -> list[tuple[str, str]]:
    """Download registry models (or hub ids: ``Qwen/Qwen3-4B``) into the Hugging Face
    cache (needs the network)."""
    from huggingface_hub import snapshot_download

    wanted = list(names) or [n for n, s in registry().items() if s.task == "translation" and not s.pivot]
    done = []
    for name in wanted:
        if name not in registry() and "/" in name:
            try:
                done.append((name, snapshot_download(name)))
            except Exception as exc:
                raise ModelError(f"could not download {name}: {str(exc).splitlines()[0] if str(exc) else exc}") from None
            continue
        for part in chain(name):
            part_spec = spec_for(part)
            try:
                path = snapshot_download(part_spec.model, revision=part_spec.revision)
            except Exception as exc:
                raise ModelError(f"could not download {part_spec.model}: {str(exc).splitlines()[0] if str(exc) else exc}") from None
            done.append((part, path))
    return done
