"""Benchmark the course Transformer: time to reach BLEU 95, final quality per split and
grammar, seconds per training step against torch.nn.Transformer, and peak memory.

    python benchmarks/transformer.py            # the full run (two recipe trainings, ~4 min quiet)
    python benchmarks/transformer.py --grammar fr --speed-steps 20   # a shorter one

Writes benchmarks/results/transformer.json. Training time excludes the validation BLEU checks.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import resource
import time
from pathlib import Path

import torch
from torch import nn

from transformer_lite.config import seed_everything
from transformer_lite.data import TranslationDataset, batches, load_corpus
from transformer_lite.grammar import GRAMMARS
from transformer_lite.metrics import evaluate
from transformer_lite.model import Transformer, TransformerConfig
from transformer_lite.model.layers import PositionalEncoding
from transformer_lite.recipes import get_recipe
from transformer_lite.train import fit, label_smoothed_loss

RESULTS = Path(__file__).resolve().parent / "results" / "transformer.json"
TARGET_BLEU = 95.0


class TorchTransformer(nn.Module):
    """torch.nn.Transformer with the same embeddings, positions and tied generator as ours."""

    def __init__(self, c: TransformerConfig):
        super().__init__()
        self.d_model = c.d_model
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model, padding_idx=0)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model, padding_idx=0)
        self.positions = PositionalEncoding(c.d_model, c.max_len, c.dropout)
        self.core = nn.Transformer(
            c.d_model,
            c.n_heads,
            c.n_encoder_layers,
            c.n_decoder_layers,
            c.d_ff,
            c.dropout,
            batch_first=True,
            norm_first=c.norm_first,
        )
        if not c.norm_first:  # our post-norm stack has no final LayerNorm
            self.core.encoder.norm = None
            self.core.decoder.norm = None
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size)
        self.generator.weight = self.tgt_embed.weight

    def forward(self, src, src_mask, tgt_in):
        scale = math.sqrt(self.d_model)
        t = tgt_in.shape[1]
        out = self.core(
            self.positions(self.src_embed(src) * scale),
            self.positions(self.tgt_embed(tgt_in) * scale),
            tgt_mask=~torch.ones(t, t, dtype=torch.bool, device=src.device).tril(),
            src_key_padding_mask=~src_mask,
            tgt_key_padding_mask=tgt_in == 0,
            memory_key_padding_mask=~src_mask,
        )
        return self.generator(out), None


def seconds_per_step(model, data, n_steps: int, batch_size: int) -> tuple[float, float]:
    """Median wall-clock seconds of one training step (forward, backward, Adam) over n_steps
    batches, and the mean CPU seconds (process time: robust when the machine is shared)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()
    times = []
    for i, batch in enumerate(batches(data, batch_size, seed=1)):
        if i > n_steps:
            break
        if i == 1:
            cpu_start = time.process_time()
        start = time.perf_counter()
        logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
        loss = label_smoothed_loss(logits, batch.tgt_out)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if i:  # the first step warms up
            times.append(time.perf_counter() - start)
    cpu = (time.process_time() - cpu_start) / len(times)
    times.sort()
    return times[len(times) // 2], cpu


def speed(grammar: str, n_steps: int, rounds: int = 3) -> dict:
    recipe = get_recipe("transformer")
    corpus = load_corpus(grammar)
    config = TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), **recipe.model_config)
    data = TranslationDataset(corpus["train"], corpus.src_vocab, corpus.tgt_vocab)
    ours, theirs = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        seed_everything(0)
        ours.append(seconds_per_step(Transformer(config), data, n_steps, recipe.train.batch_size))
        seed_everything(0)
        theirs.append(seconds_per_step(TorchTransformer(config), data, n_steps, recipe.train.batch_size))
    ours_s, theirs_s = min(w for w, _ in ours), min(w for w, _ in theirs)
    ours_cpu, theirs_cpu = min(c for _, c in ours), min(c for _, c in theirs)
    return {
        "ours_seconds_per_step": ours_s,
        "torch_nn_transformer_seconds_per_step": theirs_s,
        "ratio_ours_over_torch": ours_s / theirs_s,
        "ours_cpu_seconds_per_step": ours_cpu,
        "torch_nn_transformer_cpu_seconds_per_step": theirs_cpu,
        "cpu_ratio_ours_over_torch": ours_cpu / theirs_cpu,
        "steps_timed": n_steps,
        "rounds": rounds,
    }


def train_and_score(grammar: str, eval_every: int) -> dict:
    corpus = load_corpus(grammar)
    valid = corpus["valid"][:300]
    state = {"eval_seconds": 0.0, "reached": None, "model": None, "curve": []}
    start = time.perf_counter()

    def watch(event, info):
        if event != "batch" or info["step"] % eval_every:
            return False
        t0 = time.perf_counter()
        r = evaluate(state["model"], valid, corpus.src_vocab, corpus.tgt_vocab)
        state["model"].train()
        state["eval_seconds"] += time.perf_counter() - t0
        train_s = time.perf_counter() - start - state["eval_seconds"]
        state["curve"].append({"step": info["step"], "train_seconds": train_s, "valid_bleu": r["bleu"]})
        if state["reached"] is None and r["bleu"] >= TARGET_BLEU:
            state["reached"] = {"step": info["step"], "train_seconds": train_s}
        return False

    # As recipes.train_recipe, with the model in hand so the callback can translate with it.
    recipe = get_recipe("transformer")
    seed_everything(recipe.train.seed)
    model = state["model"] = recipe.build(corpus)
    train_set = TranslationDataset(corpus["train"], corpus.src_vocab, corpus.tgt_vocab)
    valid_set = TranslationDataset(corpus["valid"][:500], corpus.src_vocab, corpus.tgt_vocab)
    config = recipe.train_config()
    history = fit(model, train_set, valid_set, config, [watch], False, torch.device("cpu"))
    out = {
        "steps": len(history.steps),
        "train_seconds": history.train_seconds - state["eval_seconds"],
        "seconds_to_valid_bleu_95": state["reached"],
        "valid_curve": state["curve"],
    }
    for split in ("test", "long"):
        r = evaluate(model, corpus[split], corpus.src_vocab, corpus.tgt_vocab)
        out[split] = {"bleu": r["bleu"], "exact_match": r["exact_match"]}
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grammar", choices=GRAMMARS, action="append", help="grammar(s) to train (default: all)")
    parser.add_argument("--eval-every", type=int, default=100, help="steps between validation BLEU checks")
    parser.add_argument("--speed-steps", type=int, default=30, help="training steps timed per model and round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    recipe = get_recipe("transformer")
    result = {
        "recipe": {"model": recipe.model_config, "train": repr(recipe.train)},
        "speed_fr": speed("fr", args.speed_steps),
        "grammars": {g: train_and_score(g, args.eval_every) for g in (args.grammar or GRAMMARS)},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_threads": torch.get_num_threads(),
            "load_average_1m": __import__("os").getloadavg()[0],
        },
        "torch": torch.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "grammars"}, indent=2))
    for g, r in result["grammars"].items():
        print(g, {k: v for k, v in r.items() if k != "valid_curve"})


if __name__ == "__main__":
    main()
