"""Checks for notebook 06's exercises (Encoder and decoder stacks), in notebook order."""

from __future__ import annotations

import torch

from ..i18n import N_
from ..model.attention import attention_mask
from ..model.base import count_parameters
from ..model.layers import DecoderLayer, EncoderLayer
from .diagnosis import Mistake
from .help import Hints, Solutions
from .nb06_variants import causal as _tril
from .nb06_variants import (
    count,
    decoder_mask_sized_by_batch,
    encoder,
    encoder_case,
    encoder_probes,
    pre_norm,
    tuple_not_unpacked,
)
from .nb06_variants import real_keys as _keys
from .runner import Case, Exercise

ENCODER_LAYER = Exercise(
    "06",
    "encoder_layer",
    N_("06 Your turn 1 (encoder layer)"),
    hints=(
        N_(
            "An encoder layer has two sub-layers, self-attention then the feed-forward network. Post-norm, as in "
            "the paper: each sub-layer's output is added to its input, and the sum is normalised."
        ),
        N_(
            "Run the layer's self-attention with x as query, key and value and the mask; it returns the output "
            "and the weights. Add its output to x and normalise with the first sub-layer's norm. Feed that "
            "result to the feed-forward network, add the network's output to its input, and normalise with the "
            "second sub-layer's norm."
        ),
        N_(
            "attended, _ = layer.self_attn(x, x, x, ____)\n"
            "x = layer.sub_self.norm(____ + ____)\n"
            "out = layer.sub_ff.norm(____ + layer.ff(____))"
        ),
    ),
    mistakes=[
        Mistake(
            "pre_norm",
            "you wrote a pre-norm layer, x + SubLayer(LayerNorm(x)); the paper's (and this layer's) is post-norm, "
            "LayerNorm(x + SubLayer(x)).",
            pre_norm,
        ),
        Mistake(
            "residuals_missing",
            "the residual connections are missing: each sub-layer's output is added to its input before the norm.",
            encoder(res=(False, False)),
        ),
        Mistake(
            "attention_residual_missing",
            "the self-attention sub-layer has no residual: normalise x + attention, not the attention alone.",
            encoder(res=(False, True)),
        ),
        Mistake(
            "ffn_residual_missing",
            "the feed-forward sub-layer has no residual: normalise x + FFN(x), not FFN(x) alone.",
            encoder(res=(True, False)),
        ),
        Mistake("mask_not_passed", "the mask is not passed to the self-attention.", encoder(masked=False)),
        Mistake(
            "attention_tuple_not_unpacked",
            "layer.self_attn returns (output, weights): unpack it, `attended, _ = layer.self_attn(...)`.",
            tuple_not_unpacked,
        ),
        Mistake(
            "norms_swapped",
            "the two norms are swapped: layer.sub_self.norm follows the attention, layer.sub_ff.norm the FFN.",
            encoder(swap_norms=True),
        ),
        Mistake(
            "norms_missing",
            "a LayerNorm is missing: each sub-layer's sum x + SubLayer(x) is normalised.",
            encoder(norm=(False, False)),
            encoder(norm=(False, True)),
            encoder(norm=(True, False)),
        ),
        Mistake(
            "same_norm_twice",
            "one LayerNorm serves both sub-layers (a copy-paste slip?): layer.sub_self.norm follows the "
            "attention, layer.sub_ff.norm the FFN.",
            encoder(same_norm="self"),
            encoder(same_norm="ff"),
        ),
        Mistake(
            "mask_inverted",
            "the mask is inverted before the attention: True already means 'may attend'; pass it as it is.",
            encoder(mask_inverted=True),
        ),
        Mistake(
            "norm_inside_residual",
            "the norm sits on the sub-layer's output, x + LayerNorm(SubLayer(x)); post-norm normalises the "
            "sum, LayerNorm(x + SubLayer(x)).",
            encoder(inside=True),
        ),
        Mistake(
            "sublayers_swapped",
            "the feed-forward network runs first; self-attention comes first, then the FFN.",
            encoder(first="ff"),
        ),
        Mistake(
            "ffn_reads_the_input",
            "the feed-forward network reads the layer's input x; it reads the first sub-layer's output.",
            encoder(ff_reads="x"),
        ),
        Mistake(
            "second_residual_from_input",
            "the second residual adds the layer's input x; it adds the first sub-layer's output.",
            encoder(second_residual="x"),
        ),
    ],
    probes=encoder_probes,
    reference=encoder(),
)


def check_encoder_layer(fn, hidden: bool = False):
    """Notebook 06, Your turn 1: ``fn(layer: EncoderLayer, x (batch, S, d_model), mask (batch, 1, 1, S))
    -> (batch, S, d_model)``: x = LayerNorm(x + SelfAttn(x)); x = LayerNorm(x + FFN(x))."""
    cases = [
        Case("one sentence, no padding", encoder_case(0, 1, 4, 8, 2, 0, fn)),
        Case(
            "two sentences, padding in the first",
            encoder_case(1, 2, 6, 16, 4, 2, fn),
            N_("pass the mask to the attention"),
        ),
    ]
    hidden_cases = [Case("three sentences, one head", encoder_case(2, 3, 5, 8, 1, 3, fn))]
    return ENCODER_LAYER.check(fn, cases, hidden_cases, hidden)


