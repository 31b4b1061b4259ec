"""A decoder-only Transformer (a "GPT", Radford et al., 2018) built from the course's own layers.

What it keeps of the paper's Figure 1: embeddings, positions, masked multi-head self-attention,
feed-forward, Add & Norm, the output projection. What it drops: the encoder and the decoder's
cross-attention. It is a language model: it reads one token sequence and predicts, at every
position, the next token. Translation becomes next-word prediction once the English sentence is
put in the same sequence as its translation, before it (:mod:`transformer_lite.lm`):

    the cat sees the dog <bos> le chat voit le chien <eos>

One embedding table holds both languages: rows ``0 .. Vt-1`` are the target vocabulary (its
first four rows the specials the two vocabularies share), rows ``Vt ..`` the source words. The
output projection writes target words only.

Padding (id 0) may stand anywhere in a row, even in the middle (a batch of source sentences padded
to one length, then their translations): it is masked out of attention and not counted as a
position, so every row computes exactly its own unpadded sequence. Taught in notebook 10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import _doors
from .attention import NO_INTERVENTION, NO_LAYER_INTERVENTION, Intervention, causal_mask, padding_mask
from .base import StackConfig, count_parameters, xavier_init
from .layers import EncoderLayer, KeysValues, PositionalEncoding, cached_self_attention
from .specials import PAD_ID, SPECIALS


@dataclass(kw_only=True)
class GPTConfig(StackConfig):
    """Everything that builds a :class:`GPT` (stored in its checkpoints): the shared fields of
    :class:`~transformer_lite.model.base.StackConfig` and one stack of blocks."""

    LAYER_FIELDS: ClassVar[tuple[str, ...]] = ("n_layers",)

    d_model: int = 64
    n_layers: int = 3

    @property
    def vocab_size(self) -> int:
        """Rows of the joint embedding table: target words with the specials, then source words."""
        return self.tgt_vocab_size + self.src_vocab_size - len(SPECIALS)


def count_positions(key_mask: Tensor) -> Tensor:
    """key_mask (batch, L) True = real token -> (batch, L): each token's position among its row's
    real tokens (padding repeats its neighbour's, and is masked out anyway)."""
    return (key_mask.long().cumsum(dim=1) - 1).clamp(min=0)


class GPTBlock(EncoderLayer):
    """The decoder layer without its cross-attention, which leaves the encoder layer's two
    sub-layers: causally masked self-attention then feed-forward, each inside Add & Norm. One
    code path serves training (all positions at once) and decoding (new positions after cached
    ones). Taught in notebook 10."""

    attention_kind = "self"

    def forward(
        self,
        x: Tensor,
        mask: Tensor | None,
        *,
        past: KeysValues | None = None,
        need_weights=False,
        intervene=NO_LAYER_INTERVENTION,
    ) -> tuple[Tensor, Tensor | None, KeysValues]:
        """x (batch, n, d_model): n new positions; past: keys and values of m earlier positions
        (batch, heads, m, d_k) or None; mask broadcastable to (batch, heads, n, m + n)
        -> (batch, n, d_model), weights (batch, heads, n, m + n) or None, keys and values of all
        m + n positions (the KV cache after these positions)."""
        x, weights, kv = cached_self_attention(
            self, x, past=past, mask=mask, need_weights=need_weights, intervene=intervene
        )  # Masked Multi-Head Attention, Add & Norm
        x = self.sub_ff(x, self.ff(self.sub_ff.prepare(x)))  # Feed Forward, Add & Norm
        return x, weights, kv


class GPT(nn.Module):
    """Joint embedding, positions, a stack of :class:`GPTBlock` and the output projection: a
    language model over one token sequence."""

    config_class = GPTConfig

    def __init__(self, config: GPTConfig):
        super().__init__()
        _doors.model_config(self, config)
        self.config = c = config
        self.embed = nn.Embedding(c.vocab_size, c.d_model, padding_idx=PAD_ID)
        self.positions = PositionalEncoding(c.d_model, c.max_len, c.dropout, learned=c.learned_positions)
        self.layers = nn.ModuleList(
            GPTBlock(c.d_model, c.n_heads, c.d_ff, c.dropout, c.norm_first) for _ in range(c.n_layers)
        )
        self.final_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.generator = None if c.tie_embeddings else nn.Linear(c.d_model, c.tgt_vocab_size, bias=False)
        self.generator_bias = nn.Parameter(torch.zeros(c.tgt_vocab_size))
        xavier_init(self)

    def parameter_counts(self) -> dict[str, int]:
        """Trainable parameters with the keys of ``Transformer.parameter_counts``:
        {"embeddings", "encoder" (none), "decoder" (the blocks), "generator", "total"}."""
        generator = self.generator_bias.numel() + (0 if self.generator is None else count_parameters(self.generator))
        return {
            "embeddings": count_parameters(self.embed, self.positions),
            "encoder": 0,
            "decoder": count_parameters(self.layers, self.final_norm),
            "generator": generator,
            "total": count_parameters(self),
        }

    def attention_shape(self) -> dict[str, tuple[int, int]]:
        """{kind: (layers, heads)}: one self-attention per block, called "self"."""
        return {"self": (self.config.n_layers, self.config.n_heads)}

    def forward(self, ids: Tensor, *, return_attention: bool = False, intervene: Intervention = NO_INTERVENTION):
        """Next-word logits at every position: ids (batch, L) of the joint vocabulary, <pad> wherever a
        row has no token -> logits (batch, L, tgt_vocab) and, if asked, the self-attention maps
        {"self": [(batch, heads, L, L)] per block} (else None)."""
        _doors.lm_inputs(self, ids, intervene)
        h, maps, _ = self.hidden(ids, padding_mask(ids), need_weights=return_attention, intervene=intervene)
        return self.write(h), {"self": maps} if return_attention else None

    def hidden(
        self, ids: Tensor, key_mask: Tensor, *, cache=None, need_weights=False, intervene=NO_INTERVENTION
    ) -> tuple[Tensor, list[Tensor], list[KeysValues]]:
        """The stack, for the n newest tokens after m cached ones (m = 0 without a cache).

        ids (batch, n); key_mask (batch, m + n) True = a real token, for the cached positions and
        these; cache: per block the keys and values (batch, heads, m, d_k) of the cached positions
        -> hidden states (batch, n, d_model), the self-attention [(batch, heads, n, m + n)] per
        block if asked (else []), and the cache of all m + n positions."""
        m = key_mask.shape[1] - ids.shape[1]
        positions = count_positions(key_mask)[:, m:]  # (batch, n): places among each row's real tokens
        mask = key_mask[:, None, None, :] & causal_mask(key_mask.shape[1], ids.device)[m:]  # (batch, 1, n, m + n)
        x = self.positions(self.embed(ids) * math.sqrt(self.config.d_model), positions=positions)
        maps, new_cache = [], []
        for i, layer in enumerate(self.layers):
            past = None if cache is None else cache[i]
            x, weights, kv = layer(x, mask, past=past, need_weights=need_weights, intervene=intervene.layer(i))
            maps.append(weights)
            new_cache.append(kv)
        return x, maps if need_weights else [], new_cache

    def write(self, h: Tensor) -> Tensor:
        """Hidden states (..., d_model) -> target-word logits (..., tgt_vocab)."""
        weight = self.embed.weight[: self.config.tgt_vocab_size] if self.generator is None else self.generator.weight
        return F.linear(self.final_norm(h), weight, self.generator_bias)
