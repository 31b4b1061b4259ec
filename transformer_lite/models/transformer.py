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

from ..attention import NO_INTERVENTION, Intervention
from ..data import attention_mask
from ..layers import DecoderLayer, EncoderLayer, PositionalEncoding


@dataclass
class TransformerConfig:
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
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        if self.d_model % 2:
            raise ValueError(f"d_model={self.d_model} must be even (sinusoidal positions come in sin/cos pairs)")


class Transformer(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = c = config
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model, padding_idx=0)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model, padding_idx=0)
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

    def _init_weights(self) -> None:
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def _embed(self, embedding: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        """(batch, L) -> (batch, L, d_model); embeddings scaled by sqrt(d_model) (Sec. 3.4)."""
        return self.positions(embedding(ids) * math.sqrt(self.config.d_model))

    def encode(
        self,
        src: torch.Tensor,
        src_mask: torch.Tensor,
        need_weights: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """src (batch, S) ids, src_mask (batch, S) True = real token
        -> memory (batch, S, d_model), encoder self-attention [(batch, heads, S, S)] per layer"""
        x = self._embed(self.src_embed, src)
        mask = attention_mask(src_mask)  # (batch, 1, 1, S)
        maps = []
        for i, layer in enumerate(self.encoder_layers):
            x, w = layer(x, mask, need_weights, intervene.temperature, intervene.heads("enc_self", i))
            maps.append(w)
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
        x = self._embed(self.tgt_embed, tgt_in)
        self_mask = attention_mask(tgt_in != 0, causal=True)  # (batch, 1, T, T): no peeking ahead
        memory_mask = attention_mask(src_mask)  # (batch, 1, 1, S)
        self_maps, cross_maps = [], []
        for i, layer in enumerate(self.decoder_layers):
            x, sw, cw = layer(
                x,
                memory,
                self_mask,
                memory_mask,
                need_weights,
                intervene.temperature,
                intervene.heads("dec_self", i),
                intervene.heads("cross", i),
            )
            self_maps.append(sw)
            cross_maps.append(cw)
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
        x = self.positions(self.tgt_embed(tokens[:, -1:]) * math.sqrt(self.config.d_model), offset=t - 1)
        memory_mask = attention_mask(src_mask)
        new_state = []
        for i, (layer, cache) in enumerate(zip(self.decoder_layers, state)):
            head_masks = intervene.heads("dec_self", i), intervene.heads("cross", i)
            x, cache = layer.step(x, cache, memory_mask, intervene.temperature, *head_masks)
            new_state.append(cache)
        logits = self.generator(self.decoder_norm(x[:, -1]))
        return torch.log_softmax(logits, dim=-1), new_state


# ---- the same network in torch.nn.Transformer ------------------------------------------------------
def _copy_attention(ours, theirs: nn.MultiheadAttention) -> None:
    theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    theirs.out_proj.weight.copy_(ours.out_proj.weight)
    theirs.out_proj.bias.copy_(ours.out_proj.bias)


def _copy(pairs) -> None:
    for ours, theirs in pairs:
        theirs.weight.copy_(ours.weight)
        theirs.bias.copy_(ours.bias)


@torch.no_grad()
def to_torch_transformer(model: Transformer) -> nn.Transformer:
    """An ``nn.Transformer`` (batch_first) holding ``model``'s encoder and decoder weights.

    Our post-norm stack has no final LayerNorm, so its encoder/decoder are built with
    ``norm=None``; pre-norm gets final norms, as ours. Feed it our embeddings
    (``model._embed``) and masks in its convention (bool ``True`` = *blocked*: ``~mask``),
    and apply ``model.generator`` to its output."""
    c = model.config
    layer_kw = dict(
        d_model=c.d_model,
        nhead=c.n_heads,
        dim_feedforward=c.d_ff,
        dropout=c.dropout,
        batch_first=True,
        norm_first=c.norm_first,
    )
    enc_norm = nn.LayerNorm(c.d_model) if c.norm_first else None
    dec_norm = nn.LayerNorm(c.d_model) if c.norm_first else None
    ref = nn.Transformer(
        d_model=c.d_model,
        nhead=c.n_heads,
        batch_first=True,
        custom_encoder=nn.TransformerEncoder(
            nn.TransformerEncoderLayer(**layer_kw), c.n_encoder_layers, norm=enc_norm, enable_nested_tensor=False
        ),
        custom_decoder=nn.TransformerDecoder(nn.TransformerDecoderLayer(**layer_kw), c.n_decoder_layers, norm=dec_norm),
    )
    ref.to(next(model.parameters()))
    for ours, theirs in zip(model.encoder_layers, ref.encoder.layers):
        _copy_attention(ours.self_attn, theirs.self_attn)
        _copy(
            [
                (ours.ff.linear1, theirs.linear1),
                (ours.ff.linear2, theirs.linear2),
                (ours.sub_attn.norm, theirs.norm1),
                (ours.sub_ff.norm, theirs.norm2),
            ]
        )
    for ours, theirs in zip(model.decoder_layers, ref.decoder.layers):
        _copy_attention(ours.self_attn, theirs.self_attn)
        _copy_attention(ours.cross_attn, theirs.multihead_attn)
        _copy(
            [
                (ours.ff.linear1, theirs.linear1),
                (ours.ff.linear2, theirs.linear2),
                (ours.sub_self.norm, theirs.norm1),
                (ours.sub_cross.norm, theirs.norm2),
                (ours.sub_ff.norm, theirs.norm3),
            ]
        )
    if c.norm_first:
        _copy([(model.encoder_norm, enc_norm), (model.decoder_norm, dec_norm)])
    return ref.train(model.training)


def gradient_norms_by_layer(model: Transformer, batch, smoothing: float = 0.1) -> dict[str, list[float]]:
    """One backward pass of the training loss on ``batch``; the gradient norm of each layer's
    parameters: {"encoder": [...], "decoder": [...]}, bottom layer first. Gradients are
    cleared afterwards."""
    from ..train import label_smoothed_loss

    model.zero_grad(set_to_none=True)
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    label_smoothed_loss(logits, batch.tgt_out, smoothing).backward()

    def norm(layer) -> float:
        return float(torch.sqrt(sum(p.grad.pow(2).sum() for p in layer.parameters() if p.grad is not None)))

    out = {"encoder": [norm(x) for x in model.encoder_layers], "decoder": [norm(x) for x in model.decoder_layers]}
    model.zero_grad(set_to_none=True)
    return out
