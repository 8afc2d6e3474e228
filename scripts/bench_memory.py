"""Peak memory of a CPU translation run over the whole sample, with real-size models.

    python scripts/bench_memory.py [--backend ctranslate2|transformers] [--workers N]

Builds random-weight models with the real architectures (zh-en: Marian base with its
65,001-piece vocabulary; zh-ja: transformer-big, 32,001 pieces), then runs
`nlp enrich SAMPLE --to en,ja` on a fresh copy of ../shared/corpus in a fresh process.
Reported, side by side:

* ``peak_rss_mb``: the largest resident set of any process of the run (the main one
  holds both models, the tokenizers, jieba and the translation memory);
* ``peak_total_pss_mb``: the run's whole process tree (main + workers), sampled twice a
  second as proportional set size, so pages the workers share with the main process
  are counted once;
* ``conversion_peak_rss_mb``: the one-time CTranslate2 conversion (its own process,
  cached afterwards), measured in a separate step before the run.

Random weights rarely stop on their own, so each output runs to the length cap and is
retried once as degenerate: a worst case for time, not for memory.  Prints one JSON
line; the goal is a run under 2 GiB.
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

GOAL_MB = 2048

# Runs a command and prints the largest RSS among its processes (ru_maxrss of children).
MEASURE = r"""
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": done.returncode, "stderr": done.stderr[-2000:],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

CONVERT = r"""
import sys
from pathlib import Path
from nlp.models.convert import converted
from nlp.models.registry import locate
for name, folder in zip(("zh-en", "zh-ja"), sys.argv[2:]):
    converted(locate(name, {name: folder}), Path(sys.argv[1]), "int8")
"""


def tree_pss_mb(root: int) -> float:
    """Proportional set size of ``root`` and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total / 1024


def measured(command: list[str], env: dict) -> dict:
    """Run ``command`` under MEASURE, sampling the total PSS of its process tree."""
    process = subprocess.Popen([sys.executable, "-c", MEASURE, *command], env=env, stdout=subprocess.PIPE, text=True)
    peak = 0.0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.wait(0.5):
            peak = max(peak, tree_pss_mb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    output, _ = process.communicate()
    stop.set()
    sampler.join()
    result = json.loads(output)
    if result["rc"] != 0:
        sys.exit(f"{' '.join(command[:4])}... failed ({result['rc']}):\n{result['stderr']}")
    return {"seconds": round(time.perf_counter() - started, 1), "peak_rss_mb": round(result["peak_rss_mb"], 1),
            "peak_total_pss_mb": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--backend", default="ctranslate2", choices=["ctranslate2", "transformers"])
    parser.add_argument("--workers", type=int, default=0, help="nlp enrich --workers (0: its default)")
    args = parser.parse_args()
    import make_tiny_models as builder

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        zh_en = builder.build(tmp / "models", "en", False, "base", 0, 65001)
        zh_ja = builder.build(tmp / "models", "ja", True, "big", 0, 32001)
        env = dict(os.environ, NLP_CACHE_DIR=str(tmp / "cache"), HF_HUB_OFFLINE="1")
        out: dict = {"benchmark": "memory_whole_sample", "machine": f"{platform.machine()} {os.cpu_count()} cores",
                     "backend": args.backend}
        if args.backend == "ctranslate2":
            conversion = measured([sys.executable, "-c", CONVERT, str(tmp / "cache"), str(zh_en), str(zh_ja)], env)
            out["conversion_peak_rss_mb"] = conversion["peak_rss_mb"]
        sample = tmp / "sample"
        shutil.copytree(args.corpus, sample)
        command = [sys.executable, "-m", "nlp", "enrich", str(sample), "--to", "en,ja", "--backend", args.backend,
                   "--workers", str(args.workers), "--model", f"zh-en={zh_en}", "--model", f"zh-ja={zh_ja}",
                   "--report", str(tmp / "report.json")]
        run = measured(command, env)
        report = json.loads((tmp / "report.json").read_text())
    out.update(
        posts_done=report["done"],
        sentences_translated={lang: s["units"] for lang, s in report["translation"].items()},
        **run,
        goal_mb=GOAL_MB,
        under_goal=max(run["peak_rss_mb"], run["peak_total_pss_mb"]) < GOAL_MB,
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
