"""A decoder-only Transformer (a "GPT", Radford et al., 2018) built from the course's own layers.

What it keeps of the paper's Figure 1: embeddings, positions, masked multi-head self-attention,
feed-forward, Add & Norm, the output projection. What it drops: the encoder and the decoder's
cross-attention. Without an encoder the English sentence goes into the SAME sequence as its
translation, before it, and one causal self-attention reads both (``transformer_lite.lm``):

    the cat sees the dog <bos> le chat voit le chien <eos>

One embedding table holds both languages: rows ``0 .. Vt-1`` are the target vocabulary (its
first four rows the specials the two vocabularies share), rows ``Vt ..`` the source words. The
output projection writes target words only.

A batch keeps the encoder-decoder's layout: sources right-padded to S columns, the target
after them. Padding is masked out of attention and each row counts its positions over its real
words only, so every row computes exactly its own unpadded sequence. Its attention maps come
back cut into the encoder-decoder's three kinds, so notebook 08's tools read them unchanged:
``enc_self`` (source reading source, here causal), ``cross`` (target reading source) and
``dec_self`` (target reading target). Taught in notebook 10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention import NO_INTERVENTION, NO_LAYER_INTERVENTION, Intervention, LayerIntervention, attention_mask
from .base import StackConfig, TranslationModel, count_parameters, xavier_init
from .layers import EncoderLayer, KeysValues, PositionalEncoding, cached_self_attention
from .specials import PAD_ID, SPECIALS


@dataclass(kw_only=True)
class GPTConfig(StackConfig):
    """Everything that builds a :class:`GPT` (stored in its checkpoints): the shared fields of
    :class:`~transformer_lite.model.base.StackConfig` and one stack of blocks. Taught in notebook 10."""

    LAYER_FIELDS: ClassVar[tuple[str, ...]] = ("n_layers",)

    d_model: int = 64
    n_layers: int = 3

    @property
    def vocab_size(self) -> int:
        """Rows of the joint embedding table: target words with the specials, then source words."""
        return self.tgt_vocab_size + self.src_vocab_size - len(SPECIALS)


def count_positions(key_mask: torch.Tensor) -> torch.Tensor:
    """key_mask (batch, L) True = real token -> (batch, L): each token's position among its row's
    real tokens (padding repeats its neighbour's, and is masked out anyway)."""
    return (key_mask.long().cumsum(dim=1) - 1).clamp(min=0)


class GPTBlock(EncoderLayer):
    """The decoder layer without its cross-attention, which leaves the encoder layer's two
    sub-layers: causally masked self-attention then feed-forward, each inside Add & Norm. One
    code path serves training (all positions at once) and decoding (new positions after cached
    ones). Taught in notebook 10."""

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        past: KeysValues | None = None,
        need_weights: bool = False,
        intervene: LayerIntervention = NO_LAYER_INTERVENTION,
    ) -> tuple[torch.Tensor, torch.Tensor | None, KeysValues]:
        """x (batch, n, d_model): n new positions; past: keys and values of m earlier positions
        (batch, heads, m, d_k) or None; mask broadcastable to (batch, heads, n, m + n)
        -> (batch, n, d_model), weights (batch, heads, n, m + n) or None, keys and values of all
        m + n positions (the KV cache after these positions)."""
        x, weights, kv = cached_self_attention(self, x, past, mask, need_weights, intervene)  # Masked MHA, Add & Norm
        x = self.sub_ff(x, self.ff(self.sub_ff.prepare(x)))  # Feed Forward, Add & Norm
        return x, weights, kv


