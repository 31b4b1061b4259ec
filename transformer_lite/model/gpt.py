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

import torch
import torch.nn.functional as F
from torch import nn

from . import _checks as check
from .attention import (
    NO_INTERVENTION,
    NO_LAYER_INTERVENTION,
    Intervention,
    LayerIntervention,
    MultiHeadAttention,
    causal_mask,
)
from .layers import AddNorm, FeedForward, PositionalEncoding
from .specials import PAD_ID, SPECIALS

KeysValues = tuple[torch.Tensor, torch.Tensor]  # (batch, heads, L, d_k) each


@dataclass
class GPTConfig:
    """Everything that builds a :class:`GPT` (stored in its checkpoints). Taught in notebook 10."""

    src_vocab_size: int
    tgt_vocab_size: int
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 3
    d_ff: int = 256
    dropout: float = 0.1
    max_len: int = 256
    norm_first: bool = False  # False: post-norm as in the paper; True: pre-norm (GPT-2)
    tie_embeddings: bool = True  # the output projection reuses the target words' embedding rows
    learned_positions: bool = False  # False: the paper's sinusoids (GPT learns them)

    def __post_init__(self):
        check.stack_config(self, ("n_layers",), len(SPECIALS))

    @property
    def vocab_size(self) -> int:
        """Rows of the joint embedding table: target words with the specials, then source words."""
        return self.tgt_vocab_size + self.src_vocab_size - len(SPECIALS)


