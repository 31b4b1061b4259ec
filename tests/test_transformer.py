"""The Transformer: equal to torch.nn.Transformer with the same weights, attention maps
with the documented shapes, clear errors, and the trained facts the notebooks state."""

import pytest
import torch

from transformer_lite import complexity
from transformer_lite.data import load_corpus
from transformer_lite.layers import DecoderLayer, EncoderLayer, FeedForward, PositionalEncoding
from transformer_lite.metrics import evaluate
from transformer_lite.models import Transformer, TransformerConfig
from transformer_lite.models.transformer import to_torch_transformer
from transformer_lite.recipes import checkpoint_path, load_pretrained

D, HEADS, FF, LAYERS = 16, 4, 32, 2


def _random_batch(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(4, 30, (3, 7), generator=g)
    tgt = torch.randint(4, 30, (3, 6), generator=g)
    src[0, 5:] = 0  # padding
    src[2, 3:] = 0
    tgt[1, 4:] = 0
    tgt[2, 2:] = 0
    return src, src != 0, tgt


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
def test_equals_torch_nn_transformer(norm_first):
    torch.manual_seed(0)
    config = TransformerConfig(30, 30, D, HEADS, LAYERS, LAYERS, FF, dropout=0.0, norm_first=norm_first)
    model = Transformer(config).double().eval()
    ref = to_torch_transformer(model)
    assert not ref.training
    src, src_mask, tgt = _random_batch()
    ours, _ = model(src, src_mask, tgt)
    x_src = model._embed(model.src_embed, src)
    x_tgt = model._embed(model.tgt_embed, tgt)
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


def test_attention_maps_have_documented_shapes():
    torch.manual_seed(0)
    model = Transformer(TransformerConfig(30, 30, D, HEADS, 3, 2, FF)).eval()
    src, src_mask, tgt = _random_batch()
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
    model = Transformer(TransformerConfig(30, 30, D, HEADS, 2, 2, FF)).eval()
    src, src_mask, tgt = _random_batch()
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
    c = TransformerConfig(30, 40, D, HEADS, 2, 2, FF, tie_embeddings=True)
    counts = Transformer(c).parameter_counts()
    attn = 4 * (D * D + D)
    ff = D * FF + FF + FF * D + D
    norm = 2 * D
    assert counts["encoder"] == 2 * (attn + ff + 2 * norm)
    assert counts["decoder"] == 2 * (2 * attn + ff + 3 * norm)
    assert counts["embeddings"] == 30 * D + 40 * D
    assert counts["generator"] == 40  # the bias: its weight is the tied target embedding
    assert counts["total"] == sum(p.numel() for p in Transformer(c).parameters())


# ---- Table 1 (complexity) -----------------------------------------------------------------------------
def test_table1_flops_match_the_formulas():
    for kind in complexity.LAYER_KINDS:
        for n, d in [(8, 16), (32, 8)]:
            assert complexity.count_flops(kind, n, d) == 2 * complexity.paper_cost(kind, n, d)
    # n < d: attention is cheaper than recurrence; n > d: dearer. The crossover sits at n = d.
    ns = [4, 8, 16, 32, 64]
    att = [complexity.count_flops("self_attention", n, 16) for n in ns]
    rnn = [complexity.count_flops("recurrent", n, 16) for n in ns]
    assert complexity.crossover(ns, att, rnn) == pytest.approx(16, rel=0.01)


def test_table1_sequential_operations_and_path_lengths():
    seq = {k: [complexity.sequential_operations(k, n) for n in (8, 16)] for k in complexity.LAYER_KINDS}
    assert seq["self_attention"][0] == seq["self_attention"][1]  # O(1)
    assert seq["convolutional"][0] == seq["convolutional"][1]  # O(1)
    assert seq["recurrent"][1] - seq["recurrent"][0] >= 8  # grows with n
    n = 9
    assert complexity.max_path_length("self_attention", n) == 1
    assert complexity.max_path_length("recurrent", n) == n - 1
    assert complexity.max_path_length("convolutional", n, kernel=3) == complexity.paper_path_length("convolutional", n)
    assert complexity.max_path_length("convolutional", n, kernel=5) == 4
    lengths = complexity.path_lengths("recurrent", 4)
    future = torch.ones(4, 4, dtype=torch.bool).triu(1)
    assert (lengths[future] == -1).all() and (lengths[~future] >= 0).all()  # left to right: no future


# ---- trained facts on the shipped checkpoints --------------------------------------------------------
def _needs(name, grammar):
    if not checkpoint_path(name, grammar).exists():
        pytest.skip(f"{checkpoint_path(name, grammar)} is missing: build it with python -m transformer_lite.recipes")


@pytest.mark.parametrize("grammar", ["fr", "sov"])
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


def test_post_norm_gradients_grow_toward_the_output_pre_norm_stay_flat():
    """Notebook 06's measurement: 6+6 layers at initialisation, one batch."""
    from transformer_lite.data import TranslationDataset, batches
    from transformer_lite.models.transformer import gradient_norms_by_layer

    corpus = load_corpus("fr")
    batch = next(batches(TranslationDataset(corpus["train"][:64], corpus.src_vocab, corpus.tgt_vocab), 64))
    ratio = {}
    for norm_first in (False, True):
        torch.manual_seed(0)
        config = TransformerConfig(
            len(corpus.src_vocab), len(corpus.tgt_vocab), 64, 4, 6, 6, 256, dropout=0.0, norm_first=norm_first
        )
        norms = gradient_norms_by_layer(Transformer(config), batch)
        ratio[norm_first] = norms["decoder"][-1] / norms["decoder"][0]
    assert ratio[False] > 3, ratio
    assert 0.5 < ratio[True] < 1.5, ratio


def test_live_loss_plot_records_and_never_stops_training():
    from transformer_lite.viz import LiveLossPlot

    live = LiveLossPlot(every=2)
    assert not any(live("batch", {"step": s, "loss": 1.0 / s, "lr": 0.1}) for s in range(1, 6))
    assert not live("epoch", {"steps": 5, "valid_loss": 0.3})
    assert live.steps == [1.0, 0.5, 1.0 / 3, 0.25, 0.2] and live.valid == [(5, 0.3)]
    assert live.draw() is not None
