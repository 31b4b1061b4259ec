"""Greedy and beam search: beam_size=1 is greedy, beam search finds outputs at least as
probable as greedy on the test set, the length penalty does what its docstring says, and
translate() handles single sentences and bad input."""

import pytest
import torch

from transformer_lite.data import TranslationDataset, batches, load_corpus
from transformer_lite.decode import beam_search, greedy_decode, length_penalty, translate
from transformer_lite.model import Transformer, TransformerConfig
from transformer_lite.recipes import checkpoint_path, load_pretrained


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("fr")


@pytest.fixture(scope="module")
def trained():
    if not checkpoint_path("transformer", "fr").exists():
        pytest.skip(
            "data/checkpoints/transformer-fr.pt is missing: python -m transformer_lite.recipes --only transformer"
        )
    model, _ = load_pretrained("transformer", "fr", device="cpu")
    return model


def _batch(corpus, n=24, min_len=3):
    pairs = [p for p in corpus["test"] if len(p.src) >= min_len][:n]
    data = TranslationDataset(pairs, corpus.src_vocab, corpus.tgt_vocab)
    return next(batches(data, n, shuffle=False))


def _sequence_log_prob(model, batch, tokens):
    """Model log-probability of each output row (tokens without <bos>, ending in <eos>, then padding)."""
    bos = torch.ones(tokens.shape[0], 1, dtype=torch.long)
    tgt_in = torch.cat([bos, tokens[:, :-1]], dim=1)
    logits, _ = model(batch.src, batch.src_mask, tgt_in)
    lp = torch.log_softmax(logits, -1).gather(-1, tokens[..., None]).squeeze(-1)
    return (lp * (tokens != 0)).sum(-1)


def test_beam_of_one_is_greedy():
    torch.manual_seed(0)
    model = Transformer(
        TransformerConfig(40, 40, d_model=16, n_heads=2, n_encoder_layers=1, n_decoder_layers=1, d_ff=32, dropout=0.0)
    ).eval()
    src = torch.randint(4, 40, (5, 9))
    src[1, 6:] = 0
    mask = src != 0
    g_tokens, g_scores = greedy_decode(model, src, mask, max_len=12)
    b_tokens, b_scores = beam_search(model, src, mask, beam_size=1, alpha=0.6, max_len=12)
    assert torch.equal(g_tokens, b_tokens)
    assert torch.equal(g_scores, b_scores)


def test_beam_of_one_is_greedy_on_the_trained_model(trained, corpus):
    batch = _batch(corpus)
    g_tokens, g_scores = greedy_decode(trained, batch.src, batch.src_mask)
    b_tokens, b_scores = beam_search(trained, batch.src, batch.src_mask, beam_size=1)
    assert torch.equal(g_tokens, b_tokens) and torch.equal(g_scores, b_scores)


def test_scores_are_the_model_log_probabilities(trained, corpus):
    batch = _batch(corpus, n=8)
    tokens, scores = beam_search(trained, batch.src, batch.src_mask, beam_size=4, alpha=0.0)
    assert torch.allclose(scores, _sequence_log_prob(trained, batch, tokens), atol=1e-4)


def test_beam_never_less_probable_than_greedy(trained, corpus):
    batch = _batch(corpus, n=48, min_len=12)
    _, greedy = greedy_decode(trained, batch.src, batch.src_mask)
    _, beam = beam_search(trained, batch.src, batch.src_mask, beam_size=4, alpha=0.0)
    assert (beam >= greedy - 1e-5).all(), (greedy - beam).max()


def test_length_penalty_formula_and_effect(trained, corpus):
    lengths = torch.tensor([1, 5, 10])
    assert torch.allclose(length_penalty(lengths, 0.0), torch.ones(3))
    assert torch.allclose(length_penalty(lengths, 1.0), torch.tensor([1.0, 10 / 6, 15 / 6]))
    assert torch.allclose(length_penalty(torch.tensor([7]), 0.6), torch.tensor([2.0**0.6]))
    batch = _batch(corpus, n=32, min_len=10)
    mean_len = {}
    for alpha in (0.0, 2.0):
        tokens, _ = beam_search(trained, batch.src, batch.src_mask, beam_size=4, alpha=alpha)
        mean_len[alpha] = float((tokens != 0).sum(1).float().mean())
    assert mean_len[2.0] >= mean_len[0.0]


def test_translate_one_sentence_and_errors(trained, corpus):
    out = translate(trained, "the cat sees the dog", corpus.src_vocab, corpus.tgt_vocab)
    assert out == ["le", "chat", "voit", "le", "chien"]
    outs = translate(trained, ["the cat sees the dog"], corpus.src_vocab, corpus.tgt_vocab, beam_size=3)
    assert outs == [out]
    with pytest.raises(ValueError, match="empty"):
        translate(trained, "   ", corpus.src_vocab, corpus.tgt_vocab)
    with pytest.raises(ValueError, match="unknown word.*'zebra'"):
        translate(trained, "the zebra sees the dog", corpus.src_vocab, corpus.tgt_vocab)
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(trained, torch.tensor([[5, 6]]), torch.tensor([[True, True]]), beam_size=0)


@pytest.mark.parametrize("norm_first", [False, True])
def test_cached_step_equals_decoding_the_whole_prefix(norm_first):
    """Transformer.step feeds only the newest token (a cache of keys and values);
    it must give exactly what the full decoder gives on the whole prefix."""
    torch.manual_seed(0)
    cfg = TransformerConfig(20, 23, d_model=32, n_heads=4, d_ff=64, dropout=0.0, norm_first=norm_first)
    model = Transformer(cfg).double().eval()
    src = torch.randint(4, 20, (3, 7))
    src[1, 5:] = 0
    mask = src != 0
    tokens = torch.cat([torch.ones(3, 1, dtype=torch.long), torch.randint(4, 23, (3, 9))], dim=1)
    memory, state = model.start(src, mask)
    for t in range(1, tokens.shape[1] + 1):
        log_probs, state = model.step(memory, mask, tokens[:, :t], state)
        logits, _, _ = model.decode(memory, mask, tokens[:, :t])
        torch.testing.assert_close(log_probs, torch.log_softmax(logits[:, -1], -1), atol=1e-10, rtol=0)
        uncached, _ = model.step(memory, mask, tokens[:, :t], None)  # no state: built from the prefix
        torch.testing.assert_close(uncached, log_probs, atol=1e-10, rtol=0)
