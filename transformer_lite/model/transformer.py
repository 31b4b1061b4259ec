"""The encoder-decoder Transformer of "Attention Is All You Need" (Vaswani et al., 2017).

Read top to bottom: config, embeddings, encoder stack, decoder stack, the step used by
greedy and beam search. ``forward(..., return_attention=True)`` returns every attention
map, as lists (one per layer) of ``(batch, heads, Lq, Lk)`` tensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from . import _checks as check
from .attention import NO_INTERVENTION, Intervention, attention_mask, padding_mask
from .layers import DecoderLayer, EncoderLayer, PositionalEncoding
from .specials import PAD_ID, SPECIALS


@dataclass
class TransformerConfig:
    """Everything that builds a :class:`Transformer` (stored in its checkpoints). Taught in notebook 06."""

    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 128
    n_heads: int = 4
    n_encoder_layers: int = 2
    n_decoder_layers: int = 2
    d_ff: int = 256
    dropout: float = 0.1
    max_len: int = 256
    norm_first: bool = False  # False: post-norm as in the paper; True: pre-norm
    tie_embeddings: bool = True  # decoder embedding = output projection (paper Sec. 3.4)
    learned_positions: bool = False  # False: the paper's sinusoids

    def __post_init__(self):
        check.stack_config(self, ("n_encoder_layers", "n_decoder_layers"), len(SPECIALS))


class Transformer(nn.Module):
    """Embeddings, encoder stack, decoder stack and the output projection of Figure 1.
    Taught in notebook 06."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = c = config
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
        self._init_weights()
        if c.tie_embeddings:
            self.generator.weight = self.tgt_embed.weight

    def parameter_counts(self) -> dict[str, int]:
        """Trainable parameters by component: {"embeddings", "encoder", "decoder", "generator",
        "total"}. A tied output projection shares the target embedding, so "generator" then
        counts only its bias; "encoder"/"decoder" include their final norms (pre-norm)."""

        def count(*modules) -> int:
            return sum(p.numel() for m in modules for p in m.parameters())

        counts = {
            "embeddings": count(self.src_embed, self.tgt_embed, self.positions),
            "encoder": count(self.encoder_layers, self.encoder_norm),
            "decoder": count(self.decoder_layers, self.decoder_norm),
            "generator": self.generator.bias.numel()
            + (0 if self.generator.weight is self.tgt_embed.weight else self.generator.weight.numel()),
        }
        counts["total"] = sum(p.numel() for p in self.parameters())
        return counts

    def attention_shape(self) -> dict[str, tuple[int, int]]:
        """{kind: (layers, heads)} for each kind of attention, read from the config."""
        c = self.config
        return {
            "enc_self": (c.n_encoder_layers, c.n_heads),
            "dec_self": (c.n_decoder_layers, c.n_heads),
            "cross": (c.n_decoder_layers, c.n_heads),
        }

    def _init_weights(self) -> None:
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def embed(self, embedding: nn.Embedding, ids: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """ids (batch, L) -> (batch, L, d_model): the embeddings scaled by sqrt(d_model) (Sec. 3.4)
        plus positions ``offset`` .. ``offset + L - 1``."""
        return self.positions(embedding(ids) * math.sqrt(self.config.d_model), offset=offset)

    def encode(
        self,
        src: torch.Tensor,
        src_mask: torch.Tensor,
        need_weights: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """src (batch, S) ids, src_mask (batch, S) True = real token
        -> memory (batch, S, d_model), encoder self-attention [(batch, heads, S, S)] per layer"""
        check.key_mask("src_mask", src_mask, check.ids("src", src, self.config.src_vocab_size))
        intervene.check_shape(self.attention_shape())
        x = self.embed(self.src_embed, src)
        mask = attention_mask(src_mask)  # (batch, 1, 1, S)
        maps = []
        for i, layer in enumerate(self.encoder_layers):
            x, weights = layer(x, mask, need_weights, intervene.layer(i))
            maps.append(weights.self_attn)
        return self.encoder_norm(x), maps if need_weights else []

    def decode(
        self,
        memory: torch.Tensor,
        src_mask: torch.Tensor,
        tgt_in: torch.Tensor,
        need_weights: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """memory (batch, S, d_model), src_mask (batch, S), tgt_in (batch, T) ids starting with <bos>
        -> logits (batch, T, tgt_vocab), decoder self [(batch, heads, T, T)], cross [(batch, heads, T, S)]"""
        check.ids("tgt_in", tgt_in, self.config.tgt_vocab_size)
        check.key_mask("src_mask", src_mask, memory[..., 0])
        x = self.embed(self.tgt_embed, tgt_in)
        self_mask = attention_mask(padding_mask(tgt_in), causal=True)  # (batch, 1, T, T): no peeking ahead
        memory_mask = attention_mask(src_mask)  # (batch, 1, 1, S)
        self_maps, cross_maps = [], []
        for i, layer in enumerate(self.decoder_layers):
            x, weights = layer(x, memory, self_mask, memory_mask, need_weights, intervene.layer(i))
            self_maps.append(weights.self_attn)
            cross_maps.append(weights.cross)
        logits = self.generator(self.decoder_norm(x))
        return (logits, self_maps, cross_maps) if need_weights else (logits, [], [])

    def forward(
        self,
        src: torch.Tensor,
        src_mask: torch.Tensor,
        tgt_in: torch.Tensor,
        return_attention: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, dict[str, list[torch.Tensor]] | None]:
        """src (batch, S), src_mask (batch, S) bool, tgt_in (batch, T)
        -> logits (batch, T, tgt_vocab) and, if asked, {"enc_self", "dec_self", "cross"}:
        lists over layers of (batch, heads, Lq, Lk)"""
        memory, enc_maps = self.encode(src, src_mask, return_attention, intervene)
        logits, self_maps, cross_maps = self.decode(memory, src_mask, tgt_in, return_attention, intervene)
        attention = {"enc_self": enc_maps, "dec_self": self_maps, "cross": cross_maps} if return_attention else None
        return logits, attention

    # ---- the interface used by decode.py (shared with the RNN models) --------------------
    def start(self, src: torch.Tensor, src_mask: torch.Tensor, intervene: Intervention = NO_INTERVENTION):
        """Encode once for step-by-step decoding.
        -> memory (batch, S, d_model), state: per decoder layer its cache (:meth:`DecoderLayer.start_cache`)"""
        memory, _ = self.encode(src, src_mask, intervene=intervene)
        return memory, self.empty_state(memory)

    def empty_state(self, memory: torch.Tensor) -> list[tuple[torch.Tensor, ...]]:
        """The decoding state before the first word: one :meth:`DecoderLayer.start_cache` per layer."""
        return [layer.start_cache(memory) for layer in self.decoder_layers]

    def step(
        self,
        memory: torch.Tensor,
        src_mask: torch.Tensor,
        tokens: torch.Tensor,
        state: list[tuple[torch.Tensor, ...]] | None,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, list[tuple[torch.Tensor, ...]]]:
        """tokens (batch, t): the prefix so far, <bos> first; state from :meth:`start` or the
        previous step (None: build it here from the prefix) -> next-token log-probs
        (batch, tgt_vocab), new state.

        Only the newest token goes through the decoder. Each layer keeps the keys and values
        of the earlier positions, and of the encoder output (a "KV cache"), so a step costs
        O(t), not O(t^2). Equal to ``decode`` on the whole prefix (tested)."""
        t = tokens.shape[1]
        if state is None:  # no cache yet: feed the earlier words one at a time
            state = self.empty_state(memory)
            for i in range(1, t):
                _, state = self.step(memory, src_mask, tokens[:, :i], state, intervene)
        x = self.embed(self.tgt_embed, tokens[:, -1:], offset=t - 1)  # (batch, 1, d_model)
        memory_mask = attention_mask(src_mask)
        new_state = []
        for i, (layer, cache) in enumerate(zip(self.decoder_layers, state)):
            x, cache = layer.step(x, cache, memory_mask, intervene.layer(i))
            new_state.append(cache)
        logits = self.generator(self.decoder_norm(x[:, -1]))
        return torch.log_softmax(logits, dim=-1), new_state
