"""Interactive demos for notebooks 03-05.

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

The measurements these demos illustrate live in :mod:`transformer_lite.measure.scaling`.
"""

from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import torch

from .. import checks as check
from ..data import Vocab
from ..i18n import N_, _, tr
from ..lexicon import lexicon
from ..measure.scaling import entropy
from ..model.attention import MultiHeadAttention, attention_mask, scaled_dot_product_attention
from ..model.layers import PositionalEncoding, sinusoid_rates, sinusoidal_encoding
from .access import FOCUS_CLASS, describe_weights, focus_style
from .viz import FULL_LABEL, plot_attention, plot_mask

# Every sentence the demos write under their pictures (their text twins), whole and in one place, marked for
# the catalog; ``tr`` translates each when it is written.
TEXT = {
    "weights": N_(
        "Weights over the {n} keys: {weights}. Largest: key {best} ({top:.2f}); entropy {h:.2f} of max {hmax:.2f} nats."
    ),
    "key_weight": N_("key {key} {weight:.2f}"),
    "mask_row": N_("{query} may attend to {keys}"),
    "mask_row_none": N_("{query} may attend to nothing"),
    "mask": N_("Mask ({kind}), row by row: {rows}."),
    "position": N_(
        "PE[{position}, {dimension}] = {value:.3f}. Dimension {dimension} is a {wave} wave of wavelength "
        "{wavelength:.1f} positions; position {position} over the {d_model} dimensions ranges "
        "from {low:.2f} to {high:.2f}."
    ),
}


def phrase(name: str, /, **fields) -> str:
    """``TEXT[name]`` in the course's language, its ``{fields}`` filled. (Not ``tr(TEXT["..."])``: babel would
    read the key as a message; it reads the ``N_`` marks above.)"""
    return tr(TEXT[name], **fields)


# ---- 03: temperature and d_k -------------------------------------------------------------------
def temperature_demo(d_k: int = 16, temperature: float = 1.0, seed: int = 0, scale: bool = True, n_keys: int = 8):
    """One query against ``n_keys`` random keys (entries N(0, 1)) in ``d_k`` dimensions.

    scores = q.k (/ sqrt(d_k) if ``scale``) / temperature; weights = softmax(scores).
    Returns dict(scores, weights, entropy, max_entropy, fig, text: the picture in words).
    Taught in notebook 03.
    """
    temperature = check.temperature(temperature)  # the model's rule: 0, NaN or 1e-320 would draw NaN weights
    if d_k < 1 or n_keys < 1:
        raise ValueError(f"need d_k >= 1, n_keys >= 1; got {d_k}, {n_keys}")
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(1, d_k, generator=g, dtype=torch.float64)
    k = torch.randn(n_keys, d_k, generator=g, dtype=torch.float64)
    scores = (q @ k.T).squeeze(0) / (math.sqrt(d_k) if scale else 1.0) / temperature
    weights = torch.softmax(scores, -1)
    h = entropy(weights).item()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 2.8))
    ax1.bar(range(n_keys), scores.numpy(), color="grey")
    ax1.set(title=_("scores / sqrt(d_k)") if scale else _("scores (not scaled)"), xlabel=_("key"))
    ax2.bar(range(n_keys), weights.numpy())
    title = tr("weights: entropy {h:.2f} of max {hmax:.2f} nats", h=h, hmax=math.log(n_keys))
    ax2.set(ylim=(0, 1), title=title, xlabel=_("key"))
    fig.suptitle(tr("d_k = {d_k}, temperature = {temperature:g}", d_k=d_k, temperature=temperature))
    fig.tight_layout()
    text = phrase(
        "weights",
        n=n_keys,
        weights=", ".join(phrase("key_weight", key=i, weight=x) for i, x in enumerate(weights.tolist())),
        best=int(weights.argmax()),
        top=weights.max().item(),
        h=h,
        hmax=math.log(n_keys),
    )
    return {
        "scores": scores,
        "weights": weights,
        "entropy": h,
        "max_entropy": math.log(n_keys),
        "fig": fig,
        "text": text,
    }


# ---- 03: masks ---------------------------------------------------------------------------------
MASK_KINDS = (N_("none"), N_("padding"), N_("causal"), N_("padding + causal"))  # English values; _() labels them


MAX_PAD = 8


