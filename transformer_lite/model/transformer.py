"""The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al., 2017).

Read top to bottom: config, embeddings, encoder stack, decoder stack, the step used by
greedy and beam search. ``forward(..., return_attention=True)`` returns every attention
map, as lists (one per layer) of ``(batch, heads, Lq, Lk)`` tensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import Tensor, nn

from . import _doors
from .attention import NO_INTERVENTION, Intervention, attention_mask, padding_mask
from .base import StackConfig, TranslationModel, count_parameters, replay, xavier_init
from .layers import DecoderLayer, EncoderLayer, LayerCache, PositionalEncoding
from .specials import PAD_ID


@dataclass(kw_only=True)
class TransformerConfig(StackConfig):
    """Everything that builds a :class:`Transformer` (stored in its checkpoints): the shared fields of
    :class:`~transformer_lite.model.base.StackConfig` (d_model, n_heads, d_ff, dropout, max_len,
    norm_first, tie_embeddings, learned_positions) and the two stacks' depths. Taught in notebook 06."""

    LAYER_FIELDS: ClassVar[tuple[str, ...]] = ("n_encoder_layers", "n_decoder_layers")

    n_encoder_layers: int = 2
    n_decoder_layers: int = 2


class Transformer(TranslationModel):
    """Embeddings, encoder stack, decoder stack and the output projection of Figure 1.
    Taught in notebook 06."""

    config_class = TransformerConfig

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        c = config
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model, padding_idx=PAD_ID)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model, padding_idx=PAD_ID)
        self.positions = PositionalEncoding(c.d_model, c.max_len, c.dropout, learned=c.learned_positions)
        self.encoder_layers = nn.ModuleList(
            EncoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, c.norm_first) for _ in range(c.n_encoder_layers)
        )
        self.decoder_layers = nn.ModuleList(
            DecoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, c.norm_first) for _ in range(c.n_decoder_layers)
        )
        # Pre-norm leaves the last residual sum un-normalised, so it needs a final norm.
        self.encoder_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.decoder_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size)
        xavier_init(self)
        if c.tie_embeddings:
            self.generator.weight = self.tgt_embed.weight

    def parameter_counts(self) -> dict[str, int]:
        """Trainable parameters by component: {"embeddings", "encoder", "decoder", "generator",
        "total"}. A tied output projection shares the target embedding, so "generator" then
        counts only its bias; "encoder"/"decoder" include their final norms (pre-norm)."""
        tied = self.generator.weight is self.tgt_embed.weight
        return {
            "embeddings": count_parameters(self.src_embed, self.tgt_embed, self.positions),
            "encoder": count_parameters(self.encoder_layers, self.encoder_norm),
            "decoder": count_parameters(self.decoder_layers, self.decoder_norm),
            "generator": self.generator.bias.numel() + (0 if tied else self.generator.weight.numel()),
            "total": count_parameters(self),
        }

    def attention_shape(self) -> dict[str, tuple[int, int]]:
        """{kind: (layers, heads)} for each kind of attention, read from the config."""
        c = self.config
        return {
            "enc_self": (c.n_encoder_layers, c.n_heads),
            "dec_self": (c.n_decoder_layers, c.n_heads),
            "cross": (c.n_decoder_layers, c.n_heads),
        }

    def embed(self, embedding: nn.Embedding, ids: Tensor, offset: int = 0) -> Tensor:
        """ids (batch, L) -> (batch, L, d_model): the embeddings scaled by sqrt(d_model) (Sec. 3.4)
        plus positions ``offset`` .. ``offset + L - 1``."""
        return self.positions(embedding(ids) * math.sqrt(self.config.d_model), offset=offset)

    def encode(
        self, src: Tensor, src_mask: Tensor, *, need_weights: bool = False, intervene: Intervention = NO_INTERVENTION
    ) -> tuple[Tensor, list[Tensor]]:
        """src (batch, S) ids, src_mask (batch, S) True = real token
        -> memory (batch, S, d_model), encoder self-attention [(batch, heads, S, S)] per layer"""
        x = self.embed(self.src_embed, src)
        mask = attention_mask(src_mask)  # (batch, 1, 1, S)
        maps = []
        for i, layer in enumerate(self.encoder_layers):
            x, weights = layer(x, mask, need_weights=need_weights, intervene=intervene.layer(i))
            maps.append(weights.self_attn)
        return self.encoder_norm(x), maps if need_weights else []

    def decode(
        self,
        memory: Tensor,
        src_mask: Tensor,
        tgt_in: Tensor,
        *,
        need_weights: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        """memory (batch, S, d_model), src_mask (batch, S), tgt_in (batch, T) ids starting with <bos>
        -> logits (batch, T, tgt_vocab), decoder self [(batch, heads, T, T)], cross [(batch, heads, T, S)]"""
        x = self.embed(self.tgt_embed, tgt_in)
        self_mask = attention_mask(padding_mask(tgt_in), causal=True)  # (batch, 1, T, T): no peeking ahead
        memory_mask = attention_mask(src_mask)  # (batch, 1, 1, S)
        self_maps, cross_maps = [], []
        for i, layer in enumerate(self.decoder_layers):
            x, weights = layer(
                x, memory, self_mask, memory_mask, need_weights=need_weights, intervene=intervene.layer(i)
            )
            self_maps.append(weights.self_attn)
            cross_maps.append(weights.cross)
        logits = self.generator(self.decoder_norm(x))
        return (logits, self_maps, cross_maps) if need_weights else (logits, [], [])

    def forward(
        self, src: Tensor, src_mask: Tensor, tgt_in: Tensor, *, return_attention=False, intervene=NO_INTERVENTION
    ):
        """src (batch, S), src_mask (batch, S) bool, tgt_in (batch, T)
        -> logits (batch, T, tgt_vocab) and, if asked, {"enc_self", "dec_self", "cross"}:
        lists over layers of (batch, heads, Lq, Lk)"""
        _doors.translation_inputs(self, src, src_mask, tgt_in, intervene)
        memory, enc_maps = self.encode(src, src_mask, need_weights=return_attention, intervene=intervene)
        logits, self_maps, cross_maps = self.decode(
            memory, src_mask, tgt_in, need_weights=return_attention, intervene=intervene
        )
        attention = {"enc_self": enc_maps, "dec_self": self_maps, "cross": cross_maps} if return_attention else None
        return logits, attention

    # ---- the interface used by decode.py (shared with the RNN models) --------------------
    def start(self, src: Tensor, src_mask: Tensor, *, intervene: Intervention = NO_INTERVENTION):
        """Encode once for step-by-step decoding.
        -> memory (batch, S, d_model), state: per decoder layer its :class:`LayerCache`"""
        _doors.translation_inputs(self, src, src_mask, intervene=intervene)
        memory, _ = self.encode(src, src_mask, intervene=intervene)
        return memory, self.empty_state(memory)

    def empty_state(self, memory: Tensor) -> list[LayerCache]:
        """The decoding state before the first word: one :meth:`DecoderLayer.start_cache` per layer."""
        return [layer.start_cache(memory) for layer in self.decoder_layers]

    def step(self, memory: Tensor, src_mask: Tensor, tokens: Tensor, state, *, intervene=NO_INTERVENTION):
        """tokens (batch, t): the prefix so far, <bos> first; state (a :class:`LayerCache` per layer) from
        :meth:`start` or the previous step (None: build it here from the prefix) -> next-token log-probs
        (batch, tgt_vocab), new state.

        Only the newest token goes through the decoder. Each layer keeps the keys and values
        of the earlier positions, and of the encoder output (a "KV cache"), so a step costs
        O(t), not O(t^2). Equal to ``decode`` on the whole prefix (tested)."""
        if state is None:  # no cache yet: feed the earlier words one at a time
            state = replay(self, memory, src_mask, tokens, intervene=intervene)
        x = self.embed(self.tgt_embed, tokens[:, -1:], offset=tokens.shape[1] - 1)  # (batch, 1, d_model)
        memory_mask = attention_mask(src_mask)
        new_state = []
        for i, (layer, cache) in enumerate(zip(self.decoder_layers, state)):
            x, cache = layer.step(x, cache, memory_mask, intervene=intervene.layer(i))
            new_state.append(cache)
        logits = self.generator(self.decoder_norm(x[:, -1]))
        return torch.log_softmax(logits, dim=-1), new_state
