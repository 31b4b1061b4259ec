"""Transformer building blocks: positional encoding, feed-forward, encoder and decoder layers.

Post-norm vs pre-norm. The paper (Sec. 3.1) wraps each sub-layer as
``LayerNorm(x + Sublayer(x))``: the norm comes *after* the residual sum ("post-norm",
our default, and ``torch.nn.Transformer``'s default). Most later models use
``x + Sublayer(LayerNorm(x))`` ("pre-norm", ``norm_first=True``): the residual path
stays an identity, which trains deep stacks more stably without warmup, and the stack
then needs one final LayerNorm.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from . import _doors
from .attention import NO_LAYER_INTERVENTION, KeysValues, LayerAttention, LayerIntervention, MultiHeadAttention


def sinusoid_rates(d_model: int, dtype=torch.float64) -> torch.Tensor:
    """The angular frequency of each sin/cos pair, 1 / 10000^(2i/d_model): (d_model/2,)."""
    _doors.even(d_model)
    return torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=dtype) / d_model)


def sinusoidal_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """The paper's Sec. 3.5 encoding, shape (max_len, d_model):
    PE(pos, 2i) = sin(pos / 10000^(2i/d_model)),  PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model)).
    Taught in notebook 05."""
    rates = sinusoid_rates(d_model)  # (d_model/2,)
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]  # (max_len, 1)
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * rates)
    pe[:, 1::2] = torch.cos(pos * rates)
    return pe.float()


class PositionalEncoding(nn.Module):
    """Adds position information to embeddings: sinusoidal (fixed, the paper's choice)
    or learned (one trained vector per position, which the paper found works as well).
    Taught in notebook 05."""

    def __init__(self, d_model: int, max_len: int = 512, dropout: float = 0.0, learned: bool = False):
        super().__init__()
        self.d_model, self.max_len, self.learned = d_model, max_len, learned
        self.dropout = nn.Dropout(dropout)
        if learned:
            self.table = nn.Parameter(torch.randn(max_len, d_model) * 0.02)
        else:
            self.register_buffer("table", sinusoidal_encoding(max_len, d_model), persistent=False)

    def encoding(self, length: int) -> torch.Tensor:
        """(length, d_model). Sinusoids extend to any length; a learned table cannot (refused)."""
        if length <= self.table.shape[0]:
            return self.table[:length]
        _doors.extrapolation(self, length)
        return sinusoidal_encoding(length, self.d_model).to(self.table.device)

    def forward(self, x: torch.Tensor, offset: int = 0, positions: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, L, d_model) -> (batch, L, d_model); ``offset``: position of x's first row
        (incremental decoding feeds one new position at a time); or ``positions`` (batch, L):
        each vector's own position (GPT counts positions over each row's real tokens)."""
        _doors.positions(self, x, positions)
        if positions is None:
            return self.dropout(x + self.encoding(offset + x.shape[1])[offset:].to(x.dtype))
        return self.dropout(x + self.encoding(int(positions.max()) + 1).to(x.dtype)[positions])


class FeedForward(nn.Module):
    """FFN(x) = max(0, x W1 + b1) W2 + b2, applied to each position separately (Sec. 3.3)."""

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0):
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_ff)
        self.linear2 = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, L, d_model) -> (batch, L, d_model)"""
        return self.linear2(self.dropout(torch.relu(self.linear1(x))))


class AddNorm(nn.Module):
    """The "Add & Norm" box around every sub-layer of Figure 1.

    Post-norm (the paper): ``norm(x + dropout(sublayer(x)))``. Pre-norm:
    ``x + dropout(sublayer(norm(x)))``. A layer calls :meth:`prepare` on its input, runs the
    sub-layer on the result, then calls this module with the input and the sub-layer's output.
    """

    def __init__(self, d_model: int, dropout: float, norm_first: bool):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.norm_first = norm_first

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """The sub-layer's input: norm(x) in pre-norm, x itself in post-norm. (batch, L, d_model)"""
        return self.norm(x) if self.norm_first else x

    def forward(self, x: torch.Tensor, sublayer_out: torch.Tensor) -> torch.Tensor:
        """x, sublayer_out (batch, L, d_model) -> the residual sum, normalised in post-norm"""
        if self.norm_first:
            return x + self.dropout(sublayer_out)
        return self.norm(x + self.dropout(sublayer_out))


class EncoderLayer(nn.Module):
    """Self-attention then feed-forward, each inside Add & Norm. Taught in notebook 06."""

    attention_kind = "enc_self"  # what an Intervention calls this layer's self-attention

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.1, norm_first: bool = False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout, kind=self.attention_kind)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.sub_self = AddNorm(d_model, dropout, norm_first)
        self.sub_ff = AddNorm(d_model, dropout, norm_first)

    def forward(
        self, x: Tensor, mask: Tensor | None = None, *, need_weights=False, intervene=NO_LAYER_INTERVENTION
    ) -> tuple[Tensor, LayerAttention]:
        """x (batch, S, d_model), mask broadcastable to (batch, heads, S, S)
        -> (batch, S, d_model), LayerAttention(self_attn=(batch, heads, S, S) or None)"""
        h = self.sub_self.prepare(x)
        attended, weights = self.self_attn(h, h, h, mask, need_weights=need_weights, intervene=intervene)  # MHA
        x = self.sub_self(x, attended)  # Add & Norm
        x = self.sub_ff(x, self.ff(self.sub_ff.prepare(x)))  # Feed Forward, Add & Norm
        return x, LayerAttention(self_attn=weights)