def mask_demo(kind: str = "padding", n_pad: int = 2, tokens=("the", "cat", "sleeps", "<eos>")):
    """The mask (True = may attend) for self-attention over the sentence ``tokens`` padded
    with ``n_pad`` ``<pad>`` tokens (as in a batch whose longest sentence is ``n_pad`` tokens
    longer), and the weights it produces on random queries/keys.

    kind: "none", "padding", "causal" or "padding + causal". Returns dict(mask, weights, fig, text).
    The picture of notebook 03's mask widget (:func:`mask_widget`). Taught in notebook 03.
    """
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind {kind!r}: choose one of {', '.join(MASK_KINDS)}")
    if not isinstance(n_pad, int) or not 0 <= n_pad <= MAX_PAD:
        raise ValueError(f"n_pad must be an integer from 0 to {MAX_PAD} (the number of <pad> tokens); got {n_pad!r}")
    tokens = list(tokens)
    if not tokens or "<pad>" in tokens:
        raise ValueError(f"tokens must be a non-empty sentence without <pad> (n_pad adds the padding); got {tokens}")
    tokens = tokens + ["<pad>"] * n_pad
    n = len(tokens)
    keys = torch.arange(n) < n - n_pad if "padding" in kind else torch.ones(n, dtype=torch.bool)  # (L,) real keys
    mask = attention_mask(keys[None], causal="causal" in kind)[0, 0].expand(n, n).contiguous()  # (L, L)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=g)
    _output, weights = scaled_dot_product_attention(x, x, x, mask)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
    plot_mask(mask, tokens, tokens, ax=ax1, title=tr("mask ({kind}): True = may attend", kind=_(kind)))
    plot_attention(weights, tokens, tokens, ax=ax2, title=_("attention weights"))
    ax1.set(ylabel=_("query"), xlabel=_("key"))
    ax2.set(xlabel=_("key"))
    fig.tight_layout()
    rows = []
    for q, allowed in enumerate(mask.tolist()):
        keys = [t for t, ok in zip(tokens, allowed) if ok]
        rows.append(
            phrase("mask_row", query=tokens[q], keys=", ".join(keys))
            if keys
            else phrase("mask_row_none", query=tokens[q])
        )
    text = phrase("mask", kind=_(kind), rows="; ".join(rows)) + " " + describe_weights(weights, tokens, tokens)[1]
    return {"mask": mask, "weights": weights, "fig": fig, "text": text}


# ---- 04: heads -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _untrained_encoder(vocab_size: int, d_model: int, n_heads: int, seed: int):
    torch.manual_seed(seed)
    embed = torch.nn.Embedding(vocab_size, d_model)
    return embed, PositionalEncoding(d_model), MultiHeadAttention(d_model, n_heads).eval()


def head_weights(tokens, n_heads: int = 4, d_model: int = 32, seed: int = 0) -> torch.Tensor:
    """Self-attention weights (heads, L, L) of an **untrained** MultiHeadAttention over the
    embedded (random embeddings + sinusoidal positions) source ``tokens``. Taught in notebook 04."""
    vocab = _english_vocab()
    embed, pe, mha = _untrained_encoder(len(vocab.itos), d_model, n_heads, seed)
    ids = torch.tensor([vocab.encode(list(tokens))])
    with torch.no_grad():
        x = pe(embed(ids))
        _output, w = mha(x, x, x)
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
    text = describe_weights(weights[head], list(tokens), list(tokens))[1]
    fig, ax = plt.subplots(figsize=(max(3.5, 0.4 * len(tokens) + 1.5), max(3.0, 0.35 * len(tokens) + 1)))
    plot_attention(
        weights[head],
        list(tokens),
        list(tokens),
        ax=ax,
        title=tr("head {head} of {n_heads} (untrained)", head=head, n_heads=n_heads),
        vmax=None,
    )
    fig.tight_layout()
    return {"weights": weights, "head": head, "fig": fig, "text": text}


