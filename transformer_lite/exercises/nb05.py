"""Checks for notebook 05's exercises (Positional encoding), in notebook order."""

from __future__ import annotations

import math

import torch

from ..i18n import N_
from ..model.attention import MultiHeadAttention
from ..model.layers import PositionalEncoding, sinusoidal_encoding
from .diagnosis import Mistake
from .help import Hints, Solutions
from .runner import Case, Exercise


def _table(
    exponent=lambda j, d: j / d,
    base=10000.0,
    angle=lambda pos, rate: pos / rate,
    start=0,
    even=torch.sin,
    odd=torch.cos,
    layout="pairs",
    per_column=False,
):
    """A sinusoid table a student might write: the right one with the defaults, a known mistake otherwise.
    ``exponent(j, d)`` gets the even column index j = 2i (or every column index with ``per_column``)."""

    def table(max_len, d_model):
        pos = torch.arange(start, start + max_len, dtype=torch.float64)[:, None]
        if per_column:
            cols = torch.arange(d_model, dtype=torch.float64)
            a = angle(pos, base ** exponent(cols, d_model))
            pe = torch.where(cols.long() % 2 == 0, even(a), odd(a))
            return pe.float()
        j = torch.arange(0, d_model, 2, dtype=torch.float64)
        a = angle(pos, base ** exponent(j, d_model))
        if layout == "blocks":
            return torch.cat([even(a), odd(a)], dim=1).float()
        pe = torch.zeros(max_len, d_model, dtype=torch.float64)
        pe[:, 0::2], pe[:, 1::2] = even(a), odd(a)
        return pe.float()

    return table


def _precedence(angle):
    """A table whose angle ``angle(pos, two_i, d_model)`` is written without the exponent's parentheses."""

    def table(max_len, d_model):
        pos = torch.arange(max_len, dtype=torch.float64)[:, None]
        a = angle(pos, torch.arange(0, d_model, 2, dtype=torch.float64), d_model)
        pe = torch.zeros(max_len, d_model, dtype=torch.float64)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(a), torch.cos(a)
        return pe.float()

    return table