DECODER_MASK = Exercise(
    "06",
    "decoder_mask",
    N_("06 Your turn 2 (decoder mask)"),
    hints=(
        N_(
            "A target position may attend to a key when the key is a real word (not <pad>, id 0) and is not in "
            "its future. Both conditions must hold; the mask broadcasts to (batch, 1, T, T)."
        ),
        N_(
            "Build a padding condition from the ids, one value per key, shaped (batch, 1, 1, T) so that it "
            "applies along the keys' axis (the last). Build a causal condition, T by T, true on and below the "
            "diagonal. Combine the two with a logical and."
        ),
        N_(
            "real_keys = (tgt_in != ____)[:, None, None, :]   # (batch, 1, 1, T)\n"
            "causal = torch.ones(T, T, dtype=torch.bool).____()\n"
            "mask = real_keys ____ causal                      # (batch, 1, T, T)"
        ),
    ),
    mistakes=[
        Mistake(
            "padding_not_blocked",
            "the padding is not blocked: keys that are <pad> (id 0) may not be attended to.",
            lambda t: _tril(t).expand(t.shape[0], 1, -1, -1),
            _tril,
        ),
        Mistake(
            "not_causal",
            "the mask is not causal: a position may not look at later words.",
            lambda t: _keys(t).expand(-1, -1, t.shape[1], -1),
            _keys,
        ),
        Mistake(
            "one_future_word",
            "the causal part lets each position see one word ahead (tril(1)); keep j <= i only, tril().",
            lambda t: _keys(t) & torch.ones_like(_tril(t)).tril(1),
        ),
        Mistake(
            "future_visible",
            "the causal part keeps the upper triangle (triu), which shows each position its future; keep the "
            "lower one, tril.",
            lambda t: _keys(t) & _tril(t).T,
        ),
        Mistake(
            "padding_on_queries",
            "the padding is blocked along the queries (rows); it is the keys (the last axis) that may not be "
            "padding: (tgt_in != 0)[:, None, None, :].",
            lambda t: (t != 0)[:, None, :, None] & _tril(t),
        ),
        Mistake(
            "padding_on_both_axes",
            "the padding is blocked along the queries too, so a padded row has no key left (NaN in the softmax); "
            "block the padded keys only.",
            lambda t: (t != 0)[:, None, :, None] & _keys(t) & _tril(t),
        ),
        Mistake(
            "diagonal_blocked",
            "the diagonal is blocked: a position may attend to itself.",
            lambda t: _keys(t) & _tril(t).tril(-1),
        ),
        Mistake(
            "blocked_convention",
            "you built the blocked convention (True = may not attend); ours is True = may attend.",
            lambda t: (t == 0)[:, None, None, :] | ~_tril(t),
        ),
        Mistake(
            "padding_inverted",
            "the padding test is inverted: a key may be attended to when it is not <pad>, tgt_in != 0.",
            lambda t: (t == 0)[:, None, None, :] & _tril(t),
        ),
        Mistake(
            "or_not_and",
            "the two conditions are joined with `or`; a key must be both real and not in the future: `&`.",
            lambda t: _keys(t) | _tril(t),
        ),
        Mistake(
            "head_axis_missing",
            "the mask is (batch, T, T); it needs a heads axis of size 1, (batch, 1, T, T), to broadcast over "
            "the heads.",
            lambda t: (t != 0)[:, None, :] & _tril(t),
        ),
        Mistake(
            "float_causal_part",
            "the causal part is a float tensor, and & needs booleans: build it with dtype=torch.bool.",
            lambda t: _keys(t) & torch.ones(t.shape[1], t.shape[1]).tril(),
        ),
        Mistake(
            "length_from_batch",
            "the causal part is sized by tgt_in.shape[0], the batch; the length is tgt_in.shape[1].",
            decoder_mask_sized_by_batch,
        ),
        Mistake(
            "wrong_pad_id",
            "the padding id is wrong: <pad> is id 0 (id 1 is <bos>, id 2 <eos>).",
            lambda t: (t != 1)[:, None, None, :] & _tril(t),
            lambda t: (t != 2)[:, None, None, :] & _tril(t),
        ),
    ],
    # the last probe has a gap of padding inside a sentence: it tells the query axis from both axes
    probes=lambda: [
        (torch.tensor([[1, 5, 6, 7], [1, 8, 0, 0]]),),
        (torch.tensor([[1, 2, 0], [1, 4, 2]]),),
        (torch.tensor([[1, 0, 5, 6]]),),
    ],
    reference=lambda t: attention_mask(t != 0, causal=True),
)


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
        Case("two sentences, one padded", _mask_case([[1, 5, 6, 2], [1, 8, 2, 0]], fn)),
    ]
    hidden_cases = [Case("three sentences, two padded", _mask_case([[1, 4, 0], [1, 0, 0], [1, 5, 9]], fn))]
    return DECODER_MASK.check(fn, cases, hidden_cases, hidden)


