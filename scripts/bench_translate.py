"""Translation speed, side by side in one run: naive transformers, batched transformers,
raw CTranslate2, and our engine on each backend.

    python scripts/bench_translate.py [--quick] [--device cpu|cuda] [--sentences N]

Models: random weights with the real architectures (zh-en: Marian base, 65,001-piece
vocabulary; zh-ja: transformer-big, full run only), built by make_tiny_models.py.
Output length is forced equal to input length so every system does the same work.
Sentences come from ../shared/corpus in document order (boilerplate repeats included:
that is what an archive looks like).  The engine runs without its translation memory
and without degenerate-output retries, so it earns its speed with deduplication and
length bucketing alone.  Prints one JSON line per configuration, then a summary line
for greedy zh-en with device, naive_sps, engine_sps, ct2_sps, the speedups and peak RSS.
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
    from nlp.analyze import Toolkit
    from nlp.post import read_post
    from nlp.errors import PostError

    toolkit = Toolkit()
    out: list[str] = []
    for path in sorted((ROOT.parent / "shared" / "corpus").rglob("*.md")):
        try:
            doc = toolkit.from_post(read_post(path))
        except PostError:
            continue
        out += [s.text.strip() for s in doc.analysis.sentences if 8 <= len(s.text.strip()) <= 120]
        if len(out) >= limit:
            break
    return out[:limit]


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


def run(args) -> None:
    import torch

    import make_tiny_models as builder
    from nlp.config import Config
    from nlp.ct2 import CTranslate2Backend
    from nlp.models import locate
    from nlp.translate import Engine, GenerationOptions, TransformersBackend

    torch.set_num_threads(os.cpu_count() or 1)
    sentences = corpus_sentences(args.sentences)
    unique = len(set(sentences))
    cases = [("zh-en", "en", "base", 65001)] + ([] if args.quick else [("zh-ja", "ja", "big", 32001)])
    beams = [1] if args.quick else [1, 4]
    summary: dict = {"device": device_name(args.device), "sentences": len(sentences), "unique": unique}
    with tempfile.TemporaryDirectory() as tmp:
        for name, target, arch, vocab in cases:
            folder = builder.build(Path(tmp), target, target == "ja", arch, 0, vocab)
            model = locate(name, {name: str(folder)})
            for beam in beams:
                options = GenerationOptions(num_beams=beam, forced_length=True)
                naive_n = max(4, len(sentences) // (8 if args.quick else 4))
                hf = TransformersBackend(model, args.device, 0, options)
                hf.batch_tokens = 1  # one sentence per generate call
                warm = sentences[:4]
                naive = naive_n / timed(lambda: [hf.generate([s]) for s in sentences[:naive_n]], lambda: hf.generate(warm))
                hf16 = TransformersBackend(model, args.device, 0, options)
                lengths = hf16.count_tokens(sentences)
                hf16.batch_tokens = (256 if args.device == "cuda" else 16) * max(lengths)  # 16 (GPU: 256) per batch
                batched = len(sentences) / timed(lambda: hf16.generate(sentences), lambda: hf16.generate(warm))
                config = Config(cache_dir=Path(tmp) / "cache", device=args.device, batch_tokens=16 * max(lengths))
                ct2 = CTranslate2Backend(model, config, options)
                raw_ct2 = len(sentences) / timed(lambda: ct2.generate(sentences), lambda: ct2.generate(warm))
                results = {"naive_transformers": naive, "batched_transformers": batched, "ct2_raw": raw_ct2}
                for backend_name, backend in (("transformers", hf16), ("ctranslate2", ct2)):
                    engine = Engine(backend, None, target, options=options, retry=False)
                    results[f"engine_{backend_name}"] = len(sentences) / timed(lambda: engine.translate(sentences))
                record = {"model": name, "arch": arch, "beam": beam, "device": summary["device"],
                          **{k: round(v, 2) for k, v in results.items()}, "unit": "sentences/s"}
                print(json.dumps(record), flush=True)
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
    summary["goals"] = {"speedup_vs_naive": 20, "speedup_vs_ct2": 1.2, "beam4_speedup_vs_naive": 10, "peak_rss_mb": 2048}
    print(json.dumps(summary), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="zh-en greedy only, fewer sentences (under 5 minutes)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--sentences", type=int, default=0)
    args = parser.parse_args()
    if not args.sentences:
        args.sentences = 200 if args.quick else 800
    run(args)


if __name__ == "__main__":
    main()
