"""Abstractive summaries with a model (``--summarizer MODEL``): a seq2seq model
(mT5, BART...) or a decoder-only LLM (Qwen3...), whichever the model's config says.

A post longer than the model's input limit is cut at block boundaries into pieces
that fit (a block that is itself too long is cut at sentences, then clauses); each
piece is summarized, and the partial summaries are summarized again until one
remains.  Only article text goes in: the same boilerplate filtering as the extractive
path.  Generation is bounded in length and may not repeat 3-grams.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from typing import Sequence

from ..config import Config
from ..errors import ConfigError
from ..models.llm import DECODER, PROMPT_VERSION, Prompts, make_runtime, model_kind, prompt_family
from ..models.hygiene import clean, in_language, looping
from ..models.registry import LocalModel, locate
from ..models.device import resolve_device
from ..text import fit_counted, split_to_fit, to_simplified, to_traditional
from .segment import Analysis

log = logging.getLogger(__name__)

_END = re.compile(r"[。！？!?.](?=[^。！？!?.]*$)")


def fit_budget(text: str, budget: int) -> str:
    """Cut ``text`` to ``budget`` characters, at the last sentence end if there is one."""
    text = text.strip()
    if len(text) <= budget:
        return text
    head = text[:budget]
    match = _END.search(head)
    return head[: match.end()] if match and match.end() > budget // 3 else head


class Seq2SeqSummarizer:
    """Any ``AutoModelForSeq2SeqLM`` (mT5, BART, Pegasus...) from a folder or the hub."""

    def __init__(self, model: LocalModel, config: Config) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.model_ref = model
        self.device = resolve_device(config.device)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model.path)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model.path).to(self.device).eval()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load summarizer {model.ref} from {model.path}: {str(exc).splitlines()[0]}") from None
        limits = [model.spec.max_input_tokens or 512]
        if 0 < getattr(self.tokenizer, "model_max_length", 0) < 100_000:
            limits.append(self.tokenizer.model_max_length)
        self.max_input_tokens = min(limits)
        self.prefix = model.spec.prefix
        self.name = model.signature
        self.inputs: list[str] = []  # every text given to the model (for tests and reports)
        self._torch = torch

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer([self.prefix + t for t in texts])["input_ids"]] if texts else []

    def _fit(self, text: str) -> list[str]:
        return split_to_fit(text, self.count_tokens, self.max_input_tokens)

    def chunks(self, blocks: Sequence[str]) -> list[str]:
        """Consecutive blocks packed into pieces within the token limit."""
        units = [piece for block in blocks for piece in self._fit(block)]
        counts = self.count_tokens(units)
        out: list[str] = []
        current, used = "", 0
        for unit, count in zip(units, counts):
            if current and used + count > self.max_input_tokens:
                out.append(current)
                current, used = "", 0
            current, used = current + unit, used + count
        if current:
            out.append(current)
        # packing can add a token or two at the seams; re-check and split if needed
        return [p for chunk in out for p in self._fit(chunk)]

    def generate(self, texts: list[str], max_new_tokens: int) -> list[str]:
        torch = self._torch
        self.inputs.extend(texts)
        encoded = self.tokenizer([self.prefix + t for t in texts], return_tensors="pt", padding=True,
                                 truncation=True, max_length=self.max_input_tokens).to(self.device)
        with torch.inference_mode():
            out = self.model.generate(**encoded, max_new_tokens=max_new_tokens, min_new_tokens=min(8, max_new_tokens),
                                      no_repeat_ngram_size=3, repetition_penalty=1.2)
        return [t.strip() for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]

    def summarize(self, analysis: Analysis, candidates: Sequence[int], options) -> str:
        by_block: dict[int, str] = {}
        for index in candidates:
            sentence = analysis.sentences[index]
            by_block[sentence.block] = by_block.get(sentence.block, "") + sentence.text
        blocks = [by_block[b] for b in sorted(by_block)]
        if not blocks:
            return ""
        max_new = max(16, min(256, int(options.max_chars / 1.5)))
        pieces = self.chunks(blocks)
        for _ in range(6):  # each round shrinks the text; six rounds cover any post
            partial = self.generate(pieces, max_new)
            if len(partial) == 1:
                return fit_budget(partial[0], options.max_chars)
            pieces = self.chunks(partial)
        return fit_budget(" ".join(pieces), options.max_chars)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> set[str]:
    """The numbers written in digits in ``text`` (full-width digits read as ASCII,
    thousands separators dropped)."""
    return {n.replace(",", "") for n in _NUMBER.findall(unicodedata.normalize("NFKC", text))}


def summary_problem(summary: str, post_text: str) -> str:
    """Why ``summary`` may not stand for the post ("" when it may): empty, a loop, not
    Chinese, or a number the post does not have (an invented figure)."""
    if not summary.strip():
        return "empty"
    if looping(summary, repeats=4, unit=6):  # Chinese says more in fewer characters
        return "loop"
    if not in_language(summary, "zh", post_text):
        return "language"
    if numbers(summary) - numbers(post_text):
        return "number"
    return ""


class LLMSummarizer:
    """A decoder-only model asked for a Chinese summary in the post's own script, within
    ``max_chars``.  An output that is empty, loops, is not Chinese or holds a number the
    post does not have is asked for once more (with a repetition penalty); then the post
    gets the extractive summary, and :attr:`fallbacks` counts why."""

    MAX_INPUT_TOKENS = 3072

    def __init__(self, model: LocalModel, config: Config, fallback=None, runtime=None) -> None:
        self.model_ref = model
        self.runtime = runtime or make_runtime(model, config)
        self.tokenizer = self.runtime.tokenizer
        self.prompts = Prompts(prompt_family(model, self.tokenizer), self.tokenizer)
        self.name = f"{model.signature}:{self.runtime.name}-{self.runtime.variant}+{self.prompts.family}-{PROMPT_VERSION}"
        self.max_input_tokens = min(self.MAX_INPUT_TOKENS, max(256, self.runtime.max_positions // 2))
        self.fallback = fallback
        self.fallbacks: Counter[str] = Counter()

    def _text(self, analysis: Analysis, candidates: Sequence[int]) -> str:
        """The candidate sentences, a block a line, cut at a block (else sentence) end to
        the prompt's token limit."""
        lines: dict[int, str] = {}
        for index in candidates:
            sentence = analysis.sentences[index]
            lines[sentence.block] = lines.get(sentence.block, "") + sentence.text
        text, used = "", 0
        for line in (lines[b].strip() for b in sorted(lines)):
            pieces = fit_counted(line, lambda ps: [len(ids) for ids in self.tokenizer(ps, add_special_tokens=False)["input_ids"]],
                                 self.max_input_tokens)
            for n, (piece, count) in enumerate(pieces):
                if used + count > self.max_input_tokens:
                    return text
                text, used = text + ("\n" if text and n == 0 else "") + piece, used + count
        return text

    def summarize(self, analysis: Analysis, candidates: Sequence[int], options) -> str:
        return self.summarize_noted(analysis, candidates, options)[0]

    def summarize_noted(self, analysis: Analysis, candidates: Sequence[int], options) -> tuple[str, str]:
        """The summary, and "" or why the extractive one stands in for it."""
        text = self._text(analysis, candidates)
        if not text:
            return "", ""
        prompt = self.runtime.encode([self.prompts.summary(text, options.max_chars, analysis.traditional)])
        cap = [int(options.max_chars * 1.5) + 32]
        problem = ""
        for penalty in (None, 1.2):
            output = clean(self.runtime.generate(prompt, cap, penalty)[0], text)
            # in the post's own script (OpenCC, phrase level), within the budget
            output = fit_budget(to_traditional(output) if analysis.traditional else to_simplified(output), options.max_chars)
            problem = summary_problem(output, analysis.text)
            if not problem:
                return output, ""
        self.fallbacks[problem] += 1
        log.info("summary fell back to extractive (%s)", problem)
        summary = self.fallback.summarize(analysis, candidates, options) if self.fallback is not None else ""
        return summary, f"extractive:{problem}"


def load_summarizer(name_or_path: str, config: Config, fallback=None) -> Seq2SeqSummarizer | LLMSummarizer:
    """``summarizer`` (the registry's default) or any hub id / local folder; a
    decoder-only model gets ``fallback`` (the extractive summarizer) for outputs it may
    not keep."""
    overrides = {} if name_or_path == "summarizer" else {"summarizer": name_or_path}
    model = locate("summarizer", {**config.models, **overrides})
    if model_kind(model.path) == DECODER:
        return LLMSummarizer(model, config, fallback)
    return Seq2SeqSummarizer(model, config)
