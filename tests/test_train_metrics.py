"""Training utilities, checkpoints and metrics, on tiny models (seconds)."""

import math

import pytest
import torch

from transformer_lite import data, metrics, train
from transformer_lite.models import RNNConfig, Seq2Seq, Transformer, TransformerConfig


@pytest.fixture(scope="module")
def tiny():
    corpus = data.load_corpus("fr")
    ds = data.TranslationDataset(corpus["train"][:256], corpus.src_vocab, corpus.tgt_vocab)
    return corpus, ds


def _tiny_transformer(corpus, **kw):
    cfg = TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=32, n_heads=2, d_ff=64, **kw)
    return Transformer(cfg)


def test_warmup_schedule_peaks_at_warmup():
    lrs = [train.warmup_lr(s, 128, 400) for s in range(1, 2000)]
    assert max(range(len(lrs)), key=lrs.__getitem__) + 1 == 400
    assert lrs[399] == pytest.approx(128**-0.5 * 400**-0.5)
    assert lrs[1598] == pytest.approx(128**-0.5 * 1599**-0.5)


def test_label_smoothing_matches_the_definition():
    logits = torch.randn(2, 3, 7, dtype=torch.float64)
    target = torch.tensor([[4, 5, 0], [1, 2, 3]])  # one padding position (id 0)
    eps = 0.1
    logp = logits.log_softmax(-1).reshape(-1, 7)
    t = target.reshape(-1)
    keep = t != data.PAD_ID
    smooth = torch.full((6, 7), eps / 7, dtype=torch.float64)
    smooth[torch.arange(6), t] += 1 - eps
    expected = -(smooth * logp).sum(-1)[keep].mean()
    assert train.label_smoothed_loss(logits, target, eps).item() == pytest.approx(expected.item(), rel=1e-9)


def test_fit_learns_and_callbacks_can_stop(tiny):
    corpus, ds = tiny
    model = _tiny_transformer(corpus)
    seen = []

    def stop_after_20(event, info):
        seen.append(event)
        return event == "batch" and info["step"] >= 20

    history = train.fit(model, ds, ds, train.TrainConfig(epochs=3, batch_size=32), [stop_after_20], progress=False)
    assert len(history.steps) == 20 and "batch" in seen
    assert history.steps[-1] < history.steps[0]
    assert "valid_loss" in history.epochs[-1] and math.isfinite(history.epochs[-1]["valid_loss"])


def test_checkpoint_round_trip_and_mismatch(tmp_path, tiny):
    corpus, _ = tiny
    model = _tiny_transformer(corpus)
    path = train.save_checkpoint(model, tmp_path / "m.pt", {"note": "tiny"})
    loaded, extra = train.load_checkpoint(path)
    assert extra == {"note": "tiny"}
    for (k, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), k
    wrong = TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=64, n_heads=2, d_ff=64)
    with pytest.raises(ValueError, match="d_model: yours=64 checkpoint=32"):
        train.load_checkpoint(path, wrong)
    with pytest.raises(ValueError, match="is a Transformer"):
        train.load_checkpoint(path, RNNConfig(10, 10))
    rnn = train.save_checkpoint(Seq2Seq(RNNConfig(len(corpus.src_vocab), len(corpus.tgt_vocab))), tmp_path / "r.pt")
    assert isinstance(train.load_checkpoint(rnn)[0], Seq2Seq)


def test_checkpoint_with_foreign_weights_is_refused(tmp_path, tiny):
    corpus, _ = tiny
    path = train.save_checkpoint(_tiny_transformer(corpus), tmp_path / "m.pt")
    ckpt = torch.load(path, weights_only=True)
    ckpt["state_dict"]["generator.bias"] = torch.zeros(3)
    torch.save(ckpt, path)
    with pytest.raises(ValueError, match="wrong shapes"):
        train.load_checkpoint(path)
    torch.save({"hello": 1}, path)
    with pytest.raises(ValueError, match="not a transformer_lite checkpoint"):
        train.load_checkpoint(path)


def test_bleu_and_exact_match():
    refs = [["le", "chat", "dort", "ici"], ["un", "chien", "court", "vite"]]
    assert metrics.corpus_bleu(refs, refs) == pytest.approx(100.0)
    assert metrics.exact_match(refs, refs) == 1.0
    assert metrics.exact_match([refs[0], ["x"]], refs) == 0.5
    assert metrics.corpus_bleu([["x", "y"], ["z"]], refs) < 5
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        metrics.corpus_bleu(refs, refs[:1])


def test_scores_by_length_buckets():
    srcs = [["a"] * 5, ["a"] * 25, ["a"] * 40]
    hyps = refs = [["x", "y", "z", "w"]] * 3
    out = metrics.scores_by_length(srcs, hyps, refs)
    assert set(out) == {"3-9", "20-30", "31-50"} and all(v["n"] == 1 for v in out.values())


def test_alignment_error_rate():
    gold = [{(0, 0), (1, 1)}]
    assert metrics.alignment_error_rate(gold, gold) == 0.0
    assert metrics.alignment_error_rate([{(1, 0), (0, 1)}], gold) == 1.0
    assert metrics.alignment_error_rate([{(0, 0), (0, 1)}], gold) == pytest.approx(0.5)
    pair = data.load_corpus("fr")["test"][0]
    perfect = data.alignment_matrix(pair)
    assert metrics.attention_aer([perfect], [pair]) < 0.35  # a gold row with two links still gets one argmax
    assert metrics.attention_aer([metrics.uniform_attention(pair)], [pair]) > 0.5


def test_evaluate_under_an_intervention():
    """metrics.evaluate scores a model with heads switched off (notebook 08's ablation)."""
    from transformer_lite.attention import Intervention
    from transformer_lite.recipes import load_pretrained

    model, _ = load_pretrained("transformer", "fr", device="cpu")
    corpus = data.load_corpus("fr")
    pairs = corpus["test"][:40]
    layers, heads = model.config.n_decoder_layers, model.config.n_heads
    before = metrics.evaluate(model, pairs, corpus.src_vocab, corpus.tgt_vocab)["bleu"]
    no_cross = Intervention(head_mask={"cross": torch.zeros(layers, heads)})
    after = metrics.evaluate(model, pairs, corpus.src_vocab, corpus.tgt_vocab, intervene=no_cross)["bleu"]
    assert before > 90 and after < before - 30
