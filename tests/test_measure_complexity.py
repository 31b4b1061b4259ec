"""The paper's Table 1, measured (transformer_lite.measure.complexity)."""

import pytest
import torch

from transformer_lite.measure import complexity


def test_table1_flops_match_the_formulas():
    for kind in complexity.LAYER_KINDS:
        for n, d in [(8, 16), (32, 8)]:
            assert complexity.count_flops(kind, n, d) == 2 * complexity.paper_cost(kind, n, d)
    # n < d: attention is cheaper than recurrence; n > d: dearer. The crossover sits at n = d.
    ns = [4, 8, 16, 32, 64]
    att = [complexity.count_flops("self_attention", n, 16) for n in ns]
    rnn = [complexity.count_flops("recurrent", n, 16) for n in ns]
    assert complexity.crossover(ns, att, rnn) == pytest.approx(16, rel=0.01)


def test_table1_sequential_operations_and_path_lengths():
    seq = {k: [complexity.sequential_operations(k, n) for n in (8, 16)] for k in complexity.LAYER_KINDS}
    assert seq["self_attention"][0] == seq["self_attention"][1]  # O(1)
    assert seq["convolutional"][0] == seq["convolutional"][1]  # O(1)
    assert seq["recurrent"][1] - seq["recurrent"][0] >= 8  # grows with n
    n = 9
    assert complexity.max_path_length("self_attention", n) == 1
    assert complexity.max_path_length("recurrent", n) == n - 1
    assert complexity.max_path_length("convolutional", n, kernel=3) == complexity.paper_path_length("convolutional", n)
    assert complexity.max_path_length("convolutional", n, kernel=5) == 4
    lengths = complexity.path_lengths("recurrent", 4)
    future = torch.ones(4, 4, dtype=torch.bool).triu(1)
    assert (lengths[future] == -1).all() and (lengths[~future] >= 0).all()  # left to right: no future
