"""Checks for notebook 04's exercises (Multi-head attention), in notebook order."""

from __future__ import annotations

import torch

from ..model.attention import MultiHeadAttention, merge_heads, split_heads
from . import Case, Hints, Mistake, Probe, exercise

hint = Hints(
    "nb04",
    {
        "split_heads": (
            "d_model is heads x d_k laid side by side for each position: cut each position's vector into heads "
            "first, then move the heads axis in front of the positions",
            "x.view(batch, L, n_heads, d_model // n_heads).transpose(1, 2)",
        ),
        "merge_heads": (
            "undo split_heads in reverse order: positions back in front of the heads, then glue the heads of each "
            "position side by side (the tensor is no longer contiguous)",
            "x.transpose(1, 2).reshape(batch, L, heads * d_k)",
        ),
        "multi_head": (
            "project the query, key and value, attend in every head at once with notebook 03's attention, then "
            "glue the heads back together and project the result",
            "q = mha.split_heads(mha.q_proj(query)) (same for k, v); out, w = scaled_dot_product_attention(q, k, "
            "v, mask); return mha.out_proj(mha.merge_heads(out)), w",
        ),
    },
)


def _split_case(b, n, d, h, seed, fn):
    def run():
        x = torch.randn(b, n, d, generator=torch.Generator().manual_seed(seed))
        return fn(x, h), split_heads(x, h)

    return run


def check_split_heads(fn, hidden: bool = False):
    """Notebook 04, Your turn 1: ``fn(x, n_heads)``: (batch, L, d_model) -> (batch, heads, L, d_k)."""
    shapes = [(1, 3, 4, 2), (2, 5, 8, 4), (3, 2, 6, 1)]
    cases = [
        Case(f"(batch={b}, L={n}, d_model={d}) into {h} heads", _split_case(b, n, d, h, s, fn))
        for s, (b, n, d, h) in enumerate(shapes)
    ]
    hidden_cases = [Case("(batch=2, L=4, d_model=12) into 3 heads", _split_case(2, 4, 12, 3, 7, fn))]
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).view(2, 3, 8)
    probes = [
        Probe(
            (x, 4),
            [
                Mistake(
                    "you reshaped straight to (batch, heads, L, d_k): that mixes positions into heads. Cut each "
                    "position into heads first, then move the heads axis.",
                    lambda x, h: x.reshape(x.shape[0], h, x.shape[1], x.shape[2] // h),
                )
            ],
        )
    ]
    return exercise(hint, "split_heads", "04 Your turn 1 (split heads)", cases, fn, probes, hidden_cases, hidden)


def _merge_case(shape, seed, fn):
    def run():
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
        return fn(x), merge_heads(x)

    return run


def check_merge_heads(fn, hidden: bool = False):
    """Notebook 04, Your turn 1: ``fn(x)``: (batch, heads, L, d_k) -> (batch, L, heads * d_k), the inverse
    of split_heads."""
    shapes = [(1, 2, 3, 2), (2, 4, 5, 2), (3, 1, 2, 6)]
    cases = [Case(f"shape {s}", _merge_case(s, i, fn)) for i, s in enumerate(shapes)]
    hidden_cases = [Case("shape (2, 3, 4, 4)", _merge_case((2, 3, 4, 4), 9, fn))]
    x = torch.arange(2 * 4 * 3 * 2, dtype=torch.float32).view(2, 4, 3, 2)
    probes = [
        Probe(
            (x,),
            [
                Mistake(
                    "you reshaped without moving the heads axis back: that mixes heads into positions.",
                    lambda x: x.reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]),
                )
            ],
        )
    ]
    return exercise(hint, "merge_heads", "04 Your turn 1 (merge heads)", cases, fn, probes, hidden_cases, hidden)


def _mha_case(d, h, b, lq, lk, seed, fn, masked=False):
    def run():
        torch.manual_seed(seed)
        mha = MultiHeadAttention(d, h).eval()
        g = torch.Generator().manual_seed(seed)
        query, memory = torch.randn(b, lq, d, generator=g), torch.randn(b, lk, d, generator=g)
        mask = None
        if masked:
            mask = torch.ones(b, 1, 1, lk, dtype=torch.bool)
            mask[0, ..., -1] = False
        with torch.no_grad():
            got = fn(mha, query, memory, memory, mask) if masked else fn(mha, query, memory, memory)
            return got, mha(query, memory, memory, mask)

    return run


def check_multi_head(fn, hidden: bool = False):
    """Notebook 04, Your turn 2: ``fn(mha, query, key, value, mask=None) -> (output, weights)`` with
    ``mha.q_proj/k_proj/v_proj/out_proj`` and ``mha.n_heads``; must equal ``mha(query, key, value, mask)``."""
    cases = [
        Case("one head (d_model=4)", _mha_case(4, 1, 1, 3, 3, 0, fn)),
        Case("2 heads, self-attention shapes", _mha_case(8, 2, 2, 5, 5, 1, fn)),
        Case(
            "4 heads, cross-attention (Lq=3, Lk=6)",
            _mha_case(16, 4, 2, 3, 6, 2, fn),
            "the query comes from one sequence, key and value from another; weights are (batch, heads, Lq, Lk)",
        ),
        Case(
            "4 heads with a padding mask",
            _mha_case(16, 4, 2, 4, 5, 3, fn, masked=True),
            "pass the mask on to the attention",
        ),
    ]
    hidden_cases = [Case("8 heads of width 1, a padding mask", _mha_case(8, 8, 3, 2, 4, 4, fn, masked=True))]
    return exercise(hint, "multi_head", "04 Your turn 2 (multi-head forward)", cases, fn, (), hidden_cases, hidden)
