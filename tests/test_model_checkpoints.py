"""Checkpoints (transformer_lite.checkpoints.save_checkpoint / load_checkpoint): round trip,
mismatches, foreign or broken weights, the shipped ones."""

import dataclasses

import pytest
import tiny
import torch
from tiny import corpus

from transformer_lite.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from transformer_lite.lm import Translator
from transformer_lite.model import GPT, GPTConfig, RNNConfig, Seq2Seq, TransformerConfig
from transformer_lite.model.attention import padding_mask
from transformer_lite.recipes import RECIPES, SHIPPED_GRAMMARS, checkpoint_path


def test_rnn_checkpoint_round_trip_and_mismatch(tmp_path):
    torch.manual_seed(0)
    config = RNNConfig(src_vocab_size=20, tgt_vocab_size=15, emb_dim=8, hidden_dim=16)
    model = Seq2Seq(config).eval()
    path = save_checkpoint(model, tmp_path / "m.pt", {"steps": 3})
    loaded, extra = load_checkpoint(path, config=config)
    assert extra == {"steps": 3}
    src = torch.randint(4, 20, (2, 5))
    tgt = torch.randint(4, 15, (2, 4))
    mask = padding_mask(src)
    assert torch.equal(model(src, mask, tgt)[0], loaded(src, mask, tgt)[0])
    with pytest.raises(ValueError, match="hidden_dim"):
        load_checkpoint(path, config=dataclasses.replace(config, hidden_dim=32))
    with pytest.raises(ValueError, match="attention"):
        load_checkpoint(path, config=dataclasses.replace(config, attention="none"))


def test_shipped_checkpoints_match_their_recipes():
    for name in ("seq2seq", "seq2seq_attention"):
        c = corpus("fr")
        config = RNNConfig(len(c.src_vocab), len(c.tgt_vocab), **RECIPES[name].model_config)
        load_checkpoint(checkpoint_path(name, "fr"), config=config)  # raises if the recipe changed


def test_transformer_checkpoint_round_trip_and_mismatch(tmp_path):
    corpus = tiny.corpus("fr")
    model = tiny.small_transformer(corpus)
    path = save_checkpoint(model, tmp_path / "m.pt", {"note": "tiny"})
    loaded, extra = load_checkpoint(path)
    assert extra == {"note": "tiny"}
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), k
    wrong = TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=64, n_heads=2, d_ff=64)
    with pytest.raises(ValueError, match="d_model: yours=64 checkpoint=32"):
        load_checkpoint(path, wrong)
    with pytest.raises(ValueError, match="is a Transformer"):
        load_checkpoint(path, RNNConfig(10, 10))
    rnn = save_checkpoint(Seq2Seq(RNNConfig(len(corpus.src_vocab), len(corpus.tgt_vocab))), tmp_path / "r.pt")
    assert isinstance(load_checkpoint(rnn)[0], Seq2Seq)


def test_checkpoint_with_foreign_weights_is_refused(tmp_path):
    corpus = tiny.corpus("fr")
    path = save_checkpoint(tiny.small_transformer(corpus), tmp_path / "m.pt")
    ckpt = torch.load(path, weights_only=True)
    ckpt["state_dict"]["generator.bias"] = torch.zeros(3)
    torch.save(ckpt, path)
    with pytest.raises(ValueError, match="wrong shapes"):
        load_checkpoint(path)
    torch.save({"hello": 1}, path)
    with pytest.raises(ValueError, match="not a transformer_lite checkpoint"):
        load_checkpoint(path)


def test_a_checkpoint_saved_before_the_encoder_layer_rename_still_loads(tmp_path):
    """Checkpoints written before 27 Nov 2026 call the encoder layer's first Add & Norm ``sub_attn``."""
    model = tiny.tiny_transformer(corpus("fr"))
    path = save_checkpoint(model, tmp_path / "old.pt")
    ckpt = torch.load(path, weights_only=True)
    ckpt["state_dict"] = {k.replace(".sub_self.", ".sub_attn.", 1) if "encoder_layers" in k else k: v
                          for k, v in ckpt["state_dict"].items()}  # fmt: skip
    assert any(".sub_attn." in k for k in ckpt["state_dict"])
    torch.save(ckpt, path)
    loaded, _ = load_checkpoint(path)
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k


def test_a_checkpoint_with_nan_weights_is_refused_naming_the_tensor(tmp_path):
    path = save_checkpoint(tiny.tiny_transformer(corpus("fr")), tmp_path / "m.pt")
    ckpt = torch.load(path, weights_only=True)
    ckpt["state_dict"]["decoder_layers.0.ff.linear1.weight"][0, 0] = float("nan")
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError, match=r"NaN or inf weights in decoder_layers\.0\.ff\.linear1\.weight"):
        load_checkpoint(path)


def test_a_folder_that_cannot_be_written_is_named(tmp_path):
    target = tmp_path / "a_file"
    target.write_text("not a folder")
    with pytest.raises(OSError, match=r"path: cannot write the checkpoint .*a_file"):
        save_checkpoint(tiny.tiny_transformer(corpus("fr")), target / "m.pt")


def test_a_gpt_saves_as_a_gpt_through_its_translator(tmp_path):
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(20, 15, d_model=16, n_heads=2, n_layers=1, d_ff=32))
    path = save_checkpoint(Translator(gpt), tmp_path / "gpt.pt")
    assert torch.load(path, weights_only=True)["model"] == "GPT"
    loaded, _ = load_checkpoint(path)
    assert isinstance(loaded, GPT) and list(loaded.state_dict()) == list(gpt.state_dict())


@pytest.mark.parametrize(("name", "grammar"), [(n, g) for n in RECIPES for g in SHIPPED_GRAMMARS[n]])
def test_every_shipped_checkpoint_stores_exactly_the_models_parameters(name, grammar):
    path = checkpoint_path(name, grammar)
    stored = torch.load(path, weights_only=True)["state_dict"]
    model, _ = load_checkpoint(path)
    assert set(stored) == set(model.state_dict())  # the same names (older files list them in another order)
