"""Decoder-only language models (Qwen3, Qwen2.5, Seed-X...): which kind a model is, the
prompts each family reads, and two runtimes (the hygiene every output goes through is
:mod:`nlp.models.hygiene`).

The kind comes from the model's own ``config.json`` (``is_encoder_decoder``, its
architectures): a folder or hub id is a seq2seq model (Marian, mT5) or a causal LM, with
no flag to say which.  Prompts follow each family's model card: a chat template from
the tokenizer where it has one (Qwen3 with thinking switched off), Seed-X's own
``... <en>`` format otherwise.  Runtimes: transformers (batched, left-padded
``generate`` with its KV cache) and CTranslate2's ``Generator`` (the same tokenizer's
pieces, int8 on CPU).  Greedy decoding everywhere: the output of a prompt does not
depend on its batch.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..config import Backend, Config
from ..errors import ConfigError
from ..languages import name_of
from .convert import _import as _import_ct2
from .convert import compute_type_for, converted, stored_type
from .device import resolve_device
from .registry import LocalModel
from .runtimes import DECODER, SEQ2SEQ, runtime_class

PROMPT_VERSION = "p1"  # part of every LLM signature: a prompt change redoes what it made


def model_kind(path: Path) -> str:
    """``decoder`` for a causal LM, ``seq2seq`` for an encoder-decoder model, from the
    folder's ``config.json``."""
    try:
        config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SEQ2SEQ  # the loader says what is wrong with the folder
    if config.get("is_encoder_decoder"):
        return SEQ2SEQ
    architectures = config.get("architectures") or []
    return DECODER if any(a.endswith("ForCausalLM") for a in architectures) else SEQ2SEQ


# -- prompts


def prompt_family(model: LocalModel, tokenizer) -> str:
    """``seed-x`` (its model card's plain format), ``chat`` (the tokenizer's chat
    template), or ``plain`` (a base model: the same completion format as Seed-X)."""
    if "seed-x" in f"{model.ref} {model.path}".lower():
        return "seed-x"
    return "chat" if getattr(tokenizer, "chat_template", None) else "plain"


MARKUP_NOTE = ("The text marks some words with tags such as <x1>...</x1>. Keep every tag, in the same order, "
               "around the words that translate the words it marks.")


@dataclass
class Prompts:
    family: str
    tokenizer: object

    def _chat(self, message: str) -> str:
        # enable_thinking=False: Qwen3's documented switch (an empty think block opens the
        # answer); templates without it ignore the variable.
        return self.tokenizer.apply_chat_template([{"role": "user", "content": message}], tokenize=False,
                                                  add_generation_prompt=True, enable_thinking=False)

    def translation(self, text: str, target: str, source: str = "zh") -> str:
        src, tgt = name_of(source), name_of(target)
        markup = "<x1>" in text
        if self.family == "chat":
            note = f" {MARKUP_NOTE}" if markup else ""
            return self._chat(f"Translate the following {src} news text into {tgt}.{note} "
                              f"Output only the translation.\n\n{text}")
        # Seed-X's model card: "Translate the following English sentence into Chinese:\n... <zh>"
        return f"Translate the following {src} sentence into {tgt}:\n{text} <{target}>"

    def translation_opening(self, target: str, source: str = "zh") -> list[int]:
        """The tokens every translation prompt into ``target`` starts with (marked up or
        not): the template up to where they differ, less one token (a text's first piece
        could merge with the one before it)."""
        probes = [self.tokenizer(self.translation(t, target, source), add_special_tokens=False)["input_ids"]
                  for t in ("甲", "乙", "<x1>甲</x1>")]
        n = 0
        while n < min(map(len, probes)) and len({p[n] for p in probes}) == 1:
            n += 1
        return probes[0][: max(0, n - 1)]

    def summary(self, text: str, max_chars: int, traditional: bool) -> str:
        if traditional:
            ask = f"請用繁體中文為下面這篇新聞寫一段摘要，不超過{max_chars}個字。只輸出摘要，不要加入原文沒有的資訊。"
        else:
            ask = f"请用简体中文为下面这篇新闻写一段摘要，不超过{max_chars}个字。只输出摘要，不要加入原文没有的信息。"
        if self.family == "chat":
            return self._chat(f"{ask}\n\n{text}")
        return f"{ask}\n\n{text}\n\n摘要："


# -- runtimes


def _stop_ids(tokenizer, generation_config=None) -> list[int]:
    ids = set()
    own = getattr(generation_config, "eos_token_id", None) if generation_config is not None else None
    ids.update(own if isinstance(own, list) else [own] if own is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    vocab = tokenizer.get_vocab()
    ids.update(vocab[t] for t in ("<|im_end|>", "<|endoftext|>", "</s>") if t in vocab)
    return sorted(ids)


class _Runtime:
    """What both runtimes share: the tokenizer, stop tokens and decoding."""

    def _setup_tokenizer(self, model: LocalModel) -> None:
        from transformers import AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model.path)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load model {model.ref} from {model.path}: {str(exc).splitlines()[0]}") from None
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def encode(self, prompts: Sequence[str]) -> list[list[int]]:
        # the prompt already holds the template's special tokens
        return self.tokenizer(list(prompts), add_special_tokens=False)["input_ids"] if prompts else []

    def decode(self, ids: Sequence[int]) -> str:
        ids = list(ids)
        for n, token in enumerate(ids):
            if token in self.stop:
                ids = ids[:n]
                break
        # special tokens stay in the text (a <think> block is removed whole by hygiene)
        text = self.tokenizer.decode(ids, skip_special_tokens=False)
        for token in (self.tokenizer.pad_token, self.tokenizer.eos_token):
            if token:
                text = text.replace(token, "")
        return text


