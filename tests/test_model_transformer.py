"""The Transformer: equal to torch.nn.Transformer with the same weights, attention maps
with the documented shapes, clear errors, and the trained facts the notebooks state."""

import pytest
import torch
from tiny import random_batch

from transformer_lite.data import load_corpus
from transformer_lite.metrics import evaluate
from transformer_lite.model import Transformer, TransformerConfig
from transformer_lite.model.layers import DecoderLayer, EncoderLayer, FeedForward, PositionalEncoding
from transformer_lite.recipes import checkpoint_path, load_pretrained

D, HEADS, FF = 16, 4, 32


def test_attention_maps_have_documented_shapes():
    torch.manual_seed(0)
    model = Transformer(
        TransformerConfig(30, 30, d_model=D, n_heads=HEADS, n_encoder_layers=3, n_decoder_layers=2, d_ff=FF)
    ).eval()
    src, src_mask, tgt = random_batch()
    logits, attn = model(src, src_mask, tgt, return_attention=True)
    assert logits.shape == (3, 6, 30)
    assert set(attn) == {"enc_self", "dec_self", "cross"}
    assert len(attn["enc_self"]) == 3 and len(attn["dec_self"]) == 2 and len(attn["cross"]) == 2
    for w in attn["enc_self"]:
        assert w.shape == (3, HEADS, 7, 7)
        assert torch.allclose(w[0, :, :, 5:], torch.zeros(1))  # padding never attended
    for w in attn["dec_self"]:
        assert w.shape == (3, HEADS, 6, 6)
        assert torch.allclose(w.triu(1), torch.zeros(1))  # no peeking ahead
    for w in attn["cross"]:
        assert w.shape == (3, HEADS, 6, 7)
        assert torch.allclose(w[2, :, :, 3:], torch.zeros(1))
        assert torch.allclose(w.sum(-1), torch.ones(1), atol=1e-5)
    # The maps do not change the output.
    plain, none = model(src, src_mask, tgt)
    assert none is None and torch.allclose(plain, logits, atol=1e-5)


def test_step_matches_forward():
    torch.manual_seed(0)
    model = Transformer(
        TransformerConfig(30, 30, d_model=D, n_heads=HEADS, n_encoder_layers=2, n_decoder_layers=2, d_ff=FF)
    ).eval()
    src, src_mask, tgt = random_batch()
    tgt = tgt.clone()
    tgt[tgt == 0] = 5
    logits, _ = model(src, src_mask, tgt)
    memory, state = model.start(src, src_mask)
    for t in range(1, tgt.shape[1] + 1):
        log_probs, state = model.step(memory, src_mask, tgt[:, :t], state)
        assert torch.allclose(log_probs, torch.log_softmax(logits[:, t - 1], -1), atol=1e-5)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="divisible by n_heads"):
        TransformerConfig(30, 30, d_model=30, n_heads=4)
    with pytest.raises(ValueError, match="even"):
        TransformerConfig(30, 30, d_model=15, n_heads=3)
    with pytest.raises(ValueError, match="learned positional table"):
        PositionalEncoding(8, max_len=4, learned=True)(torch.zeros(1, 6, 8))
    with pytest.raises(ValueError, match="d_model=8"):
        EncoderLayer(8, 2, 16)(torch.zeros(1, 5, 6))
    with pytest.raises(ValueError, match="does not broadcast"):
        DecoderLayer(8, 2, 16)(
            torch.zeros(2, 5, 8),
            torch.zeros(2, 4, 8),
            torch.ones(2, 1, 5, 5, dtype=torch.bool),
            torch.ones(2, 1, 1, 3, dtype=torch.bool),
        )
    with pytest.raises(ValueError, match="expected"):
        PositionalEncoding(8)(torch.zeros(5, 8))
    assert FeedForward(8, 16)(torch.zeros(2, 3, 8)).shape == (2, 3, 8)


def test_parameter_count_by_component():
    c = TransformerConfig(
        30, 40, d_model=D, n_heads=HEADS, n_encoder_layers=2, n_decoder_layers=2, d_ff=FF, tie_embeddings=True
    )
    counts = Transformer(c).parameter_counts()
    attn = 4 * (D * D + D)
    ff = D * FF + FF + FF * D + D
    norm = 2 * D
    assert counts["encoder"] == 2 * (attn + ff + 2 * norm)
    assert counts["decoder"] == 2 * (2 * attn + ff + 3 * norm)
    assert counts["embeddings"] == 30 * D + 40 * D
    assert counts["generator"] == 40  # the bias: its weight is the tied target embedding
    assert counts["total"] == sum(p.numel() for p in Transformer(c).parameters())


# ---- trained facts on the shipped checkpoints --------------------------------------------------------
def _needs(name, grammar):
    if not checkpoint_path(name, grammar).exists():
        pytest.skip(f"{checkpoint_path(name, grammar)} is missing: build it with python -m transformer_lite.recipes")


@pytest.mark.parametrize("grammar", ["fr", "sov", "ko"])
def test_shipped_transformer_translates(grammar):
    _needs("transformer", grammar)
    corpus = load_corpus(grammar)
    model, extra = load_pretrained("transformer", grammar, device="cpu")
    result = evaluate(model, corpus["test"][::4], corpus.src_vocab, corpus.tgt_vocab)
    assert result["bleu"] >= 90, result["bleu"]
    assert extra["steps"] > 0 and extra["train_seconds"] > 0


def test_transformer_beats_seq2seq_on_long_sentences():
    _needs("transformer", "fr")
    _needs("seq2seq", "fr")
    corpus = load_corpus("fr")
    pairs = [p for p in corpus["test"] if len(p.src) >= 20][:150]
    scores = {}
    for name in ("transformer", "seq2seq"):
        model, _ = load_pretrained(name, "fr", device="cpu")
        scores[name] = evaluate(model, pairs, corpus.src_vocab, corpus.tgt_vocab)["bleu"]
    assert scores["transformer"] > scores["seq2seq"] + 5, scores
