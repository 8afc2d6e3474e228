"""Translation: the engine around a seq2seq model, and translated posts.

The engine turns segments (titles, summaries, HTML text runs) into model inputs:
sentences, split again where they exceed the model's token limit, deduplicated
across the run and looked up in a SQLite translation memory first.  Only what is
new reaches the backend, in batches of similar length; the outputs are put back in
order and re-joined.  Degenerate outputs (loops, absurd lengths) are retried with a
repetition penalty, then on shorter pieces, and recorded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Protocol, Sequence

from .config import Config
from .errors import ConfigError
from .models import LocalModel, chain, locate, translation_name
from .runstate import connect
from .text import has_translatable_text, is_mostly_latin, split_sentences, split_to_fit

log = logging.getLogger(__name__)


class Backend(str, Enum):
    """How a model runs.  The value is the CLI choice and goes into provenance."""

    transformers = "transformers"
    ctranslate2 = "ctranslate2"


class Translator(Protocol):
    signature: str

    def translate(self, texts: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class GenerationOptions:
    num_beams: int | None = None  # None: the model's own generation config
    max_length_ratio: float = 2.5  # output tokens per input token, at most
    # Benchmarks only: exactly as many output tokens as input tokens (random weights
    # never stop on their own; this makes every system do the same work).
    forced_length: bool = False

    def key(self) -> str:
        return f"b{self.num_beams or 'model'}:r{self.max_length_ratio}" + (":forced" if self.forced_length else "")


# --------------------------------------------------------------------------- backends


def _device(requested: str) -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_batch_tokens(device: str) -> int:
    """Decoding span per model batch: rows x beams x (input + output cap) tokens.

    Counting the output cap, not the input alone, bounds the decoder's buffers: with
    2,048 input tokens and outputs allowed 2.5x as long, a transformer-big batch took
    +950 MB on CPU; the span keeps that near +460 MB and, where outputs are as long as
    inputs, gives the batches that 2,048 input tokens gave.  A GPU wants large batches.
    """
    return 32768 if device.startswith("cuda") else 4096


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def release_memory() -> None:
    """Give freed native memory back to the system (glibc keeps the buffers of finished
    batches in its arenas, so a long run's resident memory would creep up)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class TokenBudget:
    """What both backends share: token counts, per-row length caps, token-budget batches.

    Subclasses set ``tokenizer``, ``options``, ``batch_tokens``, ``beams`` and
    ``max_input_tokens``.
    """

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]]

    def max_new_tokens(self, input_tokens: int) -> int:
        if self.options.forced_length:
            return input_tokens
        return min(self.max_input_tokens, int(input_tokens * self.options.max_length_ratio) + 8)

    def batches(self, lengths: Sequence[int]) -> Iterator[list[int]]:
        """Indices in length order, grouped so that rows x beams x the longest row's span
        (input + output cap) fits the budget."""
        batch: list[int] = []
        for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
            span = lengths[index] + self.max_new_tokens(lengths[index])
            if batch and span * (len(batch) + 1) * self.beams > self.batch_tokens:
                yield batch
                batch = []
            batch.append(index)
        if batch:
            yield batch


