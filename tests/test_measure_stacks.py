"""Whole stacks measured (transformer_lite.measure.stacks): our Transformer equals nn.Transformer
with the same weights; gradient norms by layer."""

import pytest
import torch
from tiny import random_batch

from transformer_lite.data import load_corpus
from transformer_lite.measure.stacks import to_torch_transformer
from transformer_lite.model import Transformer, TransformerConfig

D, HEADS, FF, LAYERS = 16, 4, 32, 2


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
def test_equals_torch_nn_transformer(norm_first):
    torch.manual_seed(0)
    config = TransformerConfig(
        30,
        30,
        d_model=D,
        n_heads=HEADS,
        n_encoder_layers=LAYERS,
        n_decoder_layers=LAYERS,
        d_ff=FF,
        dropout=0.0,
        norm_first=norm_first,
    )
    model = Transformer(config).double().eval()
    ref = to_torch_transformer(model)
    assert not ref.training
    src, src_mask, tgt = random_batch()
    ours, _ = model(src, src_mask, tgt)
    x_src = model.embed(model.src_embed, src)
    x_tgt = model.embed(model.tgt_embed, tgt)
    causal_blocked = ~torch.ones(tgt.shape[1], tgt.shape[1], dtype=torch.bool).tril()  # nn: True = blocked
    out = ref(
        x_src,
        x_tgt,
        tgt_mask=causal_blocked,
        src_key_padding_mask=~src_mask,
        tgt_key_padding_mask=tgt == 0,
        memory_key_padding_mask=~src_mask,
    )
    theirs = model.generator(out)
    assert torch.allclose(ours, theirs, atol=1e-5), (ours - theirs).abs().max()


def test_post_norm_gradients_grow_toward_the_output_pre_norm_stay_flat():
    """Notebook 06's measurement: 6+6 layers at initialisation, one batch."""
    from transformer_lite.data import TranslationDataset, batches
    from transformer_lite.measure.stacks import gradient_norms_by_layer

    corpus = load_corpus("fr")
    batch = next(batches(TranslationDataset(corpus["train"][:64], corpus.src_vocab, corpus.tgt_vocab), 64))
    ratio = {}
    deep = dict(d_model=64, n_heads=4, n_encoder_layers=6, n_decoder_layers=6, d_ff=256, dropout=0.0)
    for norm_first in (False, True):
        torch.manual_seed(0)
        config = TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), **deep, norm_first=norm_first)
        norms = gradient_norms_by_layer(Transformer(config), batch)
        ratio[norm_first] = norms["decoder"][-1] / norms["decoder"][0]
    assert ratio[False] > 3, ratio
    assert 0.5 < ratio[True] < 1.5, ratio
