"""Measurements behind notebooks 03-05: why scores are scaled by 1/sqrt(d_k), how a softmax
saturates, what attention costs against length, and the maths of sinusoidal positions.
These are what the notebooks' claims rest on; :mod:`transformer_lite.lab.demos` draws them.
"""

from __future__ import annotations

import math
import statistics

import torch

from ..config import single_thread
from ..model.attention import MultiHeadAttention
from ..model.layers import sinusoid_rates
from .timing import median_seconds


def entropy(weights: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of each attention row (..., Lk) -> (...); 0 * log 0 counts as 0. Taught in notebook 04."""
    w = weights.double()
    return -(w * torch.where(w > 0, w.log(), torch.zeros_like(w))).sum(-1)


def dot_product_variance(d_ks=(1, 4, 16, 64, 256, 1024), n: int = 4000, seed: int = 0) -> dict:
    """Variance of q.k for q, k with independent N(0, 1) entries, raw and divided by sqrt(d_k).

    Returns {"d_k": [...], "raw": [...], "scaled": [...]}: raw grows like d_k, scaled stays near 1.
    Taught in notebook 03.
    """
    g = torch.Generator().manual_seed(seed)
    raw, scaled = [], []
    for d in d_ks:
        q, k = torch.randn(n, d, generator=g, dtype=torch.float64), torch.randn(n, d, generator=g, dtype=torch.float64)
        dots = (q * k).sum(-1)
        raw.append(dots.var().item())
        scaled.append((dots / math.sqrt(d)).var().item())
    return {"d_k": list(d_ks), "raw": raw, "scaled": scaled}


def softmax_saturation(d_ks=(1, 4, 16, 64, 256, 1024), n_keys: int = 16, trials: int = 200, seed: int = 0) -> dict:
    """How peaked softmax(q.k) gets, and how small its gradient, with and without 1/sqrt(d_k).

    For each d_k: the mean largest weight, the mean entropy, and the mean norm of the
    gradient of the weights with respect to the scores (the Jacobian diag(p) - p p^T,
    Frobenius norm), which vanishes as the softmax saturates.
    Returns {"d_k": [...], "max_weight": {"raw": [...], "scaled": [...]}, "entropy": {...}, "grad_norm": {...}}.
    Taught in notebook 03.
    """
    g = torch.Generator().manual_seed(seed)
    out = {"d_k": list(d_ks), "max_weight": {"raw": [], "scaled": []}, "entropy": {"raw": [], "scaled": []}}
    out["grad_norm"] = {"raw": [], "scaled": []}
    for d in d_ks:
        q = torch.randn(trials, 1, d, generator=g, dtype=torch.float64)
        k = torch.randn(trials, n_keys, d, generator=g, dtype=torch.float64)
        dots = (q @ k.transpose(-2, -1)).squeeze(1)  # (trials, n_keys)
        for kind, scores in (("raw", dots), ("scaled", dots / math.sqrt(d))):
            p = torch.softmax(scores, -1)
            jac = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
            out["max_weight"][kind].append(p.max(-1).values.mean().item())
            out["entropy"][kind].append(entropy(p).mean().item())
            out["grad_norm"][kind].append(jac.flatten(1).norm(dim=-1).mean().item())
    return out


def attention_cost(
    lengths=(32, 64, 128, 256, 512), d_model: int = 64, n_heads: int = 4, batch: int = 4, repeats: int = 7
) -> dict:
    """Forward time of one multi-head self-attention (weights returned) against sequence
    length L, on the CPU with one thread, the median of ``repeats`` runs interleaved over the lengths
    (a burst of load elsewhere slows every length a little, not one length a lot); the time ratio of
    each doubling; and the size of the attention weights tensor (batch, heads, L, L) in float32 bytes,
    which is exact, not sampled. Taught in notebook 04.

    Returns {"length": [...], "seconds": [...], "growth": [t(L_i) / t(L_i-1), ...], "weights_bytes": [...]}.
    """
    torch.manual_seed(0)
    mha = MultiHeadAttention(d_model, n_heads).eval()
    inputs = [torch.randn(batch, n, d_model) for n in lengths]
    runs: list[list[float]] = [[] for _ in lengths]
    with single_thread(), torch.no_grad():
        for _ in range(repeats):
            for i, x in enumerate(inputs):
                runs[i].append(median_seconds(lambda x=x: mha(x, x, x), repeats=1))
        sizes = [mha(x, x, x)[1].numel() * 4 for x in inputs]  # float32 weights (batch, heads, L, L)
    seconds = [statistics.median(r) for r in runs]
    growth = [b / a for a, b in zip(seconds, seconds[1:])]
    return {"length": list(lengths), "seconds": seconds, "growth": growth, "weights_bytes": sizes}


def permutation_gap(layer, x: torch.Tensor, perm: torch.Tensor) -> float:
    """max |layer(x[:, perm]) - layer(x)[:, perm]|: 0 (to rounding) when ``layer`` is
    permutation-equivariant over positions. x (batch, L, d_model). Taught in notebook 05."""
    with torch.no_grad():
        return (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()


def offset_rotation(offset: int, d_model: int) -> torch.Tensor:
    """The (d_model, d_model) matrix M with PE[pos + offset] = M @ PE[pos] for every pos:
    a rotation by offset * rate_i in each (sin, cos) pair. It does not depend on pos, which
    is the paper's reason for choosing sinusoids (Sec. 3.5). Taught in notebook 05."""
    rates = sinusoid_rates(d_model)  # (d_model/2,)
    m = torch.zeros(d_model, d_model, dtype=torch.float64)
    c, s = torch.cos(offset * rates), torch.sin(offset * rates)
    i = torch.arange(0, d_model, 2)
    # sin(a + b) = sin a cos b + cos a sin b;  cos(a + b) = cos a cos b - sin a sin b
    m[i, i], m[i, i + 1] = c, s
    m[i + 1, i], m[i + 1, i + 1] = -s, c
    return m
