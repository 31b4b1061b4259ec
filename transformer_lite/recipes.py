"""The course's training recipes: one source of truth for the notebooks, the benchmarks
and the shipped checkpoints. Fast mode (``TRANSFORMER_LITE_FAST=1``) shrinks only the time
budget; the models are the same.

The two RNN recipes (``seq2seq``, ``seq2seq_attention``) share one budget, counted in
optimizer steps (``TrainConfig.max_steps=400``, about 2 epochs of batch 64) rather than
seconds, so their checkpoints come out the same on any machine. Measured as CPU time on one
thread, a step costs about 0.10 s without attention and 0.18 s with it, so the 400 steps take
roughly 40 s and 75 s on a quiet CPU. Fast mode replaces the step
budget by ``fast_seconds`` of training (whichever comes first).

Regenerate the shipped checkpoints with ``python -m transformer_lite.recipes`` (about 15
minutes on 2 CPU cores); ``--only transformer`` trains one recipe.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import DATA_DIR, budget, pick_device, seed_everything
from .data import Corpus, TranslationDataset, load_corpus
from .grammar import GRAMMARS, check_grammar
from .model import GPTConfig, RNNConfig, TransformerConfig, build_model, load_checkpoint, save_checkpoint
from .train import TrainConfig, fit

CHECKPOINT_DIR = DATA_DIR / "checkpoints"


@dataclass(frozen=True)
class Recipe:
    name: str
    config_class: type  # TransformerConfig or RNNConfig
    model_config: dict  # fields of the model's config, except the vocabulary sizes
    train: TrainConfig
    fast_seconds: float  # the time budget under fast mode

    def build(self, corpus: Corpus):
        config = self.config_class(
            src_vocab_size=len(corpus.src_vocab), tgt_vocab_size=len(corpus.tgt_vocab), **self.model_config
        )
        return build_model(config)

    def train_config(self) -> TrainConfig:
        cfg = self.train
        return TrainConfig(**{**cfg.__dict__, "max_seconds": budget(cfg.max_seconds, self.fast_seconds)})


def rnn_recipe(name: str, attention: str) -> Recipe:
    """The two RNN recipes differ only in their attention: same sizes, same 400-step budget."""
    return Recipe(
        name,
        RNNConfig,
        {"emb_dim": 64, "hidden_dim": 128, "attention": attention, "dropout": 0.0},
        TrainConfig(epochs=20, batch_size=64, schedule="constant", lr=3e-3, label_smoothing=0.0, max_steps=400),
        fast_seconds=12,
    )


RECIPES = {
    "seq2seq": rnn_recipe("seq2seq", "none"),
    "seq2seq_attention": rnn_recipe("seq2seq_attention", "additive"),
    "transformer": Recipe(
        "transformer",
        TransformerConfig,
        {"d_model": 64, "n_heads": 4, "n_encoder_layers": 2, "n_decoder_layers": 2, "d_ff": 256, "dropout": 0.0},
        TrainConfig(
            epochs=30,
            batch_size=64,
            schedule="warmup",
            warmup=200,
            label_smoothing=0.1,
            max_seconds=90,
            max_steps=1500,
        ),
        fast_seconds=15,
    ),
    # Notebook 10: the decoder-only model, with the encoder-decoder's trainer, schedule and step budget.
    "gpt": Recipe(
        "gpt",
        GPTConfig,
        {"d_model": 64, "n_heads": 4, "n_layers": 3, "d_ff": 256, "dropout": 0.0},
        TrainConfig(epochs=30, batch_size=64, schedule="warmup", warmup=200, label_smoothing=0.1, max_steps=1500),
        fast_seconds=15,
    ),
}


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name`` (a clear error lists the others). Taught in notebook 01; used
    throughout the course."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}: choose one of {', '.join(RECIPES)}")
    return RECIPES[name]


def train_recipe(name: str, grammar: str = "fr", progress: bool = True, callbacks=(), device=None):
    """Train a recipe on a grammar's train split. Returns (model, history, corpus).
    Taught in notebook 01; used again in 02, 07."""
    recipe = get_recipe(name)
    corpus = load_corpus(grammar)
    seed_everything(recipe.train.seed)
    model = recipe.build(corpus)
    train_set = TranslationDataset(corpus["train"], corpus.src_vocab, corpus.tgt_vocab)
    valid_set = TranslationDataset(corpus["valid"][:500], corpus.src_vocab, corpus.tgt_vocab)
    history = fit(model, train_set, valid_set, recipe.train_config(), callbacks, progress, device)
    return model, history, corpus


def checkpoint_path(name: str, grammar: str) -> Path:
    return CHECKPOINT_DIR / f"{name}-{grammar}.pt"


def load_pretrained(name: str, grammar: str = "fr", device=None):
    """The shipped checkpoint of a recipe for a grammar. Returns (model, extra).
    Taught in notebook 02; used again in 07."""
    get_recipe(name)
    path = checkpoint_path(name, check_grammar(grammar))
    if not path.exists():
        raise FileNotFoundError(f"no shipped checkpoint {path}; build it with: python -m transformer_lite.recipes")
    model, extra = load_checkpoint(path)
    return model.to(device or pick_device()), extra


def build_checkpoints(names=None, grammars=GRAMMARS) -> list[Path]:
    """Train and save the shipped checkpoints (full budgets, CPU, fixed seeds)."""
    written = []
    for name in names or RECIPES:
        for grammar in grammars:
            model, history, _ = train_recipe(name, grammar, progress=False, device=torch.device("cpu"))
            extra = {
                "recipe": name,
                "grammar": grammar,
                "train_seconds": history.train_seconds,
                "steps": len(history.steps),
                "epochs": len(history.epochs),
            }
            written.append(save_checkpoint(model, checkpoint_path(name, grammar), extra))
            print(f"{written[-1]}  {extra}")
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m transformer_lite.recipes", description="Build the shipped checkpoints."
    )
    parser.add_argument("--only", choices=sorted(RECIPES), action="append", help="recipe(s) to train (default: all)")
    parser.add_argument("--grammar", choices=GRAMMARS, action="append", help="grammar(s) (default: all)")
    args = parser.parse_args(argv)
    build_checkpoints(args.only, args.grammar or GRAMMARS)


if __name__ == "__main__":
    main()
