"""The wrong answers notebook 04's multi-head grader knows (written as a student writes them).

``mha(...)`` gives the right forward without arguments and a known mistake with them."""

from __future__ import annotations

import math

import torch

from ..model.attention import MultiHeadAttention, merge_heads, scaled_dot_product_attention, split_heads

PROJECTIONS = ("q_proj", "k_proj", "v_proj")


def split_directly(t, n_heads):
    """(batch, L, d_model) viewed straight as (batch, heads, L, d_k): positions mixed into heads."""
    b, length, d = t.shape
    return t.reshape(b, n_heads, length, d // n_heads)


def split_no_transpose(t, n_heads):
    """(batch, L, heads, d_k): the heads axis left behind the positions."""
    b, length, d = t.shape
    return t.view(b, length, n_heads, d // n_heads)


def mha(
    inputs=("query", "key", "value"),
    use_mask=lambda m: m,
    project_out=True,
    split=split_heads,
    merge=merge_heads,
    weights=lambda w: w,
    layers=PROJECTIONS,
):
    """A multi-head forward a student might write: the right one with the defaults, a known mistake otherwise.
    ``inputs``: what the query, key and value projections read; ``layers``: the projections applied to
    them; ``split=None``: heads not split."""

    def forward(module, query, key, value, mask=None):
        given = {"query": query, "key": key, "value": value}
        q, k, v = (getattr(module, p)(given[n]) for p, n in zip(layers, inputs))
        if split:
            q, k, v = (split(t, module.n_heads) for t in (q, k, v))
        m = None if mask is None else use_mask(mask)
        out, w = scaled_dot_product_attention(q, k, v, m) if split else _one_head(q, k, v, m)
        out = merge(out) if split else out
        return (module.out_proj(out) if project_out else out), weights(w)

    return forward


def _one_head(q, k, v, mask):
    return scaled_dot_product_attention(q, k, v, None if mask is None else mask[:, 0])


def scaled_by_d_model(module, query, key, value, mask=None):
    q, k, v = (split_heads(getattr(module, p)(t), module.n_heads) for p, t in zip(PROJECTIONS, (query, key, value)))
    scores = q @ k.transpose(-2, -1) / math.sqrt(query.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return module.out_proj(merge_heads(weights @ v)), weights


def out_proj_first(module, query, key, value, mask=None):
    """The output projection applied to each head before the heads are merged."""
    q, k, v = (split_heads(getattr(module, p)(t), module.n_heads) for p, t in zip(PROJECTIONS, (query, key, value)))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    return merge_heads(module.out_proj(out)), weights


def scaled_twice(module, query, key, value, mask=None):
    """The queries divided by sqrt(d_k) before an attention that scales them again."""
    d_k = query.shape[-1] // module.n_heads
    q, k, v = (split_heads(getattr(module, p)(t), module.n_heads) for p, t in zip(PROJECTIONS, (query, key, value)))
    out, weights = scaled_dot_product_attention(q / math.sqrt(d_k), k, v, mask)
    return module.out_proj(merge_heads(out)), weights


def scale_missing(module, query, key, value, mask=None):
    """An attention written out by hand, without the 1/sqrt(d_k)."""
    q, k, v = (split_heads(getattr(module, p)(t), module.n_heads) for p, t in zip(PROJECTIONS, (query, key, value)))
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return module.out_proj(merge_heads(weights @ v)), weights


def mha_probes():
    """Cross-attention with key != value and a padding mask, 2 heads of width 4."""
    torch.manual_seed(11)
    mha = MultiHeadAttention(8, 2).eval()
    query, key, value = torch.randn(2, 3, 8), torch.randn(2, 4, 8), torch.randn(2, 4, 8)
    mask = torch.ones(2, 1, 1, 4, dtype=torch.bool)
    mask[0, ..., -1] = False
    return [(mha, query, key, value, mask), (mha, query, key, value)]
