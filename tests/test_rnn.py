"""Notebooks 01-02: what limits RNNs, and what Bahdanau attention fixes.

The trained-model facts are checked on the shipped checkpoints
(``python -m transformer_lite.recipes --only seq2seq --only seq2seq_attention``)."""

import dataclasses
from functools import cache

import matplotlib
import pytest
import torch

from transformer_lite import checks, diagnostics, metrics, stepper
from transformer_lite.data import load_corpus, padding_mask
from transformer_lite.decode import beam_search, greedy_decode
from transformer_lite.models import RNNConfig, Seq2Seq
from transformer_lite.recipes import RECIPES, checkpoint_path, load_pretrained
from transformer_lite.train import load_checkpoint, save_checkpoint

matplotlib.use("Agg")
GRAMMARS = ("fr", "sov")
LONG_BUCKET = "20-30"  # the test sentences of 20+ source words


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small recurrent steps run several times faster on one thread than on two (OpenMP overhead)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@cache
def corpus(grammar):
    return load_corpus(grammar)


@cache
def pretrained(name, grammar):
    model, _ = load_pretrained(name, grammar, device=torch.device("cpu"))
    return model


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
    memory = (states, final, keys)
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


# ---- checkpoints -----------------------------------------------------------------------------------
def test_checkpoint_round_trip_and_mismatch(tmp_path):
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


# ---- notebook 01 measurements ----------------------------------------------------------------------
def test_vanilla_rnn_gradient_vanishes_faster_than_gru():
    norms = diagnostics.compare_gradient_norms(corpus("fr"), length=30, n=16)
    rnn, gru = norms["rnn"], norms["gru"]
    assert rnn.shape == (30,) and abs(float(rnn[0]) - 1.0) < 1e-5
    assert diagnostics.gradient_norm_ratio(rnn, 29) < 1e-4  # orders of magnitude over 30 steps
    assert diagnostics.gradient_norm_ratio(gru, 29) > 10 * diagnostics.gradient_norm_ratio(rnn, 29)
    assert all(rnn[i + 5] < rnn[i] for i in range(0, 25, 5))  # and it keeps falling


def test_rnn_needs_sequential_steps_and_its_time_grows_with_length():
    assert diagnostics.sequential_steps("rnn", 64) == 64
    assert diagnostics.sequential_steps("self-attention", 64) == 1
    times = diagnostics.forward_time(kinds=("rnn", "linear"), lengths=(16, 256), batch=32, dim=128, repeats=5)
    assert times["rnn"][1] > 4 * times["rnn"][0]  # 16x the steps, done one after another
    assert times["rnn"][1] > 2 * times["linear"][1]


def test_vanilla_rnn_step_matches_torch():
    torch.manual_seed(0)
    cell = torch.nn.RNNCell(6, 5)
    x, h = torch.randn(3, 6), torch.randn(3, 5)
    assert torch.allclose(diagnostics.vanilla_rnn_step(x, h, cell), cell(x, h), atol=1e-6)


def test_pairs_in_bucket():
    pairs = corpus("fr")["test"]
    assert all(20 <= len(p.src) <= 30 for p in diagnostics.pairs_in_bucket(pairs, 20, 30))


# ---- notebook 02: the stepper ----------------------------------------------------------------------
def test_stepper_shows_each_output_words_attention():
    model, c = pretrained("seq2seq_attention", "fr"), corpus("fr")
    sentence = " ".join(c["test"][0].src)
    result = stepper.attend(model, c, sentence)
    assert result["output"][-1] == "<eos>"
    assert result["weights"].shape == (len(result["output"]), len(result["source"]))
    assert torch.allclose(result["weights"].sum(-1), torch.ones(len(result["output"])), atol=1e-5)
    info, fig = stepper.step_view(model, c, sentence, 1)
    assert info["word"] == result["output"][1] and info["step"] == 1
    assert info["top"][0][1] == pytest.approx(float(result["weights"][1].max()))
    assert fig is not None
    info, _ = stepper.step_view(model, c, sentence, 999)  # clamped to the last word, <eos>
    assert info["word"] == "<eos>"
    info, fig = stepper.step_view(model, c, "the dgo sees a cat", 0)
    assert fig is None and "dgo" in info["error"] and "dog" in info["error"]
    info, fig = stepper.step_view(model, c, "", 0)
    assert fig is None and "empty" in info["error"]
    matplotlib.pyplot.close("all")


# ---- the exercises' checks accept the reference and reject a wrong answer --------------------------
def _stub(*args):
    raise NotImplementedError("Your turn")


EXERCISES = {
    "vanilla_rnn_step": (
        lambda x, h, w_ih, b_ih, w_hh, b_hh: torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh),
        lambda x, h, w_ih, b_ih, w_hh, b_hh: torch.tanh(x @ w_ih.T + h @ w_hh.T),
    ),
    "gradient_norm_ratio": (lambda n, d: float(n[d] / n[0]), lambda n, d: float(n[0] / n[d])),
    "additive_score": (
        lambda s, h, a: a.v(torch.tanh(a.w_q(s)[:, None, :] + a.w_k(h))).squeeze(-1),
        lambda s, h, a: (a.w_q(s)[:, None, :] * a.w_k(h)).sum(-1),
    ),
    "context_vector": (lambda w, h: (w[:, :, None] * h).sum(1), lambda w, h: h.mean(1)),
}


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_checks_accept_the_solution_and_reject_mistakes(name):
    good, bad = EXERCISES[name]
    check = getattr(checks, name)
    assert check(good, verbose=False)
    assert not check(bad, verbose=False)
    assert not check(_stub, verbose=False)
