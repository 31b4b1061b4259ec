"""Checks for notebook 06's exercises (Encoder and decoder stacks), in notebook order."""

from __future__ import annotations

import torch

from ..model.attention import attention_mask
from ..model.base import count_parameters
from ..model.layers import DecoderLayer, EncoderLayer
from . import Case, Hints, Mistake, Probe, exercise

hint = Hints(
    "nb06",
    {
        "encoder_layer": (
            "two sub-layers, self-attention then the feed-forward network; post-norm: each one's output is added "
            "to its input and the sum normalised (the layer's own modules and norms)",
            "h, _ = layer.self_attn(x, x, x, mask); x = layer.sub_self.norm(x + h); "
            "return layer.sub_ff.norm(x + layer.ff(x))",
        ),
        "decoder_mask": (
            "a target position may attend to a key when the key is a real word (not <pad>, id 0) and not in its "
            "future; combine the two conditions, broadcast to (batch, 1, T, T)",
            "(tgt_in != 0)[:, None, None, :] & torch.ones(T, T, dtype=torch.bool).tril()",
        ),
        "layer_parameters": (
            "add up the weights and biases of every Linear and LayerNorm in the layer: attention has four "
            "d x d projections, the FFN two matrices, each LayerNorm a scale and a shift; the decoder has one "
            "attention and one norm more",
            "attention 4 d^2 + 4 d; FFN 2 d d_ff + d_ff + d; LayerNorm 2 d; encoder: 1 attention, 2 norms; "
            "decoder: 2 attentions, 3 norms",
        ),
    },
)


def _encoder_case(seed, batch, length, d_model, heads, pad, fn):
    def run():
        torch.manual_seed(seed)
        layer = EncoderLayer(d_model, heads, 2 * d_model, dropout=0.0).eval()
        x = torch.randn(batch, length, d_model)
        key = torch.ones(batch, length, dtype=torch.bool)
        key[0, length - pad :] = False
        mask = key[:, None, None, :]
        with torch.no_grad():
            expected, _ = layer(x, mask)
            return fn(layer, x, mask), expected

    return run


def check_encoder_layer(fn, hidden: bool = False):
    """Notebook 06, Your turn 1: ``fn(layer: EncoderLayer, x (batch, S, d_model), mask (batch, 1, 1, S))
    -> (batch, S, d_model)``: x = LayerNorm(x + SelfAttn(x)); x = LayerNorm(x + FFN(x))."""
    cases = [
        Case("one sentence, no padding", _encoder_case(0, 1, 4, 8, 2, 0, fn)),
        Case(
            "two sentences, padding in the first",
            _encoder_case(1, 2, 6, 16, 4, 2, fn),
            "pass the mask to the attention",
        ),
    ]
    hidden_cases = [Case("three sentences, one head", _encoder_case(2, 3, 5, 8, 1, 3, fn))]
    return exercise(hint, "encoder_layer", "06 Your turn 1 (encoder layer)", cases, fn, (), hidden_cases, hidden)


def _mask_case(rows, fn):
    def run():
        ids = torch.tensor(rows)
        return fn(ids), attention_mask(ids != 0, causal=True)

    return run


def check_decoder_mask(fn, hidden: bool = False):
    """Notebook 06, Your turn 2: ``fn(tgt_in (batch, T) ids, 0 = <pad>) -> (batch, 1, T, T)`` bool,
    True = may attend: causal (no future) and no padding keys."""
    cases = [
        Case("one sentence, no padding", _mask_case([[1, 5, 6]], fn)),
        Case("two sentences, one padded", _mask_case([[1, 5, 6, 7], [1, 8, 0, 0]], fn)),
    ]
    hidden_cases = [Case("three sentences, two padded", _mask_case([[1, 4, 0], [1, 0, 0], [1, 5, 9]], fn))]
    ids = torch.tensor([[1, 5, 6, 7], [1, 8, 0, 0]])
    tril = torch.ones(4, 4, dtype=torch.bool).tril()
    probes = [
        Probe(
            (ids,),
            [
                Mistake(
                    "the padding is not blocked: keys that are <pad> (id 0) may not be attended to.",
                    lambda t: tril.expand(2, 1, 4, 4),
                ),
                Mistake(
                    "the mask is not causal: a position may not look at later words.",
                    lambda t: (t != 0)[:, None, None, :].expand(2, 1, 4, 4),
                ),
            ],
        )
    ]
    return exercise(hint, "decoder_mask", "06 Your turn 2 (decoder mask)", cases, fn, probes, hidden_cases, hidden)


def _count_case(d_model, d_ff, decoder, fn):
    def run():
        layer = (DecoderLayer if decoder else EncoderLayer)(d_model, 2, d_ff)
        return fn(d_model, d_ff, decoder), count_parameters(layer)

    return run


def check_layer_parameters(fn, hidden: bool = False):
    """Notebook 06, Your turn 3: ``fn(d_model, d_ff, decoder: bool) -> int``: the parameters of one
    encoder (or decoder) layer."""
    cases = [
        Case("encoder layer, d_model 64, d_ff 256", _count_case(64, 256, False, fn)),
        Case("decoder layer, d_model 64, d_ff 256", _count_case(64, 256, True, fn)),
    ]
    hidden_cases = [
        Case("encoder layer, the paper's base size", _count_case(512, 2048, False, fn)),
        Case("decoder layer, d_model 32, d_ff 48", _count_case(32, 48, True, fn)),
    ]
    return exercise(
        hint, "layer_parameters", "06 Your turn 3 (parameters of a layer)", cases, fn, (), hidden_cases, hidden
    )
