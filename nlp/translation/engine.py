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
from dataclasses import dataclass, field
from typing import Protocol, Sequence

from ..languages import language
from ..models.hygiene import MARKER, markers, problem
from ..models.device import release_memory
from ..signature import ModelSignature, PivotSignature
from ..text import has_translatable_text, is_mostly_latin, split_sentences, split_to_fit, to_simplified
from .align import CharMap, compose, decode, encode, proportional, rescaled, shifted
from .backends.base import GenerationOptions
from .memory import TranslationMemory


class Translator(Protocol):
    """What the pipeline needs of a translator: a signature and ``translate``."""

    signature: str

    def translate(self, texts: Sequence[str]) -> list[str]: ...


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
    blocks: int = 0  # decoder-only models: blocks sent whole, in one prompt each
    block_fallback: int = 0  # of those, translated again by sentence (markup or output rejected)
    long_blocks: int = 0  # blocks over the prompt's token limit, translated by sentence
    aligned: int = 0  # sentences with an inline element inside, aligned by the model
    unaligned: int = 0  # the same, placed by length: the backend gives no alignment
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
        self.language = language(target)  # how its sentences join, what its outputs must look like
        self.prefix = prefix
        self.options = options
        self.stats = EngineStats()
        model = backend.model_ref
        plain = ModelSignature(model.name, model.ref, model.revision, backend.name.value, backend.variant,
                               options.key())
        # The memory keys on what the model read, so it is shared with and without conversion;
        # the provenance says how the input was made (a producer change: --refresh redoes it).
        epoch = getattr(backend, "memory_epoch", "")
        self.model_key = hashlib.blake2b((str(plain) + (f"|{epoch}" if epoch else "")).encode(), digest_size=10).hexdigest()
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
            wanted = bool(core) and has_translatable_text(core) and not self._as_is(core)
            units.append((lead, core, trail, self.model_text(core) if wanted else None))
        return units

    def _as_is(self, text: str) -> bool:
        """Text already in the target language (Latin letters, for a Latin language that
        says so): passed through."""
        return self.language.latin_as_is and is_mostly_latin(text)

    def model_text(self, sentence: str) -> str:
        """What the model reads for ``sentence``: in the model's script.  The memory keys
        on it, so a Traditional sentence and its Simplified twin share one translation."""
        return to_simplified(sentence) if self.script == "simplified" else sentence

    def check(self, source: str, output: str) -> str:
        """Why ``output`` is not a plausible translation of ``source`` ("" if it is): the
        loose check (:mod:`nlp.models.hygiene`), since a doubtful output is kept, flagged."""
        return problem(source, output, self.target, strict=False)

    @property
    def can_align(self) -> bool:
        return hasattr(self.backend, "generate_aligned")

    def translate(self, segments: Sequence[str]) -> list[str]:
        """Translations of ``segments``, in order; whitespace around sentences is kept."""
        return [text for text, _ in self.translate_aligned(segments)]

    def translate_aligned(self, segments: Sequence[str],
                          cuts: Sequence[Sequence[int] | None] | None = None) -> list[tuple[str, CharMap | None]]:
        """Translations of ``segments`` with, for each segment that has ``cuts`` (source
        positions where an inline element starts or ends), a character map onto the
        segment.  Only sentences with a cut inside them ask the model for its alignment;
        the others map by length within their own span."""
        cuts = list(cuts) if cuts is not None else [None] * len(segments)
        self.stats.segments += len(segments)
        return self._by_sentence(segments, cuts)

    def _by_sentence(self, segments: Sequence[str], cuts: Sequence[Sequence[int] | None]) -> list[tuple[str, CharMap | None]]:
        plans = [self._units(segment) for segment in segments]
        need: set[str] = set()
        for plan, cut in zip(plans, cuts):
            for start, (lead, core, _, key) in zip(_starts(plan), plan):
                if cut and key is not None and any(start + len(lead) < c < start + len(lead) + len(core) for c in cut):
                    need.add(key)
        wanted = list(dict.fromkeys(key for plan in plans for (_, _, _, key) in plan if key is not None))
        self.stats.units += len(wanted)
        translations = self._translate_units(wanted, need)
        self.stats.aligned += sum(1 for key in need if translations[key][1] is not None)
        self.stats.unaligned += sum(1 for key in need if translations[key][1] is None)
        joiner = self.language.separator
        out: list[tuple[str, CharMap | None]] = []
        for plan, cut in zip(plans, cuts):
            parts: list[str] = []
            # a segment whose element-holding sentence got no alignment gets no map at all
            complete = not any(key in need and translations[key][1] is None for _, _, _, key in plan)
            mapped: CharMap | None = [] if cut is not None and complete else None
            for start, (lead, core, trail, key) in zip(_starts(plan), plan):
                text, unit_map = translations[key] if key is not None else (core, None)
                if key is None and core:
                    self.stats.passthrough += 1
                core_start = start + len(lead)
                lead_map = list(range(start, core_start))
                if parts and joiner and not lead and text:
                    lead, lead_map = joiner, [-1] * len(joiner)
                parts.append(lead + text + trail)
                if mapped is not None:
                    if key is None:
                        unit_map = list(range(len(core)))
                    elif unit_map is not None:
                        unit_map = rescaled(unit_map, len(key), len(core))
                    core_map = shifted(unit_map, core_start, len(core), len(text))
                    mapped += lead_map + core_map + list(range(core_start + len(core), core_start + len(core) + len(trail)))
            out.append(("".join(parts), mapped))
        if wanted:
            release_memory()
        return out

    def _translate_units(self, sentences: list[str], need: set[str] = frozenset()) -> dict[str, tuple[str, CharMap | None]]:
        """Translations (and, for the sentences in ``need``, character maps) from this run,
        the memory, or the model.  A remembered translation without the map a sentence
        now needs is made again, with it, when the backend can align."""

        def usable(source: str, found: tuple[str, CharMap | None]) -> bool:
            return source not in need or found[1] is not None or not self.can_align

        result = {s: self._seen[s] for s in sentences if s in self._seen and usable(s, self._seen[s])}
        todo = [s for s in sentences if s not in result]
        if self.memory is not None and todo:
            hits = {s: (t, decode(a)) for s, (t, a) in self.memory.get_aligned(self.model_key, todo).items()}
            hits = {s: found for s, found in hits.items() if usable(s, found)}
            self.stats.memory_hits += len(hits)
            result.update(hits)
            todo = [s for s in todo if s not in hits]
        if todo:
            fresh = self._run_model(todo, need)
            result.update({s: (t, mapped) for s, (t, _, mapped) in fresh.items()})
            if self.memory is not None:
                self.memory.put(self.model_key, [(s, t, flags, encode(mapped)) for s, (t, flags, mapped) in fresh.items()])
        self._seen.update(result)
        if len(self._seen) > self.SEEN_LIMIT:  # bounded on any archive; the memory keeps the rest
            for key in list(self._seen)[: len(self._seen) - self.SEEN_LIMIT // 2]:
                del self._seen[key]
        return result

    def _run_model(self, sentences: list[str], need: set[str] = frozenset()) -> dict[str, tuple[str, str, CharMap | None]]:
        pieces_of = {s: self._fit(s) for s in sentences}
        pieces = list(dict.fromkeys(p for ps in pieces_of.values() for p in ps))
        self.stats.split_pieces += sum(len(ps) - 1 for ps in pieces_of.values())
        aligned = {p for s in sentences if s in need for p in pieces_of[s]}
        outputs = self._generate(pieces, aligned)
        joiner = self.language.separator
        done = {}
        for sentence, ps in pieces_of.items():
            flags = sorted({outputs[p][1] for p in ps if outputs[p][1]})
            text = joiner.join(outputs[p][0] for p in ps)
            mapped: CharMap | None = None
            if sentence in need and all(outputs[p][2] is not None for p in ps) and "".join(ps) == sentence:
                mapped, offset = [], 0
                for index, p in enumerate(ps):
                    if index:
                        mapped += [-1] * len(joiner)
                    mapped += shifted(outputs[p][2], offset, len(p), len(outputs[p][0]))
                    offset += len(p)
            done[sentence] = (text, ",".join(flags), mapped)
        return done

    def _backend(self, pieces: list[str], align: set[str], repetition_penalty: float | None = None
                 ) -> dict[str, tuple[str, CharMap | None]]:
        """Model outputs for ``pieces``, in one call; those in ``align`` with their
        character maps (onto the piece, without the prefix)."""
        extra = {"repetition_penalty": repetition_penalty} if repetition_penalty else {}
        texts = [self.prefix + p for p in pieces]
        if not self.can_align or not align.intersection(pieces):
            return {p: (t, None) for p, t in zip(pieces, self.backend.generate(texts, **extra))}
        results = self.backend.generate_aligned(texts, align=[p in align for p in pieces], **extra)
        width = len(self.prefix)
        return {piece: (text, None if mapped is None else [i - width if i >= width else -1 for i in mapped])
                for piece, (text, mapped) in zip(pieces, results)}

    def _generate(self, pieces: list[str], align: set[str] = frozenset()) -> dict[str, tuple[str, str, CharMap | None]]:
        """Model outputs for ``pieces``, retrying degenerate ones once with a repetition penalty."""
        self.stats.model_inputs += len(pieces)
        raw = self._backend(pieces, align)
        outputs = {}
        retry = []
        for piece in pieces:
            text, mapped = raw[piece]
            problem = self.check(piece, text)
            outputs[piece] = (text, problem, mapped)
            if problem and self.retry:
                retry.append(piece)
        if retry:
            self.stats.retried += len(retry)
            again = self._backend(retry, align, repetition_penalty=1.3)
            for piece in retry:
                text, mapped = again[piece]
                problem = self.check(piece, text)
                if problem:
                    self.stats.degenerate += 1
                    if len(self.stats.examples) < EngineStats.EXAMPLES:
                        self.stats.examples.append({"source": piece, "output": text, "problem": problem})
                    outputs[piece] = (text, f"degenerate:{problem}", mapped)
                else:
                    outputs[piece] = (text, "retried", mapped)
        return outputs


class BlockEngine(Engine):
    """A decoder-only model (an LLM) translates a whole block in one prompt, not sentence
    by sentence: the paragraph keeps its context.  Where inline elements cut a block,
    the prompt marks each text node's words (``<x1>...</x1>``) and the output must
    come back with the same markers in the same order; each node then gets the words
    between its markers.  A block whose output is rejected (markup changed, wrong
    language, a loop, an implausible length) is translated again by sentence, its
    nodes placed by length, and counted (``block_fallback``); a block over the prompt
    limit goes by sentence from the start (``long_blocks``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rejected: set[str] = set()  # blocks this run's model got wrong: not asked twice

    @property
    def can_align(self) -> bool:
        return False  # no cross-attention: markers carry the elements instead

    def check(self, source: str, output: str) -> str:
        return problem(source, output, self.target, strict=True)

    def check_block(self, source: str, output: str) -> str:
        return self.check(source, output) or ("markup" if markers(output) != markers(source) else "")

    def translate_aligned(self, segments: Sequence[str],
                          cuts: Sequence[Sequence[int] | None] | None = None) -> list[tuple[str, CharMap | None]]:
        cuts = list(cuts) if cuts is not None else [None] * len(segments)
        self.stats.segments += len(segments)
        jobs: list[tuple[int, str, list[tuple[int, int]], str] | None] = []
        for segment, cut in zip(segments, cuts):
            core = segment.strip()
            if not core or not has_translatable_text(core) or self._as_is(core):
                jobs.append(None)
                continue
            lead = len(segment) - len(segment.lstrip())
            text = self.model_text(core)
            parts = _parts(core, [c - lead for c in cut or ()]) if len(text) == len(core) else []
            jobs.append((lead, core, parts, _marked(text, parts)))
        blocks = list(dict.fromkeys(job[3] for job in jobs if job is not None))
        fits = dict(zip(blocks, (n <= self.limit for n in self.backend.count_tokens(blocks))))
        wanted = [b for b in blocks if fits[b]]
        self.stats.units += len(wanted)
        done = self._translate_blocks(wanted)
        out: list[tuple[str, CharMap | None] | None] = [None] * len(segments)
        again: list[int] = []
        for index, (segment, cut, job) in enumerate(zip(segments, cuts, jobs)):
            if job is None:
                self.stats.passthrough += 1 if segment.strip() else 0
                out[index] = (segment, list(range(len(segment))) if cut is not None else None)
                continue
            lead, core, parts, marked = job
            translated = done.get(marked)
            if translated is None:
                again.append(index)
                continue
            trail = segment[lead + len(core):]
            text, mapped = _unmarked(translated, parts, lead, len(core))
            out[index] = (segment[:lead] + text + trail,
                          None if cut is None else list(range(lead)) + mapped
                          + list(range(lead + len(core), len(segment))))
        if again:
            redone = {jobs[i][3] for i in again}  # counted once per distinct block, as ``blocks``
            self.stats.long_blocks += sum(1 for b in redone if not fits[b])
            self.stats.block_fallback += sum(1 for b in redone if fits[b])
            for index, result in zip(again, self._by_sentence([segments[i] for i in again], [cuts[i] for i in again])):
                out[index] = result
        return out  # type: ignore[return-value]

    def _translate_blocks(self, blocks: list[str]) -> dict[str, str]:
        """Accepted translations of ``blocks`` (markers kept) from this run, the memory or
        the model; a rejected one is missing (its block goes by sentence)."""
        # (a one-sentence block's key is also a sentence's, whose kept output may have failed)
        result = {b: self._seen[b][0] for b in blocks if b in self._seen and not self.check_block(b, self._seen[b][0])}
        rejected = self._rejected
        todo = [b for b in blocks if b not in result and b not in rejected]
        if self.memory is not None and todo:
            hits = {b: t for b, (t, _) in self.memory.get_aligned(self.model_key, todo).items() if not self.check_block(b, t)}
            self.stats.memory_hits += len(hits)
            result.update(hits)
            todo = [b for b in todo if b not in hits]
        if todo:
            self.stats.blocks += len(todo)
            self.stats.model_inputs += len(todo)
            fresh = {}
            for block, output in zip(todo, self.backend.generate([self.prefix + b for b in todo])):
                problem = self.check_block(block, output)
                if problem:
                    if len(rejected) >= self.SEEN_LIMIT:
                        rejected.clear()
                    rejected.add(block)
                    if len(self.stats.examples) < EngineStats.EXAMPLES:
                        self.stats.examples.append({"source": block, "output": output, "problem": f"block:{problem}"})
                    continue
                fresh[block] = output
            result.update(fresh)
            if self.memory is not None and fresh:
                self.memory.put(self.model_key, [(b, t, "", "") for b, t in fresh.items()])
            release_memory()
        self._seen.update({b: (t, None) for b, t in result.items()})
        return result


def _parts(core: str, cuts: Sequence[int]) -> list[tuple[int, int]]:
    """The spans of ``core`` between ``cuts`` that hold words, trimmed of spaces; none
    when there is only one (nothing to mark)."""
    bounds = sorted({0, len(core), *(c for c in cuts if 0 < c < len(core))})
    parts = []
    for start, end in zip(bounds, bounds[1:]):
        piece = core[start:end]
        if piece.strip():
            parts.append((start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())))
    return parts if len(parts) > 1 else []


def _marked(text: str, parts: Sequence[tuple[int, int]]) -> str:
    if not parts:
        return text
    out, position = [], 0
    for k, (start, end) in enumerate(parts, 1):
        out += [text[position:start], f"<x{k}>", text[start:end], f"</x{k}>"]
        position = end
    out.append(text[position:])
    return "".join(out)


def _unmarked(output: str, parts: Sequence[tuple[int, int]], offset: int, length: int) -> tuple[str, CharMap]:
    """The text of a marked output and its map: the words between markers ``k`` map onto
    part ``k`` of the source (by position within it); words outside markers onto nothing."""
    if not parts:
        return output, shifted(None, offset, length, len(output))
    text: list[str] = []
    mapped: CharMap = []
    position, inside = 0, -1
    for match in MARKER.finditer(output + "<x0>"):
        piece = output[position : match.start()]  # (the last match is the sentinel at the end)
        if inside > 0:
            start, end = parts[inside - 1]
            mapped += proportional(end - start, len(piece), offset + start)
        else:
            mapped += [-1] * len(piece)
        text.append(piece)
        position = match.end()
        inside = -1 if match.group(1) else int(match.group(2))
    return "".join(text), mapped


def _starts(plan: list[tuple[str, str, str, str | None]]) -> list[int]:
    """Where each unit of a segment starts in it."""
    starts, position = [], 0
    for lead, core, trail, _ in plan:
        starts.append(position)
        position += len(lead) + len(core) + len(trail)
    return starts


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

    def translate_aligned(self, segments: Sequence[str],
                          cuts: Sequence[Sequence[int] | None] | None = None) -> list[tuple[str, CharMap | None]]:
        """As :meth:`Engine.translate_aligned`; each step aligns all of what the one
        before it wrote, and the maps compose (final -> middle -> source)."""
        current = self.engines[0].translate_aligned(segments, cuts)
        for engine in self.engines[1:]:
            middle = [list(range(1, len(text))) if mapped is not None else None for text, mapped in current]
            following = engine.translate_aligned([text for text, _ in current], middle)
            current = [(text, compose(outer, inner) if outer is not None and inner is not None else None)
                       for (text, outer), (_, inner) in zip(following, current)]
        return current