LAYER_PARAMETERS = Exercise(
    "06",
    "layer_parameters",
    N_("06 Your turn 3 (parameters of a layer)"),
    hints=(
        N_(
            "Add up the weights and biases of every Linear and LayerNorm in the layer: attention has four "
            "d_model x d_model projections, the FFN two matrices, each LayerNorm a scale and a shift; a decoder "
            "layer has one attention and one norm more."
        ),
        N_(
            "Count one attention: four square projections (query, key, value, output), each with a bias vector. "
            "Count the FFN: a d_model-to-d_ff matrix with its bias and a d_ff-to-d_model matrix with its bias. "
            "Count a LayerNorm: one scale and one shift per feature. An encoder layer has one attention, one "
            "FFN and two norms; a decoder layer two attentions, one FFN and three norms."
        ),
        N_(
            "attention = 4 * ____ + 4 * ____\n"
            "ffn = 2 * ____ + ____ + ____\n"
            "norm = ____\n"
            "total = (____ if decoder else ____)"
        ),
    ),
    mistakes=[
        Mistake(
            "cross_attention_forgotten",
            "the decoder layer is counted like an encoder layer: it has a second attention (cross-attention) "
            "and a third LayerNorm.",
            count(decoder_parts=(1, 2)),
            count(decoder_parts=(1, 3)),
        ),
        Mistake(
            "third_norm_missing",
            "the decoder layer has three LayerNorms, one per sub-layer.",
            count(decoder_parts=(2, 2)),
        ),
        Mistake(
            "one_norm_per_layer",
            "each sub-layer has its own LayerNorm: two in an encoder layer, three in a decoder layer.",
            count(encoder_parts=(1, 1), decoder_parts=(2, 1)),
            count(encoder_parts=(1, 1), decoder_parts=(2, 2)),
        ),
        Mistake(
            "attention_biases_missing",
            "the attention's biases are missing: each of its four projections has a bias of d_model numbers.",
            count(attention=(4, 0)),
        ),
        Mistake(
            "ffn_biases_missing",
            "the FFN's biases are missing: d_ff numbers for the first Linear, d_model for the second.",
            count(ffn=(2, 0, 0)),
            count(ffn=(2, 1, 0)),
            count(ffn=(2, 0, 1)),
        ),
        Mistake(
            "biases_missing", "no bias is counted: every Linear here has one.", count(attention=(4, 0), ffn=(2, 0, 0))
        ),
        Mistake("norms_not_counted", "the LayerNorms are not counted: each has 2 x d_model parameters.", count(norm=0)),
        Mistake(
            "norm_scale_only",
            "a LayerNorm has a shift as well as a scale: 2 x d_model parameters.",
            count(norm=1),
        ),
        Mistake(
            "three_projections",
            "the attention has four projections: query, key, value and the output projection.",
            count(attention=(3, 3)),
            count(attention=(3, 4)),
        ),
        Mistake(
            "ffn_bias_sizes",
            "the FFN's biases have the wrong sizes: the first Linear's bias has d_ff numbers, the second's d_model.",
            count(ffn=(2, 2, 0)),
            count(ffn=(2, 0, 2)),
        ),
        Mistake(
            "attention_bias_count",
            "the attention has four biases, one of d_model numbers for each projection (query, key, value, output).",
            count(attention=(4, 1)),
            count(attention=(4, 3)),
        ),
        Mistake(
            "decoder_doubled",
            "a decoder layer is not two encoder layers: it has two attentions but one FFN and three LayerNorms.",
            count(decoder_parts=(2, 4), ffns=(1, 2)),
        ),
        Mistake(
            "xor_for_power",
            "^ is bitwise XOR in Python, not a power: write d_model ** 2 (or d_model * d_model).",
            lambda d, f, dec: (2 if dec else 1) * (4 * d ^ 2 + 4 * d) + 2 * d * f + f + d + (3 if dec else 2) * 2 * d,
            lambda d, f, dec: (2 if dec else 1) * (4 * (d ^ 2) + 4 * d) + 2 * d * f + f + d + (3 if dec else 2) * 2 * d,
        ),
        Mistake(
            "one_ffn_matrix",
            "the FFN has two matrices, d_model x d_ff and d_ff x d_model.",
            count(ffn=(1, 1, 1)),
            count(ffn=(1, 1, 0)),
        ),
    ],
    probes=lambda: [(8, 32, True), (8, 32, False), (6, 10, True), (6, 10, False)],
    reference=count(),
)


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
    return LAYER_PARAMETERS.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (ENCODER_LAYER, DECODER_MASK, LAYER_PARAMETERS)}
hint = Hints("nb06", EXERCISES)
solution = Solutions("nb06", "06", EXERCISES)
