"""What the models share (model/base.py): one translation interface (the GPT through lm.Translator),
the decoding state rebuilt from a prefix; and the layers they share (the decoder layer and the GPT
block build on the encoder layer)."""

import pytest
import torch

from transformer_lite.lm import Translator
from transformer_lite.model import GPT, GPTConfig, RNNConfig, Seq2Seq, Transformer, TransformerConfig, build_model
from transformer_lite.model.attention import masked_softmax
from transformer_lite.model.base import StackConfig, TranslationModel
from transformer_lite.model.gpt import GPTBlock
from transformer_lite.model.layers import DecoderLayer, EncoderLayer

V = 30
CONFIGS = {
    "rnn": RNNConfig(V, V, emb_dim=8, hidden_dim=16, attention="none", dropout=0.0),
    "rnn+attention": RNNConfig(V, V, emb_dim=8, hidden_dim=16, attention="additive", dropout=0.0),
    "rnn+dot": RNNConfig(V, V, emb_dim=8, hidden_dim=16, attention="dot", dropout=0.0),
    "transformer": TransformerConfig(V, V, d_model=16, n_heads=2, d_ff=32, dropout=0.0),
    "gpt": GPTConfig(V, V, d_model=16, n_heads=2, n_layers=2, d_ff=32, dropout=0.0),
}


def _model(name):
    """A translation model: the GPT through its adapter."""
    torch.manual_seed(0)
    model = build_model(CONFIGS[name]).eval()
    return Translator(model) if name == "gpt" else model


def _batch():
    src = torch.tensor([[5, 6, 7, 8, 9], [10, 11, 12, 0, 0]])
    tokens = torch.tensor([[1, 13, 14, 15], [1, 16, 17, 18]])  # <bos> first
    return src, src != 0, tokens


@pytest.mark.parametrize("name", CONFIGS)
def test_every_model_translates_and_only_the_gpt_needs_an_adapter(name):
    model = build_model(CONFIGS[name])
    assert isinstance(model, TranslationModel) == (name != "gpt")
    assert isinstance(model, GPT) == (name == "gpt")


@pytest.mark.parametrize("name", CONFIGS)
def test_step_without_a_state_rebuilds_it_from_the_prefix(name):
    model = _model(name)
    src, src_mask, tokens = _batch()
    with torch.no_grad():
        memory, state = model.start(src, src_mask)
        for t in range(1, tokens.shape[1]):
            _, state = model.step(memory, src_mask, tokens[:, :t], state)
        cached, _ = model.step(memory, src_mask, tokens, state)
        rebuilt, _ = model.step(memory, src_mask, tokens, None)
        logits, _ = model(src, src_mask, tokens)
    torch.testing.assert_close(rebuilt, cached)
    torch.testing.assert_close(cached, torch.log_softmax(logits[:, -1], dim=-1), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", CONFIGS)
def test_a_model_refuses_another_models_config(name):
    other = CONFIGS["gpt" if name != "gpt" else "transformer"]
    with pytest.raises(TypeError, match=r"config must be a \w+Config"):
        type(build_model(CONFIGS[name]))(other)


def test_stack_configs_share_their_fields_and_take_sizes_by_name():
    shared = {f for f in StackConfig.__dataclass_fields__ if f != "_"}
    assert shared <= set(TransformerConfig.__dataclass_fields__) & set(GPTConfig.__dataclass_fields__)
    assert GPTConfig(V, V).d_model == 64 and TransformerConfig(V, V).d_model == 128  # each keeps its default
    with pytest.raises(TypeError, match="by name"):
        TransformerConfig(V, V, 16, 2)


def test_decoder_layer_and_gpt_block_build_on_the_encoder_layer():
    enc, dec, block = EncoderLayer(16, 2, 32), DecoderLayer(16, 2, 32), GPTBlock(16, 2, 32)
    assert isinstance(dec, EncoderLayer) and isinstance(block, EncoderLayer)
    assert set(dec.state_dict()) - set(enc.state_dict()) == {k for k in dec.state_dict() if "cross" in k}
    assert set(block.state_dict()) == set(enc.state_dict())  # a GPT block is an encoder layer's parameters


def test_masked_softmax_gives_zeros_where_blocked_and_for_fully_masked_rows():
    scores = torch.randn(3, 4)
    mask = torch.tensor([[True, True, False, True], [False, False, False, False], [True, True, True, True]])
    w = masked_softmax(scores, mask)
    assert torch.equal(w[~mask], torch.zeros(int((~mask).sum())))
    assert torch.equal(w[1], torch.zeros(4))  # nothing to read: zeros, not NaN
    torch.testing.assert_close(w[[0, 2]].sum(-1), torch.ones(2))
    expected = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    torch.testing.assert_close(w[[0, 2]], expected[[0, 2]])
    torch.testing.assert_close(masked_softmax(scores, None), torch.softmax(scores, dim=-1))


def test_models_are_the_documented_classes():
    assert {type(build_model(c)) for c in CONFIGS.values()} == {Seq2Seq, Transformer, GPT}
