"""Attention: additive (Bahdanau), scaled dot-product and multi-head (Vaswani et al., 2017),
the masks that say who may attend to whom, and the interventions experiments make.

Mask convention (the same as ``torch.nn.functional.scaled_dot_product_attention``):
a boolean mask with ``True`` where a query **may attend** to a key. Every public function
takes boolean masks only and refuses others with a message that says how to convert
(0/1 numbers: ``mask.bool()``; an additive float mask: ``mask == 0``).
``torch.nn.Transformer``/``nn.MultiheadAttention`` use the opposite boolean meaning
(``True`` = blocked); convert with ``~mask``.

Fully masked rows (a query allowed to see no key at all) get all-zero weights and a
zero output rather than NaN: there is nothing to average, so the query reads nothing.

Public entry points check their arguments (see ``checks``); the layers call the unchecked
paths (:meth:`MultiHeadAttention.attend`, :meth:`AdditiveAttention.attend`), so no value
scan runs per layer or per decoding step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import checks as check
from .specials import PAD_ID


# ---- masks (True = may attend) ---------------------------------------------------------------
def padding_mask(ids: torch.Tensor, pad_id: int = PAD_ID) -> torch.Tensor:
    """``(batch, len)`` bool, ``True`` for real tokens (may be attended to). Taught in notebook 00."""
    return ids != pad_id


def causal_mask(length: int, device=None) -> torch.Tensor:
    """``(length, length)`` bool, ``True`` on and below the diagonal: position i may
    attend to positions 0..i, never to the future. Taught in notebook 06."""
    length = check.integer("length", length, minimum=0)
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


def attention_mask(key_mask: torch.Tensor, causal: bool = False) -> torch.Tensor:
    """Broadcastable attention mask ``(batch, 1, Lq, Lk)`` from a key padding mask
    ``(batch, Lk)``; with ``causal`` (self-attention, Lq == Lk) the future is blocked too.
    Taught in notebook 06."""
    if not isinstance(key_mask, torch.Tensor) or key_mask.dtype != torch.bool or key_mask.dim() != 2:
        check.bool_mask("key_mask", key_mask, ())  # names a type or dtype problem
        raise ValueError(f"key_mask must be (batch, Lk); got shape {tuple(key_mask.shape)}")
    mask = key_mask[:, None, None, :]  # (batch, 1, 1, Lk): the same for every head and query
    if causal:
        mask = mask & causal_mask(key_mask.shape[1], key_mask.device)  # (batch, 1, Lk, Lk)
    return mask


def _check_qkv(q, k, v, mask, dropout_p: float, scale: float | None) -> float:
    """Types, shapes, dtypes and values of :func:`scaled_dot_product_attention`'s arguments
    -> the scale to use."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        check.tensor(name, t)
        if t.dim() < 2:
            raise ValueError(f"q, k, v need shape (..., L, E); got {name} {tuple(t.shape)}")
    check.same_dtype(q=q, k=k, v=v)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            "q and k must share their last dimension E (the dot product runs over it); "
            f"got q {tuple(q.shape)}, k {tuple(k.shape)}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v need the same number of keys Lk; got k {tuple(k.shape)} and v {tuple(v.shape)}")
    for name, t in (("q", q), ("k", k), ("v", v)):
        check.finite(name, t)
    if mask is not None:
        batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2])
        check.bool_mask("mask", mask, tuple(batch) + (q.shape[-2], k.shape[-2]))
    check.number("dropout_p", dropout_p, 0.0, 1.0, high_open=True)
    if scale is None:
        return 1.0 / math.sqrt(q.shape[-1])
    return check.number("scale", scale, 0.0, 1e4, low_open=True)


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q k^T / sqrt(d_k)) v, returning the weights too.

    q: (..., Lq, E)   k: (..., Lk, E)   v: (..., Lk, Ev)
    mask: bool (True = may attend), broadcastable to (..., Lq, Lk)
    returns output (..., Lq, Ev) and weights (..., Lq, Lk), the weights before dropout.
    Arguments are checked (NaN/inf inputs, non-bool masks, scale <= 0 are refused).
    Taught in notebook 03; used again in 04.
    """
    scale = _check_qkv(q, k, v, mask, dropout_p, scale)
    return attention_unchecked(q, k, v, mask, dropout_p, check.flag("is_causal", is_causal), scale)


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """softmax over the last axis, keys (..., Lk), where ``mask`` is True; blocked keys get weight 0,
    and a row with no key allowed gets all zeros (not NaN). scores (..., Lq, Lk), mask bool
    broadcastable to it or None. Taught in notebook 03."""
    if mask is None:
        return torch.softmax(scores, dim=-1)
    # The most negative finite number, not -inf: a fully masked row then stays finite (and its
    # gradient too); the last line zeroes it.
    weights = torch.softmax(scores.masked_fill(~mask, torch.finfo(scores.dtype).min), dim=-1)
    return weights * mask.any(dim=-1, keepdim=True)


def attention_unchecked(
    q, k, v, mask, dropout_p: float, is_causal: bool, scale: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The maths of :func:`scaled_dot_product_attention`, without its argument checks (for callers
    that made them, and for the layers' per-step paths): scores, mask, softmax, weighted sum.
    Taught in notebook 03."""
    scores = (q * scale) @ k.transpose(-2, -1)  # (..., Lq, Lk); scaling q is cheaper than scaling scores
    if is_causal:
        causal = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool, device=q.device).tril()
        mask = causal if mask is None else mask & causal
    weights = masked_softmax(scores, mask)
    used = F.dropout(weights, dropout_p, training=True) if dropout_p > 0 else weights
    return used @ v, weights