def cached_self_attention(
    layer: EncoderLayer,
    x: Tensor,
    *,
    past: KeysValues | None = None,
    mask: Tensor | None = None,
    need_weights: bool = False,
    intervene: LayerIntervention = NO_LAYER_INTERVENTION,
) -> tuple[Tensor, Tensor | None, KeysValues]:
    """A layer's masked self-attention sub-layer, Add & Norm included, for n new positions after m
    cached ones (decoding: the decoder layer's step, a GPT block). x (batch, n, d_model); past:
    the earlier positions' keys and values (batch, heads, m, d_k) or None; mask broadcastable to
    (batch, heads, n, m + n) or None -> (batch, n, d_model), weights (batch, heads, n, m + n) or
    None, the keys and values of all m + n positions. Earlier positions never read later ones,
    so their keys and values never change: each is computed once (the KV cache). Taught in notebook 10."""
    h = layer.sub_self.prepare(x)
    k, v = layer.self_attn.keys_values(h, h)  # (batch, heads, n, d_k) each
    if past is not None:
        k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)  # (batch, heads, m + n, d_k)
    attended, weights = layer.self_attn.attend(
        h, (k, v), mask, need_weights=need_weights, intervene=intervene
    )  # Masked Multi-Head Attention
    return layer.sub_self(x, attended), weights, (k, v)  # Add & Norm


class LayerCache(NamedTuple):
    """What a decoder layer keeps while it decodes: the keys and values of its self-attention over
    the t words written so far (batch, heads, t, d_k), and those of its cross-attention over the
    encoder output (batch, heads, S, d_k), computed once."""

    self_attn: KeysValues
    cross: KeysValues


class DecoderLayer(EncoderLayer):
    """The encoder layer's two sub-layers (its self-attention now masked) with a third between
    them: cross-attention over the encoder output ("memory"); each inside Add & Norm.
    Taught in notebook 06."""

    attention_kind = "dec_self"

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.1, norm_first: bool = False):
        super().__init__(d_model, n_heads, d_ff, dropout, norm_first)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout, kind="cross")
        self.sub_cross = AddNorm(d_model, dropout, norm_first)

    def forward(
        self,
        x: Tensor,
        memory: Tensor,
        self_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        *,
        need_weights: bool = False,
        intervene: LayerIntervention = NO_LAYER_INTERVENTION,
    ) -> tuple[Tensor, LayerAttention]:
        """x (batch, T, d_model), memory (batch, S, d_model); self_mask broadcastable to
        (batch, heads, T, T) (causal), memory_mask to (batch, heads, T, S)
        -> (batch, T, d_model), LayerAttention(self_attn (batch, heads, T, T), cross (batch, heads, T, S))"""
        h = self.sub_self.prepare(x)
        attended, self_w = self.self_attn(h, h, h, self_mask, need_weights=need_weights, intervene=intervene)
        x = self.sub_self(x, attended)  # Masked Multi-Head Attention, Add & Norm
        h = self.sub_cross.prepare(x)
        read, cross_w = self.cross_attn(h, memory, memory, memory_mask, need_weights=need_weights, intervene=intervene)
        x = self.sub_cross(x, read)  # Multi-Head Attention over the encoder output, Add & Norm
        x = self.sub_ff(x, self.ff(self.sub_ff.prepare(x)))  # Feed Forward, Add & Norm
        return x, LayerAttention(self_w, cross_w)

    def start_cache(self, memory: Tensor) -> LayerCache:
        """The cache :meth:`step` starts from: no word written yet, and the cross-attention keys and
        values of the encoder output (batch, S, d_model), computed once for every step."""
        cross = self.cross_attn.keys_values(memory, memory)  # (batch, heads, S, d_k) each
        empty = cross[0][:, :, :0]  # (batch, heads, 0, d_k)
        return LayerCache((empty, empty), cross)

    def step(
        self, x: Tensor, cache: LayerCache, memory_mask: Tensor | None = None, *, intervene=NO_LAYER_INTERVENTION
    ) -> tuple[Tensor, LayerCache]:
        """Incremental decoding: x (batch, 1, d_model) is the newest position only; ``cache`` (from
        :meth:`start_cache` or the previous step) -> (batch, 1, d_model), the cache with this
        position's keys and values appended. Earlier positions never see later ones, so neither
        their outputs nor their keys and values change: a step is O(t) instead of O(t^2)."""
        x, _, self_kv = cached_self_attention(self, x, past=cache.self_attn, intervene=intervene)  # Masked MHA
        h = self.sub_cross.prepare(x)
        read, _ = self.cross_attn.attend(h, cache.cross, memory_mask, need_weights=False, intervene=intervene)
        x = self.sub_cross(x, read)  # MHA over the cached encoder keys and values, Add & Norm
        x = self.sub_ff(x, self.ff(self.sub_ff.prepare(x)))  # Feed Forward, Add & Norm
        return x, LayerCache(self_kv, cache.cross)
