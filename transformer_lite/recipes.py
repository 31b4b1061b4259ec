"""The course's training recipes: one source of truth for the notebooks, the benchmarks
and the shipped checkpoints.

Every budget is counted in optimizer steps, never in seconds, so a recipe gives the same model
on any machine: a busy one takes longer, it never trains less. Fast mode
(``TRANSFORMER_LITE_FAST=1``, for CI and local iteration only) swaps in a smaller step budget;
the models are the same. The Transformer recipe multiplies its learning rate by a ramp down to 0
over its last steps, so its last step lands on a good model for every seed (benchmarks/training_reliability.py).

Notebooks call :func:`train_or_load`: train now, or load the shipped checkpoint the same recipe
made. Regenerate the checkpoints with ``python -m transformer_lite.recipes`` (``--only
transformer`` trains one recipe).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoints import load_checkpoint, save_checkpoint
from .config import DATA_DIR, autograding, budget, pick_device, seed_everything
from .data import Corpus, TranslationDataset, load_corpus
from .grammar import GRAMMARS, check_grammar
from .i18n import say
from .lm import Translator
from .model import GPTConfig, RNNConfig, TransformerConfig, build_model
from .train import History, TrainConfig, fit

CHECKPOINT_DIR = DATA_DIR / "checkpoints"


@dataclass(frozen=True)
class Recipe:
    name: str
    config_class: type  # TransformerConfig, RNNConfig or GPTConfig
    model_config: dict  # fields of the model's config, except the vocabulary sizes
    train: TrainConfig
    fast_steps: int  # the step budget under fast mode (CI)
    translator: Callable = lambda model: model  # the GPT, a language model, translates through lm.Translator

    def build(self, corpus: Corpus):
        config = self.config_class(
            src_vocab_size=len(corpus.src_vocab), tgt_vocab_size=len(corpus.tgt_vocab), **self.model_config
        )
        return self.translator(build_model(config))

    def train_config(self, seed: int | None = None) -> TrainConfig:
        """The TrainConfig a run uses: the recipe's, or under fast mode fewer steps with the
        cooldown scaled alike; ``seed`` replaces the training seed."""
        cfg, steps = self.train, budget(self.train.steps, self.fast_steps)
        cooldown = round(cfg.cooldown * steps / cfg.steps)
        return dataclasses.replace(cfg, steps=steps, cooldown=cooldown, seed=cfg.seed if seed is None else seed)


def rnn_recipe(name: str, attention: str) -> Recipe:
    """The two RNN recipes differ only in their attention: same sizes, same 400-step budget."""
    return Recipe(
        name,
        RNNConfig,
        {"emb_dim": 64, "hidden_dim": 128, "attention": attention, "dropout": 0.0},
        TrainConfig(steps=400, batch_size=64, schedule="constant", lr=3e-3, label_smoothing=0.0),
        fast_steps=100,
    )


RECIPES = {
    "seq2seq": rnn_recipe("seq2seq", "none"),
    "seq2seq_attention": rnn_recipe("seq2seq_attention", "additive"),
    "transformer": Recipe(
        "transformer",
        TransformerConfig,
        {"d_model": 64, "n_heads": 4, "n_encoder_layers": 2, "n_decoder_layers": 2, "d_ff": 256, "dropout": 0.0},
        # Eq. 3 with a 200-step warmup, times a ramp from 1 to 0 over the last 600 steps (starting at the peak): every
        # training seed and corpus ends above the bar (benchmarks/results/training_reliability.json).
        TrainConfig(steps=800, batch_size=64, schedule="warmup", warmup=200, cooldown=600, label_smoothing=0.1),
        fast_steps=300,
    ),
    # Notebook 10: the decoder-only model, with the encoder-decoder's trainer, schedule and step budget.
    "gpt": Recipe(
        "gpt",
        GPTConfig,
        {"d_model": 64, "n_heads": 4, "n_layers": 3, "d_ff": 256, "dropout": 0.0},
        TrainConfig(steps=800, batch_size=64, schedule="warmup", warmup=200, cooldown=600, label_smoothing=0.1),
        fast_steps=300,
        translator=Translator,
    ),
}


# The shipped checkpoints: every recipe on fr and sov; the Korean grammar ko only the Transformer.
SHIPPED_GRAMMARS = {name: ("fr", "sov") for name in RECIPES} | {"transformer": GRAMMARS}


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name`` (a clear error lists the others). Taught in notebook 01; used
    throughout the course."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}: choose one of {', '.join(RECIPES)}")
    return RECIPES[name]


def train_recipe(
    name: str, grammar: str = "fr", progress: bool = True, callbacks=(), device=None, seed=None, data_dir=None
):
    """Train a recipe on a grammar's train split (``seed``: the training seed, default the
    recipe's; ``data_dir``: another corpus). Returns (model, history, corpus)."""
    recipe = get_recipe(name)
    corpus = load_corpus(grammar, data_dir)
    config = recipe.train_config(seed)
    seed_everything(config.seed)
    model = recipe.build(corpus)
    train_set = TranslationDataset(corpus["train"], corpus.src_vocab, corpus.tgt_vocab)
    valid_set = TranslationDataset(corpus["valid"][:500], corpus.src_vocab, corpus.tgt_vocab)
    history = fit(model, train_set, valid_set, config, callbacks, progress, device)
    return model, history, corpus


