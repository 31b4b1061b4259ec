"""Checks for notebook 01's exercises (What limits RNNs), in notebook order."""

from __future__ import annotations

import torch

from ..measure.rnn_limits import gradient_norm_ratio
from . import Case, Hints, Mistake, Probe, exercise

hint = Hints(
    "nb01",
    {
        "rnn_step": (
            "the new state mixes the input and the old state, each through its own weights and bias, and then "
            "squashes the sum; the weights are laid out (out, in) as in nn.Linear",
            "h_new = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)",
        ),
        "gradient_ratio": (
            "the ratio compares the norm `distance` steps back with the norm at the last state (distance 0), "
            "and the answer is a plain Python number, not a tensor",
            "float(norms[distance] / norms[0])",
        ),
    },
)


def _rnn_case(seed, batch, e, h, fn):
    def run():
        torch.manual_seed(seed)
        cell = torch.nn.RNNCell(e, h)
        x, h0 = torch.randn(batch, e), torch.randn(batch, h)
        with torch.no_grad():
            return fn(x, h0, cell.weight_ih, cell.bias_ih, cell.weight_hh, cell.bias_hh), cell(x, h0)

    return run


def check_rnn_step(fn, hidden: bool = False):
    """Notebook 01, Your turn 1: ``fn(x, h, W_ih, b_ih, W_hh, b_hh) -> h_new``, one Elman RNN step,
    compared with ``nn.RNNCell``."""
    cases = [
        Case("batch 2, 3 inputs, 4 hidden units", _rnn_case(0, 2, 3, 4, fn)),
        Case("batch 5, 8 inputs, 6 hidden units", _rnn_case(1, 5, 8, 6, fn)),
    ]
    hidden_cases = [Case("one sentence, 1 input, 7 hidden units", _rnn_case(2, 1, 1, 7, fn))]
    g = torch.Generator().manual_seed(3)
    x, h = torch.randn(2, 3, generator=g), torch.randn(2, 3, generator=g)
    w_ih, w_hh = torch.randn(3, 3, generator=g), torch.randn(3, 3, generator=g)
    b_ih, b_hh = torch.randn(2, 3, generator=g)
    probes = [
        Probe(
            (x, h, w_ih, b_ih, w_hh, b_hh),
            [
                Mistake(
                    "the biases are missing: both b_ih and b_hh are added.",
                    lambda x, h, a, b, c, d: torch.tanh(x @ a.T + h @ c.T),
                ),
                Mistake(
                    "no tanh: the step squashes the sum with torch.tanh.",
                    lambda x, h, a, b, c, d: x @ a.T + b + h @ c.T + d,
                ),
                Mistake(
                    "the weights are not transposed: nn.RNNCell stores W_ih as (hidden, input), so use W_ih.T.",
                    lambda x, h, a, b, c, d: torch.tanh(x @ a + b + h @ c + d),
                ),
            ],
        )
    ]
    return exercise(hint, "rnn_step", "01 Your turn 1 (one RNN step)", cases, fn, probes, hidden_cases, hidden)


def _ratio_case(norms, distance, fn):
    norms = torch.tensor(norms, dtype=torch.float64)
    return lambda: (fn(norms, distance), gradient_norm_ratio(norms, distance))


def check_gradient_ratio(fn, hidden: bool = False):
    """Notebook 01, Your turn 2: ``fn(norms, distance) -> float``: how much the gradient shrank over
    ``distance`` steps (``norms`` is indexed by the distance T - t), as a Python float."""
    cases = [
        Case("norms 2, 1, 0.5 over distance 2", _ratio_case([2.0, 1.0, 0.5], 2, fn)),
        Case("distance 0 is 1", _ratio_case([3.0, 0.3, 0.03], 0, fn)),
        Case("vanishing: 1e-6 after 3 steps", _ratio_case([1.0, 1e-2, 1e-4, 1e-6], 3, fn), atol=1e-12),
    ]
    hidden_cases = [
        Case("an exploding gradient: 4x after 2 steps", _ratio_case([0.5, 1.0, 2.0, 0.1], 2, fn)),
        Case("the middle of a long series", _ratio_case([1.0, 0.9, 0.81, 0.729, 0.6561], 3, fn)),
    ]
    norms = torch.tensor([2.0, 1.0, 0.25])
    probes = [
        Probe(
            (norms, 2),
            [
                Mistake(
                    "the ratio is upside down: divide the norm `distance` steps back by norms[0].",
                    lambda n, d: float(n[0] / n[d]),
                ),
                Mistake(
                    "norms is indexed by the distance T - t: norms[0] is the last state, not norms[-1].",
                    lambda n, d: float(n[d] / n[-1]),
                ),
            ],
        )
    ]
    return exercise(hint, "gradient_ratio", "01 Your turn 2 (gradient ratio)", cases, fn, probes, hidden_cases, hidden)
