"""The measurements behind notebooks 03-05 (transformer_lite.measure.scaling)."""

import pytest
import torch

from transformer_lite.measure import scaling
from transformer_lite.model.attention import MultiHeadAttention
from transformer_lite.model.layers import PositionalEncoding, sinusoidal_encoding


def test_dot_products_have_variance_d_k_and_the_scale_removes_it():
    v = scaling.dot_product_variance(d_ks=(1, 16, 256), n=4000)
    for d, raw, scaled in zip(v["d_k"], v["raw"], v["scaled"]):
        assert raw == pytest.approx(d, rel=0.15)
        assert scaled == pytest.approx(1.0, rel=0.15)


def test_without_the_scale_the_softmax_saturates_and_its_gradient_vanishes():
    s = scaling.softmax_saturation(d_ks=(4, 64, 1024), trials=200)
    raw, scaled = s["max_weight"]["raw"], s["max_weight"]["scaled"]
    assert raw[-1] > 0.9 and max(scaled) < 0.35
    assert s["entropy"]["raw"][-1] < 0.3 < 2.0 < min(s["entropy"]["scaled"])
    g_raw, g_scaled = s["grad_norm"]["raw"], s["grad_norm"]["scaled"]
    assert g_raw[-1] < g_scaled[-1] / 3 and g_raw[0] > g_raw[1] > g_raw[2]
    assert max(g_scaled) / min(g_scaled) < 1.2  # scaled: the gradient does not depend on d_k


def test_attention_memory_is_quadratic_in_length():
    cost = scaling.attention_cost(lengths=(16, 32, 64), d_model=16, n_heads=2, batch=2, repeats=1)
    assert cost["weights_bytes"] == [2 * 2 * n * n * 4 for n in (16, 32, 64)]
    assert all(t > 0 for t in cost["seconds"])


def test_permutation_gap():
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4).eval()
    pe = PositionalEncoding(16)
    x = torch.randn(2, 10, 16)
    perm = torch.randperm(10)
    assert scaling.permutation_gap(lambda t: mha(t, t, t)[0], x, perm) < 1e-5
    assert scaling.permutation_gap(lambda t: mha(pe(t), pe(t), pe(t))[0], x, perm) > 1e-2


def test_sinusoidal_similarity_depends_only_on_the_offset():
    pe = sinusoidal_encoding(200, 64).double()
    sims = torch.stack([pe[p] @ pe[p : p + 50].T for p in (0, 30, 120)])  # (starts, offsets)
    torch.testing.assert_close(sims[0], sims[1], atol=1e-4, rtol=0)
    torch.testing.assert_close(sims[0], sims[2], atol=1e-4, rtol=0)
    assert sims[0, 0] == pytest.approx(32) and (sims[0, 1:] < 32).all()  # nearest to itself


@pytest.mark.parametrize("offset", [1, 5, 37])
def test_a_fixed_offset_is_a_linear_map(offset):
    pe = sinusoidal_encoding(120, 32).double()
    m = scaling.offset_rotation(offset, 32)
    torch.testing.assert_close(pe[offset:], pe[:-offset] @ m.T, atol=1e-5, rtol=0)
