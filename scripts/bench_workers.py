"""`nlp enrich` with --workers 1 and 2 over the sample replicated, and memory at 1x vs 10x.

    python scripts/bench_workers.py [--copies 10] [--corpus ../shared/corpus]

Each measurement is a fresh `nlp enrich` process on a fresh copy; peak RSS is the
largest resident set of that process and its workers.  Prints one JSON line: the
speed ratio of 2 workers over 1, and peak memory at 1x and 10x (flat means the
archive is streamed, not loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = r"""
import json, resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure(folder: Path, workers: int) -> dict:
    command = [sys.executable, "-c", MEASURE, sys.executable, "-m", "nlp", "enrich", str(folder), "--workers", str(workers)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def replicate(corpus: Path, target: Path, copies: int) -> int:
    for copy in range(copies):
        shutil.copytree(corpus, target / f"copy{copy}")
    return sum(1 for p in target.rglob("*.md") if p.name != "README.md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    out: dict = {"benchmark": "enrich_workers", "machine": f"{platform.machine()} {os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for label, copies, workers in (("1x_w1", 1, 1), ("10x_w1", args.copies, 1), ("10x_w2", args.copies, 2)):
            folder = Path(tmp) / label
            posts = replicate(args.corpus, folder, copies)
            runs[label] = {"posts": posts, **measure(folder, workers)}
            shutil.rmtree(folder)
    out["runs"] = {k: {kk: round(vv, 2) if isinstance(vv, float) else vv for kk, vv in v.items()} for k, v in runs.items()}
    out["workers2_speedup"] = round(runs["10x_w1"]["seconds"] / runs["10x_w2"]["seconds"], 2)
    out["memory_10x_over_1x"] = round(runs["10x_w1"]["peak_rss_mb"] / runs["1x_w1"]["peak_rss_mb"], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
