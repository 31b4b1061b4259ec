"""What heads do, measured over a corpus (transformer_lite.measure.heads)."""

import pytest
import torch
from tiny import tiny_rnn, tiny_transformer

from transformer_lite.grammar import Pair
from transformer_lite.measure.heads import (
    ablation,
    head_aer_table,
    jump_accuracy,
    long_jumps,
    previous_token_share,
    previous_token_table,
)
from transformer_lite.metrics import teacher_forced_maps


def test_attention_shape_comes_from_the_config(corpora):
    fr = corpora["fr"]
    assert tiny_transformer(fr).attention_shape() == {"enc_self": (2, 2), "dec_self": (2, 2), "cross": (2, 2)}
    assert tiny_rnn(fr).attention_shape() == {"cross": (1, 1)}


def test_head_aer_table_ranks_every_head(corpora):
    fr = corpora["fr"]
    model, pairs = tiny_transformer(fr), fr["test"][:20]
    maps = teacher_forced_maps(model, pairs, fr.src_vocab, fr.tgt_vocab)
    assert maps[0]["cross"][0].shape == (2, len(pairs[0].tgt) + 1, len(pairs[0].src))
    assert maps[0]["dec_self"][1].shape == (2, len(pairs[0].tgt) + 1, len(pairs[0].tgt) + 1)
    table = head_aer_table(model, pairs, fr.src_vocab, fr.tgt_vocab, maps=maps)
    assert len(table) == 4 and {(r["layer"], r["head"]) for r in table} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert [r["aer"] for r in table] == sorted(r["aer"] for r in table)
    assert all(0.0 <= r["aer"] <= 1.0 for r in table)


def test_head_aer_is_zero_for_a_head_that_copies_the_gold_alignment():
    from transformer_lite.data import alignment_matrix

    pair = Pair(("a", "b", "c"), ("x", "y", "z"), ((0, 1), (1, 0), (2, 2)))
    gold = alignment_matrix(pair)
    perfect = torch.cat([gold, torch.zeros(1, 3)])  # + the <eos> row
    maps = [{"cross": [torch.stack([perfect, torch.full_like(perfect, 1 / 3)])]}]
    table = head_aer_table(None, [pair], None, None, maps=maps)
    assert table[0] == {"layer": 0, "head": 0, "aer": 0.0}
    assert table[1]["aer"] > 0.5


def test_previous_token_share():
    """Row i writes word i; column i holds the decoder's input i, word i - 1: the word written just
    before sits on the diagonal (issue 11: the metric says what the picture shows)."""
    assert previous_token_share(torch.eye(4)) == pytest.approx(1.0)
    stripe = torch.zeros(4, 4)  # the language-model "previous token" stripe, one column further left
    stripe[0, 0] = 1
    stripe[torch.arange(1, 4), torch.arange(0, 3)] = 1
    assert previous_token_share(stripe) == pytest.approx(0.0)
    assert previous_token_share(torch.full((3, 3), 0.25)) == pytest.approx(0.25)
    assert previous_token_share(torch.ones(1, 1)) == 0.0


def test_a_planted_previous_word_head_ranks_first(corpora):
    """Plant a head that looks at the word written just before next to heads that look at <bos>
    or at the stripe below the diagonal, in a real model's maps: the planted head ranks first."""
    fr = corpora["fr"]
    model, pairs = tiny_transformer(fr), fr["test"][:10]
    maps = teacher_forced_maps(model, pairs, fr.src_vocab, fr.tgt_vocab)
    for m in maps:
        n = m["dec_self"][0].shape[-1]
        at_bos = torch.zeros(n, n)
        at_bos[:, 0] = 1
        stripe = torch.zeros(n, n)
        stripe[0, 0] = 1
        stripe[torch.arange(1, n), torch.arange(0, n - 1)] = 1
        m["dec_self"][0] = torch.stack([m["dec_self"][0][0], torch.eye(n)])  # layer 0 head 1: planted
        m["dec_self"][1] = torch.stack([at_bos, stripe])
    table = previous_token_table(model, pairs, fr.src_vocab, fr.tgt_vocab, maps=maps)
    assert (table[0]["layer"], table[0]["head"]) == (0, 1) and table[0]["share"] == pytest.approx(1.0)
    assert {(r["layer"], r["head"]) for r in table[-2:]} == {(1, 0), (1, 1)}  # <bos> and the stripe: 0


