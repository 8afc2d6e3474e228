"""Keyword F1@5 and one-sentence summary ROUGE-L on csl-dev, through the real CLI.

    python scripts/eval_csl.py [--csl ../shared/eval/csl-dev]

Each paper becomes a post (title in the front matter, abstract as the body: the
same text as kg.tsv's "{abstract} {title}"), then the script runs what a user runs:

    nlp idf build DIR -o idf.tsv
    nlp keywords DIR --idf idf.tsv --json        (and without --idf: jieba's table)
    nlp summarize abstracts.txt --lines --sentences 1 --max-chars 40 --json

Scores: keywords by exact match against the author keywords, micro-averaged F1
(the convention of the reference figures: jieba TF-IDF 0.138, TextRank 0.104);
summaries by character ROUGE-L F1 against the title (first sentence: 0.312).
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def nlp(*args: str) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "nlp", *args], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def lcs(a: str, b: str) -> int:
    previous = [0] * (len(b) + 1)
    for ca in a:
        current = [0]
        for j, cb in enumerate(b):
            current.append(previous[j] + 1 if ca == cb else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> float:
    common = lcs(candidate, reference) if candidate and reference else 0
    if not common:
        return 0.0
    p, r = common / len(candidate), common / len(reference)
    return 2 * p * r / (p + r)


def micro_f1(predicted: list[list[str]], gold: list[set[str]]) -> float:
    hits = sum(len(set(p) & g) for p, g in zip(predicted, gold))
    precision = hits / max(1, sum(len(p) for p in predicted))
    recall = hits / max(1, sum(len(g) for g in gold))
    return 2 * precision * recall / (precision + recall) if hits else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csl", type=Path, default=ROOT.parent / "shared" / "eval" / "csl-dev")
    args = parser.parse_args()
    kg = [line.rstrip("\n").split("\t") for line in (args.csl / "kg.tsv").open(encoding="utf-8")]
    ts = [line.rstrip("\n").split("\t") for line in (args.csl / "ts.tsv").open(encoding="utf-8")]
    assert all(k[1] == f"{t[1]} {t[2]}" for k, t in zip(kg, ts)), "kg.tsv and ts.tsv must hold the same papers"
    gold = [set(row[2].split("_")) for row in kg]
    with tempfile.TemporaryDirectory() as tmp:
        posts = Path(tmp) / "posts"
        posts.mkdir()
        for i, (_, abstract, title) in enumerate(ts):
            front = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n"
            (posts / f"{i:04d}.md").write_text(front + abstract + "\n", encoding="utf-8")
        table = Path(tmp) / "idf.tsv"
        subprocess.run([sys.executable, "-m", "nlp", "idf", "build", str(posts), "-o", str(table)], check=True,
                       capture_output=True)
        in_corpus = [r["keywords"] for r in nlp("keywords", str(posts), "--idf", str(table), "--json")]
        default = [r["keywords"] for r in nlp("keywords", str(posts), "--json")]
        abstracts = Path(tmp) / "abstracts.txt"
        abstracts.write_text("".join(row[1] + "\n" for row in ts), encoding="utf-8")
        summaries = [r["summary"] for r in nlp("summarize", str(abstracts), "--lines", "--sentences", "1",
                                                "--max-chars", "40", "--json")]
    titles = [row[2] for row in ts]
    print(json.dumps({
        "papers": len(kg),
        "keywords_f1_at_5_corpus_idf": round(micro_f1(in_corpus, gold), 4),
        "keywords_f1_at_5_default_idf": round(micro_f1(default, gold), 4),
        "keywords_target": 0.25,
        "summary_rouge_l": round(sum(rouge_l(s, t) for s, t in zip(summaries, titles)) / len(titles), 4),
        "summary_target": 0.33,
    }))


if __name__ == "__main__":
    main()