FLOAT_TYPES = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}  # compute type -> variant name


class TransformersLM(_Runtime):
    """``AutoModelForCausalLM``: left-padded batches, greedy ``generate`` with the KV cache."""

    name = Backend.transformers

    def __init__(self, model: LocalModel, config: Config) -> None:
        import torch
        from transformers import AutoModelForCausalLM

        self._torch = torch
        self.device = resolve_device(config.device)
        self._setup_tokenizer(model)
        # float32 on CPU unless asked (bfloat16 runs about twice as fast on CPUs with AMX or
        # AVX-512 BF16, and is the type Qwen3 is published in); CTranslate2's types are not ours
        chosen = config.compute_type if config.compute_type in FLOAT_TYPES else None
        chosen = chosen or ("float16" if self.device.startswith("cuda") else "float32")
        try:
            self.model = AutoModelForCausalLM.from_pretrained(model.path, dtype=getattr(torch, chosen)).to(self.device).eval()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load model {model.ref} from {model.path}: {str(exc).splitlines()[0]}") from None
        self.variant = FLOAT_TYPES[chosen]
        self.stop = _stop_ids(self.tokenizer, self.model.generation_config)
        self.max_positions = getattr(self.model.config, "max_position_embeddings", 4096)

    def generate(self, prompts: Sequence[Sequence[int]], caps: Sequence[int], repetition_penalty: float | None = None,
                 forced: bool = False, opening: Sequence[int] = ()) -> list[str]:
        """Greedy continuations of ``prompts`` (token ids), each cut at its own cap of new
        tokens, so that an output does not depend on its batch.  ``forced``: exactly the
        cap (benchmarks: random weights never stop on their own).  ``opening``: the
        template's first tokens, the same in every prompt of every call that passes it (a
        runtime may compute them once; this one reads them with the rest)."""
        torch = self._torch
        max_new_tokens = max(caps)
        batch = self.tokenizer.pad({"input_ids": [list(p) for p in prompts]}, padding=True, return_tensors="pt")
        batch = {k: v.to(self.device) for k, v in batch.items()}
        kwargs = dict(max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=self.stop,
                      pad_token_id=self.tokenizer.pad_token_id)
        if forced:
            kwargs.update(min_new_tokens=max_new_tokens)
        if repetition_penalty:
            kwargs.update(repetition_penalty=repetition_penalty, no_repeat_ngram_size=4)
        with torch.inference_mode():
            out = self.model.generate(**batch, **kwargs)
        width = batch["input_ids"].shape[1]
        return [self.decode(row[width : width + cap].tolist()) for row, cap in zip(out, caps)]


class CTranslate2LM(_Runtime):
    """CTranslate2's ``Generator`` on a conversion made once into the cache (Qwen2, Qwen3,
    Llama and Mistral architectures); the prompt fills the KV cache at once
    (``include_prompt_in_result=False``)."""

    name = Backend.ctranslate2

    def __init__(self, model: LocalModel, config: Config) -> None:
        ctranslate2 = _import_ct2()
        self.device = resolve_device(config.device)
        self._setup_tokenizer(model)
        self.compute_type = compute_type_for(self.device, config.compute_type)
        self.variant = self.compute_type
        path = converted(model, Path(config.cache_dir), stored_type(self.compute_type))
        self.generator = ctranslate2.Generator(
            str(path), device="cuda" if self.device.startswith("cuda") else "cpu", compute_type=self.compute_type,
            intra_threads=max(1, os.cpu_count() or 1) if self.device == "cpu" else 0)
        from transformers import GenerationConfig

        try:
            generation = GenerationConfig.from_pretrained(model.path)
        except OSError:
            generation = None
        self.stop = _stop_ids(self.tokenizer, generation)
        config_json = json.loads((Path(model.path) / "config.json").read_text(encoding="utf-8"))
        self.max_positions = config_json.get("max_position_embeddings", 4096)

    def generate(self, prompts: Sequence[Sequence[int]], caps: Sequence[int], repetition_penalty: float | None = None,
                 forced: bool = False, opening: Sequence[int] = ()) -> list[str]:
        """As :meth:`TransformersLM.generate`.  The ``opening`` becomes CTranslate2's
        static prompt: its state is computed once and kept for the next calls."""
        opening = list(opening)
        opened = [bool(opening) and len(p) > len(opening) and list(p[: len(opening)]) == opening for p in prompts]
        out = [""] * len(prompts)
        for static in {*opened}:  # a prompt without the opening (it never happens with our templates) goes alone
            rows = [i for i, o in enumerate(opened) if o == static]
            cut = len(opening) if static else 0
            tokens = [self.tokenizer.convert_ids_to_tokens(list(prompts[i][cut:])) for i in rows]
            max_new_tokens = max(caps[i] for i in rows)
            kwargs = dict(max_length=max_new_tokens, include_prompt_in_result=False, beam_size=1, sampling_topk=1,
                          max_batch_size=len(tokens), end_token=self.stop)
            if static:
                kwargs["static_prompt"] = self.tokenizer.convert_ids_to_tokens(opening)
            if forced:
                kwargs["min_length"] = max_new_tokens
            if repetition_penalty:
                kwargs.update(repetition_penalty=repetition_penalty, no_repeat_ngram_size=4)
            for i, result in zip(rows, self.generator.generate_batch(tokens, **kwargs)):
                out[i] = self.decode(result.sequences_ids[0][: caps[i]])
        return out


def make_runtime(model: LocalModel, config: Config):
    """The decoder-only runtime ``config.backend`` names (:mod:`nlp.models.runtimes`)."""
    return runtime_class(config.backend, DECODER)(model, config)
