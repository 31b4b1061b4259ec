"""The decoder-only model (notebook 10): a language model over one token sequence, translating
through lm.Translator; its loss, decoding with and without the KV cache, sampling, and checkpoints."""

import pytest
import torch

from transformer_lite.checkpoints import load_checkpoint, save_checkpoint
from transformer_lite.data import TranslationDataset, collate, load_corpus
from transformer_lite.decode import beam_search, greedy_decode
from transformer_lite.grammar import Pair
from transformer_lite.lm import Translator, causal_lm_loss, lm_batch, lm_words
from transformer_lite.measure.heads import ablation, head_aer_table
from transformer_lite.measure.kv_cache import WithoutCache, decode_steps, predicted_operations, training_step_seconds
from transformer_lite.model import build_model
from transformer_lite.model.attention import Intervention
from transformer_lite.model.gpt import GPT, GPTConfig
from transformer_lite.sample import distinct_share, filter_logits, sample_decode
from transformer_lite.train import label_smoothed_loss


@pytest.fixture(scope="module")
def corpus():
    return load_corpus("fr")


@pytest.fixture(scope="module")
def model(corpus):
    torch.manual_seed(0)
    config = GPTConfig(
        len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=32, n_heads=4, n_layers=2, d_ff=64, dropout=0.0
    )
    m = Translator(build_model(config)).eval()
    # An untrained model writes near-uniform words; sharpen the output so decoding choices are clear-cut.
    with torch.no_grad():
        m.generator_bias.normal_(0, 3.0)
    return m


@pytest.fixture(scope="module")
def batch(corpus):
    pairs = corpus["test"][:12]
    data = TranslationDataset(pairs, corpus.src_vocab, corpus.tgt_vocab)
    return collate([data[i] for i in range(len(data))])


def test_sequence_layout(corpus):
    pair = Pair(("the", "cat"), ("le", "chat"), ((0, 0), (1, 1)))
    assert lm_words(pair) == ["the", "cat", "<bos>", "le", "chat", "<eos>"]


def test_padded_rows_equal_unpadded_sequences(model, batch):
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    for i in (0, 5):
        s, t = int(batch.src_mask[i].sum()), int(batch.tgt_out[i].ne(0).sum())
        alone, _ = model(batch.src[i : i + 1, :s], batch.src_mask[i : i + 1, :s], batch.tgt_in[i : i + 1, :t])
        torch.testing.assert_close(logits[i, :t], alone[0], atol=1e-5, rtol=1e-5)


def test_trainer_loss_is_the_masked_lm_loss(model, batch):
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    lm = lm_batch(model, batch)
    full = model.language_model(lm.ids)[0]
    expected = causal_lm_loss(full, lm.targets, lm.loss_mask, 0.1)
    torch.testing.assert_close(label_smoothed_loss(logits, batch.tgt_out, 0.1), expected)


def test_loss_counts_only_target_positions(model, batch):
    lm = lm_batch(model, batch)
    logits = model.language_model(lm.ids)[0]
    source = torch.zeros_like(lm.loss_mask)
    source[:, : batch.src.shape[1]] = True
    assert not (lm.loss_mask & source).any()
    changed = torch.where(source[..., None], torch.randn_like(logits) * 100, logits)
    torch.testing.assert_close(
        causal_lm_loss(changed, lm.targets, lm.loss_mask), causal_lm_loss(logits, lm.targets, lm.loss_mask)
    )
    target = lm.loss_mask.nonzero()[0]
    changed[tuple(target)] += 5.0 * torch.randn(logits.shape[-1])
    assert causal_lm_loss(changed, lm.targets, lm.loss_mask) != causal_lm_loss(logits, lm.targets, lm.loss_mask)


def test_cached_step_equals_full_forward(model, batch):
    logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    memory, state = model.start(batch.src, batch.src_mask)
    for t in range(1, batch.tgt_in.shape[1] + 1):
        log_probs, state = model.step(memory, batch.src_mask, batch.tgt_in[:, :t], state)
        real = batch.tgt_in[:, t - 1] != 0
        torch.testing.assert_close(log_probs[real], torch.log_softmax(logits[real, t - 1], -1), atol=1e-5, rtol=1e-5)
    from_scratch, _ = model.step(memory, batch.src_mask, batch.tgt_in[:, :4], None)
    torch.testing.assert_close(from_scratch, torch.log_softmax(logits[:, 3], -1), atol=1e-5, rtol=1e-5)


def test_cached_and_uncached_decoding_give_identical_tokens(model, batch):
    with_cache, _ = greedy_decode(model, batch.src, batch.src_mask)
    without, _ = greedy_decode(WithoutCache(model), batch.src, batch.src_mask)
    assert torch.equal(with_cache, without)
    assert torch.equal(
        decode_steps(model, batch.src, batch.src_mask, 30),
        decode_steps(WithoutCache(model), batch.src, batch.src_mask, 30),
    )
    beam, _ = beam_search(model, batch.src, batch.src_mask, beam_size=3)
    beam_plain, _ = beam_search(WithoutCache(model), batch.src, batch.src_mask, beam_size=3)
    assert torch.equal(beam, beam_plain)


