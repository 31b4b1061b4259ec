"""Attention, multi-head attention and positional encoding (notebooks 03-05) against PyTorch and the paper.

Everything runs in float64 on the CPU, so the comparisons can be tight (atol 1e-10).
"""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from transformer_lite.model.attention import (
    LayerIntervention,
    MultiHeadAttention,
    attention_mask,
    causal_mask,
    scaled_dot_product_attention,
)
from transformer_lite.model.layers import PositionalEncoding

ATOL = 1e-10
FEW = settings(max_examples=30, deadline=None)
D = torch.float64


def _randn(g, *shape, requires_grad=False):
    return torch.randn(*shape, generator=g, dtype=D).requires_grad_(requires_grad)


def _random_mask(g, lq, lk, every_row=True):
    """A random bool mask (True = may attend); with every_row each query keeps one key."""
    mask = torch.rand(lq, lk, generator=g) < 0.6
    if every_row:
        mask[torch.arange(lq), torch.randint(lk, (lq,), generator=g)] = True
    return mask


shapes = st.fixed_dictionaries(
    {
        "batch": st.integers(1, 3),
        "heads": st.integers(1, 4),
        "lq": st.integers(1, 7),
        "lk": st.integers(1, 7),
        "e": st.integers(1, 8),
        "ev": st.integers(1, 6),
        "seed": st.integers(0, 2**31 - 1),
    }
)


# ---- scaled dot-product attention == torch.nn.functional.scaled_dot_product_attention --------
@FEW
@given(shapes)
def test_sdpa_matches_torch_without_mask(s):
    g = torch.Generator().manual_seed(s["seed"])
    q = _randn(g, s["batch"], s["heads"], s["lq"], s["e"])
    k = _randn(g, s["batch"], s["heads"], s["lk"], s["e"])
    v = _randn(g, s["batch"], s["heads"], s["lk"], s["ev"])
    out, weights = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v), atol=ATOL, rtol=0)
    torch.testing.assert_close(
        weights, torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(s["e"]), -1), atol=ATOL, rtol=0
    )


@FEW
@given(shapes)
def test_sdpa_matches_torch_with_bool_mask(s):
    g = torch.Generator().manual_seed(s["seed"])
    q = _randn(g, s["batch"], s["heads"], s["lq"], s["e"])
    k = _randn(g, s["batch"], s["heads"], s["lk"], s["e"])
    v = _randn(g, s["batch"], s["heads"], s["lk"], s["ev"])
    mask = _random_mask(g, s["lq"], s["lk"])
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=ATOL, rtol=0)
    assert (weights[..., ~mask] == 0).all()


@FEW
@given(shapes)
def test_sdpa_with_a_causal_mask_matches_torchs_is_causal(s):
    g = torch.Generator().manual_seed(s["seed"])
    q = _randn(g, s["batch"], s["heads"], s["lq"], s["e"])
    k = _randn(g, s["batch"], s["heads"], s["lq"], s["e"])  # causal self-attention: Lq == Lk
    v = _randn(g, s["batch"], s["heads"], s["lq"], s["ev"])
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    by_mask, w_mask = scaled_dot_product_attention(q, k, v, mask=causal_mask(s["lq"]))
    torch.testing.assert_close(by_mask, expected, atol=ATOL, rtol=0)
    assert (w_mask.triu(1) == 0).all()


