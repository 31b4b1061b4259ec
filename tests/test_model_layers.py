"""Positional encoding, feed-forward and the encoder/decoder layers (transformer_lite.model.layers)."""

import math

import pytest
import torch
from hypothesis import settings

from transformer_lite.model.attention import MultiHeadAttention
from transformer_lite.model.layers import PositionalEncoding, sinusoidal_encoding

ATOL = 1e-10
FEW = settings(max_examples=30, deadline=None)
D = torch.float64


def _paper_pe(pos: int, j: int, d_model: int) -> float:
    """Sec. 3.5, one entry at a time, with the math module only."""
    i = j // 2
    angle = pos / 10000 ** (2 * i / d_model)
    return math.sin(angle) if j % 2 == 0 else math.cos(angle)


@pytest.mark.parametrize("max_len,d_model", [(1, 2), (17, 6), (60, 32)])
def test_sinusoidal_matches_the_paper(max_len, d_model):
    expected = torch.tensor([[_paper_pe(p, j, d_model) for j in range(d_model)] for p in range(max_len)])
    torch.testing.assert_close(sinusoidal_encoding(max_len, d_model), expected.float(), atol=1e-6, rtol=0)
    x = torch.zeros(2, max_len, d_model)
    torch.testing.assert_close(PositionalEncoding(d_model, max_len=max_len)(x), expected.float().expand(2, -1, -1))


def test_sinusoidal_extends_past_max_len_and_rejects_odd_width():
    pe = PositionalEncoding(8, max_len=10)
    out = pe(torch.zeros(1, 25, 8))
    expected = torch.tensor([[_paper_pe(p, j, 8) for j in range(8)] for p in range(25)]).float()
    torch.testing.assert_close(out[0], expected, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="must be even"):
        sinusoidal_encoding(4, 7)
    with pytest.raises(ValueError, match=r"expected \(batch, L, d_model=8\)"):
        pe(torch.zeros(25, 8))


def test_learned_positional_encoding():
    torch.manual_seed(7)
    pe = PositionalEncoding(8, max_len=10, learned=True)
    assert [n for n, p in pe.named_parameters()] == ["table"] and pe.table.requires_grad
    x = torch.randn(2, 6, 8)
    torch.testing.assert_close(pe(x), x + pe.table[:6])
    pe(x).sum().backward()
    assert (pe.table.grad[:6] == 2).all() and (pe.table.grad[6:] == 0).all()  # only the positions used learn
    assert list(PositionalEncoding(8).parameters()) == []  # sinusoidal: nothing to learn
    pe(torch.randn(1, 10, 8))  # exactly max_len is fine
    with pytest.raises(ValueError, match="cannot extrapolate"):
        pe(torch.randn(1, 11, 8))


def test_more_heads_cost_no_more_parameters():
    counts = {h: sum(p.numel() for p in MultiHeadAttention(64, h).parameters()) for h in (1, 2, 4, 8, 16)}
    assert set(counts.values()) == {4 * (64 * 64 + 64)}
