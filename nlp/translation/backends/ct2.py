"""The CTranslate2 backend: the same contract as the transformers one, faster on CPU.

A Hugging Face Marian folder is converted once (``ctranslate2.converters``, in a
separate process) into the cache, keyed by model, revision and stored weight type;
``int8`` on CPU, ``int8_float16`` on GPU unless ``Config.compute_type`` says otherwise
(both load the same int8 conversion).  Tokenization stays with the model's own
transformers tokenizer, so both backends see the same pieces.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

from ...config import Backend, Config
from ...models.convert import _import, compute_type_for, converted, stored_type
from ...models.registry import LocalModel
from ...models.device import resolve_device
from ..align import CharMap
from .base import GenerationOptions, TokenBudget, default_batch_tokens

log = logging.getLogger(__name__)


def _model_beams(path: Path) -> int:
    """The beam size of the model's own generation config (as transformers would use)."""
    from transformers import GenerationConfig

    try:
        return GenerationConfig.from_pretrained(path).num_beams or 1
    except OSError:
        return 1


class CTranslate2Backend(TokenBudget):
    name = Backend.ctranslate2

    def __init__(self, model: LocalModel, config: Config, options: GenerationOptions = GenerationOptions()) -> None:
        from transformers import AutoTokenizer

        ctranslate2 = _import()
        self.model_ref = model
        self.options = options
        self.device = resolve_device(config.device)
        self.compute_type = compute_type_for(self.device, config.compute_type)
        self.variant = self.compute_type
        self.tokenizer = AutoTokenizer.from_pretrained(model.path)
        # Until 0.3.0 the source pieces of separate-vocabulary models were looked up in the
        # target vocabulary: what the memory holds for them under the old key is wrong.
        self.memory_epoch = "src-pieces" if getattr(self.tokenizer, "separate_vocabs", False) else ""
        self.beams = options.num_beams or _model_beams(model.path)
        path = converted(model, Path(config.cache_dir), stored_type(self.compute_type))
        threads = max(1, os.cpu_count() or 1)
        self.translator = ctranslate2.Translator(
            str(path), device="cuda" if self.device.startswith("cuda") else "cpu",
            compute_type=self.compute_type, intra_threads=threads if self.device == "cpu" else 0,
        )
        self.batch_tokens = config.batch_tokens or default_batch_tokens(self.device)
        limits = [model.spec.max_input_tokens, 512]
        if 0 < getattr(self.tokenizer, "model_max_length", 0) < 100_000:
            limits.append(self.tokenizer.model_max_length)
        self.max_input_tokens = min(limits)

    def generate_aligned(self, texts: Sequence[str], repetition_penalty: float | None = None,
                         align: bool | Sequence[bool] = True) -> list[tuple[str, CharMap | None]]:
        """Translate ``texts``; length-sorted batches within the token budget, each with its
        own length cap; output order = input order.  With ``align``, CTranslate2 returns
        each output token's attention over the source (``return_attention``), in the
        same decode."""
        if not texts:
            return []
        ids = self.tokenizer(list(texts), add_special_tokens=True, truncation=True, max_length=self.max_input_tokens)["input_ids"]
        tokens = [self.source_pieces(row) for row in ids]
        flags = self.align_flags(align, len(texts))
        results: list[tuple[str, CharMap | None]] = [("", None)] * len(tokens)
        for batch in self.batches([len(t) for t in tokens]):
            # the attention costs nothing measurable: a batch returns it when one row needs it
            outputs = self._translate([tokens[i] for i in batch], repetition_penalty, any(flags[i] for i in batch))
            for i, (text, hypothesis, attention) in zip(batch, outputs):
                mapped = None
                if attention is not None and flags[i]:
                    links = [max(range(len(row)), key=row.__getitem__) if row else -1 for row in attention]
                    mapped = self._char_map(texts[i], tokens[i], text, hypothesis, links)
                results[i] = (text, mapped)
        return results

    def _translate(self, tokens: list[list[str]], repetition_penalty: float | None, align: bool = False):
        kwargs = dict(
            beam_size=self.beams,
            max_batch_size=len(tokens),
            max_decoding_length=self.max_new_tokens(max(len(t) for t in tokens)),
            return_attention=align,
        )
        if self.options.forced_length:
            kwargs["min_decoding_length"] = kwargs["max_decoding_length"]
        if repetition_penalty:
            kwargs.update(repetition_penalty=repetition_penalty, no_repeat_ngram_size=3)
        out = []
        for row, result in zip(tokens, self.translator.translate_batch(tokens, **kwargs)):
            hypothesis = result.hypotheses[0][: self.max_new_tokens(len(row))]
            if hypothesis and hypothesis[-1] == self.tokenizer.eos_token:
                hypothesis = hypothesis[:-1]
            attention = result.attention[0][: len(hypothesis)] if align else None
            out.append((self.tokenizer.convert_tokens_to_string(hypothesis).strip(), hypothesis, attention))
        return out