def test_sdpa_refuses_float_mask_and_does_causal_with_bool_mask():
    g = torch.Generator().manual_seed(0)
    q, k, v = _randn(g, 2, 5, 4), _randn(g, 2, 5, 4), _randn(g, 2, 5, 3)
    with pytest.raises(TypeError, match=r"mask must be a bool tensor.*mask == 0"):
        scaled_dot_product_attention(q, k, v, _randn(g, 5, 5))  # one mask rule: bool, True = may attend
    pad = torch.tensor([True, True, True, False, True])
    out, _ = scaled_dot_product_attention(q, k, v, pad & causal_mask(5))
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=pad & causal_mask(5))
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)
    fewer_queries = q[:, :3]  # Lq != Lk: the causal triangle's top-left rows, as torch's is_causal aligns it
    out, _ = scaled_dot_product_attention(fewer_queries, k, v, causal_mask(5)[:3])
    expected = F.scaled_dot_product_attention(fewer_queries, k, v, is_causal=True)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def test_sdpa_gradcheck():
    g = torch.Generator().manual_seed(1)
    q, k, v = (
        _randn(g, 2, 3, 4, requires_grad=True),
        _randn(g, 2, 5, 4, requires_grad=True),
        _randn(g, 2, 5, 2, requires_grad=True),
    )
    mask = _random_mask(g, 3, 5)
    assert torch.autograd.gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v)[0], (q, k, v))
    assert torch.autograd.gradcheck(lambda q, k, v: scaled_dot_product_attention(q, k, v, mask), (q, k, v))


# ---- invariants ---------------------------------------------------------------------------------
@FEW
@given(shapes)
def test_weights_are_distributions_and_masked_keys_get_exactly_zero(s):
    g = torch.Generator().manual_seed(s["seed"])
    q = _randn(g, s["batch"], s["lq"], s["e"])
    k = _randn(g, s["batch"], s["lk"], s["e"])
    v = _randn(g, s["batch"], s["lk"], s["ev"])
    mask = _random_mask(g, s["lq"], s["lk"], every_row=False)
    out, w = scaled_dot_product_attention(q, k, v, mask)
    allowed = mask.any(-1)
    sums = w.sum(-1)
    torch.testing.assert_close(sums[:, allowed], torch.ones_like(sums[:, allowed]), atol=ATOL, rtol=0)
    assert (w[:, ~mask] == 0).all()
    assert (sums[:, ~allowed] == 0).all()
    assert (out[:, ~allowed] == 0).all()
    assert torch.isfinite(out).all() and torch.isfinite(w).all()


def test_fully_masked_rows_give_zeros_and_finite_gradients():
    g = torch.Generator().manual_seed(2)
    q, k, v = (
        _randn(g, 1, 3, 4, requires_grad=True),
        _randn(g, 1, 4, 4, requires_grad=True),
        _randn(g, 1, 4, 2, requires_grad=True),
    )
    mask = torch.tensor([[True, False, True, False], [False] * 4, [True] * 4])
    out, w = scaled_dot_product_attention(q, k, v, mask)
    assert (out[0, 1] == 0).all() and (w[0, 1] == 0).all()
    (out.sum() + w.sum()).backward()
    for t in (q, k, v):
        assert torch.isfinite(t.grad).all()
    assert (q.grad[0, 1] == 0).all()  # the masked query had nothing to read, so it gets no gradient
    mha = MultiHeadAttention(8, 2).double()
    x = _randn(g, 1, 3, 8, requires_grad=True)
    for need_weights in (True, False):
        y, _ = mha(x, x, x, torch.tensor([[True, True, False], [False] * 3, [True] * 3]), need_weights=need_weights)
        assert torch.isfinite(y).all()
        (grad,) = torch.autograd.grad(y.sum(), x)
        assert torch.isfinite(grad).all()


def test_self_attention_is_permutation_equivariant():
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4).double().eval()
    x = torch.randn(2, 9, 16, dtype=D)
    perm = torch.randperm(9)
    with torch.no_grad():
        shuffled_then_attended = mha(x[:, perm], x[:, perm], x[:, perm])[0]
        attended_then_shuffled = mha(x, x, x)[0][:, perm]
    torch.testing.assert_close(shuffled_then_attended, attended_then_shuffled, atol=ATOL, rtol=0)
    pe = PositionalEncoding(16).double()
    with torch.no_grad():
        gap = mha(pe(x[:, perm]), pe(x[:, perm]), pe(x[:, perm]))[0] - mha(pe(x), pe(x), pe(x))[0][:, perm]
    assert gap.abs().max() > 1e-3  # positions break the symmetry


