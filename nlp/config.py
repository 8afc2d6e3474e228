"""The one immutable configuration object, its choices, and the one place that reads the
environment."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Mapping

from .errors import ConfigError


class Choice(str, Enum):
    """A closed set of names: CLI choices, and values written into provenance."""

    @classmethod
    def parse(cls, value: "str | Choice", option: str):
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(member.value for member in cls)
            raise ConfigError(f"unknown {option} {str(value)!r}; choose one of: {names}") from None

    def __str__(self) -> str:
        return self.value


class Backend(Choice):
    """How a translation model runs (see :mod:`nlp.translation.backends`)."""

    transformers = "transformers"
    ctranslate2 = "ctranslate2"


class Device(Choice):
    auto = "auto"  # CUDA when available
    cpu = "cpu"
    cuda = "cuda"


class Engine(Choice):
    """What runs a batch job: this machine's processes, or Ray (tasks and actor pools)."""

    local = "local"
    ray = "ray"


EXTRACTIVE = "textrank"  # the summarizer that needs no model
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# Keys a post keeps as they are, or that nlp writes for other purposes.
RESERVED_KEYS = frozenset("nlp title lang translation_of permalink slug date layout categories tags".split())


@dataclass(frozen=True)
class Config:
    """Every option of a run.  Change with :func:`dataclasses.replace`.

    top_k:      keywords per post.
    sentences:  sentences per summary (1-3 in practice).
    max_chars:  character budget of a summary; one longer sentence is trimmed to its
                best clauses.  ``None``: 100 characters per sentence.
    idf:        an IDF table from ``nlp idf build`` (default: jieba's table).
    userdict:   an extra jieba user dictionary (word [freq] [pos] per line).
    summarizer: ``textrank`` (extractive, offline), ``summarizer`` (the registry's
                model), or a seq2seq hub id / folder.
    to:         target languages for translation (``en``, ``ja``).
    models:     task name -> hub id or local folder, overriding the registry.
    cache_dir:  translation memory, run state and converted models.
    device:     ``auto`` (CUDA when available), ``cpu`` or ``cuda``.
    backend:    ``transformers`` or ``ctranslate2``.
    batch_tokens: decoding span per model batch, rows x beams x (input + output cap)
                tokens (0: 4096 on CPU, 32768 on GPU).
    compute_type: CTranslate2 compute type (default int8 on CPU, int8_float16 on GPU); for
                an LLM on transformers, ``float32`` (CPU default), ``bfloat16`` (about twice
                as fast on CPUs with AMX or AVX-512 BF16) or ``float16`` (GPU default).
                Environment: ``NLP_COMPUTE_TYPE`` (or the older ``NLP_CT2_COMPUTE_TYPE``).
    engine:     ``local`` or ``ray``.
    workers:    processes (Ray: tasks) that read and analyse posts; 0: one per core for
                runs of 100 posts or more (Ray: the cluster's CPUs).
    address:    with the Ray engine, the cluster to join (None: a new local instance).
    summary_key, keywords_key: the front matter keys the summary and keywords go under
                (``description`` is what jekyll-seo-tag and jekyll-feed read); their
                translations go under ``KEY_en``, ``KEY_ja``.
    """

    top_k: int = 5
    sentences: int = 2
    max_chars: int | None = None
    idf: str | None = None
    userdict: str | None = None
    summarizer: str = EXTRACTIVE
    to: tuple[str, ...] = ()
    models: Mapping[str, str] = field(default_factory=dict)
    cache_dir: Path = field(default_factory=lambda: default_cache_dir())
    device: Device = Device.auto
    backend: Backend = Backend.transformers
    batch_tokens: int = 0  # 0: chosen per device
    compute_type: str | None = field(default_factory=lambda: os.environ.get("NLP_COMPUTE_TYPE") or os.environ.get("NLP_CT2_COMPUTE_TYPE") or None)
    engine: Engine = Engine.local
    workers: int = 0
    address: str | None = None
    summary_key: str = "summary"
    keywords_key: str = "keywords"

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ConfigError("--top-k must be at least 1")
        if self.sentences < 1:
            raise ConfigError("--sentences must be at least 1")
        if self.max_chars is not None and self.max_chars < 10:
            raise ConfigError("--max-chars must be at least 10")
        if self.workers < 0:
            raise ConfigError("--workers must be 0 (automatic) or more")
        # choices given as plain strings (library callers) become their enum, or fail
        object.__setattr__(self, "device", Device.parse(self.device, "device"))
        object.__setattr__(self, "backend", Backend.parse(self.backend, "backend"))
        object.__setattr__(self, "engine", Engine.parse(self.engine, "engine"))
        if self.address and self.engine is not Engine.ray:
            raise ConfigError("--address needs --engine ray")
        for option, key in (("--summary-key", self.summary_key), ("--keywords-key", self.keywords_key)):
            if not _KEY.match(key) or key in RESERVED_KEYS:
                raise ConfigError(f"{option} {key!r} is not a key nlp can write: use letters, digits, _ or -, "
                                  f"not one of {', '.join(sorted(RESERVED_KEYS))}")
        if self.summary_key == self.keywords_key:
            raise ConfigError("--summary-key and --keywords-key must differ")

    @property
    def summary_chars(self) -> int:
        return self.max_chars if self.max_chars is not None else 100 * self.sentences

    @property
    def extractive(self) -> bool:
        return self.summarizer == EXTRACTIVE

    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)


