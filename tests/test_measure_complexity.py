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


def test_crossover_is_the_last_sign_change_so_noise_at_short_n_cannot_move_it():
    ns = [16, 32, 64, 128, 256, 512]
    b = [1.0] * 6
    clean = [0.2, 0.3, 0.4, 0.6, 2.0, 4.0]
    blip = [1.5, 0.3, 0.4, 0.6, 2.0, 4.0]  # one disturbed timing at n = 16
    assert complexity.crossover(ns, blip, b) == complexity.crossover(ns, clean, b)
    assert 128 < complexity.crossover(ns, clean, b) < 256
    assert complexity.crossover(ns, [2.0] * 6, b) == 16.0  # dearer everywhere
    assert complexity.crossover(ns, [2.0, 2.0, 2.0, 2.0, 2.0, 0.5], b) is None  # cheaper at the end


def test_time_crossover_prints_a_side_of_d_not_a_noisy_number():
    assert complexity.crossover_conclusion(450.0, 128, 2048).endswith("to the right of n = d = 128")
    assert "to the left of" in complexity.crossover_conclusion(90.0, 128, 2048)
    assert "stays faster" in complexity.crossover_conclusion(None, 128, 2048)
    result = complexity.time_crossover(d=16, ns=(4, 8, 16), batch=1, repeats=1)
    assert set(result["seconds"]) == set(complexity.LAYER_KINDS)
    assert result["conclusion"] == complexity.crossover_conclusion(result["crossover"]["recurrent"], 16, 16)


def test_the_09_conclusion_held_in_ten_runs_under_load():
    """benchmarks/complexity_crossover.py: notebook 09's printed timing conclusion, 10 fresh runs while busy
    loops load every core (issue 11: the same conclusion in 10 of 10)."""
    import json
    from pathlib import Path

    result = json.loads((Path(__file__).parent.parent / "benchmarks/results/complexity_crossover.json").read_text())
    conclusions = {run["conclusion"] for run in result["runs"]}
    assert len(result["runs"]) >= 10 and result["busy_loops"] >= 2
    assert conclusions == {complexity.crossover_conclusion(500.0, 128, 2048)}  # "... to the right of n = d = 128"
