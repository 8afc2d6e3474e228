"""The quality tier over a copy of ../shared/corpus, as a user runs it:

    python scripts/check_llm_corpus.py [--backend ctranslate2|transformers] [--model DIR] [--limit N]

(The whole corpus took 57 minutes on a 2-core machine with the tiny random model: it never
stops on its own, so every block and every fallback sentence runs to its length cap;
--limit 30, every seventh post, takes about 12. docs/BENCHMARKS.md reports both.)

1. ``nlp enrich COPY --to en,ja --summarizer LLM --model zh-en=LLM --model zh-ja=LLM``;
2. ``nlp translate COPY --to en,ja`` with the same models (the siblings);
3. both again, which must skip everything.

LLM is the tiny random Qwen3 of make_tiny_models.py unless --model names a causal LM.
Prints one JSON line: posts done / skipped / failed per step; originals whose text
(everything but nlp's own keys) changed (goal 0); siblings whose tag sequence differs
from their original's (goal 0); the blocks sent whole, redone by sentence and too long;
model summaries replaced by the extractive one, by reason; what the reruns did.
With random weights every output is garbage, so nearly everything falls back: this
checks that the paths hold, not quality.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def originals(folder: Path) -> dict[Path, str]:
    """Each post's text without nlp's own keys (what enrich may never change)."""
    from nlp.errors import NlpError
    from nlp.posts.post import content_hash, original_text, read_post

    out = {}
    for path in sorted(folder.rglob("*.md")):
        if path.name == "README.md" or len(path.suffixes) > 1 and path.suffixes[-2] in (".en", ".ja"):
            continue
        try:
            out[path] = content_hash(original_text(read_post(path)))
        except NlpError:
            out[path] = path.read_bytes().hex()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="ctranslate2", choices=["transformers", "ctranslate2"])
    parser.add_argument("--model", type=Path, help="a causal LM folder (default: the tiny random Qwen3)")
    parser.add_argument("--limit", type=int, default=0, help="N posts spread over the corpus (0: all)")
    args = parser.parse_args()
    from check_inline import check, copy_corpus, tiny_models

    from nlp.config import Backend, Config
    from nlp.pipeline.enrich import enrich
    from nlp.pipeline.translate import translate

    with tempfile.TemporaryDirectory() as tmp:
        llm = args.model or tiny_models(Path(tmp) / "models") / "llm"
        copy = copy_corpus(Path(tmp) / "corpus", args.limit, spread=True)
        before = originals(copy)
        config = Config(to=("en", "ja"), backend=Backend(args.backend), device="cpu", cache_dir=Path(tmp) / "cache",
                        models={"zh-en": str(llm), "zh-ja": str(llm)}, summarizer=str(llm))
        steps = {}
        for name, job in (("enrich", enrich), ("translate", translate)):
            report = job([copy], config)
            steps[name] = {"done": report.count("done"), "skipped": report.count("skipped"), "failed": report.count("failed"),
                           "failures": [f"{r.path}: {r.reason}" for r in report.failures][:5],
                           "summary_fallbacks": report.summary_fallbacks(),
                           "blocks": {lang: {k: s.get(k, 0) for k in ("blocks", "block_fallback", "long_blocks", "degenerate")}
                                      for lang, s in report.translation.items()},
                           "seconds": round(report.seconds, 1)}
        changed = [str(p) for p, h in originals(copy).items() if before.get(p) != h]
        siblings = check(copy)
        reruns = {name: {"done": r.count("done"), "failed": r.count("failed")}
                  for name, r in (("enrich", enrich([copy], config)), ("translate", translate([copy], config)))}
    print(json.dumps({"backend": args.backend, "posts": len(before), **steps, "originals_changed": len(changed),
                      "siblings": siblings["siblings"], "tag_sequence_changed": siblings["tag_sequence_changed"],
                      "inline_elements_empty": siblings["empty"], "rerun": reruns}, ensure_ascii=False))


if __name__ == "__main__":
    main()
