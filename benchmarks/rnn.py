"""Benchmark for notebooks 01-02: train the Seq2Seq models without and with attention using
the course recipes (the notebooks' settings) and record how they score by source length.

    python benchmarks/rnn.py                 # both grammars (about 5 minutes on a quiet 2-core CPU)
    python benchmarks/rnn.py --grammar fr    # one grammar
    python benchmarks/rnn.py --grammar sov --merge   # add a grammar to the existing results

Writes benchmarks/results/rnn.json: per recipe and grammar, BLEU and exact match per length
bucket (3-9, 10-19, 20-30 from the test split, 31-50 from the long split) and on the whole test
set, the attention AER against uniform and diagonal baselines, training seconds, steps, epochs
and seconds per epoch; plus the machine, the torch version and the date.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from transformer_lite import metrics
from transformer_lite.grammar import GRAMMARS
from transformer_lite.measure import rnn_limits
from transformer_lite.recipes import get_recipe, train_recipe

RESULTS = Path(__file__).resolve().parent / "results" / "rnn.json"
RECIPE_NAMES = ("seq2seq", "seq2seq_attention")
AER_PAIRS = 300  # test pairs scored for AER


def run(name: str, grammar: str) -> dict:
    model, history, corpus = train_recipe(name, grammar, progress=False, device=torch.device("cpu"))
    start = time.perf_counter()
    table = rnn_limits.scores_table(model, corpus)
    record = {
        "train_config": {k: v for k, v in get_recipe(name).train_config().__dict__.items()},
        "model_config": get_recipe(name).model_config,
        "steps": len(history.steps),
        "epochs": len(history.epochs),
        "train_seconds": round(history.train_seconds, 2),
        "seconds_per_epoch": round(history.seconds_per_epoch, 2),
        "seconds_per_step": round(history.train_seconds / max(1, len(history.steps)), 4),
        "final_valid_loss": history.epochs[-1].get("valid_loss") if history.epochs else None,
        "scores": {b: {k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()} for b, s in table.items()},
    }
    if model.config.attention != "none":
        pairs = corpus["test"][:AER_PAIRS]
        maps = metrics.model_attention(model, pairs, corpus.src_vocab, corpus.tgt_vocab)
        record["aer"] = {k: round(v, 4) for k, v in metrics.aer_against_baselines(maps, pairs).items()}
    record["eval_seconds"] = round(time.perf_counter() - start, 2)
    return record


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grammar", choices=GRAMMARS, action="append", help="grammar(s) (default: all)")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--merge", action="store_true", help="keep the other grammars' results already in --out")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # as in notebooks 01-02: small recurrent steps run faster on one thread
    results = {}
    if args.merge and Path(args.out).exists():
        results = json.loads(Path(args.out).read_text()).get("results", {})
    for grammar in args.grammar or GRAMMARS:
        for name in RECIPE_NAMES:
            record = run(name, grammar)
            record["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
            results.setdefault(grammar, {})[name] = record
            bleu = {b: round(s["bleu"], 1) for b, s in record["scores"].items()}
            steps, seconds = record["steps"], record["train_seconds"]
            print(f"{grammar} {name}: {steps} steps, {seconds:.0f} s, BLEU {bleu}", flush=True)
    out = {
        "benchmark": "rnn",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
