"""Decoder-only (LLM) translation speed, side by side in one run: transformers'
batched ``generate`` at several batch sizes against CTranslate2's ``Generator``, on the
same model and the same prompts.

    python scripts/bench_llm.py [--device cpu|cuda] [--sentences N] [--new-tokens N] [--model DIR]

Model: random weights with Qwen3-0.6B's width (1024 hidden, 16 heads, 8 KV heads, 3072
FFN), 4 of its 28 layers (``--arch qwen3-0.6b``: all 28) and its vocabulary size (151,669: the output layer costs what the
real one costs; ``--vocab-size 0`` keeps the tokenizer's 1,500 pieces), built by
``make_tiny_models.build_llm``, or ``--model DIR`` for a real one.  Prompts: the translation prompt of :mod:`nlp.llm` (the chat template,
thinking off) around sentences of ../shared/corpus.  Every system generates exactly
``--new-tokens`` tokens per prompt (random weights never stop on their own), greedily.
Both runtimes get the same batches (prompts sorted by length, as the engine batches them)
at each of ``--batch-sizes``, and the template's opening as ``LLMBackend`` passes it
(CTranslate2 keeps its state as a static prompt; transformers reads it with the rest).
transformers runs in each of ``--transformers-types`` (on CPU float32, and bfloat16 where
the CPU has AMX or AVX-512 BF16: there it is about twice as fast; elsewhere it is emulated
and slow, so it is left out), CTranslate2 in int8 on CPU, int8_float16 on GPU.
Prints one JSON line: sentences per second for each batch size, type and runtime, each
runtime's best, and
``ct2_vs_best_transformers``, best against best (goal >= 2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AMX or AVX-512 BF16; Linux flags)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--sentences", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=48)
    parser.add_argument("--batch-sizes", default="8,16,32")
    parser.add_argument("--model", type=Path, help="a causal LM folder (default: the wide random Qwen3)")
    parser.add_argument("--vocab-size", type=int, default=151669, help="of the random model (0: the tokenizer's own)")
    parser.add_argument("--transformers-types", default=None,
                        help="float types transformers runs in, each measured (default: float32, and bfloat16 on a "
                             "CPU that has it in hardware; float16 on GPU)")
    parser.add_argument("--arch", default="wide", choices=["wide", "qwen3-0.6b"],
                        help="of the random model: 4 layers of Qwen3-0.6B's width, or all 28 of its layers")
    args = parser.parse_args()

    from bench_translate import corpus_sentences

    from nlp.config import Config
    from nlp.models.llm import CTranslate2LM, Prompts, TransformersLM, prompt_family
    from nlp.models.registry import LocalModel, ModelSpec

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model
        if folder is None:
            from make_tiny_models import build_llm

            folder = build_llm(Path(tmp), 0, args.arch, vocab_size=args.vocab_size)
        layers = json.loads((folder / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
        model = LocalModel("zh-en", str(folder), folder, "bench", ModelSpec("zh-en", "translation", target="en"))
        config = Config(device=args.device, cache_dir=Path(tmp) / "cache", compute_type=None)
        default_types = "float16" if args.device == "cuda" else "float32,bfloat16" if native_bfloat16() else "float32"
        types = (args.transformers_types or default_types).split(",")
        sentences = corpus_sentences(args.sentences)
        results: dict = {}
        caps = [args.new_tokens] * len(sentences)

        hf = TransformersLM(model, replace(config, compute_type=types[0]))
        # one set of prompts for both runtimes (they load the same tokenizer from the same folder)
        prompter = Prompts(prompt_family(model, hf.tokenizer), hf.tokenizer)
        prompts = hf.encode([prompter.translation(s, "en") for s in sentences])
        opening = prompter.translation_opening("en")  # as LLMBackend passes it
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))  # length-bucketed, as the engine does
        prompt_tokens = sum(len(p) for p in prompts)

        def timed(runtime, batch: int) -> float:
            runtime.generate([prompts[order[0]]], [4], forced=True, opening=opening)  # warm-up
            started = time.perf_counter()
            for k in range(0, len(order), batch):
                rows = order[k : k + batch]
                runtime.generate([prompts[i] for i in rows], [caps[i] for i in rows], forced=True, opening=opening)
            return len(prompts) / (time.perf_counter() - started)

        batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
        results["transformers_sps"] = {}
        for kind in types:
            if hf is None:
                hf = TransformersLM(model, replace(config, compute_type=kind))
            results["transformers_sps"][kind] = {str(b): round(timed(hf, b), 2) for b in batch_sizes}
            hf = None
        ct2 = CTranslate2LM(model, config)
        results["ctranslate2_sps_by_batch"] = {str(b): round(timed(ct2, b), 2) for b in batch_sizes}
        results["ctranslate2_sps"] = max(results["ctranslate2_sps_by_batch"].values())
        best = max(v for by_batch in results["transformers_sps"].values() for v in by_batch.values())
        print(json.dumps({
            "bench": "llm", "device": args.device, "machine": f"{platform.processor() or platform.machine()}, "
                                                            f"{os.cpu_count()} cores",
            "model": f"random Qwen3, 0.6B width, {layers} layers, vocabulary {len(ct2.tokenizer)}" if args.model is None else str(args.model),
            "sentences": len(sentences), "prompt_tokens_mean": round(prompt_tokens / len(sentences), 1),
            "new_tokens": args.new_tokens, **results, "transformers_best_sps": best,
            "ctranslate2_compute_type": ct2.compute_type, "ct2_vs_best_transformers": round(results["ctranslate2_sps"] / best, 2),
        }))


if __name__ == "__main__":
    main()