class AdditiveAttention(nn.Module):
    """Bahdanau et al. (2015) attention: score(s, h) = v^T tanh(W_q s + W_k h).

    The keys' projection ``W_k h`` is the same at every decoding step, so the RNN
    decoder computes it once with :meth:`project_keys` and passes it in. Taught in notebook 02.
    """

    def __init__(self, query_dim: int, key_dim: int, hidden_dim: int):
        super().__init__()
        query_dim, key_dim = check.integer("query_dim", query_dim), check.integer("key_dim", key_dim)
        hidden_dim = check.integer("hidden_dim", hidden_dim)
        self.w_q = nn.Linear(query_dim, hidden_dim, bias=False)
        self.w_k = nn.Linear(key_dim, hidden_dim, bias=True)
        self.v = nn.Linear(hidden_dim, 1, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """(batch, Lk, key_dim) -> (batch, Lk, hidden_dim)"""
        return self.w_k(keys)

    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor,
        mask: torch.Tensor | None = None,
        projected_keys: torch.Tensor | None = None,
        temperature: float = 1.0,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """query (batch, Lq, query_dim), keys (batch, Lk, key_dim), values (batch, Lk, Ev),
        mask (batch, Lk) bool True = may attend -> context (batch, Lq, Ev), weights (batch, Lq, Lk).
        Arguments are checked; the RNN decoder calls :meth:`attend` at every step instead."""
        widths = {"query": ("query_dim", self.w_q.in_features), "keys": ("key_dim", self.w_k.in_features)}
        check.sequences(widths, query=query, keys=keys, values=values)
        for name, t in (("query", query), ("keys", keys), ("values", values)):
            check.finite(name, t)
        if keys.shape[:2] != values.shape[:2] or query.shape[0] != keys.shape[0]:
            raise ValueError(
                f"values must be (batch, Lk, Ev) like keys (batch, Lk, ...) and query (batch, ...); got query "
                f"{tuple(query.shape)}, keys {tuple(keys.shape)}, values {tuple(values.shape)}"
            )
        if mask is not None:
            check.key_mask("mask", mask, keys[..., 0])
        return self.attend(query, keys, values, mask, projected_keys, check.temperature(temperature))

    def attend(self, query: Tensor, keys: Tensor, values: Tensor, mask=None, projected_keys=None, temperature=1.0):
        """:meth:`forward` without the value scans (the decoder's per-step path); the same
        arguments and results."""
        temperature = check.temperature(temperature)
        pk = self.project_keys(keys) if projected_keys is None else projected_keys  # (batch, Lk, hidden)
        scores = self.v(torch.tanh(self.w_q(query)[:, :, None, :] + pk[:, None, :, :])).squeeze(-1) / temperature
        weights = masked_softmax(scores, None if mask is None else mask[:, None, :])  # mask (batch, 1, Lk)
        return weights @ values, weights  # (batch, Lq, Ev), (batch, Lq, Lk)


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(batch, L, d_model) -> (batch, heads, L, d_k): each head gets its own d_k = d_model / heads
    slice of every position. Taught in notebook 04."""
    b, length, d_model = x.shape
    return x.view(b, length, n_heads, d_model // n_heads).transpose(1, 2)  # (batch, heads, L, d_k)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(batch, heads, L, d_k) -> (batch, L, heads * d_k): the heads' outputs side by side (Concat in
    Eq. 4 of the paper). Taught in notebook 04."""
    b, heads, length, d_k = x.shape
    return x.transpose(1, 2).reshape(b, length, heads * d_k)  # (batch, L, d_model)


class MultiHeadAttention(nn.Module):
    """MultiHead(Q, K, V) = Concat(head_1..head_h) W^O, head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V).

    Each head works in d_k = d_model / n_heads dimensions, so h heads cost about the
    same as one full-width head. With ``need_weights=False`` the same maths runs through
    PyTorch's fused kernel (``F.scaled_dot_product_attention``) and no weights come back.
    Taught in notebook 04; used again in 05.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        d_model, n_heads = check.integer("d_model", d_model), check.integer("n_heads", n_heads)
        dropout = check.probability("dropout", dropout)
        if d_model % n_heads != 0:
            raise ValueError(
                f"d_model={d_model} is not divisible by n_heads={n_heads}: each head needs "
                f"d_model / n_heads dimensions (try n_heads in {[h for h in range(1, 17) if d_model % h == 0]})"
            )
        self.d_model, self.n_heads, self.d_k = d_model, n_heads, d_model // n_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, L, d_model) -> (batch, heads, L, d_k)"""
        return split_heads(x, self.n_heads)

    def merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, heads, L, d_k) -> (batch, L, d_model)"""
        return merge_heads(x)

    def keys_values(self, key: torch.Tensor, value: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """key/value (batch, Lk, d_model) -> their projections K W^K, V W^V split into heads,
        (batch, heads, Lk, d_k) each. Decoding keeps these instead of recomputing them (a KV cache)."""
        return self.split_heads(self.k_proj(key)), self.split_heads(self.v_proj(value))

    def _check(self, query, key, value, mask) -> None:
        """Types, shapes and the mask: cheap, so every call makes them."""
        width = ("d_model", self.d_model)
        check.sequences({"query": width, "key": width, "value": width}, query=query, key=key, value=value)
        if key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0]:
            raise ValueError(
                f"query/key/value disagree: query {tuple(query.shape)}, key {tuple(key.shape)}, "
                f"value {tuple(value.shape)} (batch must match; key and value need the same length)"
            )
        if mask is not None:
            target = (query.shape[0], self.n_heads, query.shape[1], key.shape[1])
            hint = " (batch, heads, Lq, Lk); a key padding mask (batch, Lk) needs [:, None, None, :]"
            check.bool_mask("mask", mask, target, hint)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = True,
        temperature: float = 1.0,
        head_mask: torch.Tensor | None = None,
        check_values: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """query (batch, Lq, d_model), key/value (batch, Lk, d_model),
        mask broadcastable to (batch, heads, Lq, Lk), True = may attend
        -> output (batch, Lq, d_model), weights (batch, heads, Lq, Lk) or None

        For experiments: ``temperature`` divides the scores before the softmax (>1 flattens,
        <1 sharpens), ``head_mask`` (heads,) multiplies each head's output (0 = ablated).
        Shapes, dtypes and the mask are always checked; ``check_values`` also refuses NaN/inf
        inputs (a pass over the data: the model's own layers, whose inputs are finite, skip it).
        Taught in notebook 04.
        """
        self._check(query, key, value, mask)
        if check_values:
            for name, t in (("query", query), ("key", key), ("value", value), ("head_mask", head_mask)):
                if t is not None and isinstance(t, torch.Tensor):
                    check.finite(name, t)
        k, v = self.keys_values(key, value)  # (batch, heads, Lk, d_k) each
        return self.attend(query, k, v, mask, need_weights, temperature, head_mask)

    def attend(
        self, query: Tensor, k: Tensor, v: Tensor, mask=None, need_weights=True, temperature=1.0, head_mask=None
    ) -> tuple[Tensor, Tensor | None]:
        """:meth:`forward` with keys and values already projected by :meth:`keys_values`,
        (batch, heads, Lk, d_k) each: decoding keeps them instead of recomputing them. The other
        arguments and the results are :meth:`forward`'s."""
        temperature = check.temperature(temperature)
        if mask is not None and mask.dtype != torch.bool:
            check.bool_mask("mask", mask, ())  # refuses with the conversion hint
        if head_mask is not None and (not isinstance(head_mask, torch.Tensor) or head_mask.shape != (self.n_heads,)):
            got = tuple(head_mask.shape) if isinstance(head_mask, torch.Tensor) else type(head_mask).__name__
            raise ValueError(f"head_mask must be a tensor of shape (n_heads,) = ({self.n_heads},), 0 = off; got {got}")
        q = self.split_heads(self.q_proj(query))  # (batch, heads, Lq, d_k)
        p = self.dropout if self.training else 0.0
        scale = 1.0 / (math.sqrt(self.d_k) * temperature)
        if need_weights:
            out, weights = attention_unchecked(q, k, v, mask, p, False, scale)
        else:
            out, weights = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, scale=scale), None
        # out: (batch, heads, Lq, d_k)
        if head_mask is not None:
            out = out * head_mask.to(out.dtype).view(1, self.n_heads, 1, 1)
        return self.out_proj(self.merge_heads(out)), weights  # (batch, Lq, d_model)