class GPT(TranslationModel):
    """Joint embedding, positions, a stack of :class:`GPTBlock` and the output projection, with
    the encoder-decoder's interface on top (``forward``, ``start``, ``step``), so the trainer,
    the decoders and notebook 08's tools run it unchanged. Taught in notebook 10."""

    config_class = GPTConfig

    def __init__(self, config: GPTConfig):
        super().__init__(config)
        c = config
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
        """{kind: (layers, heads)}: one self-attention per block, switched off as "dec_self"."""
        return {"dec_self": (self.config.n_layers, self.config.n_heads)}

    # ---- the sequence ----------------------------------------------------------------------------
    def joint_ids(self, src: torch.Tensor) -> torch.Tensor:
        """Source-vocabulary ids (batch, S) -> their rows in the joint table (specials unchanged)."""
        shift = self.config.tgt_vocab_size - len(SPECIALS)
        return torch.where(src >= len(SPECIALS), src + shift, src)

    def sequence(
        self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """src (batch, S), src_mask (batch, S), tgt_in (batch, T) starting with <bos> -> the one
        sequence per pair: ids (batch, S + T), key mask (batch, S + T) True = real token, and
        positions (batch, S + T) counted over each row's real tokens."""
        ids = torch.cat([self.joint_ids(src), tgt_in], dim=1)
        key_mask = torch.cat([src_mask, tgt_in != PAD_ID], dim=1)
        return ids, key_mask, count_positions(key_mask)

    def _embed(self, ids: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """ids, positions (batch, n) -> (batch, n, d_model); embeddings scaled by sqrt(d_model)."""
        return self.positions(self.embed(ids) * math.sqrt(self.config.d_model), positions=positions)

    def write(self, h: torch.Tensor) -> torch.Tensor:
        """Hidden states (..., d_model) -> target-word logits (..., tgt_vocab)."""
        weight = self.embed.weight[: self.config.tgt_vocab_size] if self.generator is None else self.generator.weight
        return F.linear(self.final_norm(h), weight, self.generator_bias)

    def run(self, ids: Tensor, key_mask: Tensor, positions: Tensor, need_weights=False, intervene=NO_INTERVENTION):
        """The stack over whole sequences: ids, key_mask, positions (batch, L); intervene: an
        :class:`Intervention` -> hidden states (batch, L, d_model), attention
        [(batch, heads, L, L)] per layer if asked, and each layer's keys and values
        [(batch, heads, L, d_k)], the KV cache."""
        mask = attention_mask(key_mask, causal=True)  # (batch, 1, L, L)
        x = self._embed(ids, positions)
        maps, cache = [], []
        for i, layer in enumerate(self.layers):
            x, weights, kv = layer(x, mask, None, need_weights, intervene.layer(i))
            maps.append(weights)
            cache.append(kv)
        return x, maps if need_weights else [], cache

    def lm_logits(
        self, ids: Tensor, key_mask: Tensor, positions: Tensor, need_weights=False, intervene=NO_INTERVENTION
    ) -> tuple[Tensor, list[Tensor]]:
        """The sequences of ``lm.lm_batch``: ids, key_mask, positions (batch, L) -> next-word logits at
        EVERY position (batch, L, tgt_vocab) and, if asked, the full self-attention maps
        [(batch, heads, L, L)] per layer. See ``lm.causal_lm_loss``. Taught in notebook 10."""
        intervene.check_shape(self.attention_shape())
        h, maps, _ = self.run(ids, key_mask, positions, need_weights, intervene)
        return self.write(h), maps

    def forward(self, src: Tensor, src_mask: Tensor, tgt_in: Tensor, return_attention=False, intervene=NO_INTERVENTION):
        """The encoder-decoder's interface: src (batch, S), src_mask (batch, S), tgt_in (batch, T)
        -> logits (batch, T, tgt_vocab) at the target positions only and, if asked, the maps cut
        into {"enc_self" (batch, heads, S, S), "dec_self" (batch, heads, T, T), "cross" (batch,
        heads, T, S)} per layer. The trainer's loss on these logits is the causal LM loss."""
        self.check_inputs(src, src_mask, tgt_in, intervene)
        h, maps, _ = self.run(*self.sequence(src, src_mask, tgt_in), return_attention, intervene)
        s = src.shape[1]
        logits = self.write(h[:, s:])
        if not return_attention:
            return logits, None
        cut = {"enc_self": (slice(None, s), slice(None, s)), "dec_self": (slice(s, None), slice(s, None))}
        cut["cross"] = (slice(s, None), slice(None, s))
        return logits, {kind: [m[:, :, rows, cols] for m in maps] for kind, (rows, cols) in cut.items()}

    # ---- the interface used by decode.py ---------------------------------------------------------
    def start(self, src: torch.Tensor, src_mask: torch.Tensor, intervene: Intervention = NO_INTERVENTION):
        """Read the source once. -> memory: the cached source prefix, per layer its keys and
        values (batch, heads, S, d_k); state: the target's cache, empty (batch, heads, 0, d_k)."""
        self.check_inputs(src, src_mask, intervene=intervene)
        _, _, memory = self.run(self.joint_ids(src), src_mask, count_positions(src_mask), intervene=intervene)
        return memory, self.empty_state(memory)

    def empty_state(self, memory: list[KeysValues]) -> list[KeysValues]:
        """The target's cache before its first word: per layer, keys and values (batch, heads, 0, d_k)."""
        return [(k[:, :, :0], v[:, :, :0]) for k, v in memory]

    def step(
        self,
        memory: list[KeysValues],
        src_mask: torch.Tensor,
        tokens: torch.Tensor,
        state: list[KeysValues] | None,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, list[KeysValues]]:
        """tokens (batch, t): the target so far, <bos> (the separator) first; state from
        :meth:`start` or the previous step (None: rebuilt here from the prefix) -> next-word
        log-probs (batch, tgt_vocab), the state with the newest position's keys and values.

        Only the newest token goes through the stack; it reads the cached keys and values of
        the source and of the earlier target words (the KV cache): O(S + t) work per step, not
        O((S + t)^2). Equal to ``forward`` on the whole prefix (tested)."""
        t = tokens.shape[1]
        if state is None:  # no cache yet: feed the earlier words one at a time
            state = self.replay(memory, src_mask, tokens, intervene)
        position = src_mask.sum(dim=1, keepdim=True) + (t - 1)  # (batch, 1): after the real source words
        x = self._embed(tokens[:, -1:], position)  # (batch, 1, d_model)
        seen = torch.cat([src_mask, src_mask.new_ones(src_mask.shape[0], t)], dim=1)  # (batch, S + t)
        keys = attention_mask(seen)  # (batch, 1, 1, S + t)
        new_state = []
        for i, (layer, (mem_k, mem_v), (k, v)) in enumerate(zip(self.layers, memory, state)):
            past = torch.cat([mem_k, k], dim=2), torch.cat([mem_v, v], dim=2)  # (batch, heads, S + t - 1, d_k)
            x, _, (k, v) = layer(x, keys, past, False, intervene.layer(i))
            new_state.append((k[:, :, mem_k.shape[2] :], v[:, :, mem_v.shape[2] :]))
        return torch.log_softmax(self.write(x[:, -1]), dim=-1), new_state
