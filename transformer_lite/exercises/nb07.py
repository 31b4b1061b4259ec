"""Checks for notebook 07's exercises (Training the Transformer), in notebook order."""

from __future__ import annotations

import torch

from ..model.transformer import Transformer, TransformerConfig
from ..train import warmup_lr
from . import Case, Hints, exercise

hint = Hints(
    "nb07",
    {
        "warmup_lr": (
            "Eq. 3 of the paper: the rate grows linearly for `warmup` steps, then decays as one over the square "
            "root of the step; both branches meet at the peak, and everything is scaled by d_model^-0.5",
            "d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)",
        ),
        "smoothed_targets": (
            "label smoothing spreads eps of the probability evenly over the whole vocabulary (the right word "
            "included) and keeps the rest, 1 - eps, on the right word",
            "torch.full((N, V), eps / V), then add 1 - eps at [torch.arange(N), target]",
        ),
        "greedy_step": (
            "one decoder step gives log-probabilities for the next word of each sentence; greedy decoding "
            "takes the most probable one and appends it to the tokens",
            "log_probs, _ = model.step(memory, src_mask, tokens, None); "
            "torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1)",
        ),
    },
)


def _lr_case(step, d_model, warmup, fn):
    return lambda: (fn(step, d_model, warmup), float(warmup_lr(step, d_model, warmup)))


def check_warmup_lr(fn, hidden: bool = False):
    """Notebook 07, Your turn 1: ``fn(step, d_model, warmup) -> float``: the paper's Eq. 3 learning rate."""
    cases = [
        Case("during warmup", _lr_case(100, 512, 4000, fn), atol=1e-9),
        Case("at the peak", _lr_case(4000, 512, 4000, fn), atol=1e-9),
        Case("after warmup", _lr_case(20000, 64, 200, fn), atol=1e-9),
    ]
    hidden_cases = [
        Case("step 1", _lr_case(1, 64, 200, fn), atol=1e-12),
        Case("long after", _lr_case(10**6, 128, 50, fn), atol=1e-12),
    ]
    return exercise(hint, "warmup_lr", "07 Your turn 1 (warmup learning rate)", cases, fn, (), hidden_cases, hidden)


def _smooth_case(target, vocab, eps, fn):
    def run():
        t = torch.tensor(target)
        expected = torch.full((len(target), vocab), eps / vocab)
        expected[torch.arange(len(target)), t] += 1 - eps
        return fn(t, vocab, eps), expected

    return run


def check_smoothed_targets(fn, hidden: bool = False):
    """Notebook 07, Your turn 2: ``fn(target (N,) ids, vocab_size, eps) -> (N, vocab_size)``: the
    label-smoothed targets of ``cross_entropy(label_smoothing=eps)``: 1 - eps on the right word plus eps / V
    on every word."""
    cases = [
        Case("no smoothing is one-hot", _smooth_case([2, 0], 4, 0.0, fn)),
        Case("eps = 0.1 over 5 words", _smooth_case([1, 4, 3], 5, 0.1, fn)),
    ]
    hidden_cases = [Case("eps = 0.3, one word, 7 in the vocabulary", _smooth_case([6], 7, 0.3, fn))]
    return exercise(
        hint,
        "smoothed_targets",
        "07 Your turn 2 (label-smoothed targets)",
        cases,
        fn,
        (),
        hidden_cases,
        hidden,
    )


def _step_case(seed, batch, src_len, t, fn):
    def run():
        torch.manual_seed(seed)
        model = Transformer(
            TransformerConfig(
                20, 20, d_model=16, n_heads=2, n_encoder_layers=1, n_decoder_layers=1, d_ff=32, dropout=0.0
            )
        ).eval()
        src = torch.randint(4, 20, (batch, src_len))
        mask = src != 0
        tokens = torch.cat([torch.ones(batch, 1, dtype=torch.long), torch.randint(4, 20, (batch, t - 1))], 1)
        with torch.no_grad():
            memory, _ = model.start(src, mask)
            log_probs, _ = model.step(memory, mask, tokens, None)  # the whole prefix, no cache
            expected = torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], 1)
            return fn(model, memory, mask, tokens), expected

    return run


def check_greedy_step(fn, hidden: bool = False):
    """Notebook 07, Your turn 3: ``fn(model, memory, src_mask, tokens (batch, t)) -> (batch, t + 1)``: one
    step of greedy decoding, appending the most probable next word."""
    cases = [
        Case("first step (only <bos>)", _step_case(0, 2, 5, 1, fn)),
        Case("a longer prefix", _step_case(1, 3, 6, 4, fn)),
    ]
    hidden_cases = [Case("one sentence, a longer prefix", _step_case(3, 1, 4, 5, fn))]
    return exercise(hint, "greedy_step", "07 Your turn 3 (one greedy step)", cases, fn, (), hidden_cases, hidden)
