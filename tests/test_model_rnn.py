"""Notebooks 01-02: what limits RNNs, and what Bahdanau attention fixes.

The trained-model facts are checked on the shipped checkpoints
(``python -m transformer_lite.recipes --only seq2seq --only seq2seq_attention``)."""

from functools import cache

import matplotlib
import pytest
import torch
from tiny import corpus, pretrained

from transformer_lite import metrics
from transformer_lite.decode import beam_search, greedy_decode
from transformer_lite.model.attention import padding_mask
from transformer_lite.recipes import SHIPPED_GRAMMARS, checkpoint_path

matplotlib.use("Agg")
LONG_BUCKET = "20-30"  # the test sentences of 20+ source words
GRAMMARS = SHIPPED_GRAMMARS["seq2seq"]  # the grammars with shipped RNN checkpoints


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small recurrent steps run several times faster on one thread than on two (OpenMP overhead)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@cache
def scores(name, grammar):
    c = corpus(grammar)
    return metrics.evaluate(pretrained(name, grammar), c["test"], c.src_vocab, c.tgt_vocab)


def batch_of(grammar, n=8, lo=12, hi=25):
    c = corpus(grammar)
    pairs = [p for p in c["test"] if lo <= len(p.src) <= hi][:n]
    src = torch.nn.utils.rnn.pad_sequence([torch.tensor(c.src_vocab.encode(p.src)) for p in pairs], batch_first=True)
    return src, padding_mask(src), pairs


# ---- trained models: attention fixes the bottleneck -----------------------------------------------
@pytest.mark.parametrize("grammar", GRAMMARS)
def test_checkpoints_are_shipped_and_small(grammar):
    for name in ("seq2seq", "seq2seq_attention"):
        path = checkpoint_path(name, grammar)
        assert path.exists(), f"missing {path}"
        assert path.stat().st_size < 5e6


@pytest.mark.parametrize("grammar", GRAMMARS)
def test_attention_beats_the_bottleneck_on_long_sentences(grammar):
    plain, attn = scores("seq2seq", grammar), scores("seq2seq_attention", grammar)
    assert attn["by_length"][LONG_BUCKET]["bleu"] >= plain["by_length"][LONG_BUCKET]["bleu"] + 15
    assert attn["bleu"] >= plain["bleu"] + 15
    # notebook 01: the no-attention model degrades with length, long sentences are its weak spot
    assert plain["by_length"]["3-9"]["bleu"] > 80
    assert plain["by_length"][LONG_BUCKET]["bleu"] < 35
    # notebook 02: with attention the scores hardly fall with the length
    assert attn["by_length"][LONG_BUCKET]["bleu"] > attn["by_length"]["3-9"]["bleu"] - 15


@pytest.mark.parametrize("grammar", GRAMMARS)
def test_no_attention_model_fails_on_the_long_split(grammar):
    c = corpus(grammar)
    long = metrics.evaluate(pretrained("seq2seq", grammar), c["long"][:150], c.src_vocab, c.tgt_vocab)
    assert long["exact_match"] < 0.05
    assert long["bleu"] < scores("seq2seq", grammar)["by_length"][LONG_BUCKET]["bleu"]
    with_attention = metrics.evaluate(
        pretrained("seq2seq_attention", grammar), c["long"][:150], c.src_vocab, c.tgt_vocab
    )
    assert with_attention["bleu"] > long["bleu"] + 15


@pytest.mark.parametrize("grammar", GRAMMARS)
def test_attention_aligns_far_better_than_uniform(grammar):
    c = corpus(grammar)
    pairs = c["test"][:300]
    maps = metrics.model_attention(pretrained("seq2seq_attention", grammar), pairs, c.src_vocab, c.tgt_vocab)
    aer = metrics.attention_aer(maps, pairs)
    uniform = metrics.attention_aer([metrics.uniform_attention(p) for p in pairs], pairs)
    assert aer < 0.5 * uniform, (aer, uniform)
    if grammar == "sov":  # verb movement: a monotone diagonal guess is wrong, attention is not
        diagonal = metrics.attention_aer([metrics.diagonal_attention(p) for p in pairs], pairs)
        assert aer < diagonal


def test_no_attention_model_has_no_attention_to_show():
    c = corpus("fr")
    with pytest.raises(ValueError, match="no attention"):
        metrics.model_attention(pretrained("seq2seq", "fr"), c["test"][:2], c.src_vocab, c.tgt_vocab)


def _decoder_logits(model, src, mask, tgt_in, edit_position=None):
    """Teacher-forced logits through start/step, optionally perturbing one encoder state."""
    memory, state = model.start(src, mask)
    states, final, keys = memory
    if edit_position is not None:
        states = states.clone()
        states[:, edit_position] += 3.0 * torch.randn(
            states[:, edit_position].shape, generator=torch.Generator().manual_seed(0)
        )
        keys = model.attn.project_keys(states) if model.config.attention == "additive" else states
    memory = type(memory)(states, final, keys)  # an RNNMemory
    out = []
    for t in range(tgt_in.shape[1]):
        log_probs, state = model.step(memory, mask, tgt_in[:, : t + 1], state)
        out.append(log_probs)
    return torch.stack(out, 1)


@torch.no_grad()
def test_attention_decoder_reads_the_encoder_states():
    src, mask, pairs = batch_of("fr", n=4, lo=12, hi=12)
    c = corpus("fr")
    tgt_in = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(c.tgt_vocab.encode(p.tgt, bos=True)) for p in pairs], batch_first=True
    )
    for name, reads in (("seq2seq_attention", True), ("seq2seq", False)):
        model = pretrained(name, "fr")
        base = _decoder_logits(model, src, mask, tgt_in)
        edited = _decoder_logits(model, src, mask, tgt_in, edit_position=6)
        changed = (base - edited).abs().max().item()
        assert (changed > 1e-2) if reads else (changed == 0.0), (name, changed)
        # and the forward pass equals the step-by-step decoder
        logits, _ = model(src, mask, tgt_in)
        assert torch.allclose(torch.log_softmax(logits, -1), base, atol=1e-5)


# ---- decoding --------------------------------------------------------------------------------------
@torch.no_grad()
@pytest.mark.parametrize("name", ["seq2seq", "seq2seq_attention"])
def test_greedy_equals_teacher_forced_argmax_on_its_own_output(name):
    model = pretrained(name, "sov")
    src, mask, _ = batch_of("sov", n=6)
    tokens, _ = greedy_decode(model, src, mask)
    bos = torch.full((tokens.shape[0], 1), 1, dtype=torch.long)
    logits, _ = model(src, mask, torch.cat([bos, tokens[:, :-1]], 1))
    real = tokens != 0
    assert torch.equal(logits.argmax(-1)[real], tokens[real])


@torch.no_grad()
@pytest.mark.parametrize("name", ["seq2seq", "seq2seq_attention"])
def test_beam_of_one_is_greedy(name):
    model = pretrained(name, "fr")
    src, mask, _ = batch_of("fr", n=6)
    greedy, g_scores = greedy_decode(model, src, mask)
    beam, b_scores = beam_search(model, src, mask, beam_size=1)
    n = min(greedy.shape[1], beam.shape[1])
    assert torch.equal(greedy[:, :n], beam[:, :n])
    assert torch.allclose(g_scores, b_scores, atol=1e-4)