# ---- multi-head attention == torch.nn.MultiheadAttention -------------------------------------
def _torch_twin(ours: MultiHeadAttention) -> nn.MultiheadAttention:
    theirs = nn.MultiheadAttention(ours.d_model, ours.n_heads, batch_first=True, dtype=D)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs.eval()


@FEW
@given(shapes, st.booleans(), st.booleans())
def test_multi_head_matches_torch(s, masked, self_attention):
    torch.manual_seed(s["seed"])
    g = torch.Generator().manual_seed(s["seed"])
    d_model = s["heads"] * s["e"]
    ours = MultiHeadAttention(d_model, s["heads"]).double().eval()
    theirs = _torch_twin(ours)
    query = _randn(g, s["batch"], s["lq"], d_model)
    memory = query if self_attention else _randn(g, s["batch"], s["lk"], d_model)
    lk = memory.shape[1]
    mask = _random_mask(g, s["lq"], lk) if masked else None
    with torch.no_grad():
        expected, expected_w = theirs(
            query, memory, memory, attn_mask=None if mask is None else ~mask, average_attn_weights=False
        )
        out, w = ours(query, memory, memory, mask)
        fused, no_w = ours(query, memory, memory, mask, need_weights=False)
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(w, expected_w, atol=ATOL, rtol=0)
    torch.testing.assert_close(fused, expected, atol=ATOL, rtol=0)
    assert no_w is None and w.shape == (s["batch"], s["heads"], s["lq"], lk)


def test_multi_head_key_padding_mask_matches_torch():
    torch.manual_seed(3)
    ours = MultiHeadAttention(12, 3).double().eval()
    theirs = _torch_twin(ours)
    x = torch.randn(3, 6, 12, dtype=D)
    keep = torch.tensor([[True] * 6, [True] * 4 + [False] * 2, [True] * 2 + [False] * 4])
    with torch.no_grad():
        expected, _ = theirs(x, x, x, key_padding_mask=~keep)
        out, _ = ours(x, x, x, keep[:, None, None, :])
    torch.testing.assert_close(out, expected, atol=ATOL, rtol=0)


def test_multi_head_gradcheck():
    torch.manual_seed(4)
    mha = MultiHeadAttention(4, 2).double()
    x = torch.randn(1, 3, 4, dtype=D, requires_grad=True)
    m = torch.randn(1, 2, 4, dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, m: mha(x, m, m)[0], (x, m))
    assert torch.autograd.gradcheck(lambda x, m: mha(x, m, m, need_weights=False)[0], (x, m))


