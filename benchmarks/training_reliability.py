"""Does the Transformer recipe end well for every seed? Train it with 3 training seeds on 2 corpora
(the shipped one and one regenerated from another seed) for each grammar, and score every final
model on its test split: the minima must reach fr BLEU >= 95 and exact match >= 90%, sov BLEU >= 93.

    python benchmarks/training_reliability.py                 # 12 runs, about 10 minutes quiet
    python benchmarks/training_reliability.py --seeds 0 --grammar fr   # a shorter one

Writes benchmarks/results/training_reliability.json. Training runs one after another, on one
thread as the recipe does (transformer_lite.train.fit); besides wall-clock seconds it records CPU
seconds (process time), which on one thread are what the run costs on a quiet machine even when
the machine is busy, and the load average around each run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

from transformer_lite import data
from transformer_lite.grammar import SEED, build
from transformer_lite.metrics import evaluate
from transformer_lite.recipes import get_recipe, train_recipe
from transformer_lite.train import label_smoothed_loss

RESULTS = Path(__file__).resolve().parent / "results" / "training_reliability.json"
BARS = {"fr": {"bleu": 95.0, "exact_match": 0.90}, "sov": {"bleu": 93.0}}
SHIPPED_CORPUS_SEED = SEED


def one_run(grammar: str, corpus_seed: int, train_seed: int, data_dir) -> dict:
    load_before = os.getloadavg()[0]
    cpu = time.process_time()
    model, history, corpus = train_recipe(
        "transformer", grammar, progress=False, device=torch.device("cpu"), seed=train_seed, data_dir=data_dir
    )
    cpu = time.process_time() - cpu
    scores = evaluate(model, corpus["test"], corpus.src_vocab, corpus.tgt_vocab)
    return {
        "grammar": grammar,
        "corpus_seed": corpus_seed,
        "train_seed": train_seed,
        "steps": history.steps_done,
        "train_seconds": round(history.train_seconds, 2),
        "train_cpu_seconds": round(cpu, 2),
        "test_bleu": round(scores["bleu"], 2),
        "test_exact_match": round(scores["exact_match"], 4),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def seconds_per_step_by_threads(n_steps: int = 30, rounds: int = 3) -> dict:
    """Median seconds (wall and CPU) of one recipe training step on 1 and on 2 threads,
    interleaved round by round so both see the same machine load: why fit trains on one thread."""
    corpus = data.load_corpus("fr")
    recipe = get_recipe("transformer")
    train_set = data.TranslationDataset(corpus["train"], corpus.src_vocab, corpus.tgt_vocab)
    times = {1: [], 2: []}
    for _ in range(rounds):
        for threads in times:
            torch.set_num_threads(threads)
            model = recipe.build(corpus)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
            for i, batch in enumerate(data.batches(train_set, recipe.train.batch_size, seed=1)):
                if i > n_steps:
                    break
                wall, cpu = time.perf_counter(), time.process_time()
                logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
                loss = label_smoothed_loss(logits, batch.tgt_out)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if i:  # the first step warms up
                    times[threads].append((time.perf_counter() - wall, time.process_time() - cpu))
    torch.set_num_threads(1)
    return {
        f"threads_{k}": {
            "wall_median": statistics.median(w for w, _ in v),
            "cpu_median": statistics.median(c for _, c in v),
        }
        for k, v in times.items()
    } | {"steps_timed": n_steps, "rounds": rounds}


def summarise(runs: list[dict]) -> dict:
    """Per grammar: the minima over seeds and corpora, whether they clear the bar, and the
    seconds the recipe takes to reach them (every run ends at its final model)."""
    out = {}
    for grammar in sorted({r["grammar"] for r in runs}):
        mine = [r for r in runs if r["grammar"] == grammar]
        minima = {
            "test_bleu": min(r["test_bleu"] for r in mine),
            "test_exact_match": min(r["test_exact_match"] for r in mine),
        }
        bar = BARS[grammar]
        out[grammar] = {
            "runs": len(mine),
            "minimum": minima,
            "bar": bar,
            "meets_bar": minima["test_bleu"] >= bar["bleu"] and minima["test_exact_match"] >= bar.get("exact_match", 0),
            "seconds_to_bar": {
                "wall_median": statistics.median(r["train_seconds"] for r in mine),
                "wall_max": max(r["train_seconds"] for r in mine),
                "cpu_median": statistics.median(r["train_cpu_seconds"] for r in mine),
                "cpu_max": max(r["train_cpu_seconds"] for r in mine),
            },
        }
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grammar", choices=list(BARS), action="append", help="grammar(s) (default: all with a bar)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds")
    parser.add_argument("--corpus-seeds", type=int, nargs="+", default=[SHIPPED_CORPUS_SEED, SHIPPED_CORPUS_SEED + 1])
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--note", default="", help="how busy the machine was (recorded with the results)")
    args = parser.parse_args(argv)
    start_load = os.getloadavg()
    speed = seconds_per_step_by_threads()
    print(json.dumps(speed), flush=True)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus_seed in args.corpus_seeds:
            data_dir = None
            if corpus_seed != SHIPPED_CORPUS_SEED:
                data_dir = Path(tmp) / str(corpus_seed)
                build(data_dir, corpus_seed)
            for grammar in args.grammar or BARS:
                for seed in args.seeds:
                    runs.append(one_run(grammar, corpus_seed, seed, data_dir))
                    print(json.dumps(runs[-1]), flush=True)
    recipe = get_recipe("transformer")
    result = {
        "recipe": {"model": recipe.model_config, "train": repr(recipe.train_config())},
        "summary": summarise(runs),
        "seconds_per_step_by_threads": speed,
        "runs": runs,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in start_load],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "note": args.note,
        },
        "torch": torch.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))


if __name__ == "__main__":
    main()
