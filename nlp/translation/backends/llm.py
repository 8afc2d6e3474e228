"""Decoder-only (LLM) translators: a prompt per input, on the transformers or the
CTranslate2 runtime (:mod:`nlp.llm`), within token budgets like the seq2seq backends.

The inputs are whole blocks (see :class:`nlp.translation.engine.BlockEngine`), marked up
where inline elements cut them; outputs come back cleaned of think blocks, preambles
and wrapping quotes.  Whether an output is acceptable is the engine's call.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from ...config import Config
from ...models.llm import DECODER, PROMPT_VERSION, Prompts, make_runtime, prompt_family
from ...models.hygiene import clean
from ...models.registry import LocalModel
from ..align import CharMap
from .base import GenerationOptions, TokenBudget, default_batch_tokens

BLOCK_TOKENS = 1024  # the longest block one prompt holds; longer blocks go by sentence groups


class LLMBackend(TokenBudget):
    kind = DECODER

    def __init__(self, model: LocalModel, config: Config, options: GenerationOptions = GenerationOptions(),
                 target: str = "en") -> None:
        self.runtime = make_runtime(model, config)
        self.name = self.runtime.name
        self.model_ref = model
        self.options = options
        self.target = target
        self.tokenizer = self.runtime.tokenizer
        self.prompts = Prompts(prompt_family(model, self.tokenizer), self.tokenizer)
        self.variant = f"{self.runtime.variant}+{self.prompts.family}-{PROMPT_VERSION}"
        self.beams = 1  # greedy: an output does not depend on its batch
        self.batch_tokens = config.batch_tokens or default_batch_tokens(self.runtime.device)
        self.max_input_tokens = min(BLOCK_TOKENS, max(64, self.runtime.max_positions // 4))
        self.opening = self.prompts.translation_opening(target)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]] if texts else []

    def max_new_tokens(self, input_tokens: int) -> int:
        if self.options.forced_length:
            return input_tokens
        return int(input_tokens * self.options.max_length_ratio) + 16

    def _batches(self, spans: Sequence[int]) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in sorted(range(len(spans)), key=lambda i: spans[i]):
            if batch and spans[index] * (len(batch) + 1) > self.batch_tokens:
                yield batch
                batch = []
            batch.append(index)
        if batch:
            yield batch

    def prompt_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return self.runtime.encode([self.prompts.translation(t, self.target) for t in texts])

    def generate(self, texts: Sequence[str], repetition_penalty: float | None = None) -> list[str]:
        """Translations of ``texts`` (cleaned), in order."""
        if not texts:
            return []
        prompts = self.prompt_ids(texts)
        caps = [self.max_new_tokens(n) for n in self.count_tokens(texts)]
        out = [""] * len(texts)
        for batch in self._batches([len(p) + c for p, c in zip(prompts, caps)]):
            raw = self.runtime.generate([prompts[i] for i in batch], [caps[i] for i in batch], repetition_penalty,
                                        forced=self.options.forced_length, opening=self.opening)
            for i, text in zip(batch, raw):
                out[i] = clean(text, texts[i])
        return out

    def generate_aligned(self, texts: Sequence[str], repetition_penalty: float | None = None,
                         align: bool | Sequence[bool] = True) -> list[tuple[str, CharMap | None]]:
        """No cross-attention to align with: inline elements travel as markup instead."""
        return [(text, None) for text in self.generate(texts, repetition_penalty)]