class GPTBlock(nn.Module):
    """The decoder layer without its cross-attention: masked self-attention then feed-forward,
    each inside Add & Norm. One code path serves training (all positions at once) and decoding
    (new positions after cached ones). Taught in notebook 10."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.1, norm_first: bool = False):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.sub_self = AddNorm(d_model, dropout, norm_first)
        self.sub_ff = AddNorm(d_model, dropout, norm_first)

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
        h = self.sub_self.prepare(x)
        k, v = self.self_attn.keys_values(h, h)  # (batch, heads, n, d_k): computed once per position
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        attended, weights = self.self_attn.attend(
            h, k, v, mask, need_weights, intervene.temperature, intervene.heads("dec_self")
        )  # Masked MHA
        x = self.sub_self(x, attended)  # Add & Norm
        x = self.sub_ff(x, self.ff(self.sub_ff.prepare(x)))  # Feed Forward, Add & Norm
        return x, weights, (k, v)


class GPT(nn.Module):
    """Joint embedding, positions, a stack of :class:`GPTBlock` and the output projection.
    Taught in notebook 10."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = c = config
        self.embed = nn.Embedding(c.vocab_size, c.d_model, padding_idx=PAD_ID)
        self.positions = PositionalEncoding(c.d_model, c.max_len, c.dropout, learned=c.learned_positions)
        self.layers = nn.ModuleList(
            GPTBlock(c.d_model, c.n_heads, c.d_ff, c.dropout, c.norm_first) for _ in range(c.n_layers)
        )
        self.final_norm = nn.LayerNorm(c.d_model) if c.norm_first else nn.Identity()
        self.generator = None if c.tie_embeddings else nn.Linear(c.d_model, c.tgt_vocab_size, bias=False)
        self.generator_bias = nn.Parameter(torch.zeros(c.tgt_vocab_size))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def parameter_counts(self) -> dict[str, int]:
        """Trainable parameters with the keys of ``Transformer.parameter_counts``:
        {"embeddings", "encoder" (none), "decoder" (the blocks), "generator", "total"}."""

        def count(*modules) -> int:
            return sum(p.numel() for m in modules for p in m.parameters())

        generator = self.generator_bias.numel() + (count(self.generator) if self.generator is not None else 0)
        counts = {
            "embeddings": count(self.embed, self.positions),
            "encoder": 0,
            "decoder": count(self.layers, self.final_norm),
            "generator": generator,
        }
        counts["total"] = sum(p.numel() for p in self.parameters())
        return counts

    def attention_shape(self) -> dict[str, tuple[int, int]]:
        """{kind: (layers, heads)}: one self-attention per block, switched off as "dec_self"."""
        return {"dec_self": (self.config.n_layers, self.config.n_heads)}

    def _check_inputs(self, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor | None = None) -> None:
        """Entry-point checks (one scan of the ids): bool masks, ids inside the vocabularies."""
        check.key_mask("src_mask", src_mask, check.ids("src", src, self.config.src_vocab_size))
        if tgt_in is not None:
            check.ids("tgt_in", tgt_in, self.config.tgt_vocab_size)
            if tgt_in.shape[0] != src.shape[0]:
                raise ValueError(f"tgt_in has {tgt_in.shape[0]} rows but src has {src.shape[0]}: one target per source")

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
        positions = (key_mask.long().cumsum(dim=1) - 1).clamp(min=0)
        return ids, key_mask, positions

    def _embed(self, ids: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """ids, positions (batch, n) -> (batch, n, d_model); embeddings scaled by sqrt(d_model)."""
        table = self.positions.encoding(int(positions.max()) + 1).to(self.embed.weight.dtype)
        x = self.embed(ids) * math.sqrt(self.config.d_model) + table[positions]
        return self.positions.dropout(x)

    def write(self, h: torch.Tensor) -> torch.Tensor:
        """Hidden states (..., d_model) -> target-word logits (..., tgt_vocab)."""
        weight = self.embed.weight[: self.config.tgt_vocab_size] if self.generator is None else self.generator.weight
        return F.linear(self.final_norm(h), weight, self.generator_bias)

    def run(
        self,
        ids: torch.Tensor,
        key_mask: torch.Tensor,
        positions: torch.Tensor,
        need_weights: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, list[torch.Tensor], list[KeysValues]]:
        """The stack over whole sequences: ids, key_mask, positions (batch, L) -> hidden states
        (batch, L, d_model), attention [(batch, heads, L, L)] per layer if asked, and each
        layer's keys and values (batch, heads, L, d_k)."""
        mask = key_mask[:, None, None, :] & causal_mask(ids.shape[1], ids.device)  # (batch, 1, L, L)
        x = self._embed(ids, positions)
        maps, cache = [], []
        for i, layer in enumerate(self.layers):
            x, weights, kv = layer(x, mask, None, need_weights, intervene.layer(i))
            maps.append(weights)
            cache.append(kv)
        return x, maps if need_weights else [], cache

    def lm_logits(
        self,
        ids: torch.Tensor,
        key_mask: torch.Tensor,
        positions: torch.Tensor,
        need_weights: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Next-word logits at EVERY position (batch, L, tgt_vocab) and, if asked, the full
        self-attention maps [(batch, heads, L, L)] per layer. See ``lm.causal_lm_loss``."""
        h, maps, _ = self.run(ids, key_mask, positions, need_weights, intervene)
        return self.write(h), maps

    def forward(
        self,
        src: torch.Tensor,
        src_mask: torch.Tensor,
        tgt_in: torch.Tensor,
        return_attention: bool = False,
        intervene: Intervention = NO_INTERVENTION,
    ) -> tuple[torch.Tensor, dict[str, list[torch.Tensor]] | None]:
        """The encoder-decoder's interface: src (batch, S), src_mask (batch, S), tgt_in (batch, T)
        -> logits (batch, T, tgt_vocab) at the target positions only and, if asked, the maps cut
        into {"enc_self" (batch, heads, S, S), "dec_self" (batch, heads, T, T), "cross" (batch,
        heads, T, S)} per layer. The trainer's loss on these logits is the causal LM loss."""
        self._check_inputs(src, src_mask, tgt_in)
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
        self._check_inputs(src, src_mask)
        positions = (src_mask.long().cumsum(dim=1) - 1).clamp(min=0)
        _, _, memory = self.run(self.joint_ids(src), src_mask, positions, intervene=intervene)
        return memory, [(k[:, :, :0], v[:, :, :0]) for k, v in memory]

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
            state = [(k[:, :, :0], v[:, :, :0]) for k, v in memory]
            for i in range(1, t):
                _, state = self.step(memory, src_mask, tokens[:, :i], state, intervene)
        position = src_mask.sum(dim=1, keepdim=True) + (t - 1)  # (batch, 1): after the real source words
        x = self._embed(tokens[:, -1:], position)  # (batch, 1, d_model)
        keys = torch.cat([src_mask, src_mask.new_ones(src_mask.shape[0], t)], dim=1)[:, None, None, :]
        new_state = []
        for i, (layer, (mem_k, mem_v), (k, v)) in enumerate(zip(self.layers, memory, state)):
            past = torch.cat([mem_k, k], dim=2), torch.cat([mem_v, v], dim=2)  # (batch, heads, S + t - 1, d_k)
            x, _, (k, v) = layer(x, keys, past, False, intervene.layer(i))
            new_state.append((k[:, :, mem_k.shape[2] :], v[:, :, mem_v.shape[2] :]))
        return torch.log_softmax(self.write(x[:, -1]), dim=-1), new_state
