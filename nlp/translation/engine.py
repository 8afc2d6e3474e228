"""The translation engine around one model backend.

The engine turns segments (titles, summaries, HTML text runs) into model inputs:
sentences, split again where they exceed the model's token limit, deduplicated
across the run and looked up in a SQLite translation memory first.  Only what is
new reaches the backend, in batches of similar length; the outputs are put back in
order and re-joined.  Degenerate outputs (loops, absurd lengths) are retried with a
repetition penalty, then on shorter pieces, and recorded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from typing import Protocol, Sequence

from ..runtime import release_memory
from ..signature import ModelSignature, PivotSignature
from ..text import has_translatable_text, is_mostly_latin, split_sentences, split_to_fit, to_simplified
from .backends.base import GenerationOptions
from .memory import TranslationMemory


class Translator(Protocol):
    """What the pipeline needs of a translator: a signature and ``translate``."""

    signature: str

    def translate(self, texts: Sequence[str]) -> list[str]: ...


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
    examples: list = field(default_factory=list)  # a few degenerate outputs, to look at

    EXAMPLES = 20

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Engine:
    """Translate segments with one backend, a memory and the model's token limit."""

    SEEN_LIMIT = 100_000

    def __init__(self, backend, memory: TranslationMemory | None, target: str, prefix: str = "",
                 options: GenerationOptions = GenerationOptions(), retry: bool = True, script: str = "any") -> None:
        self.backend = backend
        self.script = script  # "simplified": Traditional text is converted before the model sees it
        self.retry = retry
        self.memory = memory
        self.target = target
        self.prefix = prefix
        self.options = options
        self.stats = EngineStats()
        model = backend.model_ref
        plain = ModelSignature(model.name, model.ref, model.revision, backend.name.value, backend.variant,
                               options.key())
        # The memory keys on what the model read, so it is shared with and without conversion;
        # the provenance says how the input was made (a producer change: --refresh redoes it).
        self.model_key = hashlib.blake2b(str(plain).encode(), digest_size=10).hexdigest()
        if script == "simplified":
            plain = dataclasses.replace(plain, variant=f"{plain.variant}+t2s")
        self.model_signature = plain
        self.signature = str(plain)
        self._seen: dict[str, str] = {}  # this run's translations, the most recent SEEN_LIMIT
        self.limit = backend.max_input_tokens  # counted with the prefix and </s>

    # -- splitting
    def _fit(self, sentence: str) -> list[str]:
        """Pieces of ``sentence`` that each fit the token limit, counted with the prefix."""
        return split_to_fit(sentence, lambda ps: self.backend.count_tokens([self.prefix + p for p in ps]), self.limit)

    def _units(self, segment: str) -> list[tuple[str, str, str, str | None]]:
        """``(lead, core, trail, model text)`` for each sentence of a segment; the model
        text is None for a sentence that is passed through untranslated."""
        units = []
        for sentence in split_sentences(segment):
            core = sentence.strip()
            lead = sentence[: len(sentence) - len(sentence.lstrip())]
            trail = sentence[len(sentence.rstrip()) :] if core else ""
            wanted = bool(core) and has_translatable_text(core) and not (is_mostly_latin(core) and self.target == "en")
            units.append((lead, core, trail, self.model_text(core) if wanted else None))
        return units

    def model_text(self, sentence: str) -> str:
        """What the model reads for ``sentence``: in the model's script.  The memory keys
        on it, so a Traditional sentence and its Simplified twin share one translation."""
        return to_simplified(sentence) if self.script == "simplified" else sentence

    def translate(self, segments: Sequence[str]) -> list[str]:
        """Translations of ``segments``, in order; whitespace around sentences is kept."""
        self.stats.segments += len(segments)
        plans = [self._units(segment) for segment in segments]
        wanted = list(dict.fromkeys(key for plan in plans for (_, _, _, key) in plan if key is not None))
        self.stats.units += len(wanted)
        translations = self._translate_units(wanted)
        joiner = " " if self.target == "en" else ""
        out = []
        for plan in plans:
            parts = []
            for lead, core, trail, key in plan:
                text = translations[key] if key is not None else core
                if key is None and core:
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
                    if len(self.stats.examples) < EngineStats.EXAMPLES:
                        self.stats.examples.append({"source": piece, "output": text, "problem": problem})
                    outputs[piece] = (text, f"degenerate:{problem}")
                else:
                    outputs[piece] = (text, "retried")
        return outputs


class PivotEngine:
    """Translate through a chain of engines (zh -> en -> ja)."""

    def __init__(self, engines: list[Engine]) -> None:
        self.engines = engines
        self.signature = str(PivotSignature(tuple(e.model_signature for e in engines)))
        self.stats = engines[0].stats

    def translate(self, segments: Sequence[str]) -> list[str]:
        for engine in self.engines:
            segments = engine.translate(segments)
        return list(segments)
