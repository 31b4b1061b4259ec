"""Attention: additive (Bahdanau), scaled dot-product and multi-head (Vaswani et al., 2017),
the masks that say who may attend to whom, and the interventions experiments make.

Masks are boolean, ``True`` where a query **may attend** to a key, as in
``torch.nn.functional.scaled_dot_product_attention`` (``nn.Transformer`` and
``nn.MultiheadAttention`` use the opposite meaning: convert with ``~mask``). A query allowed to see
no key at all gets all-zero weights and a zero output rather than NaN: there is nothing to average,
so it reads nothing.

Each public function checks its arguments in its first line (``_doors``: types, shapes, masks) and
its result for NaN; everything after that line is the paper's computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import _doors
from .specials import PAD_ID

KeysValues = tuple[Tensor, Tensor]  # K W^K and V W^V split into heads: (batch, heads, L, d_k) each


# ---- masks (True = may attend) ---------------------------------------------------------------
def padding_mask(ids: Tensor, pad_id: int = PAD_ID) -> Tensor:
    """``(batch, len)`` bool, ``True`` for real tokens (may be attended to).
    Taught in notebook 03; used again in 06, 10."""
    return ids != pad_id


def causal_mask(length: int, device=None) -> Tensor:
    """``(length, length)`` bool, ``True`` on and below the diagonal: position i may
    attend to positions 0..i, never to the future. Taught in notebook 03; used again in 10."""
    _doors.integer("length", length, minimum=0)
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


def attention_mask(key_mask: Tensor, causal: bool = False) -> Tensor:
    """Broadcastable attention mask ``(batch, 1, Lq, Lk)`` from a key padding mask
    ``(batch, Lk)``; with ``causal`` (self-attention, Lq == Lk) the future is blocked too.
    Taught in notebook 06."""
    _doors.key_padding(key_mask)
    mask = key_mask[:, None, None, :]  # (batch, 1, 1, Lk): the same for every head and query
    if causal:
        mask = mask & causal_mask(key_mask.shape[1], key_mask.device)  # (batch, 1, Lk, Lk)
    return mask


# ---- scaled dot-product attention ----------------------------------------------------------------
def scaled_dot_product_attention(
    q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None, *, dropout_p: float = 0.0, scale: float | None = None
) -> tuple[Tensor, Tensor]:
    """softmax(q k^T / sqrt(d_k)) v, returning the weights too.

    q: (..., Lq, E)   k: (..., Lk, E)   v: (..., Lk, Ev)
    mask: bool (True = may attend), broadcastable to (..., Lq, Lk); a causal mask is ``causal_mask(L)``
    returns output (..., Lq, Ev) and weights (..., Lq, Lk), the weights before dropout.
    Non-bool masks, scale <= 0 and inputs whose result would be NaN are refused.
    Taught in notebook 03; used again in 04.
    """
    _doors.attention(q, k, v, mask, dropout_p, scale)
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])  # the paper's 1 / sqrt(d_k)
    scores = (q * scale) @ k.transpose(-2, -1)  # (..., Lq, Lk); scaling q is cheaper than scaling scores
    weights = masked_softmax(scores, mask)
    used = F.dropout(weights, dropout_p) if dropout_p > 0 else weights  # dropout cuts whole links
    return _doors.finite(used @ v, q=q, k=k, v=v), weights


def masked_softmax(scores: Tensor, mask: Tensor | None) -> Tensor:
    """softmax over the last axis, keys (..., Lk), where ``mask`` is True; blocked keys get weight 0,
    and a row with no key allowed gets all zeros (not NaN). scores (..., Lq, Lk), mask bool
    broadcastable to it or None. Taught in notebook 03."""
    if mask is None:
        return torch.softmax(scores, dim=-1)
    # The most negative finite number, not -inf: a fully masked row then stays finite (and its
    # gradient too); the last line zeroes it.
    weights = torch.softmax(scores.masked_fill(~mask, torch.finfo(scores.dtype).min), dim=-1)
    return weights * mask.any(dim=-1, keepdim=True)


# ---- what an experiment tells the attentions ---------------------------------------------------------
class LayerIntervention(NamedTuple):
    """What one layer's attentions are told by an experiment: the score temperature and, per kind
    of attention, a ``(heads,)`` 0/1 mask (0 = head switched off). :meth:`Intervention.layer` makes
    one for each layer; for a lone attention module build it directly."""

    temperature: float = 1.0
    head_mask: dict[str, Tensor] = MappingProxyType({})


NO_LAYER_INTERVENTION = LayerIntervention()


@dataclass
class Intervention:
    """Experiments on a trained model, passed explicitly (never stored on the model).

    temperature divides every attention score before the softmax; head_mask maps an
    attention kind ("enc_self", "dec_self", "cross", or a GPT's "self") to a ``(layers, heads)``
    0/1 tensor, 0 switching that head off. Taught in notebook 08.
    """

    temperature: float = 1.0
    head_mask: dict[str, Tensor] = field(default_factory=dict)

    def __post_init__(self):
        self.temperature = _doors.intervention(self)

    def layer(self, index: int) -> LayerIntervention:
        """What layer ``index`` of each stack is told."""
        if self.temperature == 1.0 and not self.head_mask:
            return NO_LAYER_INTERVENTION
        rows = {
            kind: m[index] for kind, m in self.head_mask.items() if index < len(m)
        }  # the other stack's may be shorter
        return LayerIntervention(self.temperature, rows)


NO_INTERVENTION = Intervention()


# ---- additive attention (Bahdanau) -------------------------------------------------------------
class AdditiveAttention(nn.Module):
    """Bahdanau et al. (2015) attention: score(s, h) = v^T tanh(W_q s + W_k h).

    The keys' projection ``W_k h`` is the same at every decoding step, so the RNN
    decoder computes it once with :meth:`project_keys` and passes it in. Taught in notebook 02.
    """

    def __init__(self, query_dim: int, key_dim: int, hidden_dim: int):
        super().__init__()
        _doors.sizes(query_dim=query_dim, key_dim=key_dim, hidden_dim=hidden_dim)
        self.w_q = nn.Linear(query_dim, hidden_dim, bias=False)
        self.w_k = nn.Linear(key_dim, hidden_dim, bias=True)
        self.v = nn.Linear(hidden_dim, 1, bias=False)

    def project_keys(self, keys: Tensor) -> Tensor:
        """(batch, Lk, key_dim) -> (batch, Lk, hidden_dim)"""
        return self.w_k(keys)

    def forward(self, query, keys, values, mask=None, *, projected_keys=None, intervene=NO_LAYER_INTERVENTION):
        """query (batch, Lq, query_dim), keys (batch, Lk, key_dim), values (batch, Lk, Ev), mask
        (batch, Lk) bool True = may attend; ``projected_keys``: :meth:`project_keys` of the keys,
        if already computed; ``intervene``: a :class:`LayerIntervention` (its temperature divides
        the scores) -> context (batch, Lq, Ev), weights (batch, Lq, Lk)."""
        _doors.additive(self, query, keys, values, mask, intervene)
        pk = self.project_keys(keys) if projected_keys is None else projected_keys  # (batch, Lk, hidden)
        scores = self.v(torch.tanh(self.w_q(query)[:, :, None, :] + pk[:, None, :, :])).squeeze(-1)
        weights = masked_softmax(scores / intervene.temperature, None if mask is None else mask[:, None, :])
        return _doors.finite(weights @ values, query=query, keys=keys, values=values), weights


# ---- multi-head attention ----------------------------------------------------------------------
def split_heads(x: Tensor, n_heads: int) -> Tensor:
    """(batch, L, d_model) -> (batch, heads, L, d_k): each head gets its own d_k = d_model / heads
    slice of every position. Taught in notebook 04."""
    b, length, d_model = x.shape
    return x.view(b, length, n_heads, d_model // n_heads).transpose(1, 2)  # (batch, heads, L, d_k)


def merge_heads(x: Tensor) -> Tensor:
    """(batch, heads, L, d_k) -> (batch, L, heads * d_k): the heads' outputs side by side (Concat in
    Eq. 4 of the paper). Taught in notebook 04."""
    b, heads, length, d_k = x.shape
    return x.transpose(1, 2).reshape(b, length, heads * d_k)  # (batch, L, d_model)


class MultiHeadAttention(nn.Module):
    """MultiHead(Q, K, V) = Concat(head_1..head_h) W^O, head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V).

    Each head works in d_k = d_model / n_heads dimensions, so h heads cost about the same as one
    full-width head. With ``need_weights=False`` the same maths runs through PyTorch's fused kernel
    (``F.scaled_dot_product_attention``) and no weights come back. ``kind`` names this attention for
    an :class:`Intervention` ("enc_self", "dec_self", "cross" or "self"). Taught in notebook 04; used again in 05.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, kind: str = "self"):
        super().__init__()
        _doors.heads(d_model, n_heads, dropout)
        self.d_model, self.n_heads, self.d_k = d_model, n_heads, d_model // n_heads
        self.dropout, self.kind = dropout, kind
        self.q_proj = nn.Linear(d_model, d_model)  # W^Q of every head side by side
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)  # W^O

    def split_heads(self, x: Tensor) -> Tensor:
        """(batch, L, d_model) -> (batch, heads, L, d_k)"""
        return split_heads(x, self.n_heads)

    def merge_heads(self, x: Tensor) -> Tensor:
        """(batch, heads, L, d_k) -> (batch, L, d_model)"""
        return merge_heads(x)

    def forward(self, query, key, value, mask=None, *, need_weights=True, intervene=NO_LAYER_INTERVENTION):
        """query (batch, Lq, d_model), key/value (batch, Lk, d_model), mask broadcastable to
        (batch, heads, Lq, Lk), True = may attend; ``intervene``: a :class:`LayerIntervention`
        (temperature, heads switched off) -> output (batch, Lq, d_model), weights (batch, heads, Lq, Lk) or None.
        Taught in notebook 04."""
        return self.attend(query, self.keys_values(key, value), mask, need_weights=need_weights, intervene=intervene)

    def keys_values(self, key: Tensor, value: Tensor) -> KeysValues:
        """key/value (batch, Lk, d_model) -> K W^K and V W^V split into heads, (batch, heads, Lk, d_k)
        each. Decoding keeps these instead of recomputing them (a KV cache)."""
        _doors.keys_values(self, key, value)
        return self.split_heads(self.k_proj(key)), self.split_heads(self.v_proj(value))

    def attend(self, query, keys_values, mask=None, *, need_weights=True, intervene=NO_LAYER_INTERVENTION):
        """:meth:`forward` with the keys and values already projected (:meth:`keys_values`), as a KV
        cache keeps them. The other arguments and the results are :meth:`forward`'s. Taught in notebook 04."""
        _doors.attend(self, query, keys_values, mask, intervene)
        q = self.split_heads(self.q_proj(query))  # (batch, heads, Lq, d_k)
        k, v = keys_values
        p = self.dropout if self.training else 0.0
        scale = 1.0 / (math.sqrt(self.d_k) * intervene.temperature)
        if need_weights:
            out, weights = scaled_dot_product_attention(q, k, v, mask, dropout_p=p, scale=scale)
        else:
            out, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, scale=scale), None
        heads_on = intervene.head_mask.get(self.kind)  # (heads,) 0/1, or None: all on
        if heads_on is not None:
            out = out * heads_on.to(out.dtype).view(1, self.n_heads, 1, 1)  # (batch, heads, Lq, d_k)
        out = self.out_proj(self.merge_heads(out))  # (batch, Lq, d_model)
        return _doors.finite(out, query=query, key=k, value=v), weights


class LayerAttention(NamedTuple):
    """The attention weights one layer returns, (batch, heads, Lq, Lk) each, or None when not
    asked for (or, for ``cross``, in an encoder layer)."""

    self_attn: Tensor | None = None
    cross: Tensor | None = None