# ---- interventions and what a layer returns ---------------------------------------------------
ATTENTION_KINDS = ("enc_self", "dec_self", "cross")


@dataclass(frozen=True)
class LayerIntervention:
    """What one layer's attentions are told: the score temperature and, per attention kind
    ("enc_self", "dec_self", "cross"), a ``(heads,)`` 0/1 mask (0 = head switched off)."""

    temperature: float = 1.0
    head_mask: dict[str, torch.Tensor] = field(default_factory=dict)

    def heads(self, kind: str) -> torch.Tensor | None:
        return self.head_mask.get(kind)


NO_LAYER_INTERVENTION = LayerIntervention()


@dataclass
class Intervention:
    """Experiments on a trained model, passed explicitly (never stored on the model).

    temperature divides every attention score before the softmax; head_mask maps an
    attention kind ("enc_self", "dec_self", "cross") to a ``(layers, heads)`` 0/1 tensor,
    0 switching that head off. Taught in notebook 08.
    """

    temperature: float = 1.0
    head_mask: dict[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self):
        self.temperature = check.temperature(self.temperature)
        if not isinstance(self.head_mask, dict):
            raise TypeError(f"head_mask must be a dict {{kind: (layers, heads)}}; got {check.show(self.head_mask)}")
        for kind, m in self.head_mask.items():
            if kind not in ATTENTION_KINDS:
                raise ValueError(f"head_mask has an unknown kind {check.show(kind)}: use {', '.join(ATTENTION_KINDS)}")
            check.tensor(f"head_mask[{kind!r}]", m, dims=(2,))
            check.finite(f"head_mask[{kind!r}]", m)

    def check_shape(self, shape: dict[str, tuple[int, int]]) -> None:
        """Each head mask must be ``(layers, heads)`` of a kind of attention the model has
        (``shape``: the model's ``attention_shape()``)."""
        for kind, m in self.head_mask.items():
            if tuple(m.shape) != shape.get(kind):
                raise ValueError(
                    f"head_mask[{kind!r}] has shape {tuple(m.shape)}; this model's {kind!r} attention is "
                    f"{shape.get(kind, 'absent')} (layers, heads)"
                )

    def heads(self, kind: str, layer: int) -> torch.Tensor | None:
        """The ``(heads,)`` mask of one attention kind in one layer, or None."""
        mask = self.head_mask.get(kind)
        return None if mask is None else mask[layer]

    def layer(self, index: int) -> LayerIntervention:
        """The part of the intervention that layer ``index`` of each stack receives."""
        if self.temperature == 1.0 and not self.head_mask:
            return NO_LAYER_INTERVENTION
        return LayerIntervention(self.temperature, {kind: m[index] for kind, m in self.head_mask.items()})


NO_INTERVENTION = Intervention()


class LayerAttention(NamedTuple):
    """The attention weights one layer returns, (batch, heads, Lq, Lk) each, or None when not
    asked for (or, for ``cross``, in an encoder layer)."""

    self_attn: torch.Tensor | None = None
    cross: torch.Tensor | None = None
