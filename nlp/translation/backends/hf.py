"""The transformers backend: ``AutoModelForSeq2SeqLM`` and its tokenizer, batched by
token count."""

from __future__ import annotations

from typing import Sequence

from ...config import Backend, Config
from ...errors import ConfigError
from ...models import LocalModel
from ...runtime import resolve_device
from .base import GenerationOptions, TokenBudget, default_batch_tokens


class TransformersBackend(TokenBudget):
    name = Backend.transformers

    def __init__(self, model: LocalModel, config: Config, options: GenerationOptions = GenerationOptions()) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.model_ref = model
        self.device = resolve_device(config.device)
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
        self.batch_tokens = config.batch_tokens or default_batch_tokens(self.device)
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
