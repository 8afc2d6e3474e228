"""The transformers backend: ``AutoModelForSeq2SeqLM`` and its tokenizer, batched by
token count."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Sequence

from ...config import Backend, Config
from ...errors import ConfigError
from ...models.registry import LocalModel
from ...models.device import resolve_device
from ..align import CharMap
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

    def generate_aligned(self, texts: Sequence[str], repetition_penalty: float | None = None,
                         align: bool | Sequence[bool] = True) -> list[tuple[str, CharMap | None]]:
        """Translate ``texts`` (each within the token limit); output order = input order."""
        lengths = self.count_tokens(texts)
        flags = self.align_flags(align, len(texts))
        results: list[tuple[str, CharMap | None]] = [("", None)] * len(texts)
        for batch in self.batches(lengths):
            outputs = self._generate([texts[i] for i in batch], [lengths[i] for i in batch], repetition_penalty,
                                     [flags[i] for i in batch])
            for i, output in zip(batch, outputs):
                results[i] = output
        return results

    def _generate(self, texts: list[str], lengths: list[int], repetition_penalty: float | None,
                  align: Sequence[bool] = ()) -> list[tuple[str, CharMap | None]]:
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
        wanted = [i for i, flag in enumerate(align) if flag]
        if wanted:
            # (beam search returns ``beam_indices`` with the dict; no scores are kept)
            kwargs.update(return_dict_in_generate=True, output_attentions=True)
        with torch.inference_mode(), self._eager(bool(wanted)):
            generated = self.model.generate(**encoded, **kwargs)
        result = generated
        if wanted:
            generated = result.sequences
        # Each row keeps its own length cap, so a sentence's output does not depend on
        # the batch it was in (exactly so for greedy search).
        rows = [row[: 1 + self.max_new_tokens(n)] for row, n in zip(generated, lengths)]
        outputs = [t.strip() for t in self.tokenizer.batch_decode(rows, skip_special_tokens=True)]
        results: list[tuple[str, CharMap | None]] = [(text, None) for text in outputs]
        for i in wanted:
            results[i] = (outputs[i], self._align(texts[i], encoded, result, rows[i], outputs[i], i))
        return results

    @contextmanager
    def _eager(self, on: bool):
        """Eager attention while a batch's cross-attention is recorded (the fused kernels
        do not return weights); the model's own implementation otherwise."""
        implementation = self.model.config._attn_implementation
        if not on or implementation == "eager":
            yield
            return
        self.model.set_attn_implementation("eager")
        try:
            yield
        finally:
            self.model.set_attn_implementation(implementation)

    def _align(self, text: str, encoded, result, row, output: str, i: int) -> CharMap:
        """Row ``i``'s character map from the cross-attention recorded while it was
        decoded (no second pass): the last decoder layer's, averaged over heads, links
        each output token to the source token it read most.  With beam search the
        finished hypothesis's beam at each step (``beam_indices``) says which row to read."""
        beams = getattr(result, "beam_indices", None)
        mask = encoded["attention_mask"][i]
        links = []
        for step, layers in enumerate(result.cross_attentions[: len(row) - 1]):
            source_row = i if beams is None else int(beams[i, step])
            if source_row < 0:
                break
            weights = layers[-1][source_row].mean(dim=0)[-1]  # over heads, the step's query
            links.append(int(weights.masked_fill(mask == 0, -1.0).argmax()))
        ids = row.tolist()[1:]  # the decoder start token predicts nothing
        positions = {p: n for n, p in enumerate(p for p, m in enumerate(mask.tolist()) if m)}  # padding on either side
        source_ids = [t for t, m in zip(encoded["input_ids"][i].tolist(), mask.tolist()) if m]
        special = set(self.tokenizer.all_special_ids)
        kept = [(token, positions.get(link, -1)) for token, link in zip(ids, links) if token not in special]
        return self._char_map(text, self.source_pieces(source_ids), output,
                              self.tokenizer.convert_ids_to_tokens([t for t, _ in kept]), [link for _, link in kept])
