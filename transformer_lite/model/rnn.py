"""Recurrent encoder-decoder (Seq2Seq) models, with and without attention.

* ``attention="none"``: Cho et al. (2014). The decoder sees the source only through one
  fixed-size context vector, the encoder's final state: the bottleneck.
* ``attention="additive"``: Bahdanau et al. (2015). At every step the decoder scores all
  encoder states against its previous state, and reads their weighted average.
* ``attention="dot"``: Luong et al. (2015) "general" score, s^T W h.

All return attention as ``{"cross": [(batch, 1, tgt_len, src_len)]}``: one layer with one
head, the same layout as the Transformer, so every plot works for both. For the
no-attention model it is ``None``: there is nothing to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import torch
from torch import Tensor, nn

from . import _doors
from .attention import NO_INTERVENTION, AdditiveAttention, Intervention, LayerIntervention, scaled_dot_product_attention
from .base import TranslationModel, replay
from .specials import PAD_ID

ATTENTION_KINDS = ("none", "additive", "dot")


@dataclass
class RNNConfig:
    """Everything that builds a :class:`Seq2Seq` (stored in its checkpoints)."""

    src_vocab_size: int
    tgt_vocab_size: int
    emb_dim: int = 64
    hidden_dim: int = 128
    attention: str = "additive"  # "none", "additive" or "dot"
    dropout: float = 0.1

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"attention": ATTENTION_KINDS}

    def __post_init__(self):
        _doors.config(self)


class RNNMemory(NamedTuple):
    """What the decoder reads from the source at every step: the encoder states (batch, S, 2*hidden),
    the final ones of both directions (batch, 2*hidden), and the keys the attention scores (the
    states themselves, or their projection W_k h for additive attention, computed once)."""

    states: Tensor
    final: Tensor
    keys: Tensor


class Seq2Seq(TranslationModel):
    """Bidirectional GRU encoder, GRU decoder; the attention kind comes from the config.
    Taught in notebooks 01 and 02."""

    config_class = RNNConfig

    def __init__(self, config: RNNConfig):
        super().__init__(config)
        c = config
        h = c.hidden_dim
        self.src_embed = nn.Embedding(c.src_vocab_size, c.emb_dim, padding_idx=PAD_ID)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.emb_dim, padding_idx=PAD_ID)
        self.encoder = nn.GRU(c.emb_dim, h, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * h, h)  # final encoder states -> first decoder state
        self.dropout = nn.Dropout(c.dropout)
        if c.attention == "additive":
            self.attn = AdditiveAttention(h, 2 * h, h)
        elif c.attention == "dot":
            self.attn_query = nn.Linear(h, 2 * h, bias=False)  # the W in s^T W h
        self.cell = nn.GRUCell(c.emb_dim + 2 * h, h)
        self.out = nn.Linear(h + 2 * h + c.emb_dim, c.tgt_vocab_size)

    def attention_shape(self) -> dict[str, tuple[int, int]]:
        """{kind: (layers, heads)}: one cross-attention "head", or nothing without attention."""
        return {} if self.config.attention == "none" else {"cross": (1, 1)}

    # ---- encoder -----------------------------------------------------------------------
    def encode(self, src: Tensor, src_mask: Tensor) -> RNNMemory:
        """src (batch, S), src_mask (batch, S) -> the memory: states (batch, S, 2*hidden), final
        (batch, 2*hidden), and the keys the attention scores"""
        lengths = src_mask.sum(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.dropout(self.src_embed(src)), lengths, batch_first=True, enforce_sorted=False
        )
        out, last = self.encoder(packed)  # last: (2, batch, hidden), forward and backward
        states, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        keys = self.attn.project_keys(states) if self.config.attention == "additive" else states  # W_k h, once
        return RNNMemory(states, torch.cat([last[0], last[1]], dim=-1), keys)

    # ---- one decoder step ----------------------------------------------------------------
    def context(self, s: Tensor, memory: RNNMemory, src_mask: Tensor, *, intervene: LayerIntervention):
        """What the decoder reads from the source at one step: s (batch, hidden) the previous decoder
        state -> context (batch, 2*hidden), weights (batch, S) or None. Taught in notebooks 01 and 02."""
        if self.config.attention == "none":
            return memory.final, None  # the same vector at every step: the bottleneck
        if self.config.attention == "additive":
            ctx, w = self.attn(
                s[:, None], memory.states, memory.states, src_mask, projected_keys=memory.keys, intervene=intervene
            )
        else:
            q = self.attn_query(s)[:, None]  # (batch, 1, 2*hidden)
            scale = 1.0 / intervene.temperature
            ctx, w = scaled_dot_product_attention(q, memory.keys, memory.states, src_mask[:, None, :], scale=scale)
        heads = intervene.head_mask.get("cross")
        if heads is not None:  # the one "head": 0 switches attention off (context = 0)
            ctx = ctx * heads.to(ctx.dtype).view(1, 1, 1)
        return ctx[:, 0], w[:, 0]

    def _step(self, y_prev: Tensor, s: Tensor, memory: RNNMemory, src_mask: Tensor, *, intervene: LayerIntervention):
        """y_prev (batch,), s (batch, hidden) -> logits (batch, V), new s, weights (batch, S) or None"""
        e = self.dropout(self.tgt_embed(y_prev))
        ctx, w = self.context(s, memory, src_mask, intervene=intervene)
        s = self.cell(torch.cat([e, ctx], dim=-1), s)
        logits = self.out(self.dropout(torch.cat([s, ctx, e], dim=-1)))
        return logits, s, w

    def start(self, src: Tensor, src_mask: Tensor, *, intervene: Intervention = NO_INTERVENTION):
        """Encode once. -> memory (:class:`RNNMemory`), first decoder state (batch, hidden)"""
        _doors.translation_inputs(self, src, src_mask, intervene=intervene)
        memory = self.encode(src, src_mask)
        return memory, self.empty_state(memory)

    def empty_state(self, memory: RNNMemory) -> Tensor:
        """The first decoder state, from the encoder's final states: (batch, hidden)."""
        return torch.tanh(self.bridge(memory.final))

    def step(self, memory: RNNMemory, src_mask: Tensor, tokens: Tensor, state, *, intervene=NO_INTERVENTION):
        """tokens (batch, t) prefix, state (batch, hidden) after all but its last word (None: rebuilt
        from the prefix) -> next-token log-probs (batch, tgt_vocab), new state (batch, hidden)"""
        if state is None:
            state = replay(self, memory, src_mask, tokens, intervene=intervene)
        logits, state, _ = self._step(tokens[:, -1], state, memory, src_mask, intervene=intervene.layer(0))
        return torch.log_softmax(logits, dim=-1), state

    # ---- teacher-forced forward ------------------------------------------------------------
    def forward(
        self, src: Tensor, src_mask: Tensor, tgt_in: Tensor, *, return_attention=False, intervene=NO_INTERVENTION
    ):
        """src (batch, S), src_mask (batch, S), tgt_in (batch, T) -> logits (batch, T, tgt_vocab),
        and if asked {"cross": [(batch, 1, T, S)]} (None for the no-attention model)"""
        _doors.translation_inputs(self, src, src_mask, tgt_in, intervene)
        memory = self.encode(src, src_mask)
        s = self.empty_state(memory)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, s, w = self._step(tgt_in[:, t], s, memory, src_mask, intervene=intervene.layer(0))
            logits.append(step_logits)
            weights.append(w)
        logits = torch.stack(logits, dim=1)
        if not return_attention or self.config.attention == "none":
            return logits, None
        return logits, {"cross": [torch.stack(weights, dim=1)[:, None]]}
