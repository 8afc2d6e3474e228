"""Inline elements after translation, over a copy of ../shared/corpus.

    python scripts/check_inline.py [--backend transformers|ctranslate2] [--models DIR] [--limit N]

Translates a copy of the corpus into en and ja (the tiny models of
make_tiny_models.py unless --models names a folder holding zh-en and zh-ja), then
compares every sibling with its original: the tag sequence, and the text of each
inline element (``<a>``, ``<strong>``, ``<span>``...).  Prints one JSON line:

- ``elements_with_text``: inline elements that hold translatable text in the source;
- ``empty``: of those, how many hold none in a sibling (the goal: 0);
- ``tag_sequence_changed``: siblings whose tag sequence differs from the original's;
- ``nodes``, ``by_length``, ``unanchored``: the run report's tag-transfer counters
  (text nodes placed; placed by length because no alignment came back; given no word
  the model aligned with them, i.e. placed by order alone).  With random tiny models
  the alignment is noise, so ``unanchored`` says nothing about a real model.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def tiny_models(folder: Path) -> Path:
    """``folder`` filled by make_tiny_models.py (zh-en, zh-ja, summarizer, llm)."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_tiny_models.py"), str(folder)],
                   check=True, capture_output=True)
    return folder


def copy_corpus(dest: Path, limit: int = 0, spread: bool = False) -> Path:
    """A copy of the corpus at ``dest``: all of it, or ``limit`` posts, the first ones or
    (``spread``) taken at even steps over the whole corpus."""
    if not limit:
        shutil.copytree(CORPUS, dest)
        return dest
    posts = sorted(p for p in CORPUS.rglob("*.md") if p.name != "README.md")
    step = max(1, len(posts) // limit) if spread else 1
    for post in posts[::step][:limit]:
        target = dest / post.relative_to(CORPUS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(post, target)
    return dest


def check(copy: Path, limit: int | None = None) -> dict:
    """Compare each original under ``copy`` with its siblings."""
    from nlp.errors import NlpError
    from nlp.posts.html import inline_texts, tag_sequence
    from nlp.posts.post import read_post

    counts = {"siblings": 0, "elements_with_text": 0, "empty": 0, "tag_sequence_changed": 0, "examples": []}
    for sibling in sorted(copy.rglob("*.md")):
        lang = sibling.suffixes[-2][1:] if len(sibling.suffixes) > 1 else ""
        if lang not in ("en", "ja"):
            continue
        original = sibling.with_name(sibling.name.replace(f".{lang}.md", ".md"))
        try:
            source, translated = read_post(original).body, read_post(sibling).body
        except NlpError:
            continue
        counts["siblings"] += 1
        if tag_sequence(source) != tag_sequence(translated):
            counts["tag_sequence_changed"] += 1
            continue
        for before, after in zip(inline_texts(source), inline_texts(translated)):
            if before.strip():
                counts["elements_with_text"] += 1
                if not after.strip():
                    counts["empty"] += 1
                    if len(counts["examples"]) < 5:
                        counts["examples"].append({"post": sibling.name, "source": before[:80]})
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="transformers", choices=["transformers", "ctranslate2"])
    parser.add_argument("--models", type=Path, help="a folder with zh-en and zh-ja (default: build tiny ones)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N posts (0: all)")
    args = parser.parse_args()
    from nlp.config import Backend, Config
    from nlp.pipeline.translate import translate

    with tempfile.TemporaryDirectory() as tmp:
        models = args.models or tiny_models(Path(tmp) / "models")
        copy = copy_corpus(Path(tmp) / "corpus", args.limit)
        config = Config(to=("en", "ja"), backend=Backend(args.backend), device="cpu", cache_dir=Path(tmp) / "cache",
                        models={"zh-en": str(models / "zh-en"), "zh-ja": str(models / "zh-ja")})
        report = translate([copy], config)
        counts = check(copy)
    inline = report.as_dict()["inline"]
    print(json.dumps({"backend": args.backend, "done": report.count("done"), "failed": report.count("failed"),
                      **{k: v for k, v in counts.items() if k != "examples"},
                      "nodes": inline["nodes"], "by_length": inline["by_length"], "unanchored": inline["unanchored"],
                      "aligned_sentences": {lang: s.get("aligned", 0) for lang, s in report.translation.items()},
                      "unaligned_sentences": {lang: s.get("unaligned", 0) for lang, s in report.translation.items()},
                      "examples": counts["examples"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
