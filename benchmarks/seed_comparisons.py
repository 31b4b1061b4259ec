"""Do the course's model comparisons hold for every training seed? Train each recipe the comparisons
rank (seq2seq, seq2seq_attention, transformer, gpt) with 3 training seeds on one grammar, score every final
model on the test and long splits, and check each ranking that a notebook prints (issue 20):

* notebook 02: with attention vs without, on 20-30 words, the whole test split and the long split;
* notebook 07: the RNN with attention vs the Transformer on the long split (every 2nd sentence, as 07 scores);
* notebook 10: the decoder-only model vs the encoder-decoder on test (the "about as well" gap) and on long.

A ranking "holds" when the worst seed of the winner beats the best seed of the loser (min(A) - max(B) > 0):
then no pair of seeds a student could draw reverses it. Where it does not hold, the notebook prints the spread
instead. Seed 0 is the recipes' own seed, which trained the shipped checkpoints.

    python benchmarks/seed_comparisons.py                  # 12 runs on fr, about 15 minutes on one quiet core
    python benchmarks/seed_comparisons.py --seeds 0 1      # fewer

Writes benchmarks/results/seed_comparisons.json (every run, the comparisons, machine, torch, date).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

import torch

from transformer_lite.metrics import corpus_bleu, evaluate
from transformer_lite.recipes import train_recipe

RESULTS = Path(__file__).resolve().parent / "results" / "seed_comparisons.json"
SPREAD = Path(__file__).resolve().parent.parent / "data" / "seed_spread.json"  # what the notebooks print (shipped)
RECIPES = ("seq2seq", "seq2seq_attention", "transformer", "gpt")


def one_run(name: str, grammar: str, seed: int) -> dict:
    """Train ``name`` with training seed ``seed`` and score it: BLEU and exact match on test and long, by
    length bucket, and on every 2nd sentence (notebook 07's subset)."""
    started, cpu = time.perf_counter(), time.process_time()
    model, history, corpus = train_recipe(name, grammar, progress=False, device=torch.device("cpu"), seed=seed)
    train_seconds, train_cpu = time.perf_counter() - started, time.process_time() - cpu
    row = {"recipe": name, "grammar": grammar, "seed": seed, "steps": history.steps_done}
    row.update(train_seconds=round(train_seconds, 1), train_cpu_seconds=round(train_cpu, 1))
    for split in ("test", "long"):
        pairs = corpus[split]
        scores = evaluate(model, pairs, corpus.src_vocab, corpus.tgt_vocab)
        half = scores["hypotheses"][::2]
        row[split] = {
            "bleu": round(scores["bleu"], 2),
            "exact_match": round(scores["exact_match"], 4),
            "bleu_every_2nd": round(corpus_bleu(half, [list(p.tgt) for p in pairs[::2]]), 2),
            "by_length": {k: round(v["bleu"], 2) for k, v in scores["by_length"].items()},
        }
    print(
        json.dumps(
            {k: row[k] for k in ("recipe", "seed", "train_seconds")}
            | {"test": row["test"]["bleu"], "long": row["long"]["bleu"]}
        ),
        flush=True,
    )
    return row


def values(runs: list[dict], name: str, read) -> list[float]:
    return [read(r) for r in runs if r["recipe"] == name]


def ranking(runs, winner: str, loser: str, read, label: str, margin: float = 0.0) -> dict:
    """Does ``winner`` beat ``loser`` by more than ``margin`` for every pair of seeds? The worst case over
    seed pairs, min(winner) - max(loser), decides."""
    a, b = values(runs, winner, read), values(runs, loser, read)
    worst = min(a) - max(b)
    return {
        "claim": label,
        "winner": winner,
        "loser": loser,
        "winner_by_seed": a,
        "loser_by_seed": b,
        "worst_case_gap": round(worst, 2),
        "best_case_gap": round(max(a) - min(b), 2),
        "margin": margin,
        "holds_for_every_seed": worst > margin,
    }


def comparisons(runs: list[dict]) -> dict:
    test, long = (lambda r: r["test"]["bleu"]), (lambda r: r["long"]["bleu"])
    bucket = lambda r: r["test"]["by_length"]["20-30"]  # noqa: E731
    long_half = lambda r: r["long"]["bleu_every_2nd"]  # noqa: E731
    return {
        "02_attention_beats_none_20_30": ranking(
            runs,
            "seq2seq_attention",
            "seq2seq",
            bucket,
            "02: attention beats no attention by 15+ BLEU, 20-30 words",
            15,
        ),
        "02_attention_beats_none_test": ranking(
            runs, "seq2seq_attention", "seq2seq", test, "02: ... on the whole test split", 15
        ),
        "02_attention_beats_none_long": ranking(
            runs, "seq2seq_attention", "seq2seq", long, "02: ... on the long split", 15
        ),
        "07_rnn_attention_vs_transformer_long": ranking(
            runs,
            "seq2seq_attention",
            "transformer",
            long_half,
            "07: on long, the RNN with attention beats the Transformer",
        ),
        "07_transformer_vs_rnn_attention_long": ranking(
            runs,
            "transformer",
            "seq2seq_attention",
            long_half,
            "07: on long, the Transformer beats the RNN with attention",
        ),
        "10_decoder_only_about_as_well_on_test": ranking(
            runs, "gpt", "transformer", test, "10: decoder-only minus encoder-decoder test BLEU stays above -3", -3
        ),
        "10_decoder_only_below_on_long": ranking(
            runs, "transformer", "gpt", long, "10: on long the decoder-only model falls behind the encoder-decoder"
        ),
    }


def spread(result: dict) -> dict:
    """The compact copy the notebooks read (data/seed_spread.json, shipped with the package): each recipe's scores
    by seed, and each ranking's verdict."""
    scores = {}
    for r in result["runs"]:
        entry = scores.setdefault(r["recipe"], {"test": [], "long": [], "long_every_2nd": [], "test_20_30": []})
        entry["test"].append(r["test"]["bleu"])
        entry["long"].append(r["long"]["bleu"])
        entry["long_every_2nd"].append(r["long"]["bleu_every_2nd"])
        entry["test_20_30"].append(r["test"]["by_length"]["20-30"])
    rankings = {
        k: {key: c[key] for key in ("claim", "holds_for_every_seed", "worst_case_gap")}
        for k, c in result["comparisons"].items()
    }
    keep = ("grammar", "seeds", "date", "torch")
    return {
        "source": "benchmarks/seed_comparisons.py",
        **{k: result[k] for k in keep},
        "bleu": scores,
        "rankings": rankings,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--grammar", default="fr")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs = [one_run(name, args.grammar, seed) for name in RECIPES for seed in args.seeds]
    result = {
        "what": __doc__.split("\n\n")[0],
        "grammar": args.grammar,
        "seeds": args.seeds,
        "comparisons": comparisons(runs),
        "runs": runs,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_average_1m": os.getloadavg()[0]},
        "torch": torch.__version__,
        "date": datetime.date.today().isoformat(),
    }
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.out == str(RESULTS):
        SPREAD.write_text(json.dumps(spread(result), indent=1) + "\n", encoding="utf-8")
    for key, c in result["comparisons"].items():
        print(f"{key:45s} holds for every seed: {c['holds_for_every_seed']}  worst-case gap {c['worst_case_gap']}")


if __name__ == "__main__":
    main()
