"""Translation speed, side by side in one run: naive transformers, batched transformers,
raw CTranslate2, and our engine on each backend.

    python scripts/bench_translate.py [--quick] [--device cpu|cuda] [--sentences N] [--no-tags | --tags-only]

Models: random weights with the real architectures (zh-en: Marian base, 65,001-piece
vocabulary; zh-ja: transformer-big, full run only), built by make_tiny_models.py.
Output length is forced equal to input length so every system does the same work.
Sentences come from ../shared/corpus in document order (boilerplate repeats included:
that is what an archive looks like).  The engine runs without its translation memory
and without degenerate-output retries, so it earns its speed with deduplication and
length bucketing alone.  Prints one JSON line per configuration, then a summary line
for greedy zh-en with device, naive_sps, engine_sps, ct2_sps, the speedups and peak RSS.
A tag-transfer line times the engine on the same posts' body segments with the
inline-element alignment off and on (``tags_on_vs_off``: speed ratio, goal >= 0.95).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def corpus_sentences(limit: int) -> list[str]:
    """What `nlp translate` sends for the posts of ../shared/corpus: every sentence of
    every text run of the bodies (footers and bylines included), in order."""
    from nlp.errors import PostError
    from nlp.posts.files import iter_sources
    from nlp.text import split_sentences
    from nlp.pipeline.translate import plan_post

    out: list[str] = []
    for source in iter_sources([ROOT.parent / "shared" / "corpus"]):
        try:
            plan = plan_post(source)
        except PostError:
            continue
        for segment in plan.segments():
            out += [s.strip() for s in split_sentences(segment) if 4 <= len(s.strip()) <= 120]
        if len(out) >= limit:
            break
    return out[:limit]


def corpus_segments(limit: int) -> tuple[list[str], list]:
    """The body segments ``nlp translate`` sends for the first posts of ../shared/corpus,
    with where their inline elements begin and end (their "cuts"), up to ``limit``
    sentences."""
    from nlp.errors import PostError
    from nlp.posts.files import iter_sources
    from nlp.text import split_sentences
    from nlp.pipeline.translate import plan_post

    segments, cuts, count = [], [], 0
    for source in iter_sources([ROOT.parent / "shared" / "corpus"]):
        try:
            plan = plan_post(source)
        except PostError:
            continue
        segments += plan.segments()[1:]
        cuts += plan.cuts()[1:]
        count += sum(1 for segment in plan.segments()[1:] for s in split_sentences(segment) if s.strip())
        if count >= limit:
            break
    return segments, cuts


def tag_transfer(backends: dict, target: str, options, limit: int, repeats: int = 3) -> dict:
    """The engine over the same body segments with tag transfer off (``translate``) and
    on (``translate_aligned`` with the segments' inline cuts), fresh engines each time,
    alternating, best of ``repeats``."""
    from nlp.translation.engine import Engine

    segments, cuts = corpus_segments(limit)
    record: dict = {"tag_transfer": True, "segments": len(segments),
                    "segments_with_elements": sum(1 for c in cuts if c)}
    for name, backend in backends.items():
        off, on = [], []
        for _ in range(repeats):
            off.append(timed(lambda: Engine(backend, None, target, options=options, retry=False).translate(segments)))
            engine = Engine(backend, None, target, options=options, retry=False)
            on.append(timed(lambda: engine.translate_aligned(segments, cuts)))
        record[f"{name}_off_s"], record[f"{name}_on_s"] = round(min(off), 3), round(min(on), 3)
        record[f"{name}_on_vs_off"] = round(min(off) / min(on), 3)  # speed ratio: 1.0 = no cost
        record["aligned_sentences"] = engine.stats.aligned
    return record


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def device_name(device: str) -> str:
    import torch

    if device == "cuda":
        return torch.cuda.get_device_name(0)
    return f"{platform.processor() or platform.machine()} x{os.cpu_count()} (CPU)"


def timed(function, warmup=None) -> float:
    if warmup is not None:
        warmup()  # first calls allocate buffers and thread pools: not what we measure
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def batched_transformers(backend, sentences: list[str], per_batch: int) -> None:
    """Plain transformers: length-sorted batches of a fixed number of sentences."""
    order = sorted(sentences, key=len)
    for start in range(0, len(order), per_batch):
        chunk = order[start : start + per_batch]
        backend._generate(chunk, backend.count_tokens(chunk), None)


def raw_ctranslate2(backend, sentences: list[str], per_batch: int) -> None:
    """CTranslate2 as its docs show it: tokens in, translate_batch with a fixed batch size."""
    tokenizer = backend.tokenizer
    tokens = sorted((backend.source_pieces(ids) for ids in tokenizer(sentences)["input_ids"]), key=len)
    for start in range(0, len(tokens), per_batch):
        chunk = tokens[start : start + per_batch]
        longest = max(len(t) for t in chunk)  # forced output length, as for every system
        backend.translator.translate_batch(chunk, beam_size=backend.beams,
                                           min_decoding_length=longest, max_decoding_length=longest)


def run(args) -> None:
    import torch

    import make_tiny_models as builder
    from nlp.config import Config
    from nlp.translation.backends.ct2 import CTranslate2Backend
    from nlp.models.registry import locate
    from nlp.translation.backends.base import GenerationOptions
    from nlp.translation.backends.hf import TransformersBackend
    from nlp.translation.engine import Engine

    torch.set_num_threads(os.cpu_count() or 1)
    sentences = corpus_sentences(args.sentences)
    unique = len(set(sentences))
    cases = [("zh-en", "en", "base", 65001)] + ([] if args.quick else [("zh-ja", "ja", "big", 32001)])
    beams = args.beams or ([1] if args.quick else [1, 4])
    summary: dict = {"device": device_name(args.device), "sentences": len(sentences), "unique": unique}
    with tempfile.TemporaryDirectory() as tmp:
        for name, target, arch, vocab in cases:
            folder = builder.build(Path(tmp), target, target == "ja", arch, 0, vocab)
            model = locate(name, {name: str(folder)})
            for beam in beams:
                options = GenerationOptions(num_beams=beam, forced_length=True)
                if args.tags_only:
                    config = Config(cache_dir=Path(tmp) / "cache", device=args.device)
                    backends = {"transformers": TransformersBackend(model, config, options),
                                "ctranslate2": CTranslate2Backend(model, config, options)}
                    print(json.dumps({**tag_transfer(backends, target, options, len(sentences)),
                                      "device": summary["device"]}), flush=True)
                    return
                naive_n = max(4, len(sentences) // (8 if args.quick else 4))
                hf = TransformersBackend(model, Config(cache_dir=Path(tmp) / "cache", device=args.device), options)
                own_batch_tokens = hf.batch_tokens  # what the engine picks for this device
                hf.batch_tokens = 1  # one sentence per generate call (the naive way)
                warm = sentences[:4]
                naive = naive_n / timed(lambda: [hf.generate([s]) for s in sentences[:naive_n]], lambda: hf.generate(warm))
                per_batch = 256 if args.device == "cuda" else 16
                results = {"naive_transformers": naive}
                results["batched_transformers"] = len(sentences) / timed(
                    lambda: batched_transformers(hf, sentences, per_batch), lambda: hf.generate(warm))
                hf.batch_tokens = own_batch_tokens
                engine_hf = Engine(hf, None, target, options=options, retry=False)
                results["engine_transformers"] = len(sentences) / timed(lambda: engine_hf.translate(sentences))
                config = Config(cache_dir=Path(tmp) / "cache", device=args.device)
                ct2 = CTranslate2Backend(model, config, options)
                results["ct2_raw"] = len(sentences) / timed(
                    lambda: raw_ctranslate2(ct2, sentences, per_batch), lambda: ct2.generate(warm))
                engine_ct2 = Engine(ct2, None, target, options=options, retry=False)
                results["engine_ctranslate2"] = len(sentences) / timed(lambda: engine_ct2.translate(sentences))
                naive, batched, raw_ct2 = results["naive_transformers"], results["batched_transformers"], results["ct2_raw"]
                record = {"model": name, "arch": arch, "beam": beam, "device": summary["device"],
                          **{k: round(v, 2) for k, v in results.items()}, "unit": "sentences/s"}
                print(json.dumps(record), flush=True)
                if name == "zh-en" and beam == 1 and not args.no_tags:
                    tags = tag_transfer({"transformers": hf, "ctranslate2": ct2}, target, options, len(sentences))
                    print(json.dumps(tags), flush=True)
                    summary["tags_on_vs_off"] = min(tags["transformers_on_vs_off"], tags["ctranslate2_on_vs_off"])
                if name == "zh-en" and beam == 1:
                    engine_best = max(results["engine_transformers"], results["engine_ctranslate2"])
                    summary.update(
                        naive_sps=round(naive, 2), batched_sps=round(batched, 2), ct2_sps=round(raw_ct2, 2),
                        engine_sps=round(engine_best, 2),
                        speedup_vs_naive=round(engine_best / naive, 2),
                        speedup_vs_ct2=round(engine_best / raw_ct2, 2),
                        speedup_vs_batched=round(engine_best / batched, 2),
                    )
                if name == "zh-en" and beam == 4:
                    summary["beam4_speedup_vs_naive"] = round(
                        max(results["engine_transformers"], results["engine_ctranslate2"]) / naive, 2)
    summary["peak_rss_mb"] = round(peak_rss_mb(), 1)
    summary["goals"] = {"speedup_vs_naive": 20, "speedup_vs_ct2": 1.2, "beam4_speedup_vs_naive": 10, "peak_rss_mb": 2048,
                        "tags_on_vs_off": 0.95}
    print(json.dumps(summary), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="zh-en greedy only, fewer sentences (under 5 minutes)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--sentences", type=int, default=0)
    parser.add_argument("--no-tags", action="store_true", help="skip the tag-transfer on/off comparison")
    parser.add_argument("--tags-only", action="store_true", help="only the tag-transfer on/off comparison (zh-en)")
    parser.add_argument("--beams", type=int, nargs="*", default=None, help="beam sizes to run (default: 1, and 4 unless --quick)")
    args = parser.parse_args()
    if not args.sentences:
        args.sentences = 200 if args.quick else 800
    run(args)


if __name__ == "__main__":
    main()
