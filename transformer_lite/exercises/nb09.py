"""Checks for notebook 09's exercises (Why self-attention: Table 1), in notebook order."""

from __future__ import annotations

from ..measure.complexity import count_flops, max_path_length
from . import Case, Hints, exercise

hint = Hints(
    "nb09",
    {
        "layer_cost": (
            "count the multiply-adds of one layer over n positions of width d: self-attention compares every "
            "pair of positions, a recurrent layer multiplies each position's vector by d x d matrices, a "
            "convolution applies k of them",
            "self-attention 2 n^2 d (scores and weighted sum); recurrent 2 n d^2 (W and U); convolution k n d^2",
        ),
        "conv_path_length": (
            "each 'same' convolution of odd width k lets a position see (k - 1) / 2 more positions on each side; "
            "count the layers until the last output sees the first input",
            "math.ceil((n - 1) / ((k - 1) // 2))",
        ),
    },
)


def _cost_case(kind, n, d, k, fn):
    return lambda: (fn(kind, n, d, k), count_flops(kind, n, d, k) // 2)


def check_layer_cost(fn, hidden: bool = False):
    """Notebook 09, Your turn 1: ``fn(kind, n, d, k) -> int``: multiply-adds of one layer of ``kind``
    ("self_attention", "recurrent", "convolutional"), as ``complexity.count_flops`` / 2 measures them."""
    cases = [
        Case("self-attention, n=10, d=8", _cost_case("self_attention", 10, 8, 3, fn)),
        Case("recurrent, n=10, d=8", _cost_case("recurrent", 10, 8, 3, fn)),
        Case("convolution k=3, n=10, d=8", _cost_case("convolutional", 10, 8, 3, fn)),
    ]
    hidden_cases = [
        Case("convolution k=5, n=7, d=4", _cost_case("convolutional", 7, 4, 5, fn)),
        Case("self-attention, n=3, d=64", _cost_case("self_attention", 3, 64, 3, fn)),
    ]
    return exercise(hint, "layer_cost", "09 Your turn 1 (cost of one layer)", cases, fn, (), hidden_cases, hidden)


def _path_case(n, k, fn):
    return lambda: (fn(n, k), max_path_length("convolutional", n, kernel=k))


def check_conv_path_length(fn, hidden: bool = False):
    """Notebook 09, Your turn 2: ``fn(n, k) -> int``: how many stacked "same" convolutions of odd width k
    before the last output depends on the first input, as ``complexity.max_path_length`` measures it."""
    cases = [
        Case("n=9, k=3", _path_case(9, 3, fn)),
        Case("n=10, k=5", _path_case(10, 5, fn)),
    ]
    hidden_cases = [
        Case("n=4, k=7 (one layer sees it all)", _path_case(4, 7, fn)),
        Case("n=41, k=5", _path_case(41, 5, fn)),
    ]
    return exercise(
        hint,
        "conv_path_length",
        "09 Your turn 2 (convolution path length)",
        cases,
        fn,
        (),
        hidden_cases,
        hidden,
    )