class TransformersBackend(TokenBudget):
    """``AutoModelForSeq2SeqLM`` + its tokenizer, batched by token count."""

    name = Backend.transformers

    def __init__(self, model: LocalModel, device: str = "auto", batch_tokens: int = 0,
                 options: GenerationOptions = GenerationOptions()) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.model_ref = model
        self.device = _device(device)
        self.options = options
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model.path)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model.path).to(self.device).eval()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load model {model.ref} from {model.path}: {str(exc).splitlines()[0]}") from None
        self.variant = "fp32"
        if self.device.startswith("cuda"):
            self.model = self.model.half()
            self.variant = "fp16"
        self.batch_tokens = batch_tokens or default_batch_tokens(self.device)
        # beam search decodes beams x batch rows: the token budget counts them all
        self.beams = options.num_beams or getattr(self.model.generation_config, "num_beams", 1) or 1
        limits = [model.spec.max_input_tokens, getattr(self.model.config, "max_position_embeddings", 512)]
        if 0 < getattr(self.tokenizer, "model_max_length", 0) < 100_000:
            limits.append(self.tokenizer.model_max_length)
        self.max_input_tokens = min(limits)
        self._torch = torch

    def generate(self, texts: Sequence[str], repetition_penalty: float | None = None) -> list[str]:
        """Translate ``texts`` (each within the token limit); output order = input order."""
        lengths = self.count_tokens(texts)
        results: list[str] = [""] * len(texts)
        for batch in self.batches(lengths):
            outputs = self._generate([texts[i] for i in batch], [lengths[i] for i in batch], repetition_penalty)
            for i, output in zip(batch, outputs):
                results[i] = output
        return results

    def _generate(self, texts: list[str], lengths: list[int], repetition_penalty: float | None) -> list[str]:
        torch = self._torch
        encoded = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=True,
                                 max_length=self.max_input_tokens).to(self.device)
        # No forced </s> at the cap: a row cut at its own cap below must read the same
        # as the same sentence generated alone.
        kwargs = dict(max_new_tokens=self.max_new_tokens(max(lengths)), forced_eos_token_id=None)
        if self.options.forced_length:
            kwargs["min_new_tokens"] = kwargs["max_new_tokens"]
        if self.options.num_beams:
            kwargs["num_beams"] = self.options.num_beams
        if repetition_penalty:
            kwargs.update(repetition_penalty=repetition_penalty, no_repeat_ngram_size=3)
        with torch.inference_mode():
            generated = self.model.generate(**encoded, **kwargs)
        # Each row keeps its own length cap, so a sentence's output does not depend on
        # the batch it was in (exactly so for greedy search).
        rows = [row[: 1 + self.max_new_tokens(n)] for row, n in zip(generated, lengths)]
        return [t.strip() for t in self.tokenizer.batch_decode(rows, skip_special_tokens=True)]


def make_backend(model: LocalModel, config: Config, options: GenerationOptions):
    try:
        kind = Backend(config.backend)
    except ValueError:
        raise ConfigError(f"unknown backend {config.backend!r}; choose one of: {', '.join(b.value for b in Backend)}") from None
    if kind is Backend.ctranslate2:
        from .ct2 import CTranslate2Backend

        return CTranslate2Backend(model, config, options)
    return TransformersBackend(model, config.device, config.batch_tokens, options)


# --------------------------------------------------------------------------- memory


