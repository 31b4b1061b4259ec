"""How long does each notebook take, top to bottom, in a fresh kernel?

Runs every ``notebooks/NN_*.ipynb`` with tools/nbrun.py (nbclient that fails at once on a stall, issue 13,
rather than waiting out the cell timeout into the figure) in full mode (the student's course; pass
``--fast`` for CI's fast mode) and writes the wall-clock seconds per notebook, kernel start
included, to ``benchmarks/results/notebooks.json`` (or ``notebooks-fast.json``).

Run: ``python -m benchmarks.notebooks [--fast] [--only 07]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

import nbformat
import torch

from tools import nbrun

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    nbrun.run_notebook(path, nb=nb, timeout=900)
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="fast mode (TRANSFORMER_LITE_FAST=1), as CI runs them")
    parser.add_argument("--only", action="append", help="notebook number prefix(es), e.g. 07")
    args = parser.parse_args(argv)
    os.environ["TRANSFORMER_LITE_FAST"] = "1" if args.fast else "0"
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        paths = [p for p in paths if p.name[:2] in args.only]
    seconds = {}
    for path in paths:
        seconds[path.stem] = round(run(path), 1)
        print(f"{path.stem:40s} {seconds[path.stem]:7.1f} s", flush=True)
    out = RESULTS / ("notebooks-fast.json" if args.fast else "notebooks.json")
    out.write_text(
        json.dumps(
            {
                "mode": "fast" if args.fast else "full",
                "seconds_per_notebook": seconds,
                "total_seconds": round(sum(seconds.values()), 1),
                "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count()},
                "load_average_at_end": os.getloadavg(),
                "torch": torch.__version__,
                "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
