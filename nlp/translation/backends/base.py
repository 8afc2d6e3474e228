"""What every backend shares: generation options, token counts, length caps and
token-budget batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence


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
        raise NotImplementedError