class TranslationMemory:
    """Source -> target per model key, in SQLite (WAL, so parallel runs can share it)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS memory (model TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
            " flags TEXT NOT NULL DEFAULT '', created REAL NOT NULL, PRIMARY KEY (model, source))"
        )

    def get(self, model: str, sources: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(sources))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT source, target FROM memory WHERE model = ? AND source IN ({marks})", [model, *chunk])
            found.update(rows.fetchall())
        return found

    def put(self, model: str, items: Iterable[tuple[str, str, str]]) -> None:
        now = time.time()
        rows = [(model, source, target, flags, now) for source, target, flags in items]
        if rows:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR REPLACE INTO memory VALUES (?, ?, ?, ?, ?)", rows)

    def flagged(self, model: str) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT source, target, flags FROM memory WHERE model = ? AND flags != ''", [model]).fetchall()

    def close(self) -> None:
        self.db.close()


# --------------------------------------------------------------------------- engine

_REPEAT = re.compile(r"(.{1,12}?)\1{5,}", re.DOTALL)


def degenerate(source: str, output: str, target: str) -> str:
    """Why ``output`` is not a plausible translation of ``source`` ("" if it is)."""
    if not output.strip():
        return "empty"
    if _REPEAT.search(output):
        return "loop"
    ratio = len(output) / max(1, len(source))
    high = 8.0 if target == "en" else 4.0
    if len(output) > 40 and ratio > high:
        return "too-long"
    return ""


@dataclass
class EngineStats:
    segments: int = 0
    units: int = 0
    passthrough: int = 0
    memory_hits: int = 0
    model_inputs: int = 0
    split_pieces: int = 0
    retried: int = 0
    degenerate: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Engine:
    """Translate segments with one backend, a memory and the model's token limit."""

    SEEN_LIMIT = 100_000

    def __init__(self, backend, memory: TranslationMemory | None, target: str, prefix: str = "",
                 options: GenerationOptions = GenerationOptions(), retry: bool = True) -> None:
        self.backend = backend
        self.retry = retry
        self.memory = memory
        self.target = target
        self.prefix = prefix
        self.options = options
        self.stats = EngineStats()
        model = backend.model_ref
        self.signature = f"{model.name}={model.signature}:{backend.name.value}-{backend.variant}:{options.key()}"
        self.model_key = hashlib.blake2b(self.signature.encode(), digest_size=10).hexdigest()
        self._seen: dict[str, str] = {}  # this run's translations, the most recent SEEN_LIMIT
        self.limit = backend.max_input_tokens  # counted with the prefix and </s>

    # -- splitting
    def _fit(self, sentence: str) -> list[str]:
        """Pieces of ``sentence`` that each fit the token limit, counted with the prefix."""
        return split_to_fit(sentence, lambda ps: self.backend.count_tokens([self.prefix + p for p in ps]), self.limit)

    def _units(self, segment: str) -> list[tuple[str, str, str, bool]]:
        """``(lead, core, trail, translate?)`` for each sentence of a segment."""
        units = []
        for sentence in split_sentences(segment):
            core = sentence.strip()
            lead = sentence[: len(sentence) - len(sentence.lstrip())]
            trail = sentence[len(sentence.rstrip()) :] if core else ""
            wanted = bool(core) and has_translatable_text(core) and not (is_mostly_latin(core) and self.target == "en")
            units.append((lead, core, trail, wanted))
        return units

    def translate(self, segments: Sequence[str]) -> list[str]:
        """Translations of ``segments``, in order; whitespace around sentences is kept."""
        self.stats.segments += len(segments)
        plans = [self._units(segment) for segment in segments]
        wanted = list(dict.fromkeys(core for plan in plans for (_, core, _, ok) in plan if ok))
        self.stats.units += len(wanted)
        translations = self._translate_units(wanted)
        joiner = " " if self.target == "en" else ""
        out = []
        for plan in plans:
            parts = []
            for lead, core, trail, ok in plan:
                text = translations[core] if ok else core
                if not ok and core:
                    self.stats.passthrough += 1
                if parts and self.target == "en" and not lead and text:
                    lead = joiner
                parts.append(lead + text + trail)
            out.append("".join(parts))
        if wanted:
            release_memory()
        return out

    def _translate_units(self, sentences: list[str]) -> dict[str, str]:
        result = {s: self._seen[s] for s in sentences if s in self._seen}
        todo = [s for s in sentences if s not in result]
        if self.memory is not None and todo:
            hits = self.memory.get(self.model_key, todo)
            self.stats.memory_hits += len(hits)
            result.update(hits)
            todo = [s for s in todo if s not in hits]
        if todo:
            fresh = self._run_model(todo)
            result.update({s: t for s, (t, _) in fresh.items()})
            if self.memory is not None:
                self.memory.put(self.model_key, [(s, t, flags) for s, (t, flags) in fresh.items()])
        self._seen.update(result)
        if len(self._seen) > self.SEEN_LIMIT:  # bounded on any archive; the memory keeps the rest
            for key in list(self._seen)[: len(self._seen) - self.SEEN_LIMIT // 2]:
                del self._seen[key]
        return result

    def _run_model(self, sentences: list[str]) -> dict[str, tuple[str, str]]:
        pieces_of = {s: self._fit(s) for s in sentences}
        pieces = list(dict.fromkeys(p for ps in pieces_of.values() for p in ps))
        self.stats.split_pieces += sum(len(ps) - 1 for ps in pieces_of.values())
        outputs = self._generate(pieces)
        joiner = " " if self.target == "en" else ""
        done = {}
        for sentence, ps in pieces_of.items():
            flags = sorted({outputs[p][1] for p in ps if outputs[p][1]})
            done[sentence] = (joiner.join(outputs[p][0] for p in ps), ",".join(flags))
        return done

    def _generate(self, pieces: list[str]) -> dict[str, tuple[str, str]]:
        """Model outputs for ``pieces``, retrying degenerate ones once with a repetition penalty."""
        self.stats.model_inputs += len(pieces)
        raw = self.backend.generate([self.prefix + p for p in pieces])
        outputs = {}
        retry = []
        for piece, text in zip(pieces, raw):
            problem = degenerate(piece, text, self.target)
            outputs[piece] = (text, problem)
            if problem and self.retry:
                retry.append(piece)
        if retry:
            self.stats.retried += len(retry)
            again = self.backend.generate([self.prefix + p for p in retry], repetition_penalty=1.3)
            for piece, text in zip(retry, again):
                problem = degenerate(piece, text, self.target)
                if problem:
                    self.stats.degenerate += 1
                    outputs[piece] = (text, f"degenerate:{problem}")
                else:
                    outputs[piece] = (text, "retried")
        return outputs


class PivotEngine:
    """Translate through a chain of engines (zh -> en -> ja)."""

    def __init__(self, engines: list[Engine]) -> None:
        self.engines = engines
        self.signature = "pivot(" + ",".join(e.signature for e in engines) + ")"
        self.stats = engines[0].stats

    def translate(self, segments: Sequence[str]) -> list[str]:
        for engine in self.engines:
            segments = engine.translate(segments)
        return list(segments)


def build_translator(name: str, overrides: Mapping[str, str] = {}, config: Config | None = None,
                     memory: TranslationMemory | None = None):
    """An engine for registry entry ``name`` (a pivot entry gives a chain of engines)."""
    config = config or Config()
    parts = chain(name, overrides)
    if parts != (name,):
        return PivotEngine([build_translator(part, overrides, config, memory) for part in parts])
    model = locate(name, overrides)
    options = GenerationOptions()
    backend = make_backend(model, config, options)
    target = model.spec.target or name.split("-")[-1]
    # The registry's prefix (>>jpn<<) belongs to the registry's model, not to a replacement.
    prefix = model.spec.prefix if model.ref == model.spec.model else ""
    return Engine(backend, memory, target, prefix, options)


def memory_for(config: Config) -> TranslationMemory:
    return TranslationMemory(Path(config.cache_dir) / "memory.sqlite3")


def translators_for(config: Config) -> dict[str, object]:
    """One translator per target language, every model located before any file is touched."""
    memory = memory_for(config)
    return {lang: build_translator(translation_name(lang, config.models), config.models, config, memory) for lang in config.to}


# --------------------------------------------------------------------------- front matter fields


class FieldTranslator:
    """``title_en``, ``summary_en``, ``keywords_en`` (and ``_ja``) for ``nlp enrich --to``."""

    def __init__(self, translators: Mapping[str, object]) -> None:
        self.translators = dict(translators)
        self.signature = self.signature_of({lang: t.signature for lang, t in self.translators.items()})

    @staticmethod
    def signature_of(signatures: Mapping[str, str]) -> str:
        """The signature of the fields made by translators signing ``{lang: signature}``."""
        return "mt=" + ";".join(f"{lang}:{signature}" for lang, signature in signatures.items())

    @classmethod
    def from_config(cls, config: Config) -> "FieldTranslator":
        return cls(translators_for(config))

    def translate_fields(self, title: str, summary: str, keywords: Sequence[str]) -> dict:
        return self.translate_many([(title, summary, list(keywords))])[0]

    def translate_many(self, items: Sequence[tuple[str, str, list[str]]]) -> list[dict]:
        """Fields for many posts at once, so their sentences share batches."""
        results: list[dict] = [{} for _ in items]
        for lang, translator in self.translators.items():
            texts = [text for title, summary, keywords in items for text in (title, summary, *keywords)]
            out = iter(translator.translate(texts))
            for fields, (title, summary, keywords) in zip(results, items):
                title_t, summary_t = next(out), next(out)
                keywords_t = [next(out) for _ in keywords]
                if title:
                    fields[f"title_{lang}"] = title_t
                if summary:
                    fields[f"summary_{lang}"] = summary_t
                if keywords:
                    fields[f"keywords_{lang}"] = keywords_t
        return results


def translate_text(text: str, config: Config) -> dict[str, str]:
    """``nlp translate -``: plain text, each line on its own."""
    out = {}
    for lang, translator in translators_for(config).items():
        lines = text.splitlines()
        out[lang] = "\n".join(translator.translate(lines))
    return out

