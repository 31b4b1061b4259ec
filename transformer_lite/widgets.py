"""Interactive demos for notebooks 03-05, and the measurements behind them.

Every widget is a thin shell around a plain callback that takes values and returns a
dict of data and a matplotlib figure, so the maths is testable without a browser:

* :func:`temperature_demo` / :func:`temperature_widget`: one query against a few keys;
  d_k, the 1/sqrt(d_k) scale and a softmax temperature change the weights and their entropy.
* :func:`mask_demo` / :func:`mask_widget`: padding and causal masks as matrices
  (True = may attend) and the attention weights they produce.
* :func:`head_demo` / :func:`head_widget`: per-head weights of an (untrained)
  multi-head self-attention over a corpus sentence.
* :func:`positional_demo` / :func:`positional_widget`: one position's encoding and one
  dimension's wave.

The measurements (:func:`dot_product_variance`, :func:`softmax_saturation`,
:func:`attention_cost`, :func:`permutation_gap`) are what the notebooks' claims rest on.
"""

from __future__ import annotations

import functools
import math
import time

import matplotlib.pyplot as plt
import torch

from .attention import MultiHeadAttention, scaled_dot_product_attention
from .config import single_thread
from .data import Vocab, causal_mask, lexicon
from .layers import PositionalEncoding, sinusoidal_encoding
from .viz import plot_attention


def entropy(weights: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of each attention row (..., Lk) -> (...); 0 * log 0 counts as 0."""
    w = weights.double()
    return -(w * torch.where(w > 0, w.log(), torch.zeros_like(w))).sum(-1)


# ---- measurements ----------------------------------------------------------------------------
def dot_product_variance(d_ks=(1, 4, 16, 64, 256, 1024), n: int = 4000, seed: int = 0) -> dict:
    """Variance of q.k for q, k with independent N(0, 1) entries, raw and divided by sqrt(d_k).

    Returns {"d_k": [...], "raw": [...], "scaled": [...]}: raw grows like d_k, scaled stays near 1.
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
    lengths=(32, 64, 128, 256, 512), d_model: int = 64, n_heads: int = 4, batch: int = 4, repeats: int = 3
) -> dict:
    """Forward time of one multi-head self-attention (weights returned) against sequence
    length L, on the CPU with one thread (steadier on a shared machine), the fastest of
    ``repeats`` (the least disturbed by other work); and the size of the attention weights
    tensor (batch, heads, L, L) in float32 bytes, which is exact, not sampled.

    Returns {"length": [...], "seconds": [...], "weights_bytes": [...]}.
    """
    torch.manual_seed(0)
    mha = MultiHeadAttention(d_model, n_heads).eval()
    seconds, sizes = [], []
    with single_thread(), torch.no_grad():
        for n in lengths:
            x = torch.randn(batch, n, d_model)
            mha(x, x, x)  # warm-up
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                _, w = mha(x, x, x)
                times.append(time.perf_counter() - t0)
            seconds.append(min(times))
            sizes.append(w.numel() * w.element_size())
    return {"length": list(lengths), "seconds": seconds, "weights_bytes": sizes}


def permutation_gap(layer, x: torch.Tensor, perm: torch.Tensor) -> float:
    """max |layer(x[:, perm]) - layer(x)[:, perm]|: 0 (to rounding) when ``layer`` is
    permutation-equivariant over positions. x (batch, L, d_model)."""
    with torch.no_grad():
        return (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()


# ---- 03: temperature and d_k -------------------------------------------------------------------
def temperature_demo(d_k: int = 16, temperature: float = 1.0, seed: int = 0, scale: bool = True, n_keys: int = 8):
    """One query against ``n_keys`` random keys (entries N(0, 1)) in ``d_k`` dimensions.

    scores = q.k (/ sqrt(d_k) if ``scale``) / temperature; weights = softmax(scores).
    Returns dict(scores, weights, entropy, max_entropy, fig).
    """
    if d_k < 1 or temperature <= 0 or n_keys < 1:
        raise ValueError(f"need d_k >= 1, temperature > 0, n_keys >= 1; got {d_k}, {temperature}, {n_keys}")
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(1, d_k, generator=g, dtype=torch.float64)
    k = torch.randn(n_keys, d_k, generator=g, dtype=torch.float64)
    scores = (q @ k.T).squeeze(0) / (math.sqrt(d_k) if scale else 1.0) / temperature
    weights = torch.softmax(scores, -1)
    h = entropy(weights).item()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 2.8))
    ax1.bar(range(n_keys), scores.numpy(), color="grey")
    ax1.set(title="scores" + (" / sqrt(d_k)" if scale else " (not scaled)"), xlabel="key")
    ax2.bar(range(n_keys), weights.numpy())
    ax2.set(ylim=(0, 1), title=f"weights: entropy {h:.2f} of max {math.log(n_keys):.2f} nats", xlabel="key")
    fig.suptitle(f"d_k = {d_k}, temperature = {temperature:g}")
    fig.tight_layout()
    return {"scores": scores, "weights": weights, "entropy": h, "max_entropy": math.log(n_keys), "fig": fig}


