"""How good is a translation model (transformer_lite.metrics): BLEU, exact match, buckets, AER, interventions."""

import pytest
import torch

from transformer_lite import data, metrics


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
    from transformer_lite.model.attention import Intervention
    from transformer_lite.recipes import load_pretrained

    model, _ = load_pretrained("transformer", "fr", device="cpu")
    corpus = data.load_corpus("fr")
    pairs = corpus["test"][:40]
    layers, heads = model.config.n_decoder_layers, model.config.n_heads
    before = metrics.evaluate(model, pairs, corpus.src_vocab, corpus.tgt_vocab)["bleu"]
    no_cross = Intervention(head_mask={"cross": torch.zeros(layers, heads)})
    after = metrics.evaluate(model, pairs, corpus.src_vocab, corpus.tgt_vocab, intervene=no_cross)["bleu"]
    assert before > 90 and after < before - 30


def test_aer_against_baselines():
    """The model-vs-uniform-vs-diagonal triple of notebook 02 and benchmarks/rnn.py."""
    from transformer_lite.grammar import Pair

    # a 3-word sentence translated in reverse order: gold links (2, 0), (1, 1), (0, 2)
    pair = Pair(("a", "b", "c"), ("x", "y", "z"), ((0, 2), (1, 1), (2, 0)))
    gold = torch.eye(3).flip(1)
    eos_row = torch.full((1, 3), 1 / 3)
    out = metrics.aer_against_baselines([torch.cat([gold, eos_row])], [pair])
    assert set(out) == {"attention", "uniform", "diagonal"}
    assert out["attention"] == 0.0
    assert out["uniform"] == metrics.attention_aer([metrics.uniform_attention(pair)], [pair])
    assert out["diagonal"] == metrics.attention_aer([metrics.diagonal_attention(pair)], [pair])
    assert out["diagonal"] == pytest.approx(1 - 2 * 1 / 6)  # the diagonal only hits the middle word
