"""Checks for notebook 09's exercises (Why self-attention: Table 1), in notebook order."""

from __future__ import annotations

import functools
import math

from ..i18n import N_
from ..measure.complexity import count_flops, paper_path_length
from .diagnosis import Mistake
from .help import Hints, Solutions
from .runner import Case, Exercise


def _cost(
    attention=lambda n, d, k: 2 * n * n * d,
    recurrent=lambda n, d, k: 2 * n * d * d,
    convolution=lambda n, d, k: k * n * d * d,
):
    """A layer cost a student might write: the measured one with the defaults, a known mistake otherwise."""
    table = {"self_attention": attention, "recurrent": recurrent, "convolutional": convolution}
    return lambda kind, n, d, k: table[kind](n, d, k)


LAYER_COST = Exercise(
    "09",
    "layer_cost",
    N_("09 Your turn 1 (cost of one layer)"),
    hints=(
        N_(
            "Count the multiply-adds of one layer over n positions of width d: self-attention compares every "
            "pair of positions, a recurrent layer multiplies each position's vector by d x d matrices, a "
            "convolution applies k of them."
        ),
        N_(
            "Self-attention: the scores are an n x n table of dot products of length d, and the weighted sum is "
            "another n x n x d. Recurrent: each position goes through the input matrix and the state matrix, "
            "both d x d. Convolution: each position sees k neighbours, each through a d x d matrix. Return a "
            "Python int for the given kind."
        ),
        N_(
            "costs = {\n"
            '    "self_attention": ____,   # scores and weighted sum\n'
            '    "recurrent": ____,        # input and state matrices\n'
            '    "convolutional": ____,    # k taps per position\n'
            "}\n"
            "cost = costs[kind]"
        ),
    ),
    mistakes=[
        Mistake(
            "formulas_swapped",
            "the self-attention and recurrent formulas are swapped: self-attention costs about n^2 d, a "
            "recurrent layer about n d^2.",
            _cost(attention=lambda n, d, k: 2 * n * d * d, recurrent=lambda n, d, k: 2 * n * n * d),
        ),
        Mistake(
            "factor_two_missing",
            "a factor 2 is missing twice: self-attention does two n x n x d products (scores and weighted sum), "
            "and a recurrent layer two d x d products per position (input and state).",
            _cost(attention=lambda n, d, k: n * n * d, recurrent=lambda n, d, k: n * d * d),
        ),
        Mistake(
            "attention_counted_once",
            "self-attention is counted once, n^2 d: it does two n x n x d products, the scores and the weighted "
            "sum of the values, 2 n^2 d.",
            _cost(attention=lambda n, d, k: n * n * d),
        ),
        Mistake(
            "recurrent_counted_once",
            "the recurrent layer is counted once, n d^2: each position goes through two d x d matrices, the "
            "input's and the state's, 2 n d^2.",
            _cost(recurrent=lambda n, d, k: n * d * d),
        ),
        Mistake(
            "convolution_doubled",
            "the convolution is doubled, 2 k n d^2; it is k n d^2: one d x d matrix per tap, no second product.",
            _cost(convolution=lambda n, d, k: 2 * k * n * d * d),
        ),
        Mistake(
            "xor_for_power",
            "^ is bitwise XOR in Python, not a power: write n ** 2 (or n * n).",
            lambda kind, n, d, k: {
                "self_attention": 2 * n ^ 2 * d,
                "recurrent": 2 * n * d ^ 2,
                "convolutional": k * n * d ^ 2,
            }[kind],
            _cost(attention=lambda n, d, k: 2 * n ^ 2 * d),
            _cost(recurrent=lambda n, d, k: 2 * n * d ^ 2),
            _cost(convolution=lambda n, d, k: k * n * d ^ 2),
        ),
        Mistake(
            "recurrent_width_squared_missing",
            "the recurrent layer costs 2 n d^2: each of its two matrices is d x d, d^2 multiply-adds per position.",
            _cost(recurrent=lambda n, d, k: 2 * n * d),
            _cost(recurrent=lambda n, d, k: n * d),
        ),
        Mistake(
            "flops_not_multiply_adds",
            "you counted flops (2 per multiply-add); the exercise counts multiply-adds, count_flops / 2.",
            _cost(
                attention=lambda n, d, k: 4 * n * n * d,
                recurrent=lambda n, d, k: 4 * n * d * d,
                convolution=lambda n, d, k: 2 * k * n * d * d,
            ),
        ),
        Mistake(
            "kernel_missing",
            "the convolution's kernel width k is missing: each position sees k neighbours, k n d^2.",
            _cost(convolution=lambda n, d, k: n * d * d),
        ),
        Mistake(
            "width_squared_missing",
            "the convolution costs k n d^2: each of its k taps is a d x d matrix.",
            _cost(convolution=lambda n, d, k: k * n * d),
        ),
        Mistake(
            "width_missing",
            "self-attention's cost has no d: each of the n^2 scores is a dot product of length d, 2 n^2 d.",
            _cost(attention=lambda n, d, k: 2 * n * n),
            _cost(attention=lambda n, d, k: n * n),
        ),
        Mistake(
            "projections_counted",
            "the projections are counted too; this self-attention layer has none (as count_flops measures it): "
            "2 n^2 d.",
            _cost(attention=lambda n, d, k: 2 * n * n * d + 4 * n * d * d),
            _cost(attention=lambda n, d, k: 2 * n * n * d + 3 * n * d * d),
        ),
        Mistake(
            "kind_names",
            'the layer kinds are spelled "self_attention", "recurrent" and "convolutional", with underscores.',
            lambda kind, n, d, k: {
                "self-attention": 2 * n * n * d,
                "recurrent": 2 * n * d * d,
                "convolution": k * n * d * d,
            }[kind],
        ),
        Mistake(
            "positions_missing",
            "the cost of one position is given; the layer runs over n positions, so multiply by n.",
            _cost(
                attention=lambda n, d, k: 2 * n * d,
                recurrent=lambda n, d, k: 2 * d * d,
                convolution=lambda n, d, k: k * d * d,
            ),
            _cost(recurrent=lambda n, d, k: 2 * d * d),
            _cost(convolution=lambda n, d, k: k * d * d),
        ),
        Mistake(
            "kernel_squared",
            "the convolution's k is squared; each position has k taps: k n d^2.",
            _cost(convolution=lambda n, d, k: k * k * n * d * d),
        ),
    ],
    probes=lambda: [
        ("self_attention", 6, 4, 3),
        ("recurrent", 6, 4, 3),
        ("convolutional", 6, 4, 3),
        ("convolutional", 5, 3, 5),
        ("self_attention", 3, 7, 3),
    ],
    reference=_cost(),
)