def test_previous_token_table(corpora):
    fr = corpora["fr"]
    table = previous_token_table(tiny_transformer(fr), fr["test"][:10], fr.src_vocab, fr.tgt_vocab)
    assert len(table) == 4 and [r["share"] for r in table] == sorted((r["share"] for r in table), reverse=True)
    with pytest.raises(ValueError, match="no decoder self-attention"):
        previous_token_table(tiny_rnn(fr), fr["test"][:3], fr.src_vocab, fr.tgt_vocab)


def test_long_jumps_find_the_sov_verb(corpora):
    pair = next(p for p in corpora["sov"]["test"] if p.src == ("the", "frog", "hears", "a", "king"))
    assert pair.tgt[-1] == "kiku" and (2, len(pair.tgt) - 1) in long_jumps(pair, 2)
    gold = torch.zeros(len(pair.tgt) + 1, len(pair.src))
    for s, t in pair.alignment:
        gold[t, s] = 1
    maps = [{"cross": [gold[None]]}]
    assert jump_accuracy(maps, [pair], 0, 0, min_jump=2) == 1.0


def test_jump_table_ranks_every_head_and_long_jump_share_takes_any_maps(corpora):
    from transformer_lite.measure.heads import jump_table, long_jump_share
    from transformer_lite.metrics import diagonal_attention

    pair = next(p for p in corpora["sov"]["test"] if p.src == ("the", "frog", "hears", "a", "king"))
    gold = torch.zeros(len(pair.tgt) + 1, len(pair.src))
    for s, t in pair.alignment:
        gold[t, s] = 1
    diagonal = torch.cat([diagonal_attention(pair), torch.zeros(1, len(pair.src))])
    maps = [{"cross": [torch.stack([diagonal, gold])]}]  # layer 0: head 0 the diagonal, head 1 the gold
    table = jump_table(maps, [pair], min_jump=2)
    assert [(r["layer"], r["head"]) for r in table] == [(0, 1), (0, 0)] and table[0]["share"] == 1.0
    assert table[1]["share"] == long_jump_share([diagonal_attention(pair)], [pair], min_jump=2) < 1.0
    assert long_jump_share([gold], [pair], min_jump=99) == 0.0  # no long jump at all


