"""One training loop for every model: teacher forcing, label smoothing, the paper's warmup
schedule, gradient clipping, a progress bar, callbacks and early stopping. (Checkpoints are
saved and loaded by :mod:`transformer_lite.model`.)"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .config import pick_device, seed_everything
from .data import TranslationDataset, batches
from .model import _checks as check
from .model.specials import PAD_ID


# ---- loss and schedule ----------------------------------------------------------------------
def label_smoothed_loss(logits: torch.Tensor, target: torch.Tensor, smoothing: float = 0.1) -> torch.Tensor:
    """Cross entropy against a target that keeps 1 - smoothing on the right word and spreads
    the rest over the vocabulary (paper Sec. 5.4, eps_ls = 0.1); padding is ignored.
    logits (batch, T, V), target (batch, T) -> scalar Taught in notebook 07."""
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=PAD_ID, label_smoothing=smoothing
    )


def warmup_lr(step: int, d_model: int, warmup: int, factor: float = 1.0) -> float:
    """The paper's Eq. 3: lrate = factor * d_model^-0.5 * min(step^-0.5, step * warmup^-1.5).
    Rises linearly for ``warmup`` steps, then decays as 1/sqrt(step). Taught in notebook 07."""
    step = max(check.integer("step", step, minimum=0), 1)
    d_model, warmup = check.integer("d_model", d_model), check.integer("warmup", warmup)
    return factor * d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)


def warmup_scheduler(optimizer, d_model: int, warmup: int, factor: float = 1.0):
    """A LambdaLR applying :func:`warmup_lr` (set the optimizer's lr to 1.0)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_lr(s + 1, d_model, warmup, factor))


# ---- the loop --------------------------------------------------------------------------------
@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3  # used by the "constant" schedule
    schedule: str = "warmup"  # "warmup" (the paper's) or "constant"
    warmup: int = 400
    lr_factor: float = 1.0
    label_smoothing: float = 0.1
    clip: float = 1.0
    max_seconds: float | None = None  # stop after this much training time
    max_steps: int | None = None  # stop after this many optimizer steps (machine-independent)
    patience: int | None = None  # stop when valid loss has not improved for this many epochs
    seed: int = 0

    def __post_init__(self):
        _check_train_config(self)


@dataclass
class History:
    epochs: list[dict] = field(default_factory=list)  # per epoch: loss, valid_loss, valid_acc, seconds
    steps: list[float] = field(default_factory=list)  # training loss per step
    train_seconds: float = 0.0

    @property
    def seconds_per_epoch(self) -> float:
        return self.train_seconds / max(len(self.epochs), 1)


@torch.no_grad()
def evaluate_loss(model, dataset: TranslationDataset, batch_size: int = 256, smoothing: float = 0.0) -> dict:
    """Teacher-forced loss and next-token accuracy on a dataset."""
    _check_dataset("dataset", dataset)
    batch_size = check.integer("batch_size", batch_size)
    model.eval()
    device = next(model.parameters()).device
    loss_sum, correct, tokens = 0.0, 0, 0
    for batch in batches(dataset, batch_size, shuffle=False):
        batch = batch.to(device)
        logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
        n = batch.n_tokens
        loss_sum += float(label_smoothed_loss(logits, batch.tgt_out, smoothing)) * n
        correct += int(((logits.argmax(-1) == batch.tgt_out) & batch.tgt_mask).sum())
        tokens += n
    return {"loss": loss_sum / tokens, "accuracy": correct / tokens}


_TRAIN_RULES = {  # field -> its check; None means "no limit" where allowed, 0 is never read as None
    "epochs": lambda n, v: check.integer(n, v),
    "steps": lambda n, v: check.integer(n, v),
    "batch_size": lambda n, v: check.integer(n, v),
    "warmup": lambda n, v: check.integer(n, v),
    "cooldown": lambda n, v: check.integer(n, v, minimum=0),
    "max_steps": lambda n, v: check.optional_integer(n, v),
    "patience": lambda n, v: check.optional_integer(n, v),
    "lr": lambda n, v: check.number(n, v, 0.0, 10.0, low_open=True),
    "lr_factor": lambda n, v: check.number(n, v, 0.0, 1e3, low_open=True),
    "label_smoothing": lambda n, v: check.probability(n, v),
    "clip": lambda n, v: check.number(n, v, 0.0, 1e6, low_open=True),
    "seed": lambda n, v: check.integer(n, v, minimum=0, maximum=2**32 - 1),
}


def _check_train_config(config) -> None:
    """Every field of a :class:`TrainConfig` that has a rule, by name."""
    for f in dataclasses.fields(config):
        if f.name in _TRAIN_RULES:
            _TRAIN_RULES[f.name](f.name, getattr(config, f.name))
    if config.schedule not in ("warmup", "constant"):
        raise ValueError(f"schedule must be 'warmup' or 'constant'; got {check.show(config.schedule)}")


def _check_dataset(name: str, dataset) -> None:
    if not isinstance(dataset, TranslationDataset):
        raise TypeError(
            f"{name} must be a TranslationDataset (TranslationDataset(pairs, src_vocab, tgt_vocab)); "
            f"got {type(dataset).__name__}"
        )
    if len(dataset) == 0:
        raise ValueError(f"{name} is empty: give it at least one pair")


def fit(
    model,
    train_set: TranslationDataset,
    valid_set: TranslationDataset | None = None,
    config: TrainConfig | None = None,
    callbacks=(),
    progress: bool = True,
    device=None,
) -> History:
    """Train ``model`` with teacher forcing; returns a :class:`History`.

    Each callback is called as ``cb(event, info)`` with event "batch" (info: step, loss, lr)
    or "epoch" (info: the epoch's record); returning True stops training.
    """
    cfg = config or TrainConfig()
    _check_dataset("train_set", train_set)
    if valid_set is not None:
        _check_dataset("valid_set", valid_set)
    seed_everything(cfg.seed)
    device = device or pick_device()
    model.to(device)
    d_model = getattr(model.config, "d_model", getattr(model.config, "hidden_dim", 128))
    if cfg.schedule == "warmup":
        optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
        scheduler = warmup_scheduler(optimizer, d_model, cfg.warmup, cfg.lr_factor)
    elif cfg.schedule == "constant":
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=(0.9, 0.98), eps=1e-9)
        scheduler = None
    else:
        raise ValueError(f"unknown schedule {cfg.schedule!r}: use 'warmup' or 'constant'")
    history, step, best, stale = History(), 0, math.inf, 0
    n_batches = math.ceil(len(train_set) / cfg.batch_size)
    start = time.perf_counter()
    stop = False
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        epoch_start, loss_sum, n_steps = time.perf_counter(), 0.0, 0
        bar = tqdm(
            batches(train_set, cfg.batch_size, seed=cfg.seed + epoch),
            total=n_batches,
            desc=f"epoch {epoch}/{cfg.epochs}",
            disable=not progress,
            leave=False,
        )
        for batch in bar:
            batch = batch.to(device)
            logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
            loss = label_smoothed_loss(logits, batch.tgt_out, cfg.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optimizer.step()
            if scheduler:
                scheduler.step()
            step += 1
            n_steps += 1
            value = loss.item()
            if not math.isfinite(value):
                lr = optimizer.param_groups[0]["lr"]
                raise FloatingPointError(
                    f"training stopped: the loss became {value} at step {step} (lr {lr:.3g}). Lower the learning "
                    "rate (lr or lr_factor) or check the data; the weights are no longer usable"
                )
            loss_sum += value
            history.steps.append(value)
            bar.set_postfix(loss=f"{value:.3f}")
            info = {"step": step, "loss": value, "lr": optimizer.param_groups[0]["lr"]}
            if any(cb("batch", info) for cb in callbacks):
                stop = True
            if cfg.max_seconds and time.perf_counter() - start > cfg.max_seconds:
                stop = True
            if cfg.max_steps and step >= cfg.max_steps:
                stop = True
            if stop:
                break
        history.train_seconds = time.perf_counter() - start
        record = {
            "epoch": epoch,
            "loss": loss_sum / max(1, n_steps),
            "steps": step,
            "seconds": time.perf_counter() - epoch_start,
        }
        if valid_set is not None:
            v = evaluate_loss(model, valid_set)
            record.update(valid_loss=v["loss"], valid_acc=v["accuracy"])
            if cfg.patience is not None:
                stale = 0 if v["loss"] < best - 1e-4 else stale + 1
                best = min(best, v["loss"])
                stop = stop or stale >= cfg.patience
        history.epochs.append(record)
        if progress:
            tqdm.write(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))
        if any(cb("epoch", record) for cb in callbacks) or stop:
            break
    model.eval()
    return history