def test_sampling_repeats_with_a_seed_and_top_k_1_is_greedy(model, batch):
    a, _ = sample_decode(model, batch.src, batch.src_mask, temperature=1.5, seed=3)
    b, _ = sample_decode(model, batch.src, batch.src_mask, temperature=1.5, seed=3)
    c, _ = sample_decode(model, batch.src, batch.src_mask, temperature=1.5, seed=4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    greedy, greedy_scores = greedy_decode(model, batch.src, batch.src_mask)
    for temperature in (0.5, 1.0, 3.0):
        k1, k1_scores = sample_decode(model, batch.src, batch.src_mask, temperature, top_k=1, seed=7)
        assert torch.equal(k1, greedy)
        torch.testing.assert_close(k1_scores, greedy_scores)


def test_filters():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    inf = float("-inf")
    assert filter_logits(logits, top_k=2).isinf().tolist() == [[False, False, True, True]]
    assert filter_logits(logits, top_p=0.8).isinf().tolist() == [[False, False, True, True]]
    assert filter_logits(logits, top_p=0.81).isinf().tolist() == [[False, False, False, True]]
    assert filter_logits(logits, top_p=0.1).isinf().tolist() == [[False, True, True, True]]
    assert torch.equal(filter_logits(logits), logits) and inf < 0
    for bad in ({"top_k": 0}, {"top_p": 0.0}, {"top_p": 1.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            filter_logits(logits, **bad)
    assert distinct_share([[[1], [1], [1]], [[1], [2], [3]]]) == 0.5


def test_predicted_operations_grow_as_expected(model):
    c = model.config
    cached = [predicted_operations(c, 10, n, cached=True) for n in (10, 20, 40)]
    plain = [predicted_operations(c, 10, n, cached=False) for n in (10, 20, 40)]
    assert cached[0] < cached[1] < cached[2] and plain[2] / plain[1] > 2.5  # quadratic-ish vs linear-ish
    assert all(p > q for p, q in zip(plain, cached))


def test_save_load_round_trip(model, batch, tmp_path):
    path = save_checkpoint(model, tmp_path / "gpt.pt", {"grammar": "fr"})
    loaded, extra = load_checkpoint(path)
    assert isinstance(loaded, GPT) and extra == {"grammar": "fr"} and loaded.config == model.config
    a, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    b, _ = Translator(loaded)(batch.src, batch.src_mask, batch.tgt_in)
    torch.testing.assert_close(a, b)


def test_attention_maps_on_request_cut_into_the_three_kinds(model, batch, corpus):
    _, attention = model(batch.src, batch.src_mask, batch.tgt_in, return_attention=True)
    b, h, s, t = batch.src.shape[0], model.config.n_heads, batch.src.shape[1], batch.tgt_in.shape[1]
    shapes = {"enc_self": (b, h, s, s), "dec_self": (b, h, t, t), "cross": (b, h, t, s)}
    assert {k: [tuple(m.shape) for m in maps] for k, maps in attention.items()} == {
        k: [shape] * model.config.n_layers for k, shape in shapes.items()
    }
    _, full = model.language_model(lm_batch(model, batch).ids, return_attention=True)
    assert list(full) == ["self"]  # one self-attention, under its own name
    full = full["self"]
    torch.testing.assert_close(attention["cross"][1], full[1][:, :, s:, :s])
    assert full[0][:, :, :s, s:].abs().max() == 0  # the source never reads its translation
    assert model(batch.src, batch.src_mask, batch.tgt_in)[1] is None
    rows = head_aer_table(model, corpus["test"][:8], corpus.src_vocab, corpus.tgt_vocab)  # notebook 08's tool
    assert len(rows) == model.config.n_layers * h and all(0 <= r["aer"] <= 1 for r in rows)


def test_bad_inputs_are_named(model, batch):
    with pytest.raises(TypeError, match="src_mask"):
        model(batch.src, batch.src_mask.float(), batch.tgt_in)
    with pytest.raises(ValueError, match="src"):
        model(batch.src + 1000, batch.src_mask, batch.tgt_in)
    with pytest.raises(ValueError, match="tgt_in"):
        model(batch.src, batch.src_mask, batch.tgt_in[:2])
    with pytest.raises(ValueError, match="n_heads"):
        GPTConfig(100, 100, d_model=30, n_heads=4)
    with pytest.raises(ValueError, match="top_p"):
        sample_decode(model, batch.src, batch.src_mask, top_p=0.0)


def test_training_step_seconds_leaves_the_weights(model, batch):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert training_step_seconds(model, batch, repeats=1) > 0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not model.training and all(p.grad is None for p in model.parameters())


def test_the_gpt_is_a_language_model_over_one_sequence(model, batch):
    """GPT.forward(ids): next-word logits at every position; padding anywhere in a row (here between
    the source and its translation) is masked out and not counted, so a row equals its unpadded self."""
    lm = lm_batch(model, batch)
    logits, maps = model.language_model(lm.ids)
    assert logits.shape == (*lm.ids.shape, model.config.tgt_vocab_size) and maps is None
    for i in (0, 5):
        alone = lm.ids[i][lm.key_mask[i]][None]  # the row without its padding
        torch.testing.assert_close(logits[i][lm.key_mask[i]], model.language_model(alone)[0][0], atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="ids"):
        model.language_model(lm.ids + model.config.vocab_size)


def test_interventions_switch_the_gpts_own_heads_off(model, batch):
    assert model.attention_shape() == {"self": (model.config.n_layers, model.config.n_heads)}
    plain, _ = model(batch.src, batch.src_mask, batch.tgt_in)
    off, _ = model(batch.src, batch.src_mask, batch.tgt_in, intervene=ablation(model, [("self", 1, 2)]))
    assert not torch.allclose(plain, off)
    with pytest.raises(ValueError, match="no 'cross' attention"):
        ablation(model, [("cross", 0, 0)])  # the cross view is part of the self-attention: switch "self" heads
    with pytest.raises(ValueError, match="head_mask"):
        model(batch.src, batch.src_mask, batch.tgt_in, intervene=Intervention(head_mask={"dec_self": torch.ones(2, 4)}))
