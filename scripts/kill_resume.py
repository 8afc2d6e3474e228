"""Kill a batch run with SIGKILL at random points, rerun it, compare with a clean run.

    python scripts/kill_resume.py [--corpus ../shared/corpus] [--kills 5] [--seed 1] [-- extra nlp enrich args]

Makes two copies of the corpus.  One is enriched in a single uninterrupted run.  The
other gets ``nlp enrich`` started and SIGKILLed after a random delay, ``--kills``
times, then one run to completion.  Every file of the two copies must be byte for byte
the same (and no temporary file may be left).  Prints one JSON line; exit code 1 on
any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def enrich_command(folder: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "nlp", "enrich", str(folder), *extra]


def check(corpus: Path, kills: int, seed: int, extra: list[str], env: dict | None = None) -> dict:
    rng = random.Random(seed)
    env = {**os.environ, **(env or {})}
    with tempfile.TemporaryDirectory() as tmp:
        clean, killed = Path(tmp) / "clean", Path(tmp) / "killed"
        shutil.copytree(corpus, clean)
        shutil.copytree(corpus, killed)
        started = time.perf_counter()
        subprocess.run(enrich_command(clean, extra), env=env, capture_output=True)
        full_run = time.perf_counter() - started
        delays = []
        for _ in range(kills):
            delay = rng.uniform(0.3, max(0.5, full_run * 0.9))
            process = subprocess.Popen(enrich_command(killed, extra), env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(delay)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            delays.append(round(delay, 2))
        final = subprocess.run(enrich_command(killed, extra), env=env, capture_output=True, text=True)
        a, b = snapshot(clean), snapshot(killed)
        differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        return {
            "kills": kills,
            "kill_delays_s": delays,
            "full_run_s": round(full_run, 2),
            "final_run": final.stderr.strip().splitlines()[-1] if final.stderr.strip() else "",
            "files": len(a),
            "differing_files": differing[:20],
            "identical": not differing,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("extra", nargs="*", help="more `nlp enrich` arguments (after --)")
    args = parser.parse_args()
    result = check(args.corpus, args.kills, args.seed, args.extra)
    print(json.dumps(result, ensure_ascii=False))
    sys.exit(0 if result["identical"] else 1)


if __name__ == "__main__":
    main()