@functools.lru_cache(maxsize=32)
def _measured_cost(kind, n, d, k):
    return count_flops(kind, n, d, k) // 2


def _path_count(n, k):
    """Table 1's count with our layers' constants: notebook 09 measures it from gradients
    (complexity.max_path_length, seconds for n = 41) and asserts the two agree."""
    return paper_path_length("convolutional", n, kernel=k)


def _cost_case(kind, n, d, k, fn):
    return lambda: (fn(kind, n, d, k), _measured_cost(kind, n, d, k))


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
    return LAYER_COST.check(fn, cases, hidden_cases, hidden)


CONV_PATH_LENGTH = Exercise(
    "09",
    "conv_path_length",
    N_("09 Your turn 2 (convolution path length)"),
    hints=(
        N_(
            "Each 'same' convolution of odd width k lets a position see (k - 1) / 2 more positions on each side; "
            "count the layers until the last output sees the first input."
        ),
        N_(
            "The first and the last positions are n - 1 apart. Each layer extends the reach by half the kernel "
            "without its centre, (k - 1) // 2 positions. The number of layers is the distance divided by that "
            "reach, rounded up (a partial step still needs a whole layer), as a Python int."
        ),
        N_("reach = (____) // 2            # positions gained per layer\nlayers = math.____((____) / reach)"),
    ),
    mistakes=[
        Mistake(
            "kernel_ignored",
            "the kernel width is ignored: n - 1 is a recurrent layer's path; a convolution reaches (k - 1) / 2 "
            "positions further per layer.",
            lambda n, k: n - 1,
        ),
        Mistake(
            "dilated_formula",
            "log_k(n) is the path length of dilated convolutions; these are plain 'same' convolutions: "
            "ceil((n - 1) / ((k - 1) / 2)).",
            lambda n, k: math.ceil(math.log(n, k)),
            lambda n, k: math.ceil(math.log2(n)),
        ),
        Mistake(
            "n_over_k",
            "Table 1's O(n/k) is an order of growth; count exactly: each layer reaches (k - 1) / 2 further, "
            "over a distance of n - 1.",
            lambda n, k: math.ceil(n / k),
            lambda n, k: n // k,
        ),
        Mistake(
            "rounded_down",
            "the division is rounded down; a partial step still needs a whole layer: round up with math.ceil.",
            lambda n, k: (n - 1) // ((k - 1) // 2),
        ),
        Mistake(
            "ceil_missing",
            "the number of layers is not rounded: round up with math.ceil and return an int.",
            lambda n, k: (n - 1) / ((k - 1) // 2),
        ),
        Mistake(
            "reach_is_k_minus_1",
            "each layer reaches (k - 1) / 2 positions further on each side, not k - 1.",
            lambda n, k: math.ceil((n - 1) / (k - 1)),
        ),
        Mistake(
            "reach_is_k",
            "each layer reaches (k - 1) / 2 positions further, not k.",
            lambda n, k: math.ceil((n - 1) / k),
        ),
        Mistake(
            "distance_is_n",
            "the layers are counted for a distance of n (ceil(n / reach) counts the same as (n - 1) // reach + 1); "
            "the first and last positions are n - 1 apart: ceil((n - 1) / reach).",
            lambda n, k: math.ceil(n / ((k - 1) // 2)),
            lambda n, k: (n - 1) // ((k - 1) // 2) + 1,
            lambda n, k: n // ((k - 1) // 2),
        ),
        Mistake(
            "division_precedence",
            "operator precedence: n - 1 / reach divides only the 1, and (n - 1) / (k - 1) // 2 halves after "
            "dividing; put each operand in parentheses, (n - 1) / ((k - 1) // 2).",
            lambda n, k: math.ceil(n - 1 / ((k - 1) // 2)),
            lambda n, k: math.ceil((n - 1) / (k - 1) // 2),
            lambda n, k: math.ceil((n - 1) / (k - 1) / 2),
        ),
        Mistake(
            "rounded_to_nearest",
            "the division is rounded to the nearest whole number; a partial step still needs a whole layer: "
            "round up with math.ceil.",
            lambda n, k: round((n - 1) / ((k - 1) // 2)),
        ),
    ],
    probes=lambda: [(9, 3), (10, 5), (41, 5), (4, 7), (12, 7)],
    reference=_path_count,
)


def _path_case(n, k, fn):
    return lambda: (fn(n, k), _path_count(n, k))


def check_conv_path_length(fn, hidden: bool = False):
    """Notebook 09, Your turn 2: ``fn(n, k) -> int``: how many stacked "same" convolutions of odd width k
    before the last output depends on the first input (``complexity.paper_path_length``, which notebook 09 checks
    against the measured ``max_path_length``)."""
    cases = [
        Case("n=9, k=3", _path_case(9, 3, fn)),
        Case("n=10, k=5", _path_case(10, 5, fn)),
        Case("n=12, k=7", _path_case(12, 7, fn)),
    ]
    hidden_cases = [
        Case("n=4, k=7 (one layer sees it all)", _path_case(4, 7, fn)),
        Case("n=41, k=5", _path_case(41, 5, fn)),
    ]
    return CONV_PATH_LENGTH.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (LAYER_COST, CONV_PATH_LENGTH)}
hint = Hints("nb09", EXERCISES)
solution = Solutions("nb09", "09", EXERCISES)