def test_temperature_divides_the_scores():
    torch.manual_seed(5)
    mha = MultiHeadAttention(8, 2).double().eval()
    x = torch.randn(1, 5, 8, dtype=D)
    with torch.no_grad():
        q, k = mha.split_heads(mha.q_proj(x)), mha.split_heads(mha.k_proj(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(mha.d_k)
        entropies = []
        for t in (0.25, 1.0, 4.0):
            out, w = mha(x, x, x, intervene=LayerIntervention(temperature=t))
            torch.testing.assert_close(w, torch.softmax(scores / t, -1), atol=ATOL, rtol=0)
            fused, _ = mha(x, x, x, intervene=LayerIntervention(temperature=t), need_weights=False)
            torch.testing.assert_close(fused, out, atol=ATOL, rtol=0)
            entropies.append(-(w * w.log()).sum(-1).mean().item())
        assert entropies[0] < entropies[1] < entropies[2] <= math.log(5) + 1e-12
        w_hot = mha(x, x, x, intervene=LayerIntervention(temperature=1e6))[1]
        torch.testing.assert_close(w_hot, torch.full_like(w_hot, 1 / 5), atol=1e-5, rtol=0)
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="temperature must be positive"):
            mha(x, x, x, intervene=LayerIntervention(temperature=bad))


def test_head_mask_switches_heads_off():
    torch.manual_seed(6)
    mha = MultiHeadAttention(8, 4).double().eval()
    x = torch.randn(2, 5, 8, dtype=D)
    with torch.no_grad():
        plain, w = mha(x, x, x)
        ones, w_ones = mha(x, x, x, intervene=LayerIntervention(head_mask={"self": torch.ones(4)}))
        torch.testing.assert_close(ones, plain, atol=ATOL, rtol=0)
        torch.testing.assert_close(w_ones, w, atol=0, rtol=0)  # weights are reported before the head mask
        off = torch.tensor([1.0, 0.0, 1.0, 0.0])
        ablated, _ = mha(x, x, x, intervene=LayerIntervention(head_mask={"self": off}))
        # switching a head off == zeroing its d_k columns of W^O
        twin = MultiHeadAttention(8, 4).double().eval()
        twin.load_state_dict(mha.state_dict())
        twin.out_proj.weight[:, 2:4] = 0
        twin.out_proj.weight[:, 6:8] = 0
        torch.testing.assert_close(ablated, twin(x, x, x)[0], atol=ATOL, rtol=0)
        off_all = LayerIntervention(head_mask={"self": torch.zeros(4)})
        all_off, _ = mha(x, x, x, intervene=off_all, need_weights=False)
        torch.testing.assert_close(all_off, mha.out_proj.bias.expand_as(all_off), atol=ATOL, rtol=0)


def test_split_and_merge_heads_are_inverse():
    mha = MultiHeadAttention(12, 3)
    x = torch.randn(2, 5, 12)
    heads = mha.split_heads(x)
    assert heads.shape == (2, 3, 5, 4)
    torch.testing.assert_close(heads[:, 1], x[..., 4:8])  # head 1 holds dimensions 4..7
    torch.testing.assert_close(mha.merge_heads(heads), x, atol=0, rtol=0)


# ---- clear errors ------------------------------------------------------------------------------
def test_errors_are_clear():
    with pytest.raises(ValueError, match="d_model=10 is not divisible by n_heads=3"):
        MultiHeadAttention(10, 3)
    q, k, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 6)
    with pytest.raises(ValueError, match="share their last dimension"):
        scaled_dot_product_attention(q, torch.randn(2, 5, 3), v)
    with pytest.raises(ValueError, match="same number of keys"):
        scaled_dot_product_attention(q, k, torch.randn(2, 4, 6))
    with pytest.raises(ValueError, match="need shape"):
        scaled_dot_product_attention(torch.randn(4), k, v)
    with pytest.raises(ValueError, match=r"mask of shape \(3, 4\) does not broadcast"):
        scaled_dot_product_attention(q, k, v, torch.ones(3, 4, dtype=torch.bool))
    mha = MultiHeadAttention(8, 2)
    x, m = torch.randn(2, 3, 8), torch.randn(2, 5, 8)
    with pytest.raises(ValueError, match=r"must be \(batch, L, d_model=8\)"):
        mha(x, torch.randn(2, 5, 6), m)
    with pytest.raises(ValueError, match="key and value need the same length"):
        mha(x, m, torch.randn(2, 4, 8))
    with pytest.raises(ValueError, match="batch must match"):
        mha(x, torch.randn(1, 5, 8), torch.randn(1, 5, 8))
    with pytest.raises(ValueError, match=r"needs \[:, None, None, :\]"):
        mha(x, m, m, torch.ones(2, 5, dtype=torch.bool))


# ---- masks: True = may attend ------------------------------------------------------------------


def test_causal_mask_true_means_may_attend():
    m = causal_mask(4)
    assert m.dtype == torch.bool
    assert torch.equal(m, torch.tril(torch.ones(4, 4, dtype=torch.bool)))
    assert m[3, 0] and not m[0, 3]  # the last word sees the first, never the reverse


def test_attention_mask_shapes():
    key = torch.tensor([[True, True, False], [True, True, True]])
    m = attention_mask(key)
    assert m.shape == (2, 1, 1, 3)
    assert torch.equal(m[0, 0, 0], key[0])
    mc = attention_mask(key, causal=True)
    assert mc.shape == (2, 1, 3, 3)
    assert torch.equal(mc[1, 0], causal_mask(3))
    assert not mc[0, 0, :, 2].any(), "padding key 2 is blocked for every query"
    assert not mc[0, 0, 0, 1] and mc[0, 0, 1, 1]