# ---- 05: positions -------------------------------------------------------------------------------
def positional_demo(position: int = 10, dimension: int = 0, d_model: int = 64, max_len: int = 100):
    """The sinusoidal encoding: row ``position`` (a d_model vector) and column ``dimension``
    (a wave over positions, wavelength 2 pi 10000^(2i/d_model)).

    Returns dict(value, row, column, wavelength, fig, text)."""
    if not 0 <= position < max_len or not 0 <= dimension < d_model:
        raise ValueError(f"position must be in 0..{max_len - 1} and dimension in 0..{d_model - 1}")
    pe = sinusoidal_encoding(max_len, d_model)
    wavelength = 2 * math.pi / sinusoid_rates(d_model)[dimension // 2].item()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 2.8))
    ax1.bar(range(d_model), pe[position].numpy(), color="tab:blue")
    ax1.bar([dimension], [pe[position, dimension].item()], color="tab:red")
    title = tr("PE[pos={position}] over the {d_model} dimensions", position=position, d_model=d_model)
    ax1.set(title=title, xlabel=_("dimension"), ylim=(-1.1, 1.1))
    ax2.plot(pe[:, dimension].numpy())
    ax2.plot([position], [pe[position, dimension].item()], "o", color="tab:red")
    wave = "sin" if dimension % 2 == 0 else "cos"
    ax2.set(
        title=tr(
            "dimension {dimension} ({wave}, wavelength {wavelength:.1f}) over positions",
            dimension=dimension,
            wave=wave,
            wavelength=wavelength,
        ),
        xlabel=_("position"),
        ylim=(-1.1, 1.1),
    )
    fig.tight_layout()
    text = phrase(
        "position",
        position=position,
        dimension=dimension,
        value=pe[position, dimension].item(),
        wave=wave,
        wavelength=wavelength,
        d_model=d_model,
        low=pe[position].min().item(),
        high=pe[position].max().item(),
    )
    return {
        "text": text,
        "value": pe[position, dimension].item(),
        "row": pe[position],
        "column": pe[:, dimension],
        "wavelength": wavelength,
        "fig": fig,
    }


# ---- the widgets -------------------------------------------------------------------------------------
def _shows(callback):
    """Wrap a callback so a widget displays its figure once, closes it, and prints the
    picture in words under it (its text twin, for a screen reader)."""
    from IPython.display import display

    @functools.wraps(callback)
    def show(**kwargs):
        result = callback(**kwargs)
        display(result["fig"])
        plt.close(result["fig"])
        print(result["text"])

    return show


def _keyboard_ready(widget):
    """Every control of an ``interactive`` is a native input (Tab, arrows, Space); add the
    visible focus ring."""
    widget.add_class(FOCUS_CLASS)
    widget.children = (*widget.children, focus_style())
    return widget


def temperature_widget():
    """Sliders for d_k and temperature, a scale switch and a seed. Taught in notebook 03."""
    import ipywidgets as w

    return _keyboard_ready(
        w.interactive(
            _shows(temperature_demo),
            d_k=w.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], value=16, description="d_k"),
            temperature=w.FloatLogSlider(
                value=1.0, base=10, min=-1.5, max=1.5, step=0.05, description=_("temperature"), style=FULL_LABEL
            ),
            seed=w.IntSlider(value=0, min=0, max=20, description=_("seed"), style=FULL_LABEL),
            scale=w.Checkbox(value=True, description=_("divide by sqrt(d_k)")),
            n_keys=w.fixed(8),
        )
    )


def mask_widget():
    """Toggle the mask kind and the amount of padding. Taught in notebook 03."""
    import ipywidgets as w

    return _keyboard_ready(
        w.interactive(
            _shows(mask_demo),
            kind=w.ToggleButtons(
                options=[(_(k), k) for k in MASK_KINDS], value="padding", description=_("mask"), style=FULL_LABEL
            ),
            n_pad=w.IntSlider(value=2, min=0, max=4, description=_("padding"), style=FULL_LABEL),
            tokens=w.fixed(("the", "cat", "sleeps", "<eos>")),
        )
    )


def head_widget(sentences, n_heads: int = 4):
    """Pick a sentence (lists of tokens) and a head. Taught in notebook 04."""
    import ipywidgets as w

    options = [(" ".join(s) if len(s) < 12 else " ".join(s[:11]) + " ...", tuple(s)) for s in sentences]
    return _keyboard_ready(
        w.interactive(
            _shows(head_demo),
            head=w.IntSlider(value=0, min=0, max=n_heads - 1, description=_("head"), style=FULL_LABEL),
            tokens=w.Dropdown(options=options, value=options[0][1], description=_("sentence"), style=FULL_LABEL),
            n_heads=w.fixed(n_heads),
            seed=w.fixed(0),
        )
    )


def positional_widget(d_model: int = 64, max_len: int = 100):
    """Sliders for the position and the dimension of the sinusoidal encoding. Taught in notebook 05."""
    import ipywidgets as w

    return _keyboard_ready(
        w.interactive(
            _shows(positional_demo),
            position=w.IntSlider(value=10, min=0, max=max_len - 1, description=_("position"), style=FULL_LABEL),
            dimension=w.IntSlider(value=0, min=0, max=d_model - 1, description=_("dimension"), style=FULL_LABEL),
            d_model=w.fixed(d_model),
            max_len=w.fixed(max_len),
        )
    )
