"""Benchmark the decoder-only model (notebook 10): quality per split and grammar after the
recipe's step budget, training seconds, and greedy decoding speed with and without the KV cache
by output length, next to the encoder-decoder's shipped checkpoints.

    python benchmarks/gpt.py                    # both grammars (two trainings, ~3 min quiet)
    python benchmarks/gpt.py --grammar fr       # one

Writes benchmarks/results/gpt.json. The machine may be shared: the load average is recorded
before and after, decoding is timed on one thread (median of 3), and the speed-ups are ratios
measured in one run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

import torch

from transformer_lite.data import load_corpus
from transformer_lite.grammar import GRAMMARS
from transformer_lite.measure.kv_cache import measure_kv_cache
from transformer_lite.metrics import evaluate
from transformer_lite.recipes import get_recipe, load_pretrained, train_recipe

RESULTS = Path(__file__).resolve().parent / "results" / "gpt.json"
KV_LENGTHS = (8, 16, 32, 64, 128)
KV_BATCH = 16


def quality(model, corpus) -> dict:
    out = {}
    for split in ("test", "long"):
        r = evaluate(model, corpus[split], corpus.src_vocab, corpus.tgt_vocab)
        out[split] = {"bleu": r["bleu"], "exact_match": r["exact_match"], "n": len(corpus[split])}
    return out


def kv_rows(model, corpus) -> list[dict]:
    pairs = corpus["test"][:KV_BATCH]
    src = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(corpus.src_vocab.encode(p.src)) for p in pairs], batch_first=True
    ).to(next(model.parameters()).device)
    return measure_kv_cache(model, src, src != 0, KV_LENGTHS, repeats=3)


def run_grammar(grammar: str) -> dict:
    corpus = load_corpus(grammar)
    model, history, _ = train_recipe("gpt", grammar, progress=False, device=torch.device("cpu"))
    transformer, info = load_pretrained("transformer", grammar, device=torch.device("cpu"))
    return {
        "steps": len(history.steps),
        "train_seconds": history.train_seconds,
        "parameters": model.parameter_counts()["total"],
        "gpt": quality(model, corpus),
        "encoder_decoder_shipped": {
            **quality(transformer, corpus),
            "train_seconds": info.get("train_seconds"),
            "parameters": transformer.parameter_counts()["total"],
        },
        "kv_cache": kv_rows(model, corpus) if grammar == "fr" else None,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grammar", choices=GRAMMARS, action="append", help="grammar(s) (default: all)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    recipe = get_recipe("gpt")
    result = {
        "recipe": {"model": recipe.model_config, "train": recipe.train.__dict__},
        "kv_cache_setup": {"batch": KV_BATCH, "lengths": KV_LENGTHS, "threads": 1, "repeats": 3},
        "grammars": {g: run_grammar(g) for g in args.grammar or GRAMMARS},
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "torch": torch.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for g, r in result["grammars"].items():
        print(g, {k: r["gpt"][k]["bleu"] for k in ("test", "long")}, f"{r['train_seconds']:.0f} s")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
