"""Checks for notebook 08's exercises (Exploring attention), in notebook order."""

from __future__ import annotations

import torch

from ..measure.heads import previous_token_share
from ..model.attention import Intervention
from . import Case, Hints, Mistake, Probe, exercise

hint = Hints(
    "nb08",
    {
        "previous_token_share": (
            "the decoder's input at step i is the word written at step i - 1, so in the (L, L) map the previous "
            "word of the word being written sits on the diagonal; row 0 only sees <bos> and is left out, and a "
            "map with fewer than 2 rows has no share at all (0.0)",
            "the diagonal entries weights[i, i] for i = 1 .. L-1 (torch.arange(1, L) picks them at once), "
            "their mean, as a Python float",
        ),
        "head_ablation": (
            "an Intervention carries a head mask per attention kind: one number per (layer, head), 1 keeps "
            "the head and 0 switches it off",
            "mask = torch.ones(n_layers, n_heads); mask[layer, head] = 0; Intervention(head_mask={'cross': mask})",
        ),
    },
)


def _share_case(weights, fn):
    return lambda: (fn(weights.clone()), previous_token_share(weights))


def _causal_map(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    blocked = ~torch.ones(n, n, dtype=torch.bool).tril()
    return torch.softmax(torch.randn(n, n, generator=g).masked_fill(blocked, float("-inf")), -1)


def check_previous_token_share(fn, hidden: bool = False):
    """Notebook 08, Your turn 1: ``fn(weights (L, L)) -> float``: the mean of ``weights[i, i]`` over the
    rows i = 1 .. L-1 of a decoder self-attention map (the word written just before the one being
    written), as a Python float; 0.0 when L < 2."""
    below = torch.zeros(4, 4)
    below[0, 0] = 1.0
    below[torch.arange(1, 4), torch.arange(3)] = 1.0
    cases = [
        Case("a perfect previous-word head: the diagonal (share 1)", _share_case(torch.eye(5), fn)),
        Case("the stripe below the diagonal (share 0)", _share_case(below, fn)),
        Case("a random causal head", _share_case(_causal_map(6, 0), fn), "average over rows 1 .. L-1 only"),
        Case("a one-word map (L = 1): no previous word, share 0.0", _share_case(torch.ones(1, 1), fn)),
    ]
    hidden_cases = [
        Case("uniform weights 0.25 (share 0.25)", _share_case(torch.full((4, 4), 0.25), fn)),
        Case("a longer random causal head (L = 9)", _share_case(_causal_map(9, 1), fn)),
    ]
    probe = _causal_map(5, 2)
    rows = torch.arange(1, 5)
    probes = [
        Probe(
            (probe,),
            [
                Mistake(
                    "you read the stripe below the diagonal, weights[i, i - 1]: in the decoder the input at step i "
                    "is already the previous word, so read the diagonal weights[i, i].",
                    lambda w: float(w[rows, rows - 1].mean()),
                ),
                Mistake(
                    "row 0 is included: it can only see <bos> (weight 1 by force); start at row 1.",
                    lambda w: float(w.diagonal().mean()),
                ),
            ],
        )
    ]
    title = "08 Your turn 1 (previous-word share)"
    return exercise(hint, "previous_token_share", title, cases, fn, probes, hidden_cases, hidden)


def _ablation_case(n_layers, n_heads, layer, head, fn):
    def run():
        got = fn(n_layers, n_heads, layer, head)
        if not isinstance(got, Intervention):
            return f"a {type(got).__name__}", "an Intervention"
        expected = torch.ones(n_layers, n_heads)
        expected[layer, head] = 0.0
        mask = (got.head_mask or {}).get("cross")
        if mask is None:
            return "no 'cross' entry in head_mask", "head_mask['cross']"
        return torch.as_tensor(mask).float(), expected

    return run


def check_head_ablation(fn, hidden: bool = False):
    """Notebook 08, Your turn 2: ``fn(n_layers, n_heads, layer, head)`` -> an ``Intervention`` whose
    ``head_mask["cross"]`` is a (n_layers, n_heads) tensor of ones with a 0 at (layer, head)."""
    cases = [
        Case("2 layers x 4 heads, switch off layer 1 head 2", _ablation_case(2, 4, 1, 2, fn)),
        Case("1 layer x 1 head (the RNN's attention)", _ablation_case(1, 1, 0, 0, fn)),
    ]
    hidden_cases = [
        Case("3 layers x 2 heads, layer 0 head 0", _ablation_case(3, 2, 0, 0, fn)),
        Case("2 layers x 3 heads, the last head of the last layer", _ablation_case(2, 3, 1, 2, fn)),
    ]
    return exercise(hint, "head_ablation", "08 Your turn 2 (switch one head off)", cases, fn, (), hidden_cases, hidden)
