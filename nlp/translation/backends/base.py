"""What every backend shares: generation options, token counts, length caps and
token-budget batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from ..align import CharMap, char_map


@dataclass(frozen=True)
class GenerationOptions:
    num_beams: int | None = None  # None: the model's own generation config
    max_length_ratio: float = 2.5  # output tokens per input token, at most
    # Benchmarks only: exactly as many output tokens as input tokens (random weights
    # never stop on their own; this makes every system do the same work).
    forced_length: bool = False

    def key(self) -> str:
        return f"b{self.num_beams or 'model'}:r{self.max_length_ratio}" + (":forced" if self.forced_length else "")


def default_batch_tokens(device: str) -> int:
    """Decoding span per model batch: rows x beams x (input + output cap) tokens.

    Counting the output cap, not the input alone, bounds the decoder's buffers: with
    2,048 input tokens and outputs allowed 2.5x as long, a transformer-big batch took
    +950 MB on CPU; the span keeps that near +460 MB and, where outputs are as long as
    inputs, gives the batches that 2,048 input tokens gave.  A GPU wants large batches.
    """
    return 32768 if device.startswith("cuda") else 4096


class TokenBudget:
    """The base of every backend: token counts, per-row length caps, token-budget batches.

    Subclasses set ``name`` (their :class:`~nlp.config.Backend`), ``variant`` (weight
    type), ``model_ref``, ``tokenizer``, ``options``, ``batch_tokens``, ``beams`` and
    ``max_input_tokens``, and implement ``generate(texts, repetition_penalty=None)``.
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

    def generate(self, texts: Sequence[str], repetition_penalty: float | None = None) -> list[str]:
        return [text for text, _ in self.generate_aligned(texts, repetition_penalty, align=False)]

    def generate_aligned(self, texts: Sequence[str], repetition_penalty: float | None = None,
                         align: bool | Sequence[bool] = True) -> list[tuple[str, CharMap | None]]:
        """Translations of ``texts`` with, for each text ``align`` says (all, none, or one
        flag per text), its character map onto the input (from the model's
        cross-attention; see :mod:`nlp.translation.align`).  One call for all of them,
        so rows that need a map share batches with rows that do not."""
        raise NotImplementedError

    @staticmethod
    def align_flags(align: bool | Sequence[bool], count: int) -> list[bool]:
        return [align] * count if isinstance(align, bool) else [bool(a) for a in align]

    def source_pieces(self, ids: Sequence[int]) -> list[str]:
        """The source pieces of ``ids``.  Not ``convert_ids_to_tokens``: a Marian tokenizer
        with separate vocabularies (opus-mt-tc-big) maps ids through its *target*
        vocabulary there."""
        vocab = self.__dict__.get("_source_vocab")
        if vocab is None:
            vocab = self.__dict__["_source_vocab"] = {i: piece for piece, i in self.tokenizer.get_vocab().items()}
        return [vocab.get(i, self.tokenizer.unk_token) for i in ids]

    def _char_map(self, text: str, source_pieces: Sequence[str], output: str, output_pieces: Sequence[str],
                  links: Sequence[int]) -> CharMap:
        """``links`` (output piece -> source piece) as an output-character map onto ``text``."""
        tokenizer = self.tokenizer
        # <unk> stands for characters of the text: it takes the gap it leaves
        specials = frozenset(tokenizer.all_special_tokens) - {tokenizer.unk_token}
        return char_map(text, source_pieces, output, output_pieces, links, specials)