# ---- 03: masks ---------------------------------------------------------------------------------
MASK_KINDS = ("none", "padding", "causal", "padding + causal")


def mask_demo(kind: str = "padding", n_pad: int = 2, tokens=("the", "cat", "sleeps", "<eos>", "<pad>", "<pad>")):
    """The mask (True = may attend) for self-attention over ``tokens`` whose last ``n_pad``
    are padding, and the weights it produces on random queries/keys.

    kind: "none", "padding", "causal" or "padding + causal". Returns dict(mask, weights, fig).
    """
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind {kind!r}: choose one of {', '.join(MASK_KINDS)}")
    tokens = list(tokens)
    n = len(tokens)
    if not 0 <= n_pad < n:
        raise ValueError(f"n_pad must be in 0..{n - 1}; got {n_pad}")
    tokens = tokens[: n - n_pad] + ["<pad>"] * n_pad if n_pad else tokens
    keys_real = torch.arange(n) < n - n_pad  # (L,) padding mask over keys
    mask = torch.ones(n, n, dtype=torch.bool)
    if "padding" in kind:
        mask &= keys_real[None, :]
    if "causal" in kind:
        mask &= causal_mask(n)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=g)
    _, weights = scaled_dot_product_attention(x, x, x, mask)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    plot_attention(
        mask.float(), tokens, tokens, ax=ax1, title=f"mask ({kind}): True = may attend", cmap="Greys", cbar=False
    )
    plot_attention(weights, tokens, tokens, ax=ax2, title="attention weights")
    ax1.set(ylabel="query", xlabel="key")
    ax2.set(xlabel="key")
    fig.tight_layout()
    return {"mask": mask, "weights": weights, "fig": fig}


# ---- 04: heads -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _untrained_encoder(vocab_size: int, d_model: int, n_heads: int, seed: int):
    torch.manual_seed(seed)
    embed = torch.nn.Embedding(vocab_size, d_model)
    return embed, PositionalEncoding(d_model), MultiHeadAttention(d_model, n_heads).eval()


def head_weights(tokens, n_heads: int = 4, d_model: int = 32, seed: int = 0) -> torch.Tensor:
    """Self-attention weights (heads, L, L) of an **untrained** MultiHeadAttention over the
    embedded (random embeddings + sinusoidal positions) source ``tokens``."""
    vocab = _english_vocab()
    embed, pe, mha = _untrained_encoder(len(vocab.itos), d_model, n_heads, seed)
    ids = torch.tensor([vocab.encode(list(tokens))])
    with torch.no_grad():
        x = pe(embed(ids))
        _, w = mha(x, x, x)
    return w[0]


@functools.lru_cache(maxsize=1)
def _english_vocab() -> Vocab:
    return Vocab(lexicon("en"))


def head_demo(head: int = 0, tokens=("the", "small", "dog", "sees", "a", "red", "ball"), n_heads: int = 4, seed=0):
    """One head's weights over ``tokens`` (see :func:`head_weights`). Returns dict(weights
    (heads, L, L), head, fig)."""
    if not 0 <= head < n_heads:
        raise ValueError(f"head must be in 0..{n_heads - 1}; got {head}")
    weights = head_weights(tokens, n_heads=n_heads, seed=seed)
    fig, ax = plt.subplots(figsize=(max(3.5, 0.4 * len(tokens) + 1.5), max(3.0, 0.35 * len(tokens) + 1)))
    plot_attention(
        weights[head], list(tokens), list(tokens), ax=ax, title=f"head {head} of {n_heads} (untrained)", vmax=None
    )
    fig.tight_layout()
    return {"weights": weights, "head": head, "fig": fig}


