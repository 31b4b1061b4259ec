"""Notebook 09's printed timing conclusion, under load: run the notebook's own measurement
(`complexity.time_crossover`, one thread, medians, last sign change) in 10 fresh processes while
busy loops keep every core busy, and record the 10 conclusions. Issue 11 asks for 10 of 10 the same.

    python benchmarks/complexity_crossover.py [--runs 10] [--busy 2]

Writes benchmarks/results/complexity_crossover.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "benchmarks" / "results" / "complexity_crossover.json"
ONE_RUN = (
    "import json; from transformer_lite.measure import complexity as c; r = c.time_crossover(); "
    "print(json.dumps({'conclusion': r['conclusion'], 'crossover': r['crossover'], "
    "'ratio_at_d': r['seconds']['self_attention'][3] / r['seconds']['recurrent'][3]}))"  # ns[3] = 128 = d
)
BUSY = "while True: pass"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy loops (default: one per core)")
    args = parser.parse_args()
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
    runs = []
    try:
        time.sleep(1.0)  # let the busy loops take the cores
        for i in range(args.runs):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", ONE_RUN], capture_output=True, text=True, check=True, cwd=ROOT)
            run = json.loads(out.stdout.strip().splitlines()[-1])
            run["seconds"] = round(time.perf_counter() - start, 1)
            runs.append(run)
            print(f"run {i + 1}: {run['conclusion']}  (crossover n = {run['crossover']['recurrent']:.0f})", flush=True)
    finally:
        for p in busy:
            p.kill()
    conclusions = Counter(r["conclusion"] for r in runs)
    result = {
        "what": "notebook 09's printed timing conclusion in fresh processes while busy loops load every core",
        "busy_loops": args.busy,
        "runs": runs,
        "same_conclusion": f"{conclusions.most_common(1)[0][1]} of {len(runs)}",
        "conclusions": dict(conclusions),
        "crossover_recurrent_range": [
            round(min(r["crossover"]["recurrent"] for r in runs)),
            round(max(r["crossover"]["recurrent"] for r in runs)),
        ],
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor()},
        "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(result["same_conclusion"], "runs print the same conclusion ->", RESULT.relative_to(ROOT))


if __name__ == "__main__":
    main()
