"""Measurements on whole stacks (notebook 06): our Transformer rebuilt as PyTorch's
``nn.Transformer`` with the same weights (the two must agree), and the gradient norm of each
layer after one backward pass of the training loss, post-norm against pre-norm.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data import Corpus, TranslationDataset, batches
from ..model.attention import causal_mask, padding_mask
from ..model.transformer import Transformer, TransformerConfig
from ..train import label_smoothed_loss


def _copy_attention(ours, theirs: nn.MultiheadAttention) -> None:
    theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
    theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
    theirs.out_proj.weight.copy_(ours.out_proj.weight)
    theirs.out_proj.bias.copy_(ours.out_proj.bias)


def _copy(pairs) -> None:
    for ours, theirs in pairs:
        theirs.weight.copy_(ours.weight)
        theirs.bias.copy_(ours.bias)


def _copy_layer(ours, theirs, attentions: dict[str, str], norms: tuple[str, ...]) -> None:
    """One of our layers into its torch twin: attentions by name (ours -> theirs), the
    feed-forward, and our Add & Norm boxes in order into their norm1, norm2 (, norm3)."""
    for mine, their_name in attentions.items():
        _copy_attention(getattr(ours, mine), getattr(theirs, their_name))
    pairs = [(ours.ff.linear1, theirs.linear1), (ours.ff.linear2, theirs.linear2)]
    pairs += [(getattr(ours, name).norm, getattr(theirs, f"norm{i}")) for i, name in enumerate(norms, 1)]
    _copy(pairs)


@torch.no_grad()
def to_torch_transformer(model: Transformer) -> nn.Transformer:
    """An ``nn.Transformer`` (batch_first) holding ``model``'s encoder and decoder weights.

    Our post-norm stack has no final LayerNorm, so its encoder/decoder are built with
    ``norm=None``; pre-norm gets final norms, as ours. Feed it our embeddings
    (``model.embed``) and masks in its convention (bool ``True`` = *blocked*: ``~mask``),
    and apply ``model.generator`` to its output. Taught in notebook 06."""
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
        _copy_layer(ours, theirs, {"self_attn": "self_attn"}, ("sub_self", "sub_ff"))
    for ours, theirs in zip(model.decoder_layers, ref.decoder.layers):
        _copy_layer(
            ours,
            theirs,
            {"self_attn": "self_attn", "cross_attn": "multihead_attn"},
            ("sub_self", "sub_cross", "sub_ff"),
        )
    if c.norm_first:
        _copy([(model.encoder_norm, enc_norm), (model.decoder_norm, dec_norm)])
    return ref.train(model.training)


@torch.no_grad()
def torch_transformer_logits(
    model: Transformer, src: torch.Tensor, src_mask: torch.Tensor, tgt_in: torch.Tensor
) -> torch.Tensor:
    """``model``'s next-word logits computed by its ``nn.Transformer`` twin (:func:`to_torch_transformer`):
    our embeddings in, the twin's encoder and decoder, our ``model.generator`` out. No gradients.

    ``src`` (batch, S) ids, ``src_mask`` (batch, S) bool (``True`` = real word), ``tgt_in`` (batch, T) ids
    -> (batch, T, target vocabulary) logits, the same as ``model(src, src_mask, tgt_in)[0]``.
    Taught in notebook 06."""
    reference = to_torch_transformer(model)
    # nn.Transformer's masks say True = *blocked*, ours True = may attend: each crosses over with one ~.
    blocked_future = ~causal_mask(tgt_in.shape[1], device=tgt_in.device)  # (T, T): the upper triangle
    blocked_source = ~src_mask  # (batch, S): source padding, for encoder self-attention and cross-attention
    out = reference(
        model.embed(model.src_embed, src),
        model.embed(model.tgt_embed, tgt_in),
        tgt_mask=blocked_future,
        src_key_padding_mask=blocked_source,
        tgt_key_padding_mask=~padding_mask(tgt_in),  # (batch, T): target padding
        memory_key_padding_mask=blocked_source,
    )
    return model.generator(out)


def gradient_norms_by_layer(model: Transformer, batch, smoothing: float = 0.1) -> dict[str, list[float]]:
    """One backward pass of the training loss on ``batch``; the gradient norm of each layer's
    parameters: {"encoder": [...], "decoder": [...]}, bottom layer first. Gradients are
    cleared afterwards. Taught in notebook 06."""
    model.zero_grad(set_to_none=True)
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    label_smoothed_loss(logits, batch.tgt_out, smoothing).backward()

    def norm(layer) -> float:
        return float(torch.sqrt(sum(p.grad.pow(2).sum() for p in layer.parameters() if p.grad is not None)))

    out = {"encoder": [norm(x) for x in model.encoder_layers], "decoder": [norm(x) for x in model.decoder_layers]}
    model.zero_grad(set_to_none=True)
    return out


def norm_placement_gradients(corpus: Corpus, n_pairs: int = 64, seed: int = 0) -> dict[str, dict[str, list[float]]]:
    """Post-norm against pre-norm at initialisation: a 6 + 6-layer Transformer (d_model 64, 4 heads,
    d_ff 256, no dropout) built each way from the same seed, one backward pass on one batch of the first
    ``n_pairs`` training pairs, and :func:`gradient_norms_by_layer` of each:
    {"post-norm": {"encoder": [6 norms], "decoder": [6 norms]}, "pre-norm": {...}}, bottom layer first.
    Taught in notebook 06."""
    data = TranslationDataset(corpus["train"][:n_pairs], corpus.src_vocab, corpus.tgt_vocab)
    batch = next(batches(data, n_pairs))
    deep = dict(d_model=64, n_heads=4, n_encoder_layers=6, n_decoder_layers=6, d_ff=256, dropout=0.0)
    norms = {}
    for norm_first in (False, True):
        torch.manual_seed(seed)
        config = TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), **deep, norm_first=norm_first)
        norms["pre-norm" if norm_first else "post-norm"] = gradient_norms_by_layer(Transformer(config), batch)
    return norms