SINUSOIDAL_ENCODING = Exercise(
    "05",
    "sinusoidal_encoding",
    N_("05 Your turn 1 (sinusoidal encoding)"),
    hints=(
        N_(
            "Each pair of columns (2i, 2i+1) is one wave with its own wavelength, growing geometrically with i "
            "from 2 pi to about 10000 x 2 pi: sine in the even column, cosine in the odd one, both at the same "
            "angle."
        ),
        N_(
            "Make a column of positions 0 .. max_len-1 and a row of the even column indices 0, 2, 4, .... The "
            "angle is the position divided by 10000 raised to (even index / d_model). Put the sine of the "
            "angle into the even columns and its cosine into the odd columns."
        ),
        N_(
            "pos = torch.arange(____, dtype=torch.float64)[:, None]\n"
            "two_i = torch.arange(0, d_model, ____, dtype=torch.float64)\n"
            "angle = pos / ____ ** (____)\n"
            "pe = torch.zeros(____, ____)\n"
            "pe[:, ____] = torch.sin(angle)\n"
            "pe[:, ____] = torch.cos(angle)"
        ),
    ),
    mistakes=[
        Mistake(
            "sin_cos_swapped",
            "sin and cos are swapped: even columns 2i get sin, odd columns 2i+1 get cos.",
            _table(even=torch.cos, odd=torch.sin),
        ),
        Mistake(
            "sin_cos_in_blocks",
            "sines and cosines sit in two blocks; the paper interleaves them, pair by pair.",
            _table(layout="blocks"),
        ),
        Mistake(
            "exponent_doubled",
            "the exponent is doubled: the pair (2i, 2i+1) uses 10000^(2i/d_model) with 2i = 0, 2, 4, ..., not 4i.",
            _table(exponent=lambda j, d: 2 * j / d),
        ),
        Mistake(
            "exponent_pair_index",
            "the exponent uses the pair number i alone; it is 2i/d_model, with 2i the even column 0, 2, 4, ...",
            _table(exponent=lambda j, d: (j / 2) / d),
        ),
        Mistake(
            "exponent_per_column",
            "each column gets its own wavelength; the two columns of a pair (2i, 2i+1) share 10000^(2i/d_model).",
            _table(per_column=True),
        ),
        Mistake(
            "exponent_sign",
            "the position is multiplied by 10000^(2i/d_model) (or divided by 10000^(-2i/d_model)); divide it.",
            _table(angle=lambda pos, rate: pos * rate),
        ),
        Mistake(
            "wrong_base",
            "the wavelengths grow with the wrong base: the paper's is 10000.",
            _table(base=1000.0),
            _table(base=100000.0),
            _table(base=2.718281828459045),
            _table(base=10.0),
            _table(base=math.exp(4.0)),  # exp(-log10(10000) * 2i / d_model)
        ),
        Mistake(
            "exponent_precedence",
            "operator precedence: 10000 ** two_i / d_model raises 10000 to two_i and then divides; put the "
            "exponent in parentheses, 10000 ** (two_i / d_model).",
            _precedence(lambda pos, j, d: pos / 10000**j / d),
            _precedence(lambda pos, j, d: pos / (10000**j / d)),
            _precedence(lambda pos, j, d: pos * 10000**-j / d),
            _precedence(lambda pos, j, d: pos / 10000**2 * (j / 2) / d),
            _precedence(lambda pos, j, d: pos * torch.exp(-math.log(10000.0) * j) / d),
        ),
        Mistake(
            "odd_column_exponent",
            "the exponent reads the odd column 2i+1; both columns of a pair use the even one, 10000^(2i/d_model).",
            _table(exponent=lambda j, d: (j + 1) / d),
        ),
        Mistake(
            "exponent_integer_division",
            "two_i // d_model is a whole-number division, 0 for every column here: every pair gets the same "
            "wavelength; divide with /, 10000 ** (two_i / d_model).",
            _table(exponent=lambda j, d: j // d),
        ),
        Mistake(
            "positions_from_one",
            "the positions start at 1; the first position is 0, so its row is [0, 1, 0, 1, ...].",
            _table(start=1),
        ),
        Mistake(
            "one_function_only",
            "every column uses the same function; even columns get sin, odd columns cos.",
            _table(odd=torch.sin),
            _table(even=torch.cos),
        ),
    ],
    probes=lambda: [(6, 8), (3, 4)],
    reference=sinusoidal_encoding,
)


def _table_case(n, d, fn):
    return lambda: (fn(n, d), sinusoidal_encoding(n, d))


def check_sinusoidal_encoding(fn, hidden: bool = False):
    """Notebook 05, Your turn 1: ``fn(max_len, d_model) -> (max_len, d_model)`` with
    PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(same)."""
    cases = [
        Case(
            "1 position, d_model=2", _table_case(1, 2, fn), N_("position 0 is [sin 0, cos 0, ...] = [0, 1, 0, 1, ...]")
        ),
        Case("4 positions, d_model=4", _table_case(4, 4, fn)),
        Case("50 positions, d_model=16", _table_case(50, 16, fn)),
    ]
    hidden_cases = [
        Case("7 positions, d_model=6", _table_case(7, 6, fn)),
        Case("3 positions, d_model=64", _table_case(3, 64, fn)),
    ]
    return SINUSOIDAL_ENCODING.check(fn, cases, hidden_cases, hidden)


def _gap(shuffle_in=lambda x, p: x[:, p], shuffle_out=lambda y, p: y[:, p], reduce=lambda d: d.abs().max().item()):
    """An equivariance gap a student might write: the right one with the defaults, a known mistake otherwise."""

    def gap(layer, x, perm):
        return reduce(layer(shuffle_in(x, perm)) - shuffle_out(layer(x), perm))

    return gap


EQUIVARIANCE_GAP = Exercise(
    "05",
    "equivariance_gap",
    N_("05 Your turn 2 (equivariance gap)"),
    hints=(
        N_(
            "Shuffle the positions of the input and run the layer; run the layer and shuffle its output the "
            "same way. An equivariant layer gives the same tensor both ways, so measure how far apart the two "
            "are."
        ),
        N_(
            "The positions are dimension 1 of x (batch, L, d_model): index it with perm on that axis, for the "
            "input on one side and for the layer's output on the other. Take the absolute difference of the "
            "two results, its largest entry, and return it as a Python float."
        ),
        N_(
            "shuffled_first = layer(x[____])\n"
            "shuffled_after = layer(x)[____]\n"
            "gap = (shuffled_first - shuffled_after).____().max().____()"
        ),
    ),
    mistakes=[
        Mistake(
            "batch_shuffled",
            "you shuffled dimension 0, the batch; the positions are dimension 1: x[:, perm].",
            _gap(shuffle_in=lambda x, p: x[p], shuffle_out=lambda y, p: y[p]),
            _gap(shuffle_out=lambda y, p: y[p]),
        ),
        Mistake(
            "features_shuffled",
            "you shuffled the last dimension, the features; the positions are dimension 1: x[:, perm].",
            _gap(shuffle_in=lambda x, p: x[..., p], shuffle_out=lambda y, p: y[..., p]),
        ),
        Mistake(
            "abs_missing",
            "the largest signed difference is not the largest gap: take .abs() before .max().",
            _gap(reduce=lambda d: d.max().item()),
        ),
        Mistake(
            "mean_not_max",
            "the gap is the largest absolute difference, .abs().max(), not an average, a sum or a norm.",
            _gap(reduce=lambda d: d.abs().mean().item()),
            _gap(reduce=lambda d: d.abs().sum().item()),
            _gap(reduce=lambda d: d.norm().item()),
            _gap(reduce=lambda d: d.abs().mean(0).max().item()),
            _gap(reduce=lambda d: d.abs().max(-1).values.mean().item()),
        ),
        Mistake(
            "output_not_shuffled",
            "only one side is shuffled: compare layer(x[:, perm]) with layer(x)[:, perm], the output shuffled "
            "the same way.",
            _gap(shuffle_out=lambda y, p: y),
            _gap(shuffle_in=lambda x, p: x),
        ),
        Mistake(
            "inverse_permutation",
            "the output is shuffled back with the inverse permutation; shuffle it the same way as the input.",
            _gap(shuffle_out=lambda y, p: y[:, p.argsort()]),
            _gap(shuffle_in=lambda x, p: x[:, p.argsort()]),
        ),
        Mistake(
            "relative_gap",
            "the gap is divided by the size of the output (a relative gap); the exercise asks for the absolute "
            "one, the largest |difference| itself.",
            lambda layer, x, p: _gap()(layer, x, p) / layer(x).abs().max().item(),
            lambda layer, x, p: _gap()(layer, x, p) / layer(x[:, p]).abs().max().item(),
            lambda layer, x, p: _gap()(layer, x, p) / layer(x).norm().item(),
            lambda layer, x, p: _gap()(layer, x, p) / layer(x).abs().mean().item(),
        ),
        Mistake(
            "squared_gap",
            "the differences are squared; the gap is the largest absolute difference, .abs().max().",
            _gap(reduce=lambda d: (d**2).max().item()),
            _gap(reduce=lambda d: (d**2).mean().item()),
        ),
        Mistake(
            "compared_not_measured",
            "the function says whether the two sides are close (True or False); return how far apart they are, "
            "a float.",
            lambda layer, x, p: torch.allclose(layer(x[:, p]), layer(x)[:, p]),
            lambda layer, x, p: bool((layer(x[:, p]) - layer(x)[:, p]).abs().max() < 1e-5),
            lambda layer, x, p: torch.equal(layer(x[:, p]), layer(x)[:, p]),
            lambda layer, x, p: float(torch.allclose(layer(x[:, p]), layer(x)[:, p])),
        ),
        Mistake(
            "max_before_difference",
            "the largest entries of the two sides are compared; subtract the two tensors first, then take the "
            "largest absolute entry.",
            lambda layer, x, p: (layer(x[:, p]).abs().max() - layer(x)[:, p].abs().max()).abs().item(),
            lambda layer, x, p: (layer(x[:, p]).max() - layer(x)[:, p].max()).item(),
        ),
        Mistake(
            "same_side_twice",
            "both sides are the same tensor, so the gap is always 0: shuffle the input on one side and the "
            "output on the other.",
            _gap(shuffle_out=lambda y, p: y, shuffle_in=lambda x, p: x),
        ),
    ],
    probes=lambda: _gap_probes(),
    reference=_gap(),
)


def _gap_probes():
    """A running sum (not equivariant) with a permutation that is not its own inverse; then a layer that
    mixes the features and scales each position by its index, with as many positions as features; then an
    equivariant one (gap 0, so a True/False answer shows apart from a gap that is always 0)."""
    g = torch.Generator().manual_seed(5)
    w = torch.randn(4, 4, generator=g)
    cumsum = lambda t: t.cumsum(dim=1)  # noqa: E731
    mixed = lambda t: (t @ w) * torch.arange(1, t.shape[1] + 1, dtype=t.dtype)[:, None]  # noqa: E731
    first = (cumsum, torch.randn(2, 5, 6, generator=g), torch.tensor([2, 0, 4, 1, 3]))
    doubled = (lambda t: 2 * t, torch.randn(2, 3, 4, generator=g), torch.tensor([1, 2, 0]))  # equivariant: gap 0
    return [first, (mixed, torch.randn(3, 4, 4, generator=g), torch.tensor([3, 0, 1, 2])), doubled]


def _gap_case(kind, seed, fn):
    def run():
        torch.manual_seed(seed)
        x, perm = torch.randn(2, 6, 8), torch.randperm(6)
        if kind == "attention":
            mha = MultiHeadAttention(8, 2).eval()
            layer = lambda t: mha(t, t, t)[0]  # noqa: E731
        elif kind == "cumsum":
            layer = lambda t: t.cumsum(dim=1)  # noqa: E731
        elif kind == "negated cumsum":
            layer = lambda t: -t.cumsum(dim=1)  # noqa: E731
        else:
            pe, mha = PositionalEncoding(8), MultiHeadAttention(8, 2).eval()
            layer = lambda t: mha(pe(t), pe(t), pe(t))[0]  # noqa: E731
        with torch.no_grad():
            return fn(layer, x, perm), (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()

    return run


def check_equivariance_gap(fn, hidden: bool = False):
    """Notebook 05, Your turn 2: ``fn(layer, x, perm)`` -> the largest |layer(x[:, perm]) - layer(x)[:, perm]|
    as a Python float; x is (batch, L, d_model), perm a permutation of range(L)."""
    cases = [
        Case(
            "self-attention alone (gap ~ 0)",
            _gap_case("attention", 0, fn),
            N_("shuffle the positions (dimension 1), not the batch"),
        ),
        Case("a running sum (order matters)", _gap_case("cumsum", 1, fn)),
        Case("a running sum with the opposite sign", _gap_case("negated cumsum", 1, fn)),
    ]
    hidden_cases = [Case("attention after positional encoding", _gap_case("pe", 2, fn))]
    return EQUIVARIANCE_GAP.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (SINUSOIDAL_ENCODING, EQUIVARIANCE_GAP)}
hint = Hints("nb05", EXERCISES)
solution = Solutions("nb05", "05", EXERCISES)
