"""Checks for notebook 05's exercises (Positional encoding), in notebook order."""

from __future__ import annotations

import torch

from ..model.attention import MultiHeadAttention
from ..model.layers import PositionalEncoding, sinusoidal_encoding
from . import Case, Hints, Mistake, Probe, exercise

hint = Hints(
    "nb05",
    {
        "sinusoidal_encoding": (
            "each pair of columns (2i, 2i+1) is one wave with its own wavelength, growing geometrically with i "
            "from 2 pi to 10000 x 2 pi: sine in the even column, cosine in the odd one, at the angle pos / "
            "wavelength-factor",
            "angle = pos / 10000 ** (2i / d_model) for 2i = 0, 2, 4, ...; pe[:, 0::2] = sin(angle), "
            "pe[:, 1::2] = cos(angle)",
        ),
        "equivariance_gap": (
            "shuffle the positions of the input and run the layer, run the layer and shuffle its output the same "
            "way; an equivariant layer gives the same tensor both ways, so measure the largest difference",
            "(layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()",
        ),
    },
)


def _table_case(n, d, fn):
    return lambda: (fn(n, d), sinusoidal_encoding(n, d))


def _swapped(n, d):
    return sinusoidal_encoding(n, d).view(n, -1, 2).flip(-1).flatten(1)


def _blocks(n, d):
    pe = sinusoidal_encoding(n, d)
    return torch.cat([pe[:, 0::2], pe[:, 1::2]], dim=1)


def _index_exponent(n, d):  # 10000^(2 * 2i / d): the pair index doubled twice
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    angle = pos / 10000 ** (torch.arange(0, d, 2, dtype=torch.float64) * 2 / d)
    pe = torch.zeros(n, d, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(angle), torch.cos(angle)
    return pe.float()


def check_sinusoidal_encoding(fn, hidden: bool = False):
    """Notebook 05, Your turn 1: ``fn(max_len, d_model) -> (max_len, d_model)`` with
    PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(same)."""
    cases = [
        Case("1 position, d_model=2", _table_case(1, 2, fn), "position 0 is [sin 0, cos 0, ...] = [0, 1, 0, 1, ...]"),
        Case("4 positions, d_model=4", _table_case(4, 4, fn)),
        Case("50 positions, d_model=16", _table_case(50, 16, fn)),
    ]
    hidden_cases = [
        Case("7 positions, d_model=6", _table_case(7, 6, fn)),
        Case("3 positions, d_model=64", _table_case(3, 64, fn)),
    ]
    probes = [
        Probe(
            (6, 8),
            [
                Mistake("sin and cos are swapped: even columns 2i get sin, odd columns 2i+1 get cos.", _swapped),
                Mistake("sines and cosines sit in two blocks; the paper interleaves them, pair by pair.", _blocks),
                Mistake(
                    "the exponent is wrong: the pair (2i, 2i+1) uses 10000^(2i/d_model), with 2i = 0, 2, 4, ...",
                    _index_exponent,
                ),
            ],
        )
    ]
    title = "05 Your turn 1 (sinusoidal encoding)"
    return exercise(hint, "sinusoidal_encoding", title, cases, fn, probes, hidden_cases, hidden)


def _gap_case(kind, seed, fn):
    def run():
        torch.manual_seed(seed)
        x, perm = torch.randn(2, 6, 8), torch.randperm(6)
        if kind == "attention":
            mha = MultiHeadAttention(8, 2).eval()
            layer = lambda t: mha(t, t, t)[0]  # noqa: E731
        elif kind == "cumsum":
            layer = lambda t: t.cumsum(dim=1)  # noqa: E731
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
            "shuffle the positions (dimension 1), not the batch",
        ),
        Case(
            "a running sum (order matters)",
            _gap_case("cumsum", 1, fn),
            "shuffle the positions: dimension 1, not the batch",
        ),
    ]
    hidden_cases = [Case("attention after positional encoding", _gap_case("pe", 2, fn))]
    return exercise(hint, "equivariance_gap", "05 Your turn 2 (equivariance gap)", cases, fn, (), hidden_cases, hidden)
