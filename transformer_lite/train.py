"""One training loop for every model: teacher forcing, label smoothing, the paper's warmup
schedule with a cooldown, gradient clipping, a step budget with one progress bar, callbacks and
a clean stop on interrupt. (Checkpoints are saved and loaded by :mod:`transformer_lite.checkpoints`.)"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import signal
import threading
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from . import checks as check
from .config import pick_device, seed_everything, single_thread
from .data import TranslationDataset, batches
from .i18n import N_, _, say, tr
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


# ---- the loop --------------------------------------------------------------------------------
@dataclass
class TrainConfig:
    """How to train: the budget is ``steps`` optimizer steps, the same on any machine (a slow one
    takes longer, it never trains less). Shown by ``repr`` without the settings its schedule ignores."""

    steps: int = 1000  # the budget: optimizer steps, one batch each
    batch_size: int = 64
    schedule: str = "warmup"  # "warmup" (the paper's Eq. 3) or "constant"
    warmup: int = 200  # "warmup": steps of linear rise
    lr_factor: float = 1.0  # "warmup": scales Eq. 3
    lr: float = 1e-3  # "constant": the learning rate
    cooldown: int = 0  # the last `cooldown` steps scale the learning rate linearly down to 0
    label_smoothing: float = 0.1
    clip: float = 1.0
    seed: int = 0

    def __post_init__(self):
        _check_train_config(self)

    def __repr__(self) -> str:
        unused = {"lr"} if self.schedule == "warmup" else {"warmup", "lr_factor"}
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.name not in unused]
        return f"TrainConfig({', '.join(shown)})"


def learning_rate(step: int, config: TrainConfig, d_model: int) -> float:
    """The learning rate at optimizer step ``step`` (1-based): Eq. 3 (or the constant ``lr``),
    times a linear cooldown to 0 over the last ``config.cooldown`` steps. Ending calm makes the
    final model good for every seed rather than wherever a noisy curve happens to stop.
    Taught in notebook 07."""
    base = warmup_lr(step, d_model, config.warmup, config.lr_factor) if config.schedule == "warmup" else config.lr
    left = config.steps - step  # steps still to come after this one
    return base * min(1.0, max(0.0, left / config.cooldown)) if config.cooldown else base


# What a student reads about a run, one whole sentence per case (History.summary, fit's lines).
SUMMARY = {
    "loaded": N_("loaded {checkpoint}: {budget} steps, trained in {seconds:.1f} s"),
    (True, False): N_("{done} of {budget} steps in {seconds:.1f} s ({ms:.0f} ms per step)"),
    (True, True): N_("{done} of {budget} steps in {seconds:.1f} s ({ms:.0f} ms per step), interrupted"),
    (False, False): N_("{done} of {budget} steps in {seconds:.1f} s"),
    (False, True): N_("{done} of {budget} steps in {seconds:.1f} s, interrupted"),
}
EPOCH_LINE = {  # the line the progress bar writes after each epoch (with or without a validation set)
    True: N_(
        "epoch={epoch} loss={loss:.4g} steps={steps} valid_loss={valid_loss:.4g} valid_acc={valid_acc:.4g} "
        "seconds={seconds:.4g}"
    ),
    False: N_("epoch={epoch} loss={loss:.4g} steps={steps} seconds={seconds:.4g}"),
}


@dataclass
class History:
    budget: int = 0  # the steps the run was asked for
    epochs: list[dict] = field(default_factory=list)  # per epoch: loss, valid_loss, valid_acc, seconds
    steps: list[float] = field(default_factory=list)  # training loss per step done
    train_seconds: float = 0.0
    interrupted: bool = False  # stopped by the user (KeyboardInterrupt), keeping the model so far
    checkpoint: str | None = None  # set when the model was loaded from a checkpoint instead of trained

    @property
    def steps_done(self) -> int:
        return len(self.steps)

    @property
    def seconds_per_epoch(self) -> float:
        return self.train_seconds / max(len(self.epochs), 1)

    def summary(self) -> str:
        """One line saying what the run did, e.g. "800 of 800 steps in 31.2 s (39 ms per step)", in the
        course's language."""
        done = self.steps_done
        # interrupted: fit() has said so already, once, with what it means for the model
        case = "loaded" if self.checkpoint else (bool(done), self.interrupted)
        ms = self.train_seconds / done * 1000 if done else 0.0
        fields = dict(checkpoint=self.checkpoint, done=done, budget=self.budget, seconds=self.train_seconds, ms=ms)
        return tr(SUMMARY[case], **fields)


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
        logits, _maps = model(batch.src, batch.src_mask, batch.tgt_in)
        n = batch.n_tokens
        loss_sum += float(label_smoothed_loss(logits, batch.tgt_out, smoothing)) * n
        correct += int(((logits.argmax(-1) == batch.tgt_out) & batch.tgt_mask).sum())
        tokens += n
    return {"loss": loss_sum / tokens, "accuracy": correct / tokens}


