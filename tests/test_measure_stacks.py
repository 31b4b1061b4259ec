"""Whole stacks measured (transformer_lite.measure.stacks): our Transformer equals nn.Transformer
with the same weights; gradient norms by layer."""

import pytest
import torch
from tiny import random_batch

from transformer_lite.data import load_corpus
from transformer_lite.measure.stacks import norm_placement_gradients, to_torch_transformer, torch_transformer_logits
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
    theirs = torch_transformer_logits(model, src, src_mask, tgt)
    assert torch.allclose(ours, theirs, atol=1e-5), (ours - theirs).abs().max()


def test_post_norm_gradients_grow_toward_the_output_pre_norm_stay_flat():
    """Notebook 06's measurement: 6+6 layers at initialisation, one batch."""
    norms = norm_placement_gradients(load_corpus("fr"))
    ratio = {name: n["decoder"][-1] / n["decoder"][0] for name, n in norms.items()}
    assert all(len(n["encoder"]) == len(n["decoder"]) == 6 for n in norms.values())
    assert ratio["post-norm"] > 3, ratio
    assert 0.5 < ratio["pre-norm"] < 1.5, ratio
