"""The wrong answers notebook 06's graders know (written as a student writes them), and the layer they run on.

Each factory gives the right answer without arguments and a known mistake with them."""

from __future__ import annotations

import torch

from ..model.layers import EncoderLayer


def random_norm_layer(seed: int, d_model: int, heads: int) -> EncoderLayer:
    """An encoder layer in eval mode whose two norms have random scales and shifts (so they differ)."""
    torch.manual_seed(seed)
    layer = EncoderLayer(d_model, heads, 2 * d_model, dropout=0.0).eval()
    with torch.no_grad():
        for norm in (layer.sub_self.norm, layer.sub_ff.norm):
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.normal_(0.0, 0.3)
    return layer


def encoder_probes():
    """One padded batch on a layer whose norms are not the identity (so a misplaced norm shows)."""
    layer = random_norm_layer(12, 8, 2)
    x = torch.randn(2, 4, 8, generator=torch.Generator().manual_seed(13))
    key = torch.ones(2, 4, dtype=torch.bool)
    key[0, -1] = False
    return [(layer, x, key[:, None, None, :])]


def causal(t):
    """The causal part of a decoder mask for target ids ``t`` (batch, T): (T, T), True = may attend."""
    return torch.ones(t.shape[1], t.shape[1], dtype=torch.bool).tril()


def real_keys(t):
    """The padding part: (batch, 1, 1, T), True where the key is a word (id != 0)."""
    return (t != 0)[:, None, None, :]


def encoder_case(seed, batch, length, d_model, heads, pad, fn):
    """A check case: ``fn`` on a random-norm layer and a batch whose first sentence ends in ``pad`` pads."""

    def run():
        layer = random_norm_layer(seed, d_model, heads)
        x = torch.randn(batch, length, d_model)
        key = torch.ones(batch, length, dtype=torch.bool)
        key[0, length - pad :] = False
        mask = key[:, None, None, :]
        with torch.no_grad():
            expected, _ = layer(x, mask)
            return fn(layer, x, mask), expected

    return run


def attend(layer, x, mask):
    return layer.self_attn(x, x, x, mask)[0]


def pre_norm(layer, x, mask):
    h = layer.sub_self.norm(x)
    x = x + attend(layer, h, mask)
    return x + layer.ff(layer.sub_ff.norm(x))


def add_norm(t, out, residual: bool, norm, inside: bool):
    if inside:
        return t + norm(out)
    total = t + out if residual else out
    return norm(total) if norm is not None else total


RIGHT_ENCODER = {"first": "attn", "res": (True, True), "norm": (True, True), "masked": True, "swap_norms": False}
RIGHT_ENCODER.update(ff_reads="x1", second_residual="x1", inside=False, same_norm=None, mask_inverted=False)


def encoder(**wrong):
    """An encoder layer a student might write: the right one without arguments, a known mistake otherwise."""
    o = {**RIGHT_ENCODER, **wrong}

    def encoder(layer, x, mask):
        n1, n2 = layer.sub_self.norm, layer.sub_ff.norm
        n1, n2 = (n2, n1) if o["swap_norms"] else (n1, n2)
        n1, n2 = {None: (n1, n2), "self": (n1, n1), "ff": (n2, n2)}[o["same_norm"]]
        m = (~mask if o["mask_inverted"] else mask) if o["masked"] else None
        sub1, sub2 = (lambda t: attend(layer, t, m)), layer.ff
        sub1, sub2 = (sub2, sub1) if o["first"] == "ff" else (sub1, sub2)
        x1 = add_norm(x, sub1(x), o["res"][0], n1 if o["norm"][0] else None, o["inside"])
        out2 = sub2(x1 if o["ff_reads"] == "x1" else x)
        second_in = x1 if o["second_residual"] == "x1" else x
        return add_norm(second_in, out2, o["res"][1], n2 if o["norm"][1] else None, o["inside"])

    return encoder


def decoder_mask_sized_by_batch(t):
    """The causal part built from tgt_in.shape[0], the batch, instead of the length."""
    n = t.shape[0]
    return (t != 0)[:, None, None, :] & torch.ones(n, n, dtype=torch.bool).tril()


def tuple_not_unpacked(layer, x, mask):
    h = layer.self_attn(x, x, x, mask)
    x = layer.sub_self.norm(x + h)
    return layer.sub_ff.norm(x + layer.ff(x))


def count(attention=(4, 4), ffn=(2, 1, 1), norm=2, decoder_parts=(2, 3), encoder_parts=(1, 2), ffns=(1, 1)):
    """A parameter count a student might write (right with the defaults): (matrices, vectors) per part;
    ``ffns``: how many FFNs (encoder, decoder)."""

    def count(d_model, d_ff, decoder):
        att = attention[0] * d_model * d_model + attention[1] * d_model
        ff = ffn[0] * d_model * d_ff + ffn[1] * d_ff + ffn[2] * d_model
        attentions, norms = decoder_parts if decoder else encoder_parts
        return attentions * att + ffns[decoder] * ff + norms * norm * d_model

    return count