# ---- 05: positions -------------------------------------------------------------------------------
def positional_demo(position: int = 10, dimension: int = 0, d_model: int = 64, max_len: int = 100):
    """The sinusoidal encoding: row ``position`` (a d_model vector) and column ``dimension``
    (a wave over positions, wavelength 2 pi 10000^(2i/d_model)).

    Returns dict(value, row, column, wavelength, fig)."""
    if not 0 <= position < max_len or not 0 <= dimension < d_model:
        raise ValueError(f"position must be in 0..{max_len - 1} and dimension in 0..{d_model - 1}")
    pe = sinusoidal_encoding(max_len, d_model)
    wavelength = 2 * math.pi * 10000 ** ((dimension - dimension % 2) / d_model)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 2.8))
    ax1.bar(range(d_model), pe[position].numpy(), color="tab:blue")
    ax1.bar([dimension], [pe[position, dimension].item()], color="tab:red")
    ax1.set(title=f"PE[pos={position}] over the {d_model} dimensions", xlabel="dimension", ylim=(-1.1, 1.1))
    ax2.plot(pe[:, dimension].numpy())
    ax2.plot([position], [pe[position, dimension].item()], "o", color="tab:red")
    wave = "sin" if dimension % 2 == 0 else "cos"
    ax2.set(
        title=f"dimension {dimension} ({wave}, wavelength {wavelength:.1f}) over positions",
        xlabel="position",
        ylim=(-1.1, 1.1),
    )
    fig.tight_layout()
    return {
        "value": pe[position, dimension].item(),
        "row": pe[position],
        "column": pe[:, dimension],
        "wavelength": wavelength,
        "fig": fig,
    }


# ---- the widgets -------------------------------------------------------------------------------------
def _shows(callback):
    """Wrap a callback so a widget displays its figure once and closes it."""
    from IPython.display import display

    @functools.wraps(callback)
    def show(**kwargs):
        fig = callback(**kwargs)["fig"]
        display(fig)
        plt.close(fig)

    return show


def temperature_widget():
    """Sliders for d_k and temperature, a scale switch and a seed."""
    import ipywidgets as w

    return w.interactive(
        _shows(temperature_demo),
        d_k=w.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], value=16, description="d_k"),
        temperature=w.FloatLogSlider(value=1.0, base=10, min=-1.5, max=1.5, step=0.05, description="temperature"),
        seed=w.IntSlider(value=0, min=0, max=20, description="seed"),
        scale=w.Checkbox(value=True, description="divide by sqrt(d_k)"),
        n_keys=w.fixed(8),
    )


def mask_widget():
    """Toggle the mask kind and the amount of padding."""
    import ipywidgets as w

    return w.interactive(
        _shows(mask_demo),
        kind=w.ToggleButtons(options=MASK_KINDS, value="padding", description="mask"),
        n_pad=w.IntSlider(value=2, min=0, max=4, description="padding"),
        tokens=w.fixed(("the", "cat", "sleeps", "<eos>", "<pad>", "<pad>")),
    )


def head_widget(sentences, n_heads: int = 4):
    """Pick a sentence (lists of tokens) and a head."""
    import ipywidgets as w

    options = [(" ".join(s) if len(s) < 12 else " ".join(s[:11]) + " ...", tuple(s)) for s in sentences]
    return w.interactive(
        _shows(head_demo),
        head=w.IntSlider(value=0, min=0, max=n_heads - 1, description="head"),
        tokens=w.Dropdown(options=options, value=options[0][1], description="sentence"),
        n_heads=w.fixed(n_heads),
        seed=w.fixed(0),
    )


def positional_widget(d_model: int = 64, max_len: int = 100):
    """Sliders for the position and the dimension of the sinusoidal encoding."""
    import ipywidgets as w

    return w.interactive(
        _shows(positional_demo),
        position=w.IntSlider(value=10, min=0, max=max_len - 1, description="position"),
        dimension=w.IntSlider(value=0, min=0, max=d_model - 1, description="dimension"),
        d_model=w.fixed(d_model),
        max_len=w.fixed(max_len),
    )


def offset_rotation(offset: int, d_model: int) -> torch.Tensor:
    """The (d_model, d_model) matrix M with PE[pos + offset] = M @ PE[pos] for every pos:
    a rotation by offset * rate_i in each (sin, cos) pair. It does not depend on pos, which
    is the paper's reason for choosing sinusoids (Sec. 3.5)."""
    rates = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    m = torch.zeros(d_model, d_model, dtype=torch.float64)
    c, s = torch.cos(offset * rates), torch.sin(offset * rates)
    i = torch.arange(0, d_model, 2)
    # sin(a + b) = sin a cos b + cos a sin b;  cos(a + b) = cos a cos b - sin a sin b
    m[i, i], m[i, i + 1] = c, s
    m[i + 1, i], m[i + 1, i + 1] = -s, c
    return m