_TRAIN_RULES = {  # field -> its check(name, value); every field needs a value (0 is never read as "no limit")
    "steps": check.integer,
    "batch_size": check.integer,
    "warmup": check.integer,
    "cooldown": lambda n, v: check.integer(n, v, minimum=0),
    "lr": lambda n, v: check.number(n, v, 0.0, 10.0, low_open=True),
    "lr_factor": lambda n, v: check.number(n, v, 0.0, 1e3, low_open=True),
    "label_smoothing": check.probability,
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
    if config.cooldown > config.steps:
        raise ValueError(f"cooldown must be at most steps ({config.steps}); got {config.cooldown}")


def _check_dataset(name: str, dataset) -> None:
    if not isinstance(dataset, TranslationDataset):
        raise TypeError(
            f"{name} must be a TranslationDataset (TranslationDataset(pairs, src_vocab, tgt_vocab)); "
            f"got {type(dataset).__name__}"
        )
    if len(dataset) == 0:
        raise ValueError(f"{name} is empty: give it at least one pair")


class _InterruptFlag:
    """While active (main thread only), the first Ctrl-C / kernel interrupt (SIGINT) only raises a
    flag, so training stops between two steps and never inside one, and no library code on the
    way can swallow it; a second one raises KeyboardInterrupt at once (the escape hatch)."""

    def __init__(self):
        self.raised, self._previous = False, None

    def _handle(self, signum, frame):
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _optimizer(model, cfg: TrainConfig):
    """Adam as in the paper (Sec. 5.3) with :func:`learning_rate` applied per step. Eq. 3 scales by the
    model's width d_model: the "warmup" schedule needs a model that has one (a Transformer)."""
    d_model = getattr(model.config, "d_model", None)
    if cfg.schedule == "warmup" and d_model is None:
        raise ValueError(
            f"schedule 'warmup' (the paper's Eq. 3) scales by d_model, which a {type(model.config).__name__} "
            "has not; use TrainConfig(schedule='constant', lr=...)"
        )
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: learning_rate(s + 1, cfg, d_model))
    return optimizer, scheduler


@dataclass
class _Run:
    """What one training run keeps while it goes from batch to batch: the model and its data, the
    settings, the optimizer and its schedule, the history so far, the progress bar, the callbacks
    and the interrupt flag."""

    model: torch.nn.Module
    train_set: TranslationDataset
    config: TrainConfig
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    history: History
    bar: tqdm
    callbacks: tuple
    interrupt: _InterruptFlag = field(default_factory=_InterruptFlag)


