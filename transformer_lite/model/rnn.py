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

import torch
from torch import Tensor, nn

from . import checks as check
from .attention import NO_INTERVENTION, AdditiveAttention, Intervention, attention_unchecked
from .base import TranslationModel
from .specials import PAD_ID, SPECIALS

ATTENTION_KINDS = ("none", "additive", "dot")


@dataclass
class RNNConfig:
    """Everything that builds a :class:`Seq2Seq` (stored in its checkpoints). Taught in notebook 01."""

    src_vocab_size: int
    tgt_vocab_size: int
    emb_dim: int = 64
    hidden_dim: int = 128
    attention: str = "additive"  # "none", "additive" or "dot"
    dropout: float = 0.1

    def __post_init__(self):
        for name in ("src_vocab_size", "tgt_vocab_size"):  # at least one word besides the specials
            check.integer(name, getattr(self, name), minimum=len(SPECIALS) + 1)
        check.integer("emb_dim", self.emb_dim)
        check.integer("hidden_dim", self.hidden_dim)
        check.probability("dropout", self.dropout)
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f"unknown attention {self.attention!r}: choose one of {', '.join(ATTENTION_KINDS)}")


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
    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """src (batch, S), src_mask (batch, S) -> states (batch, S, 2*hidden), final (batch, 2*hidden)
        (unchecked: :meth:`start` checks the inputs)"""
        lengths = src_mask.sum(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.dropout(self.src_embed(src)), lengths, batch_first=True, enforce_sorted=False
        )
        out, last = self.encoder(packed)  # last: (2, batch, hidden), forward and backward
        states, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return states, torch.cat([last[0], last[1]], dim=-1)

    # ---- one decoder step ----------------------------------------------------------------
    def context(self, s: torch.Tensor, memory, src_mask: torch.Tensor, intervene: Intervention):
        """What the decoder reads from the source at one step: s (batch, hidden) the previous decoder
        state -> context (batch, 2*hidden), weights (batch, S) or None. Taught in notebooks 01 and 02."""
        states, final, keys = memory
        if self.config.attention == "none":
            return final, None  # the same vector at every step: the bottleneck
        if self.config.attention == "additive":
            ctx, w = self.attn.attend(
                s[:, None], states, states, src_mask, projected_keys=keys, temperature=intervene.temperature
            )
        else:
            q = self.attn_query(s)[:, None]  # (batch, 1, 2*hidden)
            ctx, w = attention_unchecked(
                q, states, states, src_mask[:, None, :], 0.0, False, 1.0 / intervene.temperature
            )
        heads = intervene.heads("cross", 0)
        if heads is not None:  # the one "head": 0 switches attention off (context = 0)
            ctx = ctx * heads.to(ctx.dtype).view(1, 1, 1)
        return ctx[:, 0], w[:, 0]

    def _step(self, y_prev: torch.Tensor, s: torch.Tensor, memory, src_mask, intervene: Intervention):
        """y_prev (batch,), s (batch, hidden) -> logits (batch, V), new s, weights (batch, S) or None"""
        e = self.dropout(self.tgt_embed(y_prev))
        ctx, w = self.context(s, memory, src_mask, intervene)
        s = self.cell(torch.cat([e, ctx], dim=-1), s)
        logits = self.out(self.dropout(torch.cat([s, ctx, e], dim=-1)))
        return logits, s, w

    def start(self, src: torch.Tensor, src_mask: torch.Tensor, intervene: Intervention = NO_INTERVENTION):
        """Encode once. -> memory (states, final context, projected keys), first decoder state (batch, hidden)"""
        self.check_inputs(src, src_mask, intervene=intervene)
        states, final = self.encode(src, src_mask)
        keys = self.attn.project_keys(states) if self.config.attention == "additive" else states
        memory = (states, final, keys)
        return memory, self.empty_state(memory)

    def empty_state(self, memory) -> torch.Tensor:
        """The first decoder state, from the encoder's final states: (batch, hidden)."""
        return torch.tanh(self.bridge(memory[1]))

    def step(self, memory, src_mask, tokens: Tensor, state: Tensor | None, intervene: Intervention = NO_INTERVENTION):
        """tokens (batch, t) prefix, state (batch, hidden) after all but its last word (None: rebuilt
        from the prefix) -> next-token log-probs (batch, tgt_vocab), new state (batch, hidden)"""
        if state is None:
            state = self.replay(memory, src_mask, tokens, intervene)
        logits, state, _ = self._step(tokens[:, -1], state, memory, src_mask, intervene)
        return torch.log_softmax(logits, dim=-1), state

    # ---- teacher-forced forward ------------------------------------------------------------
    def forward(self, src: Tensor, src_mask: Tensor, tgt_in: Tensor, return_attention=False, intervene=NO_INTERVENTION):
        """src (batch, S), src_mask (batch, S), tgt_in (batch, T) -> logits (batch, T, tgt_vocab),
        and if asked {"cross": [(batch, 1, T, S)]} (None for the no-attention model)"""
        memory, s = self.start(src, src_mask, intervene)  # checks src, src_mask and intervene
        self.check_target(src, tgt_in)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, s, w = self._step(tgt_in[:, t], s, memory, src_mask, intervene)
            logits.append(step_logits)
            weights.append(w)
        logits = torch.stack(logits, dim=1)
        if not return_attention or self.config.attention == "none":
            return logits, None
        return logits, {"cross": [torch.stack(weights, dim=1)[:, None]]}