def train_or_load(
    name: str, grammar: str = "fr", train_now: bool = True, callbacks=(), progress: bool = True, device=None
):
    """What a notebook's training cell calls: train the recipe now, or with ``train_now=False``
    (and always under nbgrader's autograding) load the shipped checkpoint the same recipe made.
    Prints which happened. Returns (model, history, corpus); a loaded model's history has no
    per-step losses and ``history.checkpoint`` set. Taught in notebook 01; used again in 02, 07."""
    if train_now and not autograding():
        steps = get_recipe(name).train_config().steps
        say(
            "Training the {name} recipe now: {steps} steps (the kernel's stop button ends it early).",
            name=name,
            steps=steps,
        )
        return train_recipe(name, grammar, progress, callbacks, device)
    model, extra = load_pretrained(name, grammar, device)
    path = checkpoint_path(name, grammar)
    history = History(budget=extra.get("steps", 0), train_seconds=extra.get("train_seconds", 0.0), checkpoint=str(path))
    say(
        "Loaded the shipped checkpoint {name}, made by the same recipe ({steps} steps).",
        name=path.name,
        steps=history.budget,
    )
    return model, history, load_corpus(grammar)


def checkpoint_path(name: str, grammar: str) -> Path:
    return CHECKPOINT_DIR / f"{name}-{grammar}.pt"


SEED_SPREAD = DATA_DIR / "seed_spread.json"


def seed_spread() -> dict:
    """How each recipe scores over 3 training seeds (seed 0 trained the shipped checkpoints), and which of the
    course's model rankings hold for every seed: written by ``benchmarks/seed_comparisons.py``, shipped with the
    corpus. {"bleu": {recipe: {"test", "long", "long_every_2nd", "test_20_30": [one per seed]}}, "rankings": {...}}.
    Taught in notebook 07; used again in 02, 10."""
    return json.loads(SEED_SPREAD.read_text(encoding="utf-8"))


def load_pretrained(name: str, grammar: str = "fr", device=None):
    """The shipped checkpoint of a recipe for a grammar. Returns (model, extra).
    Taught in notebook 02; used again in 07."""
    recipe = get_recipe(name)
    path = checkpoint_path(name, check_grammar(grammar))
    if not path.exists():
        raise FileNotFoundError(f"no shipped checkpoint {path}; build it with: python -m transformer_lite.recipes")
    try:
        device = pick_device(device)
    except ValueError as e:  # a device this machine lacks ('tpu', 'cuda:3'): say so for this argument
        raise ValueError(f"device={device!r} for load_pretrained: {e}") from None
    model, extra = load_checkpoint(path)
    return recipe.translator(model).to(device), extra


def build_checkpoints(names=None, grammars=None) -> list[Path]:
    """Train and save the shipped checkpoints (full budgets, CPU, fixed seeds): each recipe on
    ``grammars``, by default those of :data:`SHIPPED_GRAMMARS`."""
    written = []
    for name in names or RECIPES:
        for grammar in grammars or SHIPPED_GRAMMARS[name]:
            model, history, _ = train_recipe(name, grammar, progress=False, device=torch.device("cpu"))
            extra = {
                "recipe": name,
                "grammar": grammar,
                "train_seconds": history.train_seconds,
                "steps": history.steps_done,
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
    parser.add_argument("--grammar", choices=GRAMMARS, action="append", help="grammar(s) (default: the shipped ones)")
    args = parser.parse_args(argv)
    build_checkpoints(args.only, args.grammar)


if __name__ == "__main__":
    main()