def default_cache_dir() -> Path:
    """``$NLP_CACHE_DIR``, else ``$XDG_CACHE_HOME/nlp``, else ``~/.cache/nlp``."""
    if os.environ.get("NLP_CACHE_DIR"):
        return Path(os.environ["NLP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nlp"


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def hf_cache_dir() -> str:
    """Where the Hugging Face hub keeps downloads (as huggingface_hub decides it)."""
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except Exception:  # pragma: no cover - huggingface_hub always comes with transformers
        return os.path.join(os.path.expanduser("~"), ".cache", "huggingface", "hub")


def parse_models(values: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["zh-en=ID_OR_PATH", ...]`` -> ``{"zh-en": "ID_OR_PATH"}``."""
    models = {}
    for value in values:
        name, sep, target = value.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise ConfigError(f"--model takes NAME=ID_OR_PATH (e.g. zh-en=Helsinki-NLP/opus-mt-zh-en), got {value!r}")
        models[name.strip()] = target.strip()
    return models


def parse_languages(value: str | None) -> tuple[str, ...]:
    """``"en, ja"`` -> ``("en", "ja")``."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


# What a project config file may set (nlp.toml, or [tool.nlp] in pyproject.toml), and the
# Config field each one fills.  Command-line options win over the file.
PROJECT_KEYS = {
    "summary-key": "summary_key",
    "keywords-key": "keywords_key",
    "idf": "idf",
    "userdict": "userdict",
}


def project_settings(start: str | os.PathLike[str] | None = None) -> tuple[dict[str, str], Path | None]:
    """The settings of the nearest ``nlp.toml`` (or ``pyproject.toml`` with a
    ``[tool.nlp]`` table) in ``start`` or a folder above it, as Config fields, and the
    file they came from.  Paths in it are relative to that file."""
    import tomllib

    folder = Path(start or os.getcwd()).resolve()
    for place in (folder, *folder.parents):
        for name in ("nlp.toml", "pyproject.toml"):
            path = place / name
            if not path.is_file():
                continue
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"{path}: cannot read project settings: {exc}") from None
            table = data if name == "nlp.toml" else data.get("tool", {}).get("nlp")
            if table is None:
                continue
            return _settings(table, path), path
    return {}, None


def _settings(table: object, path: Path) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.nlp] must be a table of settings")
    out = {}
    for key, value in table.items():
        if key not in PROJECT_KEYS:
            raise ConfigError(f"{path}: unknown setting {key!r}; known: {', '.join(PROJECT_KEYS)}")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: {key} must be a non-empty string")
        field_name = PROJECT_KEYS[key]
        if field_name in ("idf", "userdict"):
            value = str((path.parent / value).resolve())
        out[field_name] = value
    return out
