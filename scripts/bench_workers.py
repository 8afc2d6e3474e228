"""`nlp enrich` with --workers 1 and 2 over the sample replicated, and memory at 1x vs 10x.

    python scripts/bench_workers.py [--copies 10] [--corpus ../shared/corpus] [--ray]

Each measurement is a fresh `nlp enrich` process on a fresh copy; peak RSS is the
largest resident set of that process and its workers.  Prints one JSON line: the
speed ratio of 2 workers over 1, and peak memory at 1x and 10x (flat means the
archive is streamed, not loaded).  With --ray, also the 10x run with --engine ray (a
local Ray instance, 2 tasks), for its speed only: Ray's own processes are not children
of the measured process, so its memory is not comparable.
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


def measure(folder: Path, workers: int, *extra: str) -> dict:
    command = [sys.executable, "-c", MEASURE, sys.executable, "-m", "nlp", "enrich", str(folder), "--workers", str(workers),
               *extra]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def replicate(corpus: Path, target: Path, copies: int) -> int:
    for copy in range(copies):
        shutil.copytree(corpus, target / f"copy{copy}")
    return sum(1 for p in target.rglob("*.md") if p.name != "README.md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--ray", action="store_true", help="also time --engine ray")
    args = parser.parse_args()
    out: dict = {"benchmark": "enrich_workers", "machine": f"{platform.machine()} {os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        plan = [("1x_w1", 1, 1, ()), ("10x_w1", args.copies, 1, ()), ("10x_w2", args.copies, 2, ())]
        if args.ray:
            plan.append(("10x_ray", args.copies, 2, ("--engine", "ray")))
        for label, copies, workers, extra in plan:
            folder = Path(tmp) / label
            posts = replicate(args.corpus, folder, copies)
            env_cache = {"NLP_CACHE_DIR": str(Path(tmp) / f"cache-{label}")}
            os.environ.update(env_cache)  # each run its own run state: nothing is skipped
            runs[label] = {"posts": posts, **measure(folder, workers, *extra)}
            shutil.rmtree(folder)
    out["runs"] = {k: {kk: round(vv, 2) if isinstance(vv, float) else vv for kk, vv in v.items()} for k, v in runs.items()}
    out["workers2_speedup"] = round(runs["10x_w1"]["seconds"] / runs["10x_w2"]["seconds"], 2)
    out["memory_10x_over_1x"] = round(runs["10x_w1"]["peak_rss_mb"] / runs["1x_w1"]["peak_rss_mb"], 2)
    if args.ray:
        del out["runs"]["10x_ray"]["peak_rss_mb"]
        out["ray_over_local_w2_speed"] = round(runs["10x_w2"]["seconds"] / runs["10x_ray"]["seconds"], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
