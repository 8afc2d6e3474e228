"""`nlp enrich` against a bare jieba TF-IDF pass over the same files, side by side.

    python scripts/bench_enrich.py [--copies 5] [--repeat 3] [--corpus ../shared/corpus]

The corpus is replicated ``--copies`` times into a temporary folder.  Each repeat
times, in fresh processes, (a) a bare pass: read every post and run
``jieba.analyse.extract_tags(text, topK=5)`` on the whole file (one process), (b)
``nlp enrich --workers 1`` on a fresh copy (one process, like the bare pass), and (c)
``nlp enrich`` with its default (one worker per core for a run this size).  Prints
one JSON line with the medians and their ratios (goal: (b) at most 2.5x (a)).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = r"""
import os, sys, jieba, jieba.analyse, logging
jieba.setLogLevel(logging.WARNING)
for dirpath, _, names in os.walk(sys.argv[1]):
    for name in sorted(names):
        if name.endswith(".md"):
            with open(os.path.join(dirpath, name), encoding="utf-8") as handle:
                jieba.analyse.extract_tags(handle.read(), topK=5)
"""


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        for copy in range(args.copies):
            shutil.copytree(args.corpus, sample / f"copy{copy}")
        posts = sum(1 for p in sample.rglob("*.md") if p.name != "README.md")
        bare_times, enrich_times, default_times = [], [], []
        for run in range(args.repeat):
            bare_times.append(timed([sys.executable, "-c", BARE, str(sample)]))
            for extra, times in ((["--workers", "1"], enrich_times), ([], default_times)):
                work = Path(tmp) / f"run{run}"
                shutil.copytree(sample, work)
                times.append(timed([sys.executable, "-m", "nlp", "enrich", str(work), *extra]))
                shutil.rmtree(work)
        bare, enriched = statistics.median(bare_times), statistics.median(enrich_times)
        default = statistics.median(default_times)
    print(json.dumps({
        "benchmark": "enrich_vs_bare_jieba_tfidf",
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "posts": posts,
        "bare_jieba_s": round(bare, 2),
        "enrich_workers1_s": round(enriched, 2),
        "enrich_default_workers_s": round(default, 2),
        "enrich_workers1_posts_per_s": round(posts / enriched, 1),
        "ratio": round(enriched / bare, 2),
        "ratio_default_workers": round(default / bare, 2),
        "goal_ratio_max": 2.5,
        "runs": {"bare": [round(t, 2) for t in bare_times], "enrich_workers1": [round(t, 2) for t in enrich_times],
                 "enrich_default": [round(t, 2) for t in default_times]},
    }))


if __name__ == "__main__":
    main()