def fit(
    model,
    train_set: TranslationDataset,
    valid_set: TranslationDataset | None = None,
    config: TrainConfig | None = None,
    callbacks=(),
    progress: bool = True,
    device=None,
) -> History:
    """Train ``model`` with teacher forcing for ``config.steps`` steps (epoch after epoch);
    returns a :class:`History`.

    On the CPU it runs on one thread: for models this small a second thread costs more in
    synchronisation than it gains, and far more on a busy machine (benchmarks/training_reliability.py).

    Each callback is called as ``cb(event, info)`` with event "batch" (info: step, loss, lr)
    or "epoch" (info: the epoch's record); returning True stops training. Interrupting
    (Ctrl-C, the kernel's stop button) stops cleanly after the current step: the model keeps
    the steps done, ``history.interrupted`` is set and a message says how far it got.
    """
    cfg = config or TrainConfig()
    _check_dataset("train_set", train_set)
    if valid_set is not None:
        _check_dataset("valid_set", valid_set)
    seed_everything(cfg.seed)
    device = torch.device(device) if device else pick_device()
    model.to(device)
    optimizer, scheduler = _optimizer(model, cfg)
    bar = tqdm(total=cfg.steps, desc=_("training"), unit=_("step"), disable=not progress)
    run = _Run(model, train_set, cfg, optimizer, scheduler, History(budget=cfg.steps), bar, tuple(callbacks))
    history, start = run.history, time.perf_counter()
    threads = single_thread() if device.type == "cpu" else contextlib.nullcontext()
    try:
        with threads, run.interrupt:
            for epoch in itertools.count(1):
                stop = _epoch(run, epoch)
                valid = None if run.interrupt.raised else valid_set  # stopping: no validation pass
                record = _end_epoch(model, valid, epoch, history, start)
                if progress:
                    line = EPOCH_LINE["valid_loss" in record]
                    bar.write(tr(line, **record))
                history.interrupted = run.interrupt.raised
                if any(cb("epoch", record) for cb in run.callbacks) or stop or run.interrupt.raised:
                    break
    except KeyboardInterrupt:  # raised by a second interrupt, or by code the flag does not cover
        history.interrupted = True
    history.train_seconds = time.perf_counter() - start
    bar.close()
    model.eval()
    if history.interrupted:
        done, budget = history.steps_done, history.budget
        say(
            "Interrupted after {done} of {budget} steps: the model keeps those {done} steps "
            "({share:.0%} of the budget) and is not fully trained.",
            done=done,
            budget=budget,
            share=done / max(budget, 1),
        )
    return history


def _epoch(run: _Run, epoch: int) -> bool:
    """One pass over the (shuffled) training set, ending early at the step budget, when a
    callback asks, or on an interrupt. Returns True when training should stop."""
    model, cfg, history = run.model, run.config, run.history
    model.train()
    device = next(model.parameters()).device
    for batch in batches(run.train_set, cfg.batch_size, seed=cfg.seed + epoch):
        batch = batch.to(device)
        logits, _maps = model(batch.src, batch.src_mask, batch.tgt_in)
        loss = label_smoothed_loss(logits, batch.tgt_out, cfg.label_smoothing)
        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        lr = run.optimizer.param_groups[0]["lr"]
        run.optimizer.step()
        run.scheduler.step()
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(
                f"training stopped: the loss became {value} at step {history.steps_done + 1} (lr {lr:.3g}). Lower "
                "the learning rate (lr or lr_factor) or check the data; the weights are no longer usable"
            )
        history.steps.append(value)
        run.bar.update(1)
        run.bar.set_postfix_str(
            tr("epoch={epoch}, loss={loss:.3f}", epoch=epoch, loss=history.steps[-1]), refresh=False
        )
        info = {"step": history.steps_done, "loss": history.steps[-1], "lr": lr}
        if any(cb("batch", info) for cb in run.callbacks) or history.steps_done >= cfg.steps or run.interrupt.raised:
            return True
    return False


def _end_epoch(model, valid_set, epoch, history, start) -> dict:
    """Record an epoch (possibly a partial last one): mean training loss and validation scores."""
    done_before = history.epochs[-1]["steps"] if history.epochs else 0
    losses = history.steps[done_before:]
    record = {"epoch": epoch, "loss": sum(losses) / max(1, len(losses)), "steps": history.steps_done}
    if valid_set is not None:
        v = evaluate_loss(model, valid_set)
        record.update(valid_loss=v["loss"], valid_acc=v["accuracy"])
    record["seconds"] = time.perf_counter() - start - sum(e["seconds"] for e in history.epochs)
    history.epochs.append(record)
    return record