def test_ablation_builds_head_masks(corpora):
    model = tiny_transformer(corpora["fr"])
    iv = ablation(model, [("cross", 1, 0)], temperature=2.0)
    assert iv.temperature == 2.0 and torch.equal(iv.head_mask["cross"], torch.tensor([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="layer 5"):
        ablation(model, [("cross", 5, 0)])
    with pytest.raises(ValueError, match="no 'dec_self'"):
        ablation(tiny_rnn(corpora["fr"]), [("dec_self", 0, 0)])


@pytest.mark.slow
def test_notebook_claims_on_the_shipped_transformers(corpora):
    from transformer_lite.measure.heads import jump_table, long_jump_share, uniform_previous_share
    from transformer_lite.metrics import attention_aer, diagonal_attention, evaluate
    from transformer_lite.recipes import checkpoint_path, load_pretrained

    if not (checkpoint_path("transformer", "fr").exists() and checkpoint_path("transformer", "sov").exists()):
        pytest.skip("the shipped transformer checkpoints are not built yet")
    fr, sov = corpora["fr"], corpora["sov"]
    model, _ = load_pretrained("transformer", "fr", device=torch.device("cpu"))
    pairs = fr["test"][:120]
    maps = teacher_forced_maps(model, pairs, fr.src_vocab, fr.tgt_vocab)
    ranking = head_aer_table(model, pairs, fr.src_vocab, fr.tgt_vocab, maps=maps)
    diagonal = attention_aer([diagonal_attention(p) for p in pairs], pairs)
    best, worst = ranking[0], ranking[-1]
    assert best["aer"] < diagonal < worst["aer"]  # some heads align, some do not
    uniform = uniform_previous_share(pairs)
    assert previous_token_table(model, pairs, fr.src_vocab, fr.tgt_vocab, maps=maps)[0]["share"] > 2 * uniform

    def bleu(heads):
        return evaluate(model, pairs, fr.src_vocab, fr.tgt_vocab, intervene=ablation(model, heads))["bleu"]

    full = bleu([])
    assert bleu([("cross", best["layer"], best["head"])]) < full - 5  # the best-aligned head is needed
    assert bleu([("cross", worst["layer"], worst["head"])]) > full - 5  # the worst one much less

    sov_model, _ = load_pretrained("transformer", "sov", device=torch.device("cpu"))
    sov_pairs = sov["test"][:120]
    sov_maps = teacher_forced_maps(sov_model, sov_pairs, sov.src_vocab, sov.tgt_vocab)
    diagonal_jumps = long_jump_share([diagonal_attention(q) for q in sov_pairs], sov_pairs)
    best_jump = jump_table(sov_maps, sov_pairs)[0]["share"]
    assert best_jump == max(jump_accuracy(sov_maps, sov_pairs, la, h) for la in range(2) for h in range(4))
    assert best_jump > 0.5 > diagonal_jumps


def test_uniform_previous_share_is_the_mean_diagonal_of_an_even_causal_head():
    """A head spreading its weight over every visible input puts 1/(i+1) on row i's diagonal."""
    from types import SimpleNamespace

    from transformer_lite.measure.heads import uniform_previous_share

    pair = SimpleNamespace(tgt=["a", "b", "c"])  # inputs <bos> a b c: rows 1..3 give 1/2, 1/3, 1/4
    assert abs(uniform_previous_share([pair]) - (1 / 2 + 1 / 3 + 1 / 4) / 3) < 1e-6
    with pytest.raises(ValueError, match="pairs is empty"):
        uniform_previous_share([])


def test_article_noun_weights_on_a_hand_made_map():
    """Notebook 02's claims article_weight_on_noun / article_noun_over_uniform: the mean weight of a
    French article's row on its English article and on that article's noun, next to uniform."""
    from transformer_lite.measure.heads import FR_ARTICLES, article_noun_weights

    assert set(FR_ARTICLES) == {"le", "la", "un", "une"}
    # the cat sees a table -> le chat voit une table; "sees" is no noun, so "a" looks ahead to "table"
    pair = Pair(
        ("the", "cat", "sees", "a", "table"),
        ("le", "chat", "voit", "une", "table"),
        ((0, 0), (1, 1), (2, 2), (3, 3), (4, 4)),
    )
    weights = torch.full((6, 5), 0.2)  # + the <eos> row
    weights[0] = torch.tensor([0.5, 0.3, 0.1, 0.05, 0.05])  # "le": on "the", then "cat"
    weights[3] = torch.tensor([0.0, 0.1, 0.1, 0.2, 0.6])  # "une": on "a", then "table"
    out = article_noun_weights([weights], [pair])
    assert out["rows"] == 2
    assert out["article"] == pytest.approx((0.5 + 0.2) / 2)
    assert out["noun"] == pytest.approx((0.3 + 0.6) / 2)
    assert out["uniform"] == pytest.approx(1 / 5)
    with pytest.raises(ValueError, match="no row of an article"):
        article_noun_weights([weights], [pair], articles=("der",))
