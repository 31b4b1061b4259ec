"""Notebook 01's measurements (transformer_lite.measure.rnn_limits): sequential steps,
vanishing gradients, buckets."""

import torch
from tiny import corpus

from transformer_lite.measure import rnn_limits


def test_vanilla_rnn_gradient_vanishes_faster_than_gru():
    norms = rnn_limits.compare_gradient_norms(corpus("fr"), length=30, n=16)
    rnn, gru = norms["rnn"], norms["gru"]
    assert rnn.shape == (30,) and abs(float(rnn[0]) - 1.0) < 1e-5
    assert rnn_limits.gradient_norm_ratio(rnn, 29) < 1e-4  # orders of magnitude over 30 steps
    assert rnn_limits.gradient_norm_ratio(gru, 29) > 10 * rnn_limits.gradient_norm_ratio(rnn, 29)
    assert all(rnn[i + 5] < rnn[i] for i in range(0, 25, 5))  # and it keeps falling


def test_rnn_needs_sequential_steps_and_its_time_grows_with_length():
    assert rnn_limits.sequential_steps("recurrent", 64) == 64
    assert rnn_limits.sequential_steps("self_attention", 64) == 1
    times = rnn_limits.forward_time(kinds=("recurrent", "linear"), lengths=(16, 256))
    assert times["recurrent"][1] > 4 * times["recurrent"][0]  # 16x the steps, done one after another
    assert times["recurrent"][1] > 2 * times["linear"][1]


def test_notebooks_01_and_09_time_the_same_layers_the_same_way():
    from transformer_lite.measure import complexity

    assert set(rnn_limits.TIMED_KINDS) - {"linear"} <= set(complexity.LAYER_KINDS)
    times = rnn_limits.forward_time(kinds=("recurrent",), lengths=(8,), repeats=1)
    assert list(times) == ["recurrent"] and len(times["recurrent"]) == 1


def test_vanilla_rnn_step_matches_torch():
    torch.manual_seed(0)
    cell = torch.nn.RNNCell(6, 5)
    x, h = torch.randn(3, 6), torch.randn(3, 5)
    assert torch.allclose(rnn_limits.vanilla_rnn_step(x, h, cell), cell(x, h), atol=1e-6)
